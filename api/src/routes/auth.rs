//! `/auth`: register, login, refresh, logout.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::extract::Json;
use super::me::{UserResponse, user_response};
use crate::app::accounts;
pub use crate::app::accounts::{RegisterRequest, TokenResponse};
use crate::app::sessions;
use crate::auth::{AuthUser, refresh};
use crate::error::{ApiError, Problem};
use crate::persistence::{self, tokens::ClientInfo};
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(refresh_tokens)
        .service(logout);
}

/// Registers an account. Every field is checked and every failure reported at once.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Account created", body = UserResponse),
        (status = 409, description = "Phone or citizen id already registered", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field failed validation", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/register")]
#[tracing::instrument(name = "Register", skip_all)]
pub async fn register(
    state: web::Data<AppState>,
    body: Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = accounts::register(&state, body.0, Utc::now().date_naive()).await?;
    let response = user_response(&state.db, user).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", response.id)))
        .json(response))
}

/// Credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Phone number, any usual spelling.
    pub phone: String,
    /// Password.
    pub password: String,
}

/// Signs in. Failed attempts are limited per phone number and per client address.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong phone or password", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
#[tracing::instrument(name = "Login", skip_all)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let client = client_info(&req, state.settings.trust_proxy);
    let body = body.0;
    let tokens = accounts::login(&state, &body.phone, body.password, client, Utc::now()).await?;
    Ok(web::Json(tokens))
}

/// A refresh token to exchange.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from login or the last refresh.
    pub refresh_token: String,
}

/// Exchanges a refresh token for a new pair. The old one stops working; presenting it again
/// is taken as theft and revokes the whole session.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Unknown, expired, revoked or reused token", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
#[tracing::instrument(name = "Refresh tokens", skip_all)]
pub async fn refresh_tokens(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RefreshRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let hash = refresh::hash(body.0.refresh_token.trim());
    let token = persistence::tokens::find_by_hash(&state.db, &hash)
        .await?
        .ok_or(ApiError::InvalidRefreshToken)?;
    if token.revoked_at.is_some() {
        return Err(ApiError::InvalidRefreshToken);
    }
    if token.rotated_at.is_some() {
        sessions::end_session(&state, token.user_id, token.family_id, Utc::now()).await?;
        tracing::warn!(user.id = %token.user_id, session = %token.family_id, "rotated refresh token reused; session revoked");
        return Err(ApiError::InvalidRefreshToken);
    }
    if token.expires_at <= Utc::now() {
        return Err(ApiError::InvalidRefreshToken);
    }
    if !persistence::tokens::mark_rotated(&state.db, token.id).await? {
        // Someone else rotated it between our read and our write: the same as reuse.
        sessions::end_session(&state, token.user_id, token.family_id, Utc::now()).await?;
        return Err(ApiError::InvalidRefreshToken);
    }
    let client = client_info(&req, state.settings.trust_proxy);
    Ok(web::Json(
        accounts::issue_tokens(&state, token.user_id, token.family_id, &client, Utc::now()).await?,
    ))
}

/// Signs out of this session: its refresh tokens and its access tokens stop working at once.
#[utoipa::path(
    tag = "auth",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/auth/logout")]
#[tracing::instrument(name = "Logout", skip_all, fields(user.id = %user.id))]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, ApiError> {
    sessions::end_session(&state, user.id, user.session, Utc::now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The client's address and user agent.
pub fn client_info(req: &HttpRequest, trust_proxy: bool) -> ClientInfo {
    let info = req.connection_info();
    let ip = if trust_proxy {
        info.realip_remote_addr().map(str::to_owned)
    } else {
        req.peer_addr().map(|a| a.ip().to_string())
    };
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    ClientInfo { ip, user_agent }
}
