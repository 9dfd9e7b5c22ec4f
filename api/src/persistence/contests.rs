//! Contests and rounds.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

use super::entities::{contests, rounds};
use super::{PersistenceError, Result};
use crate::domain::contest::{
    ContestKind, ExcludedRole, LeaderboardVisibility, Prizes, RoundSettings, TieBreakKey,
};
use crate::domain::ids::{ContestId, RoundId, UnitId, UserId};

/// A contest's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContestSettings {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Rules (thể lệ).
    pub rules: String,
    /// Kind.
    pub kind: ContestKind,
    /// Host unit.
    pub unit_id: UnitId,
    /// Eligible subtree; `None` = anyone registered.
    pub eligible_unit_id: Option<UnitId>,
    /// Subtrees that may not enter.
    pub excluded_unit_ids: Vec<UnitId>,
    /// Roles that may not enter.
    pub excluded_roles: Vec<ExcludedRole>,
    /// Whether the people who manage the contest may enter it (never those who can read the
    /// answer key of its questions).
    pub managers_may_enter: bool,
    /// Who sees leaderboards.
    pub leaderboard_visibility: LeaderboardVisibility,
    /// Ranking chain.
    pub tie_break: Vec<TieBreakKey>,
    /// Only perfect scores rank for prizes.
    pub perfect_only: bool,
    /// Pass mark in percent (theory tests).
    pub pass_mark: Option<i32>,
    /// Prizes.
    pub prizes: Prizes,
}

/// A stored contest.
#[derive(Debug, Clone)]
pub struct Contest {
    /// Id.
    pub id: ContestId,
    /// Settings.
    pub settings: ContestSettings,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub updated_at: DateTime<Utc>,
    /// When the overall results were last published.
    pub published_at: Option<DateTime<Utc>>,
}

fn json_err(e: serde_json::Error) -> PersistenceError {
    PersistenceError::Db(sea_orm::DbErr::Json(e.to_string()))
}

fn enum_str<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn enum_from<T: for<'de> Deserialize<'de>>(s: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(json_err)
}

impl TryFrom<contests::Model> for Contest {
    type Error = PersistenceError;

    fn try_from(m: contests::Model) -> Result<Self> {
        Ok(Self {
            id: m.id,
            settings: ContestSettings {
                title: m.title,
                description: m.description,
                rules: m.rules,
                kind: enum_from(&m.kind)?,
                unit_id: m.unit_id,
                eligible_unit_id: m.eligible_unit_id,
                excluded_unit_ids: serde_json::from_value(m.excluded_unit_ids).map_err(json_err)?,
                excluded_roles: serde_json::from_value(m.excluded_roles).map_err(json_err)?,
                managers_may_enter: m.managers_may_enter,
                leaderboard_visibility: enum_from(&m.leaderboard_visibility)?,
                tie_break: serde_json::from_value(m.tie_break).map_err(json_err)?,
                perfect_only: m.perfect_only,
                pass_mark: m.pass_mark,
                prizes: m
                    .prizes
                    .map(serde_json::from_value)
                    .transpose()
                    .map_err(json_err)?
                    .unwrap_or_default(),
            },
            created_at: m.created_at,
            updated_at: m.updated_at,
            published_at: m.published_at,
        })
    }
}

