// The contest pages' shapes and words: the server's schemas under short names, the Vietnamese
// labels of every enum, the defaults of a new contest and round, and the conversion of the
// wizard's form into the server's request bodies. No rule lives here that the server does not
// also enforce; the server stays the judge (its 422 lands on the field it names).

import type { components } from '../../api/schema';
import { fromVietnamInput, toVietnamInput } from '../kit/vnTime';

type S = components['schemas'];
export type Contest = S['ContestResponse'];
export type ContestList = S['ContestList'];
export type Round = S['RoundResponse'];
export type RoundList = S['RoundList'];
export type CreateContest = S['CreateContestRequest'];
export type CreateRound = S['CreateRoundRequest'];
export type UpdateRound = S['UpdateRoundRequest'];
export type PoolAvailability = S['PoolAvailability'];
export type Topic = S['TopicItem'];
export type UnitRow = S['UnitResponse'];
export type UnitList = S['UnitList'];
export type ContestKind = Contest['kind'];
export type ContestStatus = Contest['status'];
export type Visibility = Contest['leaderboard_visibility'];
export type TieBreakKey = S['TieBreakKey'];
export type ExcludedRole = S['ExcludedRole'];
export type Review = Round['review'];
export type Prediction = NonNullable<Round['prediction']>;
export type Difficulty = 'easy' | 'medium' | 'hard';

export const STATUS_LABEL: Record<ContestStatus, string> = {
  draft: 'Nháp',
  open: 'Đang mở',
  ended: 'Đã kết thúc',
};
export const STATUS_CLASS: Record<ContestStatus, string> = {
  draft: 'status status--draft',
  open: 'status status--open',
  ended: 'status status--closed',
};
export const KIND_LABEL: Record<ContestKind, string> = {
  contest: 'Cuộc thi',
  theory_test: 'Bài kiểm tra lý luận',
  practice: 'Thi thử (không tính điểm)',
};
export const VISIBILITY_LABEL: Record<Visibility, string> = {
  public: 'Công khai (ai cũng xem được)',
  members: 'Đoàn viên đã đăng nhập',
  organizers: 'Chỉ Ban Tổ chức',
};
export const TIE_BREAK_LABEL: Record<TieBreakKey, string> = {
  score: 'Điểm cao hơn',
  prediction: 'Dự đoán gần đúng hơn',
  time_used: 'Thời gian làm bài ít hơn',
  finished_at: 'Nộp bài sớm hơn',
};
export const ROLE_LABEL: Record<ExcludedRole, string> = {
  organizer: 'Ban Tổ chức (mọi cấp)',
  unit_admin: 'Quản trị đơn vị',
};
export const REVIEW_LABEL: Record<Review, string> = {
  none: 'Không xem gì sau khi nộp bài',
  score_only: 'Chỉ xem điểm',
  after_close: 'Xem điểm, đáp án và giải thích sau khi vòng thi kết thúc',
};
export const PREDICTION_LABEL: Record<Prediction, string> = {
  all_correct: 'Dự đoán số người trả lời đúng tất cả các câu hỏi',
  participants: 'Dự đoán số người tham gia',
};
export const DIFFICULTY_LABEL: Record<Difficulty, string> = { easy: 'Dễ', medium: 'Trung bình', hard: 'Khó' };

/** What the server calls each round setting, in Vietnamese (for the locked-field notice). */
export const ROUND_FIELD_LABEL: Record<string, string> = {
  name: 'Tên vòng thi',
  opens_at: 'Thời gian mở',
  closes_at: 'Thời gian đóng',
  questions_per_attempt: 'Số câu hỏi mỗi lượt',
  time_limit_seconds: 'Thời gian làm bài',
  attempts_allowed: 'Số lượt thi',
  shuffle_questions: 'Đảo thứ tự câu hỏi',
  shuffle_options: 'Đảo thứ tự phương án',
  pool: 'Nguồn câu hỏi',
  prediction: 'Câu hỏi dự đoán',
  points_per_question: 'Điểm mỗi câu',
  review: 'Xem lại sau khi nộp bài',
  practice: 'Vòng thi thử',
  theory: 'Bài học được kiểm tra',
};

export const DEFAULT_TIE_BREAK: TieBreakKey[] = ['score', 'prediction', 'time_used', 'finished_at'];

export interface Tier {
  name: string;
  count: number;
}

/** The wizard's contest form (kept as a draft in localStorage). */
export interface ContestForm {
  title: string;
  description: string;
  rules: string;
  unitId: string;
  /** Eligible subtree; '' = anyone registered. */
  eligibleUnitId: string;
  excludedUnits: { id: string; name: string }[];
  excludedRoles: ExcludedRole[];
  managersMayEnter: boolean;
  kind: ContestKind;
  visibility: Visibility;
  tieBreak: TieBreakKey[];
  perfectOnly: boolean;
  passMark: string;
  roundPrizes: Tier[];
}

export interface QuotaRow {
  topic: string;
  difficulty: '' | Difficulty;
  count: number;
}

/** A round's form; times are Vietnam-time `datetime-local` values. */
export interface RoundForm {
  name: string;
  opensAt: string;
  closesAt: string;
  minutes: number;
  attemptsAllowed: string;
  shuffleQuestions: boolean;
  shuffleOptions: boolean;
  review: Review;
  prediction: '' | Prediction;
  pointsPerQuestion: number;
  practice: boolean;
  poolMode: 'quotas' | 'questions';
  quotas: QuotaRow[];
  questionIds: string[];
}

