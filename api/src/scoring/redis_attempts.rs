//! Attempts and round results on Redis: typed wrappers around the Lua scripts in `lua/`.
//!
//! # Implementation notes
//! The attempt scripts touch only the attempt's `{a:…}` keys and the record script only the
//! contest's `{c:…}` keys, so both run on Redis Cluster. One exception, on a single server only:
//! the save script also reads the caller's session markers (`{u:…}`), which saves the answer
//! path a round trip; on a cluster they are read by a command of their own first.
//!
//! The due index lives on its own slot and is therefore updated outside the scripts, in an
//! order that is safe after a crash: the entry is added *before* the attempt is stored (so no
//! open attempt lacks one) and removed *after* it is finished (a leftover entry only makes the
//! auto-finisher call an idempotent finish again).

use std::collections::{BTreeMap, HashMap};

use redis::{AsyncCommands, Value};
use uuid::Uuid;

use super::attempt::{
    ATTEMPT_RETENTION_MS, AnswerSaved, Answered, AttemptError, AttemptResult, AttemptSetup,
    AttemptState, DueAttempt, FinishOutcome, OpenOutcome, canonical, joined,
};
use super::keys::id_text;
use super::{AnswerCaller, Keys, RedisStore, SessionRefusal, StoreError, scripts};
use crate::domain::ids::{AttemptId, OptionId, QuestionId, RoundId, UserId};

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_owned())
}

fn int(v: Option<&Value>) -> Result<i64, StoreError> {
    v.and_then(|v| redis::from_redis_value_ref::<i64>(v).ok())
        .ok_or_else(|| corrupt("expected an integer"))
}

fn text(v: Option<&Value>) -> Result<Option<String>, StoreError> {
    match v {
        None | Some(Value::Nil) => Ok(None),
        Some(v) => redis::from_redis_value_ref::<String>(v)
            .map(Some)
            .map_err(|_| corrupt("expected a string")),
    }
}

fn uuid(s: Option<&str>) -> Result<Uuid, StoreError> {
    s.and_then(|s| s.parse().ok())
        .ok_or_else(|| corrupt("expected a uuid"))
}

/// The questions the finish script judged: triples of question id, selection (or nil), 1 if
/// right. `None` when there are none (a repeated finish reports none).
fn answered(rest: &[Value]) -> Result<Option<Vec<Answered>>, StoreError> {
    if rest.is_empty() {
        return Ok(None);
    }
    if !rest.len().is_multiple_of(3) {
        return Err(corrupt("finished answers"));
    }
    rest.chunks_exact(3)
        .map(|t| {
            let selected = match text(t.get(1))? {
                Some(joined) if !joined.is_empty() => joined
                    .split(',')
                    .map(|o| uuid(Some(o)).map(OptionId::from_uuid))
                    .collect::<Result<_, _>>()?,
                _ => Vec::new(),
            };
            Ok(Answered {
                question_id: QuestionId::from_uuid(uuid(text(t.first())?.as_deref())?),
                selected,
                correct: int(t.get(2))? == 1,
            })
        })
        .collect::<Result<_, _>>()
        .map(Some)
}

/// The status word a script put first in its reply.
fn status(reply: &[Value]) -> Result<String, StoreError> {
    text(reply.first())?.ok_or_else(|| corrupt("missing status"))
}

fn refusal(status: &str) -> AttemptError {
    match status {
        "not_found" => AttemptError::NotFound,
        "closed" => AttemptError::Closed,
        "unknown_question" => AttemptError::UnknownQuestion,
        "unknown_option" => AttemptError::UnknownOption,
        "invalid_selection" => AttemptError::InvalidSelection,
        "account_disabled" => AttemptError::Session(SessionRefusal::AccountDisabled),
        "session_ended" => AttemptError::Session(SessionRefusal::Ended),
        other => AttemptError::Store(corrupt(&format!("unknown status {other}"))),
    }
}

/// Reads a finished result out of an attempt's meta hash.
fn result_from_meta(
    attempt_id: AttemptId,
    meta: &HashMap<String, String>,
) -> Result<Option<AttemptResult>, StoreError> {
    if meta.get("finished").is_none() {
        return Ok(None);
    }
    let num = |field: &str| -> Result<i64, StoreError> {
        meta.get(field)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| corrupt(field))
    };
    Ok(Some(AttemptResult {
        attempt_id,
        round_id: RoundId::from_uuid(uuid(meta.get("round").map(String::as_str))?),
        user_id: UserId::from_uuid(uuid(meta.get("user").map(String::as_str))?),
        score: num("score")?,
        max_score: num("max")?,
        correct_count: num("correct")?,
        time_used_ms: num("time_used")?,
        finished_at_ms: num("finished_at")?,
        prediction: meta.get("prediction").and_then(|p| p.parse().ok()),
    }))
}

