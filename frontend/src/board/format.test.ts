import { describe, expect, it } from 'vitest';
import { formatCount, formatDecimal, formatPercent, formatTimeUsed, placeText, rateText, shownText } from './format';

describe('board formatting', () => {
  it('groups thousands the Vietnamese way', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(56459)).toBe('56.459');
    expect(formatCount(1234567)).toBe('1.234.567');
    expect(formatCount(-1200)).toBe('-1.200');
    expect(formatCount(null)).toBe('—');
    expect(formatCount(Number.NaN)).toBe('—');
  });

  it('writes decimals with a comma and no trailing zeros', () => {
    expect(formatDecimal(7.25)).toBe('7,3');
    expect(formatDecimal(8)).toBe('8');
    expect(formatDecimal(8.04)).toBe('8');
    expect(formatDecimal(1234.5)).toBe('1.234,5');
    expect(formatDecimal(66.666, 2)).toBe('66,67');
    expect(formatDecimal(undefined)).toBe('—');
  });

  it('shows a rate as a percentage', () => {
    expect(formatPercent(0.3)).toBe('30%');
    expect(formatPercent(0.305)).toBe('30,5%');
    expect(formatPercent(1 / 3)).toBe('33,3%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(1.25)).toBe('125%'); // a stale member count can pass 100%
    expect(formatPercent(null)).toBe('—');
  });

  it('writes participation as x/y = z%', () => {
    expect(rateText(12, 40, 0.3)).toBe('12/40 = 30%');
    expect(rateText(1, 3)).toBe('1/3 = 33,3%'); // computed when the server gives no rate
    expect(rateText(0, 25, 0)).toBe('0/25 = 0%');
    expect(rateText(1500, 12000, 0.125)).toBe('1.500/12.000 = 12,5%');
    // The server's rate wins (it is what the ranking used).
    expect(rateText(5, 10, 0.4)).toBe('5/10 = 40%');
  });

  it('says when a unit declared no member count instead of dividing by zero', () => {
    expect(rateText(7, null)).toBe('7/— (chưa khai báo số đoàn viên)');
    expect(rateText(7, 0, null)).toBe('7/— (chưa khai báo số đoàn viên)');
    expect(rateText(7, undefined)).toBe('7/— (chưa khai báo số đoàn viên)');
  });

  it('formats time used as mm:ss, minutes passing 59 on a contest board', () => {
    expect(formatTimeUsed(0)).toBe('00:00');
    expect(formatTimeUsed(59_999)).toBe('00:59');
    expect(formatTimeUsed(312_000)).toBe('05:12');
    expect(formatTimeUsed(600_000)).toBe('10:00');
    expect(formatTimeUsed(125 * 60_000 + 7_400)).toBe('125:07');
    expect(formatTimeUsed(null)).toBe('--:--');
  });

  it('describes my place and the rows shown', () => {
    expect(placeText(3, 1234)).toBe('Hạng 3/1.234');
    expect(shownText(20, 57)).toBe('Đang hiển thị 20/57');
    expect(shownText(60, 57)).toBe('Đang hiển thị 57/57');
  });
});
