import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { BoardScope } from '../api/client';
import type { BoardLine, MyPlace, ResultsResponse, Unit, UnitOrder, UnitStanding } from '../api/types';
import { formatVietnamTime } from '../attempt/clock';
import { formatCount, formatTimeUsed, placeText, rateText, shownText, formatDecimal } from '../board/format';
import { boardErrorText, useLoad } from '../board/useLoad';
import { BoardLines, UnitLines } from '../components/Board';
import { FormMessage } from '../components/Field';
import { contestBoardPath, linkClick, livePath, navigate, routes } from '../router';

/** Rows per page: small enough for a weak mobile connection. */
export const PAGE_SIZE = 20;

type Tab = 'all' | 'unit' | 'units';
const TABS: Array<{ id: Tab; label: string; slug: string }> = [
  { id: 'all', label: 'Toàn bộ', slug: 'toan-bo' },
  { id: 'unit', label: 'Đơn vị của tôi', slug: 'don-vi-cua-toi' },
  { id: 'units', label: 'Xếp hạng đơn vị', slug: 'xep-hang-don-vi' },
];

const ORDERS: Array<{ id: UnitOrder; label: string }> = [
  { id: 'participants', label: 'Số người thi' },
  { id: 'rate', label: 'Tỷ lệ' },
  { id: 'score', label: 'Điểm TB' },
];

/** The tab named in `?xem=` (so a reload or a shared link keeps it). */
function tabFromUrl(): Tab {
  const slug = new URLSearchParams(window.location.search).get('xem');
  return TABS.find((t) => t.slug === slug)?.id ?? 'all';
}

function tabToUrl(tab: Tab) {
  const url = new URL(window.location.href);
  const slug = TABS.find((t) => t.id === tab)!.slug;
  if (tab === 'all') url.searchParams.delete('xem');
  else url.searchParams.set('xem', slug);
  window.history.replaceState(window.history.state, '', `${url.pathname}${url.search}`);
}

/** The member's unit and the units above it, nearest first (for "Đơn vị của tôi"). */
interface MyUnits {
  chain: Array<Pick<Unit, 'id' | 'name'>>;
}

async function loadMyUnits(signal: AbortSignal): Promise<MyUnits> {
  const me = await api.me(signal);
  try {
    const unit = await api.unit(me.unit_id, signal);
    const above = [...(unit.ancestors ?? [])].reverse();
    return { chain: [{ id: unit.id, name: unit.name }, ...above.map((u) => ({ id: u.id, name: u.name }))] };
  } catch (err) {
    if (signal.aborted) throw err;
    // Without the ancestors the member's own unit still works.
    return { chain: [{ id: me.unit_id, name: me.unit?.name ?? 'Đơn vị của tôi' }] };
  }
}

/** "Kết quả chính thức" or "Đang cập nhật", from the board's `state`. */
function StateLabel({ state, publishedAt }: { state: string; publishedAt?: string | null }) {
  if (state === 'final') {
    return (
      <p class="board-state board-state--final" data-testid="board-state" data-state="final">
        <strong>Kết quả chính thức</strong>
        {publishedAt && <span> · công bố lúc {formatVietnamTime(publishedAt)}</span>}
      </p>
    );
  }
  return (
    <p class="board-state" data-testid="board-state" data-state="live">
      <strong>Tạm thời</strong> · bảng đang cập nhật theo bài nộp; kết quả chính thức được công bố sau khi vòng thi kết thúc.
    </p>
  );
}

