import { useEffect, useState } from 'preact/hooks';
import type { ResultLine, UnitPrizeLine } from '../../api/types';
import { formatCount, formatDecimal, formatTimeUsed, rateText } from '../../board/format';
import { ConfirmDialog } from '../kit/ConfirmDialog';
import { DataTable, type Column } from '../kit/DataTable';
import { Pager } from '../kit/Pager';
import { messageOf, ProblemMessage } from '../kit/ProblemMessage';
import { useQueryState } from '../kit/useQueryState';
import { formatVietnam } from '../kit/vnTime';
import { roundsApi, type Publication, type PublishedOverall, type RankChange, type ResultsResponse } from './api';
import { changeText, placingText } from './format';
import type { RoundInfo } from './RoundSection';

const PAGE = 20;

/** What changed for whom, as a table (a republication, or one from the record). */
function ChangesTable({ changes, changed }: { changes: RankChange[]; changed: number }) {
  const columns: Column<RankChange>[] = [
    { key: 'name', label: 'Họ và tên', render: (c) => <strong>{c.full_name}</strong> },
    { key: 'before', label: 'Lần công bố trước', render: (c) => placingText(c.before) },
    { key: 'after', label: 'Lần này', render: (c) => placingText(c.after) },
    { key: 'what', label: 'Thay đổi', render: (c) => changeText(c) },
  ];
  if (changed === 0) return <p>Không ai thay đổi hạng hoặc giải so với lần công bố trước.</p>;
  return (
    <>
      <div data-testid="changes">
        <DataTable caption="Thay đổi so với lần công bố trước" columns={columns} rows={changes} rowKey={(c) => c.user_id} />
      </div>
      {changed > changes.length && (
        <p class="hint">
          Hiển thị {formatCount(changes.length)}/{formatCount(changed)} thay đổi; xuất Excel để xem toàn bộ kết quả.
        </p>
      )}
    </>
  );
}

/**
 * Publishing a closed round's final results with its prizes (and again after a void, showing
 * what changed), the published ranking and unit prizes, the record of publications, and the
 * contest's overall publication.
 */
