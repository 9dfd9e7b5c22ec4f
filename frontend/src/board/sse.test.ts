import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/problem';
import { LiveConnection, reconnectDelay, SseParser, type LiveStatus } from './sse';

describe('SseParser', () => {
  it('parses events split anywhere across chunks', () => {
    const p = new SseParser();
    const text = 'retry: 3000\n\nid: 7\nevent: standings\ndata: {"a":1}\n\n';
    const events = [];
    for (const ch of text) events.push(...p.push(ch));
    expect(events).toEqual([{ event: 'standings', data: '{"a":1}', lastEventId: '7' }]);
    expect(p.retry).toBe(3000);
    expect(p.lastEventId).toBe('7');
  });

  it('accepts CR, LF and CRLF line ends, even a CRLF split between chunks', () => {
    const p = new SseParser();
    expect(p.push('data: a\r')).toEqual([]);
    expect(p.push('\n\r\n')).toEqual([{ event: 'message', data: 'a', lastEventId: '' }]);
    expect(p.push('data: b\rdata: c\r\r')).toEqual([{ event: 'message', data: 'b\nc', lastEventId: '' }]);
    expect(p.push('data:d\n\n')).toEqual([{ event: 'message', data: 'd', lastEventId: '' }]);
  });

  it('joins data lines, ignores comments and unknown fields, and skips events without data', () => {
    const p = new SseParser();
    const out = p.push(': keep-alive\n\nevent: x\nfoo: bar\n\ndata: 1\ndata:  2\ndata\n\n');
    expect(out).toEqual([{ event: 'message', data: '1\n 2\n', lastEventId: '' }]);
  });

  it('keeps the last event id across events, and only commits it when an event ends', () => {
    const p = new SseParser('3');
    expect(p.push('id: 4\ndata: x')).toEqual([]);
    expect(p.lastEventId).toBe('3'); // the event with id 4 is not complete yet
    expect(p.push('\n\ndata: y\n\n')).toEqual([
      { event: 'message', data: 'x', lastEventId: '4' },
      { event: 'message', data: 'y', lastEventId: '4' },
    ]);
    p.push('id: bad\u0000id\ndata: z\n\n');
    expect(p.lastEventId).toBe('4');
  });

  it('ignores a non-numeric retry and strips a leading BOM', () => {
    const p = new SseParser();
    expect(p.push('\ufeffretry: soon\ndata: ok\n\n')).toEqual([{ event: 'message', data: 'ok', lastEventId: '' }]);
    expect(p.retry).toBeNull();
  });
});

describe('reconnectDelay', () => {
  it('waits the server retry first, then doubles up to the cap', () => {
    expect(reconnectDelay(0, 3000)).toBe(0);
    expect(reconnectDelay(1, 3000)).toBe(3000);
    expect(reconnectDelay(2, 3000)).toBe(6000);
    expect(reconnectDelay(3, 3000)).toBe(12000);
    expect(reconnectDelay(5, 3000)).toBe(30000);
    expect(reconnectDelay(50, 3000)).toBe(30000);
  });
});

/** A streamed response whose chunks the test pushes by hand. */
function controlledStream() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
    },
  });
  const enc = new TextEncoder();
  return {
    response: new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }),
    send: (s: string) => ctl.enqueue(enc.encode(s)),
    close: () => ctl.close(),
    fail: () => ctl.error(new TypeError('network error')),
  };
}

const snap = (n: number) => `id: ${n}\nevent: standings\ndata: {"participants":${n}}\n\n`;
const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await vi.advanceTimersByTimeAsync(0);
};

