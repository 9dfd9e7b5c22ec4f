//! Creating, listing, reading and editing contests. The rules live in
//! [`crate::app::contests`].

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::contest_access::{Access, access};
use crate::app::contests::{self, ContestChanges, EligibilityChange};
use crate::auth::{AuthUser, Caller};
use crate::domain::contest::{
    ContestKind, ExcludedRole, LeaderboardVisibility, Prizes, TieBreakKey,
};
use crate::domain::ids::UnitId;
use crate::error::{ApiError, Problem};
use crate::persistence::{
    self,
    contests::{Contest, ContestSettings},
};
use crate::routes::extract::Json;
use crate::state::AppState;

/// Who may enter.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Members of this unit's subtree; null = anyone registered.
    #[serde(default)]
    pub unit_id: Option<Uuid>,
    /// Subtrees that may not enter.
    #[serde(default)]
    pub excluded_unit_ids: Vec<Uuid>,
    /// Roles that may not enter, wherever they are held.
    #[serde(default)]
    pub excluded_roles: Vec<ExcludedRole>,
    /// Whether the contest's own organizers may enter it; off unless set. Even then, nobody
    /// who can read the answer key of a round's questions may enter that round.
    #[serde(default)]
    pub managers_may_enter: bool,
}

/// A new contest.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateContestRequest {
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Rules (thể lệ).
    #[serde(default)]
    pub rules: String,
    /// `contest` (default), `theory_test`, `practice`.
    #[serde(default)]
    pub kind: ContestKind,
    /// Host unit; the caller must organise it.
    pub unit_id: Uuid,
    /// Who may enter.
    #[serde(default)]
    pub eligibility: Eligibility,
    /// Who sees leaderboards.
    #[serde(default)]
    pub leaderboard_visibility: LeaderboardVisibility,
    /// Ranking chain; default score, prediction, time_used, finished_at.
    #[serde(default)]
    pub tie_break: Vec<TieBreakKey>,
    /// Only perfect scores rank for prizes.
    #[serde(default)]
    pub perfect_only: bool,
    /// Pass mark in percent, for theory tests.
    pub pass_mark: Option<i32>,
    /// Prizes (none by default).
    #[serde(default)]
    pub prizes: Prizes,
}

/// A contest.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestResponse {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Rules.
    pub rules: String,
    /// Kind.
    pub kind: ContestKind,
    /// Host unit.
    pub unit_id: Uuid,
    /// Who may enter.
    pub eligibility: Eligibility,
    /// Who sees leaderboards.
    pub leaderboard_visibility: LeaderboardVisibility,
    /// Ranking chain.
    pub tie_break: Vec<TieBreakKey>,
    /// Only perfect scores rank for prizes.
    pub perfect_only: bool,
    /// Pass mark (theory tests).
    pub pass_mark: Option<i32>,
    /// Prizes.
    pub prizes: Prizes,
    /// Whether the caller organises it.
    pub can_manage: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
}

fn response(c: Contest, can_manage: bool) -> ContestResponse {
    let s = c.settings;
    ContestResponse {
        id: c.id,
        title: s.title,
        description: s.description,
        rules: s.rules,
        kind: s.kind,
        unit_id: s.unit_id.0,
        eligibility: Eligibility {
            unit_id: s.eligible_unit_id.map(|u| u.0),
            excluded_unit_ids: s.excluded_unit_ids.into_iter().map(|u| u.0).collect(),
            excluded_roles: s.excluded_roles,
            managers_may_enter: s.managers_may_enter,
        },
        leaderboard_visibility: s.leaderboard_visibility,
        tie_break: s.tie_break,
        perfect_only: s.perfect_only,
        pass_mark: s.pass_mark,
        prizes: s.prizes,
        can_manage,
        created_at: c.created_at,
    }
}

/// Creates a contest hosted by a unit the caller organises.
#[utoipa::path(
    tag = "contests",
    request_body = CreateContestRequest,
    responses(
        (status = 201, description = "Created", body = ContestResponse),
        (status = 403, description = "Not an organizer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field failed validation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/contests")]