fn contest_model(
    id: ContestId,
    s: &ContestSettings,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> Result<contests::ActiveModel> {
    Ok(contests::ActiveModel {
        id: Set(id),
        unit_id: Set(s.unit_id),
        title: Set(s.title.clone()),
        description: Set(s.description.clone()),
        rules: Set(s.rules.clone()),
        kind: Set(enum_str(&s.kind)),
        eligible_unit_id: Set(s.eligible_unit_id),
        excluded_unit_ids: Set(serde_json::to_value(&s.excluded_unit_ids).map_err(json_err)?),
        excluded_roles: Set(serde_json::to_value(&s.excluded_roles).map_err(json_err)?),
        managers_may_enter: Set(s.managers_may_enter),
        leaderboard_visibility: Set(enum_str(&s.leaderboard_visibility)),
        tie_break: Set(serde_json::to_value(&s.tie_break).map_err(json_err)?),
        perfect_only: Set(s.perfect_only),
        pass_mark: Set(s.pass_mark),
        prizes: Set(Some(serde_json::to_value(&s.prizes).map_err(json_err)?)),
        published_at: sea_orm::ActiveValue::NotSet,
        created_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
    })
}

/// Inserts a contest.
pub async fn insert(
    db: &impl ConnectionTrait,
    s: &ContestSettings,
    by: Option<UserId>,
) -> Result<Contest> {
    let id = ContestId::new();
    contests::Entity::insert(contest_model(id, s, by, Utc::now())?)
        .exec_without_returning(db)
        .await?;
    get(db, id).await
}

/// Replaces a contest's settings.
pub async fn update(
    db: &impl ConnectionTrait,
    id: ContestId,
    s: &ContestSettings,
) -> Result<Contest> {
    let mut model = contest_model(id, s, None, Utc::now())?;
    model.created_by = sea_orm::ActiveValue::NotSet;
    model.created_at = sea_orm::ActiveValue::NotSet;
    model.id = sea_orm::ActiveValue::Unchanged(id);
    contests::Entity::update(model).exec(db).await?;
    get(db, id).await
}

/// Loads a contest.
pub async fn get(db: &impl ConnectionTrait, id: ContestId) -> Result<Contest> {
    contests::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(PersistenceError::NotFound("contest"))?
        .try_into()
}

/// Every contest, newest first (the caller filters by what the person may see).
pub async fn list_all(db: &impl ConnectionTrait) -> Result<Vec<Contest>> {
    contests::Entity::find()
        .order_by_desc(contests::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(Contest::try_from)
        .collect()
}

/// A close-time extension, kept for the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// Who extended.
    pub by: UserId,
    /// When.
    pub at: DateTime<Utc>,
    /// Previous close time.
    pub from: DateTime<Utc>,
    /// New close time.
    pub to: DateTime<Utc>,
}

/// A stored round.
#[derive(Debug, Clone)]
pub struct Round {
    /// Id.
    pub id: RoundId,
    /// Its contest.
    pub contest_id: ContestId,
    /// Settings.
    pub settings: RoundSettings,
    /// When the first attempt started (then the rules are frozen).
    pub first_started_at: Option<DateTime<Utc>>,
    /// Close-time extensions.
    pub extensions: Vec<Extension>,
    /// When the results were last published (then the ranking is frozen).
    pub published_at: Option<DateTime<Utc>>,
    /// The prediction question's true value, known at publication.
    pub prediction_actual: Option<i64>,
}

impl TryFrom<rounds::Model> for Round {
    type Error = PersistenceError;

    fn try_from(m: rounds::Model) -> Result<Self> {
        let u = |v: i32| u32::try_from(v).unwrap_or(0);
        Ok(Self {
            id: m.id,
            contest_id: m.contest_id,
            settings: RoundSettings {
                name: m.name,
                opens_at: m.opens_at,
                closes_at: m.closes_at,
                questions_per_attempt: u(m.questions_per_attempt),
                time_limit_seconds: u(m.time_limit_seconds),
                attempts_allowed: m.attempts_allowed.map(u),
                shuffle_questions: m.shuffle_questions,
                shuffle_options: m.shuffle_options,
                pool: serde_json::from_value(m.pool).map_err(json_err)?,
                prediction: m.prediction.as_deref().map(enum_from).transpose()?,
                points_per_question: u(m.points_per_question),
                review: enum_from(&m.review)?,
                practice: m.practice,
            },
            first_started_at: m.first_started_at,
            extensions: serde_json::from_value(m.close_extensions).map_err(json_err)?,
            published_at: m.published_at,
            prediction_actual: m.prediction_actual,
        })
    }
}

fn round_model(
    id: RoundId,
    contest_id: ContestId,
    s: &RoundSettings,
    extensions: &[Extension],
) -> Result<rounds::ActiveModel> {
    let i = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
    let now = Utc::now();
    Ok(rounds::ActiveModel {
        id: Set(id),
        contest_id: Set(contest_id),
        name: Set(s.name.trim().to_owned()),
        opens_at: Set(s.opens_at),
        closes_at: Set(s.closes_at),
        questions_per_attempt: Set(i(s.questions_per_attempt)),
        time_limit_seconds: Set(i(s.time_limit_seconds)),
        attempts_allowed: Set(s.attempts_allowed.map(i)),
        shuffle_questions: Set(s.shuffle_questions),
        shuffle_options: Set(s.shuffle_options),
        pool: Set(serde_json::to_value(&s.pool).map_err(json_err)?),
        prediction: Set(s.prediction.as_ref().map(enum_str)),
        points_per_question: Set(i(s.points_per_question)),
        review: Set(enum_str(&s.review)),
        practice: Set(s.practice),
        first_started_at: sea_orm::ActiveValue::NotSet,
        published_at: sea_orm::ActiveValue::NotSet,
        prediction_actual: sea_orm::ActiveValue::NotSet,
        close_extensions: Set(serde_json::to_value(extensions).map_err(json_err)?),
        created_at: Set(now),
        updated_at: Set(now),
    })
}

/// Inserts a round.
pub async fn insert_round(
    db: &impl ConnectionTrait,
    contest_id: ContestId,
    s: &RoundSettings,
) -> Result<Round> {
    let id = RoundId::new();
    let mut model = round_model(id, contest_id, s, &[])?;
    model.first_started_at = Set(None);
    rounds::Entity::insert(model)
        .exec_without_returning(db)
        .await?;
    get_round(db, id).await
}

/// Replaces a round's settings (the caller enforces what may change).
pub async fn update_round(
    db: &impl ConnectionTrait,
    round: &Round,
    s: &RoundSettings,
    extensions: &[Extension],
) -> Result<Round> {
    let mut model = round_model(round.id, round.contest_id, s, extensions)?;
    model.id = sea_orm::ActiveValue::Unchanged(round.id);
    model.created_at = sea_orm::ActiveValue::NotSet;
    rounds::Entity::update(model).exec(db).await?;
    get_round(db, round.id).await
}

/// Loads a round.
pub async fn get_round(db: &impl ConnectionTrait, id: RoundId) -> Result<Round> {
    rounds::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(PersistenceError::NotFound("round"))?
        .try_into()
}

/// A contest's rounds by opening time.
pub async fn rounds_of(db: &impl ConnectionTrait, contest_id: ContestId) -> Result<Vec<Round>> {
    rounds::Entity::find()
        .filter(rounds::Column::ContestId.eq(contest_id))
        .order_by_asc(rounds::Column::OpensAt)
        .all(db)
        .await?
        .into_iter()
        .map(Round::try_from)
        .collect()
}

/// A round's opening and closing times.
pub type Window = (DateTime<Utc>, DateTime<Utc>);

/// The opening and closing times of the rounds of `contest_ids`, by contest (for the console's
/// list: a contest's status and dates come from its rounds).
pub async fn round_windows(
    db: &impl ConnectionTrait,
    contest_ids: &[ContestId],
) -> Result<std::collections::HashMap<ContestId, Vec<Window>>> {
    let mut out: std::collections::HashMap<ContestId, Vec<Window>> =
        std::collections::HashMap::new();
    // In chunks: SQLite caps the parameters of one statement.
    for chunk in contest_ids.chunks(500) {
        for r in rounds::Entity::find()
            .filter(rounds::Column::ContestId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            out.entry(r.contest_id)
                .or_default()
                .push((r.opens_at, r.closes_at));
        }
    }
    Ok(out)
}

/// Marks a round as started (first attempt), freezing its rules. Idempotent: true only for the
/// call that marked it.
pub async fn mark_started(
    db: &impl ConnectionTrait,
    id: RoundId,
    at: DateTime<Utc>,
) -> Result<bool> {
    let done = rounds::Entity::update_many()
        .col_expr(rounds::Column::FirstStartedAt, Expr::value(at))
        .filter(rounds::Column::Id.eq(id))
        .filter(rounds::Column::FirstStartedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
