import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import type { MyLesson, MyTheory, MyTheoryTest, ProblemCode } from '../api/types';
import { useStartAttempt } from '../attempt/useStart';
import { FormMessage } from '../components/Field';
import { busyText, waitText } from '../components/useBusyRetry';
import { certificatePath, linkClick, routes } from '../router';
import { STATUS_LABEL, formatCode, formatDateVi, lessonResultText, materialNote, periodText, whyNotStartable } from '../theory';

/** Where a theory test needs other words than the code's general message (api/messages.ts). */
const START_ERRORS: Partial<Record<ProblemCode, string>> = {
  attempts_exhausted: 'Bạn đã dùng hết số lượt kiểm tra.',
  pool_too_small: 'Bài kiểm tra chưa đủ câu hỏi. Ban Tổ chức đã được báo.',
  forbidden: 'Bạn không thuộc đối tượng của bài kiểm tra này.',
};

function TestRow({ test }: { test: MyTheoryTest }) {
  const { start, starting, waiting, error, refused } = useStartAttempt(
    test.round_id,
    START_ERRORS,
    'Không bắt đầu được. Vui lòng thử lại.',
  );
  const blocked = whyNotStartable(test, new Date());

  return (
    <li class="round" data-testid="theory-test" data-round-id={test.round_id}>
      <p class="round__facts">
        {test.name}: {test.questions_per_attempt} câu · {Math.round(test.time_limit_seconds / 60)} phút · đạt từ{' '}
        {test.pass_mark}% · đã làm {test.attempts_used}/{test.attempts_allowed ?? 'không giới hạn'} lượt
      </p>
      {blocked ? (
        <p class="round__note muted">{blocked}</p>
      ) : refused ? null : (
        <button type="button" class="button button--primary" onClick={start} disabled={starting} aria-busy={starting}>
          {waiting !== null
            ? `Đang chờ (${waitText(waiting)})…`
            : starting
              ? 'Đang bắt đầu…'
              : test.attempts_used > 0
                ? 'Làm lại'
                : 'Làm bài kiểm tra'}
        </button>
      )}
      {waiting !== null && <FormMessage kind="notice">{busyText('làm bài', waiting)}</FormMessage>}
      {error && <FormMessage kind="error">{error}</FormMessage>}
    </li>
  );
}

function LessonCard({ lesson }: { lesson: MyLesson }) {
  return (
    <li class="card" data-testid="lesson" data-status={lesson.status}>
      <div class="round__head">
        <h2 class="round__name">
          Bài {lesson.position}: {lesson.title}
        </h2>
        <span class={`badge badge--${lesson.status === 'passed' ? 'open' : lesson.status === 'tested' ? 'upcoming' : 'closed'}`}>
          {STATUS_LABEL[lesson.status]}
        </span>
      </div>
      {lesson.summary && <p>{lesson.summary}</p>}
      <p class="round__facts" data-testid="lesson-result">
        {lessonResultText(lesson)}
      </p>
      {lesson.materials.length > 0 && (
        <ul class="round__facts" aria-label={`Tài liệu học tập: bài ${lesson.position}`}>
          {lesson.materials.map((m) => (
            <li key={m.url} data-testid="material">
              <a href={m.url} target="_blank" rel="noopener noreferrer">
                {m.title}
              </a>{' '}
              <span class="material-kind">({materialNote(m.url)})</span>
            </li>
          ))}
        </ul>
      )}
      {lesson.status !== 'passed' && lesson.tests.length > 0 && (
        <ul class="rounds">
          {lesson.tests.map((t) => (
            <TestRow key={t.round_id} test={t} />
          ))}
        </ul>
      )}
    </li>
  );
}

type Load = { state: 'loading' } | { state: 'error'; message: string } | { state: 'none' } | { state: 'ready'; theory: MyTheory };

/**
 * Học lý luận: my lessons with their status, the tests to take, my certificate. With `courseId`,
 * the same for another study programme (Học tập › the programme).
 */
export function TheoryPage({ courseId }: { courseId?: string } = {}) {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [tries, setTries] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoad({ state: 'loading' });
    api
      .myTheory(controller.signal, courseId)
      .then((theory) => setLoad({ state: 'ready', theory }))
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.status === 401) return;
        if (err instanceof ApiError && err.status === 404) return setLoad({ state: 'none' });
        setLoad({ state: 'error', message: err instanceof ApiError ? err.message : 'Không tải được chương trình học.' });
      });
    return () => controller.abort();
  }, [tries, courseId]);

  const t = load.state === 'ready' ? load.theory : null;
  const back = courseId ? routes.study : routes.home;
  return (
    <main class="page" id="main">
      <p>
        <a href={back} onClick={linkClick(back)}>
          {courseId ? '‹ Học tập' : '‹ Trang chủ'}
        </a>
      </p>
      <h1>{courseId ? (t?.course.title ?? 'Chương trình học tập') : 'Học lý luận chính trị'}</h1>
      {load.state === 'loading' && <p class="muted">Đang tải…</p>}
      {load.state === 'none' && <p class="muted">Chưa có chương trình học lý luận nào.</p>}
      {load.state === 'error' && (
        <>
          <FormMessage kind="error">{load.message}</FormMessage>
          <button type="button" class="button" onClick={() => setTries((n) => n + 1)}>
            Thử lại
          </button>
        </>
      )}
      {t && (
        <>
          <section class="card" data-testid="theory-summary">
            {courseId ? (
              periodText(t.audience) && <p data-testid="programme-period">{periodText(t.audience)}</p>
            ) : (
              <p>
                <strong>{t.course.title}</strong> <span class="muted">(phiên bản {t.course.version})</span>
              </p>
            )}
            <p data-testid="theory-progress">
              Đã đạt {t.passed_lessons}/{t.total_lessons} bài.
              {t.required &&
                t.passed_lessons < t.total_lessons &&
                (courseId ? ' Bạn cần hoàn thành tất cả các bài.' : ' Đoàn viên mới cần hoàn thành tất cả các bài.')}
            </p>
            {t.certificate && (
              <p data-testid="certificate-link">
                {t.certificate.revoked ? 'Giấy chứng nhận đã bị thu hồi: ' : 'Giấy chứng nhận: '}
                <a href={certificatePath(t.certificate.code)} onClick={linkClick(certificatePath(t.certificate.code))}>
                  {formatCode(t.certificate.code)}
                </a>{' '}
                <span class="muted">({formatDateVi(t.certificate.issued_at)})</span>
              </p>
            )}
          </section>
          <ul class="rounds">
            {t.lessons.map((l) => (
              <LessonCard key={l.lesson_id} lesson={l} />
            ))}
          </ul>
          {t.combined_tests.length > 0 && (
            <section class="card">
              <h2>Bài kiểm tra chung</h2>
              <ul class="rounds">
                {t.combined_tests.map((test) => (
                  <TestRow key={test.round_id} test={test} />
                ))}
              </ul>
            </section>
          )}
        </>
      )}
    </main>
  );
}
