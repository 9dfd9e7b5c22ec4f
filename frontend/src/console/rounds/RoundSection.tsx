import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../../api';
import type { Contest, Round } from '../../api/types';
import { linkClick, livePath } from '../../router';
import { ProblemMessage } from '../kit/ProblemMessage';
import { useQueryState } from '../kit/useQueryState';
import { formatVietnam } from '../kit/vnTime';
import { consolePath } from '../paths';
import type { SectionProps } from '../sections';
import { Exports } from './Exports';
import { roundStateLabel } from './format';
import { Monitor } from './Monitor';
import { RoundPicker } from './RoundPicker';
import { Results } from './Results';
import './rounds.css';

/** The round's pages, as `?xem=` in the address so Back and reload keep them. */
const TABS = [
  { key: 'theo-doi', label: 'Theo dõi trực tiếp' },
  { key: 'ket-qua', label: 'Kết quả và công bố' },
  { key: 'xuat', label: 'Xuất báo cáo' },
] as const;
type TabKey = (typeof TABS)[number]['key'];

export interface RoundInfo {
  round: Round;
  contest: Contest;
  /** Whether final results are out (the results endpoint answers). */
  published: boolean;
}

type Load = { state: 'loading' } | { state: 'error'; error: unknown } | { state: 'ready'; info: RoundInfo };

/** /quan-ly/vong-thi/<roundId>: one round's live monitor, results and exports, for its organizers. */
export default function RoundSection({ rest }: SectionProps) {
  const roundId = rest[0];
  if (!roundId) return <RoundPicker />;
  return <RoundPage key={roundId} roundId={roundId} />;
}

function RoundPage({ roundId }: { roundId: string }) {
  const qs = useQueryState();
  const tab = (TABS.find((t) => t.key === qs.get('xem'))?.key ?? 'theo-doi') as TabKey;
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [reload, setReload] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    (async () => {
      const round = await api.round(roundId, signal);
      const contest = await api.contest(round.contest_id, signal);
      const published = await api.results(roundId, { limit: 1 }, signal).then(
        () => true,
        (err: unknown) => {
          if (err instanceof ApiError && err.status === 404) return false;
          throw err;
        },
      );
      return { round, contest, published };
    })().then(
      (info) => setLoad({ state: 'ready', info }),
      (error: unknown) => !signal.aborted && setLoad({ state: 'error', error }),
    );
    return () => controller.abort();
  }, [roundId, reload]);

  if (load.state === 'loading') return <p class="muted">Đang tải vòng thi…</p>;
  if (load.state === 'error') {
    return (
      <>
        <h1>Vòng thi</h1>
        <ProblemMessage error={load.error} onRetry={() => setReload((n) => n + 1)} />
      </>
    );
  }
  const { round, contest, published } = load.info;
  const refresh = () => setReload((n) => n + 1);
  const contestLink = consolePath('cuoc-thi', contest.id);

  return (
    <div class="round-console">
      <p class="crumb">
        <a href={contestLink} onClick={linkClick(contestLink)}>
          {contest.title}
        </a>
      </p>
      <div class="round-console__head">
        <div>
          <h1>{round.name}</h1>
          <p class="round-console__when">
            <span class={`badge round-console__state round-console__state--${published ? 'published' : round.state}`} data-testid="round-state">
              {roundStateLabel(round.state, published)}
            </span>{' '}
            Mở {formatVietnam(round.opens_at)} – đóng {formatVietnam(round.closes_at)} (giờ Việt Nam)
          </p>
        </div>
        <a class="button button--primary" href={livePath(round.id)} target="_blank" rel="noopener" data-testid="open-big-screen">
          Mở màn hình trực tiếp
        </a>
      </div>
      {!contest.can_manage && (
        <p class="message message--warn">
          Bạn không thuộc Ban Tổ chức của cuộc thi này nên chỉ xem được bảng xếp hạng; các thao tác công bố, hủy kết quả sẽ bị từ chối.
        </p>
      )}
      <div class="tabs round-console__tabs" role="tablist" aria-label="Trang của vòng thi">
        {TABS.map((t) => (
          <button
            key={t.key}
            type="button"
            role="tab"
            id={`tab-${t.key}`}
            aria-selected={t.key === tab}
            aria-controls={`panel-${t.key}`}
            class={`tabs__tab${t.key === tab ? ' tabs__tab--on' : ''}`}
            onClick={() => qs.set({ xem: t.key === 'theo-doi' ? null : t.key, 'don-vi': null }, { push: true })}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div class="tabs__panel" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === 'theo-doi' && <Monitor info={load.info} />}
        {tab === 'ket-qua' && <Results info={load.info} onPublished={refresh} />}
        {tab === 'xuat' && <Exports info={load.info} />}
      </div>
    </div>
  );
}
