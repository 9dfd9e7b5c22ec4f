import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../../api';
import { RichText } from '../../components/RichText';
import { attemptPath, linkClick, navigate } from '../../router';
import { ProblemMessage, messageOf } from '../kit/ProblemMessage';
import { formatVietnam } from '../kit/vnTime';
import { consolePath } from '../paths';
import { loadTopics } from './PoolEditor';
import type { Scope } from '../scope';
import {
  KIND_LABEL,
  PREDICTION_LABEL,
  REVIEW_LABEL,
  ROLE_LABEL,
  ROUND_FIELD_LABEL,
  STATUS_CLASS,
  STATUS_LABEL,
  TIE_BREAK_LABEL,
  VISIBILITY_LABEL,
  formatMinutes,
  type Contest,
  type Round,
  type RoundList,
  unitBasisText,
} from './model';

type Load = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ready'; contest: Contest; rounds: Round[]; units: Record<string, string> };

const ROUND_STATE: Record<string, { label: string; cls: string }> = {
  upcoming: { label: 'Chưa mở', cls: 'status status--draft' },
  open: { label: 'Đang mở', cls: 'status status--open' },
  closed: { label: 'Đã kết thúc', cls: 'status status--closed' },
};

/**
 * One contest: its summary as it will run (the page to check before the first round opens),
 * its rounds with what is locked and why, a preview of each round as a member would take it,
 * and the way to each round's live monitor and results (the `vong-thi` section).
 */