#[tracing::instrument(name = "Create contest", skip_all, fields(user.id = %user.id))]
pub async fn create_contest(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateContestRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let settings = ContestSettings {
        title: b.title,
        description: b.description,
        rules: b.rules,
        kind: b.kind,
        unit_id: UnitId(b.unit_id),
        eligible_unit_id: b.eligibility.unit_id.map(UnitId),
        excluded_unit_ids: b
            .eligibility
            .excluded_unit_ids
            .into_iter()
            .map(UnitId)
            .collect(),
        excluded_roles: b.eligibility.excluded_roles,
        managers_may_enter: b.eligibility.managers_may_enter,
        leaderboard_visibility: b.leaderboard_visibility,
        tie_break: b.tie_break,
        perfect_only: b.perfect_only,
        pass_mark: b.pass_mark,
        prizes: b.prizes,
    };
    let contest = contests::create_contest(&state, user.id, settings).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/contests/{}", contest.id)))
        .json(response(contest, true)))
}

/// Contests the caller may see: those they organise and those they may enter.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestList {
    /// Contests, newest first.
    pub items: Vec<ContestResponse>,
    /// How many.
    pub total: usize,
}

/// The contests the caller organises or may enter.
#[utoipa::path(tag = "contests", responses((status = 200, description = "Contests", body = ContestList), (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json")), security(("bearer" = [])))]
#[get("/contests")]
#[tracing::instrument(name = "List contests", skip_all, fields(user.id = %user.id))]
pub async fn list_contests(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<web::Json<ContestList>, ApiError> {
    let caller = Caller::load(&state.db, user.id).await?;
    let mut items = Vec::new();
    // Contests number in the hundreds, not millions: filtering in memory keeps the eligibility
    // rules in one place (`access`).
    for contest in persistence::contests::list_all(&state.db).await? {
        match access(&state.db, &caller, &contest).await {
            Ok(a) => items.push(response(contest, a == Access::Manage)),
            Err(ApiError::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(web::Json(ContestList {
        total: items.len(),
        items,
    }))
}

/// One contest.
#[utoipa::path(
    tag = "contests",
    params(("id" = Uuid, Path, description = "Contest id")),
    responses((status = 200, description = "The contest", body = ContestResponse), (status = 404, description = "Unknown, or you may neither manage nor enter it", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/contests/{id}")]
#[tracing::instrument(name = "Get contest", skip_all, fields(user.id = %user.id, contest.id = %id))]
pub async fn get_contest(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<ContestResponse>, ApiError> {
    let caller = Caller::load(&state.db, user.id).await?;
    let contest = persistence::contests::get(&state.db, *id).await?;
    let a = access(&state.db, &caller, &contest).await?;
    Ok(web::Json(response(contest, a == Access::Manage)))
}

/// Changes to a contest; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContestRequest {
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Rules.
    pub rules: Option<String>,
    /// Who may enter.
    pub eligibility: Option<Eligibility>,
    /// Who sees leaderboards.
    pub leaderboard_visibility: Option<LeaderboardVisibility>,
    /// Ranking chain.
    pub tie_break: Option<Vec<TieBreakKey>>,
    /// Only perfect scores rank.
    pub perfect_only: Option<bool>,
    /// Pass mark.
    pub pass_mark: Option<i32>,
    /// Prizes.
    pub prizes: Option<Prizes>,
}

/// Edits a contest the caller organises.
#[utoipa::path(
    tag = "contests",
    params(("id" = Uuid, Path, description = "Contest id")),
    request_body = UpdateContestRequest,
    responses(
        (status = 200, description = "Updated", body = ContestResponse),
        (status = 403, description = "You may enter but not manage it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field failed validation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/contests/{id}")]
#[tracing::instrument(name = "Update contest", skip_all, fields(user.id = %user.id, contest.id = %id))]
pub async fn update_contest(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<UpdateContestRequest>,
) -> Result<web::Json<ContestResponse>, ApiError> {
    let b = body.0;
    let changes = ContestChanges {
        title: b.title,
        description: b.description,
        rules: b.rules,
        eligibility: b.eligibility.map(|e| EligibilityChange {
            eligible_unit_id: e.unit_id.map(UnitId),
            excluded_unit_ids: e.excluded_unit_ids.into_iter().map(UnitId).collect(),
            excluded_roles: e.excluded_roles,
            managers_may_enter: e.managers_may_enter,
        }),
        leaderboard_visibility: b.leaderboard_visibility,
        tie_break: b.tie_break,
        perfect_only: b.perfect_only,
        pass_mark: b.pass_mark,
        prizes: b.prizes,
    };
    let updated = contests::update_contest(&state, user.id, *id, changes).await?;
    Ok(web::Json(response(updated, true)))
}
