import { describe, expect, it } from 'vitest';
import type { MyTheoryTest } from './api/types';
import { certificateCodeOf, resolveRoute, routes, studyIdOf, studyPath } from './router';
import { formatCode, formatDateVi, lessonResultText, nextStep, periodText, whyNotStartable } from './theory';

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
  it('a programme other than the theory course leads back to its own page, by its title', () => {
    const back = nextStep({ ...base, may_retry: false, new_members_course: false, course_title: 'Chuyên đề năm 2026' });
    expect(back.label).toBe('Về chương trình học tập');
    const done = nextStep({
      ...base,
      passed: true,
      lesson_passed: true,
      next_lesson: null,
      certificate_code: 'ABCDE12345',
      new_members_course: false,
      course_title: 'Chuyên đề năm 2026',
    });
    expect(done.advice).toContain('«Chuyên đề năm 2026»');
  });
});

describe('study programmes', () => {
  it('periods read as Vietnamese write them', () => {
    expect(periodText({ opens_on: '2026-01-01', due_on: '2026-12-31' })).toBe('Từ 01/01/2026 đến hết 31/12/2026');
    expect(periodText({ opens_on: null, due_on: '2026-02-03' })).toBe('Hạn hoàn thành: 03/02/2026');
    expect(periodText({ opens_on: '2026-02-03', due_on: null })).toBe('Từ 03/02/2026');
    expect(periodText({ opens_on: null, due_on: null })).toBeNull();
  });
  it('a programme page needs a session and a well-formed id', () => {
    const id = '01a244a9-4d3f-7196-a0d7-3cfb40b270e6';
    expect(studyIdOf(studyPath(id))).toBe(id);
    expect(studyIdOf('/hoc-tap/<script>')).toBeNull();
    expect(resolveRoute(studyPath(id), true)).toBe(studyPath(id));
    expect(resolveRoute(studyPath(id), false)).toBe(routes.login);
    expect(resolveRoute(routes.study, true)).toBe(routes.study);
    expect(resolveRoute(routes.study, false)).toBe(routes.login);
  });
});
