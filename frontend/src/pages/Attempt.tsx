import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { Attempt, QuestionView } from '../api/types';
import { isOnline, localStore, sessionGet, sessionSet } from '../attempt/browser';
import { formatCountdown, monotonicNow, ServerClock } from '../attempt/clock';
import { AnswerSaveQueue, type QueueSnapshot } from '../attempt/saveQueue';
import { parsePrediction, savedPrediction, savePrediction, takeAttempt } from '../attempt/store';
import { FormMessage } from '../components/Field';
import { navigate, resultPath, routes } from '../router';

export const PREDICTION_QUESTION: Record<string, string> = {
  all_correct: 'Dự đoán số người trả lời đúng tất cả các câu hỏi của tuần này',
  participants: 'Dự đoán số người tham gia dự thi của tuần này',
};

const WARN_MS = 60_000;

type Load = { state: 'loading' } | { state: 'error'; message: string; gone?: boolean } | { state: 'ready' };

function isAnswered(ids: string[] | undefined): boolean {
  return !!ids && ids.length > 0;
}

function SaveStatus({ snap, onRetry }: { snap: QueueSnapshot; onRetry: () => void }) {
  let text: string;
  let kind = '';
  switch (snap.state) {
    case 'idle':
      text = 'Đã lưu';
      kind = 'ok';
      break;
    case 'saving':
      text = 'Đang lưu…';
      break;
    case 'offline':
      text = `Mất mạng · ${snap.pending} câu chờ gửi`;
      kind = 'warn';
      break;
    case 'retrying':
      text = `Chưa lưu được · thử lại sau ${Math.ceil((snap.retryInMs ?? 0) / 1000)} giây`;
      kind = 'warn';
      break;
    case 'closed':
      text = 'Đã hết giờ làm bài';
      kind = 'warn';
      break;
  }
  const failed = Object.keys(snap.failed).length;
  return (
    <span class={`save save--${kind}`} data-testid="save-status" data-state={snap.state} aria-live="polite">
      {text}
      {failed > 0 && ` · ${failed} câu không lưu được`}
      {(snap.state === 'retrying' || snap.state === 'offline') && (
        <button type="button" class="linklike save__retry" onClick={onRetry}>
          Thử lại
        </button>
      )}
    </span>
  );
}

function QuestionCard({
  question,
  total,
  chosen,
  onChoose,
  failedMessage,
}: {
  question: QuestionView;
  total: number;
  chosen: string[];
  onChoose: (optionId: string) => void;
  failedMessage?: string | undefined;
}) {
  const multiple = question.kind === 'multiple';
  return (
    <fieldset class="question" data-testid="question" data-question-id={question.id}>
      <legend class="question__text">
        <span class="question__num">
          Câu {question.position}/{total}
        </span>
        {question.text}
      </legend>
      {question.image && <img class="question__image" src={`/api/v1/images/${question.image}`} alt="Hình minh họa của câu hỏi" />}
      <p class="hint">{multiple ? 'Chọn một hoặc nhiều đáp án đúng.' : 'Chọn một đáp án.'}</p>
      <div class="options">
        {question.options.map((o, i) => {
          const checked = chosen.includes(o.id);
          return (
            <label class={`option${checked ? ' option--checked' : ''}`} key={o.id}>
              <input
                type={multiple ? 'checkbox' : 'radio'}
                name={`q-${question.id}`}
                value={o.id}
                checked={checked}
                onChange={() => onChoose(o.id)}
              />
              <span class="option__letter" aria-hidden="true">
                {String.fromCharCode(65 + i)}
              </span>
              <span class="option__text">
                {o.text}
                {o.image && <img class="option__image" src={`/api/v1/images/${o.image}`} alt={`Hình của phương án ${String.fromCharCode(65 + i)}`} />}
              </span>
            </label>
          );
        })}
      </div>
      {failedMessage && <FormMessage kind="error">{failedMessage}</FormMessage>}
    </fieldset>
  );
}

