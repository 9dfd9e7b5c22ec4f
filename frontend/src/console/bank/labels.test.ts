import { describe, expect, it } from 'vitest';
import { columnLabel, placeOf, rowProblems, sentence } from './labels';

describe('the import problems as an organizer reads them', () => {
  it('names the row and the Vietnamese column, with the Vietnamese message', () => {
    const problems = rowProblems([
      { pointer: '/rows/7/correct', detail: 'answer C names an empty option', detail_vi: 'đáp án C trỏ tới phương án để trống' },
      { pointer: '/rows/3/option_b', detail: 'empty', detail_vi: 'không được để trống' },
      { pointer: '/rows/4/image_a', detail: 'missing picture' },
      { pointer: '/file/anh/hinh.png', detail: 'x', detail_vi: 'ảnh phải mang tên theo nội dung' },
      { pointer: '/rows/9/C9', detail: 'formula', detail_vi: 'ô chứa công thức' },
    ]);
    expect(placeOf(problems[0]!)).toBe('Dòng 7, cột Đáp án đúng');
    expect(problems[0]!.message).toBe('đáp án C trỏ tới phương án để trống');
    expect(placeOf(problems[1]!)).toBe('Dòng 3, cột Phương án B');
    // No Vietnamese from the server: the English is shown rather than nothing.
    expect(problems[2]!.message).toBe('missing picture');
    expect(placeOf(problems[2]!)).toBe('Dòng 4, cột Ảnh A');
    expect(placeOf(problems[3]!)).toBe('Tệp, mục anh/hinh.png');
    expect(placeOf(problems[4]!)).toBe('Dòng 9, ô C9');
  });

  it('maps every template column and capitalises a lone message', () => {
    expect(columnLabel('topic_code')).toBe('Mã chủ đề');
    expect(columnLabel('option_f')).toBe('Phương án F');
    expect(columnLabel('valid_until')).toBe('Hiệu lực đến');
    expect(sentence('không được để trống')).toBe('Không được để trống');
    expect(sentence('')).toBe('');
  });
});
