//! Attempt scoring: the types both backends share, the checks made before anything is stored,
//! and the rules for stamping a finish. No I/O here, and no clock: every time is passed in (ms
//! since the Unix epoch, on the server's clock).
//!
//! # Implementation notes
//! Selections and answer keys are kept *canonical* (option ids sorted and de-duplicated), so
//! "is this answer correct" is one string comparison in Lua and one `==` in Rust, and saving the
//! same body twice stores exactly the same value.

use std::collections::{BTreeMap, HashSet};

use uuid::Uuid;

use super::StoreError;
use crate::domain::ids::{AttemptId, OptionId, QuestionId, RoundId, UserId};

/// How long an attempt's keys outlive its `deadline + grace`, so abandoned attempts expire but
/// the auto-finisher (which runs within seconds) never races the expiry.
pub const ATTEMPT_RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

/// How a question is answered and scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuestionKind {
    /// Exactly one option.
    Single,
    /// One or more options; all-or-nothing (the selection must equal the key exactly).
    Multiple,
    /// Exactly one of two options.
    TrueFalse,
}

impl QuestionKind {
    /// The code stored in the store (`s`, `m`, `t`).
    pub(super) fn code(self) -> &'static str {
        match self {
            Self::Single => "s",
            Self::Multiple => "m",
            Self::TrueFalse => "t",
        }
    }

    /// Whether `count` distinct options is an acceptable selection.
    pub(super) fn accepts(self, count: usize) -> bool {
        match self {
            Self::Single | Self::TrueFalse => count == 1,
            Self::Multiple => count >= 1,
        }
    }
}

/// One drawn question of an attempt, with its server-side answer key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptQuestion {
    /// The question.
    pub question_id: QuestionId,
    /// How it is answered.
    pub kind: QuestionKind,
    /// Every option id that exists for this question (in any order).
    pub option_ids: Vec<OptionId>,
    /// The correct option ids (a subset of `option_ids`).
    pub correct: Vec<OptionId>,
    /// Points for answering it correctly (≥ 0).
    pub points: i64,
}

/// Everything the store needs to run one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptSetup {
    /// The attempt.
    pub attempt_id: AttemptId,
    /// Its round.
    pub round_id: RoundId,
    /// Who takes it.
    pub user_id: UserId,
    /// The drawn questions, in the order shown.
    pub questions: Vec<AttemptQuestion>,
    /// When it started (server clock, ms).
    pub started_at_ms: i64,
    /// When it ends (ms); answers are accepted until `deadline_ms + grace_ms` inclusive.
    pub deadline_ms: i64,
    /// Allowance for slow networks after the deadline (ms, ≥ 0).
    pub grace_ms: i64,
}

/// Largest total of points an attempt may carry, so the leaderboard encoding stays exact.
pub const MAX_TOTAL_POINTS: i64 = super::leaderboard::MAX_SCORE;

impl AttemptSetup {
    /// Checks the setup is coherent before anything is stored.
    ///
    /// # Errors
    /// [`AttemptError::InvalidSetup`] naming the first problem found.
    pub fn validate(&self) -> Result<(), AttemptError> {
        let bad = |why: &'static str| Err(AttemptError::InvalidSetup(why));
        if self.questions.is_empty() {
            return bad("an attempt needs at least one question");
        }
        if self.grace_ms < 0 || self.deadline_ms < self.started_at_ms {
            return bad("deadline before start or negative grace");
        }
        let mut seen = HashSet::new();
        let mut total: i64 = 0;
        for q in &self.questions {
            if !seen.insert(q.question_id) {
                return bad("a question is drawn twice");
            }
            if q.points < 0 {
                return bad("negative points");
            }
            total = total.saturating_add(q.points);
            let options: HashSet<OptionId> = q.option_ids.iter().copied().collect();
            if options.len() != q.option_ids.len() || options.is_empty() {
                return bad("options missing or repeated");
            }
            if q.kind == QuestionKind::TrueFalse && options.len() != 2 {
                return bad("a true/false question has exactly two options");
            }
            let key = canonical(&q.correct);
            if key.len() != q.correct.len() || !q.kind.accepts(key.len()) {
                return bad("answer key does not fit the question kind");
            }
            if !key.iter().all(|o| options.contains(o)) {
                return bad("answer key names an option the question lacks");
            }
        }
        if total > MAX_TOTAL_POINTS {
            return bad("too many points for one attempt");
        }
        Ok(())
    }

