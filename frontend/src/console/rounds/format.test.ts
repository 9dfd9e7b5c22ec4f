import { describe, expect, it } from 'vitest';
import { changeText, perMinuteText, placingText, roundStateLabel } from './format';

describe('round console wording', () => {
  it('names a round state as organizers say it', () => {
    expect(roundStateLabel('open', false)).toBe('Đang mở');
    expect(roundStateLabel('closed', false)).toBe('Đã kết thúc');
    expect(roundStateLabel('upcoming', false)).toBe('Chưa mở');
    expect(roundStateLabel('closed', true)).toBe('Đã công bố kết quả');
  });

  it('writes a place with its prize', () => {
    expect(placingText({ rank: 2, prize: 'Giải Nhì' })).toBe('Hạng 2 – Giải Nhì');
    expect(placingText({ rank: 1200, prize: null })).toBe('Hạng 1.200');
    expect(placingText(null)).toBe('Không xếp hạng');
  });

  it('says what a republication changed for one entrant', () => {
    const u = { user_id: 'x', full_name: 'A' };
    expect(changeText({ ...u, before: { rank: 2, prize: 'Giải Nhì' }, after: { rank: 1, prize: 'Giải Nhất' } })).toBe(
      'Lên 1 hạng, nhận Giải Nhất',
    );
    expect(changeText({ ...u, before: { rank: 3, prize: null }, after: { rank: 5, prize: null } })).toBe('Xuống 2 hạng');
    expect(changeText({ ...u, before: { rank: 3, prize: 'Giải Ba' }, after: { rank: 3, prize: null } })).toBe('Không còn Giải Ba');
    expect(changeText({ ...u, before: { rank: 1, prize: 'Giải Nhất' }, after: null })).toBe(
      'Bị loại khỏi bảng xếp hạng (kết quả bị hủy)',
    );
    expect(changeText({ ...u, before: null, after: { rank: 4, prize: null } })).toBe('Được xếp hạng lại (kết quả được khôi phục)');
  });

  it('counts finishes per minute', () => {
    expect(perMinuteText(1234)).toBe('1.234 bài/phút');
    expect(perMinuteText(undefined)).toBe('0 bài/phút');
  });
});
