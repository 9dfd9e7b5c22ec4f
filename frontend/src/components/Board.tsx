import type { BoardLine, UnitStanding } from '../api/types';
import { formatCount, formatDecimal, formatTimeUsed, rateText } from '../board/format';

/**
 * The lines of a board (people) and of a units ranking, shared by the leaderboard page and the
 * big-screen live page. Names are shown exactly as the server masked them.
 */
export function BoardLines({ lines, showPrize, big }: { lines: BoardLine[]; showPrize?: boolean; big?: boolean }) {
  return (
    <ol class={`board${big ? ' board--big' : ''}`} data-testid="board">
      {lines.map((l) => (
        <li
          key={`${l.rank}-${l.display_name}-${l.unit_id ?? ''}-${l.finished_at}`}
          class={`board__line${l.is_me ? ' board__line--me' : ''}${l.prize ? ' board__line--prize' : ''}`}
          data-testid="board-line"
          data-me={l.is_me ? 'true' : undefined}
          data-rank={l.rank}
          id={l.is_me ? 'my-line' : undefined}
        >
          <span class="board__rank">
            <span class="visually-hidden">Hạng </span>
            {formatCount(l.rank)}
          </span>
          <span class="board__who">
            <span class="board__name">
              {l.display_name || 'Ẩn danh'}
              {l.is_me && <span class="board__you"> (Bạn)</span>}
            </span>
            <span class="board__unit">{l.unit_name}</span>
            {showPrize && l.prize && (
              <span class="board__prize" data-testid="prize">
                {l.prize}
              </span>
            )}
          </span>
          <span class="board__num">
            <span class="board__score">
              <strong>{formatCount(l.score)}</strong> điểm
            </span>
            <span class="board__time">
              <span class="visually-hidden">Thời gian làm bài </span>
              {formatTimeUsed(l.time_used_ms)}
            </span>
          </span>
        </li>
      ))}
    </ol>
  );
}

export interface UnitLinesProps {
  units: UnitStanding[];
  /** Units on the member's own path (their unit and those above it) get a tag. */
  mine?: ReadonlySet<string>;
  /** Drill down to a unit's children. */
  onOpen?: (u: UnitStanding) => void;
  big?: boolean;
}

export function UnitLines({ units, mine, onOpen, big }: UnitLinesProps) {
  return (
    <ol class={`units${big ? ' units--big' : ''}`} data-testid="units">
      {units.map((u) => (
        <li
          key={u.unit_id}
          class={`units__line${mine?.has(u.unit_id) ? ' units__line--mine' : ''}`}
          data-testid="unit-line"
          data-unit-id={u.unit_id}
        >
          <span class="board__rank">
            <span class="visually-hidden">Hạng </span>
            {formatCount(u.rank)}
          </span>
          <span class="board__who">
            {onOpen ? (
              <button
                type="button"
                class="units__open"
                onClick={() => onOpen(u)}
                aria-label={`${u.name}: xem các đơn vị trực thuộc`}
              >
                {u.name}
              </button>
            ) : (
              <span class="board__name">{u.name}</span>
            )}
            {mine?.has(u.unit_id) && <span class="board__you">Đơn vị của bạn</span>}
            <span class="units__rate" data-testid="unit-rate">
              <span class="visually-hidden">Tham gia: </span>
              {rateText(u.participants, u.members, u.rate)}
            </span>
          </span>
          <span class="board__num">
            <span class="board__score">
              <strong>{formatDecimal(u.avg_score)}</strong>
            </span>
            <span class="board__time">điểm TB</span>
          </span>
        </li>
      ))}
    </ol>
  );
}
