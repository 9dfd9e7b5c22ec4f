import { describe, expect, it } from 'vitest';
import type { MyTheoryTest } from './api/types';
import { certificateCodeOf, resolveRoute, routes } from './router';
import { formatCode, formatDateVi, lessonResultText, nextStep, whyNotStartable } from './theory';

const test: MyTheoryTest = {
  round_id: 'r',
  contest_id: 'c',
  contest_title: 'Kiểm tra lý luận',
  name: 'Bài 1',
  pass_mark: 80,
  questions_per_attempt: 10,
  time_limit_seconds: 900,
  attempts_allowed: 3,
  attempts_used: 1,
  retry_wait_minutes: 0,
  next_attempt_at: null,
  opens_at: '2026-01-01T00:00:00Z',
  closes_at: '2027-01-01T00:00:00Z',
  state: 'open',
};

describe('lesson status wording', () => {
  it('says not tested, tested with the best score, or passed with the date', () => {
    const none = { status: 'not_tested' as const, best_score: null, best_max_score: null, best_percent: null, passed_at: null };
    expect(lessonResultText(none)).toBe('Chưa kiểm tra');
    expect(lessonResultText({ ...none, status: 'tested', best_score: 60, best_max_score: 100, best_percent: 60 })).toBe(
      'Đã kiểm tra – cao nhất 60/100 điểm (60%)',
    );
    expect(
      lessonResultText({ ...none, status: 'passed', best_score: 80, best_max_score: 100, best_percent: 80, passed_at: '2026-05-11T20:00:00Z' }),
    ).toBe('Đạt (12/05/2026) – cao nhất 80/100 điểm (80%)');
  });

  it('writes dates in Vietnam time', () => {
    expect(formatDateVi('2026-12-31T17:30:00Z')).toBe('01/01/2027');
  });
});

describe('starting a test', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  it('is possible while open with attempts left and no wait', () => {
    expect(whyNotStartable(test, now)).toBeNull();
  });
  it('explains each reason it is not', () => {
    expect(whyNotStartable({ ...test, state: 'upcoming' }, now)).toMatch(/chưa mở/);
    expect(whyNotStartable({ ...test, state: 'closed' }, now)).toMatch(/đã đóng/);
    expect(whyNotStartable({ ...test, attempts_used: 3 }, now)).toMatch(/hết số lượt/);
    expect(whyNotStartable({ ...test, next_attempt_at: '2026-06-01T00:30:00Z' }, now)).toMatch(/01\/06\/2026/);
    expect(whyNotStartable({ ...test, next_attempt_at: '2026-05-31T23:00:00Z' }, now)).toBeNull();
  });
});

describe('certificate pages', () => {
  it('are public, with or without a session', () => {
    expect(resolveRoute('/certificates/ABCDE-12345', false)).toBe('/certificates/ABCDE-12345');
    expect(resolveRoute('/certificates/abcde12345', true)).toBe('/certificates/abcde12345');
    expect(resolveRoute('/certificates/<script>', false)).toBe(routes.login);
    expect(certificateCodeOf('/certificates/ABCDE-12345')).toBe('ABCDE-12345');
    expect(certificateCodeOf('/certificates/short')).toBeNull();
  });
  it('keep the theory page for members only', () => {
    expect(resolveRoute(routes.theory, true)).toBe(routes.theory);
    expect(resolveRoute(routes.theory, false)).toBe(routes.login);
  });
  it('print codes with a dash', () => {
    expect(formatCode('abcde12345')).toBe('ABCDE-12345');
    expect(formatCode('ABCDE-12345')).toBe('ABCDE-12345');
  });
});

describe('nextStep of a theory result', () => {
  const base = {
    passed: false,
    lesson_passed: false,
    may_retry: true,
    next_attempt_at: null,
    next_lesson: { lesson_id: 'l1', position: 1, title: 'Lịch sử Đoàn' },
    certificate_code: null,
  };
  it('a failed lesson with attempts left: study and retake', () => {
    expect(nextStep(base)).toMatchObject({ kind: 'theory', label: 'Ôn bài và làm lại' });
    expect(nextStep({ ...base, next_attempt_at: '2026-12-04T09:00:00Z' }).advice).toContain('khi đến giờ');
  });
  it('no attempts left: says so, never offers a retake', () => {
    const s = nextStep({ ...base, may_retry: false });
    expect(s.label).toBe('Về Học lý luận');
    expect(s.advice).toContain('hết lượt');
  });
  it('a passed lesson leads to the next one', () => {
    const s = nextStep({
      ...base,
      passed: true,
      lesson_passed: true,
      may_retry: false,
      next_lesson: { lesson_id: 'l2', position: 2, title: 'Điều lệ Đoàn' },
    });
    expect(s.label).toBe('Học bài tiếp theo: Bài 2');
    expect(s.advice).toContain('Điều lệ Đoàn');
  });
  it('the last lesson passed leads to the certificate', () => {
    const s = nextStep({ ...base, passed: true, lesson_passed: true, next_lesson: null, certificate_code: 'ABCDE12345' });
    expect(s).toMatchObject({ kind: 'certificate', code: 'ABCDE12345', label: 'Xem giấy chứng nhận' });
  });
});
