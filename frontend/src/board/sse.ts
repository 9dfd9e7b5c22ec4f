/**
 * Server-sent events over `fetch()`, for the live standings screen.
 *
 * # Implementation notes
 * `EventSource` cannot send an `Authorization` header, and a contest's board is usually for
 * signed-in members only (the demo's is), so the stream is opened with `fetch()` and the
 * bearer token and parsed here, following the WHATWG "event stream" rules (CR, LF or CRLF
 * line ends, split anywhere across chunks; `data` lines joined with "\n"; `id` kept across
 * events and connections; `retry` in ms; comment lines ignored).
 *
 * `LiveConnection` keeps one stream open: it reconnects with `Last-Event-ID` after a drop,
 * waiting the server's `retry` (3 s) and doubling up to 30 s while failures repeat; a stream
 * silent for longer than `stallMs` (the server sends a keep-alive every 15 s) is taken as dead
 * and reopened. When a response body cannot be read as a stream (very old browsers) or a
 * proxy holds the stream back (the connection opens but not a byte arrives, twice in a row),
 * it falls back to polling `poll()` every `pollMs`.
 */

import { ApiError } from '../api/problem';

export interface SseEvent {
  /** `event:` field, "message" when absent. */
  event: string;
  data: string;
  /** The last event id seen when this event was dispatched ("" if none). */
  lastEventId: string;
}

/** Incremental parser: feed text chunks, get whole events. */
export class SseParser {
  /** The id of the last dispatched event (what a reconnect sends as Last-Event-ID). */
  lastEventId: string;
  private idBuffer: string;
  /** The last `retry:` value in ms, if any. */
  retry: number | null = null;
  private buf = '';
  private skipLF = false;
  private data: string[] = [];
  private type = '';
  private started = false;

  constructor(lastEventId = '') {
    this.lastEventId = lastEventId;
    this.idBuffer = lastEventId;
  }

  push(chunk: string): SseEvent[] {
    const out: SseEvent[] = [];
    let text = this.buf + chunk;
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let pos = 0;
    const len = text.length;
    for (;;) {
      if (this.skipLF && pos < len) {
        if (text[pos] === '\n') pos += 1;
        this.skipLF = false;
      }
      let idx = -1;
      for (let i = pos; i < len; i++) {
        const c = text[i];
        if (c === '\n' || c === '\r') {
          idx = i;
          break;
        }
      }
      if (idx < 0) break;
      const line = text.slice(pos, idx);
      if (text[idx] === '\r') {
        if (idx + 1 < len) pos = idx + (text[idx + 1] === '\n' ? 2 : 1);
        else {
          pos = idx + 1;
          this.skipLF = true; // a "\n" may start the next chunk
        }
      } else pos = idx + 1;
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    this.buf = text.slice(pos);
    return out;
  }

  private line(line: string): SseEvent | null {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.data.push(value);
        break;
      case 'id':
        if (!value.includes('\u0000')) this.idBuffer = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retry = Number(value);
        break;
      default:
        break;
    }
    return null;
  }

  private dispatch(): SseEvent | null {
    this.lastEventId = this.idBuffer;
    const type = this.type || 'message';
    const data = this.data;
    this.type = '';
    this.data = [];
    if (data.length === 0) return null;
    return { event: type, data: data.join('\n'), lastEventId: this.lastEventId };
  }
}

/** Delay before reconnect number `failures` (1-based): the server's retry, doubling, capped. */
export function reconnectDelay(failures: number, retryMs: number, maxMs = 30_000): number {
  if (failures <= 0) return 0;
  return Math.min(maxMs, Math.max(0, retryMs) * 2 ** Math.min(failures - 1, 10));
}

export type LiveStatus =
  | { state: 'connecting' }
  | { state: 'live' }
  | { state: 'polling' }
  | { state: 'reconnecting'; retryInMs: number; failures: number; message: string }
  | { state: 'failed'; message: string; status: number };

export interface LiveTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface LiveConnectionOptions<T> {
  /** Opens the stream (fetch with the token and Last-Event-ID); rejects with ApiError. */
  open(lastEventId: string | null, signal: AbortSignal): Promise<Response>;
  /** One snapshot the polling fallback shows (e.g. from the board and units endpoints). */
  poll?(signal: AbortSignal): Promise<T>;
  onData(data: T, eventId: string): void;
  onStatus(status: LiveStatus): void;
  /** The SSE event type carrying `T` (default "standings"). */
  eventName?: string;
  /** A stream quiet for this long is dead (default 45 s: three keep-alives). */
  stallMs?: number;
  /** Until the server says otherwise (default 3 s). */
  retryMs?: number;
  maxDelayMs?: number;
  /** Polling period of the fallback (default 5 s). */
  pollMs?: number;
  timers?: LiveTimers;
}

/** Errors not worth retrying: the board is not (or no longer) ours to see. */
function fatal(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.status === 401 || err.status === 403 || err.status === 404 || err.status === 422);
}

function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return 'Mất kết nối với máy chủ.';
}

class Unsupported extends Error {}
class Stalled extends Error {
  constructor(readonly gotBytes: boolean) {
    super('stalled');
  }
}

