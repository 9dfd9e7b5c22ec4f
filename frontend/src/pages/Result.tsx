import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { Attempt, MyPlace, ResultView } from '../api/types';
import { localStore } from '../attempt/browser';
import { formatDuration, formatVietnamTime } from '../attempt/clock';
import { backoffDelay, pendingKey } from '../attempt/saveQueue';
import { parsePrediction, savedPrediction, savePrediction } from '../attempt/store';
import { FormMessage } from '../components/Field';
import { ShareButton } from '../components/ShareButton';
import { shareCertificate, shareResult } from '../share/content';
import { TheoryVerdict } from '../components/TheoryVerdict';
import { attemptPath, linkClick, navigate, roundBoardPath, routes } from '../router';

type Load =
  | { state: 'loading' }
  | { state: 'waiting' } // time is up; the server is finishing the attempt
  | { state: 'error'; message: string }
  | { state: 'offline'; message: string } // retrying by itself
  | { state: 'ready'; attempt: Attempt; result: ResultView };

const POLL_MS = 3_000;

/** Why the answers are not shown yet, by the round's review policy. */
function reviewNote(policy: Attempt['review_policy']): string {
  if (policy === 'after_close') return 'Đáp án và giải thích sẽ được hiển thị khi vòng thi đóng.';
  if (policy === 'after_each_attempt') return 'Đáp án sẽ được hiển thị khi bạn làm xong bài đang làm dở.';
  return 'Vòng thi này không công bố đáp án.';
}

/**
 * Finished by the clock (stamped at the deadline) in a round that asks for a prediction, with
 * none recorded: the member should know their prediction did not count.
 */
function timedOutWithoutPrediction(attempt: Attempt, result: ResultView): boolean {
  if (!attempt.prediction || (result.prediction !== null && result.prediction !== undefined)) return false;
  return Date.parse(result.finished_at) >= Date.parse(attempt.deadline);
}

function forgetLocal(id: string) {
  try {
    localStore()?.removeItem(pendingKey(id));
  } catch {
    /* ignore */
  }
  savePrediction(id, '');
}

