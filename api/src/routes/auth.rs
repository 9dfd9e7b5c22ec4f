//! `/auth`: register, login, refresh, logout.

use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::extract::Json;
use super::me::{UserResponse, user_response};
use crate::auth::{AuthUser, password, refresh, sessions};
use crate::domain::Invalid;
use crate::domain::ids::UnitId;
use crate::domain::password::NewPassword;
use crate::domain::person::{CitizenId, FullName, parse_admitted_at, parse_birth_date};
use crate::domain::phone::Phone;
use crate::error::{ApiError, Conflict, FieldError, Problem};
use crate::persistence::{self, PersistenceError, tokens::ClientInfo, users::Taken};
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(register)
        .service(login)
        .service(refresh_tokens)
        .service(logout);
}

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Vietnamese mobile number, any usual spelling (`0912 345 678`, `+84912345678`).
    pub phone: String,
    /// At least 8 characters with a letter and a digit.
    pub password: String,
    /// Họ tên.
    pub full_name: String,
    /// Ngày sinh, `YYYY-MM-DD`.
    pub birth_date: String,
    /// The unit (usually a chi đoàn) the person belongs to.
    pub unit_id: Uuid,
    /// CCCD, 12 digits.
    pub citizen_id: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Ngày kết nạp Đoàn, `YYYY-MM-DD`.
    pub admitted_at: Option<String>,
    /// Consent to the processing of personal data; must be true.
    pub consent: bool,
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
    let body = body.0;
    let today = Utc::now().date_naive();
    let mut errors = Vec::new();
    let mut check = |pointer: &str, result: Result<(), Invalid>| {
        if let Err(e) = result {
            errors.push(FieldError::new(pointer, e.0));
        }
    };
    let phone = Phone::parse(&body.phone);
    check("/phone", phone.as_ref().map(|_| ()).map_err(Clone::clone));
    let password = NewPassword::parse(body.password, phone.as_ref().ok());
    check(
        "/password",
        password.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let full_name = FullName::parse(&body.full_name);
    check(
        "/full_name",
        full_name.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let birth_date = parse_date(&body.birth_date).and_then(|d| parse_birth_date(d, today));
    check(
        "/birth_date",
        birth_date.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let citizen_id = body
        .citizen_id
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(CitizenId::parse)
        .transpose();
    check(
        "/citizen_id",
        citizen_id.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    let email = body
        .email
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|e| {
            if validator::ValidateEmail::validate_email(&e) && e.len() <= 254 {
                Ok(e.to_owned())
            } else {
                Err(Invalid::new("email address is not valid"))
            }
        });
    let email = email.transpose();
    check("/email", email.as_ref().map(|_| ()).map_err(Clone::clone));
    let admitted_at = match (&body.admitted_at, &birth_date) {
        (Some(s), Ok(birth)) if !s.trim().is_empty() => {
            Some(parse_date(s).and_then(|d| parse_admitted_at(d, *birth, today))).transpose()
        }
        (Some(s), Err(_)) if !s.trim().is_empty() => parse_date(s).map(Some),
        _ => Ok(None),
    };
    check(
        "/admitted_at",
        admitted_at.as_ref().map(|_| ()).map_err(Clone::clone),
    );
    check(
        "/consent",
        if body.consent {
            Ok(())
        } else {
            Err(Invalid::new(
                "you must agree to the processing of your personal data to take part",
            ))
        },
    );
    let unit = match persistence::units::get(&state.db, UnitId(body.unit_id)).await {
        Ok(unit) => Some(unit),
        Err(PersistenceError::NotFound(_)) => {
            errors.push(FieldError::new("/unit_id", "no such unit"));
            None
        }
        Err(e) => return Err(e.into()),
    };
    let (
        Ok(phone),
        Ok(password),
        Ok(full_name),
        Ok(birth_date),
        Ok(citizen_id),
        Ok(email),
        Ok(admitted_at),
        Some(unit),
    ) = (
        phone,
        password,
        full_name,
        birth_date,
        citizen_id,
        email,
        admitted_at,
        unit,
    )
    else {
        errors.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        return Err(ApiError::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let password_hash = password::hash(password.expose().to_owned()).await?;
    let new = persistence::users::NewUser {
        phone: phone.as_str().to_owned(),
        password_hash,
        full_name: full_name.as_str().to_owned(),
        birth_date: Some(birth_date),
        unit_id: unit.id,
        citizen_id: citizen_id.map(|c| c.as_str().to_owned()),
        email,
        admitted_at,
    };
    let user = persistence::users::insert(&state.db, new)
        .await
        .map_err(|e| match e {
            PersistenceError::Duplicate(detail) => match persistence::users::taken_field(&detail) {
                Some(Taken::Phone) => ApiError::from(Conflict::PhoneTaken),
                Some(Taken::CitizenId) => ApiError::from(Conflict::CitizenIdTaken),
                None => PersistenceError::Duplicate(detail).into(),
            },
            other => other.into(),
        })?;
    tracing::info!(user.id = %user.id, unit.id = %user.unit_id, "account registered");
    let response = user_response(&state.db, user).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/users/{}", response.id)))
        .json(response))
}

fn parse_date(s: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Invalid::new("date must be written YYYY-MM-DD, e.g. 2001-09-02"))
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

/// A new pair of tokens.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Opaque token for `POST /auth/refresh`; single use.
    pub refresh_token: String,
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
    let body = body.0;
    let client = client_info(&req, state.settings.trust_proxy);
    let window = std::time::Duration::from_secs(state.settings.login_window_seconds);
    if let Some(ip) = &client.ip {
        let hits = state
            .store
            .hit(&state.keys.login_attempts_by_ip(ip), window)
            .await?;
        if hits.count > u64::from(state.settings.login_max_per_ip) {
            return Err(ApiError::TooManyRequests {
                retry_after_secs: hits.resets_in.as_secs().max(1),
            });
        }
    }
    // An unparsable phone cannot have an account; still spend the time of a real check.
    let phone = Phone::parse(&body.phone).ok();
    let phone_key = phone
        .as_ref()
        .map(|p| state.keys.login_failures_by_phone(p.as_str()));
    if let Some(key) = &phone_key {
        let failures = state.store.peek(key).await?;
        if failures.count >= u64::from(state.settings.login_max_per_phone) {
            return Err(ApiError::TooManyRequests {
                retry_after_secs: failures.resets_in.as_secs().max(1),
            });
        }
    }
    let account = match &phone {
        Some(phone) => persistence::users::credentials_by_phone(&state.db, phone.as_str()).await?,
        None => None,
    };
    let (user, hash) = match account {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let ok = password::verify(body.password, hash).await?;
    let Some(user) = user.filter(|_| ok) else {
        if let Some(key) = &phone_key {
            state.store.hit(key, window).await?;
        }
        return Err(ApiError::InvalidCredentials);
    };
    if let Some(key) = &phone_key {
        state.store.reset(key).await?;
    }
    let tokens = issue_tokens(&state, user.id, Uuid::now_v7(), &client).await?;
    tracing::info!(user.id = %user.id, "signed in");
    Ok(web::Json(tokens))
}

/// Issues an access token and a refresh token of session `family`.
async fn issue_tokens(
    state: &AppState,
    user: crate::domain::ids::UserId,
    family: Uuid,
    client: &ClientInfo,
) -> Result<TokenResponse, ApiError> {
    let (refresh_token, refresh_hash) = refresh::generate();
    let expires_at = Utc::now() + state.settings.refresh_ttl();
    persistence::tokens::insert(&state.db, user, family, refresh_hash, expires_at, client).await?;
    let access_token = state.jwt.issue(user, family)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.jwt.access_ttl().as_secs(),
        refresh_token,
    })
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
        issue_tokens(&state, token.user_id, token.family_id, &client).await?,
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
