import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runningAttemptId } from '../attempt/store';
import { FIELD_CODE_MESSAGES, PROBLEM_MESSAGES, fieldMessage, problemMessage } from './messages';
import type { Problem } from './types';

// The committed contract (scripts/gen-api.sh writes it from the server; CI fails on drift).
const doc = JSON.parse(readFileSync(new URL('./openapi.json', import.meta.url), 'utf8')) as {
  components: { schemas: Record<string, { enum?: string[] }> };
};
const problemCodes = doc.components.schemas.ProblemCode?.enum ?? [];
const fieldCodes = doc.components.schemas.FieldErrorCode?.enum ?? [];

/** Vietnamese: at least one letter only Vietnamese has (ă, â, đ, ê, ô, ơ, ư or a tone mark). */
const VIETNAMESE = /[ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵằắẳẵặầấẩẫậềếểễệồốổỗộờớởỡợừứửữự]/i;

/** A problem of `code` with every extension set, to exercise the messages that use them. */
function full(code: string): Problem {
  return {
    status: 409,
    code,
    detail: 'English the app must never show',
    opens_at: '2026-12-05T01:30:00Z',
    allowed_at: '2026-12-05T10:05:00Z',
    attempts_allowed: 3,
  };
}

describe('messages per code', () => {
  it('the committed document lists the codes', () => {
    expect(problemCodes.length).toBeGreaterThan(30);
    expect(problemCodes).toContain('attempt_in_progress');
    expect(problemCodes).toContain('managers_may_not_enter');
    expect(problemCodes).toContain('reads_answer_key');
    expect(fieldCodes).toEqual(['invalid', 'required', 'unknown_field', 'invalid_type', 'taken']);
  });

  it.each(problemCodes)('problem code %s has a Vietnamese message', (code) => {
    expect(Object.keys(PROBLEM_MESSAGES)).toContain(code);
    for (const p of [full(code), { status: 409, code }]) {
      const message = problemMessage(p, 409);
      expect(message).toMatch(VIETNAMESE);
      expect(message).not.toContain('English');
    }
  });

  it.each(fieldCodes)('field error code %s has a Vietnamese message', (code) => {
    expect(Object.keys(FIELD_CODE_MESSAGES)).toContain(code);
    for (const field of ['phone', 'some_field_the_forms_do_not_have']) {
      expect(fieldMessage({ pointer: `/${field}`, code, detail: 'English' }, field)).toMatch(VIETNAMESE);
    }
  });

  it('has no message for a code the server does not send', () => {
    expect(Object.keys(PROBLEM_MESSAGES).filter((c) => !problemCodes.includes(c))).toEqual([]);
    expect(Object.keys(FIELD_CODE_MESSAGES).filter((c) => !fieldCodes.includes(c))).toEqual([]);
  });
});

describe('messages from extensions, in Vietnam time', () => {
  it('says when a round opens, or when it closed', () => {
    expect(problemMessage({ code: 'round_not_open', opens_at: '2026-12-04T17:00:00Z' }, 409)).toBe(
      'Vòng thi chưa mở. Vòng thi mở lúc 00:00 ngày 05/12/2026 (giờ Việt Nam).',
    );
    expect(problemMessage({ code: 'round_not_open', closes_at: '2026-12-04T09:58:00Z' }, 409)).toBe(
      'Vòng thi đã kết thúc lúc 16:58 ngày 04/12/2026 (giờ Việt Nam).',
    );
  });

  it('says when the next theory attempt may start and how many attempts a round allows', () => {
    expect(problemMessage({ code: 'retry_too_soon', allowed_at: '2026-12-05T10:05:00Z' }, 409)).toBe(
      'Chưa thể làm lại ngay. Lượt tiếp theo được bắt đầu từ 17:05 ngày 05/12/2026 (giờ Việt Nam).',
    );
    expect(problemMessage({ code: 'attempts_exhausted', attempts_allowed: 3 }, 409)).toBe(
      'Bạn đã dùng hết 3 lượt thi của vòng thi này.',
    );
  });

  it('tells organizers and key readers why they may not enter', () => {
    expect(problemMessage({ status: 403, code: 'managers_may_not_enter' }, 403)).toMatch(/^Bạn thuộc Ban Tổ chức cuộc thi này nên không được dự thi/);
    expect(problemMessage({ status: 403, code: 'reads_answer_key' }, 403)).toMatch(/^Bạn có quyền xem đáp án .* nên không được dự thi/);
  });
});

describe('the running attempt', () => {
  it('comes from the attempt_id extension, not from the English detail', () => {
    const id = '0192f0c4-1111-7000-8000-000000000001';
    expect(runningAttemptId({ code: 'attempt_in_progress', attempt_id: id, detail: 'whatever' })).toBe(id);
    expect(
      runningAttemptId({ code: 'attempt_in_progress', detail: `attempt ${id} is still running; resume or finish it first` }),
    ).toBeNull();
    expect(runningAttemptId({ code: 'round_not_open', attempt_id: id })).toBeNull();
  });
});
