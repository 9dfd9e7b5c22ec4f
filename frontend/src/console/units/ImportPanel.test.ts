import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/problem';
import { rowProblems } from './ImportPanel';

describe('rowProblems', () => {
  const columns = { phone: 'Số điện thoại', admitted_at: 'Ngày kết nạp' };

  it('lists bad rows in row order with the column named in Vietnamese and the server’s Vietnamese', () => {
    const err = new ApiError(
      {
        status: 422,
        code: 'validation_failed',
        errors: [
          { pointer: '/rows/5/phone', code: 'invalid', detail: 'no member', detail_vi: 'Không có đoàn viên nào dùng số này.' },
          { pointer: '/rows/3/admitted_at', code: 'invalid', detail: 'not a date', detail_vi: '«31/02/2024» không phải là ngày hợp lệ.' },
        ],
      },
      422,
    );
    expect(rowProblems(err, columns)).toEqual([
      { row: 3, column: 'Ngày kết nạp', message: '«31/02/2024» không phải là ngày hợp lệ.' },
      { row: 5, column: 'Số điện thoại', message: 'Không có đoàn viên nào dùng số này.' },
    ]);
  });

  it('never shows the English detail: a row problem without Vietnamese gets a generic message', () => {
    const err = new ApiError({ status: 422, code: 'validation_failed', errors: [{ pointer: '/rows/2/phone', code: 'invalid', detail: 'English only' }] }, 422);
    const [p] = rowProblems(err, columns);
    expect(p?.message).toBe('Giá trị không hợp lệ.');
  });

  it('a file-level problem has no row', () => {
    const err = new ApiError(
      { status: 422, code: 'validation_failed', errors: [{ pointer: '/file', code: 'invalid', detail: 'no rows', detail_vi: 'Tệp chỉ có dòng tiêu đề.' }] },
      422,
    );
    expect(rowProblems(err, columns)).toEqual([{ row: 0, column: '', message: 'Tệp chỉ có dòng tiêu đề.' }]);
  });
});
