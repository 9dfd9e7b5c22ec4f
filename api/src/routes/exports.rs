//! Exports for reporting upward: a round's ranking (live, or final once published), its prize
//! list, participation by unit, a contest's cumulative ranking, and a unit's participation over
//! a date range. XLSX or CSV, streamed.
//!
//! Every export handler has one shape: parse the query, ask `app::exports` for the report's
//! plan (which checks scope and reads the data), and answer it with [`stream`] or [`respond`]
//! (the theory coverage export in `routes::theory` does the same).

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use uuid::Uuid;

pub use crate::app::exports::Report;
use crate::app::exports::board::{self, ExportRequest};
use crate::app::exports::participation::{self, ParticipationRequest};
pub use crate::app::exports::participation::{ParticipationLine, ParticipationResponse};
use crate::app::exports::{ExportPlan, Output};
use crate::auth::AuthUser;
use crate::domain::ids::{ContestId, RoundId, UnitId};
use crate::error::{ApiError, Problem};
use crate::reports;
use crate::routes::extract::Query;
use crate::state::AppState;

/// Streams an export's file as the response.
pub fn stream(plan: ExportPlan) -> HttpResponse {
    let (layout, fill) = plan.into_parts();
    reports::stream(layout, fill)
}

/// Answers a report asked for as JSON or as a file.
pub fn respond<T: Serialize>(output: Output<T>) -> HttpResponse {
    match output {
        Output::Json(body) => HttpResponse::Ok().json(body),
        Output::File(plan) => stream(plan),
    }
}

/// Registers the routes of this module.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(export_round)
        .service(export_contest)
        .service(unit_participation);
}

/// An export's options.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `xlsx` or `csv`.
    #[param(value_type = SheetFormat, inline)]
    pub format: String,
    /// The subtree to export (required unless you organise the contest).
    pub unit_id: Option<Uuid>,
    /// `ranking` (default), `units` or `prizes`.
    #[serde(default)]
    pub report: Report,
}

impl ExportQuery {
    fn request(&self) -> ExportRequest {
        ExportRequest {
            format: self.format.clone(),
            unit_id: self.unit_id,
            report: self.report,
        }
    }
}

/// A round's ranking, prize list or participation by unit, as XLSX or CSV.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), ExportQuery),
    responses(
        (status = 200, description = "The file (streamed), XLSX or CSV as `format` says", content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"))),
        (status = 403, description = "No organizer or unit-admin role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown round, or a unit outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_published`: a prize list needs published results", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad format or unit", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/rounds/{id}/export")]
#[tracing::instrument(name = "Export round", skip_all, fields(round.id = %id, user.id = %user.id))]
pub async fn export_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<RoundId>,
    query: Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let plan = board::round(state.into_inner(), user.id, *id, query.request()).await?;
    Ok(stream(plan))
}

/// A contest's cumulative ranking or participation by unit, as XLSX or CSV.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Contest id"), ExportQuery),
    responses(
        (status = 200, description = "The file (streamed), XLSX or CSV as `format` says", content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"))),
        (status = 404, description = "Unknown contest, or a unit outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_published`: a prize list needs the contest's results published", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/contests/{id}/export")]
#[tracing::instrument(name = "Export contest", skip_all, fields(contest.id = %id, user.id = %user.id))]
pub async fn export_contest(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<ContestId>,
    query: Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let plan = board::contest(state.into_inner(), user.id, *id, query.request()).await?;
    Ok(stream(plan))
}

/// A unit's participation over a date range.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ParticipationQuery {
    /// First day (inclusive, Vietnam time).
    pub from: NaiveDate,
    /// Last day (inclusive, Vietnam time).
    pub to: NaiveDate,
    /// `xlsx` or `csv` for a file; JSON without it.
    #[param(value_type = Option<SheetFormat>, inline)]
    pub format: Option<String>,
}

/// A spreadsheet's format.
// For the OpenAPI document only: the handlers read the string themselves, so that a wrong one is
// a `422` naming `/format` in the report's own words.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum SheetFormat {
    Xlsx,
    Csv,
}

/// How many people of a unit's subtree took part in contests between two dates, per child
/// unit, against their declared members: the report units send upward.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Unit id"), ParticipationQuery),
    responses(
        (status = 200, description = "The report: JSON, or a file with `format`", content((ParticipationResponse = "application/json"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"))),
        (status = 404, description = "Unknown unit or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad dates or format", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/units/{id}/participation")]
#[tracing::instrument(name = "Unit participation", skip_all, fields(unit.id = %id, user.id = %user.id))]
pub async fn unit_participation(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UnitId>,
    query: Query<ParticipationQuery>,
) -> Result<HttpResponse, ApiError> {
    let req = ParticipationRequest {
        unit_id: id.into_uuid(),
        from: query.from,
        to: query.to,
        format: query.format.clone(),
    };
    Ok(respond(participation::report(&state, user.id, req).await?))
}
