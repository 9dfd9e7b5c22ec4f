import { useEffect, useState } from 'preact/hooks';
import { RichText } from './RichText';
import { api, ApiError } from '../api';
import type { Contest, MyAttempt, ProblemCode, Round } from '../api/types';
import { formatVietnamTime } from '../attempt/clock';
import { useStartAttempt } from '../attempt/useStart';
import { attemptPath, contestBoardPath, linkClick, livePath, navigate, resultPath, roundBoardPath } from '../router';
import { FormMessage } from './Field';
import { busyText, waitText } from './useBusyRetry';

interface ContestView {
  contest: Contest;
  rounds: Round[];
  /** Rounds could not be loaded (shown as such; the rest still works). */
  failed?: boolean;
}

type Load =
  | { state: 'loading' }
  | { state: 'error'; message: string }
  | { state: 'ready'; contests: ContestView[]; attempts: MyAttempt[] };

/** How many of my latest results home shows. */
const RECENT = 5;

const STATE_LABEL: Record<string, string> = { upcoming: 'Sắp mở', open: 'Đang mở', closed: 'Đã đóng' };

/**
 * Where starting a round needs other words than the code's general message (api/messages.ts,
 * which already says why an organizer or a key reader may not enter, and when a round opens).
 */
const START_ERRORS: Partial<Record<ProblemCode, string>> = {
  forbidden: 'Bạn không thuộc đối tượng dự thi của cuộc thi này.',
};

function RoundRow({ round, attempts, contest }: { round: Round; attempts: MyAttempt[]; contest: Contest }) {
  const { start, starting, waiting, error, refused } = useStartAttempt(
    round.id,
    START_ERRORS,
    'Không bắt đầu được lượt thi. Vui lòng thử lại.',
  );
  const mine = attempts.filter((a) => a.round_id === round.id);
  const running = mine.find((a) => a.status === 'open');
  const used = mine.length;
  const allowed = round.attempts_allowed ?? null;
  const exhausted = allowed !== null && used >= allowed;
  const counted = mine.find((a) => a.result?.counted);

  return (
    <li class="round" data-testid="round" data-round-id={round.id}>
      <div class="round__head">
        <span class="round__name">{round.name}</span>
        <span class={`badge badge--${round.state}`} data-testid="round-state">
          {STATE_LABEL[round.state] ?? round.state}
        </span>
      </div>
      <p class="round__times">
        {formatVietnamTime(round.opens_at)} – {formatVietnamTime(round.closes_at)}
        <span class="muted"> (giờ Việt Nam)</span>
      </p>
      <p class="round__facts">
        {round.questions_per_attempt} câu · {Math.round(round.time_limit_seconds / 60)} phút ·{' '}
        <span data-testid="attempts-used">
          Đã thi {used}/{allowed ?? 'không giới hạn'} lượt
        </span>
        {round.practice && ' · Thi thử'}
      </p>
      {counted?.result && counted.result.score !== null && counted.result.score !== undefined && (
        <p class="round__facts">
          Lượt được tính: <strong>{counted.result.score}</strong>
          {counted.result.max_score ? `/${counted.result.max_score}` : ''} điểm ·{' '}
          <a href={resultPath(counted.id)} onClick={linkClick(resultPath(counted.id))}>
            Xem kết quả
          </a>
        </p>
      )}
      {contest.kind !== 'theory_test' && round.state !== 'upcoming' && !round.practice && (
        <p class="round__links">
          <a href={roundBoardPath(round.id)} onClick={linkClick(roundBoardPath(round.id))} data-testid="round-board-link">
            Bảng xếp hạng
          </a>
          {contest.can_manage && (
            <>
              {' · '}
              <a href={livePath(round.id)} onClick={linkClick(livePath(round.id))}>
                Màn hình trực tiếp
              </a>
            </>
          )}
        </p>
      )}
      {error && <FormMessage kind="error">{error}</FormMessage>}
      {waiting !== null && <FormMessage kind="notice">{busyText('vào thi', waiting)}</FormMessage>}
      {running ? (
        <button type="button" class="button button--primary" onClick={() => navigate(attemptPath(running.id))}>
          Tiếp tục
        </button>
      ) : (
        round.state === 'open' &&
        !refused &&
        (exhausted ? (
          <p class="muted round__note">Bạn đã dùng hết lượt thi.</p>
        ) : (
          <button type="button" class="button button--primary" onClick={start} disabled={starting} aria-busy={starting}>
            {waiting !== null ? `Đang chờ (${waitText(waiting)})…` : starting ? 'Đang bắt đầu…' : 'Vào thi'}
          </button>
        ))
      )}
    </li>
  );
}

/**
 * Home's contests, in the order a member needs them: what is open for me now (with a way in),
 * then what is coming, then my recent results. Theory tests are not here: they live in
 * "Học lý luận", so a lesson test never crowds out the weekly contest.
 */
