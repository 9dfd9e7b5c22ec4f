import { describe, expect, it } from 'vitest';
import { consolePath, parseConsolePath } from '../paths';
import { fold, formatCount, formatRate } from './fold';
import { formatDate, formatVietnam, fromVietnamInput, toVietnamInput, vietnamToday } from './vnTime';

describe('Vietnam time for datetime-local inputs', () => {
  it('reads an input as UTC+7 whatever the machine zone', () => {
    expect(fromVietnamInput('2026-12-04T20:00')).toBe('2026-12-04T13:00:00Z');
    expect(fromVietnamInput('2026-01-01T03:30')).toBe('2025-12-31T20:30:00Z');
  });
  it('round-trips', () => {
    expect(toVietnamInput('2026-12-04T13:00:00Z')).toBe('2026-12-04T20:00');
    expect(toVietnamInput(fromVietnamInput('2027-02-28T23:59')!)).toBe('2027-02-28T23:59');
  });
  it('refuses dates that do not exist and junk', () => {
    expect(fromVietnamInput('2026-02-31T10:00')).toBeNull();
    expect(fromVietnamInput('2026-12-04')).toBeNull();
    expect(fromVietnamInput('')).toBeNull();
    expect(toVietnamInput('not a date')).toBe('');
  });
  it('formats in Vietnam time', () => {
    expect(formatVietnam('2026-12-04T17:30:00Z')).toBe('00:30 05/12/2026');
    expect(formatDate('2026-03-26')).toBe('26/03/2026');
    expect(formatDate('2026-12-04T17:30:00Z')).toBe('05/12/2026');
    expect(vietnamToday(Date.parse('2026-12-04T18:00:00Z'))).toBe('2026-12-05');
  });
});

describe('numbers and text as Vietnamese documents write them', () => {
  it('folds diacritics, đ included', () => {
    expect(fold('Quốc hội')).toBe('quoc hoi');
    expect(fold('ĐOÀN Thanh niên')).toBe('doan thanh nien');
  });
  it('writes thousands with dots and rates as x/y = z%', () => {
    expect(formatCount(1200)).toBe('1.200');
    expect(formatCount(1234567)).toBe('1.234.567');
    expect(formatRate(45, 60)).toBe('45/60 = 75%');
    expect(formatRate(1, 1200)).toBe('1/1.200 = 0,1%');
    expect(formatRate(0, 0)).toBe('0/0');
  });
});

describe('console addresses', () => {
  it('builds and parses', () => {
    expect(consolePath()).toBe('/quan-ly');
    expect(consolePath('cuoc-thi', 'abc', { page: 2, q: '' })).toBe('/quan-ly/cuoc-thi/abc?page=2');
    expect(parseConsolePath('/quan-ly')).toEqual({ section: null, rest: [] });
    expect(parseConsolePath('/quan-ly/vong-thi/r%201')).toEqual({ section: 'vong-thi', rest: ['r 1'] });
    expect(parseConsolePath('/quan-lyx')).toBeNull();
    expect(parseConsolePath('/')).toBeNull();
  });
});

describe('the console behind sign-in', () => {
  it('sends the signed-out to sign in and brings them back', async () => {
    const { resolveRoute, safeNext } = await import('../../router');
    expect(resolveRoute('/quan-ly/cuoc-thi', false)).toBe('/dang-nhap');
    expect(resolveRoute('/quan-ly/cuoc-thi', true)).toBe('/quan-ly/cuoc-thi');
    expect(safeNext('/quan-ly/ngan-hang?q=quoc')).toBe('/quan-ly/ngan-hang?q=quoc');
    expect(safeNext('//evil.example/quan-ly')).toBeNull();
  });
});
