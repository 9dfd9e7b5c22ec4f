//! The scoring store: the fast shared state behind contests (answers, scores, leaderboards) and
//! the counters that rate limits need.
//!
//! Two real backends with one meaning: Redis (production; Lua scripts, so every operation is
//! atomic) and an in-process store (the embedded default, one server only). The contract tests
//! in `tests/api/store.rs` (rate-limit counters) and `tests/api/attempts_store.rs` (attempts and
//! round results) run against both. Callers use [`Store`] and never know which it is.
//!
//! Attempt flow: [`Store::open_attempt`] when an attempt starts, [`Store::save_answer`] per
//! answer, [`Store::finish_attempt`] when the member finishes or a background task picks the
//! attempt from [`Store::due_for_auto_finish`], then [`Store::record_results`] for the contest's
//! boards.
//! Every time is an argument (ms since the epoch on the server's clock); the store never reads
//! a clock for scoring.

pub mod attempt;
pub mod broadcast;
mod image;
pub mod keys;
pub mod leaderboard;
pub mod lease;
mod memory;
mod memory_attempts;
mod memory_boards;
mod redis_attempts;
mod redis_boards;
mod redis_store;
mod scripts;
pub mod session_markers;

use crate::domain::ids::{AttemptId, ContestId, OptionId, QuestionId, RoundId, UserId};
use std::time::Duration;

use uuid::Uuid;

pub use attempt::{
    AnswerSaved, Answered, AttemptError, AttemptQuestion, AttemptResult, AttemptSetup,
    AttemptState, DueAttempt, FinishOutcome, OpenOutcome, QuestionKind,
};
pub use keys::Keys;
pub use leaderboard::{
    Board, BoardPage, Counted, Entrant, LeaderboardEntry, Place, RecordOutcome, RoundCounters,
    Standing, TallyScope, UnitTally,
};
pub use memory::MemoryStore;
pub use redis_store::RedisStore;
pub use session_markers::{SessionMarkers, SessionRefusal};

/// Failures of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Redis refused or the connection broke.
    #[error("scoring store unavailable")]
    Unavailable(#[from] redis::RedisError),
    /// Redis answered something no script or command of ours returns (a bug, or tampering).
    #[error("scoring store returned an unexpected reply: {0}")]
    Corrupt(String),
    /// This instance's lease on a task ran out and another instance may have taken it over,
    /// so the task stopped (see [`lease`]).
    #[error("the lease on {0} was lost to another instance")]
    LeaseLost(String),
}

impl From<StoreError> for crate::error::ApiError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(anyhow::Error::new(e))
    }
}

/// A fixed-window counter after a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCount {
    /// Hits in the current window, including this one.
    pub count: u64,
    /// Time until the window resets.
    pub resets_in: Duration,
}

/// Who saves an answer, as far as the store checks it.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnswerCaller<'a> {
    /// The attempt must be this user's (someone else's reads as `NotFound`), so the answer
    /// path checks ownership without reading the database. `None`: anyone's.
    pub owner: Option<UserId>,
    /// The markers of the caller's login session: a token they refuse is refused (as
    /// `Session`) before anything else, so the answer path checks its session in the same
    /// call (on one Redis server, inside the script: one round trip for the whole answer).
    pub session: Option<&'a SessionMarkers>,
}

/// The scoring store in use.
#[derive(Clone)]
pub enum Store {
    /// In-process (embedded default).
    Memory(MemoryStore),
    /// Redis.
    Redis(RedisStore),
}

