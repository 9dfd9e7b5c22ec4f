//! `/users`: people as organizers and unit admins see them, and role grants. The rules live
//! in [`crate::app::people`].

use actix_web::{get, post, put, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::extract::{Json, Pagination, Query};
use super::me::{RoleGrant, UserResponse, user_response};
use crate::app::disabling::{self, AccountStateResponse, DisableRequest, DisabledState};
use crate::app::people;
use crate::app::person::{
    self, PersonAttemptList, PersonList, PersonProfile, PersonTheory, UnitManager,
};
use crate::auth::AuthUser;
use crate::domain::ids::{UnitId, UserId};
use crate::domain::person::mask_name;
use crate::domain::role::Role;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(search_people)
        .service(get_user)
        .service(person_profile)
        .service(person_attempts)
        .service(person_theory)
        .service(set_roles)
        .service(disable_user)
        .service(enable_user)
        .service(list_members)
        .service(unit_managers);
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
    id: web::Path<UserId>,
) -> Result<web::Json<UserResponse>, ApiError> {
    let target = people::get_user(&state, user.id, *id).await?;
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
        (status = 409, description = "`last_admin`: this would leave no enabled system admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A grant is invalid or outside your scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[put("/users/{id}/roles")]
#[tracing::instrument(name = "Set roles", skip_all, fields(user.id = %user.id, target.id = %id))]
pub async fn set_roles(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UserId>,
    body: Json<SetRolesRequest>,
) -> Result<web::Json<RolesResponse>, ApiError> {
    let roles: Vec<(Role, Option<Uuid>)> =
        body.0.roles.iter().map(|g| (g.role, g.unit_id)).collect();
    let (target, grants) = people::set_roles(&state, user.id, *id, &roles).await?;
    let roles = grants
        .into_iter()
        .map(|g| RoleGrant {
            role: g.role,
            unit_id: g.unit_id.map(Into::into),
        })
        .collect();
    Ok(web::Json(RolesResponse {
        user_id: target.into_uuid(),
        roles,
    }))
}

/// Disables a person's account: it cannot sign in or refresh, and the access tokens it holds
/// are refused from the next request on (403 `account_disabled`); its sessions end. For unit
/// admins whose subtree holds the person, and system admins; only a system admin may disable a
/// system admin. Disabling a disabled account changes nothing.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "User id")),
    request_body = DisableRequest,
    responses(
        (status = 200, description = "The account is disabled", body = AccountStateResponse),
        (status = 403, description = "Not a unit admin, or the person is a system admin and you are not", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`last_admin`: the person is the last enabled system admin", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason, a reason over 500 characters (`/reason`), or your own account (`/id`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The scoring store cannot record it; nothing changed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/disable")]
#[tracing::instrument(name = "Disable user", skip_all, fields(user.id = %user.id, target.id = %id))]
pub async fn disable_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UserId>,
    body: Json<DisableRequest>,
) -> Result<web::Json<AccountStateResponse>, ApiError> {
    let done = disabling::disable(&state, user.id, *id, &body.0.reason, Utc::now()).await?;
    Ok(web::Json(done))
}

/// Enables a disabled account again: the person can sign in. Same callers as the disable.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The account is enabled", body = AccountStateResponse),
        (status = 403, description = "Not a unit admin, or the person is a system admin and you are not", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/enable")]
#[tracing::instrument(name = "Enable user", skip_all, fields(user.id = %user.id, target.id = %id))]
pub async fn enable_user(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UserId>,
) -> Result<web::Json<AccountStateResponse>, ApiError> {
    Ok(web::Json(
        disabling::enable(&state, user.id, *id, Utc::now()).await?,
    ))
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
    /// Set when the account is disabled (Đã khoá).
    pub disabled: Option<DisabledState>,
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
    id: web::Path<UnitId>,
    query: Query<MemberQuery>,
    page: Query<Pagination>,
) -> Result<web::Json<MemberList>, ApiError> {
    let limit = page.limit()?;
    let (users, total) =
        people::list_members(&state, user.id, *id, query.q.as_deref(), page.offset, limit).await?;
    let items = users
        .into_iter()
        .map(|u| MemberSummary {
            id: u.id.into_uuid(),
            display_name: mask_name(&u.full_name),
            full_name: u.full_name,
            phone: u.phone,
            unit_id: u.unit_id.into_uuid(),
            admitted_at: u.admitted_at,
            disabled: u.disabled.as_ref().map(DisabledState::from),
        })
        .collect();
    Ok(web::Json(MemberList { items, total }))
}

/// Filters of the people search.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PeopleQuery {
    /// A name (case and diacritics ignored) or phone digits (any part of the number).
    pub q: Option<String>,
    /// Only this unit's subtree.
    pub unit_id: Option<Uuid>,
}

/// Finds people within the caller's scope (organizers and unit admins: their subtrees; admins:
/// everyone) by name or phone.
#[utoipa::path(
    tag = "people",
    params(PeopleQuery, Pagination),
    responses(
        (status = 200, description = "A page of people", body = PersonList),
        (status = 403, description = "Not an organizer or unit admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The unit is unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad query value", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/users")]
#[tracing::instrument(name = "Search people", skip_all, fields(user.id = %user.id))]
pub async fn search_people(
    state: web::Data<AppState>,
    user: AuthUser,
    query: Query<PeopleQuery>,
    page: Query<Pagination>,
) -> Result<web::Json<PersonList>, ApiError> {
    let limit = page.limit()?;
    let found = person::search(
        &state,
        user.id,
        query.q.as_deref(),
        query.unit_id.map(UnitId::from_uuid),
        page.offset,
        limit,
    )
    .await?;
    Ok(web::Json(found))
}

/// A person as their managers see them: unit, roles (and which the caller may change), the
/// units over which the caller may grant roles, the reset code's state.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "The person", body = PersonProfile),
        (status = 403, description = "Not an organizer or unit admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/users/{id}/profile")]
#[tracing::instrument(name = "Person profile", skip_all, fields(user.id = %user.id, target.id = %id))]
pub async fn person_profile(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UserId>,
) -> Result<web::Json<PersonProfile>, ApiError> {
    Ok(web::Json(
        person::profile(&state, user.id, *id, Utc::now()).await?,
    ))
}

/// A person's attempts, newest first, for managers whose scope holds them.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "User id"), Pagination),
    responses(
        (status = 200, description = "A page of attempts", body = PersonAttemptList),
        (status = 403, description = "Not an organizer or unit admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/users/{id}/attempts")]
#[tracing::instrument(name = "Person attempts", skip_all, fields(user.id = %user.id, target.id = %id))]
pub async fn person_attempts(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UserId>,
    page: Query<Pagination>,
) -> Result<web::Json<PersonAttemptList>, ApiError> {
    let limit = page.limit()?;
    Ok(web::Json(
        person::attempts(&state, user.id, *id, page.offset, limit).await?,
    ))
}

/// A person's status in the political-theory course taught now.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 200, description = "Their lessons and certificate", body = PersonTheory),
        (status = 403, description = "Not an organizer or unit admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown, outside your scope, or no course taught", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/users/{id}/theory")]
#[tracing::instrument(name = "Person theory", skip_all, fields(user.id = %user.id, target.id = %id))]
pub async fn person_theory(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UserId>,
) -> Result<web::Json<PersonTheory>, ApiError> {
    Ok(web::Json(person::theory(&state, user.id, *id).await?))
}

/// Who organises or administers a unit: grants on it, and on the units above it within the
/// caller's scope.
#[utoipa::path(
    tag = "units",
    params(("id" = Uuid, Path, description = "Unit id")),
    responses(
        (status = 200, description = "The unit's managers", body = Vec<UnitManager>),
        (status = 403, description = "Not an organizer or unit admin", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown unit or outside your scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/units/{id}/managers")]
#[tracing::instrument(name = "Unit managers", skip_all, fields(user.id = %user.id, unit.id = %id))]
pub async fn unit_managers(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UnitId>,
) -> Result<web::Json<Vec<UnitManager>>, ApiError> {
    Ok(web::Json(
        person::unit_managers(&state, user.id, *id).await?,
    ))
}
