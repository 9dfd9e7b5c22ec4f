import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { components } from '../../api/schema';
import { linkClick, navigate } from '../../router';
import { consolePath } from '../paths';
import type { SectionProps } from '../sections';
import { DataTable } from '../kit/DataTable';
import { formatCount } from '../kit/fold';
import { Pager } from '../kit/Pager';
import { ProblemMessage } from '../kit/ProblemMessage';
import { SearchBox } from '../kit/SearchBox';
import { useQueryState } from '../kit/useQueryState';
import { formatDate } from '../kit/vnTime';
import { ImportPanel } from '../units/ImportPanel';
import { AccountState } from './AccountState';
import { PersonPage } from './PersonPage';

// Đoàn viên: find a member by name or phone within the officer's scope (the server never
// answers with anyone else), open their page, and import admission dates from a file.

type Person = components['schemas']['PersonSummary'];
type AdmissionResult = components['schemas']['AdmissionImportResult'];

const IMPORT = 'nhap-ngay-ket-nap';

export default function PeopleSection({ rest, scope }: SectionProps) {
  if (rest[0] === IMPORT) return <AdmissionImport />;
  if (rest[0]) return <PersonPage key={rest[0]} id={rest[0]} scope={scope} />;
  return <PeopleSearch />;
}

const LIMIT = 20;

function PeopleSearch() {
  const qs = useQueryState();
  const q = qs.get('q');
  const offset = qs.getNumber('offset', 0);
  const [page, setPage] = useState<{ items: Person[]; total: number } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    setLoading(true);
    setError(null);
    api
      .request<{ items: Person[]; total: number }>('GET', '/users', { query: { q, offset, limit: LIMIT } })
      .then(setPage, setError)
      .finally(() => setLoading(false));
  }, [q, offset]);
  return (
    <>
      <div class="page-head">
        <h1>Đoàn viên</h1>
        <div class="page-head__actions">
          <a class="button" href={consolePath('doan-vien', IMPORT)} onClick={linkClick(consolePath('doan-vien', IMPORT))}>
            Nhập ngày kết nạp từ tệp
          </a>
        </div>
      </div>
      <div class="toolbar">
        <SearchBox
          id="people-search"
          label="Tìm đoàn viên theo họ tên hoặc số điện thoại"
          placeholder="Ví dụ: nguyen van an hoặc 0912 345"
          value={q}
          onSearch={(v) => qs.set({ q: v, offset: null })}
        />
      </div>
      <ProblemMessage error={error} />
      <DataTable<Person>
        caption="Đoàn viên trong phạm vi quản lý"
        loading={loading}
        rows={page?.items ?? []}
        rowKey={(p) => p.id}
        empty={q ? `Không tìm thấy đoàn viên nào khớp «${q}» trong phạm vi của bạn.` : 'Chưa có đoàn viên nào trong phạm vi của bạn.'}
        onRowClick={(p) => navigate(consolePath('doan-vien', p.id))}
        columns={[
          {
            key: 'name',
            label: 'Họ tên',
            render: (p) => (
              <a href={consolePath('doan-vien', p.id)} onClick={linkClick(consolePath('doan-vien', p.id))}>
                {p.full_name}
              </a>
            ),
          },
          { key: 'phone', label: 'Số điện thoại', render: (p) => p.phone },
          { key: 'unit', label: 'Đơn vị', render: (p) => p.unit.name },
          { key: 'admitted', label: 'Ngày kết nạp', render: (p) => formatDate(p.admitted_at) || '—' },
          {
            key: 'status',
            label: 'Trạng thái',
            render: (p) => <AccountState disabled={p.disabled} />,
          },
        ]}
      />
      {page && <Pager offset={offset} limit={LIMIT} total={page.total} noun="đoàn viên" onOffset={(o) => qs.set({ offset: o || null })} />}
    </>
  );
}

function AdmissionImport() {
  return (
    <>
      <p>
        <a href={consolePath('doan-vien')} onClick={linkClick(consolePath('doan-vien'))}>
          ‹ Đoàn viên
        </a>
      </p>
      <h1>Nhập ngày kết nạp từ tệp</h1>
      <section class="card">
        <ImportPanel<AdmissionResult>
          id="admission-file"
          path="/users/admission/import"
          columns={{ phone: 'Số điện thoại', admitted_at: 'Ngày kết nạp' }}
          help={
            <>
              <p>
                Dòng đầu là tiêu đề, gồm hai cột: <code>so_dien_thoai</code> (số điện thoại đoàn viên đã đăng ký) và{' '}
                <code>ngay_ket_nap</code> (dd/mm/yyyy, ví dụ 26/03/2024). Mỗi số điện thoại phải là đoàn viên thuộc phạm vi quản lý của
                bạn.
              </p>
              <p>Ngày kết nạp quyết định đoàn viên nào phải học lý luận chính trị. Tất cả các dòng được ghi cùng lúc, hoặc không dòng nào.</p>
            </>
          }
          count={(r) => r.valid_rows}
          preview={(r) => (
            <div class="table-wrap">
              <table class="data-table">
                <caption class="visually-hidden">Ngày kết nạp sẽ được ghi</caption>
                <thead>
                  <tr>
                    <th scope="col">Dòng</th>
                    <th scope="col">Đoàn viên</th>
                    <th scope="col">Đơn vị</th>
                    <th scope="col">Ngày kết nạp hiện có</th>
                    <th scope="col">Ngày kết nạp mới</th>
                  </tr>
                </thead>
                <tbody>
                  {r.rows.map((row) => (
                    <tr key={row.row}>
                      <td data-label="Dòng">{row.row}</td>
                      <td data-label="Đoàn viên">
                        {row.full_name} <span class="muted">({row.phone})</span>
                      </td>
                      <td data-label="Đơn vị">{row.unit_name}</td>
                      <td data-label="Ngày kết nạp hiện có">{formatDate(row.current) || 'Chưa có'}</td>
                      <td data-label="Ngày kết nạp mới">
                        <strong>{formatDate(row.admitted_at)}</strong>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {r.valid_rows > r.rows.length && (
                <p class="muted">
                  Hiện {formatCount(r.rows.length)} dòng đầu trong {formatCount(r.valid_rows)} dòng.
                </p>
              )}
            </div>
          )}
          confirmLabel={(n) => `Ghi ngày kết nạp cho ${formatCount(n)} đoàn viên`}
          doneText={(r) => `Đã ghi ngày kết nạp cho ${formatCount(r.updated)} đoàn viên.`}
        />
      </section>
    </>
  );
}

