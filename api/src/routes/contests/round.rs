//! Rounds over HTTP: creating, reading and editing them, and counting a pool. The rules (who
//! may, the checks, what a started round keeps) live in `app::rounds`; these handlers parse
//! the request, call it and shape the answer.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::contests::pool_availability_for;
use crate::app::rounds::{self, RoundChanges, RoundView, RoundWarning, round_warnings};
use crate::auth::AuthUser;
use crate::domain::contest::{Pool, Prediction, Review, RoundSettings};
use crate::domain::ids::{ContestId, RoundId, UnitId};
use crate::error::{ApiError, Problem};
use crate::routes::extract::Json;
use crate::routes::theory::{TheoryTestSpec, TheoryTestView};
use crate::state::AppState;

/// A new round.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoundRequest {
    /// Name, e.g. "Tuần 1".
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Opens (RFC 3339).
    pub opens_at: DateTime<Utc>,
    /// Closes (RFC 3339).
    pub closes_at: DateTime<Utc>,
    /// Questions drawn per attempt.
    pub questions_per_attempt: u32,
    /// Time limit per attempt, in seconds.
    pub time_limit_seconds: u32,
    /// Attempts allowed; null = unlimited.
    #[serde(default)]
    pub attempts_allowed: Option<u32>,
    /// Shuffle question order (default true).
    #[serde(default = "yes")]
    pub shuffle_questions: bool,
    /// Shuffle option order (default true).
    #[serde(default = "yes")]
    pub shuffle_options: bool,
    /// `{question_ids: […]}` or `{quotas: [{topic, difficulty?, count}]}`.
    pub pool: Pool,
    /// The prediction question: null, `all_correct` or `participants`.
    #[serde(default)]
    pub prediction: Option<Prediction>,
    /// Points per correct question (default 1).
    #[serde(default = "one")]
    pub points_per_question: u32,
    /// `none`, `score_only` (default), `after_close`, `after_each_attempt` (theory tests and
    /// practice only: the key and explanations right after each attempt).
    #[serde(default)]
    pub review: Review,
    /// A practice round never counts.
    #[serde(default)]
    pub practice: bool,
    /// What a round of a `theory_test` contest tests (required there, refused elsewhere).
    #[serde(default)]
    pub theory: Option<TheoryTestSpec>,
}

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

/// A round. `pool` is shown to the contest's organizers only.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundResponse {
    /// Id.
    pub id: Uuid,
    /// Contest.
    pub contest_id: Uuid,
    /// Name.
    pub name: String,
    /// Opens.
    pub opens_at: DateTime<Utc>,
    /// Closes.
    pub closes_at: DateTime<Utc>,
    /// Questions per attempt.
    pub questions_per_attempt: u32,
    /// Time limit per attempt.
    pub time_limit_seconds: u32,
    /// Attempts allowed; null = unlimited.
    pub attempts_allowed: Option<u32>,
    /// Question order shuffled.
    pub shuffle_questions: bool,
    /// Option order shuffled.
    pub shuffle_options: bool,
    /// The pool (organizers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<Pool>,
    /// Prediction question.
    pub prediction: Option<Prediction>,
    /// Points per question.
    pub points_per_question: u32,
    /// Review setting.
    pub review: Review,
    /// Practice round.
    pub practice: bool,
    /// `upcoming`, `open` or `closed`, on the server's clock.
    pub state: &'static str,
    /// When the first attempt started; rules are frozen from then on.
    pub started_at: Option<DateTime<Utc>>,
    /// Close-time extensions (organizers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extensions: Option<Vec<ExtensionDto>>,
    /// The server's time, to count down correctly whatever the phone's clock says.
    pub server_time: DateTime<Utc>,
    /// What the round tests, for rounds of a theory test.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub theory: Option<TheoryTestView>,
    /// Settings the organizers should reconsider; the round is saved as asked (organizers only,
    /// empty when there is nothing to say).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warnings: Option<Vec<RoundWarning>>,
    /// What may no longer change, once anyone has started (organizers only; absent before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locks: Option<RoundLocks>,
}