/** Keeps a live stream going; `start()` once, `stop()` when the screen closes. */
export class LiveConnection<T> {
  private readonly o: LiveConnectionOptions<T>;
  private readonly timers: LiveTimers;
  private controller: AbortController | null = null;
  private wait: unknown = null;
  private wake: (() => void) | null = null;
  private stopped = false;
  private failures = 0;
  private silentOpens = 0;
  private lastEventId = '';
  private retryMs: number;
  /** 'stream' until the fallback kicks in. */
  mode: 'stream' | 'poll' = 'stream';

  constructor(options: LiveConnectionOptions<T>) {
    this.o = options;
    this.retryMs = options.retryMs ?? 3_000;
    this.timers = options.timers ?? {
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
    };
  }

  start(): void {
    this.o.onStatus({ state: 'connecting' });
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    if (this.wait !== null) this.timers.clearTimeout(this.wait);
    this.wake?.();
  }

  /**
   * Drop the current connection and go through the reconnect path (the browser went offline:
   * a dead TCP connection could otherwise look open until the stall watchdog fires).
   */
  interrupt(): void {
    if (this.stopped) return;
    this.controller?.abort();
  }

  /** Skip the wait (the phone came back online, or the user pressed "Kết nối lại"). */
  reconnectNow(): void {
    if (this.wait !== null) {
      this.timers.clearTimeout(this.wait);
      this.wait = null;
    }
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        resolve();
      };
      this.wait = this.timers.setTimeout(() => {
        this.wait = null;
        this.wake?.();
      }, ms);
    });
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.mode === 'stream') await this.streamOnce();
        else await this.pollOnce();
        if (this.stopped) return;
        if (this.mode === 'poll') {
          await this.sleep(this.o.pollMs ?? 5_000);
          continue;
        }
        // The server closed the stream cleanly: reconnect after its retry delay.
        this.failures = 1;
      } catch (err) {
        if (this.stopped) return;
        if (err instanceof Unsupported) {
          this.mode = 'poll';
          continue;
        }
        if (fatal(err)) {
          this.o.onStatus({ state: 'failed', message: err.message, status: err.status });
          this.stopped = true;
          return;
        }
        if (err instanceof Stalled && !err.gotBytes) {
          this.silentOpens += 1;
          if (this.silentOpens >= 2 && this.o.poll) {
            this.mode = 'poll'; // something between us and the server buffers the stream
            continue;
          }
        }
        this.failures += 1;
      }
      const delay = reconnectDelay(this.failures, this.retryMs, this.o.maxDelayMs ?? 30_000);
      this.o.onStatus({
        state: 'reconnecting',
        retryInMs: delay,
        failures: this.failures,
        message: 'Mất kết nối, đang kết nối lại…',
      });
      await this.sleep(delay);
    }
  }

  private async pollOnce(): Promise<void> {
    if (!this.o.poll) throw new Unsupported();
    const controller = new AbortController();
    this.controller = controller;
    const data = await this.o.poll(controller.signal);
    if (this.stopped) return;
    this.failures = 0;
    this.o.onStatus({ state: 'polling' });
    this.o.onData(data, '');
  }

  private async streamOnce(): Promise<void> {
    const controller = new AbortController();
    this.controller = controller;
    const res = await this.o.open(this.lastEventId || null, controller.signal);
    const reader = res.body && typeof res.body.getReader === 'function' ? res.body.getReader() : null;
    if (!reader) {
      controller.abort();
      if (this.o.poll) throw new Unsupported();
      throw new ApiError({ status: 0, code: 'network_error', detail: messageOf(null) }, 0);
    }
    this.failures = 0;
    this.o.onStatus({ state: 'live' });
    const parser = new SseParser(this.lastEventId);
    const decoder = new TextDecoder();
    const eventName = this.o.eventName ?? 'standings';
    let gotBytes = false;
    let stalled = false;
    let watchdog: unknown = null;
    const arm = () => {
      if (watchdog !== null) this.timers.clearTimeout(watchdog);
      watchdog = this.timers.setTimeout(() => {
        stalled = true;
        controller.abort();
        void reader.cancel().catch(() => {});
      }, this.o.stallMs ?? 45_000);
    };
    arm();
    try {
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (err) {
          if (stalled) throw new Stalled(gotBytes);
          throw err instanceof ApiError ? err : new ApiError({ status: 0, code: 'network_error', detail: messageOf(err) }, 0);
        }
        if (stalled) throw new Stalled(gotBytes);
        if (chunk.done) return;
        if (!gotBytes) {
          gotBytes = true;
          this.silentOpens = 0;
        }
        arm();
        for (const ev of parser.push(decoder.decode(chunk.value, { stream: true }))) {
          if (ev.event !== eventName) continue;
          let data: T;
          try {
            data = JSON.parse(ev.data) as T;
          } catch {
            continue; // a garbled event: the next snapshot replaces it anyway
          }
          this.lastEventId = ev.lastEventId;
          if (!this.stopped) this.o.onData(data, ev.lastEventId);
        }
        if (parser.retry !== null) this.retryMs = parser.retry;
        if (parser.lastEventId) this.lastEventId = parser.lastEventId;
      }
    } finally {
      if (watchdog !== null) this.timers.clearTimeout(watchdog);
    }
  }
}
