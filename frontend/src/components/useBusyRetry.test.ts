import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/problem';
import { busyText, busyWaitSeconds, startCountdown, waitText } from './useBusyRetry';

describe('busy retry', () => {
  afterEach(() => vi.useRealTimers());

  it('waits the Retry-After of a 503, never less than a second', () => {
    expect(busyWaitSeconds(new ApiError({ status: 503, code: 'busy' }, 503, 4))).toBe(4);
    expect(busyWaitSeconds(new ApiError({ status: 503, code: 'busy' }, 503, 0))).toBe(1);
    expect(busyWaitSeconds(new ApiError({ status: 503, code: 'unavailable' }, 503, null))).toBe(5);
  });

  it('leaves every other failure to the form', () => {
    expect(busyWaitSeconds(new ApiError({ status: 401, code: 'invalid_credentials' }, 401))).toBeNull();
    expect(busyWaitSeconds(new ApiError({ status: 429, code: 'too_many_requests' }, 429, 60))).toBeNull();
    expect(busyWaitSeconds(new Error('boom'))).toBeNull();
  });

  it('counts down once a second and retries at zero', () => {
    vi.useFakeTimers();
    const ticks: number[] = [];
    const done = vi.fn();
    startCountdown(3, (left) => ticks.push(left), done);
    expect(ticks).toEqual([3]);
    vi.advanceTimersByTime(2000);
    expect(ticks).toEqual([3, 2, 1]);
    expect(done).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1000);
    expect(done).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(5000);
    expect(done).toHaveBeenCalledTimes(1);
  });

  it('stops when cancelled', () => {
    vi.useFakeTimers();
    const done = vi.fn();
    const stop = startCountdown(2, () => {}, done);
    stop();
    vi.advanceTimersByTime(5000);
    expect(done).not.toHaveBeenCalled();
  });

  it('says it in Vietnamese', () => {
    expect(busyText('đăng nhập', 4)).toBe(
      'Đang có rất nhiều người đăng nhập cùng lúc. Hệ thống sẽ tự động thử lại sau 4 giây…',
    );
  });

  it('counts a long turn in minutes and seconds', () => {
    expect(busyText('đăng ký', 125)).toBe(
      'Đang có rất nhiều người đăng ký cùng lúc. Hệ thống sẽ tự động thử lại sau 2 phút 5 giây…',
    );
    expect(busyText('đăng nhập', 120)).toContain('sau 2 phút…');
    expect(busyText('đăng nhập', 59)).toContain('sau 59 giây…');
    expect(waitText(125)).toBe('2 phút 5 giây');
  });
});