/** A board of people, for everyone or for one unit's subtree, with "load more" and my place. */
function PeopleBoard({ scope, unitId }: { scope: BoardScope; unitId: string | null }) {
  const [lines, setLines] = useState<BoardLine[]>([]);
  const [total, setTotal] = useState(0);
  const [boardState, setBoardState] = useState<{ state: string; published_at?: string | null }>({ state: 'live' });
  const [status, setStatus] = useState<'loading' | 'ready' | 'error' | 'more' | 'more-error'>('loading');
  const [error, setError] = useState('');
  const [place, setPlace] = useState<MyPlace | null | 'error'>(null);
  const [tries, setTries] = useState(0);
  const [official, setOfficial] = useState<ResultsResponse | null>(null);
  const controller = useRef<AbortController | null>(null);

  useEffect(() => {
    const c = new AbortController();
    controller.current = c;
    setStatus('loading');
    setLines([]);
    setPlace(null);
    api.board(scope, { unit_id: unitId, offset: 0, limit: PAGE_SIZE }, c.signal).then(
      (page) => {
        if (c.signal.aborted) return;
        setLines(page.items);
        setTotal(page.total);
        setBoardState({ state: page.state, published_at: page.published_at });
        setStatus('ready');
        if (page.state === 'final' && scope.kind === 'round' && unitId === null) {
          // The true value of the prediction question and the unit prizes: a nicety.
          api.results(scope.id, { limit: 1 }, c.signal).then(
            (r) => !c.signal.aborted && setOfficial(r),
            () => {},
          );
        }
      },
      (err: unknown) => {
        if (c.signal.aborted) return;
        setError(boardErrorText(err));
        setStatus('error');
      },
    );
    api.myPlace(scope, unitId, c.signal).then(
      (p) => !c.signal.aborted && setPlace(p),
      (err: unknown) => {
        if (c.signal.aborted || (err instanceof ApiError && err.status === 401)) return;
        setPlace('error');
      },
    );
    return () => c.abort();
  }, [scope.kind, scope.id, unitId, tries]);

  function more() {
    const c = controller.current;
    if (!c) return;
    setStatus('more');
    api.board(scope, { unit_id: unitId, offset: lines.length, limit: PAGE_SIZE }, c.signal).then(
      (page) => {
        if (c.signal.aborted) return;
        // A live board moves between pages: drop lines we already show.
        const seen = new Set(lines.map((l) => `${l.rank}|${l.display_name}|${l.unit_id ?? ''}|${l.finished_at}`));
        setLines([...lines, ...page.items.filter((l) => !seen.has(`${l.rank}|${l.display_name}|${l.unit_id ?? ''}|${l.finished_at}`))]);
        setTotal(page.total);
        setStatus('ready');
      },
      (err: unknown) => {
        if (c.signal.aborted) return;
        setError(boardErrorText(err));
        setStatus('more-error');
      },
    );
  }

  const final = boardState.state === 'final';
  const mineShown = lines.some((l) => l.is_me);
  const entry = place && place !== 'error' && place.ranked ? place.entry : null;

  if (status === 'loading') return <p class="muted" role="status">Đang tải bảng xếp hạng…</p>;
  if (status === 'error') {
    return (
      <>
        <FormMessage kind="error">{error}</FormMessage>
        <button type="button" class="button" onClick={() => setTries((t) => t + 1)}>
          Thử lại
        </button>
      </>
    );
  }

  return (
    <>
      <StateLabel state={boardState.state} publishedAt={boardState.published_at} />
      {official && official.prediction_actual !== null && official.prediction_actual !== undefined && (
        <p class="muted" data-testid="prediction-actual">
          Đáp án câu hỏi dự đoán: <strong>{formatCount(official.prediction_actual)}</strong>
        </p>
      )}
      {lines.length === 0 ? (
        <p class="empty" data-testid="board-empty">
          Chưa có ai trên bảng xếp hạng này.
        </p>
      ) : (
        <BoardLines lines={lines} showPrize={final} />
      )}
      <p class="muted board__count" aria-live="polite">
        {shownText(lines.length, total)}
      </p>
      {lines.length < total && (
        <button type="button" class="button board__more" onClick={more} disabled={status === 'more'} aria-busy={status === 'more'}>
          {status === 'more' ? 'Đang tải…' : 'Xem thêm'}
        </button>
      )}
      {status === 'more-error' && (
        <p class="message message--error" role="alert">
          {error}{' '}
          <button type="button" class="linklike" onClick={more}>
            Thử lại
          </button>
        </p>
      )}
      <button type="button" class="button button--ghost board__refresh" onClick={() => setTries((t) => t + 1)}>
        Làm mới
      </button>
      {official && official.unit_prizes.length > 0 && (
        <section class="card unit-prizes" aria-labelledby="unit-prizes-title">
          <h3 id="unit-prizes-title">Giải tập thể</h3>
          <ul>
            {official.unit_prizes
              .filter((u) => u.prize)
              .map((u) => (
                <li key={u.unit_id}>
                  <strong>{u.prize}</strong>: {u.name} · {rateText(u.participants, u.members, u.rate)}
                </li>
              ))}
          </ul>
        </section>
      )}
      <div class="my-place" data-testid="my-place" aria-live="polite">
        {place === null && <span class="muted">Đang tải vị trí của bạn…</span>}
        {place === 'error' && (
          <span>
            Không tải được vị trí của bạn.{' '}
            <button type="button" class="linklike" onClick={() => setTries((t) => t + 1)}>
              Thử lại
            </button>
          </span>
        )}
        {place && place !== 'error' && !entry && <span>Bạn chưa có kết quả trên bảng này.</span>}
        {entry && (
          <>
            <span class="my-place__rank">
              Vị trí của bạn: <strong data-testid="my-rank">{placeText(entry.rank, place && place !== 'error' ? place.total : total)}</strong>
            </span>
            <span class="my-place__facts">
              {formatCount(entry.score)} điểm · {formatTimeUsed(entry.time_used_ms)}
              {final && entry.prize ? ` · ${entry.prize}` : ''}
            </span>
            {mineShown && (
              <button
                type="button"
                class="linklike"
                onClick={() => document.getElementById('my-line')?.scrollIntoView({ block: 'center' })}
              >
                Xem dòng của bạn
              </button>
            )}
          </>
        )}
      </div>
    </>
  );
}