export function ResultPage({ id }: { id: string }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [tries, setTries] = useState(0);
  const [place, setPlace] = useState<MyPlace | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    const signal = controller.signal;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let finishTried = false;

    async function check(): Promise<void> {
      const a = await api.attempt(id, signal);
      if (signal.aborted) return;
      if (a.status === 'open' && a.remaining_ms > 0) {
        navigate(attemptPath(id), {}, true); // still running: back to it
        return;
      }
      if (a.status !== 'open' && a.result) {
        forgetLocal(id);
        setLoad({ state: 'ready', attempt: a, result: a.result });
        // My place, where the round has a board I may see now and shows scores; a board that
        // hides scores (review none) answers 403 and nothing is shown.
        if (a.has_board && a.result.score !== null && a.result.score !== undefined && !a.practice) {
          api.myPlace({ kind: 'round', id: a.round_id }, null, signal).then(
            (p) => !signal.aborted && setPlace(p),
            () => undefined,
          );
        }
        return;
      }
      // Time is up but not finished yet: finish it (once), else wait for the server's auto-finish.
      if (!finishTried) {
        finishTried = true;
        try {
          await api.finishAttempt(id, parsePrediction(savedPrediction(id)));
          return check();
        } catch {
          /* a missing prediction or a race with the auto-finisher: wait */
        }
      }
      setLoad({ state: 'waiting' });
      timer = setTimeout(() => void check().catch(onError), POLL_MS);
    }
    let failures = 0;
    function onError(err: unknown) {
      if (signal.aborted) return;
      if (err instanceof ApiError && err.status === 401) return;
      // A weak connection or a server restart: keep trying by ourselves (2 s, 4 s … 30 s).
      if (err instanceof ApiError && (err.status === 0 || err.status === 429 || err.status >= 500)) {
        failures += 1;
        setLoad({ state: 'offline', message: err.message });
        timer = setTimeout(() => void check().then(() => (failures = 0), onError), backoffDelay(failures, 2_000, 30_000));
        return;
      }
      setLoad({ state: 'error', message: err instanceof ApiError ? err.message : 'Không tải được kết quả.' });
    }
    check().catch(onError);
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [id, tries]);

  const home = (
    <button type="button" class="button button--ghost" onClick={() => navigate(routes.home)}>
      Về trang chủ
    </button>
  );

  if (load.state !== 'ready') {
    return (
      <main class="page" id="main">
        <h1>Kết quả</h1>
        {load.state === 'loading' && <p class="muted">Đang tải kết quả…</p>}
        {load.state === 'waiting' && (
          <p class="muted" role="status">
            Đã hết giờ. Máy chủ đang chấm bài, vui lòng đợi trong giây lát…
          </p>
        )}
        {load.state === 'offline' && (
          <p class="message message--warn" role="status">
            {load.message} Đang tự động thử lại…
          </p>
        )}
        {(load.state === 'error' || load.state === 'offline') && (
          <>
            {load.state === 'error' && <FormMessage kind="error">{load.message}</FormMessage>}
            <button
              type="button"
              class="button"
              onClick={() => {
                setLoad({ state: 'loading' });
                setTries((t) => t + 1);
              }}
            >
              Thử lại
            </button>
          </>
        )}
        {home}
      </main>
    );
  }

  const { attempt, result } = load;
  const review = attempt.review ?? null;
  const keyOf = new Map((review ?? []).map((r) => [r.question_id, r]));
  const hidden = result.score === null || result.score === undefined;

  return (
    <main class="page" id="main">
      <h1>Kết quả</h1>
      <section class="card result" aria-label="Tóm tắt kết quả" data-testid="result">
        {hidden ? (
          <p class="result__hidden" data-testid="score-hidden">
            Bài của bạn đã được ghi nhận. Kết quả sẽ được Ban Tổ chức công bố sau khi vòng thi kết thúc.
          </p>
        ) : (
          <p class="result__score" data-testid="score">
            <strong>{result.score}</strong>
            {result.max_score !== null && result.max_score !== undefined && <span>/{result.max_score}</span>} điểm
          </p>
        )}
        <dl class="result__facts">
          {result.correct_count !== null && result.correct_count !== undefined && (
            <div>
              <dt>Số câu đúng</dt>
              <dd data-testid="correct-count">
                {result.correct_count}/{attempt.questions.length}
              </dd>
            </div>
          )}
          <div>
            <dt>Thời gian làm bài</dt>
            <dd data-testid="time-used">{formatDuration(result.time_used_ms)}</dd>
          </div>
          <div>
            <dt>Nộp lúc</dt>
            <dd>{formatVietnamTime(result.finished_at)}</dd>
          </div>
          {result.prediction !== null && result.prediction !== undefined && (
            <div>
              <dt>Dự đoán</dt>
              <dd data-testid="prediction">{result.prediction}</dd>
            </div>
          )}
          {timedOutWithoutPrediction(attempt, result) && (
            <div>
              <dt>Dự đoán</dt>
              <dd data-testid="no-prediction">
                Bài hết giờ khi bạn chưa nhập dự đoán, nên không có dự đoán nào được ghi nhận.
              </dd>
            </div>
          )}
          {place?.ranked && place.entry && (
            <div>
              <dt>Thứ hạng của bạn</dt>
              <dd data-testid="my-place">
                {place.entry.rank}/{place.total}
                {place.state === 'live' ? ' (tạm thời, bảng đang cập nhật)' : ''}
              </dd>
            </div>
          )}
          {result.counted !== null && result.counted !== undefined && !attempt.theory && (
            <div>
              <dt>Lượt được tính</dt>
              <dd data-testid="counted">
                {result.counted
                  ? 'Đây là lượt được tính điểm của bạn.'
                  : 'Lượt này không được tính (bạn có lượt khác tốt hơn hoặc bằng điểm mà sớm hơn).'}
              </dd>
            </div>
          )}
        </dl>
        {!review && !hidden && <p class="muted">{reviewNote(attempt.review_policy)}</p>}
      </section>

      {attempt.theory && <TheoryVerdict outcome={attempt.theory} maxScore={result.max_score ?? null} />}
      {attempt.has_board && (
        <p class="result__links">
          <a
            class="button button--primary"
            href={roundBoardPath(attempt.round_id)}
            onClick={linkClick(roundBoardPath(attempt.round_id))}
            data-testid="result-board-link"
          >
            Xem bảng xếp hạng
          </a>
        </p>
      )}

      {!hidden && !attempt.practice && (
        <ShareButton
          label={attempt.theory?.certificate_code ? 'Chia sẻ giấy chứng nhận' : 'Chia sẻ kết quả'}
          share={async (m) => {
            const code = attempt.theory?.certificate_code;
            if (code) return shareCertificate(m, await api.certificate(code));
            return shareResult(m, attempt, result, place);
          }}
        />
      )}

      {review && (
        <section aria-labelledby="review-title" data-testid="review">
          <h2 id="review-title">Đáp án</h2>
          {attempt.questions.map((q) => {
            const key = keyOf.get(q.id);
            const mine = attempt.answers[q.id] ?? [];
            const right = key ? key.correct_option_ids : [];
            const ok = mine.length === right.length && mine.every((m) => right.includes(m));
            return (
              <article class="card review" key={q.id}>
                <p class="review__q">
                  <span class="question__num">
                    Câu {q.position} · {mine.length === 0 ? 'Chưa trả lời' : ok ? 'Đúng' : 'Sai'}
                  </span>
                  {q.text}
                </p>
                {q.image && <img class="question__image" src={`/api/v1/images/${q.image}`} alt="Hình minh họa của câu hỏi" />}
                <ul class="review__options">
                  {q.options.map((o) => {
                    const correct = right.includes(o.id);
                    const chosen = mine.includes(o.id);
                    return (
                      <li
                        key={o.id}
                        class={`review__option${correct ? ' review__option--correct' : ''}${chosen && !correct ? ' review__option--wrong' : ''}`}
                      >
                        {o.text}
                        {o.image && <img class="option__image" src={`/api/v1/images/${o.image}`} alt="Hình của phương án" />}
                        {correct && <span class="review__tag"> ✓ Đáp án đúng</span>}
                        {chosen && <span class="review__tag"> · Bạn chọn</span>}
                      </li>
                    );
                  })}
                </ul>
                {key?.explanation && <p class="review__explain">{key.explanation}</p>}
              </article>
            );
          })}
        </section>
      )}
      {home}
    </main>
  );
}
