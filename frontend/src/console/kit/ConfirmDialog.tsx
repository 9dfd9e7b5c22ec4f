import { useEffect, useRef, useState } from 'preact/hooks';

interface ConfirmDialogProps {
  title: string;
  /** What will happen, in a sentence or two. */
  body: string;
  confirmLabel: string;
  /** Ask for a reason (voids, revocations); the confirm button waits for one. */
  reasonLabel?: string;
  danger?: boolean;
  busy?: boolean;
  error?: string | null;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
}

/** A modal question before an action that matters (publish, void, revoke), keyboard- and reader-friendly. */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const { title, body, confirmLabel, reasonLabel, danger, busy, error, onConfirm, onCancel } = props;
  const [reason, setReason] = useState('');
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const first = ref.current?.querySelector<HTMLElement>('textarea, button');
    first?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !busy) onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const ready = !reasonLabel || reason.trim().length > 0;
  return (
    <div class="dialog-backdrop">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-title" ref={ref}>
        <h2 id="confirm-title">{title}</h2>
        <p>{body}</p>
        {reasonLabel && (
          <div class="field">
            <label for="confirm-reason">{reasonLabel}</label>
            <textarea id="confirm-reason" rows={3} maxLength={500} value={reason} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
          </div>
        )}
        {error && (
          <p class="message message--error" role="alert">
            {error}
          </p>
        )}
        <div class="dialog__actions">
          <button type="button" class="button button--ghost" onClick={onCancel} disabled={busy}>
            Hủy bỏ
          </button>
          <button
            type="button"
            class={`button ${danger ? 'button--danger' : 'button--primary'}`}
            disabled={!ready || busy}
            onClick={() => onConfirm(reason.trim())}
          >
            {busy ? 'Đang xử lý…' : confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
