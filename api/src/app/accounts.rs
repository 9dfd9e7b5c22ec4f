//! Accounts: registering (every field checked, every failure reported at once, the unit
//! looked up, a taken phone or citizen id a typed conflict), signing in (failed attempts
//! limited per phone number and per client address) and issuing a session's tokens.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::{password, refresh};
use crate::domain::Invalid;
use crate::domain::ids::{UnitId, UserId};
use crate::domain::password::NewPassword;
use crate::domain::person::{CitizenId, FullName, parse_admitted_at, parse_birth_date};
use crate::domain::phone::Phone;
use crate::error::{ApiError, Conflict, FieldError};
use crate::persistence::{self, PersistenceError, tokens::ClientInfo, users::Taken, users::User};
use crate::state::AppState;

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

/// Registers an account; `today` bounds the birth and admission dates.
pub async fn register(
    state: &AppState,
    body: RegisterRequest,
    today: NaiveDate,
) -> Result<User, ApiError> {
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
    Ok(user)
}

fn parse_date(s: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Invalid::new("date must be written YYYY-MM-DD, e.g. 2001-09-02"))
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

/// Signs in with a phone number and password at `now`. Failed attempts are limited per phone
/// number and per client address; an unknown phone costs as much time as a wrong password.
pub async fn login(
    state: &AppState,
    phone: &str,
    password: String,
    client: ClientInfo,
    now: DateTime<Utc>,
) -> Result<TokenResponse, ApiError> {
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
    let phone = Phone::parse(phone).ok();
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
    let ok = password::verify(password, hash).await?;
    let Some(user) = user.filter(|_| ok) else {
        if let Some(key) = &phone_key {
            state.store.hit(key, window).await?;
        }
        return Err(ApiError::InvalidCredentials);
    };
    if let Some(key) = &phone_key {
        state.store.reset(key).await?;
    }
    let tokens = issue_tokens(state, user.id, Uuid::now_v7(), &client, now).await?;
    tracing::info!(user.id = %user.id, "signed in");
    Ok(tokens)
}

/// Issues an access token and a refresh token of session `family`.
pub async fn issue_tokens(
    state: &AppState,
    user: UserId,
    family: Uuid,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<TokenResponse, ApiError> {
    let (refresh_token, refresh_hash) = refresh::generate();
    let expires_at = now + state.settings.refresh_ttl();
    persistence::tokens::insert(&state.db, user, family, refresh_hash, expires_at, client).await?;
    let access_token = state.jwt.issue(user, family)?;
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: state.jwt.access_ttl().as_secs(),
        refresh_token,
    })
}
