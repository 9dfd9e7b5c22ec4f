//! Unit transfer requests: `/me/unit-transfers` for the member who asks, and
//! `/units/{id}/unit-transfers` and `/unit-transfers/{id}/…` for the managers who decide. The
//! rules (who decides, one pending request, what approval changes) live in `app::transfers`.

use actix_web::{HttpResponse, get, post, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::app::transfers::{self, Decision};
pub use crate::app::transfers::{UnitTransfer, UnitTransferPage};
use crate::auth::AuthUser;
use crate::domain::ids::{TransferRequestId, UnitId};
use crate::domain::transfer::TransferStatus;
use crate::error::{ApiError, Problem};
use crate::routes::extract::{Json, Query};
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(request_transfer)
        .service(my_transfers)
        .service(cancel_transfer)
        .service(unit_transfers)
        .service(approve_transfer)
        .service(reject_transfer);
}

/// A request to move to another unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnitTransferRequest {
    /// The unit to join (any unit a member may register in; not the current one).
    pub to_unit_id: Uuid,
    /// Why (moved school, workplace or residence…), at most 500 characters.
    pub reason: Option<String>,
}

/// A manager's decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideUnitTransferRequest {
    /// A note for the member: optional on approval, required (3–500 characters) on rejection.
    pub note: Option<String>,
}

/// Which requests of a unit to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnitTransferParams {
    /// Only requests of this status (all when absent).
    pub status: Option<TransferStatus>,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// Rows to return (1–200, default 50).
    pub limit: Option<u64>,
}

/// Asks to move to another unit. One request may be pending at a time.
#[utoipa::path(
    tag = "people",
    request_body = CreateUnitTransferRequest,
    responses(
        (status = 201, description = "Requested; waiting for the receiving unit", body = UnitTransfer),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`transfer_pending`: a request is already waiting", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown unit, the current unit, or a reason too long", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/me/unit-transfers")]
#[tracing::instrument(name = "Request unit transfer", skip_all, fields(user.id = %user.id))]
pub async fn request_transfer(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateUnitTransferRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let transfer = transfers::request(
        &state,
        user.id,
        b.to_unit_id,
        b.reason.as_deref(),
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::Created().json(transfer))
}

/// The signed-in member's own transfer requests, newest first (the last 50).
#[utoipa::path(
    tag = "people",
    responses(
        (status = 200, description = "Their requests", body = UnitTransferPage),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/me/unit-transfers")]
#[tracing::instrument(name = "My unit transfers", skip_all, fields(user.id = %user.id))]
pub async fn my_transfers(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<web::Json<UnitTransferPage>, ApiError> {
    Ok(web::Json(transfers::mine(&state, user.id).await?))
}

/// Withdraws the signed-in member's own pending request.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "Transfer request id")),
    responses(
        (status = 200, description = "Cancelled", body = UnitTransfer),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such request of yours", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`transfer_closed`: already decided or cancelled", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/me/unit-transfers/{id}/cancel")]
#[tracing::instrument(name = "Cancel unit transfer", skip_all, fields(user.id = %user.id, transfer.id = %id))]
pub async fn cancel_transfer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<TransferRequestId>,
) -> Result<web::Json<UnitTransfer>, ApiError> {
    Ok(web::Json(
        transfers::cancel(&state, user.id, *id, Utc::now()).await?,
    ))
}

/// Transfer requests into or out of the unit's subtree, newest first. Unit admins and
/// organizers of the subtree, system admins; `can_decide` marks those the caller may approve or
/// reject (the receiving unit decides).
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "Unit id"), UnitTransferParams),
    responses(
        (status = 200, description = "A page of requests", body = UnitTransferPage),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No organizer or unit admin role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown unit or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad status or paging value", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/units/{id}/unit-transfers")]
#[tracing::instrument(name = "Unit transfers of a unit", skip_all, fields(user.id = %user.id, unit.id = %id))]
pub async fn unit_transfers(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UnitId>,
    query: Query<UnitTransferParams>,
) -> Result<web::Json<UnitTransferPage>, ApiError> {
    let q = query.0;
    Ok(web::Json(
        transfers::for_unit(&state, user.id, *id, q.status, q.offset, q.limit).await?,
    ))
}

/// Approves a pending request: the member moves to the requested unit (their past results stay
/// with the unit they were made in) and the audit log records it.
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "Transfer request id")),
    request_body = DecideUnitTransferRequest,
    responses(
        (status = 200, description = "Approved; the member's unit changed", body = UnitTransfer),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No organizer or unit admin role, only the sending unit in scope, or your own request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown request or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`transfer_closed`: already decided or cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Note too long", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/unit-transfers/{id}/approve")]
#[tracing::instrument(name = "Approve unit transfer", skip_all, fields(user.id = %user.id, transfer.id = %id))]
pub async fn approve_transfer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<TransferRequestId>,
    body: Json<DecideUnitTransferRequest>,
) -> Result<web::Json<UnitTransfer>, ApiError> {
    let note = body.0.note;
    Ok(web::Json(
        transfers::decide(
            &state,
            user.id,
            *id,
            Decision::Approve,
            note.as_deref(),
            Utc::now(),
        )
        .await?,
    ))
}

/// Rejects a pending request, with a note that the member reads.
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "Transfer request id")),
    request_body = DecideUnitTransferRequest,
    responses(
        (status = 200, description = "Rejected", body = UnitTransfer),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No organizer or unit admin role, only the sending unit in scope, or your own request", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown request or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`transfer_closed`: already decided or cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`/note` missing or too long", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/unit-transfers/{id}/reject")]
#[tracing::instrument(name = "Reject unit transfer", skip_all, fields(user.id = %user.id, transfer.id = %id))]
pub async fn reject_transfer(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<TransferRequestId>,
    body: Json<DecideUnitTransferRequest>,
) -> Result<web::Json<UnitTransfer>, ApiError> {
    let note = body.0.note;
    Ok(web::Json(
        transfers::decide(
            &state,
            user.id,
            *id,
            Decision::Reject,
            note.as_deref(),
            Utc::now(),
        )
        .await?,
    ))
}
