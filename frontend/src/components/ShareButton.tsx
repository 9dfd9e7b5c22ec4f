import { useState } from 'preact/hooks';
import type { Shared } from '../share/card';

export type { Shared };
/** The lazily loaded drawing module. */
export type CardModule = typeof import('../share/card');

/**
 * "Chia sẻ …": loads the card drawing code on the first tap (it is not in the first download),
 * then shares the image or downloads it, and says which.
 */
export function ShareButton({ label, share }: { label: string; share: (m: CardModule) => Promise<Shared> }) {
  const [state, setState] = useState<'idle' | 'busy' | Shared | 'error'>('idle');
  async function onClick() {
    setState('busy');
    try {
      const m = await import('../share/card');
      setState(await share(m));
    } catch {
      setState('error');
    }
  }
  const note =
    state === 'downloaded'
      ? 'Đã tải ảnh về máy. Bạn có thể gửi ảnh qua Zalo, Facebook…'
      : state === 'shared'
        ? 'Đã chia sẻ.'
        : state === 'error'
          ? 'Không tạo được ảnh. Vui lòng thử lại.'
          : '';
  return (
    <div class="share">
      <button type="button" class="button" onClick={() => void onClick()} disabled={state === 'busy'} aria-busy={state === 'busy'}>
        {state === 'busy' ? 'Đang tạo ảnh…' : label}
      </button>
      <p class="hint" role="status" data-testid="share-status">
        {note}
      </p>
    </div>
  );
}
