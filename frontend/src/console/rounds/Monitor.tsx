import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../../api';
import { formatCount, formatDecimal, formatTimeUsed, rateText } from '../../board/format';
import { LiveConnection, type LiveStatus } from '../../board/sse';
import { ConfirmDialog } from '../kit/ConfirmDialog';
import { DataTable, type Column } from '../kit/DataTable';
import { Pager } from '../kit/Pager';
import { messageOf, ProblemMessage } from '../kit/ProblemMessage';
import { useQueryState } from '../kit/useQueryState';
import { formatVietnam } from '../kit/vnTime';
import { roundsApi, type EntrantLine, type EntrantsResponse, type LiveSnapshot, type UnitStanding, type VoidResponse } from './api';
import { perMinuteText } from './format';
import type { RoundInfo } from './RoundSection';

const PAGE = 20;

/** Reloading the entrants on every event of a busy round would hammer the server: at most this often. */
const ENTRANTS_EVERY_MS = 2_000;

function statusText(s: LiveStatus): string {
  switch (s.state) {
    case 'connecting':
      return 'Đang kết nối…';
    case 'live':
      return 'Đang cập nhật trực tiếp';
    case 'polling':
      return 'Cập nhật định kỳ';
    case 'reconnecting':
      return 'Mất kết nối, đang kết nối lại…';
    default:
      return s.message;
  }
}

/**
 * The live monitor: what is happening now (over the round's event stream, with the activity
 * counters the server gives organizers), the board with a tab per unit (with names, to void a
 * result), participation by unit, and the voided results with a way to restore them.
 */
