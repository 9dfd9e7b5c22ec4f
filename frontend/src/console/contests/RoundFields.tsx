import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../../api';
import { formatVietnam, fromVietnamInput } from '../kit/vnTime';
import {
  isLearning,
  PREDICTION_LABEL,
  questionsPerAttempt,
  REVIEW_LABEL,
  reviewChoices,
  type ContestKind,
  type Course,
  type CourseList,
  type Prediction,
  type Review,
  type RoundForm,
} from './model';
import { PoolEditor } from './PoolEditor';

interface RoundFieldsProps {
  form: RoundForm;
  set: (change: Partial<RoundForm>) => void;
  unitId: string;
  errors: Record<string, string>;
  /** Settings the server says may no longer change (a started round). */
  locked?: Set<string>;
  onEnough: (enough: boolean | null) => void;
  /**
   * The contest's kind: a theory test's round says which lesson it tests, its pass mark and
   * the wait between attempts; a theory test's or a practice contest's has no prediction
   * question, no practice switch, and may show the key right after each attempt.
   */
  kind: ContestKind;
  /** The contest's pass mark, which a theory test's round takes unless it sets its own. */
  contestPassMark?: number | null;
}

/** A round's settings: times in Vietnam time, limits, shuffling, review, prediction and the pool. */
export function RoundFields({ form, set, unitId, errors, locked = new Set(), onEnough, kind, contestPassMark }: RoundFieldsProps) {
  const is = (f: string) => locked.has(f);
  const theory = kind === 'theory_test';
  const learning = isLearning(kind, form.practice);
  const reviews = reviewChoices(kind, form.practice);
  return (
    <div class="round-form">
      {theory && <TheoryFields form={form} set={set} errors={errors} locked={is('theory')} contestPassMark={contestPassMark ?? null} />}
      <Field id="round-name" label={theory ? 'Tên bài kiểm tra' : 'Tên vòng thi'} error={errors['name']}>
        <input id="round-name" type="text" maxLength={200} value={form.name} onInput={(e) => set({ name: (e.target as HTMLInputElement).value })} />
      </Field>
      <div class="round-form__pair">
        <Field id="round-opens" label="Mở lúc (giờ Việt Nam)" error={errors['opens_at']} locked={is('opens_at')}>
          <input id="round-opens" type="datetime-local" disabled={is('opens_at')} value={form.opensAt} onInput={(e) => set({ opensAt: (e.target as HTMLInputElement).value })} />
          <Echo value={form.opensAt} />
        </Field>
        <Field id="round-closes" label="Đóng lúc (giờ Việt Nam)" error={errors['closes_at']} hint={locked.size ? 'Chỉ có thể lùi muộn hơn (gia hạn).' : undefined}>
          <input id="round-closes" type="datetime-local" value={form.closesAt} onInput={(e) => set({ closesAt: (e.target as HTMLInputElement).value })} />
          <Echo value={form.closesAt} />
        </Field>
      </div>
      <div class="round-form__pair">
        <Field id="round-minutes" label="Thời gian làm bài (phút)" error={errors['time_limit_seconds']} locked={is('time_limit_seconds')}>
          <input
            id="round-minutes"
            type="number"
            min={1}
            max={240}
            inputMode="numeric"
            disabled={is('time_limit_seconds')}
            value={form.minutes}
            onInput={(e) => set({ minutes: Number((e.target as HTMLInputElement).value) || 0 })}
          />
        </Field>
        <Field
          id="round-attempts"
          label="Số lượt thi mỗi người"
          error={errors['attempts_allowed']}
          locked={is('attempts_allowed')}
          hint={theory ? 'Để trống: không giới hạn. Chỉ cần một lượt đạt.' : learning ? 'Để trống: không giới hạn.' : 'Để trống: không giới hạn. Lượt có điểm cao nhất được tính.'}
        >
          <input
            id="round-attempts"
            type="number"
            min={1}
            max={1000}
            inputMode="numeric"
            disabled={is('attempts_allowed')}
            value={form.attemptsAllowed}
            onInput={(e) => set({ attemptsAllowed: (e.target as HTMLInputElement).value })}
          />
        </Field>
      </div>
      <p class="round-form__count">
        Số câu hỏi mỗi lượt: <strong data-testid="questions-per-attempt">{questionsPerAttempt(form)}</strong>
        {errors['questions_per_attempt'] && <span class="field-error"> {errors['questions_per_attempt']}</span>}
      </p>
      <fieldset class="round-form__checks" disabled={is('shuffle_questions')}>
        <legend>Đảo thứ tự</legend>
        <label class="checkbox">
          <input type="checkbox" checked={form.shuffleQuestions} onChange={(e) => set({ shuffleQuestions: (e.target as HTMLInputElement).checked })} />
          <span>Đảo thứ tự câu hỏi cho mỗi lượt thi</span>
        </label>
        <label class="checkbox">
          <input type="checkbox" checked={form.shuffleOptions} onChange={(e) => set({ shuffleOptions: (e.target as HTMLInputElement).checked })} />
          <span>Đảo thứ tự phương án trả lời</span>
        </label>
        {(!form.shuffleOptions || !form.shuffleQuestions) && (
          <p class="message message--warn">Nên bật đảo thứ tự: nếu tắt, thí sinh dễ truyền tay đáp án theo số thứ tự câu hoặc chữ cái A, B, C, D.</p>
        )}
      </fieldset>
      <Field id="round-review" label="Sau khi nộp bài, thí sinh được xem" error={errors['review']} locked={is('review')}>
        <select id="round-review" disabled={is('review')} value={form.review} onChange={(e) => set({ review: (e.target as HTMLSelectElement).value as Review })}>
          {(reviews.includes(form.review) ? reviews : [...reviews, form.review]).map((r) => (
            <option key={r} value={r}>
              {REVIEW_LABEL[r]}
            </option>
          ))}
        </select>
      </Field>
      {!learning && (
        <Field id="round-prediction" label="Câu hỏi dự đoán" error={errors['prediction']} locked={is('prediction')}>
          <select id="round-prediction" disabled={is('prediction')} value={form.prediction} onChange={(e) => set({ prediction: (e.target as HTMLSelectElement).value as Prediction | '' })}>
            <option value="">Không có câu hỏi dự đoán</option>
            {(Object.keys(PREDICTION_LABEL) as Prediction[]).map((p) => (
              <option key={p} value={p}>
                {PREDICTION_LABEL[p]}
              </option>
            ))}
          </select>
        </Field>
      )}
      {kind === 'contest' && (
        <label class="checkbox">
          <input
            type="checkbox"
            disabled={is('practice')}
            checked={form.practice}
            onChange={(e) => {
              const practice = (e.target as HTMLInputElement).checked;
              // A ranked round may not show the key while it is open.
              set(practice ? { practice } : { practice, review: form.review === 'after_each_attempt' ? 'after_close' : form.review });
            }}
          />
          <span>Vòng thi thử (không tính điểm, không xếp hạng)</span>
        </label>
      )}
      {learning && (
        <p class="hint" data-testid="round-learning-note">
          {theory
            ? 'Bài kiểm tra lý luận không có bảng xếp hạng và câu hỏi dự đoán: mỗi đoàn viên được đánh giá đạt hoặc chưa đạt theo điểm đạt.'
            : 'Thi thử không tính điểm: không có bảng xếp hạng và câu hỏi dự đoán.'}
        </p>
      )}
      <PoolEditor form={form} set={set} unitId={unitId} errors={errors} disabled={is('pool')} onEnough={onEnough} />
    </div>
  );
}

