//! Listing, searching and reading units.

use actix_web::{get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::{UnitDetail, UnitList, UnitListItem, UnitResponse};
use crate::app::units;
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

/// Children of a unit, or a search of the tree; public (registration picks a unit with it).
/// Each unit comes with the names above it and whether it has children.
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
    let found = units::list(
        &state,
        query.parent_id,
        query.q.as_deref(),
        page.offset,
        limit,
    )
    .await?;
    Ok(web::Json(UnitList {
        items: found
            .items
            .into_iter()
            .map(|i| UnitListItem {
                unit: i.unit.into(),
                path: i.path,
                has_children: i.has_children,
            })
            .collect(),
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
    id: web::Path<UnitId>,
) -> Result<web::Json<UnitDetail>, ApiError> {
    let unit = persistence::units::get(&state.db, *id).await?;
    let ancestors = persistence::units::ancestors(&state.db, &unit).await?;
    Ok(web::Json(UnitDetail {
        unit: unit.into(),
        ancestors: ancestors.into_iter().map(UnitResponse::from).collect(),
    }))
}
