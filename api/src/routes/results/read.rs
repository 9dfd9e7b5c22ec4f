//! Reading published results: a round's (with its unit prizes) and a contest's overall ones.
//! The rules are in `app::boards::results`.

use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::boards::results::{self as results, ResultsPage};
pub use crate::app::boards::results::{OverallResponse, ResultsResponse};
use crate::auth::AuthUser;
use crate::domain::ids::{ContestId, RoundId};
use crate::error::{ApiError, Problem};
use crate::routes::extract::Query;
use crate::state::AppState;

/// Which part of the results.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ResultsQuery {
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// Rows to return (1–200, default 50).
    pub limit: Option<u64>,
    /// Only prize winners.
    #[serde(default)]
    pub prizes_only: bool,
}

impl ResultsQuery {
    fn page(&self) -> ResultsPage {
        ResultsPage {
            offset: self.offset,
            limit: self.limit,
            prizes_only: self.prizes_only,
        }
    }
}

/// The published results of a round, to anyone who may see its leaderboard.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), ResultsQuery),
    responses(
        (status = 200, description = "The results", body = ResultsResponse),
        (status = 404, description = "Unknown round, or not published yet (`not_published`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds/{id}/results")]
#[tracing::instrument(name = "Round results", skip_all, fields(round.id = %id))]
pub async fn round_results(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<RoundId>,
    query: Query<ResultsQuery>,
) -> Result<web::Json<ResultsResponse>, ApiError> {
    let user = user.map(|u| u.id);
    Ok(web::Json(
        results::round_results(&state, user, *id, query.page()).await?,
    ))
}

/// The published overall results of a contest, to anyone who may see its boards.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Contest id"), ResultsQuery),
    responses(
        (status = 200, description = "The overall results", body = OverallResponse),
        (status = 404, description = "Unknown contest or not published yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/contests/{id}/results")]
#[tracing::instrument(name = "Contest results", skip_all, fields(contest.id = %id))]
pub async fn contest_results(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<ContestId>,
    query: Query<ResultsQuery>,
) -> Result<web::Json<OverallResponse>, ApiError> {
    let user = user.map(|u| u.id);
    Ok(web::Json(
        results::contest_results(&state, user, *id, query.page()).await?,
    ))
}