/** "Đơn vị của tôi": my unit's subtree, or one of the units above it. */
function MyUnitBoard({ scope, myUnits }: { scope: BoardScope; myUnits: ReturnType<typeof useLoad<MyUnits>> }) {
  const [chosen, setChosen] = useState<string | null>(null);
  const { load, retry } = myUnits;
  if (load.state === 'loading') return <p class="muted">Đang tải đơn vị của bạn…</p>;
  if (load.state === 'error') {
    return (
      <>
        <FormMessage kind="error">{load.message}</FormMessage>
        <button type="button" class="button" onClick={retry}>
          Thử lại
        </button>
      </>
    );
  }
  const chain = load.data.chain;
  const unitId = chosen ?? chain[0]!.id;
  return (
    <>
      {chain.length > 1 && (
        <div class="field board__unit-pick">
          <label for="board-unit">Xếp hạng trong</label>
          <select id="board-unit" value={unitId} onChange={(e) => setChosen((e.target as HTMLSelectElement).value)}>
            {chain.map((u, i) => (
              <option key={u.id} value={u.id}>
                {u.name}
                {i === 0 ? ' (đơn vị của tôi)' : ''}
              </option>
            ))}
          </select>
        </div>
      )}
      {chain.length === 1 && <p class="muted">Trong {chain[0]!.name}</p>}
      <PeopleBoard key={unitId} scope={scope} unitId={unitId} />
    </>
  );
}

/** "Xếp hạng đơn vị": a unit's children ranked, with drill-down and an order switch. */
function UnitsBoard({ scope, mine }: { scope: BoardScope; mine: ReadonlySet<string> }) {
  const [order, setOrder] = useState<UnitOrder>('participants');
  const [path, setPath] = useState<UnitStanding[]>([]); // drill-down trail; empty = the host unit
  const parentId = path.length ? path[path.length - 1]!.unit_id : null;
  const { load, retry } = useLoad(
    (signal) => api.unitStandings(scope, { parent_id: parentId, order }, signal),
    [scope.kind, scope.id, parentId, order],
  );

  return (
    <>
      <fieldset class="segmented" data-testid="unit-order">
        <legend>Xếp theo</legend>
        <div class="segmented__items">
          {ORDERS.map((o) => (
            <label key={o.id} class={`segmented__item${order === o.id ? ' segmented__item--on' : ''}`}>
              <input
                type="radio"
                name="unit-order"
                value={o.id}
                checked={order === o.id}
                onChange={() => setOrder(o.id)}
              />
              {o.label}
            </label>
          ))}
        </div>
      </fieldset>
      {path.length > 0 && (
        <nav class="units__trail" aria-label="Cấp đơn vị">
          <button type="button" class="linklike" onClick={() => setPath(path.slice(0, -1))}>
            ← Lên một cấp
          </button>
        </nav>
      )}
      {load.state === 'loading' && <p class="muted" role="status">Đang tải xếp hạng đơn vị…</p>}
      {load.state === 'error' && (
        <>
          <FormMessage kind="error">{load.message}</FormMessage>
          <button type="button" class="button" onClick={retry}>
            Thử lại
          </button>
        </>
      )}
      {load.state === 'ready' && (
        <>
          <p class="units__parent" data-testid="units-parent">
            <strong>{load.data.parent.name}</strong>: {rateText(load.data.parent.participants, load.data.parent.members, load.data.parent.rate)}
            {load.data.parent.avg_score !== null && load.data.parent.avg_score !== undefined && (
              <> · điểm TB {formatDecimal(load.data.parent.avg_score)}</>
            )}
          </p>
          {load.data.items.length === 0 ? (
            <p class="empty">Đơn vị này không có đơn vị trực thuộc.</p>
          ) : (
            <UnitLines units={load.data.items} mine={mine} onOpen={(u) => setPath([...path, u])} />
          )}
          <p class="muted units__note">Tỷ lệ = số người dự thi / số đoàn viên đã khai báo. Chọn tên đơn vị để xem các đơn vị trực thuộc.</p>
        </>
      )}
    </>
  );
}

