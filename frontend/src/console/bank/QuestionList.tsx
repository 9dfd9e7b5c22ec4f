import { useEffect, useState } from 'preact/hooks';
import { linkClick, navigate } from '../../router';
import { DataTable, type Column } from '../kit/DataTable';
import { formatDate } from '../kit/vnTime';
import { downloadFile } from '../kit/files';
import { Pager } from '../kit/Pager';
import { messageOf, ProblemMessage } from '../kit/ProblemMessage';
import { SearchBox } from '../kit/SearchBox';
import { useQueryState } from '../kit/useQueryState';
import { consolePath } from '../paths';
import { listQuestions, listTopics, type Question, type QuestionList as List, type Topic } from './api';
import { DIFFICULTY_LABELS, KIND_LABELS, STATUS_CLASS, STATUS_LABELS, type Difficulty, type Kind, type Status } from './labels';

const LIMIT = 20;
const FILTERS = ['q', 'topic', 'tag', 'difficulty', 'kind', 'status'] as const;

/** /quan-ly/ngan-hang: search, filter, sort and page the questions in scope; import, export, add. */
export function QuestionList() {
  const qs = useQueryState();
  const filters = Object.fromEntries(FILTERS.map((k) => [k, qs.get(k)])) as Record<(typeof FILTERS)[number], string>;
  const sort = qs.get('sort', 'created_at');
  const order = qs.get('order', sort === 'created_at' || sort === 'updated_at' ? 'desc' : 'asc');
  const offset = qs.getNumber('offset', 0);
  const [data, setData] = useState<List | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [topics, setTopics] = useState<Topic[]>([]);
  const [exporting, setExporting] = useState<string | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  // On a phone the filters fold away behind one button (open when any is set).
  const [filtersOpen, setFiltersOpen] = useState(() => FILTERS.some((k) => k !== 'q' && filters[k]));
  const key = JSON.stringify([filters, sort, order, offset]);

  useEffect(() => {
    const ctl = new AbortController();
    listTopics(ctl.signal).then((t) => setTopics(t.items), () => undefined);
    return () => ctl.abort();
  }, []);

  const load = (signal?: AbortSignal) => {
    setLoading(true);
    setError(null);
    listQuestions({ ...filters, sort, order, offset, limit: LIMIT }, signal)
      .then((d) => setData(d))
      .catch((e) => {
        if (!signal?.aborted) setError(e);
      })
      .finally(() => {
        if (!signal?.aborted) setLoading(false);
      });
  };
  useEffect(() => {
    const ctl = new AbortController();
    load(ctl.signal);
    return () => ctl.abort();
  }, [key]);

  const setFilter = (k: string, v: string) => qs.set({ [k]: v, offset: null });
  const anyFilter = FILTERS.some((k) => filters[k]);

  const exportAs = async (format: 'xlsx' | 'zip', selection: boolean) => {
    setExporting(`${format}-${selection}`);
    setExportError(null);
    try {
      const query: Record<string, string> = { format };
      if (selection) for (const k of FILTERS) if (filters[k]) query[k] = filters[k];
      await downloadFile('/questions/export', query);
    } catch (e) {
      setExportError(messageOf(e));
    } finally {
      setExporting(null);
    }
  };

  const columns: Column<Question>[] = [
    {
      key: 'text',
      label: 'Câu hỏi',
      sortable: true,
      render: (q) => (
        <a href={consolePath('ngan-hang', q.id)} onClick={linkClick(consolePath('ngan-hang', q.id))} class="bank-list__text">
          {q.text}
          {(q.image || q.options.some((o) => o.image)) && <span class="bank-list__pic"> · có ảnh</span>}
        </a>
      ),
    },
    { key: 'topic', label: 'Chủ đề', sortable: true, render: (q) => q.topic.name ?? q.topic.code },
    { key: 'kind', label: 'Loại', render: (q) => <span class="bank-nowrap">{KIND_LABELS[q.kind as Kind] ?? q.kind}</span>, hideOnPhone: true },
    { key: 'difficulty', label: 'Độ khó', sortable: true, render: (q) => <span class="bank-nowrap">{DIFFICULTY_LABELS[q.difficulty as Difficulty] ?? q.difficulty}</span> },
    {
      key: 'status',
      label: 'Trạng thái',
      sortable: true,
      render: (q) => <span class={STATUS_CLASS[q.status as Status] ?? 'status'}>{STATUS_LABELS[q.status as Status] ?? q.status}</span>,
    },
    { key: 'updated_at', label: 'Sửa lần cuối', sortable: true, render: (q) => formatDate(q.updated_at), hideOnPhone: true },
  ];

  return (
    <>
      <div class="page-head">
        <h1>Ngân hàng câu hỏi</h1>
        <div class="page-head__actions">
          <a class="button button--primary" href={consolePath('ngan-hang', 'moi')} onClick={linkClick(consolePath('ngan-hang', 'moi'))}>
            + Thêm câu hỏi
          </a>
          <a class="button" href={consolePath('ngan-hang', 'nhap')} onClick={linkClick(consolePath('ngan-hang', 'nhap'))}>
            Nhập từ tệp
          </a>
        </div>
      </div>

      <div class={`toolbar bank-filters${filtersOpen ? ' bank-filters--open' : ''}`} role="search">
        <SearchBox id="bank-q" label="Tìm câu hỏi" value={filters.q} onSearch={(v) => setFilter('q', v)} />
        <button type="button" class="button button--small button--ghost bank-filters__toggle" aria-expanded={filtersOpen} onClick={() => setFiltersOpen(!filtersOpen)}>
          {filtersOpen ? 'Ẩn bộ lọc' : 'Lọc theo chủ đề, độ khó, loại…'}
        </button>
        <div class="field">
          <label for="bank-topic">Chủ đề</label>
          <select id="bank-topic" value={filters.topic} onChange={(e) => setFilter('topic', (e.target as HTMLSelectElement).value)}>
            <option value="">Tất cả</option>
            {topics.map((t) => (
              <option key={t.code} value={t.code}>
                {'— '.repeat(t.code.split('.').length - 1)}
                {t.name}
              </option>
            ))}
          </select>
        </div>
        <Select id="bank-difficulty" label="Độ khó" value={filters.difficulty} options={DIFFICULTY_LABELS} onChange={(v) => setFilter('difficulty', v)} />
        <Select id="bank-kind" label="Loại" value={filters.kind} options={KIND_LABELS} onChange={(v) => setFilter('kind', v)} />
        <Select id="bank-status" label="Trạng thái" value={filters.status} options={STATUS_LABELS} onChange={(v) => setFilter('status', v)} />
        <div class="field">
          <label for="bank-tag">Thẻ</label>
          <input id="bank-tag" value={filters.tag} placeholder="vd. lich-su" onChange={(e) => setFilter('tag', (e.target as HTMLInputElement).value.trim())} />
        </div>
        {anyFilter && (
          <button type="button" class="button button--small button--ghost" onClick={() => qs.set(Object.fromEntries(FILTERS.map((k) => [k, null])))}>
            Bỏ lọc
          </button>
        )}
      </div>

      <div class="bank-export">
        <span class="muted">Xuất tệp:</span>
        <button type="button" class="button button--small" disabled={!!exporting} onClick={() => exportAs('xlsx', false)}>
          {exporting === 'xlsx-false' ? 'Đang xuất…' : 'Cả ngân hàng (Excel)'}
        </button>
        {anyFilter && (
          <button type="button" class="button button--small" disabled={!!exporting} onClick={() => exportAs('xlsx', true)}>
            {exporting === 'xlsx-true' ? 'Đang xuất…' : 'Các câu đang lọc (Excel)'}
          </button>
        )}
        <button type="button" class="button button--small" disabled={!!exporting} onClick={() => exportAs('zip', anyFilter)}>
          {exporting?.startsWith('zip') ? 'Đang xuất…' : anyFilter ? 'Các câu đang lọc kèm ảnh (.zip)' : 'Kèm ảnh (.zip)'}
        </button>
      </div>
      {exportError && (
        <p class="message message--error" role="alert">
          {exportError}
        </p>
      )}

      <ProblemMessage error={error} onRetry={() => load()} />
      <DataTable
        caption="Danh sách câu hỏi"
        columns={columns}
        rows={data?.items ?? []}
        rowKey={(q) => q.id}
        sort={{ key: sort, dir: order === 'asc' ? 'asc' : 'desc' }}
        onSort={(s) => qs.set({ sort: s.key, order: s.dir, offset: null })}
        loading={loading}
        onRowClick={(q) => navigate(consolePath('ngan-hang', q.id))}
        empty={anyFilter ? 'Không có câu hỏi nào khớp bộ lọc.' : 'Ngân hàng chưa có câu hỏi. Hãy thêm câu hỏi hoặc nhập từ tệp.'}
      />
      <Pager offset={offset} limit={LIMIT} total={Number(data?.total ?? 0)} noun="câu hỏi" onOffset={(o) => qs.set({ offset: o || null })} />
    </>
  );
}

function Select({ id, label, value, options, onChange }: { id: string; label: string; value: string; options: Record<string, string>; onChange: (v: string) => void }) {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        <option value="">Tất cả</option>
        {Object.entries(options).map(([k, v]) => (
          <option key={k} value={k}>
            {v}
          </option>
        ))}
      </select>
    </div>
  );
}
