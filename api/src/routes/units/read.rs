//! Listing, searching and reading units.

use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{UnitDetail, UnitList, UnitResponse};
use crate::domain::ids::UnitId;
use crate::error::{ApiError, Problem};
use crate::persistence;
use crate::routes::extract::{Pagination, Query};
use crate::state::AppState;

/// Filters of the unit list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct UnitQuery {
    /// List the children of this unit (roots when absent); with `q`, search its subtree.
    pub parent_id: Option<Uuid>,
    /// Search names and codes, ignoring case and Vietnamese diacritics ("doan co so").
    pub q: Option<String>,
}

/// Children of a unit, or a search of the tree.
#[utoipa::path(
    tag = "units",
    params(UnitQuery, Pagination),
    responses(
        (status = 200, description = "A page of units", body = UnitList),
        (status = 404, description = "No such parent", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad query value", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/units")]
#[tracing::instrument(name = "List units", skip_all)]
pub async fn list_units(
    state: web::Data<AppState>,
    query: Query<UnitQuery>,
    page: Query<Pagination>,
) -> Result<web::Json<UnitList>, ApiError> {
    let limit = page.limit()?;
    if query.q.as_ref().is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::field(
            "/q",
            "search text must be at most 100 characters",
        ));
    }
    let parent = match query.parent_id {
        Some(id) => Some(persistence::units::get(&state.db, UnitId(id)).await?),
        None => None,
    };
    let found = persistence::units::list(
        &state.db,
        parent.as_ref(),
        query.q.as_deref(),
        page.offset,
        limit,
    )
    .await?;
    Ok(web::Json(UnitList {
        items: found.items.into_iter().map(UnitResponse::from).collect(),
        total: found.total,
    }))
}

/// One unit with its ancestors.
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "Unit id")),
    responses(
        (status = 200, description = "The unit", body = UnitDetail),
        (status = 404, description = "No such unit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/units/{id}")]
#[tracing::instrument(name = "Get unit", skip_all, fields(unit.id = %id))]
pub async fn get_unit(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<web::Json<UnitDetail>, ApiError> {
    let unit = persistence::units::get(&state.db, UnitId(*id)).await?;
    let ancestors = persistence::units::ancestors(&state.db, &unit).await?;
    Ok(web::Json(UnitDetail {
        unit: unit.into(),
        ancestors: ancestors.into_iter().map(UnitResponse::from).collect(),
    }))
}
