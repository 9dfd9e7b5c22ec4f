//! `/audit`: the audit log of the caller's scope — who changed what and when (contest and
//! round edits, voids, role changes, exports of personal data, certificate revocations…).
//! The scope rule lives in `app::audit`.

use actix_web::{get, web};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::audit::{self, AuditQuery};
pub use crate::app::audit::{AuditEvent, AuditPage};
use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::routes::extract::Query;
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_audit);
}

/// Filters and the page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    /// An action (`certificate.revoke`) or an area (`certificate`, `export`, `user`…).
    #[param(pattern = r"^[a-z_.]{0,50}$")]
    pub action: Option<String>,
    /// Who did it.
    pub actor_id: Option<Uuid>,
    /// Only events about this unit's subtree (within your scope).
    pub unit_id: Option<Uuid>,
    /// From this day (inclusive, Vietnam time).
    pub from: Option<NaiveDate>,
    /// To this day (inclusive, Vietnam time).
    pub to: Option<NaiveDate>,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// Rows to return (1–200, default 50).
    pub limit: Option<u64>,
}

/// The audit log of your scope, newest first: system admins read every event; organizers and
/// unit admins the events about units of their subtrees.
#[utoipa::path(
    tag = "people",
    params(AuditParams),
    responses(
        (status = 200, description = "A page of events", body = AuditPage),
        (status = 403, description = "No organizer, unit-admin or admin role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "`unit_id` unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad filter or page", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/audit")]
#[tracing::instrument(name = "Audit log", skip_all, fields(user.id = %user.id))]
pub async fn list_audit(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<AuditParams>,
) -> Result<web::Json<AuditPage>, ApiError> {
    let q = query.0;
    let page = audit::list(
        &state,
        user.id,
        AuditQuery {
            action: q.action,
            actor_id: q.actor_id,
            unit_id: q.unit_id,
            from: q.from,
            to: q.to,
            offset: q.offset,
            limit: q.limit,
        },
    )
    .await?;
    Ok(web::Json(page))
}
