import { useEffect, useState } from 'preact/hooks';
import { RichText } from './RichText';
import { api, ApiError } from '../api';
import type { Contest, MyAttempt, ProblemCode, Round } from '../api/types';
import { formatVietnamTime, monotonicNow } from '../attempt/clock';
import { findRunning, isFinalRefusal } from '../attempt/running';
import { rememberAttempt, runningAttemptId } from '../attempt/store';
import { attemptPath, contestBoardPath, linkClick, livePath, navigate, resultPath, roundBoardPath } from '../router';
import { FormMessage } from './Field';

interface ContestView {
  contest: Contest;
  rounds: Round[];
  attempts: MyAttempt[];
  /** Rounds could not be loaded (shown as such; the rest still works). */
  failed?: boolean;
}

type Load = { state: 'loading' } | { state: 'error'; message: string } | { state: 'ready'; contests: ContestView[] };

const STATE_LABEL: Record<string, string> = { upcoming: 'Sắp mở', open: 'Đang mở', closed: 'Đã đóng' };

/**
 * Where starting a round needs other words than the code's general message (api/messages.ts,
 * which already says why an organizer or a key reader may not enter, and when a round opens).
 */
const START_ERRORS: Partial<Record<ProblemCode, string>> = {
  forbidden: 'Bạn không thuộc đối tượng dự thi của cuộc thi này.',
};

function RoundRow({ round, attempts, contest }: { round: Round; attempts: MyAttempt[]; contest: Contest }) {
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [refused, setRefused] = useState(false);
  const mine = attempts.filter((a) => a.round_id === round.id);
  const running = mine.find((a) => a.status === 'open');
  const used = mine.length;
  const allowed = round.attempts_allowed ?? null;
  const exhausted = allowed !== null && used >= allowed;
  const counted = mine.find((a) => a.result?.counted);

  async function start() {
    setStarting(true);
    setError(null);
    const sentAt = monotonicNow();
    try {
      const attempt = await api.startAttempt(round.id);
      rememberAttempt(attempt, sentAt);
      navigate(attemptPath(attempt.id));
    } catch (err) {
      setStarting(false);
      if (err instanceof ApiError && err.code === 'attempt_in_progress') {
        const id = runningAttemptId(err.problem) ?? (await findRunning(round.id));
        if (id) return navigate(attemptPath(id));
      }
      if (err instanceof ApiError && err.status === 401) return;
      setRefused(err instanceof ApiError && isFinalRefusal(err.code));
      setError(
        err instanceof ApiError
          ? (START_ERRORS[err.code as ProblemCode] ?? err.message)
          : 'Không bắt đầu được lượt thi. Vui lòng thử lại.',
      );
    }
  }

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
            {starting ? 'Đang bắt đầu…' : 'Vào thi'}
          </button>
        ))
      )}
    </li>
  );
}

/** "Cuộc thi": the contests I may enter, their rounds, my attempts and a way in. */
export function ContestList() {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [tries, setTries] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    const signal = controller.signal;
    setLoad({ state: 'loading' });
    (async () => {
      const page = await api.contests(signal);
      const contests = await Promise.all(
        page.items.map(async (contest): Promise<ContestView> => {
          try {
            const [rounds, attempts] = await Promise.all([
              api.rounds(contest.id, signal),
              api.myAttempts({ contest_id: contest.id }, signal),
            ]);
            return { contest, rounds: rounds.items, attempts: attempts.items };
          } catch (err) {
            if (signal.aborted) throw err;
            return { contest, rounds: [], attempts: [], failed: true };
          }
        }),
      );
      if (!signal.aborted) setLoad({ state: 'ready', contests });
    })().catch((err: unknown) => {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status === 401) return;
      setLoad({ state: 'error', message: err instanceof ApiError ? err.message : 'Không tải được danh sách cuộc thi.' });
    });
    return () => controller.abort();
  }, [tries]);

  return (
    <section class="card" aria-labelledby="contests-title" aria-busy={load.state === 'loading'}>
      <h2 id="contests-title">Cuộc thi</h2>
      {load.state === 'loading' && <p class="muted">Đang tải cuộc thi…</p>}
      {load.state === 'error' && (
        <>
          <FormMessage kind="error">{load.message}</FormMessage>
          <button type="button" class="button" onClick={() => setTries((t) => t + 1)}>
            Thử lại
          </button>
        </>
      )}
      {load.state === 'ready' && load.contests.length === 0 && (
        <p class="empty" data-testid="contests-empty">
          Hiện chưa có cuộc thi nào đang mở. Vui lòng quay lại sau.
        </p>
      )}
      {load.state === 'ready' &&
        load.contests.map(({ contest, rounds, attempts, failed }) => (
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
                <button type="button" class="linklike" onClick={() => setTries((t) => t + 1)}>
                  Thử lại
                </button>
              </p>
            ) : rounds.length === 0 ? (
              <p class="muted">Chưa có vòng thi nào.</p>
            ) : (
              <ul class="rounds">
                {rounds.map((r) => (
                  <RoundRow key={r.id} round={r} attempts={attempts} contest={contest} />
                ))}
              </ul>
            )}
            {contest.kind !== 'theory_test' && rounds.some((r) => r.state !== 'upcoming' && !r.practice) && (
              <p class="contest__links">
                <a href={contestBoardPath(contest.id)} onClick={linkClick(contestBoardPath(contest.id))}>
                  Bảng xếp hạng chung của cuộc thi
                </a>
              </p>
            )}
          </article>
        ))}
    </section>
  );
}
