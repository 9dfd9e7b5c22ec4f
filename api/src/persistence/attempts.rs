//! Attempts and their answers in the database: the durable record.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::entities::{attempt_answers, attempts};
use super::{PersistenceError, Result};
use crate::domain::ids::{
    AttemptId, ContestId, OptionId, QuestionId, QuestionVersionId, RoundId, UnitId, UserId,
};

/// A drawn question as the attempt showed it: which version, and the options in shown order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawnQuestion {
    /// The question.
    pub question_id: QuestionId,
    /// The version shown.
    pub version_id: QuestionVersionId,
    /// How it is answered (`single`, `multiple`, `true_false`), as it was when drawn.
    pub kind: question_bank::Kind,
    /// Option ids in the order shown.
    pub option_ids: Vec<OptionId>,
}

/// An attempt's row.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    /// Id.
    pub id: AttemptId,
    /// Round.
    pub round_id: RoundId,
    /// Contest.
    pub contest_id: ContestId,
    /// Who.
    pub user_id: UserId,
    /// 1 for the first attempt in the round, 2 for the second, …
    pub seq: i32,
    /// Seed of the draw, to reproduce it.
    pub seed: i64,
    /// Drawn questions in shown order.
    pub questions: Vec<DrawnQuestion>,
    /// Start.
    pub started_at: DateTime<Utc>,
    /// Deadline.
    pub deadline: DateTime<Utc>,
    /// Grace after the deadline.
    pub grace_ms: i64,
    /// Finished yet.
    pub finished: bool,
    /// When it finished (stamped as the scoring store decided).
    pub finished_at: Option<DateTime<Utc>>,
    /// Score.
    pub score: Option<i64>,
    /// Most possible.
    pub max_score: i64,
    /// Correct answers.
    pub correct_count: Option<i64>,
    /// Time used.
    pub time_used_ms: Option<i64>,
    /// Prediction.
    pub prediction: Option<i64>,
    /// Practice attempt (never counts).
    pub practice: bool,
    /// The entrant's unit when it started (older rows: their unit at the migration).
    pub unit_id: Option<UnitId>,
    /// Whether its result has reached the live boards (false from the finish's commit until
    /// the scoring store has recorded it).
    pub board_recorded: bool,
}

impl TryFrom<attempts::Model> for AttemptRecord {
    type Error = PersistenceError;

    fn try_from(m: attempts::Model) -> Result<Self> {
        Ok(Self {
            id: m.id,
            round_id: m.round_id,
            contest_id: m.contest_id,
            user_id: m.user_id,
            seq: m.seq,
            seed: m.seed,
            questions: serde_json::from_value(m.questions)
                .map_err(|e| PersistenceError::Db(sea_orm::DbErr::Json(e.to_string())))?,
            started_at: m.started_at,
            deadline: m.deadline,
            grace_ms: m.grace_ms,
            finished: m.status == "finished",
            finished_at: m.finished_at,
            score: m.score,
            max_score: m.max_score,
            correct_count: m.correct_count,
            time_used_ms: m.time_used_ms,
            prediction: m.prediction,
            practice: m.practice,
            unit_id: m.unit_id,
            board_recorded: m.board_recorded,
        })
    }
}

/// What a new attempt row holds.
pub struct NewAttempt<'a> {
    /// Id.
    pub id: AttemptId,
    /// The entrant's unit when it started.
    pub unit_id: Option<UnitId>,
    /// Round.
    pub round_id: RoundId,
    /// Contest.
    pub contest_id: ContestId,
    /// Who.
    pub user_id: UserId,
    /// Its number in the round for this person.
    pub seq: i32,
    /// Draw seed.
    pub seed: i64,
    /// Drawn questions.
    pub questions: &'a [DrawnQuestion],
    /// Start.
    pub started_at: DateTime<Utc>,
    /// Deadline.
    pub deadline: DateTime<Utc>,
    /// Grace.
    pub grace_ms: i64,
    /// Most possible.
    pub max_score: i64,
    /// Practice.
    pub practice: bool,
    /// Client address.
    pub client_ip: Option<String>,
    /// User agent.
    pub user_agent: Option<String>,
}

