//! Coverage of new members for units: per lesson and overall, a row per child unit, exported
//! as units report upward; the list of new members who have not passed; the admission-date
//! setting of a unit.

use actix_web::{HttpResponse, get, put, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::theory::coverage;
pub use crate::app::theory::coverage::{
    CoverageResponse, PendingList, TheorySinceRequest, TheorySinceResponse,
};
use crate::auth::AuthUser;
use crate::domain::ids::CourseId;
use crate::domain::ids::UnitId;
use crate::error::{ApiError, Problem};
use crate::routes::exports::{SheetFormat, respond};
use crate::routes::extract::{Json, Query};
use crate::state::AppState;

/// Which course, and whether to download.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// A course version; the one taught now by default.
    pub course_id: Option<Uuid>,
    /// `xlsx` or `csv` to download instead of JSON.
    #[param(value_type = Option<SheetFormat>, inline)]
    pub format: Option<String>,
}

/// Coverage of a unit's new members on the course: new members, tested, passed and
/// `x/y = z%`, per lesson and overall, with a line per child unit. `?format=xlsx|csv`
/// downloads it in the shape units report upward.
#[utoipa::path(
    tag = "theory",
    params(("id" = Uuid, Path, description = "Unit id"), CoverageQuery),
    responses(
        (status = 200, description = "Coverage (JSON, or the file with `format`)", content((CoverageResponse = "application/json"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"))),
        (status = 403, description = "No organizer or unit-admin role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown unit or outside your scope; no course", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad format", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/units/{id}/theory-coverage")]
#[tracing::instrument(name = "Theory coverage", skip_all, fields(user.id = %user.id, unit.id = %id))]
pub async fn theory_coverage(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UnitId>,
    query: Query<CoverageQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.clone();
    let report = coverage::report(
        &state,
        user.id,
        id.into_uuid(),
        query.course_id.map(CourseId::from_uuid),
        format,
    )
    .await?;
    Ok(respond(report))
}

/// Which course, and the page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PendingQuery {
    /// A course version; the one taught now by default.
    pub course_id: Option<Uuid>,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// Rows to return (1–200, default 50).
    pub limit: Option<u64>,
    /// `xlsx` or `csv` to download every one of them instead (recorded in the audit log).
    #[param(value_type = Option<SheetFormat>, inline)]
    pub format: Option<String>,
}

/// New members of a unit's subtree who have not passed the course yet, for the branch
/// secretary to remind: full name, masked phone, unit, lessons passed.
#[utoipa::path(
    tag = "theory",
    params(("id" = Uuid, Path, description = "Unit id"), PendingQuery),
    responses(
        (status = 200, description = "Members still to pass (JSON, or the file with `format`)", content((PendingList = "application/json"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"))),
        (status = 403, description = "No organizer or unit-admin role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown unit or outside your scope; no course", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad format or limit", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/units/{id}/theory-pending")]
#[tracing::instrument(name = "Theory pending", skip_all, fields(user.id = %user.id, unit.id = %id))]
pub async fn theory_pending(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UnitId>,
    query: Query<PendingQuery>,
) -> Result<HttpResponse, ApiError> {
    let (offset, limit, format) = (query.offset, query.limit, query.format.clone());
    let list = coverage::pending(
        &state,
        user.id,
        id.into_uuid(),
        query.course_id.map(CourseId::from_uuid),
        offset,
        limit,
        format,
    )
    .await?;
    Ok(respond(list))
}

/// Sets from which admission date a unit's members (and its subtree's, unless they set their
/// own) must take the course.
#[utoipa::path(
    tag = "theory",
    params(("id" = Uuid, Path, description = "Unit id")),
    request_body = TheorySinceRequest,
    responses(
        (status = 200, description = "Set", body = TheorySinceResponse),
        (status = 403, description = "No organizer or unit-admin role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown unit or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad date", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/units/{id}/theory-since")]
#[tracing::instrument(name = "Set theory since", skip_all, fields(user.id = %user.id, unit.id = %id))]
pub async fn set_theory_since(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UnitId>,
    body: Json<TheorySinceRequest>,
) -> Result<web::Json<TheorySinceResponse>, ApiError> {
    let set = coverage::set_since(&state, user.id, id.into_uuid(), body.0.theory_since).await?;
    Ok(web::Json(set))
}
