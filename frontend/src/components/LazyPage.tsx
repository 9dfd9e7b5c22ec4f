import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/**
 * A page loaded on first use, as its own chunk: the boards and the live screen are not on a
 * member's first screen, so the phone does not download them before it can show home or an
 * attempt (the member bundle's budget, scripts/bundle-size.mjs). The service worker keeps the
 * chunks once loaded.
 */
export function lazyPage<P extends object>(load: () => Promise<ComponentType<P>>, title: string) {
  let loaded: ComponentType<P> | null = null;
  return function LazyPage(props: P) {
    const [Page, setPage] = useState<ComponentType<P> | null>(() => loaded);
    const [failed, setFailed] = useState(false);
    const [retry, setRetry] = useState(0);
    useEffect(() => {
      if (Page) return;
      let live = true;
      load().then(
        (c) => {
          loaded = c;
          if (live) setPage(() => c);
        },
        () => live && setFailed(true),
      );
      return () => {
        live = false;
      };
    }, [retry]);
    if (Page) return <Page {...props} />;
    return (
      <main class="page" id="main">
        <h1>{title}</h1>
        {failed ? (
          <>
            <p class="message message--error" role="alert">
              Không tải được trang. Vui lòng kiểm tra mạng và thử lại.
            </p>
            <button type="button" class="button" onClick={() => (setFailed(false), setRetry((n) => n + 1))}>
              Thử lại
            </button>
          </>
        ) : (
          <p class="muted">Đang tải…</p>
        )}
      </main>
    );
  };
}
