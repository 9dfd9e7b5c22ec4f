import { describe, expect, it } from 'vitest';
import { actionLabel, detailText } from './AuditSection';

describe('the audit log in words', () => {
  it('names known actions in Vietnamese and leaves unknown ones as recorded', () => {
    expect(actionLabel('certificate.revoke')).toBe('Thu hồi giấy chứng nhận');
    expect(actionLabel('export.theory_pending')).toBe('Xuất danh sách đoàn viên mới chưa đạt');
    expect(actionLabel('something.new')).toBe('something.new');
    expect(actionLabel('unit_transfer.approve')).toBe('Duyệt chuyển đơn vị (đơn vị nhận)');
  });

  it('reads a revocation: the printed code and the reason', () => {
    const text = detailText({ action: 'certificate.revoke', detail: { reason: 'Thi hộ', user_id: 'x', code: 'ABCDE12345' } });
    expect(text).toBe('Mã xác thực ABCDE-12345; lý do: Thi hộ');
  });

  it('reads a lock and an unlock of an account', () => {
    expect(actionLabel('user.disable')).toBe('Khoá tài khoản');
    expect(detailText({ action: 'user.disable', detail: { reason: 'Thi hộ', sessions_ended: 2 } })).toBe(
      'Lý do: Thi hộ; kết thúc 2 phiên đăng nhập',
    );
    expect(detailText({ action: 'user.enable', detail: { disabled_reason: 'Thi hộ' } })).toBe('Đã khoá vì: Thi hộ');
  });

  it('reads roles, exports, dates and deadline changes', () => {
    expect(detailText({ action: 'user.roles', detail: { roles: [{ role: 'organizer', unit_id: 'u' }] } })).toBe('Vai trò: Ban Tổ chức');
    expect(detailText({ action: 'user.roles', detail: { roles: [] } })).toBe('Không còn vai trò nào');
    expect(detailText({ action: 'export.round', detail: { report: 'prizes', format: 'xlsx', title: 'Cuộc thi – Tuần 1' } })).toBe(
      'Cuộc thi – Tuần 1; danh sách đoạt giải; tệp XLSX',
    );
    expect(detailText({ action: 'unit.theory_since', detail: { theory_since: '2025-01-01' } })).toBe('Từ ngày 01/01/2025');
    expect(detailText({ action: 'unit.theory_since', detail: { theory_since: null } })).toBe('Dùng ngày của cấp trên');
    expect(detailText({ action: 'unit_transfer.reject', detail: { from: 'a', to: 'b', note: 'Thiếu xác nhận' } })).toBe('Ghi chú: Thiếu xác nhận');
    expect(
      detailText({ action: 'round.update', detail: { closes_at: { from: '2026-12-04T13:00:00Z', to: '2026-12-05T13:00:00Z' } } }),
    ).toBe('Giờ đóng: 20:00 04/12/2026 → 20:00 05/12/2026');
    expect(detailText({ action: 'round.update', detail: { closes_at: { from: '2026-12-04T13:00:00Z', to: '2026-12-04T13:00:00Z' } } })).toBe('');
  });
});
