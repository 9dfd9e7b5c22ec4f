// Times in the console are entered and shown in Vietnam time (Asia/Ho_Chi_Minh, UTC+7, no
// daylight saving), whatever the officer's computer is set to, and stored by the server in UTC.
// `<input type="datetime-local">` has no zone, so we convert by hand rather than trusting the
// browser's local zone (a laptop set to UTC would otherwise move every round by 7 hours).

import { formatVietnamTime } from '../../attempt/clock';

const VN_OFFSET_MS = 7 * 3600 * 1000;
const p2 = (n: number) => String(n).padStart(2, '0');

/** An ISO instant as the value of a datetime-local input, in Vietnam time: "2026-12-04T20:00". */
export function toVietnamInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const d = new Date(t + VN_OFFSET_MS);
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}`;
}

/** A datetime-local value read as Vietnam time, as an ISO instant in UTC; null when it is not one. */
export function fromVietnamInput(value: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(value.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as number[];
  const utc = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
  const back = new Date(utc);
  // Date.UTC rolls 31/02 over to 03/03: refuse dates that do not exist.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d || h! > 23 || mi! > 59) {
    return null;
  }
  return new Date(utc - VN_OFFSET_MS).toISOString().replace('.000Z', 'Z');
}

/** "20:00 04/12/2026" in Vietnam time (the attempt screen's format); "" for nothing. */
export function formatVietnam(iso: string | null | undefined): string {
  return iso ? formatVietnamTime(iso) : '';
}

/** "04/12/2026" for an ISO calendar date (YYYY-MM-DD) or an instant (in Vietnam time). */
export function formatDate(value: string | null | undefined): string {
  if (!value) return '';
  const plain = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (plain) return `${plain[3]}/${plain[2]}/${plain[1]}`;
  const t = Date.parse(value);
  if (Number.isNaN(t)) return value;
  const d = new Date(t + VN_OFFSET_MS);
  return `${p2(d.getUTCDate())}/${p2(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}

/** Today's date in Vietnam as YYYY-MM-DD (for date inputs' defaults). */
export function vietnamToday(now = Date.now()): string {
  return toVietnamInput(new Date(now).toISOString()).slice(0, 10);
}
