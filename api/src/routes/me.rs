//! `/me`: the signed-in person's own account.

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::extract::Json;
use crate::auth::AuthUser;
use crate::domain::role::Role;
use crate::error::{ApiError, Problem};
use crate::persistence::{self, users::User};
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_me)
        .service(change_password)
        .service(my_data)
        .service(give_consent)
        .service(erase_me)
        .service(update_me);
}

/// A role and the unit whose subtree it covers (`null` for admin).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RoleGrant {
    /// The role.
    pub role: Role,
    /// The root of the subtree it covers; null for `admin`.
    #[serde(default)]
    pub unit_id: Option<Uuid>,
}

/// A unit in brief.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitBrief {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Code.
    pub code: String,
}

/// An account as its owner (or an organizer in scope) sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserResponse {
    /// Id.
    pub id: Uuid,
    /// Họ tên.
    pub full_name: String,
    /// Login phone, national form.
    pub phone: String,
    /// Ngày sinh.
    pub birth_date: Option<NaiveDate>,
    /// The person's unit.
    pub unit_id: Uuid,
    /// The unit in brief.
    pub unit: UnitBrief,
    /// CCCD.
    pub citizen_id: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Ngày kết nạp Đoàn.
    pub admitted_at: Option<NaiveDate>,
    /// Roles beyond member.
    pub roles: Vec<RoleGrant>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// Builds the response for `user`, loading unit and roles.
pub async fn user_response(
    db: &impl ConnectionTrait,
    user: User,
) -> Result<UserResponse, ApiError> {
    let unit = persistence::units::get(db, user.unit_id).await?;
    let roles = persistence::roles::for_user(db, user.id)
        .await?
        .into_iter()
        .map(|g| RoleGrant {
            role: g.role,
            unit_id: g.unit_id.map(Into::into),
        })
        .collect();
    Ok(UserResponse {
        id: user.id.into_uuid(),
        full_name: user.full_name,
        phone: user.phone,
        birth_date: user.birth_date,
        unit_id: unit.id.into_uuid(),
        unit: UnitBrief {
            id: unit.id.into_uuid(),
            name: unit.name,
            code: unit.code,
        },
        citizen_id: user.citizen_id,
        email: user.email,
        admitted_at: user.admitted_at,
        roles,
        created_at: user.created_at,
    })
}

/// The signed-in account.
#[utoipa::path(
    tag = "people",
    responses(
        (status = 200, description = "The account", body = UserResponse),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/me")]
#[tracing::instrument(name = "Get me", skip_all, fields(user.id = %user.id))]
pub async fn get_me(
    state: web::Data<AppState>,
    user: AuthUser,
) -> Result<web::Json<UserResponse>, ApiError> {
    let account = crate::app::accounts::signed_in_account(&state, user.id).await?;
    Ok(web::Json(user_response(&state.db, account).await?))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: String,
    /// The new password (same rules as at registration).
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// Changes the password and signs out every session (all refresh tokens are revoked).
#[utoipa::path(
    tag = "people",
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed; every session signed out"),
        (status = 401, description = "Not signed in, or wrong current password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new password breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong current passwords; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`busy`: too many passwords being checked at once; try again after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/me/password")]
#[tracing::instrument(name = "Change password", skip_all, fields(user.id = %user.id))]
pub async fn change_password(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    crate::app::accounts::change_password(
        &state,
        user.id,
        body.current_password,
        body.new_password,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A copy of everything dautri holds about the signed-in person (Law 91/2025/QH15): account,
/// roles, attempts with their answers, certificates, login sessions. A JSON file to keep.
#[utoipa::path(
    tag = "people",
    responses(
        (status = 200, description = "The copy, as a JSON attachment", body = crate::app::privacy::PersonalData),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/me/data")]
#[tracing::instrument(name = "My data", skip_all, fields(user.id = %user.id))]
pub async fn my_data(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    let now = Utc::now();
    let data = crate::app::privacy::my_data(&state, user.id, now).await?;
    Ok(HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"du-lieu-ca-nhan-{}.json\"",
                now.format("%Y-%m-%d")
            ),
        ))
        .json(data))
}

/// Acceptance of a version of the personal-data notice.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// The version accepted; must be the one in force.
    pub version: String,
}

/// Records that the signed-in person accepts the personal-data notice in force.
#[utoipa::path(
    tag = "people",
    request_body = ConsentRequest,
    responses(
        (status = 204, description = "Recorded, with the time"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not the version in force", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/me/consent")]
#[tracing::instrument(name = "Consent", skip_all, fields(user.id = %user.id))]
pub async fn give_consent(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<ConsentRequest>,
) -> Result<HttpResponse, ApiError> {
    crate::app::privacy::consent(&state, user.id, &body.0.version, Utc::now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The password, to confirm an erasure.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// The account's password.
    pub password: String,
}

/// Erases the signed-in person's personal data at their request. Results stay, anonymised, so
/// published rankings remain valid; the account can no longer sign in. Cannot be undone.
#[utoipa::path(
    tag = "people",
    request_body = EraseRequest,
    responses(
        (status = 204, description = "Erased; every session ended"),
        (status = 401, description = "Not signed in, or wrong password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong passwords; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`busy`: too many passwords being checked at once; try again after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/me/erase")]
#[tracing::instrument(name = "Erase me", skip_all, fields(user.id = %user.id))]
pub async fn erase_me(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<EraseRequest>,
) -> Result<HttpResponse, ApiError> {
    crate::app::privacy::erase(&state, user.id, body.0.password, Utc::now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Changes the signed-in person's name and/or birth date, checked as at registration.
#[utoipa::path(
    tag = "people",
    request_body = crate::app::profile::UpdateProfileRequest,
    responses(
        (status = 200, description = "The account after the change", body = UserResponse),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks a rule", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[patch("/me")]
#[tracing::instrument(name = "Update me", skip_all, fields(user.id = %user.id))]
pub async fn update_me(
    state: web::Data<AppState>,
    user: AuthUser,
    body: Json<crate::app::profile::UpdateProfileRequest>,
) -> Result<web::Json<UserResponse>, ApiError> {
    let account =
        crate::app::profile::update(&state, user.id, body.0, Utc::now().date_naive()).await?;
    Ok(web::Json(user_response(&state.db, account).await?))
}
