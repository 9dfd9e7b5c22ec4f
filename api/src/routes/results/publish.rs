//! Publishing: a closed round's final ranking with its prizes, and a contest's overall
//! results over its published rounds. The rules live in [`crate::app::publishing`].

use actix_web::{post, web};
use chrono::Utc;

use crate::app::publishing::{self, Published, PublishedOverall};
use crate::auth::AuthUser;
use crate::domain::ids::{ContestId, RoundId};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Publishes a closed round: computes the prediction's true value, ranks the counted attempts
/// with the contest's tie-break chain, applies "perfect scores only" and "one prize per
/// person", awards the round prizes and freezes the ranking. Publishing again (after a void)
/// recomputes and records what changed.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id")),
    responses(
        (status = 200, description = "Published", body = Published),
        (status = 403, description = "Not an organizer of this contest", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown round", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`round_not_closed`: attempts may still finish", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/rounds/{id}/publish")]
#[tracing::instrument(name = "Publish round", skip_all, fields(round.id = %id, user.id = %user.id))]
pub async fn publish_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<RoundId>,
) -> Result<web::Json<Published>, ApiError> {
    let published = publishing::publish_round(&state, user.id, *id, Utc::now()).await?;
    Ok(web::Json(published))
}

/// Publishes a contest's overall results once every round is published: the cumulative score
/// over the rounds (score ↓, then time used ↑, then the latest finish ↑), with the overall
/// prizes; with "one prize per person", round prize winners are passed over.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Contest id")),
    responses(
        (status = 200, description = "Published", body = PublishedOverall),
        (status = 403, description = "Not an organizer of this contest", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`rounds_not_published`", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/contests/{id}/publish")]
#[tracing::instrument(name = "Publish contest", skip_all, fields(contest.id = %id, user.id = %user.id))]
pub async fn publish_contest(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ContestId>,
) -> Result<web::Json<PublishedOverall>, ApiError> {
    let published = publishing::publish_contest(&state, user.id, *id, Utc::now()).await?;
    Ok(web::Json(published))
}