export function Monitor({ info }: { info: RoundInfo }) {
  const { round } = info;
  const qs = useQueryState();
  const unitId = qs.get('don-vi') || null;
  const offset = qs.getNumber('tu', 0);
  const [snap, setSnap] = useState<LiveSnapshot | null>(null);
  const [status, setStatus] = useState<LiveStatus>({ state: 'connecting' });
  const [entrants, setEntrants] = useState<EntrantsResponse | null>(null);
  const [entrantsError, setEntrantsError] = useState<unknown>(null);
  const [voids, setVoids] = useState<VoidResponse[]>([]);
  const [version, setVersion] = useState(0);
  const [voiding, setVoiding] = useState<EntrantLine | null>(null);
  const [restoring, setRestoring] = useState<VoidResponse | null>(null);
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const lastLoad = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);

  // The stream: a snapshot per change; each one also asks the entrants list to catch up.
  useEffect(() => {
    const c = new LiveConnection<LiveSnapshot>({
      open: (lastEventId, signal) =>
        api.openStream(`/rounds/${encodeURIComponent(round.id)}/live`, { query: { top: 10 }, lastEventId, signal }),
      onData: (data) => {
        setSnap(data);
        const wait = Math.max(0, lastLoad.current + ENTRANTS_EVERY_MS - Date.now());
        if (pending.current === null) {
          pending.current = setTimeout(() => {
            pending.current = null;
            setVersion((v) => v + 1);
          }, wait);
        }
      },
      onStatus: setStatus,
    });
    c.start();
    return () => {
      c.stop();
      if (pending.current !== null) clearTimeout(pending.current);
      pending.current = null;
    };
  }, [round.id]);

  useEffect(() => {
    const controller = new AbortController();
    lastLoad.current = Date.now();
    roundsApi.entrants(round.id, { unit_id: unitId, offset, limit: PAGE }, controller.signal).then(
      (e) => (setEntrants(e), setEntrantsError(null)),
      (err: unknown) => !controller.signal.aborted && setEntrantsError(err),
    );
    roundsApi.voids(round.id, controller.signal).then(
      (v) => setVoids(v.items),
      () => {},
    );
    return () => controller.abort();
  }, [round.id, unitId, offset, version]);

  async function act(run: () => Promise<unknown>, done: string) {
    setBusy(true);
    setActionError(null);
    try {
      await run();
      setVoiding(null);
      setRestoring(null);
      setNotice(done);
      setVersion((v) => v + 1);
    } catch (err) {
      setActionError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  const a = snap?.activity ?? null;
  const units: UnitStanding[] = snap?.units ?? [];
  const unitName = unitId ? (units.find((u) => u.unit_id === unitId)?.name ?? 'Đơn vị đã chọn') : null;
  const inForce = voids.filter((v) => !v.lifted_at);

  const columns: Column<EntrantLine>[] = [
    { key: 'rank', label: 'Hạng', numeric: true, render: (e) => formatCount(e.rank) },
    { key: 'name', label: 'Họ và tên', render: (e) => <strong>{e.full_name}</strong> },
    { key: 'phone', label: 'Điện thoại', render: (e) => e.phone_masked || '—' },
    { key: 'unit', label: 'Đơn vị', render: (e) => e.unit_name },
    { key: 'score', label: 'Điểm', numeric: true, render: (e) => formatCount(e.score) },
    { key: 'time', label: 'Thời gian làm bài', numeric: true, render: (e) => formatTimeUsed(e.time_used_ms) },
    { key: 'at', label: 'Nộp bài lúc', render: (e) => formatVietnam(e.finished_at) },
    {
      key: 'act',
      label: 'Thao tác',
      render: (e) => (
        <button
          type="button"
          class="button button--small button--ghost round-console__void"
          onClick={() => (setActionError(null), setVoiding(e))}
          aria-label={`Hủy kết quả của ${e.full_name}`}
        >
          Hủy kết quả
        </button>
      ),
    },
  ];

  return (
    <>
      <p class={`live-status live-status--${status.state} round-console__status`} role="status" data-testid="monitor-status" data-state={status.state}>
        <span class="live-status__dot" aria-hidden="true" />
        {statusText(status)}
      </p>
      {notice && (
        <p class="message message--notice" role="status" data-testid="monitor-notice">
          {notice}
        </p>
      )}

      <dl class="monitor-counters" data-testid="monitor-counters">
        <div>
          <dt>Đang làm bài</dt>
          <dd data-testid="count-in-progress">{a ? formatCount(a.in_progress) : '—'}</dd>
        </div>
        <div>
          <dt>Lượt đã bắt đầu</dt>
          <dd data-testid="count-started">{a ? formatCount(a.started_attempts) : '—'}</dd>
        </div>
        <div>
          <dt>Lượt đã nộp bài</dt>
          <dd data-testid="count-finished">{snap ? formatCount(snap.finished_attempts) : '—'}</dd>
        </div>
        <div>
          <dt>Người dự thi</dt>
          <dd data-testid="count-participants">{snap ? formatCount(snap.participants) : '—'}</dd>
        </div>
        <div>
          <dt>Nộp bài trong 1 phút qua</dt>
          <dd data-testid="count-per-minute" aria-label={a ? perMinuteText(a.finished_last_minute) : undefined}>
            {a ? formatCount(a.finished_last_minute) : '—'}
            <span class="monitor-counters__unit" aria-hidden="true">
              bài/phút
            </span>
          </dd>
        </div>
        <div>
          <dt>Đạt điểm tuyệt đối</dt>
          <dd>{snap ? formatCount(snap.perfect_participants) : '—'}</dd>
        </div>
      </dl>

      <div class="monitor-cols">
        <section aria-labelledby="board-title" class="monitor-board">
          <h2 id="board-title">Bảng xếp hạng trực tiếp</h2>
          <div class="unit-tabs" role="group" aria-label="Lọc theo đơn vị">
            <button
              type="button"
              class={`unit-tabs__tab${unitId ? '' : ' unit-tabs__tab--on'}`}
              aria-pressed={!unitId}
              onClick={() => qs.set({ 'don-vi': null, tu: null })}
            >
              Tất cả
            </button>
            {units.map((u) => (
              <button
                key={u.unit_id}
                type="button"
                class={`unit-tabs__tab${unitId === u.unit_id ? ' unit-tabs__tab--on' : ''}`}
                aria-pressed={unitId === u.unit_id}
                onClick={() => qs.set({ 'don-vi': u.unit_id, tu: null })}
              >
                {u.name}
              </button>
            ))}
          </div>
          {entrantsError ? <ProblemMessage error={entrantsError} onRetry={() => setVersion((v) => v + 1)} /> : null}
          <div data-testid="monitor-board">
            <DataTable
              caption={unitName ? `Bảng xếp hạng trực tiếp – ${unitName}` : 'Bảng xếp hạng trực tiếp'}
              columns={columns}
              rows={entrants?.items ?? []}
              rowKey={(e) => e.user_id}
              loading={entrants === null && !entrantsError}
              empty={unitName ? `Chưa có ai thuộc ${unitName} nộp bài.` : 'Chưa có ai nộp bài.'}
            />
          </div>
          {entrants && (
            <Pager offset={offset} limit={PAGE} total={entrants.total} noun="người dự thi" onOffset={(o) => qs.set({ tu: o || null })} />
          )}
          <p class="hint">Kết quả bị hủy không còn trên bảng; danh sách bên dưới cho phép khôi phục.</p>
        </section>

        <section aria-labelledby="units-title" class="monitor-units">
          <h2 id="units-title">Tỷ lệ tham gia theo đơn vị</h2>
          {units.length === 0 ? (
            <p class="muted">{snap ? 'Đơn vị tổ chức không có đơn vị trực thuộc.' : 'Đang chờ số liệu…'}</p>
          ) : (
            <table class="data-table monitor-units__table" data-testid="monitor-units">
              <caption class="visually-hidden">Tỷ lệ tham gia theo đơn vị</caption>
              <thead>
                <tr>
                  <th scope="col">Đơn vị</th>
                  <th scope="col">Tham gia</th>
                  <th scope="col" class="num">
                    Điểm TB
                  </th>
                </tr>
              </thead>
              <tbody>
                {units.map((u) => (
                  <tr key={u.unit_id}>
                    <td data-label="Đơn vị">{u.name}</td>
                    <td data-label="Tham gia" data-testid="unit-rate">
                      {rateText(u.participants, u.members, u.rate)}
                    </td>
                    <td data-label="Điểm TB" class="num">
                      {formatDecimal(u.avg_score)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>

      <section aria-labelledby="voids-title" class="monitor-voids">
        <h2 id="voids-title">Kết quả đã hủy ({formatCount(inForce.length)})</h2>
        {voids.length === 0 ? (
          <p class="muted">Chưa hủy kết quả nào trong vòng thi này.</p>
        ) : (
          <ul class="void-list" data-testid="void-list">
            {voids.map((v) => (
              <li key={v.id} class={`void-list__item${v.lifted_at ? ' void-list__item--lifted' : ''}`} data-testid="void-item" data-user-id={v.user_id}>
                <div>
                  <strong>{v.full_name}</strong>
                  <span class="muted"> – hủy lúc {formatVietnam(v.voided_at)}</span>
                  <p class="void-list__reason">Lý do: {v.reason}</p>
                  {v.lifted_at && (
                    <p class="void-list__reason">
                      Đã khôi phục lúc {formatVietnam(v.lifted_at)}
                      {v.lift_reason ? ` (lý do: ${v.lift_reason})` : ''}
                    </p>
                  )}
                </div>
                {!v.lifted_at && (
                  <button type="button" class="button button--small" onClick={() => (setActionError(null), setRestoring(v))}>
                    Khôi phục
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>

      {voiding && (
        <ConfirmDialog
          title="Hủy kết quả"
          body={`Kết quả của ${voiding.full_name} (${voiding.unit_name}, ${formatCount(voiding.score)} điểm) sẽ rời bảng xếp hạng ngay và không được xếp giải khi công bố (lại). Kết quả không bị xóa và có thể khôi phục.`}
          confirmLabel="Hủy kết quả"
          reasonLabel="Lý do hủy (được lưu lại)"
          danger
          busy={busy}
          error={actionError}
          onCancel={() => setVoiding(null)}
          onConfirm={(reason) =>
            act(() => roundsApi.void(round.id, voiding.user_id, reason), `Đã hủy kết quả của ${voiding.full_name}.`)
          }
        />
      )}
      {restoring && (
        <ConfirmDialog
          title="Khôi phục kết quả"
          body={`Kết quả của ${restoring.full_name} sẽ được tính lại trên bảng xếp hạng. Nếu đã công bố, hãy công bố lại để cập nhật giải.`}
          confirmLabel="Khôi phục"
          reasonLabel="Lý do khôi phục (được lưu lại)"
          busy={busy}
          error={actionError}
          onCancel={() => setRestoring(null)}
          onConfirm={(reason) =>
            act(() => roundsApi.restore(round.id, restoring.user_id, reason), `Đã khôi phục kết quả của ${restoring.full_name}.`)
          }
        />
      )}
    </>
  );
}
