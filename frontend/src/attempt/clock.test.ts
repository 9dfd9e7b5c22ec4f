import { describe, expect, it } from 'vitest';
import { clockOffset, deadlineFromSample, formatCountdown, formatDuration, formatVietnamTime, ServerClock } from './clock';

describe('server clock', () => {
  it('counts down from remaining_ms on the monotonic clock, ignoring the phone wall clock', () => {
    let mono = 1_000;
    const clock = new ServerClock(() => mono);
    expect(clock.remaining()).toBe(Number.POSITIVE_INFINITY);
    // The phone's wall clock is a whole day fast: it must not matter.
    const phoneWall = Date.parse('2026-11-30T10:00:00Z');
    clock.sync({ remainingMs: 600_000, serverTime: '2026-11-29T10:00:00Z', receivedAt: mono, wallAt: phoneWall });
    expect(clock.remaining()).toBe(600_000);
    mono += 61_500;
    expect(clock.remaining()).toBe(538_500);
    expect(formatCountdown(clock.remaining())).toBe('08:59');
    mono += 10 * 60_000;
    expect(clock.remaining()).toBe(0);
    expect(clock.expired()).toBe(true);
  });

  it('measures offset = server_time − local time at receipt and estimates the server now', () => {
    const clock = new ServerClock(() => 0);
    const local = Date.parse('2026-11-29T10:00:05Z');
    clock.sync({ remainingMs: 1, serverTime: '2026-11-29T10:00:00.000Z', receivedAt: 0, wallAt: local });
    expect(clock.offset).toBe(-5_000);
    expect(clock.serverNow(local + 1_000)).toBe(Date.parse('2026-11-29T10:00:01Z'));
    expect(clockOffset('garbage', local)).toBe(0);
    expect(clockOffset(undefined, local)).toBe(0);
  });

  it('takes half the round trip off (bounded) and never goes negative', () => {
    expect(deadlineFromSample({ remainingMs: 10_000, sentAt: 100, receivedAt: 500 })).toBe(500 + 10_000 - 200);
    // A request that hung for a minute: at most 5 s is taken off.
    expect(deadlineFromSample({ remainingMs: 10_000, sentAt: 0, receivedAt: 60_000 })).toBe(60_000 + 10_000 - 5_000);
    expect(deadlineFromSample({ remainingMs: -5, receivedAt: 10 })).toBe(10);
  });

  it('resyncs on each server reading (a later, smaller remaining_ms wins)', () => {
    let mono = 0;
    const clock = new ServerClock(() => mono);
    clock.sync({ remainingMs: 300_000, receivedAt: 0 });
    mono = 10_000;
    // The phone slept and its monotonic clock stood still: the server says less is left.
    clock.sync({ remainingMs: 200_000, receivedAt: mono });
    expect(clock.remaining()).toBe(200_000);
  });
});

describe('time formats', () => {
  it('formats countdowns (rounding up) and durations (rounding down)', () => {
    expect(formatCountdown(0)).toBe('00:00');
    expect(formatCountdown(1)).toBe('00:01');
    expect(formatCountdown(60_000)).toBe('01:00');
    expect(formatCountdown(3_600_000 + 5_000)).toBe('1:00:05');
    expect(formatCountdown(Number.POSITIVE_INFINITY)).toBe('--:--');
    expect(formatDuration(599_900)).toBe('09:59');
    expect(formatDuration(61_000)).toBe('01:01');
  });

  it('shows times in Vietnam time (UTC+7) whatever the phone zone', () => {
    expect(formatVietnamTime('2026-11-29T03:18:32.207Z')).toBe('10:18 29/11/2026');
    expect(formatVietnamTime('2026-12-31T20:00:00Z')).toBe('03:00 01/01/2027');
  });
});
