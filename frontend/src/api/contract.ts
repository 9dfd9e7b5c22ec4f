// Compile-time only: the client's declared answer types (client.ts) are the server's answers
// for those operations, as the generated schema says. `tsc --noEmit` fails on a mismatch;
// nothing here reaches the bundle (types only, and nothing imports this file).

import type {
  AnswerSaved,
  Attempt,
  BoardResponse,
  CertificateVerification,
  Contest,
  ContestDetail,
  Me,
  MyAttempt,
  MyPlace,
  MyTheory,
  Ok,
  Page,
  RegisterResponse,
  ResultView,
  ResultsResponse,
  Round,
  TokenResponse,
  ListedUnit,
  UnitWithAncestors,
  UnitsResponse,
} from './types';
import type { operations } from './schema';

/** True only when A and B are the same type (not merely assignable one way). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type Body<Op extends keyof operations> =
  NonNullable<operations[Op]['requestBody']> extends { content: { 'application/json': infer B } } ? B : never;

export type ClientMatchesServer = [
  Assert<Equal<TokenResponse, Ok<'login'>>>,
  Assert<Equal<TokenResponse, Ok<'refresh_tokens'>>>,
  Assert<Equal<RegisterResponse, Ok<'register', 201>>>,
  Assert<Equal<Me, Ok<'get_me'>>>,
  Assert<Equal<Page<ListedUnit>, Ok<'list_units'>>>,
  Assert<Equal<UnitWithAncestors, Ok<'get_unit'>>>,
  Assert<Equal<Page<Contest>, Ok<'list_contests'>>>,
  Assert<Equal<ContestDetail, Ok<'get_contest'>>>,
  Assert<Equal<Page<Round>, Ok<'list_rounds'>>>,
  Assert<Equal<Round, Ok<'get_round'>>>,
  Assert<Equal<Page<MyAttempt>, Ok<'list_my_attempts'>>>,
  Assert<Equal<Attempt, Ok<'start_attempt', 201>>>,
  Assert<Equal<Attempt, Ok<'get_attempt'>>>,
  Assert<Equal<AnswerSaved, Ok<'save_answer'>>>,
  Assert<Equal<ResultView, Ok<'finish_attempt'>>>,
  Assert<Equal<BoardResponse, Ok<'round_leaderboard'>>>,
  Assert<Equal<BoardResponse, Ok<'contest_leaderboard'>>>,
  Assert<Equal<MyPlace, Ok<'round_leaderboard_me'>>>,
  Assert<Equal<MyPlace, Ok<'contest_leaderboard_me'>>>,
  Assert<Equal<UnitsResponse, Ok<'round_units'>>>,
  Assert<Equal<UnitsResponse, Ok<'contest_units'>>>,
  Assert<Equal<ResultsResponse, Ok<'round_results'>>>,
  Assert<Equal<MyTheory, Ok<'my_theory'>>>,
  Assert<Equal<CertificateVerification, Ok<'verify_certificate'>>>,
  // What the client sends.
  Assert<Equal<Body<'register'>, import('./types').RegisterRequest>>,
  Assert<Equal<Body<'login'>, import('./types').LoginRequest>>,
  Assert<Equal<Body<'save_answer'>, import('./types').AnswerRequest>>,
  Assert<Equal<Body<'finish_attempt'>, import('./types').FinishRequest>>,
];