    /// Milliseconds the attempt's keys live after opening: until `deadline + grace` plus
    /// [`ATTEMPT_RETENTION_MS`]. Relative to `started_at_ms` so a store's own clock never
    /// expires an attempt early.
    pub(super) fn ttl_ms(&self) -> i64 {
        (self.deadline_ms + self.grace_ms - self.started_at_ms).max(0) + ATTEMPT_RETENTION_MS
    }

    /// `deadline + grace`: the last instant an answer is accepted.
    pub(super) fn closes_at_ms(&self) -> i64 {
        self.deadline_ms + self.grace_ms
    }
}

/// Option ids sorted and without repeats: the one form selections and keys are stored in.
pub(super) fn canonical(options: &[OptionId]) -> Vec<OptionId> {
    let mut v = options.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// Ids joined with commas, as stored in Redis (options in their `canonical` form).
pub(super) fn joined<T: std::fmt::Display>(ids: &[T]) -> String {
    ids.iter().map(T::to_string).collect::<Vec<_>>().join(",")
}

/// When a finish counts as made, and how long the attempt took.
///
/// `finished_at = clamp(now, started_at, deadline)`: a finish during the grace period or an
/// automatic finish later is stamped at the deadline, because grace only forgives network
/// latency and must not make a late or abandoned attempt rank as slower than the limit.
/// `time_used = finished_at - started_at`, so it never exceeds the time limit.
/// The same rule is written in `lua/finish_attempt.lua`; the contract tests pin both.
pub(super) fn finish_stamp(started_at_ms: i64, deadline_ms: i64, now_ms: i64) -> (i64, i64) {
    let finished_at = now_ms.min(deadline_ms).max(started_at_ms);
    (finished_at, finished_at - started_at_ms)
}

/// A saved answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerSaved {
    /// The server time the answer was saved at (the `now` passed in).
    pub saved_at_ms: i64,
    /// Milliseconds left until the deadline (0 during the grace period).
    pub remaining_ms: i64,
}

/// The scored result of a finished attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptResult {
    /// The attempt.
    pub attempt_id: AttemptId,
    /// Its round.
    pub round_id: RoundId,
    /// Who took it.
    pub user_id: UserId,
    /// Points earned.
    pub score: i64,
    /// Points available.
    pub max_score: i64,
    /// Questions answered correctly.
    pub correct_count: i64,
    /// `finished_at - started_at`, where `finished_at = clamp(now, started_at, deadline)`.
    pub time_used_ms: i64,
    /// `min(now, deadline)` at the first finish.
    pub finished_at_ms: i64,
    /// The prediction given with the first finish, if it came by `deadline + grace`.
    pub prediction: Option<i64>,
}

impl AttemptResult {
    /// Every question right (and there was something to get right).
    pub fn is_perfect(&self) -> bool {
        self.max_score > 0 && self.score == self.max_score
    }
}

/// What a finish call returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishOutcome {
    /// The result (the stored one when the attempt was already finished).
    pub result: AttemptResult,
    /// True when an earlier call had already finished the attempt; nothing changed.
    pub already_finished: bool,
    /// Each question's final selection and whether it was right, judged by the store against
    /// the key it scored with (the version the attempt showed): what the database keeps of the
    /// attempt, without reading the questions again. Only from the call that finished it
    /// (`None` when `already_finished`: the in-process store forgets its keys at the finish).
    pub answered: Option<Vec<Answered>>,
}

/// One question of a finished attempt, as the store scored it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    /// The question.
    pub question_id: QuestionId,
    /// The options selected (sorted; empty when left unanswered).
    pub selected: Vec<OptionId>,
    /// Whether the selection was exactly the key.
    pub correct: bool,
}

/// What opening an attempt returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOutcome {
    /// False when the attempt already existed (the call changed nothing).
    pub created: bool,
    /// The attempt as stored.
    pub state: AttemptState,
}