/** The course versions with their lessons, loaded once per page. */
let coursesOnce: Promise<Course[]> | null = null;
function loadCourses(): Promise<Course[]> {
  coursesOnce ??= api
    .request<CourseList>('GET', '/courses')
    .then((d) => d.items)
    .catch((e: unknown) => {
      coursesOnce = null;
      throw e;
    });
  return coursesOnce;
}

/**
 * What a theory test's round tests (one lesson, or the whole course in one combined test),
 * its pass mark if it differs from the contest's, and the wait between two attempts. Choosing
 * a lesson fills an empty pool with the lesson's topic; the whole course, with two questions of
 * each lesson's topic.
 */
function TheoryFields({
  form,
  set,
  errors,
  locked,
  contestPassMark,
}: {
  form: RoundForm;
  set: (change: Partial<RoundForm>) => void;
  errors: Record<string, string>;
  locked: boolean;
  contestPassMark: number | null;
}) {
  const [courses, setCourses] = useState<Course[] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    loadCourses().then(setCourses, () => setFailed(true));
  }, []);
  const choose = (target: string) => {
    const [what, id] = target.split(':');
    const lesson = what === 'lesson' ? courses?.flatMap((c) => c.lessons).find((l) => l.id === id) : undefined;
    const emptyPool = form.poolMode === 'quotas' && form.quotas.every((q) => !q.topic);
    const course = what === 'course' ? courses?.find((c) => c.id === id) : undefined;
    // A name still as proposed follows the choice ("Bài 2", as members see the lessons).
    const proposed = form.name.trim() === '' || /^(Bài kiểm tra|Bài \d+|Kiểm tra tổng hợp)$/.test(form.name.trim());
    const name = lesson ? `Bài ${lesson.position}` : course ? 'Kiểm tra tổng hợp' : null;
    set({
      theoryTarget: target,
      ...(proposed && name ? { name } : {}),
      ...(lesson?.topic && emptyPool ? { quotas: [{ topic: lesson.topic, difficulty: '', count: form.quotas[0]?.count ?? 5 }] } : {}),
      // A combined test draws a few questions from every lesson.
      ...(course && emptyPool && course.lessons.some((l) => l.topic)
        ? { quotas: course.lessons.filter((l) => l.topic).map((l) => ({ topic: l.topic!, difficulty: '' as const, count: 2 })) }
        : {}),
    });
  };
  const targetError = errors['theory'] ?? errors['theory.lesson_id'] ?? errors['theory.course_id'];
  return (
    <fieldset class="round-form__theory" data-testid="theory-fields">
      <legend>Nội dung kiểm tra</legend>
      <Field id="round-lesson" label="Bài học được kiểm tra" error={targetError} locked={locked} hint={failed ? 'Không tải được danh sách bài học. Tải lại trang để thử lại.' : undefined}>
        <select id="round-lesson" disabled={locked || !courses} value={form.theoryTarget} onChange={(e) => choose((e.target as HTMLSelectElement).value)}>
          <option value="">{courses ? '— Chọn bài học —' : 'Đang tải…'}</option>
          {(courses ?? []).map((c) => (
            <optgroup key={c.id} label={`${c.title} (phiên bản ${c.version}${c.active ? '' : ', không còn giảng dạy'})`}>
              {c.lessons.map((l) => (
                <option key={l.id} value={`lesson:${l.id}`}>
                  Bài {l.position}: {l.title}
                </option>
              ))}
              {c.lessons.length > 0 && <option value={`course:${c.id}`}>Kiểm tra tổng hợp cả {c.lessons.length} bài</option>}
            </optgroup>
          ))}
        </select>
      </Field>
      <div class="round-form__pair">
        <Field id="round-pass" label="Điểm đạt của bài này (%)" error={errors['theory.pass_mark']} locked={locked} hint={contestPassMark ? `Để trống: theo điểm đạt của cuộc thi (${contestPassMark}%).` : 'Để trống: theo điểm đạt của cuộc thi.'}>
          <input
            id="round-pass"
            type="number"
            min={1}
            max={100}
            inputMode="numeric"
            disabled={locked}
            placeholder={contestPassMark ? String(contestPassMark) : undefined}
            value={form.theoryPassMark}
            onInput={(e) => set({ theoryPassMark: (e.target as HTMLInputElement).value })}
          />
        </Field>
        <Field id="round-wait" label="Chờ giữa hai lượt (phút)" error={errors['theory.retry_wait_minutes']} locked={locked} hint="0: được làm lại ngay. Tối đa 10080 phút (một tuần).">
          <input
            id="round-wait"
            type="number"
            min={0}
            max={10080}
            inputMode="numeric"
            disabled={locked}
            value={form.retryWaitMinutes}
            onInput={(e) => set({ retryWaitMinutes: Number((e.target as HTMLInputElement).value) || 0 })}
          />
        </Field>
      </div>
    </fieldset>
  );
}

export function Field({ id, label, error, hint, locked, children }: { id: string; label: string; error?: string; hint?: string; locked?: boolean; children: ComponentChildren }) {
  return (
    <div class={`field${error ? ' field--invalid' : ''}`}>
      <label for={id}>
        {label}
        {locked && <span class="lock-tag"> (đã khóa)</span>}
      </label>
      {children}
      {hint && <p class="hint">{hint}</p>}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * The chosen time written out as officers write it ("08:00 05/12/2026"): a browser set to
 * English shows datetime inputs as "12/05/2026, 08:00 AM", which reads as 12 May here.
 */
function Echo({ value }: { value: string }) {
  const iso = fromVietnamInput(value);
  return <p class="field__echo">{iso ? `Tức là ${formatVietnam(iso)} (giờ Việt Nam)` : ''}</p>;
}