impl RedisStore {
    pub(super) async fn open_attempt(
        &self,
        keys: &Keys,
        setup: &AttemptSetup,
        answers: &[(QuestionId, Vec<OptionId>)],
    ) -> Result<OpenOutcome, AttemptError> {
        setup.validate()?;
        let mut conn = self.connection();
        let id = setup.attempt_id;
        // NX: a retried open must not move an existing attempt's entry to a new deadline.
        let _: () = redis::cmd("ZADD")
            .arg(keys.attempts_due())
            .arg("NX")
            .arg(setup.closes_at_ms())
            .arg(id.to_string())
            .query_async(&mut conn)
            .await?;
        let mut invocation = scripts::OPEN_ATTEMPT.prepare_invoke();
        invocation
            .key(keys.attempt_meta(id))
            .key(keys.attempt_questions(id))
            .key(keys.attempt_answers(id))
            .arg(setup.ttl_ms())
            .arg(setup.round_id.to_string())
            .arg(setup.user_id.to_string())
            .arg(setup.started_at_ms)
            .arg(setup.deadline_ms)
            .arg(setup.grace_ms)
            .arg(joined(
                &setup
                    .questions
                    .iter()
                    .map(|q| q.question_id.into_uuid())
                    .collect::<Vec<_>>(),
            ))
            .arg(answers.len());
        for (question, selection) in answers {
            invocation
                .arg(question.to_string())
                .arg(joined(&canonical(selection)));
        }
        for q in &setup.questions {
            let spec = format!(
                "{}|{}|{}|{}",
                q.kind.code(),
                q.points,
                joined(&q.option_ids),
                joined(&canonical(&q.correct))
            );
            invocation.arg(q.question_id.to_string()).arg(spec);
        }
        let created: i64 = invocation.invoke_async(&mut conn).await?;
        let state = self
            .attempt_state(keys, id)
            .await?
            .ok_or(AttemptError::NotFound)?;
        if created == 0 {
            // The attempt existed: make its due entry match what is stored. A finished one was
            // re-added above when its entry was already gone, so take it back out.
            let due = keys.attempts_due();
            let _: () = match &state.result {
                Some(_) => conn.zrem(due, id.to_string()).await?,
                None => {
                    conn.zadd(due, id.to_string(), state.deadline_ms + state.grace_ms)
                        .await?
                }
            };
        }
        Ok(OpenOutcome {
            created: created == 1,
            state,
        })
    }

    pub(super) async fn save_answer(
        &self,
        keys: &Keys,
        attempt_id: AttemptId,
        caller: AnswerCaller<'_>,
        question_id: QuestionId,
        option_ids: &[OptionId],
        now_ms: i64,
    ) -> Result<AnswerSaved, AttemptError> {
        let mut conn = self.connection();
        let mut invocation = scripts::SAVE_ANSWER.prepare_invoke();
        invocation
            .key(keys.attempt_meta(attempt_id))
            .key(keys.attempt_questions(attempt_id))
            .key(keys.attempt_answers(attempt_id));
        let mut issued = String::new();
        if let Some(session) = caller.session {
            if self.is_cluster() {
                // The markers' hash slot is the user's, not the attempt's: read them first.
                if let Some(refusal) = session.refusal(&self.markers(session.keys()).await?) {
                    return Err(AttemptError::Session(refusal));
                }
            } else {
                for key in session.keys() {
                    invocation.key(key);
                }
                issued = session.issued_ms().to_string();
            }
        }
        invocation
            .arg(now_ms)
            .arg(id_text(question_id.into_uuid()))
            .arg(
                caller
                    .owner
                    .map(|u| id_text(u.into_uuid()))
                    .unwrap_or_default(),
            )
            .arg(issued);
        for option in canonical(option_ids) {
            invocation.arg(id_text(option.into_uuid()));
        }
        let reply: Vec<Value> = invocation.invoke_async(&mut conn).await?;
        match status(&reply)?.as_str() {
            "ok" => Ok(AnswerSaved {
                saved_at_ms: int(reply.get(1))?,
                remaining_ms: int(reply.get(2))?,
            }),
            other => Err(refusal(other)),
        }
    }

