//! Attempts: starting (eligibility, limits, the draw), saving answers, finishing (by the member
//! or automatically at the deadline), resuming, and restoring the scoring store from the
//! database when it lost an attempt.
//!
//! Part of the application layer ([`crate::app`]): publishing finishes the attempts left open,
//! and attempts ask [`crate::app::contest_access`] who may enter, so both live under `app`.
//!
//! The scoring store decides everything time-critical (deadline, scoring, exactly-once finish)
//! atomically; the database is the record. Routes stay thin and call these functions; the
//! auto-finisher calls the same `finish` path as a member's request.

pub mod draw;
/// The answer journal is a write-behind buffer of the database: it lives in `persistence`.
pub use crate::persistence::journal;

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use question_bank::Kind;
use rand::RngCore;
use sea_orm::TransactionTrait;
use uuid::Uuid;

use crate::app::{callers, contest_access, sessions};
use crate::auth::Caller;
use crate::auth::jwt::Claims;
use crate::caches::catalog::DrawPool;
use crate::domain::contest::{Pool, Review};
use crate::domain::ids::{
    AttemptId, ContestId, OptionId, QuestionId, QuestionVersionId, RoundId, UnitId, UserId,
};
use crate::error::{ApiError, Conflict, FieldError};
use crate::persistence::attempts::{AnswerRow, AttemptRecord, DrawnQuestion, NewAttempt, Outcome};
use crate::persistence::contests::{Contest, Round};
use crate::persistence::questions::{Filter, StoredQuestion, VersionContent, Visibility};
use crate::persistence::tokens::ClientInfo;
use crate::persistence::{self, PersistenceError};
use crate::scoring::lease::Lease;
use crate::scoring::{
    AnswerCaller, AttemptError, AttemptQuestion, AttemptResult, AttemptSetup, QuestionKind,
};
use crate::state::AppState;

use crate::domain::time::now_ms;
pub use crate::domain::time::{from_ms, ms};

impl From<AttemptError> for ApiError {
    fn from(e: AttemptError) -> Self {
        match e {
            AttemptError::NotFound => ApiError::NotFound("attempt"),
            AttemptError::Closed => Conflict::AttemptClosed.into(),
            AttemptError::UnknownQuestion => {
                ApiError::field("/question_id", "this question is not part of the attempt")
            }
            AttemptError::UnknownOption => {
                ApiError::field("/option_ids", "an option does not belong to this question")
            }
            AttemptError::InvalidSelection => ApiError::field(
                "/option_ids",
                "choose exactly one option (or at least one for a multiple-answer question)",
            ),
            AttemptError::InvalidSetup(why) => {
                ApiError::Unexpected(anyhow::anyhow!("invalid attempt setup: {why}"))
            }
            AttemptError::Session(refusal) => sessions::refused(refusal),
            AttemptError::Store(e) => e.into(),
        }
    }
}

fn scoring_kind(kind: Kind) -> QuestionKind {
    match kind {
        Kind::Single => QuestionKind::Single,
        Kind::Multiple => QuestionKind::Multiple,
        Kind::TrueFalse => QuestionKind::TrueFalse,
    }
}

/// Starts an attempt: the round must be open, the person must have attempts left and no other
/// attempt running; the questions are drawn by quota from a fresh seed.
pub async fn start(
    state: &AppState,
    user: UserId,
    round_id: RoundId,
    client: &ClientInfo,
) -> Result<Started, ApiError> {
    // The round and its contest come from the catalog, and who is starting from the people's
    // cache: in a start storm every start reads the same two rows, and the entrant's grants
    // and unit were read moments ago by the home screen. Edits drop both at once.
    let round = state.catalog.round(&state.db, round_id).await?;
    let contest = state.catalog.contest(&state.db, round.contest_id).await?;
    // The unit the attempt counts for: the entrant's unit now. Boards place it by that unit's
    // current position in the tree, so a moved subtree keeps its results.
    let callers::Known {
        caller,
        unit_id: entrant_unit,
        tree,
    } = callers::known(state, user).await?;
    // Eligibility first, so that nobody learns more of a round they may not enter (404 for
    // someone who may not even see it).
    contest_access::check_round_entry(&state.db, &caller, entrant_unit, &tree, &contest, &round)
        .await?;
    let now = now_ms();
    let s = &round.settings;
    if now < s.opens_at || now >= s.closes_at {
        return Err(if now < s.opens_at {
            Conflict::RoundNotYetOpen {
                opens_at: s.opens_at,
            }
        } else {
            Conflict::RoundClosed {
                closes_at: s.closes_at,
            }
        }
        .into());
    }
    // Fail fast, before anything is written, when the store that would run the attempt is down.
    state.store.ping().await?;
    // Nearly every start is the person's first in the round (in a storm, all of them), and a
    // first attempt passes every rule below. So it is opened as number 1 without reading the
    // earlier ones: one statement less in a storm. The number taken is what says there were
    // some; only then are they read and the rules applied.
    let first = Opening {
        previous: 0,
        now,
        preview: false,
        entrant_unit: Some(entrant_unit),
        client,
    };
    match open_attempt(state, &caller, &contest, &round, first).await {
        Ok(Some(started)) => return Ok(started),
        Ok(None) => {}
        // Refused before anything was written. The earlier attempts' rules come first: an
        // attempt still running is resumed, not refused because the pool shrank since it began.
        Err(ApiError::ReadsAnswerKey | ApiError::Conflict(Conflict::PoolTooSmall)) => {}
        Err(e) => return Err(e),
    }
    let previous = persistence::attempts::of_user_in_round(&state.db, user, round.id).await?;
    for running in previous.iter().filter(|a| !a.finished) {
        if ms(now) <= ms(running.deadline) + running.grace_ms {
            return Err(Conflict::AttemptInProgress {
                attempt_id: Some(running.id.into_uuid()),
            }
            .into());
        }
        // Its time is up but the auto-finisher has not reached it yet: finish it now.
        finish(state, running, None, now).await?;
    }
    // Organizers' previews of a counted round never use up an attempt.
    let counted_before: Vec<AttemptRecord> = previous
        .iter()
        .filter(|a| !is_preview(a, &contest, &round))
        .cloned()
        .collect();
    if let Some(allowed) = s.attempts_allowed
        && counted_before.len() >= allowed as usize
    {
        return Err(Conflict::AttemptsExhausted {
            attempts_allowed: allowed,
        }
        .into());
    }
    if contest.settings.kind == crate::domain::contest::ContestKind::TheoryTest {
        crate::app::theory::check_retry_wait(&state.db, round.id, &counted_before, now).await?;
    }
    let how = Opening {
        previous: previous.len(),
        now,
        preview: false,
        entrant_unit: Some(entrant_unit),
        client,
    };
    open_attempt(state, &caller, &contest, &round, how)
        .await?
        .ok_or_else(number_taken)
}

