//! `/users`: people as organizers and unit admins see them, and role grants. The rules live
//! in [`crate::app::people`].

use actix_web::{get, put, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::extract::{Json, Pagination, Query};
use super::me::{RoleGrant, UserResponse, user_response};
use crate::app::people;
use crate::auth::AuthUser;
use crate::domain::ids::{UnitId, UserId};
use crate::domain::person::mask_name;
use crate::domain::role::Role;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_user)
        .service(set_roles)
        .service(list_members);
}

/// One person, if they are in the caller's scope.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The person", body = UserResponse),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/users/{id}")]
#[tracing::instrument(name = "Get user", skip_all, fields(user.id = %user.id))]
pub async fn get_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<web::Json<UserResponse>, ApiError> {
    let target = people::get_user(&state, user.id, UserId(*id)).await?;
    Ok(web::Json(user_response(&state.db, target).await?))
}

/// The full set of roles a person should hold.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRolesRequest {
    /// Every role with its unit; replaces the grants the caller manages.
    pub roles: Vec<RoleGrant>,
}

/// The person's roles after the change.
#[derive(Debug, Serialize, ToSchema)]
pub struct RolesResponse {
    /// The person.
    pub user_id: Uuid,
    /// All their roles.
    pub roles: Vec<RoleGrant>,
}

/// Sets a person's roles. An admin may grant anything; a unit admin may grant `organizer` and
/// `unit_admin` over units in their subtree, to people in their subtree. Grants the caller does
/// not manage are kept as they are.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = SetRolesRequest,
    responses(
        (status = 200, description = "Roles set", body = RolesResponse),
        (status = 403, description = "Not an admin or unit admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A grant is invalid or outside your scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/users/{id}/roles")]
#[tracing::instrument(name = "Set roles", skip_all, fields(user.id = %user.id, target.id = %id))]
pub async fn set_roles(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: Json<SetRolesRequest>,
) -> Result<web::Json<RolesResponse>, ApiError> {
    let roles: Vec<(Role, Option<Uuid>)> =
        body.0.roles.iter().map(|g| (g.role, g.unit_id)).collect();
    let (target, grants) = people::set_roles(&state, user.id, UserId(*id), &roles).await?;
    let roles = grants
        .into_iter()
        .map(|g| RoleGrant {
            role: g.role,
            unit_id: g.unit_id.map(Into::into),
        })
        .collect();
    Ok(web::Json(RolesResponse {
        user_id: target.0,
        roles,
    }))
}

/// Filters of the member list.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MemberQuery {
    /// Search names, ignoring case and diacritics.
    pub q: Option<String>,
}

/// A member as listed for organizers.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberSummary {
    /// Id.
    pub id: Uuid,
    /// Họ tên.
    pub full_name: String,
    /// Public form of the name.
    pub display_name: String,
    /// Phone (organizers in scope need it to reach people).
    pub phone: String,
    /// Their unit.
    pub unit_id: Uuid,
    /// Ngày kết nạp.
    pub admitted_at: Option<chrono::NaiveDate>,
}

/// A page of members.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberList {
    /// The members.
    pub items: Vec<MemberSummary>,
    /// How many in all.
    pub total: u64,
}

/// The members of a unit's whole subtree, for its organizers and unit admins.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "Unit id"), MemberQuery, Pagination),
    responses(
        (status = 200, description = "A page of members", body = MemberList),
        (status = 403, description = "Not an organizer or unit admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown unit or outside your scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/units/{id}/members")]
#[tracing::instrument(name = "List members", skip_all, fields(user.id = %user.id, unit.id = %id))]
pub async fn list_members(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: Query<MemberQuery>,
    page: Query<Pagination>,
) -> Result<web::Json<MemberList>, ApiError> {
    let limit = page.limit()?;
    let (users, total) = people::list_members(
        &state,
        user.id,
        UnitId(*id),
        query.q.as_deref(),
        page.offset,
        limit,
    )
    .await?;
    let items = users
        .into_iter()
        .map(|u| MemberSummary {
            id: u.id.0,
            display_name: mask_name(&u.full_name),
            full_name: u.full_name,
            phone: u.phone,
            unit_id: u.unit_id.0,
            admitted_at: u.admitted_at,
        })
        .collect();
    Ok(web::Json(MemberList { items, total }))
}