    pub(super) async fn finish_attempt(
        &self,
        keys: &Keys,
        attempt_id: AttemptId,
        now_ms: i64,
        prediction: Option<i64>,
    ) -> Result<FinishOutcome, AttemptError> {
        let mut conn = self.connection();
        let reply: Vec<Value> = scripts::FINISH_ATTEMPT
            .key(keys.attempt_meta(attempt_id))
            .key(keys.attempt_questions(attempt_id))
            .key(keys.attempt_answers(attempt_id))
            .arg(now_ms)
            .arg(prediction.map(|p| p.to_string()).unwrap_or_default())
            .arg(ATTEMPT_RETENTION_MS)
            .invoke_async(&mut conn)
            .await?;
        let status = status(&reply)?;
        // Finished or gone: either way it is no longer due.
        let _: () = conn
            .zrem(keys.attempts_due(), attempt_id.to_string())
            .await?;
        if status != "ok" {
            return Err(refusal(&status));
        }
        let prediction = match text(reply.get(9))? {
            None => None,
            Some(p) => Some(p.parse().map_err(|_| corrupt("prediction"))?),
        };
        Ok(FinishOutcome {
            result: AttemptResult {
                attempt_id,
                round_id: RoundId::from_uuid(uuid(text(reply.get(7))?.as_deref())?),
                user_id: UserId::from_uuid(uuid(text(reply.get(8))?.as_deref())?),
                score: int(reply.get(1))?,
                max_score: int(reply.get(2))?,
                correct_count: int(reply.get(3))?,
                time_used_ms: int(reply.get(4))?,
                finished_at_ms: int(reply.get(5))?,
                prediction,
            },
            already_finished: int(reply.get(6))? == 1,
            answered: answered(reply.get(10..).unwrap_or_default())?,
        })
    }

    pub(super) async fn attempt_state(
        &self,
        keys: &Keys,
        attempt_id: AttemptId,
    ) -> Result<Option<AttemptState>, StoreError> {
        let mut conn = self.connection();
        // MULTI/EXEC: both keys share the attempt's slot, and the reader sees one moment.
        let (meta, answers): (HashMap<String, String>, HashMap<String, String>) = redis::pipe()
            .atomic()
            .hgetall(keys.attempt_meta(attempt_id))
            .hgetall(keys.attempt_answers(attempt_id))
            .query_async(&mut conn)
            .await?;
        if meta.is_empty() {
            return Ok(None);
        }
        let num = |field: &str| -> Result<i64, StoreError> {
            meta.get(field)
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| corrupt(field))
        };
        let question_ids = meta
            .get("order")
            .map(|o| {
                o.split(',')
                    .map(|q| uuid(Some(q)).map(QuestionId::from_uuid))
                    .collect()
            })
            .transpose()?
            .unwrap_or_default();
        let mut selections = BTreeMap::new();
        for (question, options) in &answers {
            let options = options
                .split(',')
                .map(|o| uuid(Some(o)).map(OptionId::from_uuid))
                .collect::<Result<Vec<_>, _>>()?;
            selections.insert(uuid(Some(question))?, options);
        }
        Ok(Some(AttemptState {
            attempt_id,
            round_id: RoundId::from_uuid(uuid(meta.get("round").map(String::as_str))?),
            user_id: UserId::from_uuid(uuid(meta.get("user").map(String::as_str))?),
            question_ids,
            selections,
            started_at_ms: num("started")?,
            deadline_ms: num("deadline")?,
            grace_ms: num("grace")?,
            result: result_from_meta(attempt_id, &meta)?,
        }))
    }

    pub(super) async fn due_for_auto_finish(
        &self,
        keys: &Keys,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<DueAttempt>, StoreError> {
        let mut conn = self.connection();
        // `(now` is exclusive: at exactly deadline + grace an answer is still accepted.
        let due: Vec<(String, f64)> = redis::cmd("ZRANGEBYSCORE")
            .arg(keys.attempts_due())
            .arg("-inf")
            .arg(format!("({now_ms}"))
            .arg("WITHSCORES")
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query_async(&mut conn)
            .await?;
        Ok(due
            .into_iter()
            .filter_map(|(member, closes_at)| {
                #[allow(clippy::cast_possible_truncation)]
                // Scores are integer milliseconds below 2^53, so the cast is exact.
                let closes_at_ms = closes_at as i64;
                Some(DueAttempt {
                    attempt_id: member.parse().ok()?,
                    closes_at_ms,
                })
            })
            .collect())
    }
}
