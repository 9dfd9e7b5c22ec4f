import { ApiError } from '../../api';

/** The Vietnamese message for a failed request (the server's problem by its code, or the network). */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return 'Có lỗi không mong muốn. Vui lòng thử lại.';
}

/** Per-field messages of a failed request, keyed like the server's pointers ("options.0.text"). */
export function fieldErrorsOf(err: unknown): Record<string, string> {
  return err instanceof ApiError ? err.fieldErrors : {};
}

/** A failed request's message as an alert, with an optional retry. */
export function ProblemMessage({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  return (
    <div class="message message--error" role="alert">
      <p>{messageOf(error)}</p>
      {onRetry && (
        <button type="button" class="button button--small" onClick={onRetry}>
          Thử lại
        </button>
      )}
    </div>
  );
}