impl Store {
    /// Which backend, for logs and `/readyz`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Memory(_) => "memory",
            Self::Redis(_) => "redis",
        }
    }

    /// Gives the calling HTTP worker thread a Redis connection of its own
    /// ([`RedisStore::attach_worker`]); nothing to do in process.
    pub fn attach_worker(&self) {
        if let Self::Redis(r) = self {
            r.attach_worker();
        }
    }

    /// How many HTTP workers have a Redis connection of their own (0 in process).
    pub fn worker_connections(&self) -> usize {
        match self {
            Self::Memory(_) => 0,
            Self::Redis(r) => r.worker_connections(),
        }
    }

    /// Whether the store answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Self::Memory(_) => Ok(()),
            Self::Redis(r) => r.ping().await,
        }
    }

    /// Counts one hit on `key` in a fixed window of `window`, atomically.
    pub async fn hit(&self, key: &str, window: Duration) -> Result<WindowCount, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.hit(key, window)),
            Self::Redis(r) => r.hit(key, window).await,
        }
    }

    /// The current count of `key` without counting a hit.
    pub async fn peek(&self, key: &str) -> Result<WindowCount, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.peek(key)),
            Self::Redis(r) => r.peek(key).await,
        }
    }

    /// Sets `key` to `value` for `ttl` (a marker that expires by itself).
    pub async fn set_marker(&self, key: &str, value: i64, ttl: Duration) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                m.set_marker(key, value, ttl);
                Ok(())
            }
            Self::Redis(r) => r.set_marker(key, value, ttl).await,
        }
    }

    /// The markers at `keys` (absent or expired: `None`), read together; on Redis the keys must
    /// share a hash tag.
    pub async fn markers(&self, keys: &[String]) -> Result<Vec<Option<i64>>, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.markers(keys)),
            Self::Redis(r) => r.markers(keys).await,
        }
    }

    /// Takes the lease at `key` for `token`, or renews it when `token` holds it already, for
    /// `ttl`. False while another token holds it (until it expires). See [`lease`].
    pub async fn take_lease(
        &self,
        key: &str,
        token: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.take_lease(key, token, ttl)),
            Self::Redis(r) => r.take_lease(key, token, ttl).await,
        }
    }

    /// Gives the lease at `key` back if `token` still holds it.
    pub async fn release_lease(&self, key: &str, token: &str) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                m.release_lease(key, token);
                Ok(())
            }
            Self::Redis(r) => r.release_lease(key, token).await,
        }
    }

    /// Forgets `key` (a counter or a marker).
    pub async fn reset(&self, key: &str) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                m.reset(key);
                Ok(())
            }
            Self::Redis(r) => r.reset(key).await,
        }
    }

    /// Stores a new attempt (see [`AttemptSetup`]); opening an existing id changes nothing and
    /// returns it as stored. Its keys expire a day after `deadline + grace`.
    ///
    /// # Errors
    /// [`AttemptError::InvalidSetup`] for an incoherent setup; [`AttemptError::Store`].
    #[tracing::instrument(name = "Open attempt", skip_all, fields(attempt.id = %setup.attempt_id))]
    pub async fn open_attempt(
        &self,
        keys: &Keys,
        setup: &AttemptSetup,
    ) -> Result<OpenOutcome, AttemptError> {
        self.open_attempt_with_answers(keys, setup, &[]).await
    }

    /// [`Store::open_attempt`] with answers already chosen (an attempt restored from the answer
    /// journal): they are stored in the same atomic step that creates the attempt, so an answer
    /// saved once the attempt exists is never overwritten by an older one from the journal.
    /// When the attempt exists, nothing changes (its answers included). The answers are the
    /// journal's, checked when they were first saved, and are not checked again.
    ///
    /// # Errors
    /// As [`Store::open_attempt`].
    pub async fn open_attempt_with_answers(
        &self,
        keys: &Keys,
        setup: &AttemptSetup,
        answers: &[(QuestionId, Vec<OptionId>)],
    ) -> Result<OpenOutcome, AttemptError> {
        match self {
            Self::Memory(m) => m.open_attempt(setup, answers),
            Self::Redis(r) => r.open_attempt(keys, setup, answers).await,
        }
    }

    /// Records the selection for one question, replacing any earlier one, atomically. Accepted
    /// until `deadline + grace` inclusive. Says nothing about correctness.
    ///
    /// # Errors
    /// `NotFound`, `Closed` (finished or too late), `UnknownQuestion`, `UnknownOption`,
    /// `InvalidSelection` (single and true/false take one option, multiple at least one),
    /// checked in that order; `Store`.
    #[tracing::instrument(name = "Save answer", skip_all, fields(attempt.id = %attempt_id))]
    pub async fn save_answer(
        &self,
        keys: &Keys,
        attempt_id: AttemptId,
        question_id: QuestionId,
        option_ids: &[OptionId],
        now_ms: i64,
    ) -> Result<AnswerSaved, AttemptError> {
        let anyone = AnswerCaller::default();
        self.save_answer_for(keys, attempt_id, anyone, question_id, option_ids, now_ms)
            .await
    }

    /// [`Store::save_answer`] on behalf of `caller` (see [`AnswerCaller`]).
    ///
    /// # Errors
    /// `Session`, then as [`Store::save_answer`].
    pub async fn save_answer_for(
        &self,
        keys: &Keys,
        attempt_id: AttemptId,
        caller: AnswerCaller<'_>,
        question_id: QuestionId,
        option_ids: &[OptionId],
        now_ms: i64,
    ) -> Result<AnswerSaved, AttemptError> {
        match self {
            Self::Memory(m) => {
                let markers = caller.session;
                if let Some(refusal) = markers.and_then(|s| s.refusal(&m.markers(s.keys()))) {
                    return Err(AttemptError::Session(refusal));
                }
                m.save_answer(attempt_id, caller.owner, question_id, option_ids, now_ms)
            }
            Self::Redis(r) => {
                r.save_answer(keys, attempt_id, caller, question_id, option_ids, now_ms)
                    .await
            }
        }
    }

    /// Scores and closes the attempt once; any later call returns the same result with
    /// `already_finished`. Allowed at any time. `finished_at = clamp(now, start, deadline)`,
    /// `time_used = finished_at - start`; the prediction is kept only if given by
    /// `deadline + grace`. Call [`Store::record_results`] with the result afterwards.
    ///
    /// # Errors
    /// `NotFound`; `Store`.
    #[tracing::instrument(name = "Finish attempt", skip_all, fields(attempt.id = %attempt_id))]
    pub async fn finish_attempt(
        &self,
        keys: &Keys,
        attempt_id: AttemptId,
        now_ms: i64,
        prediction: Option<i64>,
    ) -> Result<FinishOutcome, AttemptError> {
        match self {
            Self::Memory(m) => m.finish_attempt(attempt_id, now_ms, prediction),
            Self::Redis(r) => r.finish_attempt(keys, attempt_id, now_ms, prediction).await,
        }
    }

    /// The attempt as stored (for resuming), or `None` if unknown or expired.
    pub async fn attempt_state(
        &self,
        keys: &Keys,
        attempt_id: AttemptId,
    ) -> Result<Option<AttemptState>, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.attempt_state(attempt_id)),
            Self::Redis(r) => r.attempt_state(keys, attempt_id).await,
        }
    }

    /// Up to `limit` unfinished attempts whose `deadline + grace` is before `now_ms`, earliest
    /// first, for the auto-finisher. Finishing removes an attempt from this list, and so does a
    /// finish that answers `NotFound`: on Redis an entry can outlive its attempt (an open that
    /// failed half-way, or keys that expired), so the auto-finisher treats `NotFound` as done.
    /// The index itself has no TTL; it holds only unfinished attempts.
    pub async fn due_for_auto_finish(
        &self,
        keys: &Keys,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<DueAttempt>, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.due_for_auto_finish(now_ms, limit)),
            Self::Redis(r) => r.due_for_auto_finish(keys, now_ms, limit).await,
        }
    }

    /// Counts finished attempts in their contests: the round's counters, each member's best
    /// attempt in the round, the boards of every unit on the entrant's path, the unit tallies
    /// and the cumulative standings, atomically per result. Recording an attempt again
    /// changes nothing and the order of results does not matter, so it is safe to repeat after
    /// a crash and a rebuild is a replay. Results of one contest should be adjacent (a batch is
    /// sent per contest).
    #[tracing::instrument(name = "Record results", skip_all, fields(results = batch.len()))]
    pub async fn record_results(
        &self,
        keys: &Keys,
        batch: &[Counted],
    ) -> Result<Vec<RecordOutcome>, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.record_results(batch, false)),
            Self::Redis(r) => r.record_results(keys, batch, false).await,
        }
    }

    /// [`Store::record_results`] into a contest's staging area, where a rebuild writes before
    /// [`Store::promote_staging`] replaces the live boards with it. Readers never see it.
    pub async fn stage_results(&self, keys: &Keys, batch: &[Counted]) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                m.record_results(batch, true);
                Ok(())
            }
            Self::Redis(r) => r.record_results(keys, batch, true).await.map(|_| ()),
        }
    }

    /// Fills a contest's (empty) staging area with the results of all of `batch` at once: on
    /// Redis computed in memory and written with bulk commands (`image.rs`), which is what
    /// makes rebuilding a round of a million results take seconds rather than minutes.
    pub async fn stage_contest(
        &self,
        keys: &Keys,
        contest_id: ContestId,
        batch: &[Counted],
    ) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                m.record_results(batch, true);
                Ok(())
            }
            Self::Redis(r) => {
                let mut image = image::ContestImage::default();
                for counted in batch.iter().filter(|c| c.contest_id == contest_id) {
                    image.add(counted);
                }
                image.write(r, &keys.contest_staging_base(contest_id)).await
            }
        }
    }

    /// Empties a contest's staging area.
    pub async fn clear_staging(
        &self,
        keys: &Keys,
        contest_id: ContestId,
    ) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                m.clear_staging(contest_id);
                Ok(())
            }
            Self::Redis(r) => r.clear_staging(keys, contest_id).await,
        }
    }

    /// Replaces a contest's live boards by its staging area, atomically.
    pub async fn promote_staging(
        &self,
        keys: &Keys,
        contest_id: ContestId,
    ) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                m.promote_staging(contest_id);
                Ok(())
            }
            Self::Redis(r) => r.promote_staging(keys, contest_id).await,
        }
    }

    /// A round's counters (zeros for an unknown round).
    pub async fn round_counters(
        &self,
        keys: &Keys,
        contest_id: ContestId,
        round_id: RoundId,
    ) -> Result<RoundCounters, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.round_counters(contest_id, round_id)),
            Self::Redis(r) => r.round_counters(keys, contest_id, round_id).await,
        }
    }

    /// Distinct entrants with a counted result anywhere in a contest.
    pub async fn contest_participants(
        &self,
        keys: &Keys,
        contest_id: ContestId,
    ) -> Result<i64, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.contest_participants(contest_id)),
            Self::Redis(r) => r.contest_participants(keys, contest_id).await,
        }
    }

    /// A page of a board, best first, with the board's size.
    pub async fn board_page(
        &self,
        keys: &Keys,
        board: &Board,
        offset: u64,
        limit: u64,
    ) -> Result<BoardPage, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.board_page(board, offset, limit)),
            Self::Redis(r) => r.board_page(keys, board, offset, limit).await,
        }
    }

    /// A user's line on a board with its rank (`None` when they are not on it) and the
    /// board's size, read together: one call for a member's "my rank".
    pub async fn place_of(
        &self,
        keys: &Keys,
        board: &Board,
        user_id: Uuid,
    ) -> Result<Place, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.place_of(board, user_id)),
            Self::Redis(r) => r.place_of(keys, board, user_id).await,
        }
    }

    /// The tallies of `units` (each unit's whole subtree), in the order given.
    pub async fn tallies(
        &self,
        keys: &Keys,
        scope: &TallyScope,
        units: &[Uuid],
    ) -> Result<Vec<UnitTally>, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.tallies(scope, units)),
            Self::Redis(r) => r.tallies(keys, scope, units).await,
        }
    }

    /// Forgets every recorded result of a contest (a rebuild then replays them).
    pub async fn clear_contest(
        &self,
        keys: &Keys,
        contest_id: ContestId,
    ) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                m.clear_contest(contest_id);
                Ok(())
            }
            Self::Redis(r) => r.clear_contest(keys, contest_id).await,
        }
    }
}
