import { ApiError } from '../api/problem';
import type { KeyValueStorage } from '../api/client';
import type { AnswerSaved } from '../api/types';
import { monotonicNow } from './clock';

/**
 * Saves every choice the member makes, and never loses one.
 *
 * - The latest choice per question wins: choosing again while a save is in
 *   flight queues the new choice behind it (one request at a time, so the
 *   server always ends with the last choice).
 * - A network failure, a timeout, 429 or 5xx is retried with exponential
 *   backoff (1 s, 2 s, 4 s … up to 30 s, or the server's Retry-After);
 *   going back online retries at once.
 * - Unsent choices are kept in localStorage, so a reload or a crash while
 *   offline does not lose them: they are restored and sent again.
 * - 409 `attempt_closed` stops everything: the attempt is over.
 * - 422/404 (an option or question the server refuses) cannot succeed by
 *   retrying: that question is marked failed and the rest go on.
 */

export type QuestionSaveState = 'saved' | 'saving' | 'pending' | 'failed';

export type QueueState =
  | 'idle' // everything the member chose is on the server
  | 'saving' // a request is in flight
  | 'retrying' // the last try failed; waiting to try again
  | 'offline' // the browser says it is offline; waiting for the connection
  | 'closed'; // the attempt ended (409 attempt_closed)

export interface QueueSnapshot {
  state: QueueState;
  /** Choices not yet confirmed by the server. */
  pending: number;
  /** Failures in a row (0 after any success). */
  failures: number;
  /** Delay before the next try (ms), when retrying. */
  retryInMs: number | null;
  /** Questions the server refused for good, with the message. */
  failed: Record<string, string>;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SaveQueueOptions {
  attemptId: string;
  /** Sends one answer (the API client's saveAnswer). */
  send: (questionId: string, optionIds: string[]) => Promise<AnswerSaved>;
  /** After each confirmed save, with the monotonic send/receive times (clock resync). */
  onSaved?: (saved: AnswerSaved, sentAt: number, receivedAt: number) => void;
  /** The server said the attempt is over. */
  onClosed?: () => void;
  /** Anything in the snapshot or a question's state changed. */
  onChange?: () => void;
  storage?: KeyValueStorage | null;
  timers?: Timers;
  isOnline?: () => boolean;
  /** The clock for send/receive times given to onSaved (monotonic by default, like ServerClock). */
  now?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const STORAGE_PREFIX = 'dautri-unsaved:';

/** The localStorage key holding an attempt's unsent choices. */
export function pendingKey(attemptId: string): string {
  return `${STORAGE_PREFIX}${attemptId}`;
}

/** Reads the choices left unsent for an attempt (after a reload). */
export function loadPending(storage: KeyValueStorage | null | undefined, attemptId: string): Record<string, string[]> {
  if (!storage) return {};
  try {
    const raw = storage.getItem(pendingKey(attemptId));
    if (!raw) return {};
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    const out: Record<string, string[]> = {};
    for (const [q, ids] of Object.entries(parsed as Record<string, unknown>)) {
      if (Array.isArray(ids) && ids.every((x) => typeof x === 'string')) out[q] = ids as string[];
    }
    return out;
  } catch {
    return {};
  }
}

/** Exponential backoff: base·2^(n−1), capped. */
export function backoffDelay(failures: number, baseMs = 1000, maxMs = 30_000): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 20));
}

/** Worth trying again later: no answer at all, a timeout, rate limiting or a server fault. */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof ApiError)) return true; // unknown failure: keep the choice and try again
  return err.status === 0 || err.status === 408 || err.status === 429 || err.status >= 500;
}

export class AnswerSaveQueue {
  private readonly opts: SaveQueueOptions;
  private readonly timers: Timers;
  private readonly now: () => number;
  /** question id → the latest choice not yet confirmed (insertion order = send order). */
  private readonly pending = new Map<string, string[]>();
  private readonly failed = new Map<string, string>();
  private inFlight: { questionId: string; optionIds: string[] } | null = null;
  private timer: unknown = null;
  private failures = 0;
  private retryAt: number | null = null;
  private closed = false;
  private stopped = false;
  private waiters: Array<() => void> = [];

