import { describe, expect, it } from 'vitest';
import { parseBlocks } from './RichText';

describe('the simple formatting of rules', () => {
  it('splits paragraphs on blank lines and keeps line breaks inside one', () => {
    expect(parseBlocks('Dòng một\nDòng hai\n\nĐoạn hai')).toEqual([
      { kind: 'p', lines: ['Dòng một', 'Dòng hai'] },
      { kind: 'p', lines: ['Đoạn hai'] },
    ]);
  });

  it('reads "- " and "1. " lines as lists, and an indented line as the item continued', () => {
    expect(parseBlocks('Thể lệ:\n- Thi 10 phút\n  mỗi lượt\n- Tối đa 3 lượt\n\n1. Vòng loại\n2. Chung kết')).toEqual([
      { kind: 'p', lines: ['Thể lệ:'] },
      { kind: 'ul', items: ['Thi 10 phút mỗi lượt', 'Tối đa 3 lượt'] },
      { kind: 'ol', items: ['Vòng loại', 'Chung kết'] },
    ]);
  });

  it('keeps markup as text (it is rendered as text nodes, never as HTML)', () => {
    expect(parseBlocks('<script>alert(1)</script>')).toEqual([{ kind: 'p', lines: ['<script>alert(1)</script>'] }]);
  });
});
