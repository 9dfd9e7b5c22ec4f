/**
 * Pure formatting for the boards: Vietnamese number style (1.234,5), "x/y = z%" participation,
 * time used as mm:ss. No DOM, no API: unit-tested in format.test.ts.
 */

import { formatDuration } from '../attempt/clock';

/** 56459 → "56.459" (Vietnamese thousands separator). */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.round(Math.abs(n))).replace(/\B(?=(\d{3})+(?!\d))/g, '.');
}

/** A decimal with at most `digits` decimals, comma as the separator: 7.25 → "7,3", 8 → "8". */
export function formatDecimal(n: number | null | undefined, digits = 1): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const factor = 10 ** digits;
  const rounded = Math.round(n * factor) / factor;
  const [int, frac] = Math.abs(rounded).toFixed(digits).split('.');
  const trimmed = (frac ?? '').replace(/0+$/, '');
  const sign = rounded < 0 ? '-' : '';
  return `${sign}${formatCount(Number(int))}${trimmed ? `,${trimmed}` : ''}`;
}

/** 0.305 → "30,5%". */
export function formatPercent(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return '—';
  return `${formatDecimal(rate * 100, 1)}%`;
}

/**
 * Participation as units report it: "12/40 = 30%". Without a declared member count there is
 * no rate: "12/— (chưa khai báo số đoàn viên)". The server's `rate` wins when given (it is what
 * units are ranked by); otherwise it is computed.
 */
export function rateText(participants: number, members: number | null | undefined, rate?: number | null): string {
  if (members === null || members === undefined || members <= 0) {
    return `${formatCount(participants)}/— (chưa khai báo số đoàn viên)`;
  }
  const r = rate ?? participants / members;
  return `${formatCount(participants)}/${formatCount(members)} = ${formatPercent(r)}`;
}

/** Time used as mm:ss; a contest board sums rounds, so minutes may pass 59 ("125:07"). */
export function formatTimeUsed(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '--:--';
  return formatDuration(ms);
}

/** A screen reader's reading of a line's rank: "Hạng 3". */
export function rankLabel(rank: number): string {
  return `Hạng ${formatCount(rank)}`;
}

/** "Hạng 12 trên 340" for the pinned "my place" bar. */
export function placeText(rank: number, total: number): string {
  return `Hạng ${formatCount(rank)}/${formatCount(total)}`;
}

/** Rows shown so far out of all: "Đang hiển thị 50/1.234". */
export function shownText(shown: number, total: number): string {
  return `Đang hiển thị ${formatCount(Math.min(shown, total))}/${formatCount(total)}`;
}
