import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import type { components } from '../../api/schema';
import type { SectionProps } from '../sections';
import { DataTable, type Column } from '../kit/DataTable';
import { downloadFile } from '../kit/files';
import { formatCount, formatRate } from '../kit/fold';
import { messageOf, ProblemMessage } from '../kit/ProblemMessage';
import { useQueryState } from '../kit/useQueryState';
import { formatDate, vietnamToday } from '../kit/vnTime';
import { defaultUnit, UnitChooser } from '../theory/UnitChooser';

type Report = components['schemas']['ParticipationResponse'];
type Line = components['schemas']['ParticipationLine'];

/** The first day of the month of a YYYY-MM-DD date. */
function monthStart(day: string): string {
  return `${day.slice(0, 8)}01`;
}

/**
 * /quan-ly/bao-cao: the participation report a unit sends upward — people of its subtree who
 * took part in contests between two days (Vietnam time), against declared members, a line per
 * child unit and a total; on screen and as the Excel file. Unit and days are in the address.
 */
export default function ReportsSection({ scope }: SectionProps) {
  const q = useQueryState();
  const unitId = defaultUnit(scope, q.get('unit'));
  const today = vietnamToday();
  const from = q.get('from') || monthStart(today);
  const to = q.get('to') || today;
  const [fromInput, setFromInput] = useState(from);
  const [toInput, setToInput] = useState(to);
  useEffect(() => (setFromInput(from), setToInput(to)), [from, to]);

  const [data, setData] = useState<Report | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [n, setN] = useState(0);
  useEffect(() => {
    if (!unitId) return;
    const c = new AbortController();
    setLoading(true);
    setError(null);
    api
      .request<Report>('GET', `/units/${unitId}/participation`, { query: { from, to }, signal: c.signal })
      .then((r) => (setData(r), setLoading(false)))
      .catch((e: unknown) => {
        if (c.signal.aborted) return;
        setError(e);
        setData(null);
        setLoading(false);
      });
    return () => c.abort();
  }, [unitId, from, to, n]);

  const [busy, setBusy] = useState(false);
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const columns: Column<Line>[] = [
    { key: 'name', label: 'Đơn vị', render: (l) => l.name },
    { key: 'code', label: 'Mã', render: (l) => l.code },
    {
      key: 'members',
      label: 'Số đoàn viên',
      numeric: true,
      render: (l) =>
        l.members == null ? (
          <span class="muted">chưa khai báo</span>
        ) : (
          <>
            {formatCount(l.members)}
            {l.members_as_of && <span class="members-date">tính đến {formatDate(l.members_as_of)}</span>}
          </>
        ),
    },
    { key: 'participants', label: 'Số người tham gia', numeric: true, render: (l) => formatCount(l.participants) },
    { key: 'attempts', label: 'Số lượt thi', numeric: true, render: (l) => formatCount(l.attempts) },
    {
      key: 'rate',
      label: 'Tỷ lệ tham gia',
      numeric: true,
      render: (l) => (l.members ? <strong>{formatRate(l.participants, l.members)}</strong> : <span class="muted">—</span>),
    },
  ];

  return (
    <>
      <div class="page-head">
        <h1>Báo cáo tham gia</h1>
      </div>
      <p class="muted">Số đoàn viên tham gia các cuộc thi trực tuyến trong khoảng thời gian, theo từng đơn vị trực thuộc, để gửi cấp trên.</p>
      <UnitChooser scope={scope} unitId={unitId} onChange={(id) => q.set({ unit: id }, { push: true })} />
      <form
        class="toolbar toolbar--inline"
        onSubmit={(e) => {
          e.preventDefault();
          q.set({ from: fromInput, to: toInput }, { push: true });
        }}
      >
        <div class="field">
          <label for="report-from">Từ ngày</label>
          <input id="report-from" type="date" required value={fromInput} onInput={(e) => setFromInput((e.target as HTMLInputElement).value)} />
        </div>
        <div class="field">
          <label for="report-to">Đến hết ngày</label>
          <input id="report-to" type="date" required value={toInput} onInput={(e) => setToInput((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" class="button button--primary">
          Xem báo cáo
        </button>
        <button
          type="button"
          class="button"
          disabled={busy || !unitId}
          onClick={async () => {
            setBusy(true);
            setDownloadError(null);
            setSaved(null);
            try {
              const name = await downloadFile(`/units/${unitId}/participation`, { from, to, format: 'xlsx' });
              setSaved(`Đã tải tệp ${name}.`);
            } catch (err) {
              setDownloadError(messageOf(err));
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Đang xuất…' : 'Xuất Excel'}
        </button>
      </form>
      {downloadError && (
        <p class="message message--error" role="alert">
          {downloadError}
        </p>
      )}
      {saved && (
        <p class="message message--notice" role="status">
          {saved}
        </p>
      )}
      {!unitId && <p class="message message--warn">{scope.isAdmin ? 'Chọn một đơn vị để lập báo cáo.' : 'Bạn chưa được giao đơn vị nào để báo cáo.'}</p>}
      {error ? <ProblemMessage error={error} onRetry={() => setN((x) => x + 1)} /> : null}
      {data && (
        <section aria-labelledby="report-title" class="report">
          <div class="card report-total">
            <h2 id="report-title">
              {data.total.name}: từ {formatDate(data.from)} đến hết {formatDate(data.to)} <span class="muted">(giờ Việt Nam)</span>
            </h2>
            <p class="report-total__big" data-testid="participation-total">
              {data.total.members ? formatRate(data.total.participants, data.total.members) : `${formatCount(data.total.participants)} người`}
            </p>
            <p>
              {formatCount(data.total.participants)} người tham gia, {formatCount(data.total.attempts)} lượt thi
              {data.total.members
                ? ` trên ${formatCount(data.total.members)} đoàn viên${data.total.members_as_of ? ` (tính đến ngày ${formatDate(data.total.members_as_of)})` : ''}`
                : ' (đơn vị chưa khai báo số đoàn viên)'}
              .
            </p>
          </div>
          <DataTable
            caption="Tham gia theo đơn vị trực thuộc"
            columns={columns}
            rows={data.items}
            rowKey={(l) => l.unit_id}
            loading={loading}
            empty="Đơn vị này không có đơn vị trực thuộc."
          />
        </section>
      )}
    </>
  );
}
