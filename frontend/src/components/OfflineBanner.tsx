import { useEffect, useState } from 'preact/hooks';

/** Tells the member when the phone has lost its connection (common on mobile data). */
export function OfflineBanner() {
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
  return (
    <div class="offline" role="status" aria-live="polite">
      {online ? '' : 'Mất kết nối mạng. Vui lòng kiểm tra kết nối rồi thử lại.'}
    </div>
  );
}
