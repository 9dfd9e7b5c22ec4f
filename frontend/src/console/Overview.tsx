import { linkClick } from '../router';
import { consolePath } from './paths';
import { rolesOn, ROLE_NAMES, type Scope } from './scope';
import type { Section } from './sections';

/** What each section is for, in one line, for the overview's cards. */
const PURPOSE: Record<string, string> = {
  'ngan-hang': 'Soạn, nhập, tìm kiếm và xuất câu hỏi; xem thống kê câu hỏi.',
  'cuoc-thi': 'Tạo cuộc thi và vòng thi, đặt thể lệ, theo dõi và công bố kết quả.',
  'don-vi': 'Cây đơn vị, số đoàn viên, nhập đơn vị từ tệp.',
  'doan-vien': 'Tìm đoàn viên, giao vai trò, cấp mã đặt lại mật khẩu, nhập ngày kết nạp.',
  'ly-luan': 'Kết quả học lý luận chính trị của đoàn viên mới, giấy chứng nhận.',
  'bao-cao': 'Báo cáo tỷ lệ tham gia gửi cấp trên.',
  'nhat-ky': 'Ai đã thay đổi gì, khi nào.',
};

/** /quan-ly: the person's scope and roles, and a card per section. */
export function Overview({ scope, sections }: { scope: Scope; sections: Section[] }) {
  return (
    <>
      <h1>Quản lý</h1>
      <section class="card" aria-labelledby="scope-title">
        <h2 id="scope-title">Phạm vi của bạn</h2>
        {scope.isAdmin && <p>{ROLE_NAMES.admin}: toàn bộ hệ thống.</p>}
        {scope.units.length > 0 && (
          <ul class="scope-list">
            {scope.units.map((u) => (
              <li key={u.id}>
                <strong>{u.name}</strong>
                {u.ancestors.length > 0 && <span class="muted"> ({u.ancestors.map((a) => a.name).join(' › ')})</span>}
                <span class="scope-list__roles"> — {rolesOn(scope, u.id)}</span>
              </li>
            ))}
          </ul>
        )}
        <p class="hint">Bạn chỉ thấy và thay đổi được dữ liệu của các đơn vị kể trên và các đơn vị trực thuộc.</p>
      </section>
      {sections.length > 0 && (
        <ul class="console-cards">
          {sections.map((s) => (
            <li key={s.key} class="card console-card">
              <a href={consolePath(s.key)} onClick={linkClick(consolePath(s.key))} class="console-card__link">
                {s.label}
              </a>
              <p class="muted">{PURPOSE[s.key] ?? ''}</p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
