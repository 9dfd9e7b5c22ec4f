import type { Attempt } from '../api/types';

/**
 * The running attempt, kept in this tab so that a reload without a network still shows it (the
 * service worker serves the app; the API is never cached). sessionStorage: this tab only, gone
 * when the tab closes, never a cache shared by the browser's users. It holds what the page
 * already shows — questions without a key (a running attempt has none), the chosen answers — and
 * when time is up by this phone's clock; unsent answers stay in the save queue's own storage.
 */
const PREFIX = 'dautri-attempt:';

interface Copy {
  attempt: Attempt;
  /** The deadline on this phone's wall clock (Date.now() + remaining at the time of saving). */
  deadlineWall: number;
}

function session(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export function keepCopy(attempt: Attempt, answers: Record<string, string[]>, remainingMs: number): void {
  try {
    const copy: Copy = { attempt: { ...attempt, answers }, deadlineWall: Date.now() + remainingMs };
    session()?.setItem(PREFIX + attempt.id, JSON.stringify(copy));
  } catch {
    /* full or unavailable: the page works without it, only an offline reload cannot show it */
  }
}

/** The kept copy, with the time left by this phone's clock; null when none or time is up. */
export function takeCopy(id: string, now = Date.now()): { attempt: Attempt; remainingMs: number } | null {
  try {
    const raw = session()?.getItem(PREFIX + id);
    if (!raw) return null;
    const copy = JSON.parse(raw) as Copy;
    const remainingMs = copy.deadlineWall - now;
    if (copy.attempt?.id !== id || !(remainingMs > 0)) return null;
    return { attempt: copy.attempt, remainingMs };
  } catch {
    return null;
  }
}

export function dropCopy(id: string): void {
  try {
    session()?.removeItem(PREFIX + id);
  } catch {
    /* ignore */
  }
}
