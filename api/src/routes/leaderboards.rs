//! Leaderboards: a round's (live while open, final once published), a contest's cumulative one,
//! each for everyone or a unit's subtree, my place on them, and units ranked by participation.
//!
//! The handlers parse the query and call one function of `app::boards::leaderboard`, which
//! holds the rules (who sees which board, live or frozen, masked names).

use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::boards::leaderboard::{self as boards, BoardPage};
pub use crate::app::boards::leaderboard::{BoardResponse, MyPlace, UnitsResponse};
pub use crate::app::boards::{BoardLine, UnitOrder, UnitStanding};
use crate::auth::AuthUser;
use crate::domain::ids::{ContestId, RoundId};
use crate::error::{ApiError, Problem};
use crate::routes::extract::Query;
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(round_leaderboard)
        .service(round_leaderboard_me)
        .service(contest_leaderboard)
        .service(contest_leaderboard_me)
        .service(round_units)
        .service(contest_units);
}

/// Which part of a board.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    /// Only the entrants of this unit's subtree.
    pub unit_id: Option<Uuid>,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// Rows to return (1–200, default 50).
    pub limit: Option<u64>,
}

impl BoardQuery {
    fn page(&self) -> BoardPage {
        BoardPage {
            unit_id: self.unit_id,
            offset: self.offset,
            limit: self.limit,
        }
    }
}

/// Whose place on which board.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MeQuery {
    /// On the board of this unit's subtree.
    pub unit_id: Option<Uuid>,
}

/// A round's leaderboard: live while the round runs, the frozen ranking once published.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), BoardQuery),
    responses((status = 403, description = "`results_not_published`: the round shows members no score (review none) until its results are published; its organizers see the board", body = Problem, content_type = "application/problem+json"), 
        (status = 200, description = "A page of the board", body = BoardResponse),
        (status = 401, description = "The board is for signed-in members", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown round, or a board you may not see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad unit or limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds/{id}/leaderboard")]
#[tracing::instrument(name = "Round leaderboard", skip_all, fields(round.id = %id))]
pub async fn round_leaderboard(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<RoundId>,
    query: Query<BoardQuery>,
) -> Result<web::Json<BoardResponse>, ApiError> {
    let user = user.map(|u| u.id);
    Ok(web::Json(
        boards::round_board(&state, user, *id, query.page()).await?,
    ))
}

/// My place on a round's board (or a unit subtree's).
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), MeQuery),
    responses((status = 403, description = "`results_not_published`: the round shows members no score (review none) until its results are published; its organizers see the board", body = Problem, content_type = "application/problem+json"), (status = 200, description = "My place", body = MyPlace), (status = 404, description = "Unknown round", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/rounds/{id}/leaderboard/me")]
#[tracing::instrument(name = "My round place", skip_all, fields(round.id = %id, user.id = %user.id))]
pub async fn round_leaderboard_me(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<RoundId>,
    query: Query<MeQuery>,
) -> Result<web::Json<MyPlace>, ApiError> {
    Ok(web::Json(
        boards::round_place(&state, user.id, *id, query.unit_id).await?,
    ))
}

/// A contest's cumulative leaderboard: each entrant's best per round, summed.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Contest id"), BoardQuery),
    responses((status = 403, description = "`results_not_published`: the round shows members no score (review none) until its results are published; its organizers see the board", body = Problem, content_type = "application/problem+json"), (status = 200, description = "A page of the board", body = BoardResponse), (status = 404, description = "Unknown contest, or a board you may not see", body = Problem, content_type = "application/problem+json"))
)]
#[get("/contests/{id}/leaderboard")]
#[tracing::instrument(name = "Contest leaderboard", skip_all, fields(contest.id = %id))]
pub async fn contest_leaderboard(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<ContestId>,
    query: Query<BoardQuery>,
) -> Result<web::Json<BoardResponse>, ApiError> {
    let user = user.map(|u| u.id);
    Ok(web::Json(
        boards::contest_board(&state, user, *id, query.page()).await?,
    ))
}

/// My place on a contest's cumulative board.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Contest id"), MeQuery),
    responses((status = 403, description = "`results_not_published`: the round shows members no score (review none) until its results are published; its organizers see the board", body = Problem, content_type = "application/problem+json"), (status = 200, description = "My place", body = MyPlace)),
    security(("bearer" = []))
)]
#[get("/contests/{id}/leaderboard/me")]
#[tracing::instrument(name = "My contest place", skip_all, fields(contest.id = %id, user.id = %user.id))]
pub async fn contest_leaderboard_me(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ContestId>,
    query: Query<MeQuery>,
) -> Result<web::Json<MyPlace>, ApiError> {
    Ok(web::Json(
        boards::contest_place(&state, user.id, *id, query.unit_id).await?,
    ))
}

/// Which units.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnitsQuery {
    /// Rank the children of this unit (default: the contest's host unit).
    pub parent_id: Option<Uuid>,
    /// `participants` (default), `rate` or `score`.
    #[serde(default)]
    pub order: UnitOrder,
}

/// The children of a unit ranked by participants, participation rate or average score in a
/// round.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), UnitsQuery),
    responses((status = 403, description = "`results_not_published`: the round shows members no score (review none) until its results are published; its organizers see the board", body = Problem, content_type = "application/problem+json"), (status = 200, description = "Units ranked", body = UnitsResponse), (status = 404, description = "Unknown round, or a board you may not see", body = Problem, content_type = "application/problem+json"))
)]
#[get("/rounds/{id}/units")]
#[tracing::instrument(name = "Round units", skip_all, fields(round.id = %id))]
pub async fn round_units(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<RoundId>,
    query: Query<UnitsQuery>,
) -> Result<web::Json<UnitsResponse>, ApiError> {
    let user = user.map(|u| u.id);
    let units = boards::round_units(&state, user, *id, query.parent_id, query.order).await?;
    Ok(web::Json(units))
}

/// The same over a whole contest (each entrant counted once, with their summed score).
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Contest id"), UnitsQuery),
    responses((status = 403, description = "`results_not_published`: the round shows members no score (review none) until its results are published; its organizers see the board", body = Problem, content_type = "application/problem+json"), (status = 200, description = "Units ranked", body = UnitsResponse))
)]
#[get("/contests/{id}/units")]
#[tracing::instrument(name = "Contest units", skip_all, fields(contest.id = %id))]
pub async fn contest_units(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<ContestId>,
    query: Query<UnitsQuery>,
) -> Result<web::Json<UnitsResponse>, ApiError> {
    let user = user.map(|u| u.id);
    let units = boards::contest_units(&state, user, *id, query.parent_id, query.order).await?;
    Ok(web::Json(units))
}