  constructor(opts: SaveQueueOptions) {
    this.opts = opts;
    this.timers = opts.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
    };
    this.now = opts.now ?? monotonicNow;
    for (const [q, ids] of Object.entries(loadPending(opts.storage, opts.attemptId))) this.pending.set(q, ids);
  }

  /** Choices restored from storage (unsent before a reload), to show and resend. */
  restored(): Record<string, string[]> {
    return Object.fromEntries(this.pending);
  }

  /** Records a choice and saves it as soon as possible. */
  set(questionId: string, optionIds: string[]): void {
    if (this.closed) return;
    this.failed.delete(questionId);
    this.pending.delete(questionId); // re-insert at the end: keeps the send order fair
    this.pending.set(questionId, [...optionIds]);
    this.persist();
    this.changed();
    this.pump();
  }

  /** Starts sending what is queued (e.g. restored choices). */
  start(): void {
    this.pump();
  }

  /** Tries again now (back online, or the member pressed "Thử lại"). */
  retryNow(): void {
    if (this.closed || this.stopped) return;
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
    this.retryAt = null;
    this.pump(true);
  }

  stateOf(questionId: string): QuestionSaveState {
    if (this.failed.has(questionId)) return 'failed';
    if (this.inFlight?.questionId === questionId) return 'saving';
    if (this.pending.has(questionId)) return this.failures > 0 || this.timer !== null ? 'pending' : 'saving';
    return 'saved';
  }

  snapshot(): QueueSnapshot {
    let state: QueueState;
    if (this.closed) state = 'closed';
    else if (this.inFlight) state = 'saving';
    else if (this.pending.size === 0) state = 'idle';
    else if (!this.online()) state = 'offline';
    else if (this.failures > 0) state = 'retrying';
    else state = 'saving';
    return {
      state,
      pending: this.pending.size,
      failures: this.failures,
      retryInMs: this.retryAt === null ? null : Math.max(0, this.retryAt - this.now()),
      failed: Object.fromEntries(this.failed),
    };
  }

  /** Resolves true once every choice is saved, false on timeout or if the attempt closed. */
  flush(timeoutMs: number): Promise<boolean> {
    if (this.pending.size === 0 && !this.inFlight) return Promise.resolve(true);
    this.retryNow();
    return new Promise((resolve) => {
      let done = false;
      const finish = (ok: boolean) => {
        if (done) return;
        done = true;
        this.timers.clearTimeout(t);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(ok);
      };
      const check = () => {
        if (this.closed) finish(false);
        else if (this.pending.size === 0 && !this.inFlight) finish(true);
      };
      const t = this.timers.setTimeout(() => finish(false), timeoutMs);
      this.waiters.push(check);
    });
  }

  /** Stops timers (leaving the page); unsent choices stay in storage. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Forgets the stored choices (the attempt is over and its result known). */
  clearStorage(): void {
    try {
      this.opts.storage?.removeItem(pendingKey(this.opts.attemptId));
    } catch {
      /* ignore */
    }
  }

  private online(): boolean {
    return this.opts.isOnline ? this.opts.isOnline() : true;
  }

  private changed(): void {
    this.opts.onChange?.();
    for (const w of [...this.waiters]) w();
  }

  private persist(): void {
    const storage = this.opts.storage;
    if (!storage) return;
    try {
      if (this.pending.size === 0) storage.removeItem(pendingKey(this.opts.attemptId));
      else storage.setItem(pendingKey(this.opts.attemptId), JSON.stringify(Object.fromEntries(this.pending)));
    } catch {
      /* storage full or disabled: the choices are still in memory */
    }
  }

  private schedule(ms: number): void {
    if (this.timer !== null) this.timers.clearTimeout(this.timer);
    this.retryAt = this.now() + ms;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.retryAt = null;
      this.pump(true);
    }, ms);
  }

  private pump(force = false): void {
    if (this.closed || this.stopped || this.inFlight) return;
    if (this.timer !== null && !force) return; // backing off: wait for the timer
    const next = this.pending.entries().next();
    if (next.done) return;
    if (!this.online()) {
      // Wait for the 'online' event (retryNow), but also try now and then: onLine can be wrong.
      this.schedule(this.opts.maxDelayMs ?? 30_000);
      this.changed();
      return;
    }
    const [questionId, optionIds] = next.value;
    this.inFlight = { questionId, optionIds };
    this.changed();
    const sentAt = this.now();
    this.opts.send(questionId, optionIds).then(
      (saved) => this.onSuccess(questionId, optionIds, saved, sentAt),
      (err: unknown) => this.onFailure(questionId, optionIds, err),
    );
  }

  private onSuccess(questionId: string, optionIds: string[], saved: AnswerSaved, sentAt: number): void {
    this.inFlight = null;
    this.failures = 0;
    // Only clear it if the member did not choose again meanwhile.
    if (this.pending.get(questionId) === optionIds) this.pending.delete(questionId);
    this.persist();
    this.opts.onSaved?.(saved, sentAt, this.now());
    this.changed();
    this.pump();
  }

  private onFailure(questionId: string, optionIds: string[], err: unknown): void {
    this.inFlight = null;
    if (err instanceof ApiError && err.code === 'attempt_closed') {
      this.closed = true;
      if (this.timer !== null) this.timers.clearTimeout(this.timer);
      this.timer = null;
      this.changed();
      this.opts.onClosed?.();
      return;
    }
    if (err instanceof ApiError && err.status === 401) {
      // The session is gone (the client has gone to the login page): keep the choices stored.
      this.stop();
      this.changed();
      return;
    }
    if (isRetryable(err)) {
      this.failures += 1;
      const after = err instanceof ApiError && err.retryAfter ? err.retryAfter * 1000 : 0;
      const delay = Math.max(after, backoffDelay(this.failures, this.opts.baseDelayMs, this.opts.maxDelayMs));
      this.schedule(delay);
      this.changed();
      return;
    }
    // Refused for good (422, 404…): retrying cannot help; keep the rest going.
    if (this.pending.get(questionId) === optionIds) this.pending.delete(questionId);
    this.failed.set(questionId, err instanceof ApiError ? err.message : 'Không lưu được câu trả lời.');
    this.persist();
    this.changed();
    this.pump();
  }
}
