//! Rounds: creating them with the checks organizers need, reading, and editing within what
//! may change once anyone has started.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::contest_access::{Access, access};
use crate::app::contests::{check_against_data, pool_availability_for};
use crate::auth::{AuthUser, Caller};
use crate::domain::contest::{ContestKind, Pool, Prediction, Review, RoundSettings};
use crate::domain::ids::{ContestId, RoundId, UnitId};
use crate::error::{ApiError, Conflict, Frozen, Problem};
use crate::persistence::{
    self, PersistenceError,
    contests::{Contest, Extension, Round},
};
use crate::routes::extract::Json;
use crate::routes::theory::{TheoryTestSpec, TheoryTestView, link_theory_test, theory_test_of};
use crate::state::AppState;

/// A new round.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRoundRequest {
    /// Name, e.g. "Tuần 1".
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

/// A setting that is allowed but weakens the round, shown to its organizers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoundWarning {
    /// Stable snake_case identifier the frontend can switch on: `shuffle_off`.
    #[schema(example = "shuffle_off")]
    pub code: &'static str,
    /// JSON pointer to the setting, e.g. `/shuffle_options`.
    #[schema(example = "/shuffle_options")]
    pub pointer: &'static str,
    /// What it means, in English.
    pub detail: &'static str,
    /// The same in Vietnamese.
    pub detail_vi: &'static str,
}

/// Warnings for a round's settings: one `shuffle_off` per shuffle setting turned off.
///
/// # Implementation notes
/// Turning shuffling off is allowed (a teacher may want a fixed order to go through answers
/// together), so these are warnings, not validation errors. Option order matters most: a bank
/// written with its keys first gives every answer away, and entrants can pass answers around
/// as letters (issue #19).
pub fn round_warnings(s: &RoundSettings) -> Vec<RoundWarning> {
    let mut out = Vec::new();
    if !s.shuffle_options {
        out.push(RoundWarning {
            code: "shuffle_off",
            pointer: "/shuffle_options",
            detail: "Option shuffling is off: every entrant sees the options in the order they were written in the bank, so answers can be guessed from their position or passed around as letters (A, B, C, D). Turn it on unless you need a fixed order.",
            detail_vi: "Đang tắt đảo thứ tự phương án: mọi thí sinh thấy phương án theo đúng thứ tự trong ngân hàng câu hỏi, nên có thể đoán đáp án theo vị trí hoặc truyền tay đáp án theo chữ cái (A, B, C, D). Nên bật lại, trừ khi cần giữ nguyên thứ tự.",
        });
    }
    if !s.shuffle_questions {
        out.push(RoundWarning {
            code: "shuffle_off",
            pointer: "/shuffle_questions",
            detail: "Question shuffling is off: entrants who draw the same questions see them in the same order, which makes it easier to share answers by question number. Turn it on unless you need a fixed order.",
            detail_vi: "Đang tắt đảo thứ tự câu hỏi: thí sinh gặp cùng câu hỏi theo cùng một thứ tự, nên dễ chia sẻ đáp án theo số thứ tự câu. Nên bật lại, trừ khi cần giữ nguyên thứ tự.",
        });
    }
    out
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

fn response(r: Round, manage: bool, theory: Option<TheoryTestView>) -> RoundResponse {
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
                    by: e.by,
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
    let caller = Caller::load(&state.db, user.id).await?;
    let contest = persistence::contests::get(&state.db, *id).await?;
    if access(&state.db, &caller, &contest).await? != Access::Manage {
        return Err(ApiError::Forbidden);
    }
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
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let theory = theory_test_of(&txn, &contest, &settings, b.theory).await?;
    check_against_data(&txn, &contest, &settings, None).await?;
    let round = persistence::contests::insert_round(&txn, contest.id, &settings).await?;
    let theory = match theory {
        Some(t) => Some(link_theory_test(&txn, &contest, &round, t).await?),
        None => None,
    };
    persistence::audit::record_at(
        &txn,
        Some(user.id),
        "round.create",
        Some(round.id.into_uuid()),
        Some(contest.settings.unit_id),
        json!({"contest_id": contest.id}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    state.catalog.forget_round(round.id, contest.id);
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/rounds/{}", round.id)))
        .json(response(round, true, theory)))
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
    let caller = Caller::load(&state.db, user.id).await?;
    let contest = persistence::contests::get(&state.db, *id).await?;
    let manage = access(&state.db, &caller, &contest).await? == Access::Manage;
    let rounds = persistence::contests::rounds_of(&state.db, contest.id).await?;
    let ids: Vec<RoundId> = rounds.iter().map(|r| r.id).collect();
    let mut tests = persistence::theory::tests_of_rounds(&state.db, &ids).await?;
    let items: Vec<RoundResponse> = rounds
        .into_iter()
        .map(|r| {
            let theory = tests
                .remove(&RoundId::from_uuid(*r.id.as_uuid()))
                .map(TheoryTestView::from);
            response(r, manage, theory)
        })
        .collect();
    Ok(web::Json(RoundList {
        total: items.len(),
        items,
    }))
}

async fn round_and_access(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
) -> Result<(Round, Contest, Access), ApiError> {
    let round = persistence::contests::get_round(&state.db, RoundId::from_uuid(id)).await?;
    let contest = persistence::contests::get(&state.db, round.contest_id).await?;
    let a = access(&state.db, caller, &contest)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("round"),
            other => other,
        })?;
    Ok((round, contest, a))
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
    let caller = Caller::load(&state.db, user.id).await?;
    let (round, _, a) = round_and_access(&state, &caller, id.into_uuid()).await?;
    let theory = persistence::theory::test_of_round(&state.db, round.id)
        .await?
        .map(TheoryTestView::from);
    Ok(web::Json(response(round, a == Access::Manage, theory)))
}