/// Inserts an attempt and returns it as written; a duplicate `(round, user, seq)` comes back as
/// `Duplicate`. The row is built here in full, so the caller needs no read-back.
///
/// The number taken is an answer, not a failure: a start tries number 1 before reading the
/// person's earlier attempts (see `app::attempts::start`), so the insert does nothing on that
/// conflict rather than fail, and PostgreSQL's log stays free of it.
pub async fn insert(db: &impl ConnectionTrait, a: NewAttempt<'_>) -> Result<AttemptRecord> {
    let row = attempts::Model {
        id: a.id,
        round_id: a.round_id,
        contest_id: a.contest_id,
        user_id: a.user_id,
        seq: a.seq,
        seed: a.seed,
        questions: serde_json::to_value(a.questions).unwrap_or_default(),
        started_at: a.started_at,
        deadline: a.deadline,
        grace_ms: a.grace_ms,
        status: "open".into(),
        finished_at: None,
        score: None,
        max_score: a.max_score,
        correct_count: None,
        time_used_ms: None,
        prediction: None,
        practice: a.practice,
        client_ip: a.client_ip,
        user_agent: a.user_agent.map(|ua| ua.chars().take(300).collect()),
        unit_id: a.unit_id,
        // Set to false when it finishes, true once its result is on the boards.
        board_recorded: false,
    };
    let inserted = attempts::Entity::insert(attempts::ActiveModel::from(row.clone()))
        .on_conflict(
            OnConflict::columns([
                attempts::Column::RoundId,
                attempts::Column::UserId,
                attempts::Column::Seq,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await;
    match inserted {
        Ok(1) => row.try_into(),
        Ok(_) | Err(sea_orm::DbErr::RecordNotInserted) => Err(PersistenceError::Duplicate(
            format!("attempt {} of this person in this round", row.seq),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Loads one attempt.
pub async fn get(db: &impl ConnectionTrait, id: AttemptId) -> Result<AttemptRecord> {
    attempts::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(PersistenceError::NotFound("attempt"))?
        .try_into()
}

/// A person's attempts in a round, oldest first.
pub async fn of_user_in_round(
    db: &impl ConnectionTrait,
    user: UserId,
    round: RoundId,
) -> Result<Vec<AttemptRecord>> {
    attempts::Entity::find()
        .filter(attempts::Column::UserId.eq(user))
        .filter(attempts::Column::RoundId.eq(round))
        .order_by_asc(attempts::Column::Seq)
        .all(db)
        .await?
        .into_iter()
        .map(AttemptRecord::try_from)
        .collect()
}

/// A person's attempts, optionally in one contest or round, newest first.
pub async fn of_user(
    db: &impl ConnectionTrait,
    user: UserId,
    contest: Option<ContestId>,
    round: Option<RoundId>,
) -> Result<Vec<AttemptRecord>> {
    let mut select = attempts::Entity::find().filter(attempts::Column::UserId.eq(user));
    if let Some(c) = contest {
        select = select.filter(attempts::Column::ContestId.eq(c));
    }
    if let Some(r) = round {
        select = select.filter(attempts::Column::RoundId.eq(r));
    }
    select
        .order_by_desc(attempts::Column::StartedAt)
        .all(db)
        .await?
        .into_iter()
        .map(AttemptRecord::try_from)
        .collect()
}

/// Open attempts whose `deadline + grace` is before `now` (the database's view, for recovery
/// after the scoring store lost its data).
pub async fn overdue_open(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<AttemptRecord>> {
    use sea_orm::QuerySelect;
    let rows = attempts::Entity::find()
        .filter(attempts::Column::Status.eq("open"))
        .filter(attempts::Column::Deadline.lt(now))
        .order_by_asc(attempts::Column::Deadline)
        .limit(limit)
        .all(db)
        .await?;
    rows.into_iter()
        .map(AttemptRecord::try_from)
        .filter(|r| {
            r.as_ref().map_or(true, |a| {
                a.deadline + chrono::Duration::milliseconds(a.grace_ms) < now
            })
        })
        .collect()
}

/// A journaled or final answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerRow {
    /// Attempt.
    pub attempt_id: AttemptId,
    /// Question.
    pub question_id: QuestionId,
    /// Selected options.
    pub option_ids: Vec<OptionId>,
    /// When saved (server clock).
    pub saved_at: DateTime<Utc>,
}

/// Upserts answers: one row per (attempt, question), the latest selection wins. A call must
/// not name the same (attempt, question) twice.
pub async fn upsert_answers(db: &impl ConnectionTrait, rows: &[AnswerRow]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        return upsert_answers_as_one_document(db, rows).await;
    }
    for chunk in rows.chunks(200) {
        let models = chunk.iter().map(|r| attempt_answers::ActiveModel {
            attempt_id: Set(r.attempt_id),
            question_id: Set(r.question_id),
            option_ids: Set(serde_json::to_value(&r.option_ids).unwrap_or_default()),
            saved_at: Set(r.saved_at),
        });
        attempt_answers::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([
                    attempt_answers::Column::AttemptId,
                    attempt_answers::Column::QuestionId,
                ])
                .update_columns([
                    attempt_answers::Column::OptionIds,
                    attempt_answers::Column::SavedAt,
                ])
                // Never an older save over a newer one, whatever order the writes come in.
                .action_and_where(
                    Expr::col((attempt_answers::Entity, attempt_answers::Column::SavedAt))
                        .lte(Expr::cust("excluded.saved_at")),
                )
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// PostgreSQL: the whole batch as one JSON parameter unpacked by `json_to_recordset`.
///
/// The journal writes batches of 1 to 2,000 rows. As `VALUES ($1, …)` each size is its own
/// statement text: PostgreSQL parses and plans up to 800 parameters per chunk, and the
/// connection's statement cache keeps re-preparing them. One text with one parameter is
/// prepared once per connection, and its plan stays cheap whatever the batch holds.
async fn upsert_answers_as_one_document(
    db: &impl ConnectionTrait,
    rows: &[AnswerRow],
) -> Result<()> {
    /// A row as `json_to_recordset` reads it (the column list in the statement below).
    #[derive(Serialize)]
    struct Line<'a> {
        a: AttemptId,
        q: QuestionId,
        o: &'a [OptionId],
        /// Microseconds, cut as the bound parameter of the other path cuts them.
        #[serde(serialize_with = "crate::domain::rfc3339::micros")]
        s: DateTime<Utc>,
    }
    let document = serde_json::to_string(
        &rows
            .iter()
            .map(|r| Line {
                a: r.attempt_id,
                q: r.question_id,
                o: &r.option_ids,
                s: r.saved_at,
            })
            .collect::<Vec<_>>(),
    )
    .map_err(|e| sea_orm::DbErr::Custom(format!("answer journal batch: {e}")))?;
    db.execute_raw(sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "INSERT INTO attempt_answers (attempt_id, question_id, option_ids, saved_at) \
         SELECT a, q, o, s FROM json_to_recordset($1::json) AS t(a uuid, q uuid, o json, s timestamptz) \
         ON CONFLICT (attempt_id, question_id) DO UPDATE \
         SET option_ids = excluded.option_ids, saved_at = excluded.saved_at \
         WHERE attempt_answers.saved_at <= excluded.saved_at",
        [document.into()],
    ))
    .await?;
    Ok(())
}

/// The stored answers of an attempt.
pub async fn answers(db: &impl ConnectionTrait, attempt: AttemptId) -> Result<Vec<AnswerRow>> {
    let rows = attempt_answers::Entity::find()
        .filter(attempt_answers::Column::AttemptId.eq(attempt))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| AnswerRow {
            attempt_id: m.attempt_id,
            question_id: m.question_id,
            option_ids: serde_json::from_value(m.option_ids).unwrap_or_default(),
            saved_at: m.saved_at,
        })
        .collect())
}

/// The scored outcome written when an attempt finishes.
#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    /// Score.
    pub score: i64,
    /// Correct answers.
    pub correct_count: i64,
    /// Time used.
    pub time_used_ms: i64,
    /// Finish stamp.
    pub finished_at: DateTime<Utc>,
    /// Prediction.
    pub prediction: Option<i64>,
}

/// Writes the result once: returns false if it was already written.
pub async fn write_result(db: &impl ConnectionTrait, id: AttemptId, o: Outcome) -> Result<bool> {
    let result = attempts::Entity::update_many()
        .col_expr(attempts::Column::Status, Expr::value("finished"))
        .col_expr(attempts::Column::FinishedAt, Expr::value(o.finished_at))
        .col_expr(attempts::Column::Score, Expr::value(o.score))
        .col_expr(attempts::Column::CorrectCount, Expr::value(o.correct_count))
        .col_expr(attempts::Column::TimeUsedMs, Expr::value(o.time_used_ms))
        .col_expr(attempts::Column::Prediction, Expr::value(o.prediction))
        .col_expr(attempts::Column::BoardRecorded, Expr::value(false))
        .filter(attempts::Column::Id.eq(id))
        .filter(attempts::Column::Status.eq("open"))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Notes that finished attempts' results are on the live boards.
pub async fn mark_board_recorded(db: &impl ConnectionTrait, ids: &[AttemptId]) -> Result<()> {
    attempts::Entity::update_many()
        .col_expr(attempts::Column::BoardRecorded, Expr::value(true))
        .filter(attempts::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(())
}

/// Finished attempts that count (not practice) whose result has not reached the boards,
/// finished before `before` (so a finish still on its way to the store is left to itself),
/// oldest first.
pub async fn unrecorded(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<AttemptRecord>> {
    use sea_orm::QuerySelect;
    attempts::Entity::find()
        .filter(attempts::Column::BoardRecorded.eq(false))
        .filter(attempts::Column::Status.eq("finished"))
        .filter(attempts::Column::Practice.eq(false))
        .filter(attempts::Column::FinishedAt.lt(before))
        .order_by_asc(attempts::Column::FinishedAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(AttemptRecord::try_from)
        .collect()
}

/// A page of attempts after `after` (by id), for rebuilding the scoring store: open ones still
/// running at `now`, or finished ones since `since` that count (not practice).
pub async fn page_for_rebuild(
    db: &impl ConnectionTrait,
    finished: bool,
    since: DateTime<Utc>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<AttemptRecord>> {
    use sea_orm::QuerySelect;
    let mut select = attempts::Entity::find()
        .filter(attempts::Column::Status.eq(if finished { "finished" } else { "open" }))
        .filter(attempts::Column::Deadline.gte(since));
    if finished {
        select = select.filter(attempts::Column::Practice.eq(false));
    }
    if let Some(after) = after {
        select = select.filter(attempts::Column::Id.gt(after));
    }
    select
        .order_by_asc(attempts::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(AttemptRecord::try_from)
        .collect()
}

/// One question's outcome in a finished attempt.
#[derive(Debug, Clone)]
pub struct Item {
    /// Question.
    pub question_id: QuestionId,
    /// Version shown.
    pub version_id: QuestionVersionId,
    /// 1-based position.
    pub position: i32,
    /// Options chosen.
    pub selected: Vec<OptionId>,
    /// Whether the answer was right.
    pub correct: bool,
    /// The attempt's total score (for discrimination).
    pub attempt_score: i64,
}

/// Writes the items of a finished attempt (once; a repeat is ignored).
pub async fn insert_items(
    db: &impl ConnectionTrait,
    attempt: AttemptId,
    items: &[Item],
) -> Result<()> {
    use super::entities::attempt_items;
    if items.is_empty() {
        return Ok(());
    }
    let models = items.iter().map(|i| attempt_items::ActiveModel {
        attempt_id: Set(attempt),
        question_id: Set(i.question_id),
        version_id: Set(i.version_id),
        position: Set(i.position),
        selected: Set(serde_json::to_value(&i.selected).unwrap_or_default()),
        correct: Set(i.correct),
        attempt_score: Set(i.attempt_score),
    });
    attempt_items::Entity::insert_many(models)
        .on_conflict(
            OnConflict::columns([
                attempt_items::Column::AttemptId,
                attempt_items::Column::QuestionId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .or_else(|e| {
            if matches!(e, sea_orm::DbErr::RecordNotInserted) {
                Ok(0)
            } else {
                Err(e)
            }
        })?;
    Ok(())
}

/// Every recorded outcome of one version of a question: (selected options, correct, attempt score).
pub async fn items_of_version(
    db: &impl ConnectionTrait,
    question: Uuid,
    version: QuestionVersionId,
) -> Result<Vec<(Vec<OptionId>, bool, i64)>> {
    use super::entities::attempt_items;
    let rows = attempt_items::Entity::find()
        .filter(attempt_items::Column::QuestionId.eq(question))
        .filter(attempt_items::Column::VersionId.eq(version))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                serde_json::from_value(r.selected).unwrap_or_default(),
                r.correct,
                r.attempt_score,
            )
        })
        .collect())
}

/// Deletes an attempt that was created but never reached the scoring store, so never shown and
/// never answered (its answers, if any row exists, go with it).
pub async fn withdraw_unanswered(db: &impl ConnectionTrait, id: AttemptId) -> Result<()> {
    use super::entities::attempt_answers;
    attempt_answers::Entity::delete_many()
        .filter(attempt_answers::Column::AttemptId.eq(id))
        .exec(db)
        .await?;
    attempts::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// What is happening in a round right now, from the attempts' record (the live monitor's
/// counters that the boards do not keep).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RoundActivity {
    /// Attempts ever started (practice attempts left out).
    pub started: u64,
    /// Attempts open and still within their time limit at `now`: people taking the round now.
    pub in_progress: u64,
    /// Attempts finished in the minute before `now`.
    pub finished_last_minute: u64,
}

/// Counts a round's attempts for the live monitor at `now` (three counts on the round's
/// attempts, which the `(round, user, seq)` index narrows).
pub async fn round_activity(
    db: &impl ConnectionTrait,
    round_id: RoundId,
    now: DateTime<Utc>,
) -> Result<RoundActivity> {
    use sea_orm::PaginatorTrait;
    let of_round = || {
        attempts::Entity::find()
            .filter(attempts::Column::RoundId.eq(round_id))
            .filter(attempts::Column::Practice.eq(false))
    };
    let started = of_round().count(db).await?;
    let in_progress = of_round()
        .filter(attempts::Column::Status.eq("open"))
        .filter(attempts::Column::Deadline.gt(now))
        .count(db)
        .await?;
    let finished_last_minute = of_round()
        .filter(attempts::Column::FinishedAt.gt(now - chrono::Duration::seconds(60)))
        .filter(attempts::Column::FinishedAt.lte(now))
        .count(db)
        .await?;
    Ok(RoundActivity {
        started,
        in_progress,
        finished_last_minute,
    })
}