describe('LiveConnection', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function setup(extra: Partial<ConstructorParameters<typeof LiveConnection<{ participants: number }>>[0]> = {}) {
    const streams: Array<ReturnType<typeof controlledStream>> = [];
    const opens: Array<string | null> = [];
    const data: number[] = [];
    const statuses: LiveStatus[] = [];
    const conn = new LiveConnection<{ participants: number }>({
      open: async (lastEventId) => {
        opens.push(lastEventId);
        const s = controlledStream();
        streams.push(s);
        return s.response;
      },
      onData: (d) => data.push(d.participants),
      onStatus: (s) => statuses.push(s),
      ...extra,
    });
    return { conn, streams, opens, data, statuses, last: () => statuses[statuses.length - 1]! };
  }

  it('shows snapshots as they arrive', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    expect(t.last().state).toBe('live');
    t.streams[0]!.send('retry: 3000\n\n' + snap(1));
    await flush();
    t.streams[0]!.send(': keep-alive\n\n' + snap(2).slice(0, 10));
    await flush();
    t.streams[0]!.send(snap(2).slice(10));
    await flush();
    expect(t.data).toEqual([1, 2]);
    t.conn.stop();
  });

  it('reconnects after a drop with Last-Event-ID, after the server retry delay', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.streams[0]!.send('retry: 2000\n\n' + snap(5));
    await flush();
    t.streams[0]!.fail();
    await flush();
    expect(t.last()).toMatchObject({ state: 'reconnecting', retryInMs: 2000, message: 'Mất kết nối, đang kết nối lại…' });
    await vi.advanceTimersByTimeAsync(1999);
    expect(t.opens).toEqual([null]);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(t.opens).toEqual([null, '5']);
    expect(t.last().state).toBe('live');
    t.conn.stop();
  });

  it('backs off while opening keeps failing, and reconnectNow skips the wait', async () => {
    let fails = 3;
    const opens: number[] = [];
    const statuses: LiveStatus[] = [];
    const conn = new LiveConnection<unknown>({
      open: async () => {
        opens.push(Date.now());
        if (fails-- > 0) throw new ApiError({ status: 0, code: 'network_error' }, 0);
        return controlledStream().response;
      },
      onData: () => {},
      onStatus: (s) => statuses.push(s),
    });
    conn.start();
    await flush();
    expect(statuses.at(-1)).toMatchObject({ state: 'reconnecting', retryInMs: 3000 });
    await vi.advanceTimersByTimeAsync(3000);
    await flush();
    expect(statuses.at(-1)).toMatchObject({ state: 'reconnecting', retryInMs: 6000 });
    conn.reconnectNow();
    await flush();
    expect(opens).toHaveLength(3);
    expect(statuses.at(-1)).toMatchObject({ state: 'reconnecting', retryInMs: 12000 });
    await vi.advanceTimersByTimeAsync(12000);
    await flush();
    expect(statuses.at(-1)?.state).toBe('live');
    conn.stop();
  });

  it('treats a silent stream as dead and reopens it', async () => {
    const t = setup({ stallMs: 1000 });
    t.conn.start();
    await flush();
    t.streams[0]!.send(snap(1));
    await flush();
    await vi.advanceTimersByTimeAsync(999);
    t.streams[0]!.send(': keep-alive\n\n'); // bytes re-arm the watchdog
    await flush();
    await vi.advanceTimersByTimeAsync(999);
    expect(t.opens).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2);
    await flush();
    expect(t.last().state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(3000);
    await flush();
    expect(t.opens).toEqual([null, '1']);
    t.conn.stop();
  });

  it('falls back to polling when a proxy holds the stream back', async () => {
    let polls = 0;
    const t = setup({
      stallMs: 1000,
      pollMs: 5000,
      poll: async () => ({ participants: 100 + ++polls }),
    });
    t.conn.start();
    await flush();
    await vi.advanceTimersByTimeAsync(1001); // first silent connection
    await flush();
    await vi.advanceTimersByTimeAsync(3000);
    await flush();
    await vi.advanceTimersByTimeAsync(1001); // second one: give up on streaming
    await flush();
    expect(t.last().state).toBe('polling');
    expect(t.data).toEqual([101]);
    await vi.advanceTimersByTimeAsync(5000);
    await flush();
    expect(t.data).toEqual([101, 102]);
    expect(t.opens).toHaveLength(2);
    t.conn.stop();
  });

  it('polls at once when the response body cannot be streamed', async () => {
    const data: number[] = [];
    const statuses: LiveStatus[] = [];
    const conn = new LiveConnection<{ participants: number }>({
      open: async () => ({ body: null }) as unknown as Response,
      poll: async () => ({ participants: 9 }),
      onData: (d) => data.push(d.participants),
      onStatus: (s) => statuses.push(s),
    });
    conn.start();
    await flush();
    expect(data).toEqual([9]);
    expect(statuses.at(-1)?.state).toBe('polling');
    conn.stop();
  });

  it('stops for good on 404 (the board is not ours to see)', async () => {
    const statuses: LiveStatus[] = [];
    let opens = 0;
    const conn = new LiveConnection<unknown>({
      open: async () => {
        opens++;
        throw new ApiError({ status: 404, code: 'not_found', detail: 'leaderboard not found' }, 404);
      },
      onData: () => {},
      onStatus: (s) => statuses.push(s),
    });
    conn.start();
    await flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(opens).toBe(1);
    expect(statuses.at(-1)).toMatchObject({ state: 'failed', status: 404 });
  });

  it('interrupt() (the browser went offline) drops the stream and reconnects', async () => {
    const t = setup({
      open: async (lastEventId, signal) => {
        t.opens.push(lastEventId);
        const s = controlledStream();
        signal.addEventListener('abort', () => s.fail());
        t.streams.push(s);
        return s.response;
      },
    });
    t.conn.start();
    await flush();
    t.streams[0]!.send(snap(3));
    await flush();
    t.conn.interrupt();
    await flush();
    expect(t.last()).toMatchObject({ state: 'reconnecting', retryInMs: 3000 });
    t.conn.reconnectNow(); // back online
    await flush();
    expect(t.opens).toEqual([null, '3']);
    expect(t.last().state).toBe('live');
    t.conn.stop();
  });

  it('after stop() nothing reconnects or reports data', async () => {
    const t = setup();
    t.conn.start();
    await flush();
    t.conn.stop();
    await flush();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.opens).toHaveLength(1);
    expect(t.data).toEqual([]);
  });
});
