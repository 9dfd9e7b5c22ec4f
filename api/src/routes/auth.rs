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
use crate::auth::AuthUser;
use crate::domain::network::{IpNet, client_address};
use crate::error::{ApiError, Problem};
use crate::persistence::tokens::ClientInfo;
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
        (status = 201, description = "Account created; also the answer when the phone or citizen id is already registered (nothing is created then), so the form tells nobody who is a member", body = UserResponse),
        (status = 422, description = "A field failed validation", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many registrations from this address; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`busy`: too many passwords being checked at once; try again after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/register")]
#[tracing::instrument(name = "Register", skip_all)]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req, &state.settings.trusted_proxies);
    let user = accounts::register(&state, body.0, &client, Utc::now().date_naive()).await?;
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

/// Signs in. Attempts are limited per client address, failures per phone number and address,
/// and per phone number from addresses that never signed in to it.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 401, description = "Wrong phone or password", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "`account_disabled`: the right password, but a manager has disabled the account", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`busy`: too many passwords being checked at once; try again after `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/login")]
#[tracing::instrument(name = "Login", skip_all)]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<LoginRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let client = client_info(&req, &state.settings.trusted_proxies);
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
        (status = 403, description = "`account_disabled`: the account was disabled", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/auth/refresh")]
#[tracing::instrument(name = "Refresh tokens", skip_all)]
pub async fn refresh_tokens(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: Json<RefreshRequest>,
) -> Result<web::Json<TokenResponse>, ApiError> {
    let client = client_info(&req, &state.settings.trusted_proxies);
    Ok(web::Json(
        accounts::refresh_tokens(&state, &body.0.refresh_token, &client).await?,
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

/// The client's address (the right-most `X-Forwarded-For` hop not among `trusted_proxies`, see
/// [`client_address`]) and user agent.
pub fn client_info(req: &HttpRequest, trusted_proxies: &[IpNet]) -> ClientInfo {
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok());
    let ip = req
        .peer_addr()
        .map(|peer| client_address(peer.ip(), forwarded, trusted_proxies).to_string());
    let user_agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    ClientInfo { ip, user_agent }
}
