//! Attempts and round results in the in-process store: the same meaning as the Lua scripts in
//! `lua/`, for the embedded single-server default.
//!
//! # Implementation notes
//! One mutex over attempts and the due index, held for each operation's whole
//! read-modify-write, which is what a Lua script gives on Redis. Kept apart from the rate-limit
//! counters' mutex so logins and answers do not contend. Expiry mirrors the Redis TTLs on the
//! process's monotonic clock; expired attempts are swept at most once a minute.
//!
//! An attempt is kept compact: a contest day holds every running attempt here, and every
//! finished one for a day after. Its questions are one boxed slice in the order shown, each
//! with its options, key and answer as boxed slices (a question is found by a scan: an attempt
//! has tens of them); a finished attempt drops its options and keys, which only saving and
//! scoring need. An attempt of 20 questions of 4 options, all answered, holds 4.0 KB
//! running and 2.3 KB finished, against 9.9 KB either way with a hash map of questions and a
//! B-tree of answers per attempt (`tests/memory_per_attempt.rs` counts it).

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::MemoryStore;
use super::attempt::{
    ATTEMPT_RETENTION_MS, AnswerSaved, Answered, AttemptError, AttemptResult, AttemptSetup,
    AttemptState, DueAttempt, FinishOutcome, OpenOutcome, QuestionKind, canonical, finish_stamp,
};
use crate::domain::ids::{AttemptId, OptionId, QuestionId, RoundId, UserId};

const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The attempts part of [`MemoryStore`].
#[derive(Default)]
pub(super) struct Attempts {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    attempts: HashMap<AttemptId, Attempt>,
    /// `(deadline + grace, attempt)` of unfinished attempts: the Redis due sorted set.
    due: BTreeSet<(i64, AttemptId)>,
    next_sweep: Option<Instant>,
}

struct Question {
    id: QuestionId,
    kind: QuestionKind,
    points: i64,
    /// Every option the question has (emptied once the attempt is finished).
    options: Box<[OptionId]>,
    /// The correct options, canonical (emptied once the attempt is finished).
    key: Box<[OptionId]>,
    /// The saved selection, canonical.
    answer: Option<Box<[OptionId]>>,
}

struct Attempt {
    round_id: RoundId,
    user_id: UserId,
    /// In the order shown.
    questions: Box<[Question]>,
    started_at_ms: i64,
    deadline_ms: i64,
    grace_ms: i64,
    result: Option<AttemptResult>,
    expires: Instant,
}

fn after(ms: i64) -> Instant {
    Instant::now() + Duration::from_millis(ms.max(0).unsigned_abs())
}

impl Attempt {
    fn state(&self, attempt_id: AttemptId) -> AttemptState {
        AttemptState {
            attempt_id,
            round_id: self.round_id,
            user_id: self.user_id,
            question_ids: self.questions.iter().map(|q| q.id).collect(),
            selections: self
                .questions
                .iter()
                .filter_map(|q| Some((q.id.into_uuid(), q.answer.as_deref()?.to_vec())))
                .collect(),
            started_at_ms: self.started_at_ms,
            deadline_ms: self.deadline_ms,
            grace_ms: self.grace_ms,
            result: self.result.clone(),
        }
    }
}

impl Attempt {
    fn question(&mut self, id: QuestionId) -> Option<&mut Question> {
        self.questions.iter_mut().find(|q| q.id == id)
    }
}

impl State {
    /// The attempt unless missing or expired (an expired one is dropped, as Redis would).
    fn attempt(&mut self, id: AttemptId) -> Option<&mut Attempt> {
        let now = Instant::now();
        if self.attempts.get(&id).is_some_and(|a| a.expires <= now) {
            self.remove_attempt(id);
        }
        self.attempts.get_mut(&id)
    }

    fn remove_attempt(&mut self, id: AttemptId) {
        if let Some(a) = self.attempts.remove(&id) {
            self.due.remove(&(a.deadline_ms + a.grace_ms, id));
        }
    }

    fn sweep(&mut self) {
        let now = Instant::now();
        if self.next_sweep.is_some_and(|at| at > now) {
            return;
        }
        self.next_sweep = Some(now + SWEEP_EVERY);
        let expired: Vec<AttemptId> = self
            .attempts
            .iter()
            .filter(|(_, a)| a.expires <= now)
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            self.remove_attempt(id);
        }
    }
}

