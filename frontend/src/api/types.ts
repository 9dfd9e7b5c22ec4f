// The API's shapes, under the names the app uses. Each one is the server's own schema from
// the generated `schema.d.ts` (openapi-typescript over `openapi.json`, which the server
// prints with `api openapi`; `scripts/gen-api.sh` regenerates both and CI fails when they
// drift). So `tsc` checks the app against what the server really sends. Only what the
// server has no schema for is written here by hand (a parsed problem, `Page<T>`).
//
// Types only: everything here is erased from the bundle.

import type { components, operations } from './schema';

type Schemas = components['schemas'];

/** The JSON body of an operation's successful answer. */
export type Ok<Op extends keyof operations, Status extends number = 200> = operations[Op]['responses'] extends Record<
  Status,
  { content: { 'application/json': infer Body } }
>
  ? Body
  : never;

// --- Problems (RFC 9457)

/** Every `code` a server problem can carry (the server's `ProblemCode` enum). */
export type ProblemCode = Schemas['ProblemCode'];
/** Every `code` a field error can carry (the server's `FieldErrorCode` enum). */
export type FieldErrorCode = Schemas['FieldErrorCode'];

/** One field's failure, as the server sends it. */
export type ServerFieldError = Schemas['FieldError'];
/** The problem body, as the server sends it. */
export type ServerProblem = Schemas['Problem'];

/**
 * A field error as the client keeps it: the server's, with `code` optional (older servers and
 * hand-made problems in tests have none; it then reads as `invalid`).
 */
export type ProblemFieldError = Omit<ServerFieldError, 'code'> & { code?: FieldErrorCode | (string & {}) };

/**
 * A problem as the client keeps it: any answer body read as a problem, so every member may be
 * missing, and `code` may also be one the client makes up (`network_error`, `timeout`) or one
 * from a newer server.
 */
export type Problem = Partial<Omit<ServerProblem, 'code' | 'errors'>> & {
  code?: ProblemCode | (string & {});
  errors?: ProblemFieldError[];
};

// --- Accounts and units

export type TokenResponse = Schemas['TokenResponse'];
export type LoginRequest = Schemas['LoginRequest'];
export type RefreshRequest = Schemas['RefreshRequest'];
/** Dates are ISO calendar dates (YYYY-MM-DD). */
export type RegisterRequest = Schemas['RegisterRequest'];
/** GET /me (the server's UserResponse). */
export type Me = Schemas['UserResponse'];
/** 201 answer: the new account (the server's UserResponse). */
export type RegisterResponse = Ok<'register', 201>;

/** Roles beyond member (every account is a member; the server does not list that). */
export type RoleName = Schemas['Role'];
export type RoleAssignment = Schemas['RoleGrant'];
/** A unit in brief, as embedded in an account. */
export type UnitBrief = Schemas['UnitBrief'];
export type Unit = Schemas['UnitResponse'];
/** GET /units: a unit with the names above it (root first) and whether it has children. */
export type ListedUnit = Schemas['UnitListItem'];
/** GET /units/{id} adds the path from the root. */
export type UnitWithAncestors = Schemas['UnitDetail'];

/** A page of a list: `{items, total}`. */
export interface Page<T> {
  items: T[];
  total: number;
}

/** GET /units query. */
export type UnitQuery = NonNullable<operations['list_units']['parameters']['query']>;

// --- Contests, rounds, attempts. No correctness ever reaches a member before review.

export type ContestKind = Schemas['ContestKind'];
export type PredictionKind = Schemas['Prediction'];
export type ReviewSetting = Schemas['Review'];
/** `RoundResponse.state` (a plain string in the schema). */
export type RoundState = 'upcoming' | 'open' | 'closed';

export type Contest = Schemas['ContestResponse'];
/** GET /contests/{id}: the same shape as a listed contest. */
export type ContestDetail = Contest;
export type LeaderboardVisibility = Schemas['LeaderboardVisibility'];
export type Round = Schemas['RoundResponse'];

/** `QuestionView.kind` (a plain string in the schema). */
export type QuestionKind = 'single' | 'multiple' | 'true_false';
export type OptionView = Schemas['OptionView'];
export type QuestionView = Schemas['QuestionView'];
export type ResultView = Schemas['ResultView'];
export type ReviewItem = Schemas['ReviewItem'];
/** `AttemptResponse.status` (a plain string in the schema). */
export type AttemptStatus = 'open' | 'finished';
export type Attempt = Schemas['AttemptResponse'];
export type AnswerSaved = Schemas['AnswerResponse'];
export type AnswerRequest = Schemas['AnswerRequest'];
export type FinishRequest = Schemas['FinishRequest'];
export type MyAttempt = Schemas['MyAttempt'];
/** A finished theory-test attempt's verdict and next step (`AttemptResponse.theory`). */
export type TheoryOutcome = Schemas['TheoryOutcome'];

// --- Leaderboards, live standings and results. Names arrive masked; never un-mask them.

/** `BoardResponse.state` (a plain string in the schema). */
export type BoardState = 'live' | 'final';
export type BoardLine = Schemas['BoardLine'];
export type BoardResponse = Schemas['BoardResponse'];
export type MyPlace = Schemas['MyPlace'];
export type UnitOrder = Schemas['UnitOrder'];
export type UnitStanding = Schemas['UnitStanding'];
export type UnitsResponse = Schemas['UnitsResponse'];
/** One `event: standings` of GET /rounds/{id}/live. */
export type LiveSnapshot = Schemas['LiveSnapshot'];
export type ResultLine = Schemas['ResultLine'];
export type UnitPrizeLine = Schemas['UnitPrizeLine'];
export type ResultsResponse = Schemas['ResultsResponse'];

// --- Political-theory tests for new members (GET /me/theory, GET /certificates/{code}).

export type LessonStatus = Schemas['LessonStatus'];
export type Material = Schemas['Material'];
export type CourseBrief = Schemas['CourseBrief'];
export type MyTheoryTest = Schemas['MyTest'];
export type MyLesson = Schemas['MyLesson'];
export type CertificateBrief = Schemas['CertificateBrief'];
export type MyTheory = Schemas['MyTheoryResponse'];
/** A study programme that applies to me (`GET /me/programmes`). */
export type MyProgramme = Schemas['MyProgramme'];
export type MyProgrammes = Schemas['MyProgrammes'];
/** Where a programme stands today. */
export type ProgrammePhase = Schemas['Phase'];
export type Audience = Schemas['AudienceView'];
export type CertificateVerification = Schemas['CertificateVerification'];
