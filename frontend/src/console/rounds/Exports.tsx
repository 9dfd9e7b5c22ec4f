import { useState } from 'preact/hooks';
import { downloadFile } from '../kit/files';
import { messageOf } from '../kit/ProblemMessage';
import type { RoundInfo } from './RoundSection';

interface ExportItem {
  key: string;
  title: string;
  what: string;
  path: string;
  query: Record<string, string>;
  /** Why it cannot be had yet, if so. */
  unavailable?: string;
}

/**
 * The files organizers report upward, from buttons: the round's ranking, its prize list,
 * participation by unit, and the contest's ranking, as Excel or CSV. The server names each
 * file after the contest, the round and the day, and writes times in Vietnam time.
 */
export function Exports({ info }: { info: RoundInfo }) {
  const { round, contest, published } = info;
  const [busy, setBusy] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const roundPath = `/rounds/${encodeURIComponent(round.id)}/export`;
  const items: ExportItem[] = [
    {
      key: 'ranking',
      title: 'Bảng xếp hạng vòng thi',
      what: published
        ? 'Kết quả chính thức: hạng, họ tên, điện thoại (che bớt), đơn vị, điểm, dự đoán, thời gian, giải.'
        : 'Bảng xếp hạng trực tiếp tại thời điểm xuất (chưa công bố).',
      path: roundPath,
      query: { report: 'ranking' },
    },
    {
      key: 'prizes',
      title: 'Danh sách giải',
      what: 'Những người đạt giải của vòng thi, theo thứ tự giải.',
      path: roundPath,
      query: { report: 'prizes' },
      unavailable: published ? undefined : 'Có sau khi công bố kết quả.',
    },
    {
      key: 'units',
      title: 'Tỷ lệ tham gia theo đơn vị',
      what: 'Mỗi đơn vị trực thuộc một dòng: số đoàn viên, số người tham gia, x/y = z%, điểm trung bình; dòng tổng cộng.',
      path: roundPath,
      query: { report: 'units' },
    },
    {
      key: 'contest',
      title: 'Xếp hạng chung của cuộc thi',
      what: 'Tổng điểm qua các vòng thi (chung cuộc nếu đã công bố).',
      path: `/contests/${encodeURIComponent(contest.id)}/export`,
      query: { report: 'ranking' },
    },
  ];

  async function get(item: ExportItem, format: 'xlsx' | 'csv') {
    const id = `${item.key}-${format}`;
    setBusy(id);
    setError(null);
    setDone(null);
    try {
      const name = await downloadFile(item.path, { ...item.query, format });
      setDone(name);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(null);
    }
  }

  return (
    <>
      <p>Tệp Excel mở được ngay bằng Microsoft Excel hoặc LibreOffice; thời gian trong tệp là giờ Việt Nam (UTC+7).</p>
      {done && (
        <p class="message message--notice" role="status" data-testid="export-done">
          Đã tải về tệp <strong>{done}</strong>.
        </p>
      )}
      {error && (
        <p class="message message--error" role="alert">
          {error}
        </p>
      )}
      <ul class="export-list">
        {items.map((item) => (
          <li key={item.key} class="card export-list__item" data-testid={`export-${item.key}`}>
            <div>
              <h2>{item.title}</h2>
              <p class="muted">{item.what}</p>
              {item.unavailable && <p class="hint">{item.unavailable}</p>}
            </div>
            <div class="export-list__buttons">
              <button
                type="button"
                class="button button--primary"
                disabled={!!item.unavailable || busy !== null}
                onClick={() => void get(item, 'xlsx')}
                aria-label={`${item.title}: Xuất Excel`}
              >
                {busy === `${item.key}-xlsx` ? 'Đang xuất…' : 'Xuất Excel'}
              </button>
              <button
                type="button"
                class="button button--ghost"
                disabled={!!item.unavailable || busy !== null}
                onClick={() => void get(item, 'csv')}
                aria-label={`${item.title}: Xuất CSV`}
              >
                {busy === `${item.key}-csv` ? 'Đang xuất…' : 'Xuất CSV'}
              </button>
            </div>
          </li>
        ))}
      </ul>
    </>
  );
}
