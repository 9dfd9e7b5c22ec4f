import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { components } from '../../api/schema';
import type { Unit, UnitWithAncestors } from '../../api/types';
import { linkClick } from '../../router';
import { consolePath } from '../paths';
import type { SectionProps } from '../sections';
import type { Scope } from '../scope';
import { fold, formatCount } from '../kit/fold';
import { ProblemMessage } from '../kit/ProblemMessage';
import { SearchBox } from '../kit/SearchBox';
import { useQueryState } from '../kit/useQueryState';
import { formatDate } from '../kit/vnTime';
import { ImportPanel } from './ImportPanel';
import { UnitPage } from './UnitPage';

// Đơn vị: the tree of the units the officer manages (expand a branch to load its children),
// a search that ignores diacritics, each unit's page, and the import of units from a file.

type ImportResult = components['schemas']['UnitImportResult'];

export const UNIT_COLUMNS: Record<string, string> = {
  code: 'Mã đơn vị',
  name: 'Tên đơn vị',
  parent_code: 'Mã đơn vị cấp trên',
  member_count: 'Số đoàn viên',
  member_count_date: 'Ngày số liệu',
};

export default function UnitsSection({ rest, scope }: SectionProps) {
  if (rest[0] === 'nhap') return <UnitImport scope={scope} />;
  if (rest[0]) return <UnitPage key={rest[0]} id={rest[0]} scope={scope} />;
  return <UnitTreePage scope={scope} />;
}

/** "1.200 đoàn viên (tính đến 01/12/2026)". */
export function memberCountText(u: Pick<Unit, 'member_count' | 'member_count_date'>): string {
  if (u.member_count == null) return 'Chưa khai báo số đoàn viên';
  const date = u.member_count_date ? ` (tính đến ${formatDate(u.member_count_date)})` : '';
  return `${formatCount(u.member_count)} đoàn viên${date}`;
}

async function children(parentId: string | null): Promise<Unit[]> {
  const page = await api.request<{ items: Unit[]; total: number }>('GET', '/units', {
    query: { parent_id: parentId, limit: 200 },
  });
  return page.items;
}

function UnitTreePage({ scope }: { scope: Scope }) {
  const qs = useQueryState();
  const q = qs.get('q');
  const [roots, setRoots] = useState<Unit[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (scope.isAdmin) children(null).then(setRoots, setError);
    else setRoots(scope.units);
  }, []);
  return (
    <>
      <div class="page-head">
        <h1>Đơn vị</h1>
        {(scope.isUnitAdmin || scope.isAdmin) && (
          <div class="page-head__actions">
            <a class="button" href={consolePath('don-vi', 'nhap')} onClick={linkClick(consolePath('don-vi', 'nhap'))}>
              Nhập đơn vị từ tệp
            </a>
          </div>
        )}
      </div>
      <div class="toolbar">
        <SearchBox id="unit-search" label="Tìm đơn vị (tên hoặc mã)" value={q} onSearch={(v) => qs.set({ q: v })} />
      </div>
      <ProblemMessage error={error} />
      {q ? <UnitSearch q={q} roots={roots ?? []} /> : <section class="card" aria-label="Cây đơn vị">
        {roots === null && !error && <p class="muted">Đang tải…</p>}
        {roots && roots.length === 0 && <p class="muted">Bạn chưa được giao quản lý đơn vị nào.</p>}
        {roots && <ul class="org-tree">{roots.map((u) => <TreeNode key={u.id} unit={u} open />)}</ul>}
      </section>}
    </>
  );
}

function TreeNode({ unit, open: startOpen = false }: { unit: Unit; open?: boolean }) {
  const [open, setOpen] = useState(startOpen);
  const [kids, setKids] = useState<Unit[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (open && kids === null) children(unit.id).then(setKids, setError);
  }, [open]);
  const href = consolePath('don-vi', unit.id);
  return (
    <li>
      <div class="org-tree__row">
        <button
          type="button"
          class="org-tree__toggle"
          aria-expanded={open}
          aria-label={`${open ? 'Thu gọn' : 'Mở'} ${unit.name}`}
          onClick={() => setOpen((o) => !o)}
        >
          {open ? '▾' : '▸'}
        </button>
        <a class="org-tree__name" href={href} onClick={linkClick(href)}>
          {unit.name}
        </a>
        <span class="org-tree__meta">
          {unit.code} · {memberCountText(unit)}
        </span>
      </div>
      {open && (
        <>
          <ProblemMessage error={error} />
          {kids === null && !error && <p class="org-tree__empty">Đang tải…</p>}
          {kids && kids.length === 0 && <p class="org-tree__empty">Không có đơn vị trực thuộc.</p>}
          {kids && kids.length > 0 && (
            <ul>
              {kids.map((k) => (
                <TreeNode key={k.id} unit={k} />
              ))}
            </ul>
          )}
        </>
      )}
    </li>
  );
}

