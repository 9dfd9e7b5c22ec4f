// Pure wording for the round console (no DOM, no API): a round's state, a place in a
// ranking, what a republication changed, finishes per minute. Unit-tested in format.test.ts.

import { formatCount } from '../../board/format';
import type { Placing, RankChange } from './api';

/** A round's state as organizers say it (glossary: Nháp / Đang mở / Đã kết thúc). */
export function roundStateLabel(state: string, published: boolean): string {
  if (published) return 'Đã công bố kết quả';
  switch (state) {
    case 'upcoming':
      return 'Chưa mở';
    case 'open':
      return 'Đang mở';
    case 'closed':
      return 'Đã kết thúc';
    default:
      return state;
  }
}

/** "Hạng 2 – Giải Nhì", "Hạng 3", or "Không xếp hạng" when the entrant was not ranked. */
export function placingText(p: Placing | null | undefined): string {
  if (!p) return 'Không xếp hạng';
  return p.prize ? `Hạng ${formatCount(p.rank)} – ${p.prize}` : `Hạng ${formatCount(p.rank)}`;
}

/** What happened to one entrant between two publications, in a few words. */
export function changeText(c: RankChange): string {
  if (!c.before && c.after) return 'Được xếp hạng lại (kết quả được khôi phục)';
  if (c.before && !c.after) return 'Bị loại khỏi bảng xếp hạng (kết quả bị hủy)';
  if (!c.before || !c.after) return 'Không đổi';
  const prizeMoved = (c.before.prize ?? null) !== (c.after.prize ?? null);
  const up = c.after.rank < c.before.rank;
  const down = c.after.rank > c.before.rank;
  const rank = up ? `Lên ${formatCount(c.before.rank - c.after.rank)} hạng` : down ? `Xuống ${formatCount(c.after.rank - c.before.rank)} hạng` : '';
  const prize = prizeMoved ? (c.after.prize ? `nhận ${c.after.prize}` : `không còn ${c.before.prize}`) : '';
  if (rank && prize) return `${rank}, ${prize}`;
  if (prize) return prize.charAt(0).toUpperCase() + prize.slice(1);
  return rank || 'Không đổi';
}

/** "3 bài/phút" for the finishes of the last minute. */
export function perMinuteText(n: number | null | undefined): string {
  return `${formatCount(n ?? 0)} bài/phút`;
}
