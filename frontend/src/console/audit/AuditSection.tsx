import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { components } from '../../api/schema';
import type { SectionProps } from '../sections';
import { ROLE_NAMES, type ManagerRole } from '../scope';
import { DataTable, type Column } from '../kit/DataTable';
import { Pager } from '../kit/Pager';
import { ProblemMessage } from '../kit/ProblemMessage';
import { useQueryState } from '../kit/useQueryState';
import { formatDate, formatVietnam } from '../kit/vnTime';

type AuditPage = components['schemas']['AuditPage'];
type AuditEvent = components['schemas']['AuditEvent'];

/** What each recorded action is, as an officer would say it. */
export const ACTION_LABELS: Record<string, string> = {
  'contest.create': 'Tạo cuộc thi',
  'contest.update': 'Sửa cuộc thi',
  'contest.publish': 'Công bố kết quả chung cuộc',
  'round.create': 'Tạo vòng thi',
  'round.update': 'Sửa vòng thi',
  'round.publish': 'Công bố kết quả vòng thi',
  'round.republish': 'Công bố lại kết quả vòng thi',
  'result.void': 'Hủy kết quả',
  'result.restore': 'Khôi phục kết quả',
  'user.roles': 'Thay đổi vai trò',
  'user.disable': 'Khoá tài khoản',
  'user.enable': 'Mở khoá tài khoản',
  'user.erase': 'Xóa dữ liệu cá nhân theo yêu cầu',
  'user.admission_import': 'Nhập ngày kết nạp',
  'unit.create': 'Tạo đơn vị',
  'unit.update': 'Sửa đơn vị',
  'unit.move': 'Chuyển đơn vị',
  'unit.import': 'Nhập đơn vị từ tệp',
  'unit_transfer.request': 'Đoàn viên đề nghị chuyển đơn vị',
  'unit_transfer.approve': 'Duyệt chuyển đơn vị (đơn vị nhận)',
  'unit_transfer.reject': 'Từ chối đề nghị chuyển đơn vị',
  'unit_transfer.cancel': 'Đoàn viên hủy đề nghị chuyển đơn vị',
  'user.unit_change': 'Đoàn viên chuyển đi đơn vị khác',
  'unit.theory_since': 'Đặt ngày kết nạp phải học lý luận',
  'certificate.revoke': 'Thu hồi giấy chứng nhận',
  'course.create': 'Tạo chương trình học',
  'course.add_lesson': 'Thêm bài học',
  'question.create': 'Thêm câu hỏi',
  'question.update': 'Sửa câu hỏi',
  'question.delete': 'Xóa câu hỏi',
  'question.import': 'Nhập câu hỏi từ tệp',
  'export.round': 'Xuất danh sách vòng thi (có dữ liệu cá nhân)',
  'export.contest': 'Xuất danh sách cuộc thi (có dữ liệu cá nhân)',
  'export.theory_pending': 'Xuất danh sách đoàn viên mới chưa đạt',
};

/** The filter's choices: areas (every action of the area) and the actions most asked about. */
const FILTERS: Array<{ value: string; label: string }> = [
  { value: '', label: 'Tất cả' },
  { value: 'contest', label: 'Cuộc thi' },
  { value: 'round', label: 'Vòng thi' },
  { value: 'result', label: 'Hủy / khôi phục kết quả' },
  { value: 'user.roles', label: 'Thay đổi vai trò' },
  { value: 'user.disable', label: 'Khoá tài khoản' },
  { value: 'user.enable', label: 'Mở khoá tài khoản' },
  { value: 'user', label: 'Đoàn viên (mọi thay đổi)' },
  { value: 'export', label: 'Xuất dữ liệu cá nhân' },
  { value: 'certificate', label: 'Giấy chứng nhận' },
  { value: 'unit', label: 'Đơn vị' },
  { value: 'unit_transfer', label: 'Chuyển đơn vị của đoàn viên' },
  { value: 'question', label: 'Ngân hàng câu hỏi' },
  { value: 'course', label: 'Chương trình học' },
];

export function actionLabel(action: string): string {
  return ACTION_LABELS[action] ?? action;
}

const REPORT_NAMES: Record<string, string> = { ranking: 'bảng xếp hạng', prizes: 'danh sách đoạt giải' };

