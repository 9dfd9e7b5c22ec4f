import { useEffect, useState } from 'preact/hooks';

/** Whether the phone has a connection, following the browser's online/offline events. */
export function useOnline(): boolean {
  const [online, setOnline] = useState(() => (typeof navigator === 'undefined' ? true : navigator.onLine));
  useEffect(() => {
    const up = () => setOnline(true);
    const down = () => setOnline(false);
    window.addEventListener('online', up);
    window.addEventListener('offline', down);
    return () => {
      window.removeEventListener('online', up);
      window.removeEventListener('offline', down);
    };
  }, []);
  return online;
}

/** Tells the member when the phone has lost its connection (common on mobile data). */
export function OfflineBanner() {
  const online = useOnline();
  return (
    <div class="offline" role="status" aria-live="polite" data-testid="offline-banner">
      {online ? '' : 'Bạn đang ngoại tuyến. Vui lòng kiểm tra kết nối mạng.'}
    </div>
  );
}
