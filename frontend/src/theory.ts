// Pure helpers of the political-theory pages (Học lý luận, certificates): labels and the
// wording of a lesson's result, kept out of the components so they are unit-tested.

import type { Audience, LessonStatus, MyLesson, MyTheoryTest, ProgrammePhase, TheoryOutcome } from './api/types';

export const STATUS_LABEL: Record<LessonStatus, string> = {
  not_tested: 'Chưa kiểm tra',
  tested: 'Đã kiểm tra',
  passed: 'Đạt',
};

export const PHASE_LABEL: Record<ProgrammePhase, string> = {
  open: 'Đang học',
  upcoming: 'Sắp mở',
  ended: 'Đã hết hạn',
};

/** A calendar date (yyyy-mm-dd, already a Vietnam date) as dd/mm/yyyy. */
export function formatDay(day: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : day;
}

/** A programme's period in words: "Từ 01/01/2026 đến hết 31/12/2026", "Hạn hoàn thành: …", or null. */
export function periodText(a: Pick<Audience, 'opens_on' | 'due_on'>): string | null {
  const from = a.opens_on ? formatDay(a.opens_on) : null;
  const to = a.due_on ? formatDay(a.due_on) : null;
  if (from && to) return `Từ ${from} đến hết ${to}`;
  if (to) return `Hạn hoàn thành: ${to}`;
  if (from) return `Từ ${from}`;
  return null;
}

/** A date as Vietnamese write it (dd/mm/yyyy), in Vietnam time. */
export function formatDateVi(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const vn = new Date(d.getTime() + 7 * 3600 * 1000);
  const dd = String(vn.getUTCDate()).padStart(2, '0');
  const mm = String(vn.getUTCMonth() + 1).padStart(2, '0');
  return `${dd}/${mm}/${vn.getUTCFullYear()}`;
}

/** "Đạt (12/05/2026)", "Đã kiểm tra – cao nhất 6/10 điểm (60%)", "Chưa kiểm tra". */
export function lessonResultText(lesson: Pick<MyLesson, 'status' | 'best_score' | 'best_max_score' | 'best_percent' | 'passed_at'>): string {
  const best =
    lesson.best_score !== null && lesson.best_max_score !== null
      ? ` – cao nhất ${lesson.best_score}/${lesson.best_max_score} điểm (${lesson.best_percent ?? 0}%)`
      : '';
  if (lesson.status === 'passed') {
    return `${STATUS_LABEL.passed}${lesson.passed_at ? ` (${formatDateVi(lesson.passed_at)})` : ''}${best}`;
  }
  if (lesson.status === 'tested') return `${STATUS_LABEL.tested}${best}`;
  return STATUS_LABEL.not_tested;
}

/** Why a test cannot be started now, or null when it can. */
export function whyNotStartable(test: MyTheoryTest, now: Date): string | null {
  if (test.state === 'upcoming') return 'Bài kiểm tra chưa mở.';
  if (test.state === 'closed') return 'Bài kiểm tra đã đóng.';
  if (test.attempts_allowed != null && test.attempts_used >= test.attempts_allowed) {
    return 'Bạn đã dùng hết số lượt kiểm tra.';
  }
  if (test.next_attempt_at && new Date(test.next_attempt_at).getTime() > now.getTime()) {
    return `Lượt tiếp theo được làm từ ${new Date(test.next_attempt_at).toLocaleTimeString('vi-VN', {
      timeZone: 'Asia/Ho_Chi_Minh',
      hour: '2-digit',
      minute: '2-digit',
    })} ngày ${formatDateVi(test.next_attempt_at)}.`;
  }
  return null;
}

/** A certificate code as printed: upper case, a dash after the fifth character. */
export function formatCode(code: string): string {
  const plain = code.replace(/[-\s]/g, '').toUpperCase();
  return plain.length === 10 ? `${plain.slice(0, 5)}-${plain.slice(5)}` : plain;
}

/** Where a theory result leads, with the words for its button and a sentence of advice. */
export type NextStep =
  | { kind: 'certificate'; code: string; label: string; advice: string }
  | { kind: 'theory'; label: string; advice: string };

export function nextStep(
  o: Pick<TheoryOutcome, 'passed' | 'lesson_passed' | 'may_retry' | 'next_attempt_at' | 'next_lesson' | 'certificate_code'> &
    Partial<Pick<TheoryOutcome, 'new_members_course' | 'course_title'>>,
): NextStep {
  // The new members' course has its own page (Học lý luận); other programmes are under Học tập.
  const programme = o.new_members_course === false;
  const back = programme ? 'Về chương trình học tập' : 'Về Học lý luận';
  if (o.certificate_code && !o.next_lesson) {
    return {
      kind: 'certificate',
      code: o.certificate_code,
      label: 'Xem giấy chứng nhận',
      advice: programme
        ? `Chúc mừng bạn đã hoàn thành chương trình «${o.course_title ?? ''}».`
        : 'Chúc mừng bạn đã hoàn thành chương trình học lý luận chính trị.',
    };
  }
  if (o.lesson_passed) {
    const next = o.next_lesson;
    return {
      kind: 'theory',
      label: next ? `Học bài tiếp theo: Bài ${next.position}` : back,
      advice: next ? `Bài tiếp theo: Bài ${next.position}. ${next.title}.` : 'Bạn đã đạt bài này.',
    };
  }
  if (!o.may_retry) {
    return {
      kind: 'theory',
      label: back,
      advice: 'Bạn đã hết lượt làm bài này. Vui lòng liên hệ Đoàn cơ sở để được hướng dẫn.',
    };
  }
  return {
    kind: 'theory',
    label: 'Ôn bài và làm lại',
    advice: o.next_attempt_at
      ? 'Hãy ôn lại tài liệu của bài, rồi làm lại khi đến giờ.'
      : 'Hãy ôn lại tài liệu của bài, rồi làm lại.',
  };
}

/** Where files uploaded as study materials are served (the server's `/materials/{name}`). */
const UPLOADED_MATERIAL = '/api/v1/materials/';

/** Whether a material's address is a file uploaded to this server (not an outside link). */
export function isUploadedMaterial(url: string): boolean {
  return url.startsWith(UPLOADED_MATERIAL);
}

/** What a study material is, for the lists members and organizers read. */
export function materialKind(url: string): 'PDF' | 'Ảnh' | 'Liên kết' {
  if (!isUploadedMaterial(url)) return 'Liên kết';
  return url.endsWith('.pdf') ? 'PDF' : 'Ảnh';
}

/** What a member reads beside a material's title: `PDF`, `Ảnh`, or the site a link goes to. */
export function materialNote(url: string): string {
  const kind = materialKind(url);
  if (kind !== 'Liên kết') return kind;
  try {
    return new URL(url).host.replace(/^www\./, '');
  } catch {
    return kind;
  }
}
