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
export type Course = S['CourseResponse'];
export type CourseList = S['CourseList'];
export type Difficulty = 'easy' | 'medium' | 'hard';
export type UnitPrizeBasis = S['UnitPrizeBasis'];

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
  // Offered only where nothing is ranked (theory tests, practice); the server refuses it elsewhere.
  after_each_attempt: 'Xem điểm, đáp án và giải thích ngay sau mỗi lượt',
};

/**
 * Whether a round is for learning rather than ranking: a theory test's, a practice contest's,
 * or a practice round. Such rounds may show the key right after each attempt, have no
 * prediction question and no board.
 */
export const isLearning = (kind: ContestKind, practice: boolean) => kind !== 'contest' || practice;

/** The review settings a round may take, the most usual first. */
export function reviewChoices(kind: ContestKind, practice: boolean): Review[] {
  return isLearning(kind, practice) ? ['after_each_attempt', 'after_close', 'score_only', 'none'] : ['after_close', 'score_only', 'none'];
}
export const PREDICTION_LABEL: Record<Prediction, string> = {
  all_correct: 'Dự đoán số người trả lời đúng tất cả các câu hỏi',
  participants: 'Dự đoán số người tham gia',
};
export const UNIT_BASIS_LABEL: Record<UnitPrizeBasis, string> = {
  participants: 'Nhiều người dự thi nhất',
  rate: 'Tỷ lệ tham gia cao nhất (số người dự thi ÷ số đoàn viên)',
  weighted: 'Tỷ lệ tham gia (%) cộng điểm cho mỗi giải cá nhân của đơn vị',
};
/** How units are ranked for unit prizes, in a few words for the summary. */
export function unitBasisText(basis: UnitPrizeBasis, points: number): string {
  switch (basis) {
    case 'participants':
      return 'xếp theo số người dự thi';
    case 'rate':
      return 'xếp theo tỷ lệ tham gia';
    default:
      return `xếp theo tỷ lệ tham gia (%) cộng ${points} điểm cho mỗi giải cá nhân`;
  }
}

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
  theory: 'Bài học được kiểm tra, điểm đạt và thời gian chờ giữa hai lượt',
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
  /** Overall prizes on the cumulative score over the published rounds. */
  overallPrizes: Tier[];
  /** A person holds at most one prize over the whole contest. */
  onePerPerson: boolean;
  /** Unit prizes (giải tập thể) per round; null = none. */
  unitPrizes: UnitPrizeForm | null;
}

export interface UnitPrizeForm {
  basis: UnitPrizeBasis;
  pointsPerPrize: number;
  tiers: Tier[];
}

export const newUnitPrizes = (): UnitPrizeForm => ({
  basis: 'rate',
  pointsPerPrize: 5,
  tiers: [
    { name: 'Giải Nhất tập thể', count: 1 },
    { name: 'Giải Nhì tập thể', count: 1 },
    { name: 'Giải Ba tập thể', count: 1 },
  ],
});

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
  /** A theory test's round: `lesson:<id>`, `course:<id>` (a combined test) or '' (not chosen). */
  theoryTarget: string;
  /** The round's own pass mark in percent; '' = the contest's. */
  theoryPassMark: string;
  /** Minutes a member waits after an attempt before the next (0 = none). */
  retryWaitMinutes: number;
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
    overallPrizes: [],
    onePerPerson: false,
    unitPrizes: null,
  };
}

/**
 * A new round of a contest of `kind`. A ranked round runs from tomorrow 08:00 to a week later
 * 20:00 (Vietnam time), with a prediction question. A theory test's or a practice round is
 * open from today for a year, unlimited attempts, the key and explanations right after each
 * attempt, no prediction question (a theory test also waits an hour between attempts).
 */
export function newRoundForm(now = Date.now(), kind: ContestKind = 'contest'): RoundForm {
  const day = 24 * 3600 * 1000;
  const date = (t: number) => toVietnamInput(new Date(t).toISOString()).slice(0, 10);
  if (kind !== 'contest') {
    return {
      ...newRoundForm(now),
      name: kind === 'theory_test' ? 'Bài kiểm tra' : 'Thi thử',
      opensAt: `${date(now)}T00:00`,
      closesAt: `${date(now + 365 * day)}T23:59`,
      minutes: 15,
      attemptsAllowed: '',
      review: 'after_each_attempt',
      prediction: '',
      retryWaitMinutes: kind === 'theory_test' ? 60 : 0,
    };
  }
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
    theoryTarget: '',
    theoryPassMark: '',
    retryWaitMinutes: 0,
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
    // Nothing is ranked in a theory test or a practice contest: no board for anyone.
    leaderboard_visibility: f.kind === 'contest' ? f.visibility : 'organizers',
    tie_break: f.tieBreak,
    perfect_only: f.perfectOnly,
    pass_mark: f.kind === 'theory_test' ? Number(f.passMark) : null,
    prizes: prizesOf(f),
  };
}

const tiersOf = (tiers: Tier[]) => tiers.filter((t) => t.name.trim() || t.count > 0).map((t) => ({ name: t.name.trim(), count: t.count }));

/** The prizes as the server takes them; a theory test or a practice contest awards none. */
export function prizesOf(f: ContestForm): NonNullable<CreateContest['prizes']> {
  if (f.kind !== 'contest') return { round: [], overall: [], one_per_person: false, units: null };
  const units = f.unitPrizes;
  return {
    round: tiersOf(f.roundPrizes),
    overall: tiersOf(f.overallPrizes),
    one_per_person: f.onePerPerson,
    units: units
      ? { basis: units.basis, points_per_prize: units.basis === 'weighted' ? units.pointsPerPrize : 0, tiers: tiersOf(units.tiers) }
      : null,
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

/** What a theory test's round tests, for the server (null for other contests). */
export function theoryOf(f: RoundForm, kind: ContestKind): CreateRound['theory'] {
  if (kind !== 'theory_test') return null;
  const [what, id] = f.theoryTarget.split(':');
  return {
    lesson_id: what === 'lesson' ? id : null,
    course_id: what === 'course' ? id : null,
    pass_mark: f.theoryPassMark.trim() === '' ? null : Number(f.theoryPassMark),
    retry_wait_minutes: Math.max(0, Math.round(f.retryWaitMinutes || 0)),
  };
}

export function roundBody(f: RoundForm, kind: ContestKind = 'contest'): CreateRound {
  const learning = isLearning(kind, f.practice);
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
    prediction: learning ? null : f.prediction || null,
    points_per_question: f.pointsPerQuestion,
    practice: kind === 'contest' ? f.practice : false,
    pool: poolOf(f),
    theory: theoryOf(f, kind),
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
    theoryTarget: r.theory ? (r.theory.lesson_id ? `lesson:${r.theory.lesson_id}` : `course:${r.theory.course_id}`) : '',
    // The server answers the pass mark in force; shown as the round's own.
    theoryPassMark: r.theory ? String(r.theory.pass_mark) : '',
    retryWaitMinutes: r.theory?.retry_wait_minutes ?? 0,
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
