import { beforeEach, describe, expect, it } from 'vitest';
import type { Attempt } from '../api/types';
import { dropCopy, keepCopy, takeCopy } from './offlineCopy';

class MemoryStorage {
  private m = new Map<string, string>();
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
}

const attempt = {
  id: 'a1',
  round_id: 'r1',
  status: 'open',
  questions: [{ id: 'q1', position: 1, kind: 'single', text: 'Câu 1', options: [{ id: 'o1', text: 'A' }] }],
  answers: {},
  remaining_ms: 60_000,
} as unknown as Attempt;

describe('the running attempt kept in this tab', () => {
  beforeEach(() => {
    (globalThis as { window?: unknown }).window = { sessionStorage: new MemoryStorage() };
  });

  it('comes back with the chosen answers and the time left by the phone clock', () => {
    keepCopy(attempt, { q1: ['o1'] }, 60_000);
    const copy = takeCopy('a1', Date.now() + 10_000);
    expect(copy?.attempt.answers).toEqual({ q1: ['o1'] });
    expect(copy!.remainingMs).toBeGreaterThan(49_000);
    expect(copy!.remainingMs).toBeLessThanOrEqual(50_000);
  });

  it('is not used once time is up, for another attempt, or after it is dropped', () => {
    keepCopy(attempt, {}, 5_000);
    expect(takeCopy('a1', Date.now() + 6_000)).toBeNull();
    expect(takeCopy('other')).toBeNull();
    dropCopy('a1');
    expect(takeCopy('a1')).toBeNull();
  });
});