/** The recorded details worth reading, in words. */
export function detailText(e: { action: string; detail?: unknown }): string {
  const d = (e.detail ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  const str = (k: string) => (typeof d[k] === 'string' ? (d[k] as string) : null);
  const num = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : null);
  if (str('title')) parts.push(str('title')!);
  if (str('report')) parts.push(REPORT_NAMES[str('report')!] ?? str('report')!);
  if (str('format')) parts.push(`tệp ${str('format')!.toUpperCase()}`);
  if (num('rows') !== null) parts.push(`${num('rows')} người`);
  if (num('count') !== null) parts.push(`${num('count')} dòng`);
  if (str('file')) parts.push(`tệp "${str('file')}"`);
  if (e.action === 'unit.theory_since') parts.push(str('theory_since') ? `từ ngày ${formatDate(str('theory_since'))}` : 'dùng ngày của cấp trên');
  if (Array.isArray(d.roles)) {
    const roles = (d.roles as Array<{ role?: string }>).map((r) => ROLE_NAMES[r.role as ManagerRole] ?? r.role ?? '');
    parts.push(roles.length ? `vai trò: ${roles.join(', ')}` : 'không còn vai trò nào');
  }
  if (str('granted')) parts.push(`cấp vai trò ${ROLE_NAMES[str('granted') as ManagerRole] ?? str('granted')}`);
  if (str('name')) parts.push(`tên: ${str('name')}`);
  if (str('code') && e.action.startsWith('certificate')) {
    const c = str('code')!;
    parts.push(`mã xác thực ${c.length === 10 ? `${c.slice(0, 5)}-${c.slice(5)}` : c}`);
  } else if (str('code') && !e.action.startsWith('course')) parts.push(`mã ${str('code')}`);
  if (num('member_count') !== null) parts.push(`${num('member_count')} đoàn viên`);
  const closes = d.closes_at as { from?: string; to?: string } | undefined;
  if (closes && closes.from !== closes.to) parts.push(`giờ đóng: ${formatVietnam(closes.from)} → ${formatVietnam(closes.to)}`);
  if (num('ranked') !== null) parts.push(`${num('ranked')} người được xếp hạng`);
  if (num('prizes') !== null) parts.push(`${num('prizes')} giải`);
  if (str('reason')) parts.push(`lý do: ${str('reason')}`);
  if (str('note')) parts.push(`ghi chú: ${str('note')}`);
  if (num('sessions_ended')) parts.push(`kết thúc ${num('sessions_ended')} phiên đăng nhập`);
  if (str('disabled_reason')) parts.push(`đã khoá vì: ${str('disabled_reason')}`);
  const text = parts.join('; ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const PAGE = 30;

/**
 * /quan-ly/nhat-ky: the audit log of the manager's scope, newest first, paged by the server;
 * filtered by kind of action, by who did it (click a name), and by days (Vietnam time). The
 * server decides what each person may read.
 */
export default function AuditSection(_: SectionProps) {
  const q = useQueryState();
  const offset = q.getNumber('offset', 0);
  const action = q.get('action');
  const actor = q.get('actor');
  const actorName = q.get('actor_name');
  const from = q.get('from');
  const to = q.get('to');
  const [fromInput, setFromInput] = useState(from);
  const [toInput, setToInput] = useState(to);
  useEffect(() => (setFromInput(from), setToInput(to)), [from, to]);

  const [data, setData] = useState<AuditPage | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [n, setN] = useState(0);
  useEffect(() => {
    const c = new AbortController();
    setLoading(true);
    setError(null);
    api
      .request<AuditPage>('GET', '/audit', {
        query: { action: action || undefined, actor_id: actor || undefined, from: from || undefined, to: to || undefined, offset, limit: PAGE },
        signal: c.signal,
      })
      .then((p) => (setData(p), setLoading(false)))
      .catch((e: unknown) => {
        if (c.signal.aborted) return;
        setError(e);
        setLoading(false);
      });
    return () => c.abort();
  }, [action, actor, from, to, offset, n]);

  const columns: Column<AuditEvent>[] = [
    { key: 'at', label: 'Thời gian (giờ Việt Nam)', render: (e) => formatVietnam(e.at) },
    {
      key: 'actor',
      label: 'Người thực hiện',
      render: (e) =>
        e.actor_id ? (
          <button
            type="button"
            class="linklike"
            title="Chỉ xem việc của người này"
            onClick={() => q.set({ actor: e.actor_id, actor_name: e.actor_name, offset: null }, { push: true })}
          >
            {e.actor_name || 'Tài khoản đã xóa'}
          </button>
        ) : (
          <span class="muted">Hệ thống</span>
        ),
    },
    { key: 'action', label: 'Việc đã làm', render: (e) => <strong>{actionLabel(e.action)}</strong> },
    { key: 'unit', label: 'Đơn vị', render: (e) => e.unit_name ?? <span class="muted">—</span> },
    { key: 'detail', label: 'Chi tiết', render: (e) => detailText(e) || <span class="muted">—</span> },
  ];

  return (
    <>
      <div class="page-head">
        <h1>Nhật ký thay đổi</h1>
      </div>
      <p class="muted">Ai đã thay đổi gì, khi nào, trong các đơn vị bạn quản lý: sửa cuộc thi, hủy kết quả, thay đổi vai trò, xuất dữ liệu cá nhân, thu hồi giấy chứng nhận…</p>
      <form
        class="toolbar toolbar--inline"
        onSubmit={(e) => {
          e.preventDefault();
          q.set({ from: fromInput || null, to: toInput || null, offset: null }, { push: true });
        }}
      >
        <div class="field">
          <label for="audit-action">Loại việc</label>
          <select id="audit-action" value={action} onChange={(e) => q.set({ action: (e.target as HTMLSelectElement).value || null, offset: null }, { push: true })}>
            {FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="audit-from">Từ ngày</label>
          <input id="audit-from" type="date" value={fromInput} onInput={(e) => setFromInput((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="audit-to">Đến hết ngày</label>
          <input id="audit-to" type="date" value={toInput} onInput={(e) => setToInput((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="button button--primary">
          Lọc
        </button>
        {(action || actor || from || to) && (
          <button type="button" class="button button--ghost" onClick={() => q.set({ action: null, actor: null, actor_name: null, from: null, to: null, offset: null }, { push: true })}>
            Bỏ lọc
          </button>
        )}
      </form>
      {actor && (
        <p class="filter-chip">
          Người thực hiện: <strong>{actorName || 'đã chọn'}</strong>{' '}
          <button type="button" class="button button--small button--ghost" onClick={() => q.set({ actor: null, actor_name: null, offset: null }, { push: true })}>
            Bỏ chọn
          </button>
        </p>
      )}
      {error ? (
        <ProblemMessage error={error} onRetry={() => setN((x) => x + 1)} />
      ) : (
        <>
          <DataTable caption="Nhật ký thay đổi" columns={columns} rows={data?.items ?? []} rowKey={(e) => e.id} loading={loading} empty="Không có thay đổi nào khớp điều kiện lọc." />
          {data && <Pager offset={offset} limit={PAGE} total={data.total} noun="mục" onOffset={(o) => q.set({ offset: o || null })} />}
        </>
      )}
    </>
  );
}
