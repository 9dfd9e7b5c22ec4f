//! Final results: publishing a closed round or a whole contest (organizers), reading the
//! published results, voiding and restoring a person's result, and rebuilding a contest's live
//! boards.

mod monitor;
mod publish;
mod read;
mod voids;

use actix_web::{post, web};
use serde::Serialize;
use utoipa::ToSchema;

pub(super) use crate::app::publishing::managed_round;
use crate::auth::AuthUser;
use crate::domain::ids::RoundId;
use crate::error::ApiError;
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(publish::publish_round)
        .service(read::round_results)
        .service(publish::publish_contest)
        .service(read::contest_results)
        .service(voids::void_result)
        .service(voids::lift_void)
        .service(voids::list_voids)
        .service(monitor::round_entrants)
        .service(monitor::round_publications)
        .service(rebuild_boards);
}

/// What a rebuild did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RebuildResponse {
    /// Attempts counted again.
    pub results: usize,
    /// Attempts left out as voided.
    pub voided: usize,
}

/// Rebuilds the live boards of the round's contest from the database (organizers).
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id")),
    responses((status = 200, description = "Rebuilt", body = RebuildResponse)),
    security(("bearer" = []))
)]
#[post("/rounds/{id}/leaderboard/rebuild")]
#[tracing::instrument(name = "Rebuild boards", skip_all, fields(round.id = %id))]
pub async fn rebuild_boards(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<RoundId>,
) -> Result<web::Json<RebuildResponse>, ApiError> {
    let (_, contest) = managed_round(&state, user.id, *id).await?;
    let done = crate::standings::rebuild_contest(&state, contest.id).await?;
    Ok(web::Json(RebuildResponse {
        results: done.results,
        voided: done.voided,
    }))
}
