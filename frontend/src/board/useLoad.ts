import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../api/problem';

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'error'; message: string; status: number }
  | { state: 'ready'; data: T };

/** Messages for a board that cannot be read, by status. */
export function boardErrorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 404) return 'Không tìm thấy bảng xếp hạng này, hoặc bạn không có quyền xem.';
    if (err.status === 401) return 'Bảng xếp hạng chỉ dành cho đoàn viên đã đăng nhập.';
    return err.message;
  }
  return 'Không tải được dữ liệu. Vui lòng thử lại.';
}

/**
 * Loads `fn` when `deps` change (cancelling the previous load) and on `retry()`. A failure is
 * kept as a message to show with a "Thử lại" button, never a blank page.
 */
export function useLoad<T>(fn: (signal: AbortSignal) => Promise<T>, deps: unknown[]) {
  const [load, setLoad] = useState<Loaded<T>>({ state: 'loading' });
  const [tries, setTries] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setLoad({ state: 'loading' });
    fn(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setLoad({ state: 'ready', data });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setLoad({ state: 'error', message: boardErrorText(err), status: err instanceof ApiError ? err.status : 0 });
      },
    );
    return () => controller.abort();
  }, [...deps, tries]);
  return { load, retry: () => setTries((t) => t + 1) };
}