/// The settings a started round keeps, as the server enforces them on `PATCH /rounds/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundLocks {
    /// Why: `round_started` (someone has started an attempt, so every entrant must play by
    /// the same rules).
    #[schema(example = "round_started")]
    pub reason: &'static str,
    /// Since when (the first attempt's start).
    pub since: DateTime<Utc>,
    /// Fields that may not change at all.
    pub fields: Vec<&'static str>,
    /// Fields that may only move later (`closes_at`: an extension, recorded).
    pub later_only: Vec<&'static str>,
}

/// A recorded close-time extension.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionDto {
    /// Who.
    pub by: Uuid,
    /// When.
    pub at: DateTime<Utc>,
    /// From.
    pub from: DateTime<Utc>,
    /// To.
    pub to: DateTime<Utc>,
}

/// The answer for `view`; organizers see the pool, extensions, warnings and locks.
fn response(view: RoundView) -> RoundResponse {
    let RoundView {
        round: r,
        manage,
        theory,
    } = view;
    let now = Utc::now();
    let warnings = manage.then(|| round_warnings(&r.settings));
    let s = r.settings;
    let state = if now < s.opens_at {
        "upcoming"
    } else if now < s.closes_at {
        "open"
    } else {
        "closed"
    };
    let first_started_at = r.first_started_at;
    RoundResponse {
        id: r.id.into_uuid(),
        contest_id: r.contest_id.into_uuid(),
        name: s.name,
        opens_at: s.opens_at,
        closes_at: s.closes_at,
        questions_per_attempt: s.questions_per_attempt,
        time_limit_seconds: s.time_limit_seconds,
        attempts_allowed: s.attempts_allowed,
        shuffle_questions: s.shuffle_questions,
        shuffle_options: s.shuffle_options,
        pool: manage.then_some(s.pool),
        prediction: s.prediction,
        points_per_question: s.points_per_question,
        review: s.review,
        practice: s.practice,
        state,
        started_at: first_started_at,
        extensions: manage.then(|| {
            r.extensions
                .into_iter()
                .map(|e| ExtensionDto {
                    by: e.by.into_uuid(),
                    at: e.at,
                    from: e.from,
                    to: e.to,
                })
                .collect()
        }),
        server_time: now,
        theory,
        warnings,
        locks: first_started_at.filter(|_| manage).map(|since| RoundLocks {
            reason: "round_started",
            since,
            fields: RoundSettings::LOCKED_AFTER_START.to_vec(),
            later_only: RoundSettings::LATER_ONLY_AFTER_START.to_vec(),
        }),
    }
}

/// Adds a round to a contest the caller organises.
#[utoipa::path(
    tag = "contests",
    params(("id" = Uuid, Path, description = "Contest id")),
    request_body = CreateRoundRequest,
    responses(
        (status = 201, description = "Created; `warnings` lists settings to reconsider, such as `shuffle_off`", body = RoundResponse),
        (status = 403, description = "You may enter but not manage the contest", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown contest", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid settings, pool too small, overlapping times", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/contests/{id}/rounds")]
#[tracing::instrument(name = "Create round", skip_all, fields(user.id = %user.id, contest.id = %id))]
pub async fn create_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ContestId>,
    body: Json<CreateRoundRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let settings = RoundSettings {
        name: b.name,
        opens_at: b.opens_at,
        closes_at: b.closes_at,
        questions_per_attempt: b.questions_per_attempt,
        time_limit_seconds: b.time_limit_seconds,
        attempts_allowed: b.attempts_allowed,
        shuffle_questions: b.shuffle_questions,
        shuffle_options: b.shuffle_options,
        pool: b.pool,
        prediction: b.prediction,
        points_per_question: b.points_per_question,
        review: b.review,
        practice: b.practice,
    };
    let view = rounds::create_round(&state, user.id, *id, settings, b.theory).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/rounds/{}", view.round.id)))
        .json(response(view)))
}

