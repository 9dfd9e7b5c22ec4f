import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import type { BoardLine, LiveSnapshot, UnitStanding } from '../api/types';
import { formatCount } from '../board/format';
import { LiveConnection, type LiveStatus } from '../board/sse';
import { useLoad } from '../board/useLoad';
import { BoardLines, UnitLines } from '../components/Board';
import { FormMessage } from '../components/Field';
import { linkClick, roundBoardPath, routes } from '../router';
import './live.css';

/** What the screen shows; the polling fallback cannot know every counter. */
export interface LiveView {
  participants: number;
  finished_attempts: number | null;
  perfect_participants: number | null;
  top: BoardLine[];
  units: UnitStanding[];
}

export const LIVE_TOP = 10;

/** Units shown beside the top 10 on a projector (the rest are summed up in one line). */
export const LIVE_UNITS = 6;

/** The fallback's snapshot: the board's top lines and the host unit's children by participants. */
async function pollSnapshot(roundId: string, signal: AbortSignal): Promise<LiveView> {
  const scope = { kind: 'round' as const, id: roundId };
  const [board, units] = await Promise.all([
    api.board(scope, { offset: 0, limit: LIVE_TOP }, signal),
    api.unitStandings(scope, { order: 'participants' }, signal),
  ]);
  return {
    participants: board.total,
    finished_attempts: null,
    perfect_participants: null,
    top: board.items.map((l) => ({ ...l, is_me: false })),
    units: units.items,
  };
}

function clockText(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

function StatusLine({ status, onRetry }: { status: LiveStatus; onRetry: () => void }) {
  const text =
    status.state === 'connecting'
      ? 'Đang kết nối…'
      : status.state === 'live'
        ? 'Trực tiếp'
        : status.state === 'polling'
          ? 'Cập nhật định kỳ (5 giây một lần)'
          : status.state === 'reconnecting'
            ? 'Mất kết nối, đang kết nối lại…'
            : status.message;
  return (
    <p class={`live-status live-status--${status.state}`} role="status" data-testid="live-status" data-state={status.state}>
      <span class="live-status__dot" aria-hidden="true" />
      {text}
      {(status.state === 'reconnecting' || status.state === 'failed') && (
        <button type="button" class="button button--small live-status__retry" onClick={onRetry}>
          Kết nối lại ngay
        </button>
      )}
    </p>
  );
}

/** The organizers' big screen: counters, top 10 and units, live from the round's event stream. */
export function LivePage({ roundId }: { roundId: string }) {
  const [view, setView] = useState<LiveView | null>(null);
  const [status, setStatus] = useState<LiveStatus>({ state: 'connecting' });
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [generation, setGeneration] = useState(0);
  const conn = useRef<LiveConnection<LiveView> | null>(null);
  const header = useLoad(async (signal) => {
    const round = await api.round(roundId, signal);
    const contest = await api.contest(round.contest_id, signal).catch(() => null);
    return { round: round.name, title: contest?.title ?? '' };
  }, [roundId]);

  useEffect(() => {
    const c = new LiveConnection<LiveView>({
      open: (lastEventId, signal) =>
        api.openStream(`/rounds/${encodeURIComponent(roundId)}/live`, { query: { top: LIVE_TOP }, lastEventId, signal }),
      poll: (signal) => pollSnapshot(roundId, signal),
      onData: (data) => {
        const snap = data as LiveView | LiveSnapshot;
        setView({
          participants: snap.participants,
          finished_attempts: snap.finished_attempts ?? null,
          perfect_participants: snap.perfect_participants ?? null,
          top: snap.top ?? [],
          units: snap.units ?? [],
        });
        setUpdatedAt(new Date());
      },
      onStatus: setStatus,
    });
    conn.current = c;
    c.start();
    const online = () => c.reconnectNow();
    const offline = () => c.interrupt();
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
      c.stop();
      conn.current = null;
    };
  }, [roundId, generation]);

  function retry() {
    if (status.state === 'failed') setGeneration((g) => g + 1);
    else conn.current?.reconnectNow();
  }

  function fullscreen() {
    const el = document.documentElement;
    if (document.fullscreenElement) void document.exitFullscreen?.().catch(() => {});
    else void el.requestFullscreen?.().catch(() => {});
  }

  const info = header.load.state === 'ready' ? header.load.data : null;
  const shownUnits = view ? view.units.slice(0, LIVE_UNITS) : [];
  const moreUnits = view ? view.units.length - shownUnits.length : 0;

  return (
    <main
      class={`live${status.state === 'reconnecting' || status.state === 'failed' ? ' live--stale' : ''}`}
      id="main"
      aria-busy={view === null}
    >
      <div class="live__head">
        <div class="live__titles">
          <h1 class="live__title">{info?.title || 'Kết quả trực tiếp'}</h1>
          {info && <p class="live__round">{info.round}</p>}
        </div>
        <div class="live__tools">
          <StatusLine status={status} onRetry={retry} />
          {updatedAt && <p class="live__updated">Cập nhật lúc {clockText(updatedAt)}</p>}
          <button type="button" class="button button--small live__fullscreen" onClick={fullscreen}>
            Toàn màn hình
          </button>
        </div>
      </div>

      {status.state === 'failed' && view === null && <FormMessage kind="error">{status.message}</FormMessage>}
      {view === null && status.state !== 'failed' && (
        <p class="live__waiting" role="status">
          Đang chờ số liệu…
        </p>
      )}

      {view && (
        <>
          <dl class="live__counters" data-testid="live-counters">
            <div>
              <dt>Người dự thi</dt>
              <dd data-testid="live-participants">{formatCount(view.participants)}</dd>
            </div>
            <div>
              <dt>Lượt thi đã nộp</dt>
              <dd data-testid="live-attempts">{formatCount(view.finished_attempts)}</dd>
            </div>
            <div>
              <dt>Đạt điểm tuyệt đối</dt>
              <dd data-testid="live-perfect">{formatCount(view.perfect_participants)}</dd>
            </div>
          </dl>
          <div class="live__cols">
            <section aria-labelledby="live-top-title" data-testid="live-top" class="live__top">
              <h2 id="live-top-title">Top {LIVE_TOP}</h2>
              {view.top.length ? <BoardLines lines={view.top} big /> : <p class="empty">Chưa có bài nộp.</p>}
            </section>
            <div class="live__side">
              <section aria-labelledby="live-units-title" data-testid="live-units">
                <h2 id="live-units-title">Xếp hạng đơn vị</h2>
                {shownUnits.length ? <UnitLines units={shownUnits} big /> : <p class="empty">Chưa có đơn vị.</p>}
                {moreUnits > 0 && <p class="live__more">và {formatCount(moreUnits)} đơn vị khác</p>}
              </section>
              <section class="live__join" aria-labelledby="live-join-title" data-testid="live-join">
                <img
                  class="live__qr"
                  src={`/api/v1/rounds/${encodeURIComponent(roundId)}/qr.svg`}
                  alt="Mã QR để vào thi"
                  width={240}
                  height={240}
                />
                <div>
                  <h2 id="live-join-title">Quét mã để vào thi</h2>
                  <p class="live__join-host">{window.location.host}</p>
                </div>
              </section>
            </div>
          </div>
        </>
      )}
      <p class="live__foot">
        <a href={roundBoardPath(roundId)} onClick={linkClick(roundBoardPath(roundId))}>
          Bảng xếp hạng đầy đủ
        </a>
        {' · '}
        <a href={routes.home} onClick={linkClick(routes.home)}>
          Trang chủ
        </a>
      </p>
    </main>
  );
}
