import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { linkClick, navigate } from '../../router';
import { DataTable, type Column, type Sort } from '../kit/DataTable';
import { Pager } from '../kit/Pager';
import { ProblemMessage } from '../kit/ProblemMessage';
import { SearchBox } from '../kit/SearchBox';
import { useQueryState } from '../kit/useQueryState';
import { formatDate } from '../kit/vnTime';
import { consolePath } from '../paths';
import type { Scope } from '../scope';
import { KIND_LABEL, STATUS_CLASS, STATUS_LABEL, type Contest, type ContestList } from './model';

const LIMIT = 20;

/** The contests the person organises: searched, filtered, sorted and paged by the server. */
export function ContestListPage({ scope }: { scope: Scope }) {
  const qs = useQueryState();
  const q = qs.get('q');
  const status = qs.get('trang-thai');
  const kind = qs.get('loai');
  const unit = qs.get('don-vi');
  const sortKey = qs.get('sap-xep', 'created_at');
  const dir = qs.get('chieu', sortKey === 'created_at' ? 'desc' : 'asc') as Sort['dir'];
  const offset = Math.max(0, qs.getNumber('tu', 0));
  const [data, setData] = useState<ContestList | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [retry, setRetry] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    api
      .request<ContestList>('GET', '/contests', {
        query: { managed: 'true', q, status, kind, unit_id: unit, sort: sortKey, order: dir, offset, limit: LIMIT },
        signal: controller.signal,
      })
      .then((d) => (setData(d), setError(null)))
      .catch((e: unknown) => controller.signal.aborted || setError(e))
      .finally(() => controller.signal.aborted || setLoading(false));
    return () => controller.abort();
  }, [q, status, kind, unit, sortKey, dir, offset, retry]);

  const open = (c: Contest) => navigate(consolePath('cuoc-thi', c.id));
  const columns: Column<Contest>[] = [
    {
      key: 'title',
      label: 'Tên cuộc thi',
      sortable: true,
      render: (c) => (
        <a href={consolePath('cuoc-thi', c.id)} onClick={linkClick(consolePath('cuoc-thi', c.id))}>
          {c.title}
        </a>
      ),
    },
    { key: 'status', label: 'Trạng thái', render: (c) => <span class={STATUS_CLASS[c.status]}>{STATUS_LABEL[c.status]}</span> },
    { key: 'kind', label: 'Loại', render: (c) => KIND_LABEL[c.kind] },
    { key: 'rounds', label: 'Số vòng', numeric: true, render: (c) => c.round_count },
    {
      key: 'opens_at',
      label: 'Thời gian',
      sortable: true,
      render: (c) => (c.opens_at ? `${formatDate(c.opens_at)} – ${formatDate(c.closes_at)}` : <span class="muted">Chưa có vòng thi</span>),
    },
    { key: 'created_at', label: 'Ngày tạo', sortable: true, render: (c) => formatDate(c.created_at) },
  ];

  return (
    <section class="contests">
      <div class="page-head">
        <h1>Cuộc thi</h1>
        {scope.isOrganizer || scope.isAdmin ? (
          <div class="page-head__actions">
            <a class="button button--primary" href={consolePath('cuoc-thi', 'moi')} onClick={linkClick(consolePath('cuoc-thi', 'moi'))}>
              + Tạo cuộc thi
            </a>
          </div>
        ) : null}
      </div>
      <div class="toolbar" role="search">
        <SearchBox id="contest-search" label="Tìm theo tên" value={q} onSearch={(v) => qs.set({ q: v, tu: null })} />
        <div class="field">
          <label for="contest-status">Trạng thái</label>
          <select id="contest-status" value={status} onChange={(e) => qs.set({ 'trang-thai': (e.target as HTMLSelectElement).value, tu: null })}>
            <option value="">Tất cả</option>
            {(['draft', 'open', 'ended'] as const).map((s) => (
              <option value={s} key={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="contest-kind">Loại</label>
          <select id="contest-kind" value={kind} onChange={(e) => qs.set({ loai: (e.target as HTMLSelectElement).value, tu: null })}>
            <option value="">Tất cả</option>
            {(['contest', 'theory_test', 'practice'] as const).map((k) => (
              <option value={k} key={k}>
                {KIND_LABEL[k]}
              </option>
            ))}
          </select>
        </div>
        {scope.units.length > 0 && (
          <div class="field">
            <label for="contest-unit">Đơn vị tổ chức</label>
            <select id="contest-unit" value={unit} onChange={(e) => qs.set({ 'don-vi': (e.target as HTMLSelectElement).value, tu: null })}>
              <option value="">Toàn bộ phạm vi</option>
              {scope.units.map((u) => (
                <option value={u.id} key={u.id}>
                  {u.name}
                </option>
              ))}
            </select>
          </div>
        )}
      </div>
      <ProblemMessage error={error} onRetry={() => setRetry((n) => n + 1)} />
      <DataTable
        caption="Danh sách cuộc thi"
        columns={columns}
        rows={data?.items ?? []}
        rowKey={(c) => c.id}
        sort={{ key: sortKey, dir }}
        onSort={(s) => qs.set({ 'sap-xep': s.key, chieu: s.dir, tu: null })}
        loading={loading}
        onRowClick={open}
        empty={q || status || kind || unit ? 'Không có cuộc thi nào khớp bộ lọc.' : 'Chưa có cuộc thi nào. Bấm "Tạo cuộc thi" để bắt đầu.'}
      />
      {data && <Pager offset={offset} limit={LIMIT} total={data.total} noun="cuộc thi" onOffset={(o) => qs.set({ tu: o || null })} />}
    </section>
  );
}