/// Rounds of a contest.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundList {
    /// Rounds by opening time.
    pub items: Vec<RoundResponse>,
    /// How many.
    pub total: usize,
}

/// A contest's rounds, for its organizers and for those who may enter.
#[utoipa::path(
    tag = "contests",
    params(("id" = Uuid, Path, description = "Contest id")),
    responses((status = 200, description = "Rounds", body = RoundList), (status = 404, description = "Unknown contest or not yours to see", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/contests/{id}/rounds")]
#[tracing::instrument(name = "List rounds", skip_all, fields(user.id = %user.id, contest.id = %id))]
pub async fn list_rounds(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ContestId>,
) -> Result<web::Json<RoundList>, ApiError> {
    let items: Vec<RoundResponse> = rounds::list_rounds(&state, user.id, *id)
        .await?
        .into_iter()
        .map(response)
        .collect();
    Ok(web::Json(RoundList {
        total: items.len(),
        items,
    }))
}

/// One round.
#[utoipa::path(
    tag = "contests",
    params(("id" = Uuid, Path, description = "Round id")),
    responses((status = 200, description = "The round", body = RoundResponse), (status = 404, description = "Unknown or not yours to see", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/rounds/{id}")]
#[tracing::instrument(name = "Get round", skip_all, fields(user.id = %user.id, round.id = %id))]
pub async fn get_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<RoundId>,
) -> Result<web::Json<RoundResponse>, ApiError> {
    Ok(web::Json(response(
        rounds::get_round(&state, user.id, *id).await?,
    )))
}

/// Changes to a round; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRoundRequest {
    /// Name.
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    /// Opens.
    pub opens_at: Option<DateTime<Utc>>,
    /// Closes; once anyone has started, it may only move later (recorded).
    pub closes_at: Option<DateTime<Utc>>,
    /// Questions per attempt.
    pub questions_per_attempt: Option<u32>,
    /// Time limit.
    pub time_limit_seconds: Option<u32>,
    /// Attempts allowed (null = unlimited).
    #[serde(default, deserialize_with = "crate::routes::extract::double_option")]
    #[schema(value_type = Option<u32>)]
    pub attempts_allowed: Option<Option<u32>>,
    /// Shuffle questions.
    pub shuffle_questions: Option<bool>,
    /// Shuffle options.
    pub shuffle_options: Option<bool>,
    /// Pool.
    pub pool: Option<Pool>,
    /// Prediction (null = off).
    #[serde(default, deserialize_with = "crate::routes::extract::double_option")]
    #[schema(value_type = Option<Prediction>)]
    pub prediction: Option<Option<Prediction>>,
    /// Points per question.
    pub points_per_question: Option<u32>,
    /// Review.
    pub review: Option<Review>,
    /// Practice.
    pub practice: Option<bool>,
    /// What a theory-test round tests (before anyone starts).
    pub theory: Option<TheoryTestSpec>,
}

/// Edits a round. Before anyone starts, anything may change (and is checked again); after,
/// only the name and a later close time, and the extension is recorded.
#[utoipa::path(
    tag = "contests",
    params(("id" = Uuid, Path, description = "Round id")),
    request_body = UpdateRoundRequest,
    responses(
        (status = 200, description = "Updated; `warnings` lists settings to reconsider, such as `shuffle_off`", body = RoundResponse),
        (status = 403, description = "You may enter but not manage the contest", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown round", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The round has started: only extending the close time is allowed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid settings", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/rounds/{id}")]
#[tracing::instrument(name = "Update round", skip_all, fields(user.id = %user.id, round.id = %id))]
pub async fn update_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<RoundId>,
    body: Json<UpdateRoundRequest>,
) -> Result<web::Json<RoundResponse>, ApiError> {
    let changes = RoundChanges::from(body.0);
    let view = rounds::update_round(&state, user.id, *id, changes, Utc::now()).await?;
    Ok(web::Json(response(view)))
}

impl From<UpdateRoundRequest> for RoundChanges {
    fn from(b: UpdateRoundRequest) -> Self {
        Self {
            name: b.name,
            opens_at: b.opens_at,
            closes_at: b.closes_at,
            questions_per_attempt: b.questions_per_attempt,
            time_limit_seconds: b.time_limit_seconds,
            attempts_allowed: b.attempts_allowed,
            shuffle_questions: b.shuffle_questions,
            shuffle_options: b.shuffle_options,
            pool: b.pool,
            prediction: b.prediction,
            points_per_question: b.points_per_question,
            review: b.review,
            practice: b.practice,
            theory: b.theory,
        }
    }
}

/// A pool to count, for a contest hosted by `unit_id`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolAvailabilityRequest {
    /// The contest's host unit (its banks and those shared down to it are drawn from); the
    /// caller must organise it.
    pub unit_id: Uuid,
    /// `{question_ids: […]}` or `{quotas: [{topic, difficulty?, count}]}`.
    pub pool: Pool,
    /// The round's opening; with `closes_at`, a question must be drawable on every day
    /// between. Both absent: today.
    #[serde(default)]
    pub opens_at: Option<DateTime<Utc>>,
    /// The round's closing.
    #[serde(default)]
    pub closes_at: Option<DateTime<Utc>>,
}

/// How far the banks can fill one quota (or the listed questions).
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolAvailabilityItem {
    /// Questions asked for: the quota's count, or how many questions are listed.
    pub requested: u64,
    /// Questions that match and are drawable over the whole window.
    pub available: u64,
    /// `available >= requested`.
    pub enough: bool,
}

/// The live count of a pool.
#[derive(Debug, Serialize, ToSchema)]
pub struct PoolAvailability {
    /// One per quota, in order; one for a list of questions.
    pub items: Vec<PoolAvailabilityItem>,
    /// Every item is enough.
    pub enough: bool,
}

/// Counts the questions the host unit's banks can supply for a pool, with the rules a round's
/// creation and the draw use (topic and its subtopics, difficulty, active, valid on every day
/// of the round, in the host's banks or shared down to it). Nothing is saved.
#[utoipa::path(
    tag = "contests",
    request_body = PoolAvailabilityRequest,
    responses(
        (status = 200, description = "The counts", body = PoolAvailability),
        (status = 403, description = "Not an organizer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too many items, or a window that closes before it opens", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/pool-availability")]
#[tracing::instrument(name = "Count pool", skip_all, fields(user.id = %user.id))]
pub async fn pool_availability(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<PoolAvailabilityRequest>,
) -> Result<web::Json<PoolAvailability>, ApiError> {
    let b = body.0;
    let window = match (b.opens_at, b.closes_at) {
        (Some(o), Some(c)) => Some((o, c)),
        (None, None) => None,
        (None, Some(_)) => return Err(ApiError::field("/opens_at", "give both times or neither")),
        (Some(_), None) => return Err(ApiError::field("/closes_at", "give both times or neither")),
    };
    let available = pool_availability_for(
        &state,
        user.id,
        UnitId::from_uuid(b.unit_id),
        &b.pool,
        window,
    )
    .await?;
    let requested: Vec<u64> = match &b.pool {
        Pool::Questions { question_ids } => vec![question_ids.len() as u64],
        Pool::Quotas { quotas } => quotas.iter().map(|q| u64::from(q.count)).collect(),
    };
    let items: Vec<PoolAvailabilityItem> = requested
        .into_iter()
        .zip(available)
        .map(|(requested, available)| PoolAvailabilityItem {
            requested,
            available,
            enough: available >= requested,
        })
        .collect();
    Ok(web::Json(PoolAvailability {
        enough: items.iter().all(|i| i.enough),
        items,
    }))
}