export function ContestPage({ contestId }: { scope: Scope; contestId: string }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [retry, setRetry] = useState(0);
  const [previewError, setPreviewError] = useState<{ round: string; message: string } | null>(null);
  const [previewing, setPreviewing] = useState<string | null>(null);
  const [topicNames, setTopicNames] = useState<Record<string, string>>({});
  useEffect(() => {
    loadTopics().then((ts) => setTopicNames(Object.fromEntries(ts.map((t) => [t.code, t.name]))), () => undefined);
  }, []);
  const justCreated = new URLSearchParams(window.location.search).get('moi') === '1';

  useEffect(() => {
    const controller = new AbortController();
    const signal = controller.signal;
    (async () => {
      const enc = encodeURIComponent(contestId);
      const [contest, rounds] = await Promise.all([
        api.request<Contest>('GET', `/contests/${enc}`, { signal }),
        api.request<RoundList>('GET', `/contests/${enc}/rounds`, { signal }),
      ]);
      // The names of the units the settings mention.
      const ids = [...new Set([contest.unit_id, contest.eligibility.unit_id, ...(contest.eligibility.excluded_unit_ids ?? [])].filter((x): x is string => !!x))];
      const named = await Promise.all(ids.map((id) => api.unit(id, signal).then((u) => [id, u.name] as const, () => [id, 'Đơn vị đã xóa'] as const)));
      setLoad({ state: 'ready', contest, rounds: rounds.items, units: Object.fromEntries(named) });
    })().catch((error: unknown) => signal.aborted || setLoad({ state: 'error', error }));
    return () => controller.abort();
  }, [contestId, retry]);

  if (load.state === 'loading') return <p class="muted">Đang tải cuộc thi…</p>;
  if (load.state === 'error') {
    return (
      <>
        <h1>Cuộc thi</h1>
        <ProblemMessage error={load.error} onRetry={() => setRetry((n) => n + 1)} />
      </>
    );
  }
  const { contest: c, rounds, units } = load;
  const e = { ...c.eligibility, excluded_unit_ids: c.eligibility.excluded_unit_ids ?? [], excluded_roles: c.eligibility.excluded_roles ?? [] };

  const preview = async (round: Round) => {
    setPreviewing(round.id);
    setPreviewError(null);
    try {
      const attempt = await api.request<{ id: string }>('POST', `/rounds/${encodeURIComponent(round.id)}/preview`);
      navigate(attemptPath(attempt.id));
    } catch (err) {
      const running = err instanceof ApiError && err.code === 'attempt_in_progress' ? (err.problem as { attempt_id?: string }).attempt_id : undefined;
      if (running) return navigate(attemptPath(running));
      setPreviewError({ round: round.id, message: messageOf(err) });
    } finally {
      setPreviewing(null);
    }
  };

  return (
    <section class="contest-page">
      <p class="crumb">
        <a href={consolePath('cuoc-thi')} onClick={linkClick(consolePath('cuoc-thi'))}>
          Cuộc thi
        </a>{' '}
        › {c.title}
      </p>
      <div class="page-head">
        <h1>
          {c.title} <span class={STATUS_CLASS[c.status]}>{STATUS_LABEL[c.status]}</span>
        </h1>
        {c.can_manage && (
          <div class="page-head__actions">
            <a class="button button--ghost" href={consolePath('cuoc-thi', c.id, 'sua')} onClick={linkClick(consolePath('cuoc-thi', c.id, 'sua'))}>
              Sửa thông tin
            </a>
          </div>
        )}
      </div>
      {justCreated && (
        <p class="message message--notice" role="status">
          Đã tạo cuộc thi. Hãy kiểm tra lại các thông tin dưới đây và bấm "Xem thử như thí sinh" trước khi vòng thi mở.
        </p>
      )}
      <div class="contest-page__grid">
        <div class="card">
          <h2>Tóm tắt</h2>
          <dl class="summary" data-testid="contest-summary">
            <dt>Loại</dt>
            <dd>{KIND_LABEL[c.kind]}</dd>
            <dt>Đơn vị tổ chức</dt>
            <dd>{units[c.unit_id]}</dd>
            <dt>Đối tượng dự thi</dt>
            <dd>
              {e.unit_id ? `Đoàn viên của ${units[e.unit_id]} và các đơn vị trực thuộc` : 'Mọi người đã đăng ký'}
              {e.excluded_unit_ids.length > 0 && `; trừ ${e.excluded_unit_ids.map((id) => units[id]).join(', ')}`}
              {e.excluded_roles.length > 0 && `; không gồm ${e.excluded_roles.map((r) => ROLE_LABEL[r]).join(', ')}`}
              {e.managers_may_enter ? '; Ban Tổ chức được dự thi' : '; Ban Tổ chức không dự thi'}
            </dd>
            {c.kind === 'contest' && (
              <>
                <dt>Bảng xếp hạng</dt>
                <dd>{VISIBILITY_LABEL[c.leaderboard_visibility]}</dd>
                <dt>Xếp hạng</dt>
                <dd>{c.tie_break.map((k) => TIE_BREAK_LABEL[k]).join(' → ')}</dd>
                <dt>Giải mỗi vòng</dt>
                <dd>
                  {c.prizes.round?.length ? c.prizes.round.map((t) => `${t.name} × ${t.count}`).join('; ') : 'Không có'}
                  {c.perfect_only && ' (chỉ bài đạt điểm tuyệt đối)'}
                </dd>
                <dt>Giải chung cuộc</dt>
                <dd data-testid="summary-overall-prizes">
                  {c.prizes.overall?.length ? c.prizes.overall.map((t) => `${t.name} × ${t.count}`).join('; ') : 'Không có'}
                  {c.prizes.one_per_person && '; mỗi người tối đa một giải'}
                </dd>
                <dt>Giải tập thể</dt>
                <dd data-testid="summary-unit-prizes">
                  {c.prizes.units?.tiers.length
                    ? `${c.prizes.units.tiers.map((t) => `${t.name} × ${t.count}`).join('; ')} (${unitBasisText(c.prizes.units.basis ?? 'participants', c.prizes.units.points_per_prize ?? 0)})`
                    : 'Không có'}
                </dd>
              </>
            )}
            {c.pass_mark != null && (
              <>
                <dt>Điểm đạt</dt>
                <dd>{c.pass_mark}%</dd>
              </>
            )}
            <dt>Ngày tạo</dt>
            <dd>{formatVietnam(c.created_at)}</dd>
          </dl>
        </div>
        <div class="card">
          <h2>Giới thiệu và thể lệ</h2>
          {c.description.trim() ? <RichText text={c.description} /> : <p class="muted">Chưa có giới thiệu.</p>}
          <h3>Thể lệ</h3>
          {c.rules.trim() ? <RichText text={c.rules} /> : <p class="muted">Chưa có thể lệ.</p>}
        </div>
      </div>

      <div class="page-head contest-page__rounds-head">
        <h2>{c.kind === 'theory_test' ? 'Bài kiểm tra' : 'Vòng thi'} ({rounds.length})</h2>
        {c.can_manage && (
          <a class="button button--primary" href={consolePath('cuoc-thi', c.id, 'vong-moi')} onClick={linkClick(consolePath('cuoc-thi', c.id, 'vong-moi'))}>
            {c.kind === 'theory_test' ? '+ Thêm bài kiểm tra' : '+ Thêm vòng thi'}
          </a>
        )}
      </div>
      {rounds.length === 0 && <p class="empty">{c.kind === 'theory_test' ? 'Chưa có bài kiểm tra nào.' : 'Chưa có vòng thi nào.'}</p>}
      <ul class="round-cards">
        {rounds.map((r) => {
          const st = ROUND_STATE[r.state] ?? ROUND_STATE.upcoming!;
          const quotas = r.pool && 'quotas' in r.pool ? r.pool.quotas : null;
          return (
            <li class="card round-card" key={r.id} data-testid="round-card">
              <div class="round-card__head">
                <h3>{r.name}</h3>
                <span class={st.cls}>{st.label}</span>
                {r.practice && <span class="status">Thi thử</span>}
              </div>
              <p class="round-card__times">
                {formatVietnam(r.opens_at)} – {formatVietnam(r.closes_at)} <span class="muted">(giờ Việt Nam)</span>
              </p>
              <p>
                {r.questions_per_attempt} câu hỏi, {formatMinutes(r.time_limit_seconds)} mỗi lượt;{' '}
                {r.attempts_allowed ? `tối đa ${r.attempts_allowed} lượt` : 'không giới hạn lượt'}
                {r.theory &&
                  `; điểm đạt ${r.theory.pass_mark}%; ${r.theory.retry_wait_minutes > 0 ? `chờ ${r.theory.retry_wait_minutes} phút giữa hai lượt` : 'được làm lại ngay'}`}
                ; sau khi nộp bài: {REVIEW_LABEL[r.review].toLowerCase()}
                {r.prediction && `; ${PREDICTION_LABEL[r.prediction].toLowerCase()}`}
                {!r.shuffle_questions || !r.shuffle_options ? '; không đảo thứ tự' : ''}.
              </p>
              {quotas && <p class="muted">Rút ngẫu nhiên: {quotas.map((q) => `${q.count} câu “${topicNames[q.topic] ?? q.topic}”${q.difficulty ? ` (${{ easy: 'dễ', medium: 'trung bình', hard: 'khó' }[q.difficulty as 'easy']})` : ''}`).join(', ')}.</p>}
              {r.pool && 'question_ids' in r.pool && <p class="muted">{r.pool.question_ids.length} câu hỏi được chọn sẵn.</p>}
              {r.locks && (
                <p class="message message--warn" data-testid="round-locks">
                  Đã có thí sinh vào thi từ {formatVietnam(r.locks.since)}, nên không thể đổi:{' '}
                  {r.locks.fields.filter((f) => f !== 'theory' || c.kind === 'theory_test').map((f) => ROUND_FIELD_LABEL[f] ?? f).join(', ')}. Vẫn có thể đổi tên vòng thi và gia hạn thời gian đóng.
                </p>
              )}
              {previewError?.round === r.id && (
                <p class="message message--error" role="alert">
                  {previewError.message}
                </p>
              )}
              <div class="round-card__actions">
                {c.can_manage && r.state !== 'closed' && (
                  <button type="button" class="button" disabled={previewing === r.id} onClick={() => preview(r)}>
                    {previewing === r.id ? 'Đang mở…' : 'Xem thử như thí sinh'}
                  </button>
                )}
                {c.can_manage && (
                  <a class="button button--ghost" href={consolePath('cuoc-thi', c.id, 'vong', r.id)} onClick={linkClick(consolePath('cuoc-thi', c.id, 'vong', r.id))}>
                    {r.locks ? 'Gia hạn / đổi tên' : 'Sửa cài đặt'}
                  </a>
                )}
                <a class="button button--ghost" href={consolePath('vong-thi', r.id)} onClick={linkClick(consolePath('vong-thi', r.id))}>
                  Theo dõi và kết quả
                </a>
              </div>
            </li>
          );
        })}
      </ul>
      <p class="hint">Xem thử là một lượt làm bài thử: không tính điểm, không lên bảng xếp hạng và không làm khóa cài đặt của vòng thi.</p>
    </section>
  );
}