function UnitSearch({ q, roots }: { q: string; roots: Unit[] }) {
  const [found, setFound] = useState<Unit[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setFound(null);
    // Search within each managed subtree (an admin's roots cover everything).
    Promise.all(
      roots.map((r) =>
        api.request<{ items: Unit[] }>('GET', '/units', { query: { parent_id: r.id, q, limit: 50 } }).then((p) =>
          // The root itself matches too.
          [...(matches(r, q) ? [r] : []), ...p.items],
        ),
      ),
    ).then((lists) => setFound(lists.flat()), setError);
  }, [q, roots.map((r) => r.id).join()]);
  return (
    <section class="card" aria-label="Kết quả tìm đơn vị">
      <ProblemMessage error={error} />
      {found === null && !error && <p class="muted">Đang tìm…</p>}
      {found && found.length === 0 && <p class="muted">Không tìm thấy đơn vị nào khớp «{q}» trong phạm vi của bạn.</p>}
      {found && found.length > 0 && (
        <ul class="org-tree" data-testid="unit-search-results">
          {found.map((u) => (
            <li key={u.id} class="org-tree__row">
              <a class="org-tree__name" href={consolePath('don-vi', u.id)} onClick={linkClick(consolePath('don-vi', u.id))}>
                {u.name}
              </a>
              <span class="org-tree__meta">
                {u.code} · {memberCountText(u)}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function matches(u: Unit, q: string): boolean {
  const needle = fold(q);
  return fold(u.name).includes(needle) || fold(u.code).includes(needle);
}

function UnitImport({ scope }: { scope: Scope }) {
  const example = scope.units[0] as UnitWithAncestors | undefined;
  return (
    <>
      <p>
        <a href={consolePath('don-vi')} onClick={linkClick(consolePath('don-vi'))}>
          ‹ Đơn vị
        </a>
      </p>
      <h1>Nhập đơn vị từ tệp</h1>
      <section class="card">
        <ImportPanel<ImportResult>
          id="unit-file"
          path="/units/import"
          columns={UNIT_COLUMNS}
          help={
            <>
              <p>
                Dòng đầu là tiêu đề, gồm các cột: <code>ma</code> (mã đơn vị), <code>ten</code> (tên đơn vị), <code>ma_cap_tren</code> (mã
                đơn vị cấp trên: một đơn vị đã có trong phạm vi của bạn{example ? `, ví dụ ${example.code}` : ''}, hoặc một dòng khác
                trong tệp), và nếu có: <code>so_doan_vien</code>, <code>ngay_so_lieu</code> (dd/mm/yyyy).
              </p>
              <p>Tất cả các dòng được nhập cùng lúc, hoặc không dòng nào nếu có dòng lỗi.</p>
            </>
          }
          count={(r) => r.valid_rows}
          preview={(r) => (
            <div class="table-wrap">
              <table class="data-table">
                <caption class="visually-hidden">Các đơn vị sẽ được tạo</caption>
                <thead>
                  <tr>
                    <th scope="col">Dòng</th>
                    <th scope="col">Mã</th>
                    <th scope="col">Tên đơn vị</th>
                    <th scope="col">Đơn vị cấp trên</th>
                    <th scope="col" class="num">
                      Số đoàn viên
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {r.rows.map((row) => (
                    <tr key={row.row}>
                      <td data-label="Dòng">{row.row}</td>
                      <td data-label="Mã">{row.code}</td>
                      <td data-label="Tên đơn vị">{row.name}</td>
                      <td data-label="Đơn vị cấp trên">
                        {row.parent_name ?? row.parent_code ?? '—'}
                        {row.parent_in_file && <span class="muted"> (trong tệp)</span>}
                      </td>
                      <td data-label="Số đoàn viên" class="num">
                        {row.member_count == null ? '—' : memberCountText(row)}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          confirmLabel={(n) => `Nhập ${formatCount(n)} đơn vị`}
          doneText={(r) => `Đã tạo ${formatCount(r.imported)} đơn vị.`}
        />
      </section>
    </>
  );
}
