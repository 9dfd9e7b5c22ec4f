//! A unit's participation per recent round.

use actix_web::{get, web};

use crate::app::unit_participation;
use crate::app::unit_participation::UnitRoundsPage;
use crate::auth::AuthUser;
use crate::domain::ids::UnitId;
use crate::error::{ApiError, Problem};
use crate::routes::extract::{Pagination, Query};
use crate::state::AppState;

/// Per ranked round the unit's members could enter (newest first; `limit` defaults to 10 here):
/// distinct entrants of its subtree, its recorded member count, the rate, finished attempts, and
/// the average and best score where the round's review policy shows scores. Organizers and unit
/// admins over the unit.
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "Unit id"), Pagination),
    responses(
        (status = 200, description = "A page of rounds", body = UnitRoundsPage),
        (status = 403, description = "No organizer or unit admin role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown unit or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad paging value", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/units/{id}/participation/contests")]
#[tracing::instrument(name = "Unit participation per round", skip_all, fields(unit.id = %id, user.id = %user.id))]
pub async fn unit_rounds(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UnitId>,
    page: Query<Pagination>,
) -> Result<web::Json<UnitRoundsPage>, ApiError> {
    Ok(web::Json(
        unit_participation::rounds(&state, user.id, id.into_uuid(), page.offset, page.limit)
            .await?,
    ))
}
