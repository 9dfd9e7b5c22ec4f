import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { components } from '../../api/schema';
import { consolePath } from '../paths';
import type { SectionProps } from '../sections';
import { ConfirmDialog } from '../kit/ConfirmDialog';
import { DataTable, type Column } from '../kit/DataTable';
import { downloadFile } from '../kit/files';
import { formatCount, formatRate } from '../kit/fold';
import { Pager } from '../kit/Pager';
import { messageOf, ProblemMessage } from '../kit/ProblemMessage';
import { useQueryState } from '../kit/useQueryState';
import { formatDate, formatVietnam } from '../kit/vnTime';
import { AUDIENCE_LABEL, ProgrammesView } from './Programmes';
import { defaultUnit, SubNav, UnitChooser } from './UnitChooser';

type Coverage = components['schemas']['CoverageResponse'];
type CoverageLine = components['schemas']['CoverageLine'];
type PendingList = components['schemas']['PendingList'];
type PendingMember = components['schemas']['PendingMember'];
type CertificateList = components['schemas']['CertificateList'];
type Certificate = components['schemas']['ManagedCertificate'];
type SinceResponse = components['schemas']['TheorySinceResponse'];
type CourseList = components['schemas']['CourseList'];
type CourseResponse = components['schemas']['CourseResponse'];


/**
 * The programmes taught now whose audience reaches `unitId` (everywhere, the unit or one of its
 * ancestors, or a unit below it), the new members' course first; `null` while loading.
 */
function useProgrammes(unitId: string): CourseResponse[] | null {
  const [items, setItems] = useState<CourseResponse[] | null>(null);
  useEffect(() => {
    const c = new AbortController();
    const reaches = async (all: CourseResponse[]): Promise<CourseResponse[]> => {
      if (!unitId) return all;
      const viewed = await api.unit(unitId, c.signal);
      const above = new Set([viewed.id, ...viewed.ancestors.map((a) => a.id)]);
      const below = new Map<string, boolean>();
      for (const id of new Set(all.map((x) => x.audience.unit_id).filter((id): id is string => !!id && !above.has(id)))) {
        // A unit of another tree, or gone: not below the viewed unit.
        const u = await api.unit(id, c.signal).catch(() => null);
        below.set(id, !!u && u.ancestors.some((a) => a.id === unitId));
      }
      return all.filter((x) => !x.audience.unit_id || above.has(x.audience.unit_id) || below.get(x.audience.unit_id));
    };
    api
      .request<CourseList>('GET', '/courses', { signal: c.signal })
      .then((r) => reaches(r.items.filter((x) => x.active)))
      .then((list) =>
        setItems(
          list.sort(
            (a, b) => Number(b.audience.kind === 'new_members') - Number(a.audience.kind === 'new_members') || a.title.localeCompare(b.title, 'vi'),
          ),
        ),
      )
      .catch(() => {
        if (!c.signal.aborted) setItems([]);
      });
    return () => c.abort();
  }, [unitId]);
  return items;
}

/** Picks the programme the section reports on (`?course=`; the new members' course by default). */
function ProgrammeChooser({ items, courseId, onChange }: { items: CourseResponse[]; courseId: string | null; onChange: (id: string | null) => void }) {
  if (items.length < 2) return null;
  return (
    <div class="field programme-chooser">
      <label for="programme">Chương trình học tập</label>
      <select id="programme" value={courseId ?? items[0]?.id ?? ''} onChange={(e) => onChange((e.target as HTMLSelectElement).value || null)}>
        {items.map((c) => (
          <option key={c.id} value={c.id}>
            {c.title} ({AUDIENCE_LABEL[c.audience.kind]})
          </option>
        ))}
      </select>
    </div>
  );
}

const TABS = [
  { key: 'ket-qua', label: 'Kết quả học tập' },
  { key: 'chua-dat', label: 'Đoàn viên mới chưa đạt' },
  { key: 'chung-nhan', label: 'Giấy chứng nhận' },
  { key: 'chuong-trinh', label: 'Chương trình' },
];

