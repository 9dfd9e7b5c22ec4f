//! Creating, listing, reading and editing contests. The rules live in
//! [`crate::app::contests`].

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::contest_access::{Access, access};
use crate::app::contests::{
    self, ContestChanges, ContestListQuery, ContestSortKey, EligibilityChange, ListedContest,
};
use crate::auth::{AuthUser, Caller};
use crate::domain::contest::{
    ContestKind, ContestStatus, ExcludedRole, LeaderboardVisibility, Prizes, TieBreakKey,
};
use crate::domain::ids::{ContestId, UnitId};
use crate::error::{ApiError, Problem};
use crate::persistence::{self, contests::ContestSettings};
use crate::routes::extract::{Json, Pagination, Query};
use crate::routes::query_params::SortOrder;
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
    #[schema(min_length = 3, max_length = 300)]
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
    /// Who may enter; when absent, the members of the host unit's subtree (managers
    /// excluded). Send `{"unit_id": null}` to open it to anyone registered.
    #[serde(default)]
    pub eligibility: Option<Eligibility>,
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
    #[schema(minimum = 1, maximum = 100)]
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
    /// `draft` (no round has opened yet), `open`, `ended` (every round has closed).
    pub status: ContestStatus,
    /// How many rounds it has.
    pub round_count: usize,
    /// When its first round opens.
    pub opens_at: Option<DateTime<Utc>>,
    /// When its last round closes.
    pub closes_at: Option<DateTime<Utc>>,
}

fn response(l: ListedContest) -> ContestResponse {
    let c = l.contest;
    let can_manage = l.manage;
    let s = c.settings;
    ContestResponse {
        id: c.id.into_uuid(),
        title: s.title,
        description: s.description,
        rules: s.rules,
        kind: s.kind,
        unit_id: s.unit_id.into_uuid(),
        eligibility: Eligibility {
            unit_id: s.eligible_unit_id.map(|u| u.into_uuid()),
            excluded_unit_ids: s
                .excluded_unit_ids
                .into_iter()
                .map(|u| u.into_uuid())
                .collect(),
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
        status: l.status,
        round_count: l.rounds,
        opens_at: l.opens_at,
        closes_at: l.closes_at,
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
    // Issue #11 (10): a new contest is for the host unit's own members unless it says
    // otherwise; the check then keeps any eligible unit within the organizer's scope.
    let eligibility = b.eligibility.unwrap_or(Eligibility {
        unit_id: Some(b.unit_id),
        ..Eligibility::default()
    });
    let settings = ContestSettings {
        title: b.title,
        description: b.description,
        rules: b.rules,
        kind: b.kind,
        unit_id: UnitId::from_uuid(b.unit_id),
        eligible_unit_id: eligibility.unit_id.map(UnitId::from_uuid),
        excluded_unit_ids: eligibility
            .excluded_unit_ids
            .into_iter()
            .map(UnitId::from_uuid)
            .collect(),
        excluded_roles: eligibility.excluded_roles,
        managers_may_enter: eligibility.managers_may_enter,
        leaderboard_visibility: b.leaderboard_visibility,
        tie_break: b.tie_break,
        perfect_only: b.perfect_only,
        pass_mark: b.pass_mark,
        prizes: b.prizes,
    };
    let contest = contests::create_contest(&state, user.id, settings).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/contests/{}", contest.id)))
        .json(response(ListedContest::new(contest, true, &[], Utc::now()))))
}

/// Contests the caller may see: those they organise and those they may enter.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContestList {
    /// The page of contests.
    pub items: Vec<ContestResponse>,
    /// How many match the filters.
    pub total: u64,
}

/// What a contest list is sorted by.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContestSort {
    /// When it was created (default, newest first).
    CreatedAt,
    /// Title, ignoring case and diacritics.
    Title,
    /// When its first round opens.
    OpensAt,
}

/// Filters and order of the contest list; every one optional.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ContestQuery {
    /// Words of the title, ignoring case and diacritics ("an ninh mang" finds "An ninh mạng").
    pub q: Option<String>,
    /// `draft`, `open` or `ended`.
    pub status: Option<ContestStatus>,
    /// `contest`, `theory_test` or `practice`.
    pub kind: Option<ContestKind>,
    /// Only contests hosted in this unit's subtree.
    pub unit_id: Option<Uuid>,
    /// Only contests the caller organises (the console's list).
    #[serde(default)]
    pub managed: bool,
    /// `created_at` (default), `title`, `opens_at`.
    #[param(inline)]
    pub sort: Option<ContestSort>,
    /// `asc` or `desc`; default `desc` for `created_at`, `asc` otherwise.
    #[param(inline)]
    pub order: Option<SortOrder>,
}

/// The contests the caller organises or may enter, a page at a time, newest first unless
/// `sort`/`order` say otherwise.
#[utoipa::path(
    tag = "contests",
    params(ContestQuery, Pagination),
    responses(
        (status = 200, description = "A page of contests", body = ContestList),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad filter or paging value", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/contests")]
#[tracing::instrument(name = "List contests", skip_all, fields(user.id = %user.id))]
pub async fn list_contests(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<ContestQuery>,
    page: Query<Pagination>,
) -> Result<web::Json<ContestList>, ApiError> {
    let limit = page.limit()?;
    let q = query.0;
    let sort = match q.sort.unwrap_or(ContestSort::CreatedAt) {
        ContestSort::CreatedAt => ContestSortKey::Created,
        ContestSort::Title => ContestSortKey::Title,
        ContestSort::OpensAt => ContestSortKey::Opens,
    };
    let ascending = match q.order {
        Some(SortOrder::Asc) => true,
        Some(SortOrder::Desc) => false,
        None => sort != ContestSortKey::Created,
    };
    let (items, total) = contests::list_contests(
        &state,
        user.id,
        &ContestListQuery {
            text: q.q,
            status: q.status,
            kind: q.kind,
            unit_id: q.unit_id.map(UnitId::from_uuid),
            managed_only: q.managed,
            sort,
            ascending,
            offset: page.offset,
            limit,
        },
    )
    .await?;
    Ok(web::Json(ContestList {
        items: items.into_iter().map(response).collect(),
        total,
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
    id: web::Path<ContestId>,
) -> Result<web::Json<ContestResponse>, ApiError> {
    let caller = Caller::load(&state.db, user.id).await?;
    let contest = persistence::contests::get(&state.db, *id).await?;
    let a = access(&state.db, &caller, &contest).await?;
    let listed = ListedContest::load(&state.db, contest, a == Access::Manage).await?;
    Ok(web::Json(response(listed)))
}

/// Changes to a contest; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateContestRequest {
    /// Title.
    #[schema(min_length = 3, max_length = 300)]
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
    #[schema(minimum = 1, maximum = 100)]
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
    id: web::Path<ContestId>,
    body: Json<UpdateContestRequest>,
) -> Result<web::Json<ContestResponse>, ApiError> {
    let b = body.0;
    let changes = ContestChanges {
        title: b.title,
        description: b.description,
        rules: b.rules,
        eligibility: b.eligibility.map(|e| EligibilityChange {
            eligible_unit_id: e.unit_id.map(UnitId::from_uuid),
            excluded_unit_ids: e
                .excluded_unit_ids
                .into_iter()
                .map(UnitId::from_uuid)
                .collect(),
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
    let listed = ListedContest::load(&state.db, updated, true).await?;
    Ok(web::Json(response(listed)))
}