/// Whether `a` is an organizer's preview: a practice attempt in a round that counts (a
/// practice round's or practice contest's attempts are all practice anyway).
fn is_preview(a: &AttemptRecord, contest: &Contest, round: &Round) -> bool {
    a.practice && contest_access::counts(contest, round)
}

/// Whether practice attempt `record` is an organizer's preview (see [`is_preview`]).
async fn preview_of_counted_round(
    state: &AppState,
    record: &AttemptRecord,
) -> Result<bool, ApiError> {
    let contest = state.catalog.contest(&state.db, record.contest_id).await?;
    let round = persistence::contests::get_round(&state.db, record.round_id).await?;
    Ok(is_preview(record, &contest, &round))
}

/// Starts an organizer's preview of `round_id`: the round as a member would take it (the same
/// draw, time limit, shuffling and prediction), at any time before or during the round, as
/// a practice attempt that never counts: no board, no result, no use of an attempt, and the
/// round is not marked started (its settings stay editable). Only the contest's managers.
pub async fn start_preview(
    state: &AppState,
    caller: &Caller,
    round_id: RoundId,
    client: &ClientInfo,
) -> Result<Started, ApiError> {
    let round = persistence::contests::get_round(&state.db, round_id).await?;
    let contest = persistence::contests::get(&state.db, round.contest_id).await?;
    match contest_access::access(&state.db, caller, &contest).await {
        Ok(contest_access::Access::Manage) => {}
        Ok(contest_access::Access::Enter) => return Err(ApiError::Forbidden),
        Err(_) => return Err(ApiError::NotFound("round")),
    }
    let now = now_ms();
    state.store.ping().await?;
    let previous = persistence::attempts::of_user_in_round(&state.db, caller.id, round.id).await?;
    for running in previous.iter().filter(|a| !a.finished) {
        if ms(now) <= ms(running.deadline) + running.grace_ms {
            return Err(Conflict::AttemptInProgress {
                attempt_id: Some(running.id.into_uuid()),
            }
            .into());
        }
        finish(state, running, None, now).await?;
    }
    let how = Opening {
        previous: previous.len(),
        now,
        preview: true,
        entrant_unit: None,
        client,
    };
    open_attempt(state, caller, &contest, &round, how)
        .await?
        .ok_or_else(number_taken)
}

/// Another start of the same person in the same round took the attempt's number first.
fn number_taken() -> ApiError {
    Conflict::AttemptInProgress { attempt_id: None }.into()
}

/// A new attempt, and what its questions show as they were drawn: the start's answer needs
/// no second read of the versions (in a storm, one query per start less).
pub struct Started {
    /// The attempt.
    pub record: AttemptRecord,
    /// The drawn versions' content, by version id.
    pub shown: HashMap<QuestionVersionId, VersionContent>,
}

/// How an attempt is being opened.
struct Opening<'a> {
    /// The person's attempts in the round so far (previews included), for its number.
    previous: usize,
    /// Now, to the millisecond.
    now: DateTime<Utc>,
    /// An organizer's preview.
    preview: bool,
    /// The unit the attempt counts for (none for a preview, which counts for no unit).
    entrant_unit: Option<UnitId>,
    /// Where the request came from.
    client: &'a ClientInfo,
}

/// The filters of a round's pool on `day`, one per group: a fixed list, or one per quota.
fn group_filters(round: &Round, day: chrono::NaiveDate) -> Vec<Filter> {
    let drawable = Some((day, day));
    match &round.settings.pool {
        Pool::Questions { question_ids } => vec![Filter {
            ids: Some(question_ids.clone()),
            drawable_between: drawable,
            ..Filter::default()
        }],
        Pool::Quotas { quotas } => quotas
            .iter()
            .map(|q| Filter {
                topic: Some(q.topic.clone()),
                difficulty: q.difficulty,
                drawable_between: drawable,
                ..Filter::default()
            })
            .collect(),
    }
}