const PAGE = 20;

/**
 * /quan-ly/ly-luan: political-theory study of new members in the manager's units — coverage
 * per unit and lesson with drill-down (`?unit=`), the new members still to pass, the date
 * from which a unit's new members must take the course, and certificates (look up, revoke,
 * the revoked ones). Every list's state is in the address.
 */
export default function TheorySection({ scope }: SectionProps) {
  const q = useQueryState();
  const tab = TABS.some((t) => t.key === q.get('tab')) ? q.get('tab') : 'ket-qua';
  const unitId = defaultUnit(scope, q.get('unit'));
  const programmes = useProgrammes(unitId);
  const courseId = q.get('course') || null;
  // The programme asked for (`?course=`), else the first: the new members' course.
  const course = programmes?.find((c) => c.id === courseId) ?? (courseId ? null : (programmes?.[0] ?? null));
  const forNewMembers = course ? course.audience.kind === 'new_members' : !courseId;
  const hrefOf = (key: string) => consolePath('ly-luan', { tab: key === 'ket-qua' ? null : key, unit: q.get('unit') || null, course: courseId });
  const tabs = TABS.map((t) => (t.key === 'chua-dat' && !forNewMembers ? { ...t, label: 'Chưa hoàn thành' } : t));

  return (
    <>
      <div class="page-head">
        <h1>{forNewMembers ? 'Học lý luận chính trị' : 'Chương trình học tập'}</h1>
      </div>
      <p class="muted">
        {forNewMembers
          ? 'Dành cho đoàn viên mới: kết quả học tập của đơn vị, danh sách chưa đạt và giấy chứng nhận.'
          : `${course?.title ?? 'Chương trình này'}: kết quả học tập của đơn vị và danh sách chưa hoàn thành.`}
      </p>
      {programmes && tab !== 'chuong-trinh' && (
        <ProgrammeChooser items={programmes} courseId={course?.id ?? null} onChange={(id) => q.set({ course: id, offset: null }, { push: true })} />
      )}
      <UnitChooser scope={scope} unitId={unitId} onChange={(id) => q.set({ unit: id, offset: null }, { push: true })} />
      <SubNav
        items={tabs.map((t) => ({ ...t, href: hrefOf(t.key) }))}
        current={tab}
        onPick={(key) => q.set({ tab: key === 'ket-qua' ? null : key, offset: null, status: null, code: null }, { push: true })}
      />
      {!unitId && <p class="message message--warn">{scope.isAdmin ? 'Chọn một đơn vị để xem.' : 'Bạn chưa được giao đơn vị nào để xem.'}</p>}
      {unitId && tab === 'ket-qua' && <CoverageView unitId={unitId} courseId={courseId} onUnit={(id) => q.set({ unit: id }, { push: true })} />}
      {unitId && tab === 'chua-dat' && <PendingView unitId={unitId} courseId={courseId} forNewMembers={forNewMembers} />}
      {unitId && tab === 'chung-nhan' && <CertificatesView unitId={unitId} />}
      {tab === 'chuong-trinh' && <ProgrammesView scope={scope} unitId={unitId || null} unitName={null} />}
    </>
  );
}

/** A request's result, its error, and a way to ask again. */
function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [n, setN] = useState(0);
  useEffect(() => {
    const c = new AbortController();
    setLoading(true);
    setError(null);
    load(c.signal)
      .then((d) => {
        setData(d);
        setLoading(false);
      })
      .catch((e: unknown) => {
        if (c.signal.aborted) return;
        setError(e);
        setLoading(false);
      });
    return () => c.abort();
  }, [...deps, n]);
  return { data, error, loading, reload: () => setN((x) => x + 1) };
}

