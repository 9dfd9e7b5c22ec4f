// Hand-written from shared/API.md for now, checked against the server's
// /api/openapi.json (UserResponse, UnitResponse, UnitBrief, RoleGrant, Problem).
// TODO: generate these from /api/openapi.json once it is stable.

/** RFC 9457 problem details, as every API error is returned. */
export interface ProblemFieldError {
  /** JSON Pointer into the request body, e.g. "/phone". */
  pointer: string;
  detail: string;
}

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  /** Stable snake_case word, e.g. "validation_failed", "not_found". */
  code?: string;
  errors?: ProblemFieldError[];
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | string;
  /** Lifetime of the access token in seconds. */
  expires_in: number;
  refresh_token: string;
}

export interface LoginRequest {
  phone: string;
  password: string;
}

export interface RefreshRequest {
  refresh_token: string;
}

export interface LogoutRequest {
  refresh_token: string;
}

/** Dates are ISO calendar dates (YYYY-MM-DD). */
export interface RegisterRequest {
  phone: string;
  password: string;
  full_name: string;
  birth_date: string;
  unit_id: string;
  citizen_id?: string;
  email?: string;
  /** The date the member was admitted to the Union (ngày kết nạp). */
  admitted_at?: string;
  consent: boolean;
}

/** 201 answer: the new account (the server's UserResponse). */
export type RegisterResponse = Me;

export type RoleName = 'member' | 'organizer' | 'unit_admin' | 'admin';

export interface RoleAssignment {
  role: RoleName | string;
  unit_id: string | null;
}

/** A unit in brief, as embedded in an account. */
export interface UnitBrief {
  id: string;
  name: string;
  code: string;
}

/** GET /me (the server's UserResponse). */
export interface Me {
  id: string;
  full_name: string;
  /** National form, 0912345678. */
  phone: string;
  unit_id: string;
  /** The unit in brief; older servers may leave it out (then GET /units/{id}). */
  unit?: UnitBrief;
  /** Roles beyond member; usually {role, unit_id}; plain names tolerated. */
  roles: Array<RoleAssignment | string>;
  birth_date?: string | null;
  citizen_id?: string | null;
  email?: string | null;
  admitted_at?: string | null;
  created_at?: string;
}

export interface Unit {
  id: string;
  parent_id: string | null;
  name: string;
  code: string;
  /** 0 for a root. */
  depth?: number;
  member_count?: number | null;
  member_count_date?: string | null;
}