impl MemoryStore {
    fn attempts(&self) -> MutexGuard<'_, State> {
        // Every update below checks before it writes, so a panic cannot leave half an update
        // behind; a poisoned lock is safe to keep using.
        self.attempts
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn open_attempt(
        &self,
        setup: &AttemptSetup,
        answers: &[(QuestionId, Vec<OptionId>)],
    ) -> Result<OpenOutcome, AttemptError> {
        setup.validate()?;
        let mut state = self.attempts();
        state.sweep();
        if let Some(existing) = state.attempt(setup.attempt_id) {
            return Ok(OpenOutcome {
                created: false,
                state: existing.state(setup.attempt_id),
            });
        }
        let mut attempt = Attempt {
            round_id: setup.round_id,
            user_id: setup.user_id,
            questions: setup
                .questions
                .iter()
                .map(|q| Question {
                    id: q.question_id,
                    kind: q.kind,
                    points: q.points,
                    options: q.option_ids.clone().into_boxed_slice(),
                    key: canonical(&q.correct).into_boxed_slice(),
                    answer: None,
                })
                .collect(),
            started_at_ms: setup.started_at_ms,
            deadline_ms: setup.deadline_ms,
            grace_ms: setup.grace_ms,
            result: None,
            expires: after(setup.ttl_ms()),
        };
        // The journal only holds answers to the attempt's own questions.
        for (question, selection) in answers {
            if let Some(q) = attempt.question(*question) {
                q.answer = Some(canonical(selection).into_boxed_slice());
            }
        }
        let opened = attempt.state(setup.attempt_id);
        state.attempts.insert(setup.attempt_id, attempt);
        state.due.insert((setup.closes_at_ms(), setup.attempt_id));
        Ok(OpenOutcome {
            created: true,
            state: opened,
        })
    }

    pub(super) fn save_answer(
        &self,
        attempt_id: AttemptId,
        owner: Option<UserId>,
        question_id: QuestionId,
        option_ids: &[OptionId],
        now_ms: i64,
    ) -> Result<AnswerSaved, AttemptError> {
        let selection = canonical(option_ids);
        let mut state = self.attempts();
        let attempt = state
            .attempt(attempt_id)
            .filter(|a| owner.is_none_or(|o| o == a.user_id))
            .ok_or(AttemptError::NotFound)?;
        // Same checks, same order as lua/save_answer.lua.
        if attempt.result.is_some() || now_ms > attempt.deadline_ms + attempt.grace_ms {
            return Err(AttemptError::Closed);
        }
        let question = attempt
            .question(question_id)
            .ok_or(AttemptError::UnknownQuestion)?;
        if !selection.iter().all(|o| question.options.contains(o)) {
            return Err(AttemptError::UnknownOption);
        }
        if !question.kind.accepts(selection.len()) {
            return Err(AttemptError::InvalidSelection);
        }
        question.answer = Some(selection.into_boxed_slice());
        Ok(AnswerSaved {
            saved_at_ms: now_ms,
            remaining_ms: (attempt.deadline_ms - now_ms).max(0),
        })
    }

    pub(super) fn finish_attempt(
        &self,
        attempt_id: AttemptId,
        now_ms: i64,
        prediction: Option<i64>,
    ) -> Result<FinishOutcome, AttemptError> {
        let mut state = self.attempts();
        let attempt = state.attempt(attempt_id).ok_or(AttemptError::NotFound)?;
        if let Some(result) = &attempt.result {
            let result = result.clone();
            return Ok(FinishOutcome {
                result,
                already_finished: true,
                answered: None,
            });
        }
        let (mut score, mut max_score, mut correct_count) = (0, 0, 0);
        let mut answered = Vec::with_capacity(attempt.questions.len());
        for question in &attempt.questions {
            max_score += question.points;
            if question.answer.as_deref() == Some(&question.key) {
                score += question.points;
                correct_count += 1;
            }
            let selected = question.answer.as_deref().unwrap_or_default();
            answered.push(Answered {
                question_id: question.id,
                selected: selected.to_vec(),
                correct: !selected.is_empty() && *selected == *question.key,
            });
        }
        let (finished_at_ms, time_used_ms) =
            finish_stamp(attempt.started_at_ms, attempt.deadline_ms, now_ms);
        let result = AttemptResult {
            attempt_id,
            round_id: attempt.round_id,
            user_id: attempt.user_id,
            score,
            max_score,
            correct_count,
            time_used_ms,
            finished_at_ms,
            prediction: prediction.filter(|_| now_ms <= attempt.deadline_ms + attempt.grace_ms),
        };
        attempt.result = Some(result.clone());
        attempt.expires = after(ATTEMPT_RETENTION_MS);
        // Kept a day for resuming and repeated finishes, neither of which needs them.
        for question in &mut attempt.questions {
            question.options = Box::default();
            question.key = Box::default();
        }
        let due = (attempt.deadline_ms + attempt.grace_ms, attempt_id);
        state.due.remove(&due);
        Ok(FinishOutcome {
            result,
            already_finished: false,
            answered: Some(answered),
        })
    }

    pub(super) fn attempt_state(&self, attempt_id: AttemptId) -> Option<AttemptState> {
        self.attempts()
            .attempt(attempt_id)
            .map(|a| a.state(attempt_id))
    }

    pub(super) fn due_for_auto_finish(&self, now_ms: i64, limit: usize) -> Vec<DueAttempt> {
        let mut state = self.attempts();
        state.sweep();
        state
            .due
            .iter()
            .take_while(|(closes_at, _)| *closes_at < now_ms)
            .take(limit)
            .map(|&(closes_at_ms, attempt_id)| DueAttempt {
                attempt_id,
                closes_at_ms,
            })
            .collect()
    }
}