function DownloadButton({ label, path, query }: { label: string; path: string; query?: Record<string, string> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <span class="download">
      <button
        type="button"
        class="button button--small"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          setError(null);
          try {
            await downloadFile(path, { format: 'xlsx', ...query });
          } catch (e) {
            setError(messageOf(e));
          } finally {
            setBusy(false);
          }
        }}
      >
        {busy ? 'Đang xuất…' : label}
      </button>
      {error && (
        <span class="field-error" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}

type Week = components['schemas']['Week'];

/** A week as offices write it: "30/11 – 06/12/2026". */
function weekText(monday: string): string {
  const start = new Date(`${monday}T00:00:00Z`);
  const end = new Date(start.getTime() + 6 * 86_400_000);
  const dm = (d: Date) => `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  return `${dm(start)} – ${dm(end)}/${end.getUTCFullYear()}`;
}

const WEEK_COLUMNS: Column<Week>[] = [
  { key: 'week', label: 'Tuần', render: (w) => weekText(w.starts_on) },
  { key: 'completed', label: 'Hoàn thành trong tuần', numeric: true, render: (w) => formatCount(w.completed) },
  { key: 'cumulative', label: 'Lũy kế', numeric: true, render: (w) => formatCount(w.cumulative) },
];

function CoverageView({ unitId, courseId, onUnit }: { unitId: string; courseId: string | null; onUnit: (id: string) => void }) {
  const query = courseId ? { course_id: courseId } : undefined;
  const { data, error, loading, reload } = useLoad<Coverage>(
    (signal) => api.request<Coverage>('GET', `/units/${unitId}/theory-coverage`, { query, signal }),
    [unitId, courseId],
  );
  if (error) return <ProblemMessage error={error} onRetry={reload} />;
  if (!data) return <p class="muted">Đang tải…</p>;
  const s = data.summary;
  const forNewMembers = data.audience.kind === 'new_members';
  const who = forNewMembers ? 'đoàn viên mới' : 'đoàn viên phải học';
  const lessonColumns: Column<CoverageLine>[] = data.lessons.map((l, i) => ({
    key: `bai-${l.position}`,
    label: `Bài ${l.position}`,
    numeric: true,
    render: (row) => {
      const x = row.lessons[i];
      return x ? formatRate(x.passed, x.total) : '';
    },
  }));
  const columns: Column<CoverageLine>[] = [
    {
      key: 'name',
      label: 'Đơn vị',
      render: (row) =>
        row.direct ? (
          <span>
            {row.name} <span class="muted">(trực thuộc)</span>
          </span>
        ) : (
          <a
            href={consolePath('ly-luan', { unit: row.unit_id })}
            onClick={(e) => {
              e.preventDefault();
              onUnit(row.unit_id);
            }}
          >
            {row.name}
          </a>
        ),
    },
    { key: 'total', label: forNewMembers ? 'Đoàn viên mới' : 'Phải học', numeric: true, render: (r) => formatCount(r.total) },
    { key: 'tested', label: 'Đã kiểm tra', numeric: true, render: (r) => formatCount(r.tested) },
    { key: 'passed', label: 'Đã đạt (cả khóa)', numeric: true, render: (r) => <strong>{formatRate(r.passed, r.total)}</strong> },
    ...lessonColumns,
  ];
  return (
    <section aria-labelledby="coverage-title" class="coverage">
      <h2 id="coverage-title" class="visually-hidden">
        Kết quả học tập của {data.unit_name}
      </h2>
      <div class="coverage-summary card">
        <p class="coverage-summary__big" data-testid="coverage-total">
          {formatRate(s.passed, s.total)}
        </p>
        <p>
          {who} của <strong>{data.unit_name}</strong> đã đạt cả {data.lessons.length} bài. Đã làm bài kiểm tra: {formatCount(s.tested)}/
          {formatCount(s.total)}.
        </p>
        <p class="muted">
          Chương trình: {data.course.title} (phiên bản {data.course.version})
        </p>
        {forNewMembers && <SinceEditor unitId={unitId} since={data.theory_since ?? null} onSaved={reload} />}
      </div>
      <div class="toolbar">
        <DownloadButton label="Xuất Excel" path={`/units/${unitId}/theory-coverage`} query={query} />
      </div>
      <h3>Theo từng bài</h3>
      <ul class="lesson-rates">
        {data.lessons.map((l, i) => {
          const x = s.lessons[i];
          return (
            <li key={l.id}>
              <span>
                Bài {l.position}: {l.title}
              </span>
              <strong>{x ? formatRate(x.passed, x.total) : ''}</strong>
            </li>
          );
        })}
      </ul>
      {data.weekly.length > 0 && (
        <>
          <h3>Tiến độ hoàn thành theo tuần</h3>
          <DataTable
            caption={`Số đoàn viên hoàn thành theo tuần – ${data.unit_name}`}
            columns={WEEK_COLUMNS}
            rows={data.weekly}
            rowKey={(w) => w.starts_on}
            empty=""
          />
        </>
      )}
      <h3>Theo đơn vị trực thuộc</h3>
      <DataTable
        caption={`Kết quả học tập theo đơn vị trực thuộc ${data.unit_name}`}
        columns={columns}
        rows={data.items}
        rowKey={(r) => `${r.unit_id}${r.direct ? '-d' : ''}`}
        loading={loading}
        empty="Đơn vị này không có đơn vị trực thuộc."
        onRowClick={(r) => !r.direct && onUnit(r.unit_id)}
      />
    </section>
  );
}

/** The admission date from which a unit's new members must take the course (blank: inherit). */
function SinceEditor({ unitId, since, onSaved }: { unitId: string; since: string | null; onSaved: () => void }) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(since ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useEffect(() => setValue(since ?? ''), [since, unitId]);
  const save = async (next: string | null) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.request<SinceResponse>('PUT', `/units/${unitId}/theory-since`, { body: { theory_since: next } });
      setSaved(
        r.effective_since ? `Đã lưu. Đoàn viên kết nạp từ ngày ${formatDate(r.effective_since)} phải học.` : 'Đã lưu. Đơn vị chưa đặt ngày bắt buộc học.',
      );
      setEditing(false);
      onSaved();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  if (!editing) {
    return (
      <p class="since">
        Đoàn viên kết nạp từ ngày: <strong>{since ? formatDate(since) : 'chưa đặt'}</strong>{' '}
        <button type="button" class="button button--small button--ghost" onClick={() => (setEditing(true), setSaved(null))}>
          Đổi ngày
        </button>
        {saved && (
          <span class="since__saved" role="status">
            {' '}
            {saved}
          </span>
        )}
      </p>
    );
  }
  return (
    <form
      class="since since--edit"
      onSubmit={(e) => {
        e.preventDefault();
        void save(value || null);
      }}
    >
      <div class={`field${error ? ' field--invalid' : ''}`}>
        <label for="theory-since">Đoàn viên kết nạp từ ngày (phải học lý luận chính trị)</label>
        <input id="theory-since" type="date" value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} aria-describedby="theory-since-hint" />
        <p class="hint" id="theory-since-hint">
          Để trống để dùng ngày của đơn vị cấp trên. Áp dụng cho cả các đơn vị trực thuộc chưa đặt ngày riêng.
        </p>
        {error && (
          <p class="field-error" role="alert">
            {error}
          </p>
        )}
      </div>
      <div class="since__actions">
        <button type="submit" class="button button--primary button--small" disabled={busy}>
          {busy ? 'Đang lưu…' : 'Lưu'}
        </button>
        <button type="button" class="button button--ghost button--small" onClick={() => setEditing(false)} disabled={busy}>
          Hủy bỏ
        </button>
      </div>
    </form>
  );
}

function PendingView({ unitId, courseId, forNewMembers }: { unitId: string; courseId: string | null; forNewMembers: boolean }) {
  const q = useQueryState();
  const offset = q.getNumber('offset', 0);
  const course = courseId ? { course_id: courseId } : undefined;
  const { data, error, loading, reload } = useLoad<PendingList>(
    (signal) => api.request<PendingList>('GET', `/units/${unitId}/theory-pending`, { query: { offset, limit: PAGE, ...course }, signal }),
    [unitId, offset, courseId],
  );
  const title = forNewMembers ? 'Đoàn viên mới chưa đạt' : 'Đoàn viên chưa hoàn thành';
  if (error) return <ProblemMessage error={error} onRetry={reload} />;
  const columns: Column<PendingMember>[] = [
    { key: 'name', label: 'Họ và tên', render: (m) => m.full_name },
    { key: 'phone', label: 'Số điện thoại', render: (m) => m.phone },
    { key: 'unit', label: 'Đơn vị', render: (m) => m.unit_name },
    { key: 'admitted', label: 'Ngày kết nạp', render: (m) => (m.admitted_at ? formatDate(m.admitted_at) : '') },
    { key: 'lessons', label: 'Số bài đã đạt', numeric: true, render: (m) => `${m.lessons_passed}/${m.lessons_total}` },
    {
      key: 'status',
      label: 'Tình trạng',
      render: (m) =>
        m.status === 'not_tested' ? <span class="status status--draft">Chưa học</span> : <span class="status status--closed">Đã kiểm tra, chưa đạt</span>,
    },
  ];
  return (
    <section aria-labelledby="pending-title">
      <div class="page-head">
        <h2 id="pending-title">{title}</h2>
        <div class="page-head__actions">
          <DownloadButton label="Xuất Excel danh sách" path={`/units/${unitId}/theory-pending`} query={course} />
        </div>
      </div>
      <p class="muted">Để Bí thư chi đoàn nhắc nhở. Tệp Excel có họ tên đầy đủ nên việc xuất được ghi vào nhật ký.</p>
      <DataTable
        caption={title}
        columns={columns}
        rows={data?.items ?? []}
        rowKey={(m) => m.user_id}
        loading={loading}
        empty={forNewMembers ? 'Tất cả đoàn viên mới đã đạt.' : 'Tất cả đoàn viên đã hoàn thành.'}
      />
      {data && <Pager offset={offset} limit={PAGE} total={data.total} noun="đoàn viên" onOffset={(o) => q.set({ offset: o || null })} />}
    </section>
  );
}

const STATUSES = [
  { key: 'all', label: 'Tất cả' },
  { key: 'valid', label: 'Còn hiệu lực' },
  { key: 'revoked', label: 'Đã thu hồi' },
];

function CertificatesView({ unitId }: { unitId: string }) {
  const q = useQueryState();
  const offset = q.getNumber('offset', 0);
  const status = STATUSES.some((s) => s.key === q.get('status')) ? q.get('status') : 'all';
  const code = q.get('code');
  const [typed, setTyped] = useState(code);
  const [revoking, setRevoking] = useState<Certificate | null>(null);
  const [busy, setBusy] = useState(false);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => setTyped(code), [code]);
  const { data, error, loading, reload } = useLoad<CertificateList>(
    (signal) =>
      api.request<CertificateList>('GET', `/units/${unitId}/certificates`, {
        query: { status, code: code || undefined, offset, limit: PAGE },
        signal,
      }),
    [unitId, status, code, offset],
  );
  const columns: Column<Certificate>[] = [
    {
      key: 'code',
      label: 'Mã xác thực',
      render: (c) => (
        <a href={`/certificates/${c.code}`} target="_blank" rel="noopener" class="cert-code">
          {c.display_code}
        </a>
      ),
    },
    { key: 'name', label: 'Họ và tên', render: (c) => c.full_name },
    { key: 'unit', label: 'Đơn vị', render: (c) => c.unit_name },
    { key: 'issued', label: 'Ngày cấp', render: (c) => formatDate(c.issued_at) },
    {
      key: 'status',
      label: 'Tình trạng',
      render: (c) =>
        c.valid ? (
          <span class="status status--open">Còn hiệu lực</span>
        ) : (
          <span>
            <span class="status status--danger">Đã thu hồi</span>
            <span class="cert-revoked">
              Thu hồi lúc {formatVietnam(c.revoked_at)}
              {c.revoked_by_name ? ` bởi ${c.revoked_by_name}` : ''}
              <br />
              Lý do: {c.revoked_reason}
            </span>
          </span>
        ),
    },
    {
      key: 'actions',
      label: 'Thao tác',
      render: (c) =>
        c.valid ? (
          <button type="button" class="button button--small button--danger" onClick={() => (setRevokeError(null), setRevoking(c))}>
            Thu hồi
          </button>
        ) : (
          <span class="muted">—</span>
        ),
    },
  ];
  return (
    <section aria-labelledby="cert-title">
      <h2 id="cert-title">Giấy chứng nhận</h2>
      <form
        class="toolbar toolbar--inline"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          q.set({ code: typed.trim() || null, offset: null });
        }}
      >
        <div class="field">
          <label for="cert-code">Tra cứu mã xác thực</label>
          <input id="cert-code" value={typed} placeholder="VD: ABCDE-12345" autoComplete="off" onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="button button--primary">
          Tra cứu
        </button>
        {code && (
          <button type="button" class="button button--ghost" onClick={() => q.set({ code: null, offset: null })}>
            Xem tất cả
          </button>
        )}
      </form>
      <fieldset class="segmented">
        <legend>Tình trạng</legend>
        <div class="segmented__items">
          {STATUSES.map((s) => (
            <label key={s.key} class={`segmented__item${s.key === status ? ' segmented__item--on' : ''}`}>
              <input
                type="radio"
                name="cert-status"
                class="visually-hidden"
                checked={s.key === status}
                onChange={() => q.set({ status: s.key === 'all' ? null : s.key, offset: null })}
              />
              {s.label}
            </label>
          ))}
        </div>
      </fieldset>
      {notice && (
        <p class="message message--notice" role="status">
          {notice}
        </p>
      )}
      {error ? (
        <ProblemMessage error={error} onRetry={reload} />
      ) : (
        <>
          <DataTable
            caption="Giấy chứng nhận"
            columns={columns}
            rows={data?.items ?? []}
            rowKey={(c) => c.code}
            loading={loading}
            empty={code ? 'Không có giấy chứng nhận nào mang mã này trong phạm vi của bạn.' : 'Chưa có giấy chứng nhận nào.'}
          />
          {data && <Pager offset={offset} limit={PAGE} total={data.total} noun="giấy chứng nhận" onOffset={(o) => q.set({ offset: o || null })} />}
        </>
      )}
      {revoking && (
        <ConfirmDialog
          title={`Thu hồi giấy chứng nhận ${revoking.display_code}?`}
          body={`Giấy chứng nhận của ${revoking.full_name} sẽ không còn hiệu lực; trang xác thực công khai sẽ ghi "Đã thu hồi". Giấy không bị xóa và việc thu hồi được ghi vào nhật ký.`}
          reasonLabel="Lý do thu hồi (bắt buộc)"
          confirmLabel="Thu hồi"
          danger
          busy={busy}
          error={revokeError}
          onCancel={() => setRevoking(null)}
          onConfirm={async (reason) => {
            setBusy(true);
            setRevokeError(null);
            try {
              await api.request('POST', `/certificates/${revoking.code}/revoke`, { body: { reason } });
              setNotice(`Đã thu hồi giấy chứng nhận ${revoking.display_code}.`);
              setRevoking(null);
              reload();
            } catch (e) {
              setRevokeError(messageOf(e));
            } finally {
              setBusy(false);
            }
          }}
        />
      )}
    </section>
  );
}
