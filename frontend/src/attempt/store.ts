import type { Attempt, Problem } from '../api/types';
import { monotonicNow } from './clock';

/**
 * The attempt just started (POST answered with everything), handed to the
 * attempt page so it need not fetch it again over a slow network. With the
 * times it was requested and received, for the countdown.
 */
export interface FreshAttempt {
  attempt: Attempt;
  sentAt: number;
  receivedAt: number;
  wallAt: number;
}

let fresh: FreshAttempt | null = null;

export function rememberAttempt(attempt: Attempt, sentAt: number): void {
  fresh = { attempt, sentAt, receivedAt: monotonicNow(), wallAt: Date.now() };
}

/** Takes (and forgets) the remembered attempt if it is the one asked for. */
export function takeAttempt(id: string): FreshAttempt | null {
  if (fresh && fresh.attempt.id === id) {
    const f = fresh;
    fresh = null;
    return f;
  }
  return null;
}

/**
 * The running attempt's id from a 409 `attempt_in_progress` problem: its `attempt_id`
 * extension. Absent when two starts raced and the server could not tell which attempt won;
 * the caller then looks the attempt up (`api.myAttempts`).
 */
export function runningAttemptId(problem: Problem): string | null {
  return problem.code === 'attempt_in_progress' && problem.attempt_id ? problem.attempt_id : null;
}

const PREDICTION_PREFIX = 'dautri-prediction:';

/** The prediction typed so far, kept so a reload or time running out does not lose it. */
export function savedPrediction(attemptId: string): string {
  try {
    return localStorage.getItem(PREDICTION_PREFIX + attemptId) ?? '';
  } catch {
    return '';
  }
}

export function savePrediction(attemptId: string, value: string): void {
  try {
    if (value) localStorage.setItem(PREDICTION_PREFIX + attemptId, value);
    else localStorage.removeItem(PREDICTION_PREFIX + attemptId);
  } catch {
    /* ignore */
  }
}

/** A whole number ≥ 0 typed by the member, or null. */
export function parsePrediction(value: string): number | null {
  const v = value.replace(/[\s.,]/g, '');
  if (!/^\d{1,12}$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}
