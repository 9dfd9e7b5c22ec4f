import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createApiClient, memoryTokenStore, type FetchLike, type KeyValueStorage } from '../api/client';
import { AnswerSaveQueue, backoffDelay, loadPending, pendingKey } from './saveQueue';

type Reply = { status: number; body?: unknown } | 'network' | 'hang';

/** A fake fetch: replies from a script (then 200s), recording each PUT body. */
function fakeServer(script: Reply[] = []) {
  const calls: Array<{ url: string; body: { option_ids: string[] } }> = [];
  const fetch: FetchLike = (url, init = {}) => {
    calls.push({ url, body: JSON.parse(String(init.body)) });
    const reply = script.shift() ?? { status: 200 };
    if (reply === 'network') return Promise.reject(new TypeError('Failed to fetch'));
    if (reply === 'hang') {
      return new Promise((_, reject) => init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
    }
    const qid = url.split('/').pop();
    const body = reply.body ?? { question_id: qid, saved_at: '2026-11-29T10:00:00Z', remaining_ms: 500_000 };
    return Promise.resolve(
      new Response(JSON.stringify(body), {
        status: reply.status,
        headers: { 'Content-Type': reply.status >= 400 ? 'application/problem+json' : 'application/json' },
      }),
    );
  };
  return { fetch, calls };
}

function memoryStorage(): KeyValueStorage & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

function setup(script: Reply[] = [], extra: { online?: () => boolean; storage?: KeyValueStorage } = {}) {
  const server = fakeServer(script);
  const api = createApiClient({ fetch: server.fetch, tokens: memoryTokenStore({ access_token: 'A', refresh_token: 'R' }), timeoutMs: 5_000 });
  const storage = extra.storage ?? memoryStorage();
  const closed = vi.fn();
  const saved = vi.fn();
  const queue = new AnswerSaveQueue({
    attemptId: 'att1',
    send: (q, ids) => api.saveAnswer('att1', q, ids),
    onClosed: closed,
    onSaved: saved,
    storage,
    isOnline: extra.online,
    now: () => Date.now(), // faked by vi.useFakeTimers
  });
  return { queue, calls: server.calls, storage, closed, saved };
}

const conflict = (code: string) => ({ status: 409, body: { status: 409, title: 'Conflict', code, detail: code } });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('answer save queue', () => {
  it('saves a choice at once with PUT and reports saved', async () => {
    const { queue, calls, saved, storage } = setup();
    queue.set('q1', ['o1']);
    expect(queue.stateOf('q1')).toBe('saving');
    expect(queue.snapshot().state).toBe('saving');
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([{ url: '/api/v1/attempts/att1/answers/q1', body: { option_ids: ['o1'] } }]);
    expect(queue.stateOf('q1')).toBe('saved');
    expect(queue.snapshot()).toMatchObject({ state: 'idle', pending: 0 });
    expect(saved).toHaveBeenCalledWith(expect.objectContaining({ remaining_ms: 500_000 }), expect.any(Number), expect.any(Number));
    expect(storage.getItem(pendingKey('att1'))).toBeNull();
  });

  it('sends one request at a time and ends with the last choice', async () => {
    const { queue, calls } = setup();
    queue.set('q1', ['a']);
    queue.set('q1', ['b']);
    queue.set('q2', ['x', 'y']);
    queue.set('q1', ['c']);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => [c.url.split('/').pop(), c.body.option_ids])).toEqual([
      ['q1', ['a']],
      ['q2', ['x', 'y']],
      ['q1', ['c']],
    ]);
    expect(queue.snapshot().state).toBe('idle');
  });

  it('retries network errors with exponential backoff and keeps the choice', async () => {
    const { queue, calls, storage } = setup(['network', 'network', { status: 503, body: { status: 503, code: 'unavailable' } }]);
    queue.set('q1', ['o1']);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(1);
    expect(queue.snapshot()).toMatchObject({ state: 'retrying', failures: 1, retryInMs: 1_000 });
    expect(queue.stateOf('q1')).toBe('pending');
    expect(JSON.parse(storage.getItem(pendingKey('att1'))!)).toEqual({ q1: ['o1'] });

    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(1);
    expect(queue.snapshot().retryInMs).toBe(1); // counts down for the "thử lại sau N giây" text
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    expect(queue.snapshot()).toMatchObject({ failures: 2, retryInMs: 2_000 });

    await vi.advanceTimersByTimeAsync(2_000);
    expect(calls).toHaveLength(3); // 503
    expect(queue.snapshot()).toMatchObject({ failures: 3, retryInMs: 4_000 });

    await vi.advanceTimersByTimeAsync(4_000);
    expect(calls).toHaveLength(4);
    expect(queue.snapshot()).toMatchObject({ state: 'idle', failures: 0, pending: 0 });
    expect(storage.getItem(pendingKey('att1'))).toBeNull();
  });

  it('turns a hung request into a retry after the client timeout', async () => {
    const { queue, calls } = setup(['hang']);
    queue.set('q1', ['o1']);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(queue.snapshot()).toMatchObject({ state: 'retrying', failures: 1 });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(2);
    expect(queue.snapshot().state).toBe('idle');
  });

  it('caps the backoff and honours Retry-After', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((n) => backoffDelay(n))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('waits while offline, keeps choices in storage, and sends them on reconnect', async () => {
    let online = false;
    const { queue, calls, storage } = setup([], { online: () => online });
    queue.set('q1', ['o1']);
    queue.set('q2', ['o2']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(calls).toHaveLength(0);
    expect(queue.snapshot()).toMatchObject({ state: 'offline', pending: 2 });
    expect(JSON.parse(storage.getItem(pendingKey('att1'))!)).toEqual({ q1: ['o1'], q2: ['o2'] });

    online = true;
    queue.retryNow(); // the page calls this on the 'online' event
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((c) => c.body.option_ids)).toEqual([['o1'], ['o2']]);
    expect(queue.snapshot().state).toBe('idle');
  });

  it('restores unsent choices after a reload and resends them', async () => {
    const storage = memoryStorage();
    storage.setItem(pendingKey('att1'), JSON.stringify({ q3: ['o9'], bad: 'x' }));
    expect(loadPending(storage, 'att1')).toEqual({ q3: ['o9'] });
    const { queue, calls } = setup([], { storage });
    expect(queue.restored()).toEqual({ q3: ['o9'] });
    queue.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toEqual([{ url: '/api/v1/attempts/att1/answers/q3', body: { option_ids: ['o9'] } }]);
    expect(storage.getItem(pendingKey('att1'))).toBeNull();
  });

  it('stops on 409 attempt_closed and tells the page', async () => {
    const { queue, calls, closed } = setup([conflict('attempt_closed')]);
    queue.set('q1', ['o1']);
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toHaveBeenCalledTimes(1);
    expect(queue.snapshot().state).toBe('closed');
    queue.set('q2', ['o2']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(1);
  });

  it('marks a refused answer (422) failed without retrying, and goes on with the rest', async () => {
    const { queue, calls } = setup([
      { status: 422, body: { status: 422, code: 'validation_failed', errors: [{ pointer: '/option_ids', detail: 'an option does not belong to this question' }] } },
    ]);
    queue.set('q1', ['zz']);
    queue.set('q2', ['o2']);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
    expect(queue.stateOf('q1')).toBe('failed');
    expect(queue.stateOf('q2')).toBe('saved');
    expect(Object.keys(queue.snapshot().failed)).toEqual(['q1']);
  });

  it('flush resolves once everything is saved, or false on timeout', async () => {
    const { queue } = setup(['network']);
    queue.set('q1', ['o1']);
    const flushed = queue.flush(10_000);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(flushed).resolves.toBe(true);

    const second = setup(['network', 'network', 'network', 'network', 'network']);
    second.queue.set('q1', ['o1']);
    const late = second.queue.flush(2_500);
    await vi.advanceTimersByTimeAsync(2_500);
    await expect(late).resolves.toBe(false);
  });
});