export function newContestForm(unitId: string): ContestForm {
  return {
    title: '',
    description: '',
    rules: '',
    unitId,
    // Issue #11: a new contest is for the host unit's own members, organizers excluded.
    eligibleUnitId: unitId,
    excludedUnits: [],
    excludedRoles: [],
    managersMayEnter: false,
    kind: 'contest',
    visibility: 'members',
    tieBreak: [...DEFAULT_TIE_BREAK],
    perfectOnly: false,
    passMark: '80',
    roundPrizes: [
      { name: 'Giải Nhất', count: 1 },
      { name: 'Giải Nhì', count: 2 },
      { name: 'Giải Ba', count: 3 },
      { name: 'Giải Khuyến khích', count: 5 },
    ],
  };
}

/** Tomorrow 08:00 to a week later 20:00, Vietnam time. */
export function newRoundForm(now = Date.now()): RoundForm {
  const day = 24 * 3600 * 1000;
  const date = (t: number) => toVietnamInput(new Date(t).toISOString()).slice(0, 10);
  return {
    name: 'Tuần thi thứ 1',
    opensAt: `${date(now + day)}T08:00`,
    closesAt: `${date(now + 7 * day)}T20:00`,
    minutes: 10,
    attemptsAllowed: '3',
    shuffleQuestions: true,
    shuffleOptions: true,
    review: 'after_close',
    prediction: 'all_correct',
    pointsPerQuestion: 1,
    practice: false,
    poolMode: 'quotas',
    quotas: [{ topic: '', difficulty: '', count: 5 }],
    questionIds: [],
  };
}

export function contestBody(f: ContestForm): CreateContest {
  return {
    title: f.title.trim(),
    description: f.description,
    rules: f.rules,
    unit_id: f.unitId,
    kind: f.kind,
    eligibility: {
      unit_id: f.eligibleUnitId || null,
      excluded_unit_ids: f.excludedUnits.map((u) => u.id),
      excluded_roles: f.excludedRoles,
      managers_may_enter: f.managersMayEnter,
    },
    leaderboard_visibility: f.visibility,
    tie_break: f.tieBreak,
    perfect_only: f.perfectOnly,
    pass_mark: f.kind === 'theory_test' ? Number(f.passMark) : null,
    prizes: {
      round: f.kind === 'contest' ? f.roundPrizes.filter((t) => t.name.trim() && t.count > 0) : [],
    },
  };
}

export function poolOf(f: RoundForm): CreateRound['pool'] {
  return f.poolMode === 'questions'
    ? { question_ids: f.questionIds }
    : {
        quotas: f.quotas
          .filter((q) => q.topic)
          .map((q) => ({ topic: q.topic, difficulty: q.difficulty || null, count: q.count })),
      };
}

/** Questions per attempt: the quotas' sum, or the questions listed. */
export function questionsPerAttempt(f: RoundForm): number {
  return f.poolMode === 'quotas' ? f.quotas.reduce((n, q) => n + (q.topic ? q.count : 0), 0) : f.questionIds.length;
}

export function roundBody(f: RoundForm): CreateRound {
  return {
    name: f.name.trim(),
    opens_at: fromVietnamInput(f.opensAt) ?? f.opensAt,
    closes_at: fromVietnamInput(f.closesAt) ?? f.closesAt,
    questions_per_attempt: questionsPerAttempt(f),
    time_limit_seconds: Math.round(f.minutes * 60),
    attempts_allowed: f.attemptsAllowed === '' ? null : Number(f.attemptsAllowed),
    shuffle_questions: f.shuffleQuestions,
    shuffle_options: f.shuffleOptions,
    review: f.review,
    prediction: f.prediction || null,
    points_per_question: f.pointsPerQuestion,
    practice: f.practice,
    pool: poolOf(f),
  };
}

export function roundFormOf(r: Round): RoundForm {
  const pool = r.pool;
  const quotas = pool && 'quotas' in pool ? pool.quotas : null;
  return {
    name: r.name,
    opensAt: toVietnamInput(r.opens_at),
    closesAt: toVietnamInput(r.closes_at),
    minutes: r.time_limit_seconds / 60,
    attemptsAllowed: r.attempts_allowed == null ? '' : String(r.attempts_allowed),
    shuffleQuestions: r.shuffle_questions,
    shuffleOptions: r.shuffle_options,
    review: r.review,
    prediction: r.prediction ?? '',
    pointsPerQuestion: r.points_per_question,
    practice: r.practice,
    poolMode: quotas ? 'quotas' : 'questions',
    quotas: quotas
      ? quotas.map((q) => ({ topic: q.topic, difficulty: (q.difficulty ?? '') as QuotaRow['difficulty'], count: q.count }))
      : [],
    questionIds: pool && 'question_ids' in pool ? pool.question_ids : [],
  };
}

/** "10 phút", "1 giờ 30 phút". */
export function formatMinutes(seconds: number): string {
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} phút`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} giờ ${m % 60} phút` : `${h} giờ`;
}

/** The server's pointer of a round field ("/pool/quotas/1/count") as the form's key ("pool.quotas.1.count"). */
export const key = (pointer: string) => pointer.replace(/^\//, '').replace(/\//g, '.');