/// An attempt as stored, for resuming it. Holds no answer key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptState {
    /// The attempt.
    pub attempt_id: AttemptId,
    /// Its round.
    pub round_id: RoundId,
    /// Who takes it.
    pub user_id: UserId,
    /// Drawn questions in order.
    pub question_ids: Vec<QuestionId>,
    /// Selections so far, per question (option ids sorted).
    pub selections: BTreeMap<Uuid, Vec<OptionId>>,
    /// Start (ms).
    pub started_at_ms: i64,
    /// Deadline (ms).
    pub deadline_ms: i64,
    /// Grace after the deadline (ms).
    pub grace_ms: i64,
    /// The result once finished.
    pub result: Option<AttemptResult>,
}

/// An attempt whose `deadline + grace` has passed and which nobody has finished yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueAttempt {
    /// The attempt.
    pub attempt_id: AttemptId,
    /// Its `deadline + grace` (ms).
    pub closes_at_ms: i64,
}

/// Why an attempt operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    /// No such attempt (never opened, or expired).
    #[error("attempt not found")]
    NotFound,
    /// The attempt is finished or past `deadline + grace`.
    #[error("attempt closed")]
    Closed,
    /// The question is not one of the attempt's.
    #[error("question not in this attempt")]
    UnknownQuestion,
    /// An option does not belong to the question.
    #[error("option not in this question")]
    UnknownOption,
    /// Wrong number of options for the question's kind.
    #[error("wrong number of options for this question")]
    InvalidSelection,
    /// The setup given to `open_attempt` is incoherent (a programming error upstream).
    #[error("invalid attempt setup: {0}")]
    InvalidSetup(&'static str),
    /// The caller's session markers refuse their token (checked before anything else).
    #[error("session refused: {0:?}")]
    Session(super::SessionRefusal),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<redis::RedisError> for AttemptError {
    fn from(e: redis::RedisError) -> Self {
        Self::Store(StoreError::from(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(kind: QuestionKind, options: usize, correct: &[usize]) -> AttemptQuestion {
        let option_ids: Vec<OptionId> = (0..options).map(|_| OptionId::new()).collect();
        AttemptQuestion {
            question_id: QuestionId::from_uuid(Uuid::new_v4()),
            kind,
            correct: correct.iter().map(|&i| option_ids[i]).collect(),
            option_ids,
            points: 1,
        }
    }

    fn setup(questions: Vec<AttemptQuestion>) -> AttemptSetup {
        AttemptSetup {
            attempt_id: AttemptId::from_uuid(Uuid::new_v4()),
            round_id: RoundId::from_uuid(Uuid::new_v4()),
            user_id: UserId::new(),
            questions,
            started_at_ms: 1_000,
            deadline_ms: 61_000,
            grace_ms: 2_000,
        }
    }

    #[test]
    fn validate_accepts_each_kind_and_rejects_misfit_keys() {
        let ok = setup(vec![
            question(QuestionKind::Single, 4, &[2]),
            question(QuestionKind::Multiple, 4, &[0, 3]),
            question(QuestionKind::TrueFalse, 2, &[1]),
        ]);
        assert!(ok.validate().is_ok());
        let cases = [
            (
                "single with two keys",
                question(QuestionKind::Single, 4, &[0, 1]),
            ),
            (
                "multiple with no key",
                question(QuestionKind::Multiple, 4, &[]),
            ),
            (
                "true/false with 3 options",
                question(QuestionKind::TrueFalse, 3, &[0]),
            ),
            ("repeated key", question(QuestionKind::Multiple, 4, &[1, 1])),
        ];
        for (name, q) in cases {
            assert!(setup(vec![q]).validate().is_err(), "{name}");
        }
        assert!(setup(vec![]).validate().is_err(), "empty");
    }

    #[test]
    fn finish_stamp_clamps_to_deadline() {
        assert_eq!(finish_stamp(1_000, 61_000, 31_000), (31_000, 30_000));
        assert_eq!(finish_stamp(1_000, 61_000, 62_000), (61_000, 60_000));
        assert_eq!(finish_stamp(1_000, 61_000, 500), (1_000, 0));
    }
}
