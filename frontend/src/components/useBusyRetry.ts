import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/problem';

/** Wait used when a 503 comes without Retry-After (should not happen, but never retry at once). */
const FALLBACK_SECONDS = 5;

/** Seconds to wait before trying again if `err` is a 503 (busy or unavailable), else null. */
export function busyWaitSeconds(err: unknown): number | null {
  if (!(err instanceof ApiError) || err.status !== 503) return null;
  return Math.max(1, Math.ceil(err.retryAfter ?? FALLBACK_SECONDS));
}

/**
 * Counts `seconds` down once a second, calling `tick` with what is left (starting with
 * `seconds`), then `done` at zero. Returns a function that stops it.
 */
export function startCountdown(seconds: number, tick: (left: number) => void, done: () => void): () => void {
  let left = seconds;
  tick(left);
  const timer = setInterval(() => {
    left -= 1;
    if (left > 0) {
      tick(left);
      return;
    }
    clearInterval(timer);
    done();
  }, 1000);
  return () => clearInterval(timer);
}

/**
 * When too many people sign in at once the server answers 503 with `Retry-After` instead of
 * making everyone wait in a queue. This hook turns that answer into a visible countdown and
 * tries the same action again by itself when it reaches zero, so the member sees "trying again
 * in 4 seconds" rather than an error. `secondsLeft` is null when nothing is pending.
 */
export function useBusyRetry() {
  const [secondsLeft, setSecondsLeft] = useState<number | null>(null);
  const stopTimer = useRef<(() => void) | null>(null);

  function cancel() {
    stopTimer.current?.();
    stopTimer.current = null;
    setSecondsLeft(null);
  }

  useEffect(() => () => stopTimer.current?.(), []);

  /** If `err` is a 503, starts the countdown towards `retry` and returns true. */
  function handle(err: unknown, retry: () => void): boolean {
    const seconds = busyWaitSeconds(err);
    if (seconds === null) return false;
    stopTimer.current?.();
    stopTimer.current = startCountdown(seconds, setSecondsLeft, () => {
      stopTimer.current = null;
      setSecondsLeft(null);
      retry();
    });
    return true;
  }

  return { secondsLeft, handle, cancel };
}

/**
 * "Đang có rất nhiều người đăng nhập cùng lúc. Hệ thống sẽ tự động thử lại sau 4 giây…" (or
 * "vào thi" when a round's start is refused). In a large storm the server gives each phone its
 * turn minutes ahead: "sau 2 phút 5 giây".
 */
export function busyText(action: 'đăng nhập' | 'đăng ký' | 'vào thi' | 'làm bài', seconds: number): string {
  return `Đang có rất nhiều người ${action} cùng lúc. Hệ thống sẽ tự động thử lại sau ${waitText(seconds)}…`;
}

/** A wait as a member reads it: "4 giây", "2 phút", "2 phút 5 giây". */
export function waitText(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return `${rest} giây`;
  return rest === 0 ? `${minutes} phút` : `${minutes} phút ${rest} giây`;
}