export function ContestList() {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [tries, setTries] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const signal = controller.signal;
    setLoad({ state: 'loading' });
    (async () => {
      const [page, mine] = await Promise.all([api.contests(signal), api.myAttempts({}, signal)]);
      const contests = await Promise.all(
        page.items
          .filter((c) => c.kind !== 'theory_test')
          .map(async (contest): Promise<ContestView> => {
            try {
              return { contest, rounds: (await api.rounds(contest.id, signal)).items };
            } catch (err) {
              if (signal.aborted) throw err;
              return { contest, rounds: [], failed: true };
            }
          }),
      );
      if (!signal.aborted) setLoad({ state: 'ready', contests, attempts: mine.items });
    })().catch((err: unknown) => {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status === 401) return;
      setLoad({ state: 'error', message: err instanceof ApiError ? err.message : 'Không tải được danh sách cuộc thi.' });
    });
    return () => controller.abort();
  }, [tries]);

  const retry = () => setTries((t) => t + 1);
  if (load.state !== 'ready') {
    return (
      <section class="card" aria-labelledby="open-title" aria-busy={load.state === 'loading'}>
        <h2 id="open-title">Đang mở</h2>
        {load.state === 'loading' && <p class="muted">Đang tải cuộc thi…</p>}
        {load.state === 'error' && (
          <>
            <FormMessage kind="error">{load.message}</FormMessage>
            <button type="button" class="button" onClick={retry}>
              Thử lại
            </button>
          </>
        )}
      </section>
    );
  }

  const { contests, attempts } = load;
  // A round stays under "Đang mở" while my attempt in it runs, even past its close.
  const running = new Set(attempts.filter((a) => a.status === 'open').map((a) => a.round_id));
  const open = contests
    .map((v) => ({ ...v, rounds: v.rounds.filter((r) => r.state === 'open' || running.has(r.id)) }))
    .filter((v) => v.rounds.length > 0 || v.failed);
  const upcoming = contests
    .flatMap(({ contest, rounds }) => rounds.filter((r) => r.state === 'upcoming').map((round) => ({ contest, round })))
    .sort((a, b) => a.round.opens_at.localeCompare(b.round.opens_at));
  const recent = attempts
    .filter((a) => a.status === 'finished' && a.contest_kind !== 'theory_test' && a.result)
    .sort((a, b) => (b.result?.finished_at ?? '').localeCompare(a.result?.finished_at ?? ''))
    .slice(0, RECENT);

  return (
    <>
      <section class="card" aria-labelledby="open-title">
        <h2 id="open-title">Đang mở</h2>
        {open.length === 0 && (
          <p class="empty" data-testid="contests-empty">
            Hiện chưa có cuộc thi nào đang mở. Vui lòng quay lại sau.
          </p>
        )}
        {open.map(({ contest, rounds, failed }) => (
          <article class="contest" key={contest.id} data-testid="contest">
            <h3 class="contest__title">{contest.title}</h3>
            {contest.description && <RichText class="contest__desc" text={contest.description} />}
            {contest.rules && (
              <details class="contest__rules">
                <summary>Thể lệ</summary>
                <RichText text={contest.rules} />
              </details>
            )}
            {failed ? (
              <p class="muted">
                Không tải được các vòng thi.{' '}
                <button type="button" class="linklike" onClick={retry}>
                  Thử lại
                </button>
              </p>
            ) : (
              <ul class="rounds">
                {rounds.map((r) => (
                  <RoundRow key={r.id} round={r} attempts={attempts} contest={contest} />
                ))}
              </ul>
            )}
            {rounds.some((r) => !r.practice) && (
              <p class="contest__links">
                <a href={contestBoardPath(contest.id)} onClick={linkClick(contestBoardPath(contest.id))}>
                  Bảng xếp hạng chung của cuộc thi
                </a>
              </p>
            )}
          </article>
        ))}
      </section>

      {upcoming.length > 0 && (
        <section class="card" aria-labelledby="upcoming-title" data-testid="upcoming">
          <h2 id="upcoming-title">Sắp diễn ra</h2>
          <ul class="plain-list">
            {upcoming.map(({ contest, round }) => (
              <li key={round.id} data-testid="upcoming-round">
                <span class="plain-list__main">
                  {contest.title} · {round.name}
                </span>
                <span class="muted">
                  Mở lúc {formatVietnamTime(round.opens_at)} (giờ Việt Nam)
                </span>
              </li>
            ))}
          </ul>
        </section>
      )}

      {recent.length > 0 && (
        <section class="card" aria-labelledby="recent-title" data-testid="recent-results">
          <h2 id="recent-title">Kết quả gần đây</h2>
          <ul class="plain-list">
            {recent.map((a) => (
              <li key={a.id} data-testid="recent-result">
                <span class="plain-list__main">
                  {a.contest_title} · {a.round_name}
                </span>
                <span>
                  {a.result?.score != null ? (
                    <strong>
                      {a.result.score}
                      {a.result.max_score ? `/${a.result.max_score}` : ''} điểm
                    </strong>
                  ) : (
                    'Đã ghi nhận bài thi'
                  )}
                  <span class="muted"> · {formatVietnamTime(a.result?.finished_at ?? a.started_at)}</span>
                </span>
                <a href={resultPath(a.id)} onClick={linkClick(resultPath(a.id))}>
                  Xem kết quả
                </a>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
