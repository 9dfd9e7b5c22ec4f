import type { ComponentChildren } from 'preact';
import { formatVietnam, fromVietnamInput } from '../kit/vnTime';
import { PREDICTION_LABEL, REVIEW_LABEL, questionsPerAttempt, type Prediction, type Review, type RoundForm } from './model';
import { PoolEditor } from './PoolEditor';

interface RoundFieldsProps {
  form: RoundForm;
  set: (change: Partial<RoundForm>) => void;
  unitId: string;
  errors: Record<string, string>;
  /** Settings the server says may no longer change (a started round). */
  locked?: Set<string>;
  onEnough: (enough: boolean | null) => void;
  /** A theory test's rounds have no prediction question. */
  theory?: boolean;
}

/** A round's settings: times in Vietnam time, limits, shuffling, review, prediction and the pool. */
export function RoundFields({ form, set, unitId, errors, locked = new Set(), onEnough, theory }: RoundFieldsProps) {
  const is = (f: string) => locked.has(f);
  return (
    <div class="round-form">
      <Field id="round-name" label="Tên vòng thi" error={errors['name']}>
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
        <Field id="round-attempts" label="Số lượt thi mỗi người" error={errors['attempts_allowed']} locked={is('attempts_allowed')} hint="Để trống: không giới hạn. Lượt có điểm cao nhất được tính.">
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
          {(Object.keys(REVIEW_LABEL) as Review[]).map((r) => (
            <option key={r} value={r}>
              {REVIEW_LABEL[r]}
            </option>
          ))}
        </select>
      </Field>
      {!theory && (
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
      <label class="checkbox">
        <input type="checkbox" disabled={is('practice')} checked={form.practice} onChange={(e) => set({ practice: (e.target as HTMLInputElement).checked })} />
        <span>Vòng thi thử (không tính điểm, không xếp hạng)</span>
      </label>
      <PoolEditor form={form} set={set} unitId={unitId} errors={errors} disabled={is('pool')} onEnough={onEnough} />
    </div>
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
