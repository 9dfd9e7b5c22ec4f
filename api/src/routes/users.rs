//! `/users`: people as organizers and unit admins see them, and role grants.

use actix_web::{get, put, web};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::extract::{Json, Pagination, Query};
use super::me::{RoleGrant, UserResponse, user_response};
use crate::auth::{AuthUser, Caller};
use crate::domain::ids::{UnitId, UserId};
use crate::domain::person::mask_name;
use crate::domain::role::{Grant, Role};
use crate::error::{ApiError, FieldError, Problem};
use crate::persistence::{self, PersistenceError};
use crate::state::AppState;

/// Who may see people's details in a subtree.
const PEOPLE_READERS: &[Role] = &[Role::Organizer, Role::UnitAdmin];

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_user)
        .service(set_roles)
        .service(list_members);
}

/// Loads a user the caller may see: themselves, or anyone in a subtree they organise or administer.
async fn visible_user(
    state: &AppState,
    caller: &Caller,
    id: UserId,
) -> Result<persistence::users::User, ApiError> {
    let user = persistence::users::get(&state.db, id).await?;
    if user.id == caller.id {
        return Ok(user);
    }
    let unit = persistence::units::get(&state.db, user.unit_id).await?;
    if !caller.covers(PEOPLE_READERS, &unit.path) {
        return Err(ApiError::NotFound("user"));
    }
    Ok(user)
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
    let caller = Caller::load(&state.db, user.id).await?;
    let target = visible_user(&state, &caller, UserId(*id)).await?;
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
    let caller = Caller::load(&state.db, user.id).await?;
    if !caller.has_any(&[Role::UnitAdmin]) {
        return Err(ApiError::Forbidden);
    }
    let target = persistence::users::get(&state.db, UserId(*id)).await?;
    let target_unit = persistence::units::get(&state.db, target.unit_id).await?;
    if !caller.covers(&[Role::UnitAdmin], &target_unit.path) {
        return Err(ApiError::NotFound("user"));
    }
    if body.0.roles.len() > 50 {
        return Err(ApiError::field("/roles", "at most 50 roles"));
    }
    let mut errors = Vec::new();
    let mut requested = Vec::new();
    for (i, g) in body.0.roles.iter().enumerate() {
        let grant = match Grant::new(g.role, g.unit_id.map(UnitId)) {
            Ok(grant) => grant,
            Err(e) => {
                errors.push(FieldError::new(format!("/roles/{i}"), e.0));
                continue;
            }
        };
        if !manages(&state, &caller, &grant).await? {
            errors.push(FieldError::new(
                format!("/roles/{i}"),
                "you cannot grant this role over this unit",
            ));
            continue;
        }
        if !requested.contains(&grant) {
            requested.push(grant);
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let current = persistence::roles::for_user(&state.db, target.id).await?;
    let mut kept = Vec::new();
    for grant in current {
        if !manages(&state, &caller, &grant).await? {
            kept.push(grant);
        }
    }
    let mut all = kept;
    all.extend(requested);
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::roles::replace(&txn, target.id, &all).await?;
    let granted: Vec<_> = all
        .iter()
        .map(|g| json!({"role": g.role.as_str(), "unit_id": g.unit_id}))
        .collect();
    persistence::audit::record(
        &txn,
        Some(user.id),
        "user.roles",
        Some(target.id.0),
        json!({"roles": granted}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    let roles = persistence::roles::for_user(&state.db, target.id)
        .await?
        .into_iter()
        .map(|g| RoleGrant {
            role: g.role,
            unit_id: g.unit_id.map(Into::into),
        })
        .collect();
    Ok(web::Json(RolesResponse {
        user_id: target.id.0,
        roles,
    }))
}

/// Whether `caller` may grant or revoke `grant`.
async fn manages(state: &AppState, caller: &Caller, grant: &Grant) -> Result<bool, ApiError> {
    if caller.is_admin() {
        return Ok(true);
    }
    let Some(unit_id) = grant.unit_id.filter(|_| grant.role != Role::Admin) else {
        return Ok(false);
    };
    match persistence::units::get(&state.db, unit_id).await {
        Ok(unit) => Ok(caller.covers(&[Role::UnitAdmin], &unit.path)),
        Err(PersistenceError::NotFound(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
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
    let caller = Caller::load(&state.db, user.id).await?;
    let unit = caller
        .require_unit(&state.db, PEOPLE_READERS, UnitId(*id))
        .await?;
    let (users, total) = persistence::users::list_in_subtree(
        &state.db,
        &unit.path,
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