/// How many questions each group of the round's pool gives an attempt, in the pool's order.
fn group_counts(round: &Round) -> Vec<usize> {
    let s = &round.settings;
    match &s.pool {
        Pool::Questions { .. } => vec![s.questions_per_attempt as usize],
        Pool::Quotas { quotas } => quotas.iter().map(|q| q.count as usize).collect(),
    }
}

/// Reads what `round` draws from on `day`: the questions of the host unit's banks (its own and
/// those above it that are shared) drawable that day, per group of its pool.
async fn load_pool(
    state: &AppState,
    contest: &Contest,
    round: &Round,
    day: chrono::NaiveDate,
) -> Result<DrawPool, PersistenceError> {
    let host = persistence::units::get(&state.db, contest.settings.unit_id).await?;
    let visibility = Visibility {
        roots: Some(vec![host.path]),
    };
    let mut groups = Vec::new();
    for filter in group_filters(round, day) {
        let (found, _) =
            persistence::questions::search(&state.db, &visibility, &filter, 0, 10_000).await?;
        groups.push(found);
    }
    Ok(DrawPool { groups })
}

/// Draws the questions and opens the attempt in the database and the scoring store; `None`
/// when the attempt's number (one more than `previous`) was taken, nothing written. A
/// `preview` skips the answer-key rule (it never counts), is not cut short by the round's
/// close, belongs to no unit, and leaves the round unstarted.
async fn open_attempt(
    state: &AppState,
    caller: &Caller,
    contest: &Contest,
    round: &Round,
    how: Opening<'_>,
) -> Result<Option<Started>, ApiError> {
    let Opening {
        previous,
        now,
        preview,
        entrant_unit,
        client,
    } = how;
    let s = &round.settings;
    let today = now.date_naive();
    let pool = state
        .catalog
        .pool(round.id, today, || load_pool(state, contest, round, today))
        .await?;
    let mut candidates: HashMap<Uuid, &StoredQuestion> = HashMap::new();
    let mut groups = Vec::with_capacity(pool.groups.len());
    for (found, count) in pool.groups.iter().zip(group_counts(round)) {
        groups.push(draw::Group {
            candidates: found.iter().map(|q| q.id.into_uuid()).collect(),
            count,
        });
        candidates.extend(found.iter().map(|q| (q.id.into_uuid(), q)));
    }
    // Whoever can read the key of a question this round may draw does not enter it.
    if !preview {
        contest_access::check_not_key_reader(
            &state.db,
            caller,
            contest,
            round,
            candidates.values().map(|q| q.unit_id),
        )
        .await?;
    }
    let seed = rand::rng().next_u64();
    let drawn_ids = draw::draw(&groups, s.shuffle_questions, seed).map_err(|e| {
        tracing::warn!(round.id = %round.id, error = %e, "the round's pool cannot supply an attempt");
        Conflict::PoolTooSmall
    })?;
    let mut drawn = Vec::with_capacity(drawn_ids.len());
    let mut shown = HashMap::with_capacity(drawn_ids.len());
    let mut setup_questions = Vec::with_capacity(drawn_ids.len());
    for id in &drawn_ids {
        let q = *candidates
            .get(id)
            .ok_or(PersistenceError::NotFound("question"))?;
        // True/false options follow the round's setting too: a bank that lists "Đúng" first and
        // answers it in most statements would otherwise give the answer away (#19).
        let order = draw::option_order(
            q.option_ids.len(),
            s.shuffle_options,
            seed,
            q.id.into_uuid(),
        );
        let option_ids: Vec<OptionId> = order.iter().map(|i| q.option_ids[*i]).collect();
        let correct: Vec<OptionId> = q
            .option_ids
            .iter()
            .zip(&q.content.options)
            .filter(|(_, o)| o.correct)
            .map(|(id, _)| *id)
            .collect();
        setup_questions.push(AttemptQuestion {
            question_id: q.id,
            kind: scoring_kind(q.content.kind),
            option_ids: option_ids.clone(),
            correct,
            points: i64::from(s.points_per_question),
        });
        shown.insert(q.version_id, q.shown());
        drawn.push(DrawnQuestion {
            question_id: q.id,
            version_id: q.version_id,
            kind: q.content.kind,
            option_ids,
        });
    }
    let full_time = now + chrono::Duration::seconds(i64::from(s.time_limit_seconds));
    let deadline = from_ms(ms(if preview {
        full_time
    } else {
        full_time.min(s.closes_at)
    }));
    let grace_ms = i64::try_from(state.settings.attempt_grace_seconds * 1000).unwrap_or(5000);
    let id = AttemptId::new();
    let seq = i32::try_from(previous + 1).unwrap_or(i32::MAX);
    let max_score = i64::from(s.points_per_question) * drawn.len() as i64;
    let attempt = NewAttempt {
        id,
        // A preview counts for no unit (participation, boards).
        unit_id: entrant_unit,
        round_id: round.id,
        contest_id: contest.id,
        user_id: caller.id,
        seq,
        seed: i64::from_ne_bytes(seed.to_ne_bytes()),
        questions: &drawn,
        started_at: now,
        deadline,
        grace_ms,
        max_score,
        practice: preview
            || s.practice
            || contest.settings.kind == crate::domain::contest::ContestKind::Practice,
        client_ip: client.ip.clone(),
        user_agent: client.user_agent.clone(),
    };
    // A preview leaves the round's settings editable. Only the first start of a round marks it
    // started, in the same transaction; every later one is a single insert, which commits on
    // its own (in a storm, three round trips to the database less per start).
    let mut marked_started = false;
    let inserted = if !preview && round.first_started_at.is_none() {
        let txn = state.db.begin().await.map_err(PersistenceError::from)?;
        let inserted = persistence::attempts::insert(&txn, attempt).await;
        if inserted.is_ok() {
            marked_started = persistence::contests::mark_started(&txn, round.id, now).await?;
            txn.commit().await.map_err(PersistenceError::from)?;
        }
        inserted
    } else {
        persistence::attempts::insert(&state.db, attempt).await
    };
    let record = match inserted {
        Ok(record) => record,
        Err(PersistenceError::Duplicate(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if marked_started {
        // The catalog's copies still say "not started": drop them everywhere (the round only,
        // not what it draws from, which the next starts would all wait to read again).
        crate::app::coherence::changed(
            state,
            crate::caches::coherence::Change::round_started(round),
        )
        .await;
    }
    let setup = AttemptSetup {
        attempt_id: id,
        round_id: round.id,
        user_id: caller.id,
        questions: setup_questions,
        started_at_ms: ms(now),
        deadline_ms: ms(deadline),
        grace_ms,
    };
    // A clock the member cannot use must not run: if the store cannot take the attempt, the
    // attempt is withdrawn (nothing was answered yet) and the member is told to retry, which
    // then starts afresh instead of meeting a 409 for an attempt they never saw.
    if let Err(e) = state.store.open_attempt(&state.keys, &setup).await {
        tracing::error!(attempt.id = %id, error = %e, "could not open the attempt in the scoring store; withdrawing it");
        if let Err(withdraw) = persistence::attempts::withdraw_unanswered(&state.db, id).await {
            // The row stays; the next request restores it into the store.
            tracing::error!(attempt.id = %id, error = %withdraw, "could not withdraw the attempt");
        }
        return Err(ApiError::Unavailable(anyhow::anyhow!(
            "the scoring store did not take the attempt: {e}"
        )));
    }
    Ok(Some(Started { record, shown }))
}

/// Rebuilds an attempt in the scoring store from the database: its questions and key from the
/// versions it showed, then its journaled answers, replayed at the times they were saved.
pub async fn restore(state: &AppState, record: &AttemptRecord) -> Result<(), ApiError> {
    settle_journal(state).await?;
    restore_settled(state, record).await
}

/// Waits until the journal holds every answer acknowledged before now: this instance's queue
/// written, and, when answers are acknowledged before their write, the other instances' given
/// [`journal::HORIZON`] to write theirs. Rebuilding an attempt from a journal without them
/// would lose them for good.
async fn settle_journal(state: &AppState) -> Result<(), ApiError> {
    if !state.journal.settle().await {
        return Err(ApiError::Unavailable(anyhow::anyhow!(
            "acknowledged answers could not be journaled yet; the attempt cannot be restored"
        )));
    }
    if state.journal.acknowledges_before_writing() {
        tokio::time::sleep(journal::HORIZON).await;
    }
    Ok(())
}

/// [`restore`], the journal settled.
async fn restore_settled(state: &AppState, record: &AttemptRecord) -> Result<(), ApiError> {
    let round = persistence::contests::get_round(&state.db, record.round_id).await?;
    let version_ids: Vec<QuestionVersionId> =
        record.questions.iter().map(|q| q.version_id).collect();
    let versions: HashMap<QuestionVersionId, VersionContent> =
        persistence::questions::versions(&state.db, &version_ids)
            .await?
            .into_iter()
            .map(|v| (v.version_id, v))
            .collect();
    let mut questions = Vec::with_capacity(record.questions.len());
    for q in &record.questions {
        let v = versions
            .get(&q.version_id)
            .ok_or(PersistenceError::NotFound("question version"))?;
        questions.push(AttemptQuestion {
            question_id: q.question_id,
            kind: scoring_kind(q.kind),
            option_ids: q.option_ids.clone(),
            correct: v
                .options
                .iter()
                .filter(|o| o.correct)
                .map(|o| o.id)
                .collect(),
            points: i64::from(round.settings.points_per_question),
        });
    }
    let setup = AttemptSetup {
        attempt_id: record.id,
        round_id: record.round_id,
        user_id: record.user_id,
        questions,
        started_at_ms: ms(record.started_at),
        deadline_ms: ms(record.deadline),
        grace_ms: record.grace_ms,
    };
    let journaled: Vec<(QuestionId, Vec<OptionId>)> =
        persistence::attempts::answers(&state.db, record.id)
            .await?
            .into_iter()
            .map(|a| (a.question_id, a.option_ids))
            .collect();
    // The journal's answers go in with the attempt, in one step: an answer saved once the
    // attempt exists again (by this member's next request) is newer than any of them and is
    // never overwritten. Restored meanwhile by another request: nothing changes.
    if !state
        .store
        .open_attempt_with_answers(&state.keys, &setup, &journaled)
        .await?
        .created
    {
        return Ok(());
    }
    tracing::warn!(attempt.id = %record.id, "attempt restored into the scoring store from the database");
    Ok(())
}

/// Loads an attempt that belongs to `user` (404 for anyone else's).
pub async fn own_attempt(
    state: &AppState,
    user: UserId,
    id: AttemptId,
) -> Result<AttemptRecord, ApiError> {
    let record = persistence::attempts::get(&state.db, id).await?;
    if record.user_id != user {
        return Err(ApiError::NotFound("attempt"));
    }
    Ok(record)
}

/// Saves one answer of the caller's attempt (idempotent; may change until the attempt ends)
/// and journals it. The caller's token is verified; their session is checked here, by the
/// store's call (see [`sessions::check_with_store`]). The hot path touches only the scoring
/// store, once: ownership and the session are checked by the store script; the database is
/// read only when the store does not know the attempt (someone else's, unknown, or lost by
/// the store, which is then restored).
pub async fn save(
    state: &AppState,
    caller: &Claims,
    attempt_id: AttemptId,
    question_id: QuestionId,
    option_ids: &[OptionId],
) -> Result<crate::scoring::AnswerSaved, ApiError> {
    let now = now_ms();
    let user = UserId::from_uuid(caller.sub);
    let session = sessions::check_with_store(state, caller).await?;
    let caller = AnswerCaller {
        owner: Some(user),
        session: session.as_ref(),
    };
    let store = &state.store;
    let save = || {
        store.save_answer_for(
            &state.keys,
            attempt_id,
            caller,
            question_id,
            option_ids,
            ms(now),
        )
    };
    let saved = match save().await {
        Err(AttemptError::NotFound) => {
            let record = own_attempt(state, user, attempt_id).await?;
            if record.finished {
                return Err(AttemptError::Closed.into());
            }
            restore(state, &record).await?;
            save().await?
        }
        other => other?,
    };
    // Acknowledged only once journaled, or queued to be journaled by this instance (see
    // `journal`): a store that restarts empty gets it back from the journal.
    let durable = state
        .journal
        .record(AnswerRow {
            attempt_id,
            question_id,
            option_ids: option_ids.to_vec(),
            saved_at: now,
        })
        .await;
    if !durable {
        return Err(ApiError::Unavailable(anyhow::anyhow!(
            "the answer is in the scoring store but could not be journaled"
        )));
    }
    Ok(saved)
}

/// Finishes the member's own attempt `id` at `now` with their answer to the prediction
/// question (required while the attempt is open and in time, when the round has one; ignored
/// when it has none). Returns the finished attempt and its round.
pub async fn finish_own(
    state: &AppState,
    user: UserId,
    id: AttemptId,
    prediction: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(AttemptRecord, std::sync::Arc<Round>), ApiError> {
    let record = own_attempt(state, user, id).await?;
    // The catalog's copy, which an edit of the round drops on every instance.
    let round = state.catalog.round(&state.db, record.round_id).await?;
    let in_time = ms(now) <= ms(record.deadline) + record.grace_ms;
    let prediction = check_prediction(
        prediction,
        !record.finished && in_time && round.settings.prediction.is_some(),
    )?;
    let record = finish(
        state,
        &record,
        prediction.filter(|_| round.settings.prediction.is_some()),
        now,
    )
    .await?;
    Ok((record, round))
}

/// One of a member's attempts as their list shows it.
#[derive(Debug, Clone)]
pub struct MyAttempt {
    /// The attempt.
    pub record: AttemptRecord,
    /// Whether the round's review setting shows its score.
    pub show_score: bool,
    /// Whether it counts (finished, not practice, the entrant's counted attempt).
    pub counted: bool,
    /// The round's name.
    pub round_name: String,
    /// The contest's title.
    pub contest_title: String,
    /// The contest's kind (home lists contests; theory tests live in "Học lý luận").
    pub contest_kind: crate::domain::contest::ContestKind,
}

/// The member's attempts, newest first, optionally of one contest or round.
pub async fn my_attempts(
    state: &AppState,
    user: UserId,
    contest_id: Option<ContestId>,
    round_id: Option<RoundId>,
) -> Result<Vec<MyAttempt>, ApiError> {
    let records = persistence::attempts::of_user(&state.db, user, contest_id, round_id).await?;
    let mut rounds: HashMap<Uuid, Round> = HashMap::new();
    let mut items = Vec::with_capacity(records.len());
    for record in records {
        if let std::collections::hash_map::Entry::Vacant(slot) =
            rounds.entry(record.round_id.into_uuid())
        {
            slot.insert(persistence::contests::get_round(&state.db, record.round_id).await?);
        }
        let round = &rounds[record.round_id.as_uuid()];
        let show_score = may_see_score(round.settings.review);
        let round_name = round.settings.name.clone();
        let contest = state.catalog.contest(&state.db, record.contest_id).await?;
        let counted = if record.finished {
            is_counted(state, &record).await?
        } else {
            false
        };
        items.push(MyAttempt {
            record,
            show_score,
            counted,
            round_name,
            contest_title: contest.settings.title.clone(),
            contest_kind: contest.settings.kind,
        });
    }
    Ok(items)
}

/// Finishes an attempt (idempotent): scores it in the store, writes the result and the final
/// answers to the database once, then counts it in its round. The result is durable before
/// this returns.
pub async fn finish(
    state: &AppState,
    record: &AttemptRecord,
    prediction: Option<i64>,
    now: DateTime<Utc>,
) -> Result<AttemptRecord, ApiError> {
    if record.finished {
        // Finished before, but its result may not have reached the boards (the store failed
        // after the commit): a retry records it now rather than answering "counted" for a
        // result no board shows.
        if !record.practice && !record.board_recorded {
            record_on_boards(state, record).await?;
            return Ok(persistence::attempts::get(&state.db, record.id).await?);
        }
        return Ok(record.clone());
    }
    let outcome = match state
        .store
        .finish_attempt(&state.keys, record.id, ms(now), prediction)
        .await
    {
        Err(AttemptError::NotFound) => {
            restore(state, record).await?;
            state
                .store
                .finish_attempt(&state.keys, record.id, ms(now), prediction)
                .await?
        }
        other => other?,
    };
    let result = outcome.result;
    let (selections, judged) = match outcome.answered {
        // The call that finished it: the store judged each question as it scored it.
        Some(answered) => {
            let selections = answered
                .iter()
                .filter(|a| !a.selected.is_empty())
                .map(|a| (a.question_id.into_uuid(), a.selected.clone()))
                .collect();
            (selections, Some(answered))
        }
        // Finished before (a retry, the auto-finisher first): read what it kept.
        None => {
            let selections = state
                .store
                .attempt_state(&state.keys, record.id)
                .await?
                .map(|s| s.selections)
                .unwrap_or_default();
            (selections, None)
        }
    };
    let finished_at = from_ms(result.finished_at_ms);
    // An organizer's preview is no entrant's answer: it stays out of the item statistics.
    let items = if record.practice && preview_of_counted_round(state, record).await? {
        Vec::new()
    } else if let Some(judged) = judged {
        items_judged(record, &judged, result.score)
    } else {
        items_of(state, record, &selections, result.score).await?
    };
    let answers: Vec<AnswerRow> = selections
        .into_iter()
        .map(|(question_id, option_ids)| AnswerRow {
            attempt_id: record.id,
            question_id: QuestionId::from_uuid(question_id),
            option_ids,
            saved_at: finished_at,
        })
        .collect();
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::attempts::upsert_answers(&txn, &answers).await?;
    let written = persistence::attempts::write_result(
        &txn,
        record.id,
        Outcome {
            score: result.score,
            correct_count: result.correct_count,
            time_used_ms: result.time_used_ms,
            finished_at,
            prediction: result.prediction,
        },
    )
    .await?;
    if written {
        persistence::attempts::insert_items(&txn, record.id, &items).await?;
    }
    txn.commit().await.map_err(PersistenceError::from)?;
    if written {
        tracing::info!(attempt.id = %record.id, score = result.score, "attempt finished");
    }
    if !record.practice {
        crate::standings::count(state, record, &result).await?;
        // Noted in a batch with the other finishes of the moment, not waited for: an attempt
        // left unnoted (the process died first) is counted again by the reconciler, once.
        state.board_marks.recorded(record.id);
    }
    if !written {
        // Another finish (the auto-finisher, a retry on another instance) wrote first: its
        // result is the one kept.
        return Ok(persistence::attempts::get(&state.db, record.id).await?);
    }
    if !record.practice {
        // A theory test's pass may complete the course: issue the certificate now.
        crate::app::theory::after_finish(state, record).await;
    }
    // The row as just written, without reading it back (in a storm, a query per finish less).
    Ok(AttemptRecord {
        finished: true,
        finished_at: Some(finished_at),
        score: Some(result.score),
        correct_count: Some(result.correct_count),
        time_used_ms: Some(result.time_used_ms),
        prediction: result.prediction,
        board_recorded: !record.practice,
        ..record.clone()
    })
}

/// Counts a finished attempt's stored result on its contest's boards (idempotent: the store
/// records an attempt once) and notes that it is there.
async fn record_on_boards(state: &AppState, record: &AttemptRecord) -> Result<(), ApiError> {
    let (Some(score), Some(finished_at)) = (record.score, record.finished_at) else {
        return Ok(()); // not a finished result: nothing to count
    };
    let result = AttemptResult {
        attempt_id: record.id,
        round_id: record.round_id,
        user_id: record.user_id,
        score,
        max_score: record.max_score,
        correct_count: record.correct_count.unwrap_or(0),
        time_used_ms: record.time_used_ms.unwrap_or(0),
        finished_at_ms: ms(finished_at),
        prediction: record.prediction,
    };
    crate::standings::count(state, record, &result).await?;
    persistence::attempts::mark_board_recorded(&state.db, &[record.id]).await?;
    Ok(())
}

/// How long after its finish an unrecorded result is left to the finish still on its way.
const RECONCILE_AFTER: chrono::Duration = chrono::Duration::seconds(5);

/// Records on the boards every finished result the database holds but the boards were never
/// told about (the store failed between the finish's commit and its recording, and no retry
/// came). Returns how many.
pub async fn reconcile_boards(state: &AppState, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let missing = persistence::attempts::unrecorded(&state.db, now - RECONCILE_AFTER, 200).await?;
    for record in &missing {
        record_on_boards(state, record).await?;
    }
    Ok(missing.len())
}

/// Each question's outcome as the store judged it at the finish, in the order shown, for item
/// statistics: the store scored against the key of the version the attempt showed, which is
/// what [`items_of`] reads from the database.
fn items_judged(
    record: &AttemptRecord,
    judged: &[crate::scoring::Answered],
    score: i64,
) -> Vec<persistence::attempts::Item> {
    let by_question: HashMap<QuestionId, &crate::scoring::Answered> =
        judged.iter().map(|a| (a.question_id, a)).collect();
    record
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let answered = by_question.get(&q.question_id);
            persistence::attempts::Item {
                question_id: q.question_id,
                version_id: q.version_id,
                position: i32::try_from(i + 1).unwrap_or(i32::MAX),
                correct: answered.is_some_and(|a| a.correct),
                selected: answered.map(|a| a.selected.clone()).unwrap_or_default(),
                attempt_score: score,
            }
        })
        .collect()
}

/// Each question's outcome, judged against the version the attempt showed, for item statistics.
async fn items_of(
    state: &AppState,
    record: &AttemptRecord,
    selections: &std::collections::BTreeMap<Uuid, Vec<OptionId>>,
    score: i64,
) -> Result<Vec<persistence::attempts::Item>, ApiError> {
    let version_ids: Vec<QuestionVersionId> =
        record.questions.iter().map(|q| q.version_id).collect();
    let versions: HashMap<QuestionVersionId, VersionContent> =
        persistence::questions::versions(&state.db, &version_ids)
            .await?
            .into_iter()
            .map(|v| (v.version_id, v))
            .collect();
    let mut items = Vec::with_capacity(record.questions.len());
    for (i, q) in record.questions.iter().enumerate() {
        let mut key: Vec<OptionId> = versions
            .get(&q.version_id)
            .map(|v| {
                v.options
                    .iter()
                    .filter(|o| o.correct)
                    .map(|o| o.id)
                    .collect()
            })
            .unwrap_or_default();
        key.sort_unstable();
        let mut selected = selections
            .get(q.question_id.as_uuid())
            .cloned()
            .unwrap_or_default();
        selected.sort_unstable();
        selected.dedup();
        items.push(persistence::attempts::Item {
            question_id: q.question_id,
            version_id: q.version_id,
            position: i32::try_from(i + 1).unwrap_or(i32::MAX),
            correct: !selected.is_empty() && selected == key,
            selected,
            attempt_score: score,
        });
    }
    Ok(items)
}

/// Whether `record` is the attempt that counts for its person in its round: the best score,
/// then less time, then the earlier finish, among their finished attempts.
pub async fn is_counted(state: &AppState, record: &AttemptRecord) -> Result<bool, ApiError> {
    if !record.finished || record.practice {
        return Ok(false);
    }
    let mine =
        persistence::attempts::of_user_in_round(&state.db, record.user_id, record.round_id).await?;
    let best = mine.iter().filter(|a| a.finished).min_by_key(|a| {
        (
            -a.score.unwrap_or(0),
            a.time_used_ms.unwrap_or(i64::MAX),
            a.finished_at,
            a.seq,
        )
    });
    Ok(best.is_some_and(|b| b.id == record.id))
}

/// Finishes every attempt whose `deadline + grace` has passed: those the store lists, and those
/// the database still holds open (after the store lost its data). Returns how many.
pub async fn finish_due(state: &AppState, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let mut done = 0;
    for due in state
        .store
        .due_for_auto_finish(&state.keys, ms(now), 200)
        .await?
    {
        match persistence::attempts::get(&state.db, due.attempt_id).await {
            Ok(record) => {
                finish(state, &record, None, now).await?;
                done += 1;
            }
            Err(PersistenceError::NotFound(_)) => {
                // Not ours to record (e.g. a store shared with another database): drop it.
                let _ = state
                    .store
                    .finish_attempt(&state.keys, due.attempt_id, ms(now), None)
                    .await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    for record in persistence::attempts::overdue_open(&state.db, now, 200).await? {
        finish(state, &record, None, now).await?;
        done += 1;
    }
    Ok(done)
}

/// What a rebuild of the scoring store did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    /// Running attempts put back.
    pub attempts_restored: usize,
    /// Finished attempts counted again in their rounds.
    pub results_replayed: usize,
}

/// How far back finished results are replayed into a rebuilt store: round keys live 60 days.
const REBUILD_WINDOW_DAYS: i64 = 60;

/// If the scoring store lost its data (Redis emptied or restarted, or the in-process store after
/// a restart), rebuilds it from the database: running attempts with their journaled answers, and
/// the round counters and best attempts of recent rounds. Does nothing when the store is intact.
///
/// Several instances share the store: one rebuilds at a time (the lease `store-rebuild`), and one
/// that waited for it finds the store marked ready and does nothing.
pub async fn ensure_store_ready(state: &AppState) -> Result<Option<Rebuilt>, ApiError> {
    let marker = state.keys.store_ready();
    if state.store.peek(&marker).await?.count > 0 {
        return Ok(None);
    }
    let lease = Lease::new(
        &state.store,
        &state.keys,
        "store-rebuild",
        Duration::from_secs(30),
    );
    lease
        .exclusive(Duration::from_millis(200), async {
            if state.store.peek(&marker).await?.count > 0 {
                return Ok(None); // another instance rebuilt it while this one waited
            }
            let rebuilt = rebuild_store(state).await?;
            // Ended sessions must stay ended whatever the store forgot.
            crate::app::sessions::restore_markers(state, Utc::now()).await?;
            // `hit` on an absent key sets it; a year is far longer than any gap between checks.
            state
                .store
                .hit(&marker, Duration::from_secs(365 * 86_400))
                .await?;
            Ok(Some(rebuilt))
        })
        .await?
}

/// Rebuilds the scoring store from the database (safe to repeat: every step is idempotent).
pub async fn rebuild_store(state: &AppState) -> Result<Rebuilt, ApiError> {
    let now = Utc::now();
    let mut settled = false;
    let mut done = Rebuilt::default();
    let mut after = None;
    loop {
        let page = persistence::attempts::page_for_rebuild(
            &state.db,
            false,
            now - chrono::Duration::days(1),
            after,
            500,
        )
        .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.into_uuid());
        for record in &page {
            if state
                .store
                .attempt_state(&state.keys, record.id)
                .await?
                .is_none()
            {
                if !settled {
                    settle_journal(state).await?;
                    settled = true;
                }
                restore_settled(state, record).await?;
                done.attempts_restored += 1;
            }
        }
    }
    done.results_replayed =
        crate::standings::rebuild_recent(state, now - chrono::Duration::days(REBUILD_WINDOW_DAYS))
            .await?
            .results;
    if done != Rebuilt::default() {
        tracing::warn!(
            attempts = done.attempts_restored,
            results = done.results_replayed,
            "scoring store rebuilt from the database"
        );
    }
    Ok(done)
}

/// Checks every few seconds that the scoring store still holds its data, rebuilding it when not
/// (every instance checks; [`ensure_store_ready`] lets one rebuild), and that every finished
/// result has reached the boards (one instance at a time: the lease `reconcile`).
pub fn spawn_store_watcher(state: AppState) {
    tokio::spawn(async move {
        let lease = Lease::new(&state.store, &state.keys, "reconcile", RECONCILE_LEASE);
        let mut tick = tokio::time::interval(Duration::from_secs(5));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = ensure_store_ready(&state).await {
                tracing::error!(error = %crate::error::cause_chain(&e), "checking the scoring store failed; retrying");
                continue;
            }
            match run_leased(&lease, reconcile_boards(&state, Utc::now())).await {
                Ok(None | Some(0)) => {}
                Ok(Some(n)) => tracing::warn!(
                    count = n,
                    "finished results that had missed the boards were recorded"
                ),
                Err(e) => {
                    tracing::error!(error = %crate::error::cause_chain(&e), "recording missed results failed; retrying")
                }
            }
        }
    });
}

/// How long a dead instance's claim on the reconciler lasts.
const RECONCILE_LEASE: Duration = Duration::from_secs(15);

/// How long a dead instance's claim on the auto-finisher lasts: attempts past their deadline
/// and grace wait at most this much longer (plus a tick) when the finishing instance dies.
pub const AUTO_FINISH_LEASE: Duration = Duration::from_secs(5);

/// Runs `work` if this instance holds (takes or renews) `lease`, which it keeps between runs:
/// `None` when another instance holds it.
pub async fn run_leased<T>(
    lease: &Lease,
    work: impl std::future::Future<Output = Result<T, ApiError>>,
) -> Result<Option<T>, ApiError> {
    if !lease.take().await? {
        return Ok(None);
    }
    Ok(Some(lease.hold_while(work).await??))
}

/// Runs [`finish_due`] every second until the process ends, on one instance at a time (the
/// lease `auto-finish`, taken over by another within [`AUTO_FINISH_LEASE`] when it dies).
pub fn spawn_auto_finisher(state: AppState) {
    tokio::spawn(async move {
        let lease = Lease::new(&state.store, &state.keys, "auto-finish", AUTO_FINISH_LEASE);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match run_leased(&lease, finish_due(&state, Utc::now())).await {
                Ok(None | Some(0)) => {}
                Ok(Some(n)) => tracing::info!(count = n, "attempts finished at their deadline"),
                Err(e) => {
                    tracing::error!(error = %crate::error::cause_chain(&e), "auto-finish failed; retrying")
                }
            }
        }
    });
}

/// What a member may see of their result, by the round's review setting.
pub fn may_see_score(review: Review) -> bool {
    review != Review::None
}

/// Whether the round's policy shows the correct answers of a finished attempt now: after the
/// round closes (nobody can attempt it any more), or at once when the policy is
/// `after_each_attempt` (see [`key_for_finished`] for the one exception).
pub fn may_see_key(review: Review, round_closes_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    match review {
        Review::AfterClose => now >= round_closes_at,
        Review::AfterEachAttempt => true,
        Review::None | Review::ScoreOnly => false,
    }
}

/// Whether the key of this finished attempt is shown to its owner now.
///
/// The rule: nobody who may still attempt sees the key of questions they may be asked again,
/// unless the round's policy says so. `after_close` waits for the round to close. With
/// `after_each_attempt` the organizer chose to teach with the key while retakes remain, but
/// not while the same person has another attempt running (theory rounds may overlap and draw
/// from the same topic): the key then waits until that attempt ends.
pub async fn key_for_finished(
    state: &AppState,
    record: &AttemptRecord,
    review: Review,
    round_closes_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, ApiError> {
    if !record.finished || !may_see_key(review, round_closes_at, now) {
        return Ok(false);
    }
    if review != Review::AfterEachAttempt {
        return Ok(true);
    }
    let mine = persistence::attempts::of_user(&state.db, record.user_id, None, None).await?;
    Ok(!mine
        .iter()
        .any(|a| !a.finished && ms(now) <= ms(a.deadline) + a.grace_ms))
}

/// Validates a prediction value.
pub fn check_prediction(prediction: Option<i64>, required: bool) -> Result<Option<i64>, ApiError> {
    match prediction {
        Some(p) if !(0..=1_000_000_000).contains(&p) => {
            Err(ApiError::Validation(vec![FieldError::new(
                "/prediction",
                "the prediction is a whole number from 0 to 1,000,000,000",
            )]))
        }
        None if required => Err(ApiError::Validation(vec![FieldError::new(
            "/prediction",
            "this round ends with a prediction question: give a whole number",
        )])),
        other => Ok(other),
    }
}
