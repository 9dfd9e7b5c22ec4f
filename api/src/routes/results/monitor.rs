//! What a round's organizers read while it runs and after: its entrants with who they are (to
//! void a result), and the record of its publications (what each republication changed). The
//! rules are in `app::boards::entrants` and `app::publishing`.

use actix_web::{get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::boards::entrants;
pub use crate::app::boards::entrants::EntrantsResponse;
use crate::app::publishing::{self, Publication};
use crate::auth::AuthUser;
use crate::domain::ids::RoundId;
use crate::error::{ApiError, Problem};
use crate::routes::extract::Query;
use crate::state::AppState;

/// Which entrants.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EntrantsQuery {
    /// Only the entrants of this unit's subtree.
    pub unit_id: Option<Uuid>,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// Rows to return (1–200, default 50).
    pub limit: Option<u64>,
}

/// A round's entrants with a counted result, best first, with full names and masked phones
/// (the contest's organizers); voided results are not among them (see `/voids`).
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), EntrantsQuery),
    responses(
        (status = 200, description = "A page of entrants", body = EntrantsResponse),
        (status = 403, description = "Not an organizer of this contest", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown round", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad unit or paging", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/rounds/{id}/entrants")]
#[tracing::instrument(name = "Round entrants", skip_all, fields(round.id = %id, user.id = %user.id))]
pub async fn round_entrants(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<RoundId>,
    query: Query<EntrantsQuery>,
) -> Result<web::Json<EntrantsResponse>, ApiError> {
    let q = query.0;
    Ok(web::Json(
        entrants::round_entrants(&state, user.id, *id, q.unit_id, q.offset, q.limit).await?,
    ))
}

/// A round's publications.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationList {
    /// Newest first.
    pub items: Vec<Publication>,
    /// How many.
    pub total: usize,
}

/// Every publication of a round, newest first, with what each republication changed (the
/// contest's organizers).
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id")),
    responses(
        (status = 200, description = "The publications", body = PublicationList),
        (status = 403, description = "Not an organizer of this contest", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown round", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/rounds/{id}/publications")]
#[tracing::instrument(name = "Round publications", skip_all, fields(round.id = %id, user.id = %user.id))]
pub async fn round_publications(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<RoundId>,
) -> Result<web::Json<PublicationList>, ApiError> {
    let items = publishing::publications(&state, user.id, *id).await?;
    Ok(web::Json(PublicationList {
        total: items.len(),
        items,
    }))
}
