import { useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { ProblemCode } from '../api/types';
import { useBusyRetry } from '../components/useBusyRetry';
import { attemptPath, navigate } from '../router';
import { monotonicNow } from './clock';
import { findRunning, isFinalRefusal } from './running';
import { rememberAttempt, runningAttemptId } from './store';

/**
 * Starting an attempt in a round, as the contest list and the theory tests do it: on success the
 * attempt page; an attempt already running is resumed; a crowded server (503 with `Retry-After`,
 * when thousands start at once) is waited out with a visible countdown and tried again by
 * itself; any other refusal is said in `errors`' words or the code's general message, and a
 * final one (no attempts left, not a participant) hides the button.
 */
export function useStartAttempt(roundId: string, errors: Partial<Record<ProblemCode, string>>, fallback: string) {
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [refused, setRefused] = useState(false);
  const busy = useBusyRetry();

  async function start() {
    busy.cancel();
    setStarting(true);
    setError(null);
    const sentAt = monotonicNow();
    try {
      const attempt = await api.startAttempt(roundId);
      rememberAttempt(attempt, sentAt);
      navigate(attemptPath(attempt.id));
    } catch (err) {
      setStarting(false);
      if (busy.handle(err, () => void start())) return;
      if (err instanceof ApiError && err.code === 'attempt_in_progress') {
        const id = runningAttemptId(err.problem) ?? (await findRunning(roundId));
        if (id) return navigate(attemptPath(id));
      }
      if (err instanceof ApiError && err.status === 401) return;
      setRefused(err instanceof ApiError && isFinalRefusal(err.code));
      setError(err instanceof ApiError ? (errors[err.code as ProblemCode] ?? err.message) : fallback);
    }
  }

  /** Seconds until the next try when the server asked to wait, else null. */
  const waiting = busy.secondsLeft;
  return { start, starting: starting || waiting !== null, waiting, error, refused };
}
