import type { TheoryOutcome } from '../api/types';
import { formatVietnamTime } from '../attempt/clock';
import { certificatePath, linkClick, routes, studyPath } from '../router';
import { nextStep } from '../theory';

/**
 * A theory test's result: Đạt / Chưa đạt against the pass mark, the attempts left and when the
 * next may start, and one button to the next step (a theory test has no board).
 */
export function TheoryVerdict({ outcome, maxScore }: { outcome: TheoryOutcome; maxScore: number | null }) {
  const o = outcome;
  const step = nextStep(o);
  const href =
    step.kind === 'certificate'
      ? certificatePath(step.code)
      : o.new_members_course
        ? routes.theory
        : studyPath(o.course_id);
  const markPoints = maxScore ? Math.ceil((o.pass_mark * maxScore) / 100) : null;
  return (
    <>
      <section
        class={`card verdict verdict--${o.passed ? 'pass' : 'fail'}`}
        aria-label="Kết luận bài kiểm tra"
        data-testid="verdict"
        data-passed={String(o.passed)}
      >
        <p class="verdict__word">{o.passed ? 'Đạt' : 'Chưa đạt'}</p>
        {o.lesson && (
          <p class="verdict__lesson">
            Bài {o.lesson.position}: {o.lesson.title}
          </p>
        )}
        <dl class="result__facts">
          <div>
            <dt>Điểm đạt</dt>
            <dd data-testid="pass-mark">
              từ {o.pass_mark}%{markPoints !== null && ` (${markPoints}/${maxScore} điểm)`}
            </dd>
          </div>
          <div>
            <dt>Số lượt đã làm</dt>
            <dd data-testid="attempts-left">
              {o.attempts_used}/{o.attempts_allowed ?? 'không giới hạn'}
              {o.attempts_allowed != null && !o.lesson_passed && ` (còn ${Math.max(0, o.attempts_allowed - o.attempts_used)} lượt)`}
            </dd>
          </div>
          {o.next_attempt_at && (
            <div>
              <dt>Làm lại từ</dt>
              <dd data-testid="next-attempt">
                {formatVietnamTime(o.next_attempt_at)} <span class="muted">(giờ Việt Nam)</span>
              </dd>
            </div>
          )}
          <div>
            <dt>Tiến độ khóa học</dt>
            <dd>
              Đạt {o.passed_lessons}/{o.total_lessons} bài
            </dd>
          </div>
        </dl>
        <p class="verdict__advice">{step.advice}</p>
      </section>
      <p class="result__links">
        <a class="button button--primary" href={href} onClick={linkClick(href)} data-testid="next-step">
          {step.label}
        </a>
      </p>
    </>
  );
}
