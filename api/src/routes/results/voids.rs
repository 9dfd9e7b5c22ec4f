//! Voiding a person's result in a round with a reason, restoring it, and the record of both.

use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::voids::{self, VoidResponse};
use crate::auth::AuthUser;
use crate::domain::ids::{RoundId, UserId};
use crate::error::{ApiError, Problem};
use crate::routes::extract::Json;
use crate::state::AppState;

/// A reason for a decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    /// Why (3–1000 characters); kept in the record.
    #[schema(min_length = 3, max_length = 1000)]
    pub reason: String,
}

/// Voids a person's result in a round (e.g. someone sat the test for them): it leaves the live
/// boards at once and the final ranking when the round is published (again). Never deleted.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), ("user_id" = Uuid, Path, description = "Whose result")),
    request_body = ReasonRequest,
    responses(
        (status = 201, description = "Voided", body = VoidResponse),
        (status = 404, description = "Unknown round or no result of that person", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_voided`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/rounds/{id}/results/{user_id}/void")]
#[tracing::instrument(name = "Void result", skip_all, fields(round.id = %path.0, user.id = %user.id))]
pub async fn void_result(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(RoundId, UserId)>,
    body: Json<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let (round_id, entrant) = *path;
    let void = voids::void_result(
        &state,
        user.id,
        round_id,
        entrant,
        &body.0.reason,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(void))
}

/// Lifts a void: the result counts again (live at once; in the final ranking on republishing).
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), ("user_id" = Uuid, Path, description = "Whose result")),
    request_body = ReasonRequest,
    responses(
        (status = 200, description = "Lifted", body = VoidResponse),
        (status = 404, description = "No void in force", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/rounds/{id}/results/{user_id}/restore")]
#[tracing::instrument(name = "Lift void", skip_all, fields(round.id = %path.0, user.id = %user.id))]
pub async fn lift_void(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(RoundId, UserId)>,
    body: Json<ReasonRequest>,
) -> Result<web::Json<VoidResponse>, ApiError> {
    let (round_id, entrant) = *path;
    let lifted = voids::lift_void(
        &state,
        user.id,
        round_id,
        entrant,
        &body.0.reason,
        Utc::now(),
    )
    .await?;
    Ok(web::Json(lifted))
}

/// Every void of a round, lifted or not.
#[derive(Debug, Serialize, ToSchema)]
pub struct VoidList {
    /// Newest first.
    pub items: Vec<VoidResponse>,
    /// How many.
    pub total: usize,
}

/// The voids of a round (organizers).
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id")),
    responses((status = 200, description = "Voids", body = VoidList)),
    security(("bearer" = []))
)]
#[get("/rounds/{id}/voids")]
#[tracing::instrument(name = "List voids", skip_all, fields(round.id = %id))]
pub async fn list_voids(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<RoundId>,
) -> Result<web::Json<VoidList>, ApiError> {
    let items = voids::list_voids(&state, user.id, *id).await?;
    Ok(web::Json(VoidList {
        total: items.len(),
        items,
    }))
}
