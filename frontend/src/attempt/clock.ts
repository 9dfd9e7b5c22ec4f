/**
 * The attempt's countdown, on the server's clock only.
 *
 * The phone's wall clock may be minutes (or days) off, and the member may
 * change it mid-attempt. So we never compare the server's `deadline` with
 * `Date.now()`. Instead, each answer from the server carries `remaining_ms`
 * (computed on its clock); we note *when* we received it on a monotonic local
 * clock (`performance.now()`, which a wall-clock change does not move) and
 * count down from there. Half the request's round trip is taken off, since
 * the server computed `remaining_ms` before the reply travelled back.
 *
 * `offset` (server_time − local wall time at receipt) is kept too, to show or
 * compare server times ("now" on the server = Date.now() + offset).
 */

export type Now = () => number;

/** A monotonic millisecond clock (falls back to Date.now where missing). */
export const monotonicNow: Now = () =>
  typeof performance !== 'undefined' && typeof performance.now === 'function' ? performance.now() : Date.now();

export interface ClockSample {
  /** `remaining_ms` as the server sent it. */
  remainingMs: number;
  /** `server_time` as the server sent it (RFC 3339). */
  serverTime?: string | undefined;
  /** Monotonic time when the request was sent, if known (for the round trip). */
  sentAt?: number | undefined;
  /** Monotonic time when the response arrived. */
  receivedAt: number;
  /** Local wall-clock time at receipt (Date.now()), for the offset. */
  wallAt?: number | undefined;
}

/** server_time − local time at receipt, in ms (0 when server_time is unreadable). */
export function clockOffset(serverTime: string | undefined, localWallAt: number): number {
  if (!serverTime) return 0;
  const t = Date.parse(serverTime);
  return Number.isNaN(t) ? 0 : t - localWallAt;
}

/** The monotonic time at which the attempt ends, from one sample. */
export function deadlineFromSample(s: ClockSample): number {
  const remaining = Math.max(0, s.remainingMs);
  // Half the round trip elapsed after the server took its reading (bounded, in case a request hung).
  const transit = s.sentAt !== undefined ? Math.min(Math.max(0, s.receivedAt - s.sentAt) / 2, 5_000) : 0;
  return s.receivedAt + remaining - transit;
}

export class ServerClock {
  private deadline: number | null = null;
  private offsetMs = 0;
  private readonly now: Now;

  constructor(now: Now = monotonicNow) {
    this.now = now;
  }

  /** Takes a fresh reading from the server (attempt load, answer saved, resync). */
  sync(sample: ClockSample): void {
    this.deadline = deadlineFromSample(sample);
    if (sample.serverTime && sample.wallAt !== undefined) this.offsetMs = clockOffset(sample.serverTime, sample.wallAt);
  }

  get synced(): boolean {
    return this.deadline !== null;
  }

  /** server_time − local wall time, as last measured. */
  get offset(): number {
    return this.offsetMs;
  }

  /** The server's wall clock now, estimated from the phone's plus the offset. */
  serverNow(wallNow: number = Date.now()): number {
    return wallNow + this.offsetMs;
  }

  /** Milliseconds left, never negative; Infinity before the first sync. */
  remaining(): number {
    if (this.deadline === null) return Number.POSITIVE_INFINITY;
    return Math.max(0, this.deadline - this.now());
  }

  expired(): boolean {
    return this.remaining() <= 0;
  }
}

/** "mm:ss" (or "h:mm:ss" from an hour), rounding the seconds up so 0:00 means time is up. */
export function formatCountdown(ms: number): string {
  if (!Number.isFinite(ms)) return '--:--';
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mmss = `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
  return h > 0 ? `${h}:${mmss}` : mmss;
}

/** A duration used ("mm:ss", rounding down: 9 min 59.9 s is 09:59). */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

const VN_OFFSET_MS = 7 * 3600 * 1000; // Asia/Ho_Chi_Minh: UTC+7, no daylight saving.

/** "08:30 29/11/2026" in Vietnam time, whatever the phone's time zone. */
export function formatVietnamTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t + VN_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCHours())}:${p(d.getUTCMinutes())} ${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
}