export function AttemptPage({ id }: { id: string }) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [tries, setTries] = useState(0);
  const [attempt, setAttempt] = useState<Attempt | null>(null);
  const [answers, setAnswers] = useState<Record<string, string[]>>({});
  const [index, setIndex] = useState(() => Number(sessionGet(`dautri-q:${id}`) ?? 0) || 0);
  const [, setTick] = useState(0);
  const [confirming, setConfirming] = useState(false);
  const [prediction, setPrediction] = useState(() => savedPrediction(id));
  const [predictionError, setPredictionError] = useState<string | null>(null);
  const [finishError, setFinishError] = useState<string | null>(null);
  const [finishing, setFinishing] = useState(false);
  const [warned, setWarned] = useState(false);
  const clock = useRef(new ServerClock()).current;
  const queueRef = useRef<AnswerSaveQueue | null>(null);
  const finishingRef = useRef(false);
  const predictionRef = useRef(prediction);
  predictionRef.current = prediction;

  const rerender = () => setTick((t) => t + 1);

  function goToResult() {
    queueRef.current?.stop();
    navigate(resultPath(id), {}, true);
  }

  /** Reads the attempt from the server (first load, and resync after sleep or reconnect). */
  async function fetchAttempt(signal?: AbortSignal): Promise<Attempt | null> {
    const sentAt = monotonicNow();
    const a = await api.attempt(id, signal);
    clock.sync({ remainingMs: a.remaining_ms, serverTime: a.server_time, sentAt, receivedAt: monotonicNow(), wallAt: Date.now() });
    if (a.status !== 'open') {
      goToResult();
      return null;
    }
    return a;
  }

  // Load (or take the attempt the home page just started) and wire the save queue.
  useEffect(() => {
    const controller = new AbortController();
    let queue: AnswerSaveQueue | null = null;
    (async () => {
      let a: Attempt | null;
      const fresh = takeAttempt(id);
      if (fresh) {
        a = fresh.attempt;
        clock.sync({
          remainingMs: a.remaining_ms,
          serverTime: a.server_time,
          sentAt: fresh.sentAt,
          receivedAt: fresh.receivedAt,
          wallAt: fresh.wallAt,
        });
      } else {
        a = await fetchAttempt(controller.signal);
      }
      if (!a || controller.signal.aborted) return;
      queue = new AnswerSaveQueue({
        attemptId: id,
        send: (q, ids) => api.saveAnswer(id, q, ids),
        onSaved: (saved, sentAt, receivedAt) => clock.sync({ remainingMs: saved.remaining_ms, sentAt, receivedAt }),
        onClosed: goToResult,
        onChange: rerender,
        storage: localStore(),
        isOnline,
      });
      queueRef.current = queue;
      // Unsent choices from before a reload win over what the server has.
      const known = new Set(a.questions.map((q) => q.id));
      const restored = Object.fromEntries(Object.entries(queue.restored()).filter(([q]) => known.has(q)));
      setAnswers({ ...a.answers, ...restored });
      setAttempt(a);
      setIndex((i) => Math.min(Math.max(0, i), a!.questions.length - 1));
      setLoad({ state: 'ready' });
      queue.start();
    })().catch((err: unknown) => {
      if (controller.signal.aborted) return;
      if (err instanceof ApiError && err.status === 401) return;
      const gone = err instanceof ApiError && err.status === 404;
      setLoad({
        state: 'error',
        gone,
        message: gone
          ? 'Không tìm thấy lượt thi này.'
          : err instanceof ApiError
            ? err.message
            : 'Không tải được bài thi.',
      });
    });
    return () => {
      controller.abort();
      queue?.stop();
    };
  }, [id, tries]);

  // The countdown ticks on the monotonic clock; resync with the server when we come back.
  useEffect(() => {
    if (load.state !== 'ready') return;
    const timer = setInterval(rerender, 500);
    const resync = () => {
      fetchAttempt().catch(() => {
        /* offline: keep counting on our own */
      });
    };
    const onOnline = () => {
      queueRef.current?.retryNow();
      resync();
    };
    const onVisible = () => {
      if (document.visibilityState === 'visible') resync();
    };
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', rerender);
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', rerender);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [load.state]);

  useEffect(() => {
    sessionSet(`dautri-q:${id}`, String(index));
  }, [index]);

  // The confirm dialog: focus its title (not the input: a phone keyboard would cover the list),
  // Escape goes back to the questions.
  useEffect(() => {
    if (!confirming) return;
    document.getElementById('confirm-title')?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !finishingRef.current) setConfirming(false);
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [confirming]);

  const remaining = clock.remaining();
  const questions = attempt?.questions ?? [];
  const unanswered = useMemo(() => questions.filter((q) => !isAnswered(answers[q.id])), [questions, answers]);

  // Warn at one minute; finish by itself at zero.
  useEffect(() => {
    if (load.state !== 'ready') return;
    if (remaining <= WARN_MS && !warned) setWarned(true);
    if (remaining <= 0 && !finishingRef.current) void finish(true);
  });

  function choose(q: QuestionView, optionId: string) {
    if (finishingRef.current || clock.expired()) return;
    const current = answers[q.id] ?? [];
    const next =
      q.kind === 'multiple'
        ? current.includes(optionId)
          ? current.filter((x) => x !== optionId)
          : [...current, optionId]
        : [optionId];
    setAnswers({ ...answers, [q.id]: next });
    queueRef.current?.set(q.id, next);
  }

  function openConfirm() {
    setFinishError(null);
    setPredictionError(null);
    setConfirming(true);
  }

  async function finish(auto: boolean) {
    if (finishingRef.current) return;
    const queue = queueRef.current;
    let value: number | null = null;
    if (attempt?.prediction) {
      value = parsePrediction(predictionRef.current);
      if (!auto && value === null) {
        setPredictionError('Vui lòng nhập dự đoán là một số nguyên không âm.');
        return;
      }
    }
    finishingRef.current = true;
    setFinishing(true);
    setFinishError(null);
    const saved = queue ? await queue.flush(auto ? 5_000 : 15_000) : true;
    if (!saved && !auto && queue?.snapshot().state !== 'closed') {
      finishingRef.current = false;
      setFinishing(false);
      setFinishError(
        `Còn ${queue?.snapshot().pending ?? 0} câu trả lời chưa lưu được lên máy chủ. Vui lòng kiểm tra kết nối rồi bấm Nộp bài lần nữa.`,
      );
      return;
    }
    try {
      await api.finishAttempt(id, value);
      queue?.clearStorage();
      savePrediction(id, '');
      goToResult();
    } catch (err) {
      if (auto || (err instanceof ApiError && err.code === 'attempt_closed')) {
        // Time is up: the server finishes the attempt itself; the result page waits for it.
        goToResult();
        return;
      }
      finishingRef.current = false;
      setFinishing(false);
      if (err instanceof ApiError && err.fieldErrors.prediction) {
        setPredictionError('Vui lòng nhập dự đoán là một số nguyên không âm.');
        return;
      }
      if (err instanceof ApiError && err.status === 401) return;
      setFinishError(err instanceof ApiError ? err.message : 'Không nộp được bài. Vui lòng thử lại.');
    }
  }

  if (load.state === 'loading') {
    return (
      <main class="page" id="main">
        <h1>Làm bài</h1>
        <p class="muted">Đang tải bài thi…</p>
      </main>
    );
  }
  if (load.state === 'error' || !attempt) {
    const message = load.state === 'error' ? load.message : 'Không tải được bài thi.';
    return (
      <main class="page" id="main">
        <h1>Làm bài</h1>
        <FormMessage kind="error">{message}</FormMessage>
        {!(load.state === 'error' && load.gone) && (
          <button type="button" class="button" onClick={() => {
              setLoad({ state: 'loading' });
              setTries((t) => t + 1);
            }}>
            Thử lại
          </button>
        )}
        <button type="button" class="button button--ghost" onClick={() => navigate(routes.home)}>
          Về trang chủ
        </button>
      </main>
    );
  }

  const q = questions[Math.min(index, questions.length - 1)]!;
  const snap = queueRef.current?.snapshot() ?? { state: 'idle', pending: 0, failures: 0, retryInMs: null, failed: {} };
  const answeredCount = questions.length - unanswered.length;
  const low = remaining <= WARN_MS;
  const predictionText = attempt.prediction ? (PREDICTION_QUESTION[attempt.prediction] ?? 'Câu hỏi dự đoán') : null;

  return (
    <main class="page page--attempt" id="main">
      <h1 class="visually-hidden">Làm bài</h1>
      <div class="attempt-bar">
        <div
          class={`timer${low ? ' timer--low' : ''}`}
          role="timer"
          aria-label="Thời gian còn lại"
          data-testid="countdown"
          data-remaining-ms={Number.isFinite(remaining) ? Math.round(remaining) : ''}
        >
          {formatCountdown(remaining)}
        </div>
        <SaveStatus snap={snap} onRetry={() => queueRef.current?.retryNow()} />
      </div>
      {attempt.practice && (
        <p class="message message--notice" data-testid="practice-notice">
          Lượt làm thử: không tính điểm, không lên bảng xếp hạng.
        </p>
      )}
      {warned && remaining > 0 && (
        <p class="message message--warn" role="alert" data-testid="time-warning">
          Còn chưa đến 1 phút! Bài sẽ tự động nộp khi hết giờ.
        </p>
      )}
      {remaining <= 0 && (
        <p class="message message--warn" role="alert">
          Đã hết giờ. Đang nộp bài…
        </p>
      )}

      <div class="progress" aria-hidden="true">
        <div class="progress__fill" style={{ width: `${(answeredCount / questions.length) * 100}%` }} />
      </div>
      <p class="progress__text" data-testid="progress">
        Đã trả lời {answeredCount}/{questions.length} câu
      </p>
      <nav class="palette" aria-label="Chuyển đến câu hỏi">
        {questions.map((item, i) => {
          const st = queueRef.current?.stateOf(item.id) ?? 'saved';
          const classes = [
            'palette__item',
            isAnswered(answers[item.id]) ? 'palette__item--answered' : '',
            i === index ? 'palette__item--current' : '',
            st === 'pending' || st === 'failed' ? 'palette__item--unsaved' : '',
          ].join(' ');
          return (
            <button
              type="button"
              key={item.id}
              class={classes}
              aria-current={i === index ? 'step' : undefined}
              aria-label={`Câu ${i + 1}${isAnswered(answers[item.id]) ? ', đã trả lời' : ', chưa trả lời'}`}
              onClick={() => setIndex(i)}
            >
              {i + 1}
            </button>
          );
        })}
      </nav>

      <QuestionCard
        key={q.id}
        question={q}
        total={questions.length}
        chosen={answers[q.id] ?? []}
        onChoose={(o) => choose(q, o)}
        failedMessage={snap.failed[q.id]}
      />

      <div class="attempt-nav">
        <button type="button" class="button" disabled={index === 0} onClick={() => setIndex(index - 1)}>
          ‹ Câu trước
        </button>
        {index < questions.length - 1 ? (
          <button type="button" class="button" onClick={() => setIndex(index + 1)}>
            Câu sau ›
          </button>
        ) : (
          <span />
        )}
      </div>
      <button type="button" class="button button--primary submit" onClick={openConfirm} disabled={finishing}>
        Nộp bài
      </button>

      {confirming && (
        <div class="dialog-backdrop">
          <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
            <h2 id="confirm-title" tabIndex={-1}>
              Nộp bài?
            </h2>
            {unanswered.length > 0 ? (
              <>
                <p data-testid="unanswered">
                  Bạn còn <strong>{unanswered.length}</strong> câu chưa trả lời:
                </p>
                <div class="palette palette--small">
                  {unanswered.map((u) => (
                    <button
                      type="button"
                      key={u.id}
                      class="palette__item"
                      onClick={() => {
                        setIndex(questions.indexOf(u));
                        setConfirming(false);
                      }}
                    >
                      {u.position}
                    </button>
                  ))}
                </div>
              </>
            ) : (
              <p data-testid="unanswered">Bạn đã trả lời tất cả {questions.length} câu hỏi.</p>
            )}
            {predictionText && (
              <div class={`field${predictionError ? ' field--invalid' : ''}`}>
                <label for="prediction">
                  {predictionText}
                  <span class="required" aria-hidden="true">
                    {' '}
                    *
                  </span>
                </label>
                <input
                  id="prediction"
                  type="text"
                  inputMode="numeric"
                  pattern="[0-9]*"
                  autoComplete="off"
                  value={prediction}
                  aria-invalid={predictionError ? 'true' : undefined}
                  aria-describedby={predictionError ? 'prediction-error' : 'prediction-hint'}
                  onInput={(e) => {
                    const v = (e.target as HTMLInputElement).value;
                    setPrediction(v);
                    savePrediction(id, v);
                    setPredictionError(null);
                  }}
                />
                {predictionError ? (
                  <p class="field-error" id="prediction-error">
                    {predictionError}
                  </p>
                ) : (
                  <p class="hint" id="prediction-hint">
                    Nhập một số nguyên, dùng để xếp hạng khi bằng điểm.
                  </p>
                )}
              </div>
            )}
            {finishError && <FormMessage kind="error">{finishError}</FormMessage>}
            <div class="dialog__actions">
              <button type="button" class="button" onClick={() => setConfirming(false)} disabled={finishing}>
                Làm tiếp
              </button>
              <button
                type="button"
                class="button button--primary"
                onClick={() => void finish(false)}
                disabled={finishing}
                aria-busy={finishing}
              >
                {finishing ? 'Đang nộp…' : 'Nộp bài'}
              </button>
            </div>
          </div>
        </div>
      )}
    </main>
  );
}
