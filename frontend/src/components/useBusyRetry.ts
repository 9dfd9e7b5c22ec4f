import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api/problem';

/** Wait used when a 503 comes without Retry-After (should not happen, but never retry at once). */
const FALLBACK_SECONDS = 5;

/**
 * When too many people sign in at once the server answers 503 with `Retry-After` instead of
 * making everyone wait in a queue. This hook turns that answer into a visible countdown and
 * tries the same action again by itself when it reaches zero, so the member sees "trying again
 * in 4 seconds" rather than an error. `secondsLeft` is null when nothing is pending.
 */
export function useBusyRetry() {
  const [secondsLeft, setSecondsLeft] = useState<number | null>(null);
  const timer = useRef<ReturnType<typeof setInterval> | null>(null);

  function stop() {
    if (timer.current) clearInterval(timer.current);
    timer.current = null;
    setSecondsLeft(null);
  }

  useEffect(() => stop, []);

  /** If `err` is a 503, starts the countdown towards `retry` and returns true. */
  function handle(err: unknown, retry: () => void): boolean {
    if (!(err instanceof ApiError) || err.status !== 503) return false;
    let left = Math.max(1, Math.ceil(err.retryAfter ?? FALLBACK_SECONDS));
    if (timer.current) clearInterval(timer.current);
    setSecondsLeft(left);
    timer.current = setInterval(() => {
      left -= 1;
      if (left > 0) {
        setSecondsLeft(left);
        return;
      }
      stop();
      retry();
    }, 1000);
    return true;
  }

  return { secondsLeft, handle, cancel: stop };
}

/** "Đang có nhiều người đăng nhập cùng lúc. Tự động thử lại sau 4 giây…" */
export function busyText(action: 'đăng nhập' | 'đăng ký', seconds: number): string {
  return `Đang có rất nhiều người ${action} cùng lúc. Hệ thống sẽ tự động thử lại sau ${seconds} giây…`;
}
