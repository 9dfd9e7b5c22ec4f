import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { linkClick, navigate } from '../../router';
import { ConfirmDialog } from '../kit/ConfirmDialog';
import { messageOf, ProblemMessage } from '../kit/ProblemMessage';
import { formatDate } from '../kit/vnTime';
import { consolePath } from '../paths';
import { getQuestion, getStats, getVersions, type Question, type Stats, type Version } from './api';
import { decimal, DIFFICULTY_LABELS, KIND_LABELS, letter, percent, STATUS_CLASS, STATUS_LABELS, type Difficulty, type Kind, type Status } from './labels';
import { QuestionPreview } from './QuestionPreview';

type Action = 'retire' | 'activate' | 'delete';

/** /quan-ly/ngan-hang/<id>: the question as members see it, its facts, its statistics, and what can be done with it. */
export function QuestionDetail({ id }: { id: string }) {
  const [q, setQ] = useState<Question | null>(null);
  const [stats, setStats] = useState<Stats | null>(null);
  const [versions, setVersions] = useState<Version[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [confirm, setConfirm] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);

  const load = (signal?: AbortSignal) => {
    setError(null);
    getQuestion(id, signal).then(setQ, (e) => !signal?.aborted && setError(e));
    // Both belong to the bank's managers only; for a question shared from above they are 403.
    getStats(id, signal).then(setStats, () => setStats(null));
    getVersions(id, signal).then((v) => setVersions(v.items), () => setVersions([]));
  };
  useEffect(() => {
    const ctl = new AbortController();
    load(ctl.signal);
    return () => ctl.abort();
  }, [id]);

  if (error) return <ProblemMessage error={error} onRetry={() => load()} />;
  if (!q) return <p class="muted">Đang tải câu hỏi…</p>;

  const back = consolePath('ngan-hang');
  const edit = consolePath('ngan-hang', q.id, 'sua');
  const status = q.status as Status;
  const neverUsed = status === 'draft' && q.version === 1;

  const act = async (action: Action) => {
    setBusy(true);
    setActionError(null);
    try {
      if (action === 'delete') {
        await api.request('DELETE', `/questions/${q.id}`);
        navigate(back);
        return;
      }
      const next = await api.request<Question>('PATCH', `/questions/${q.id}`, { body: { status: action === 'retire' ? 'retired' : 'active' } });
      setQ(next);
      setConfirm(null);
    } catch (e) {
      setActionError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p class="bank-back">
        <a href={back} onClick={linkClick(back)}>
          ‹ Ngân hàng câu hỏi
        </a>
      </p>
      <div class="page-head">
        <h1>Câu hỏi</h1>
        {q.key_visible && (
          <div class="page-head__actions">
            <a class="button button--primary" href={edit} onClick={linkClick(edit)}>
              Sửa
            </a>
            {status === 'draft' && (
              <button type="button" class="button" onClick={() => setConfirm('activate')}>
                Đưa vào sử dụng
              </button>
            )}
            {status === 'active' && (
              <button type="button" class="button" onClick={() => setConfirm('retire')}>
                Ngừng dùng
              </button>
            )}
            {status === 'retired' && (
              <button type="button" class="button" onClick={() => setConfirm('activate')}>
                Dùng lại
              </button>
            )}
            {neverUsed && (
              <button type="button" class="button button--danger" onClick={() => setConfirm('delete')}>
                Xóa
              </button>
            )}
          </div>
        )}
      </div>
      {!q.key_visible && (
        <p class="message message--notice">Câu hỏi này do đơn vị cấp trên chia sẻ: bạn dùng được trong cuộc thi nhưng không xem được đáp án và không sửa được.</p>
      )}

      <div class="bank-detail">
        <section class="card" aria-labelledby="preview-title">
          <h2 id="preview-title">Đoàn viên sẽ thấy</h2>
          <QuestionPreview q={{ ...q, kind: q.kind as Kind }} showKey={q.key_visible} />
        </section>

        <section class="card bank-facts" aria-labelledby="facts-title">
          <h2 id="facts-title">Thông tin</h2>
          <dl>
            <dt>Trạng thái</dt>
            <dd>
              <span class={STATUS_CLASS[status]}>{STATUS_LABELS[status]}</span>
            </dd>
            <dt>Chủ đề</dt>
            <dd>{q.topic.name ?? q.topic.code}</dd>
            <dt>Loại</dt>
            <dd>{KIND_LABELS[q.kind as Kind]}</dd>
            <dt>Độ khó</dt>
            <dd>{DIFFICULTY_LABELS[q.difficulty as Difficulty]}</dd>
            {q.tags.length > 0 && (
              <>
                <dt>Thẻ</dt>
                <dd>{q.tags.join(', ')}</dd>
              </>
            )}
            {q.legal_basis && (
              <>
                <dt>Văn bản pháp lý</dt>
                <dd>
                  {q.legal_basis.document}
                  {(q.legal_basis.valid_from || q.legal_basis.valid_until) && (
                    <span class="muted">
                      {' '}
                      (hiệu lực {q.legal_basis.valid_from ? `từ ${formatDate(q.legal_basis.valid_from)}` : ''}
                      {q.legal_basis.valid_until ? ` đến ${formatDate(q.legal_basis.valid_until)}` : ''})
                    </span>
                  )}
                </dd>
              </>
            )}
            <dt>Phiên bản</dt>
            <dd>{q.version}</dd>
            <dt>Ngày tạo</dt>
            <dd>{formatDate(q.created_at)}</dd>
            <dt>Sửa lần cuối</dt>
            <dd>{formatDate(q.updated_at)}</dd>
            <dt>Chia sẻ cấp dưới</dt>
            <dd>{q.shared ? 'Có, các đơn vị trực thuộc dùng được' : 'Không'}</dd>
          </dl>
          <p class="hint">
            Khi câu hỏi đã được dùng, mỗi lần sửa nội dung tạo một phiên bản mới; bài thi đã làm vẫn giữ đúng phiên bản đoàn viên đã thấy.
          </p>
        </section>

        <section class="card bank-stats" aria-labelledby="stats-title">
          <h2 id="stats-title">Thống kê câu hỏi</h2>
          {!stats || Number(stats.times_shown) === 0 ? (
            <p class="muted">Câu hỏi chưa xuất hiện trong bài thi nào đã nộp, nên chưa có thống kê.</p>
          ) : (
            <>
              <dl class="bank-stats__numbers">
                <dt>Đã xuất hiện trong</dt>
                <dd data-testid="stats-shown">{Number(stats.times_shown).toLocaleString('vi-VN')} bài thi đã nộp</dd>
                <dt>Tỷ lệ trả lời đúng (độ dễ)</dt>
                <dd>
                  {percent(stats.facility)}
                  <span class="muted"> {facilityNote(stats.facility)}</span>
                </dd>
                <dt>Độ phân biệt</dt>
                <dd data-testid="stats-discrimination">
                  {stats.discrimination == null ? 'Chưa tính' : decimal(stats.discrimination)}
                  <span class="muted"> {discriminationNote(stats.discrimination)}</span>
                </dd>
                <dt>Bỏ trống</dt>
                <dd>{Number(stats.unanswered).toLocaleString('vi-VN')} bài thi</dd>
              </dl>
              <h3>Tỷ lệ chọn từng phương án</h3>
              <p class="hint">
                Theo thứ tự trong ngân hàng câu hỏi (thí sinh có thể thấy thứ tự đã đảo). Phương án sai mà gần như không ai chọn thì không còn tác dụng gây
                nhiễu, nên thay bằng phương án hợp lý hơn.
              </p>
              <ul class="bank-shares">
                {stats.options.map((o, i) => (
                  <li key={o.option_id}>
                    <span class="bank-shares__label">
                      {letter(i)}. {o.text}
                      {o.correct && <strong> ✓</strong>}
                    </span>
                    <span class="bank-shares__bar" aria-hidden="true">
                      <span class={o.correct ? 'bank-shares__fill bank-shares__fill--key' : 'bank-shares__fill'} style={{ width: `${Math.round(o.share * 100)}%` }} />
                    </span>
                    <span class="bank-shares__value">{percent(o.share)}</span>
                  </li>
                ))}
              </ul>
              {stats.version !== q.version && <p class="hint">Thống kê của phiên bản {stats.version}.</p>}
            </>
          )}
        </section>
      </div>

      {versions.length > 1 && (
        <section class="card bank-versions" aria-labelledby="versions-title">
          <h2 id="versions-title">Các phiên bản ({versions.length})</h2>
          <p class="hint">Bài thi đã làm giữ đúng phiên bản đoàn viên đã thấy.</p>
          {versions.map((v) => (
            <details key={v.version_id}>
              <summary>
                Phiên bản {v.version}
                {v.current ? ' (hiện tại)' : ''} — {formatDate(v.created_at)}
              </summary>
              <QuestionPreview
                q={{ kind: q.kind as Kind, text: v.text, image: v.image ?? null, options: v.options, explanation: v.explanation ?? null, source: v.source_title ? { title: v.source_title } : null }}
              />
            </details>
          ))}
        </section>
      )}

      {confirm && (
        <ConfirmDialog
          title={confirm === 'delete' ? 'Xóa câu hỏi nháp?' : confirm === 'retire' ? 'Ngừng dùng câu hỏi?' : 'Đưa câu hỏi vào sử dụng?'}
          body={
            confirm === 'delete'
              ? 'Câu hỏi nháp chưa từng được dùng sẽ bị xóa hẳn.'
              : confirm === 'retire'
                ? 'Câu hỏi không được rút vào các lượt thi mới; bài thi đã làm vẫn giữ nguyên câu hỏi.'
                : 'Câu hỏi có thể được rút vào các vòng thi từ bây giờ.'
          }
          confirmLabel={confirm === 'delete' ? 'Xóa' : confirm === 'retire' ? 'Ngừng dùng' : 'Đồng ý'}
          danger={confirm === 'delete'}
          busy={busy}
          error={actionError}
          onConfirm={() => act(confirm)}
          onCancel={() => {
            setConfirm(null);
            setActionError(null);
          }}
        />
      )}
    </>
  );
}


/** A plain reading of the discrimination index for someone who is not a psychometrician. */
function discriminationNote(d: number | null | undefined): string {
  // The server computes it from 10 finished attempts on (below that one answer swings it).
  if (d === null || d === undefined) return '(cần ít nhất 10 bài thi đã nộp)';
  if (d >= 0.3) return '(tốt: người làm bài tốt thường trả lời đúng)';
  if (d >= 0.1) return '(tạm được)';
  if (d < 0) return '(âm: người làm bài tốt lại hay trả lời sai, hãy kiểm tra đáp án đúng)';
  return '(kém: nên xem lại câu hỏi hoặc đáp án)';
}

/** A plain reading of the facility: a question almost everyone (or no one) gets right says little. */
function facilityNote(f: number | null | undefined): string {
  if (f === null || f === undefined) return '';
  if (f >= 0.9) return '(rất dễ)';
  if (f <= 0.2) return '(rất khó, hãy kiểm tra đáp án đúng)';
  return '';
}
