import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { linkClick, navigate } from '../../router';
import { ProblemMessage, fieldErrorsOf, messageOf } from '../kit/ProblemMessage';
import { useDraft } from '../kit/useDraft';
import { formatVietnam, fromVietnamInput } from '../kit/vnTime';
import { consolePath } from '../paths';
import type { Scope } from '../scope';
import { newRoundForm, questionsPerAttempt, roundBody, roundFormOf, ROUND_FIELD_LABEL, type Contest, type Round, type RoundForm, type RoundList } from './model';
import { RoundFields } from './RoundFields';

type Load = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ready'; contest: Contest; round: Round | null; count: number };

/** A new round of a contest, or one round's settings (locked where the server says so). */
export function RoundPage({ contestId, roundId }: { scope: Scope; contestId: string; roundId: string | null }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [retry, setRetry] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    const signal = controller.signal;
    const enc = encodeURIComponent;
    Promise.all([
      api.request<Contest>('GET', `/contests/${enc(contestId)}`, { signal }),
      roundId ? api.request<Round>('GET', `/rounds/${enc(roundId)}`, { signal }) : Promise.resolve(null),
      roundId ? Promise.resolve(null) : api.request<RoundList>('GET', `/contests/${enc(contestId)}/rounds`, { signal }),
    ])
      .then(([contest, round, list]) => setLoad({ state: 'ready', contest, round, count: list?.total ?? 0 }))
      .catch((error: unknown) => signal.aborted || setLoad({ state: 'error', error }));
    return () => controller.abort();
  }, [contestId, roundId, retry]);
  if (load.state === 'loading') return <p class="muted">Đang tải…</p>;
  if (load.state === 'error') return <ProblemMessage error={load.error} onRetry={() => setRetry((n) => n + 1)} />;
  const kind = load.contest.kind;
  const fresh = newRoundForm(Date.now(), kind);
  const initial = load.round ? roundFormOf(load.round) : kind === 'contest' ? { ...fresh, name: `Tuần thi thứ ${load.count + 1}` } : fresh;
  return <RoundEditor key={roundId ?? 'new'} contest={load.contest} round={load.round} initial={initial} />;
}

function RoundEditor({ contest, round, initial }: { contest: Contest; round: Round | null; initial: RoundForm }) {
  const [form, setForm, { clear, restored }] = useDraft<RoundForm>(`round.${contest.id}.${round?.id ?? 'new'}`, initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [enough, setEnough] = useState<boolean | null>(null);
  const set = (change: Partial<RoundForm>) => setForm((f) => ({ ...f, ...change }));
  const locks = round?.locks ?? null;
  const locked = new Set(locks?.fields ?? []);
  const back = consolePath('cuoc-thi', contest.id);
  const adding = contest.kind === 'theory_test' ? 'Thêm bài kiểm tra' : 'Thêm vòng thi';

  const save = async () => {
    setBusy(true);
    setErrors({});
    setFailure(null);
    try {
      const body = roundBody(form, contest.kind);
      if (!round) {
        await api.request('POST', `/contests/${encodeURIComponent(contest.id)}/rounds`, { body });
      } else if (locks) {
        // A started round takes only what the server still allows.
        await api.request('PATCH', `/rounds/${encodeURIComponent(round.id)}`, { body: { name: body.name, closes_at: body.closes_at } });
      } else {
        await api.request('PATCH', `/rounds/${encodeURIComponent(round.id)}`, { body });
      }
      clear();
      navigate(back);
    } catch (err) {
      setErrors(fieldErrorsOf(err));
      setFailure(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  const blocker = !form.name.trim()
    ? contest.kind === 'theory_test' ? 'Nhập tên bài kiểm tra.' : 'Nhập tên vòng thi.'
    : contest.kind === 'theory_test' && !form.theoryTarget
      ? 'Chọn bài học được kiểm tra.'
    : !fromVietnamInput(form.opensAt) || !fromVietnamInput(form.closesAt)
      ? 'Nhập thời gian mở và đóng.'
      : !locks && questionsPerAttempt(form) < 1
        ? 'Chọn ít nhất một câu hỏi cho mỗi lượt thi.'
        : !locks && enough === false
          ? 'Ngân hàng câu hỏi không đủ câu cho nguồn câu hỏi này.'
          : null;

  return (
    <section class="round-page">
      <p class="crumb">
        <a href={consolePath('cuoc-thi')} onClick={linkClick(consolePath('cuoc-thi'))}>
          Cuộc thi
        </a>{' '}
        ›{' '}
        <a href={back} onClick={linkClick(back)}>
          {contest.title}
        </a>{' '}
        › {round ? round.name : adding}
      </p>
      <h1>{round ? `Cài đặt: ${round.name}` : adding}</h1>
      {restored && (
        <p class="message message--notice" role="status">
          Đã khôi phục những thay đổi bạn đang soạn dở.{' '}
          <button type="button" class="linklike" onClick={() => (clear(), setForm(initial))}>
            Bỏ thay đổi
          </button>
        </p>
      )}
      {locks && (
        <div class="message message--warn" data-testid="round-locks">
          <p>
            <strong>Vòng thi đã bắt đầu</strong> (lượt thi đầu tiên lúc {formatVietnam(locks.since)}): mọi thí sinh phải thi theo cùng một thể lệ, nên
            không thể đổi {locks.fields.filter((f) => f !== 'theory' || contest.kind === 'theory_test').map((f) => ROUND_FIELD_LABEL[f] ?? f).join(', ')}.
          </p>
          <p>Vẫn có thể đổi tên vòng thi và gia hạn thời gian đóng (lùi muộn hơn; việc gia hạn được ghi lại).</p>
        </div>
      )}
      <div class="card">
        <RoundFields form={form} set={set} unitId={contest.unit_id} errors={errors} locked={locked} onEnough={setEnough} kind={contest.kind} contestPassMark={contest.pass_mark} />
        {failure && (
          <p class="message message--error" role="alert">
            {failure}
          </p>
        )}
        <div class="wizard__nav">
          <a class="button button--ghost" href={back} onClick={linkClick(back)}>
            Hủy bỏ
          </a>
          <button type="button" class="button button--primary" disabled={busy || !!blocker} onClick={save}>
            {busy ? 'Đang lưu…' : round ? 'Lưu thay đổi' : adding}
          </button>
        </div>
        {blocker && (
          <p class="hint wizard__blocker" role="status">
            {blocker}
          </p>
        )}
      </div>
    </section>
  );
}