export function Results({ info, onPublished }: { info: RoundInfo; onPublished: () => void }) {
  const { round, contest, published } = info;
  const qs = useQueryState();
  const offset = qs.getNumber('kq', 0);
  const [results, setResults] = useState<ResultsResponse | null>(null);
  const [resultsError, setResultsError] = useState<unknown>(null);
  const [history, setHistory] = useState<Publication[]>([]);
  const [asking, setAsking] = useState<'round' | 'contest' | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [overall, setOverall] = useState<PublishedOverall | null>(null);
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    if (published) {
      roundsApi.results(round.id, { offset, limit: PAGE }, signal).then(
        (r) => (setResults(r), setResultsError(null)),
        (err: unknown) => !signal.aborted && setResultsError(err),
      );
    }
    roundsApi.publications(round.id, signal).then(
      (p) => setHistory(p.items),
      () => {},
    );
    return () => controller.abort();
  }, [round.id, published, offset, reload]);

  async function publishRound() {
    setBusy(true);
    setError(null);
    try {
      await roundsApi.publish(round.id);
      setAsking(null);
      setReload((n) => n + 1);
      onPublished();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  async function publishContest() {
    setBusy(true);
    setError(null);
    try {
      setOverall(await roundsApi.publishContest(contest.id));
      setAsking(null);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  const closed = round.state === 'closed';
  const latest = history[0] ?? null;
  const earlier = history.slice(1);

  const columns: Column<ResultLine>[] = [
    { key: 'rank', label: 'Hạng', numeric: true, render: (l) => formatCount(l.rank) },
    { key: 'name', label: 'Họ và tên', render: (l) => <strong>{l.display_name}</strong> },
    { key: 'unit', label: 'Đơn vị', render: (l) => l.unit_name },
    { key: 'score', label: 'Điểm', numeric: true, render: (l) => `${formatCount(l.score)}/${formatCount(l.max_score)}` },
    { key: 'prediction', label: 'Dự đoán', numeric: true, render: (l) => (l.prediction == null ? '—' : formatCount(l.prediction)) },
    { key: 'time', label: 'Thời gian', numeric: true, render: (l) => formatTimeUsed(l.time_used_ms) },
    { key: 'prize', label: 'Giải', render: (l) => (l.prize ? <span class="prize-tag">{l.prize}</span> : '') },
  ];
  const unitColumns: Column<UnitPrizeLine>[] = [
    { key: 'rank', label: 'Hạng', numeric: true, render: (u) => formatCount(u.rank) },
    { key: 'name', label: 'Đơn vị', render: (u) => <strong>{u.name}</strong> },
    { key: 'rate', label: 'Tham gia', render: (u) => rateText(u.participants, u.members ?? null, u.rate ?? null) },
    { key: 'won', label: 'Giải cá nhân', numeric: true, render: (u) => formatCount(u.prizes_won) },
    { key: 'points', label: 'Điểm xét giải', numeric: true, render: (u) => (u.points == null ? '—' : formatDecimal(u.points, 2)) },
    { key: 'prize', label: 'Giải tập thể', render: (u) => (u.prize ? <span class="prize-tag">{u.prize}</span> : '') },
  ];

  return (
    <>
      <section class="card publish-card" aria-labelledby="publish-title">
        <h2 id="publish-title">{published ? 'Kết quả chính thức' : 'Công bố kết quả'}</h2>
        {published && latest ? (
          <p data-testid="published-summary">
            Công bố lúc {formatVietnam(latest.published_at)} (giờ Việt Nam): {formatCount(latest.ranked)} người được xếp hạng,{' '}
            {formatCount(latest.prizes)} giải cá nhân.
            {results?.prediction_actual != null && <> Đáp án câu hỏi dự đoán: {formatCount(results.prediction_actual)}.</>}
          </p>
        ) : published ? (
          <p>Kết quả đã được công bố.</p>
        ) : closed ? (
          <p>Vòng thi đã kết thúc. Công bố để tính đáp án câu hỏi dự đoán, xếp hạng theo tiêu chí của cuộc thi và trao giải.</p>
        ) : (
          <p>
            Vòng thi đóng lúc {formatVietnam(round.closes_at)} (giờ Việt Nam). Kết quả được công bố sau khi vòng thi kết thúc và
            mọi bài thi đã nộp.
          </p>
        )}
        <div class="publish-card__actions">
          <button
            type="button"
            class="button button--primary"
            disabled={!closed}
            onClick={() => (setError(null), setAsking('round'))}
            data-testid="publish-round"
          >
            {published ? 'Công bố lại' : 'Công bố kết quả'}
          </button>
          <button type="button" class="button button--ghost" onClick={() => (setError(null), setOverall(null), setAsking('contest'))}>
            Công bố kết quả chung cuộc của cuộc thi
          </button>
        </div>
        {published && (
          <p class="hint">
            Sau khi hủy hoặc khôi phục một kết quả, bấm “Công bố lại” để cập nhật xếp hạng và giải; các thay đổi được liệt kê bên dưới.
          </p>
        )}
        {overall && (
          <p class="message message--notice" role="status">
            Đã công bố kết quả chung cuộc: {formatCount(overall.ranked)} người qua {formatCount(overall.rounds)} vòng thi,{' '}
            {formatCount(overall.prizes)} giải.
          </p>
        )}
      </section>

      {latest?.republished && (
        <section aria-labelledby="changes-title">
          <h2 id="changes-title">Thay đổi ở lần công bố lại lúc {formatVietnam(latest.published_at)}</h2>
          <ChangesTable changes={latest.changes} changed={latest.changed} />
        </section>
      )}

      {published && (
        <section aria-labelledby="final-title">
          <h2 id="final-title">Bảng xếp hạng chính thức</h2>
          <ProblemMessage error={resultsError} onRetry={() => setReload((n) => n + 1)} />
          <div data-testid="final-results">
            <DataTable
              caption="Bảng xếp hạng chính thức"
              columns={columns}
              rows={results?.items ?? []}
              rowKey={(l) => `${l.rank}-${l.display_name}-${l.finished_at}`}
              loading={results === null && !resultsError}
              empty="Không có ai được xếp hạng."
            />
          </div>
          {results && <Pager offset={offset} limit={PAGE} total={results.total} noun="người" onOffset={(o) => qs.set({ kq: o || null })} />}
          <p class="hint">Tên được viết tắt như trên bảng công khai; họ tên đầy đủ có trong tệp Excel xuất ra.</p>
          {results && results.unit_prizes.length > 0 && (
            <>
              <h2 class="results__units-title">Giải tập thể</h2>
              <DataTable caption="Giải tập thể" columns={unitColumns} rows={results.unit_prizes} rowKey={(u) => u.unit_id} />
            </>
          )}
        </section>
      )}

      {earlier.length > 0 && (
        <section aria-labelledby="history-title">
          <h2 id="history-title">Các lần công bố trước</h2>
          <ul class="publication-list">
            {earlier.map((p) => (
              <li key={p.published_at}>
                <details>
                  <summary>
                    {formatVietnam(p.published_at)}: {p.republished ? 'công bố lại' : 'công bố lần đầu'}, {formatCount(p.ranked)} người,{' '}
                    {formatCount(p.prizes)} giải{p.republished ? `, ${formatCount(p.changed)} thay đổi` : ''}
                  </summary>
                  {p.republished && <ChangesTable changes={p.changes} changed={p.changed} />}
                </details>
              </li>
            ))}
          </ul>
        </section>
      )}

      {asking === 'round' && (
        <ConfirmDialog
          title={published ? 'Công bố lại kết quả' : 'Công bố kết quả'}
          body={
            published
              ? 'Xếp hạng và giải được tính lại từ các bài thi còn hiệu lực (bỏ các kết quả đã hủy). Bảng xếp hạng chính thức sẽ thay đổi và các thay đổi được ghi lại.'
              : 'Đáp án câu hỏi dự đoán được tính, bài thi được xếp hạng theo tiêu chí của cuộc thi và giải được trao. Đoàn viên sẽ thấy kết quả chính thức.'
          }
          confirmLabel={published ? 'Công bố lại' : 'Công bố'}
          busy={busy}
          error={error}
          onCancel={() => setAsking(null)}
          onConfirm={() => void publishRound()}
        />
      )}
      {asking === 'contest' && (
        <ConfirmDialog
          title="Công bố kết quả chung cuộc"
          body={`Cộng điểm các vòng thi đã công bố của “${contest.title}” và trao giải chung cuộc. Cần công bố kết quả của từng vòng thi trước.`}
          confirmLabel="Công bố chung cuộc"
          busy={busy}
          error={error}
          onCancel={() => setAsking(null)}
          onConfirm={() => void publishContest()}
        />
      )}
    </>
  );
}
