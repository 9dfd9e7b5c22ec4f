//! Account recovery without SMS: `POST /users/{id}/reset-code` (a unit admin issues a one-time
//! code) and `POST /auth/password-reset` (the member sets a new password with it). The rules
//! live in [`crate::app::recovery`].

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::auth::client_info;
use super::extract::Json;
use crate::app::recovery;
use crate::auth::AuthUser;
use crate::domain::ids::UserId;
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(issue_reset_code).service(reset_password);
}

/// A reset code, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResetCodeResponse {
    /// The code, `ABCD-EFGH`: give it to the member; it is never shown again.
    pub code: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Minutes it lives.
    pub ttl_minutes: i64,
    /// Wrong tries before it stops working.
    pub max_failures: i32,
}

/// Issues a one-time password reset code for a member (unit admins, for people of their
/// subtree whose roles they could have granted, never themselves). Any earlier code of the
/// person stops working. Recorded in the audit log; the code is shown only in this answer.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "User id")),
    responses(
        (status = 201, description = "Issued", body = ResetCodeResponse),
        (status = 403, description = "Not a unit admin, or not allowed for this person", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many codes issued this hour", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/users/{id}/reset-code")]
#[tracing::instrument(name = "Issue reset code", skip_all, fields(user.id = %user.id, target.id = %id))]
pub async fn issue_reset_code(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UserId>,
) -> Result<HttpResponse, ApiError> {
    let issued = recovery::issue(&state, user.id, *id, Utc::now()).await?;
    Ok(HttpResponse::Created().json(ResetCodeResponse {
        code: issued.code,
        expires_at: issued.expires_at,
        ttl_minutes: recovery::CODE_TTL_MINUTES,
        max_failures: recovery::MAX_FAILURES_PER_CODE,
    }))
}

/// A new password set with a reset code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The account's phone.
    pub phone: String,
    /// The code the unit admin gave (dashes and spaces ignored, any case).
    pub code: String,
    /// The new password (same rules as at registration).
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// Sets a new password with a one-time code from a unit admin; every session of the account
/// ends. A wrong, expired or used code, and an unknown phone, all answer 422 on `/code`; a code
/// dies after 5 wrong tries and a phone is refused for a while after 10.
#[utoipa::path(
    tag = "auth",
    request_body = PasswordResetRequest,
    responses(
        (status = 204, description = "Password set; every session ended"),
        (status = 422, description = "Wrong code, or a field breaks a rule", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many wrong tries", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/password-reset")]
#[tracing::instrument(name = "Reset password", skip_all)]
pub async fn reset_password(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let client = client_info(&req, &state.settings.trusted_proxies);
    recovery::reset_password(
        &state,
        &body.phone,
        &body.code,
        body.new_password,
        &client,
        Utc::now(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