/** GET /units/{id} adds the path from the root. */
export interface UnitWithAncestors extends Unit {
  ancestors?: Unit[];
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface UnitQuery {
  q?: string;
  parent_id?: string;
  offset?: number;
  limit?: number;
}

// --- Contests, rounds, attempts (checked against /api/openapi.json:
// ContestResponse, RoundResponse, AttemptResponse, AnswerResponse, ResultView,
// ReviewItem, MyAttempt). No correctness ever reaches a member before review.

export type ContestKind = 'contest' | 'theory_test' | 'practice';
export type PredictionKind = 'all_correct' | 'participants';
export type ReviewSetting = 'none' | 'score_only' | 'after_close';
export type RoundState = 'upcoming' | 'open' | 'closed';

export interface Contest {
  id: string;
  title: string;
  description: string;
  rules: string;
  kind: ContestKind | string;
  unit_id: string;
  can_manage: boolean;
  pass_mark?: number | null;
  created_at: string;
}

export interface Round {
  id: string;
  contest_id: string;
  name: string;
  opens_at: string;
  closes_at: string;
  questions_per_attempt: number;
  time_limit_seconds: number;
  /** null = unlimited. */
  attempts_allowed?: number | null;
  prediction?: PredictionKind | null;
  points_per_question: number;
  review: ReviewSetting | string;
  practice: boolean;
  state: RoundState | string;
  server_time: string;
}

export type QuestionKind = 'single' | 'multiple' | 'true_false';

export interface OptionView {
  id: string;
  text: string;
}

export interface QuestionView {
  id: string;
  /** 1-based. */
  position: number;
  kind: QuestionKind | string;
  text: string;
  options: OptionView[];
}

export interface ResultView {
  /** null when the round shows no scores (review "none"). */
  score?: number | null;
  max_score?: number | null;
  correct_count?: number | null;
  time_used_ms: number;
  finished_at: string;
  prediction?: number | null;
  /** Whether this is the attempt that counts. */
  counted: boolean;
}

export interface ReviewItem {
  question_id: string;
  correct_option_ids: string[];
  explanation?: string | null;
}

export type AttemptStatus = 'open' | 'finished';

export interface Attempt {
  id: string;
  round_id: string;
  status: AttemptStatus | string;
  started_at: string;
  deadline: string;
  /** The server's clock when it answered. */
  server_time: string;
  /** Milliseconds left (0 once the deadline passed). */
  remaining_ms: number;
  prediction?: PredictionKind | null;
  questions: QuestionView[];
  /** question id → chosen option ids. */
  answers: Record<string, string[]>;
  result?: ResultView | null;
  review?: ReviewItem[] | null;
}

export interface AnswerSaved {
  question_id: string;
  saved_at: string;
  remaining_ms: number;
}

export interface MyAttempt {
  id: string;
  contest_id: string;
  round_id: string;
  status: AttemptStatus | string;
  started_at: string;
  deadline: string;
  result?: ResultView | null;
}

// --- Leaderboards, live standings and results (checked against /api/openapi.json:
// BoardLine, BoardResponse, MyPlace, UnitStanding, UnitsResponse, LiveSnapshot,
// ResultsResponse, ResultLine, UnitPrizeLine). Names arrive masked; never un-mask them.

export type BoardState = 'live' | 'final';

/** One line of a board. */
export interface BoardLine {
  /** 1-based position on this board (ties share it on a published board). */
  rank: number;
  /** Masked by the server, e.g. "Nguyễn V. A.". */
  display_name: string;
  unit_id?: string | null;
  unit_name: string;
  /** Summed over rounds on a contest board. */
  score: number;
  /** Summed over rounds on a contest board. */
  time_used_ms: number;
  finished_at: string;
  /** On a published round only. */
  prize?: string | null;
  /** The caller's own line. */
  is_me: boolean;
}

export interface BoardResponse {
  items: BoardLine[];
  total: number;
  /** "live" while the round runs or is unpublished; "final" once published and frozen. */
  state: BoardState | string;
  published_at?: string | null;
}

export interface MyPlace {
  ranked: boolean;
  entry?: BoardLine | null;
  total: number;
  state: BoardState | string;
}

export type UnitOrder = 'participants' | 'rate' | 'score';

export interface UnitStanding {
  rank: number;
  unit_id: string;
  name: string;
  /** Entrants of its subtree with a counted result. */
  participants: number;
  /** Declared members; null when not declared. */
  members?: number | null;
  /** participants ÷ members (0..1, may exceed 1 with a stale member count); null without members. */
  rate?: number | null;
  /** null without participants. */
  avg_score?: number | null;
}

export interface UnitsResponse {
  /** The parent's own totals (its whole subtree). */
  parent: UnitStanding;
  items: UnitStanding[];
}

/** One `event: standings` of GET /rounds/{id}/live. */
export interface LiveSnapshot {
  round_id: string;
  participants: number;
  finished_attempts: number;
  perfect_participants: number;
  top: BoardLine[];
  /** The host unit's children, by participants. */
  units: UnitStanding[];
}

export interface ResultLine {
  rank: number;
  display_name: string;
  unit_id: string;
  unit_name: string;
  score: number;
  max_score: number;
  prediction?: number | null;
  prediction_error?: number | null;
  time_used_ms: number;
  finished_at: string;
  prize?: string | null;
}

export interface UnitPrizeLine {
  rank: number;
  unit_id: string;
  name: string;
  participants: number;
  members?: number | null;
  rate?: number | null;
  prizes_won: number;
  points?: number | null;
  prize?: string | null;
}

export interface ResultsResponse {
  published_at: string;
  prediction_actual?: number | null;
  items: ResultLine[];
  total: number;
  unit_prizes: UnitPrizeLine[];
}

export type LeaderboardVisibility = 'public' | 'members' | 'organizers';

/** GET /contests/{id}: the fields the boards use (the server sends more). */
export interface ContestDetail extends Contest {
  leaderboard_visibility?: LeaderboardVisibility | string;
}

// Political-theory tests for new members (GET /me/theory, GET /certificates/{code}).

export type LessonStatus = 'not_tested' | 'tested' | 'passed';

export interface Material {
  title: string;
  url: string;
}

export interface CourseBrief {
  id: string;
  code: string;
  version: number;
  title: string;
}

export interface MyTheoryTest {
  round_id: string;
  contest_id: string;
  contest_title: string;
  name: string;
  pass_mark: number;
  questions_per_attempt: number;
  time_limit_seconds: number;
  attempts_allowed: number | null;
  attempts_used: number;
  retry_wait_minutes: number;
  next_attempt_at: string | null;
  opens_at: string;
  closes_at: string;
  state: 'upcoming' | 'open' | 'closed' | string;
}

export interface MyLesson {
  lesson_id: string;
  position: number;
  title: string;
  summary: string;
  materials: Material[];
  status: LessonStatus;
  attempts: number;
  best_score: number | null;
  best_max_score: number | null;
  best_percent: number | null;
  passed_at: string | null;
  tests: MyTheoryTest[];
}

export interface CertificateBrief {
  code: string;
  display_code: string;
  issued_at: string;
  revoked: boolean;
  revoked_at: string | null;
  page_url: string;
  qr_url: string;
}

export interface MyTheory {
  course: CourseBrief;
  admitted_at: string | null;
  theory_since: string | null;
  required: boolean;
  lessons: MyLesson[];
  combined_tests: MyTheoryTest[];
  passed_lessons: number;
  total_lessons: number;
  certificate: CertificateBrief | null;
}

export interface CertificateVerification {
  code: string;
  display_code: string;
  valid: boolean;
  status: 'valid' | 'revoked' | string;
  holder: string;
  unit_name: string;
  issued_at: string;
  course: CourseBrief;
  revoked_at: string | null;
}