/** A round's board or a contest's cumulative board: three tabs, my place pinned. */
export function LeaderboardPage({ scope }: { scope: BoardScope }) {
  const [tab, setTab] = useState<Tab>(tabFromUrl);
  const tabRefs = useRef<Array<HTMLButtonElement | null>>([]);
  const myUnits = useLoad(loadMyUnits, []);
  const header = useLoad(async (signal) => {
    if (scope.kind === 'contest') {
      const contest = await api.contest(scope.id, signal);
      return { title: contest.title, round: null as string | null, contestId: contest.id, canManage: contest.can_manage };
    }
    const round = await api.round(scope.id, signal);
    const contest = await api.contest(round.contest_id, signal).catch(() => null);
    return { title: contest?.title ?? '', round: round.name, contestId: round.contest_id, canManage: contest?.can_manage ?? false };
  }, [scope.kind, scope.id]);

  const mine = useMemo(
    () => new Set(myUnits.load.state === 'ready' ? myUnits.load.data.chain.map((u) => u.id) : []),
    [myUnits.load],
  );

  function choose(next: Tab) {
    setTab(next);
    tabToUrl(next);
  }

  function onTabKey(e: KeyboardEvent, i: number) {
    let j = -1;
    if (e.key === 'ArrowRight') j = (i + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') j = (i + TABS.length - 1) % TABS.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = TABS.length - 1;
    if (j < 0) return;
    e.preventDefault();
    choose(TABS[j]!.id);
    tabRefs.current[j]?.focus();
  }

  const info = header.load.state === 'ready' ? header.load.data : null;

  return (
    <main class="page page--board" id="main">
      <p class="crumb">
        <a href={routes.home} onClick={linkClick(routes.home)}>
          ← Trang chủ
        </a>
      </p>
      <h1>{scope.kind === 'contest' ? 'Bảng xếp hạng chung' : 'Bảng xếp hạng'}</h1>
      {info && (
        <p class="board-sub" data-testid="board-title">
          {info.title}
          {info.round && <> · {info.round}</>}
        </p>
      )}
      {info && (
        <p class="board-links">
          {scope.kind === 'round' ? (
            <a href={contestBoardPath(info.contestId)} onClick={linkClick(contestBoardPath(info.contestId))}>
              Bảng xếp hạng chung của cuộc thi
            </a>
          ) : null}
          {scope.kind === 'round' && info.canManage && (
            <>
              {' · '}
              <a href={livePath(scope.id)} onClick={linkClick(livePath(scope.id))}>
                Màn hình trực tiếp
              </a>
            </>
          )}
        </p>
      )}
      {scope.kind === 'contest' && <p class="muted">Tổng điểm và tổng thời gian các vòng thi (mỗi vòng tính lượt tốt nhất).</p>}

      <div class="tabs" role="tablist" aria-label="Chọn bảng xếp hạng">
        {TABS.map((t, i) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-controls={`panel-${t.id}`}
            aria-selected={tab === t.id}
            tabIndex={tab === t.id ? 0 : -1}
            class={`tabs__tab${tab === t.id ? ' tabs__tab--on' : ''}`}
            ref={(el) => {
              tabRefs.current[i] = el;
            }}
            onClick={() => choose(t.id)}
            onKeyDown={(e) => onTabKey(e, i)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <section class="tabs__panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'all' && <PeopleBoard key="all" scope={scope} unitId={null} />}
        {tab === 'unit' && <MyUnitBoard scope={scope} myUnits={myUnits} />}
        {tab === 'units' && <UnitsBoard scope={scope} mine={mine} />}
      </section>
      <button type="button" class="button button--ghost" onClick={() => navigate(routes.home)}>
        Về trang chủ
      </button>
    </main>
  );
}
