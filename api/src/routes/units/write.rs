//! Creating, editing and moving units.

use actix_web::{HttpResponse, patch, post, web};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{UnitDetail, UnitResponse};
use crate::app::tables::error_in_vietnamese;
use crate::app::units::{self, NewUnit, UnitChanges};
use crate::auth::AuthUser;
use crate::domain::ids::UnitId;
use crate::error::{ApiError, Problem};
use crate::routes::extract::{Json, double_option};
use crate::state::AppState;

/// A new unit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUnitRequest {
    /// Parent; null makes a root (admins only).
    pub parent_id: Option<Uuid>,
    /// Name.
    #[schema(min_length = 2, max_length = 200)]
    pub name: String,
    /// Short code, unique.
    #[schema(min_length = 1, max_length = 50)]
    pub code: String,
    /// Declared member count.
    pub member_count: Option<i64>,
    /// When it was declared (default today).
    pub member_count_date: Option<NaiveDate>,
}

/// Creates a unit under a parent the caller administers.
#[utoipa::path(
    tag = "units",
    request_body = CreateUnitRequest,
    responses(
        (status = 201, description = "Created", body = UnitResponse),
        (status = 403, description = "Not a unit admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Parent unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field failed validation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/units")]
#[tracing::instrument(name = "Create unit", skip_all, fields(user.id = %user.id))]
pub async fn create_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<CreateUnitRequest>,
) -> Result<HttpResponse, ApiError> {
    let b = body.0;
    let new = NewUnit {
        parent_id: b.parent_id,
        name: b.name,
        code: b.code,
        member_count: b.member_count,
        member_count_date: b.member_count_date,
    };
    let unit = units::create_unit(&state, user.id, new, Utc::now().date_naive())
        .await
        .map_err(error_in_vietnamese)?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/units/{}", unit.id)))
        .json(UnitResponse::from(unit)))
}

/// Changes to a unit; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUnitRequest {
    /// New name.
    #[schema(min_length = 2, max_length = 200)]
    pub name: Option<String>,
    /// New code.
    #[schema(min_length = 1, max_length = 50)]
    pub code: Option<String>,
    /// New declared member count.
    pub member_count: Option<i64>,
    /// When it was declared (default today).
    pub member_count_date: Option<NaiveDate>,
    /// Move the unit and its whole subtree under this parent (`null`: make it a root; admins only).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub parent_id: Option<Option<Uuid>>,
}

/// Renames, recodes, updates the member count, or moves a subtree (never into itself).
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "Unit id")),
    request_body = UpdateUnitRequest,
    responses(
        (status = 200, description = "Updated", body = UnitDetail),
        (status = 403, description = "Not a unit admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Code taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field failed validation, or the move would make a cycle", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/units/{id}")]
#[tracing::instrument(name = "Update unit", skip_all, fields(user.id = %user.id, unit.id = %id))]
pub async fn update_unit(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UnitId>,
    body: Json<UpdateUnitRequest>,
) -> Result<web::Json<UnitDetail>, ApiError> {
    let b = body.0;
    let changes = UnitChanges {
        name: b.name,
        code: b.code,
        member_count: b.member_count,
        member_count_date: b.member_count_date,
        parent_id: b.parent_id,
    };
    let (unit, ancestors) = units::update_unit(&state, user.id, *id, changes, Utc::now())
        .await
        .map_err(error_in_vietnamese)?;
    Ok(web::Json(UnitDetail {
        unit: unit.into(),
        ancestors: ancestors.into_iter().map(UnitResponse::from).collect(),
    }))
}