/// Changes to a round; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRoundRequest {
    /// Name.
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
    let b = body.0;
    let caller = Caller::load(&state.db, user.id).await?;
    let (round, contest, a) = round_and_access(&state, &caller, id.into_uuid()).await?;
    if a != Access::Manage {
        return Err(ApiError::Forbidden);
    }
    let mut s = round.settings.clone();
    if let Some(v) = b.name {
        s.name = v;
    }
    if let Some(v) = b.opens_at {
        s.opens_at = v;
    }
    if let Some(v) = b.closes_at {
        s.closes_at = v;
    }
    if let Some(v) = b.questions_per_attempt {
        s.questions_per_attempt = v;
    }
    if let Some(v) = b.time_limit_seconds {
        s.time_limit_seconds = v;
    }
    if let Some(v) = b.attempts_allowed {
        s.attempts_allowed = v;
    }
    if let Some(v) = b.shuffle_questions {
        s.shuffle_questions = v;
    }
    if let Some(v) = b.shuffle_options {
        s.shuffle_options = v;
    }
    if let Some(v) = b.pool {
        s.pool = v;
    }
    if let Some(v) = b.prediction {
        s.prediction = v;
    }
    if let Some(v) = b.points_per_question {
        s.points_per_question = v;
    }
    if let Some(v) = b.review {
        s.review = v;
    }
    if let Some(v) = b.practice {
        s.practice = v;
    }
    let mut extensions = round.extensions.clone();
    if round.first_started_at.is_some() {
        if !round.settings.same_rules(&s) {
            return Err(Conflict::RoundStarted {
                frozen: Frozen::Rules,
            }
            .into());
        }
        if s.closes_at < round.settings.closes_at {
            return Err(Conflict::RoundStarted {
                frozen: Frozen::EarlierClose,
            }
            .into());
        }
    }
    if round.first_started_at.is_some() && s.closes_at != round.settings.closes_at {
        extensions.push(Extension {
            by: user.id.into_uuid(),
            at: Utc::now(),
            from: round.settings.closes_at,
            to: s.closes_at,
        });
    }
    if b.theory.is_some() && round.first_started_at.is_some() {
        return Err(Conflict::RoundStarted {
            frozen: Frozen::Theory,
        }
        .into());
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let theory = match b.theory {
        Some(spec) => theory_test_of(&txn, &contest, &s, Some(spec)).await?,
        None => None,
    };
    check_against_data(&txn, &contest, &s, Some(round.id.into_uuid())).await?;
    let updated = persistence::contests::update_round(&txn, &round, &s, &extensions).await?;
    if let Some(t) = theory {
        link_theory_test(&txn, &contest, &updated, t).await?;
    } else if contest.settings.kind == ContestKind::TheoryTest && s.prediction.is_some() {
        return Err(ApiError::field(
            "/prediction",
            "a theory test has no prediction question",
        ));
    }
    let theory = persistence::theory::test_of_round(&txn, updated.id)
        .await?
        .map(TheoryTestView::from);
    persistence::audit::record_at(
        &txn,
        Some(user.id),
        "round.update",
        Some(round.id.into_uuid()),
        Some(contest.settings.unit_id),
        json!({"closes_at": {"from": round.settings.closes_at, "to": s.closes_at}}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    state.catalog.forget_round(updated.id, updated.contest_id);
    Ok(web::Json(response(updated, true, theory)))
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
