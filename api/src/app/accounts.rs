//! Accounts: registering (every field checked, every failure reported at once, the unit
//! looked up), signing in, checking the current password, changing it, and issuing a session's
//! tokens.
//!
//! Every password check and hash goes through the bounded [`crate::auth::password::Hasher`]:
//! a place in its queue is taken first (503 `busy` when full, before anything is counted), then
//! the limits are counted, atomically and before the hash, so a parallel burst cannot slip
//! past them:
//!
//! - per client address: all login attempts (`login_max_per_ip`), registrations
//!   (`register_max_per_ip`);
//! - per phone number and address: failed logins (`login_max_per_phone_address`). An address
//!   that guesses waits; the owner elsewhere is not affected;
//! - per phone number from all addresses (`login_max_per_account`): beyond it, only addresses
//!   the account signed in from before may keep trying. A guesser spread over many addresses
//!   stops; the owner at home, at school or on a known carrier address does not;
//! - per signed-in account: wrong current passwords (`password_max_checks`).
//!
//! No answer tells whether a phone number has an account: an unknown phone costs a hash and
//! counts like a known one, and registering a phone or citizen id that is already registered
//! answers exactly like a new registration without creating or changing anything (see
//! [`register`]).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use std::time::Duration;

use crate::app::sessions;
use crate::auth::refresh;
use crate::domain::Invalid;
use crate::domain::ids::{TokenFamilyId, UnitId, UserId};
use crate::domain::password::NewPassword;
use crate::domain::person::{
    CitizenId, FullName, check_member_age, parse_admitted_at, parse_birth_date,
};
use crate::domain::phone::Phone;
use crate::error::{ApiError, FieldError};
use crate::persistence::{self, PersistenceError, tokens::ClientInfo, users::User};
use crate::scoring::WindowCount;
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
///
/// A phone number or citizen id that already has an account is answered like a success, with
/// the account that would have been made, and nothing is created or changed: otherwise the
/// form would tell anyone which numbers are members. The person who registered twice finds
/// out as the owner would, by signing in (their old password works, the new one does not); the
/// member app says so on its sign-in page. Registrations are limited per client address, so
/// trying numbers this way is as slow as guessing passwords.
pub async fn register(
    state: &AppState,
    body: RegisterRequest,
    client: &ClientInfo,
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
    // The age bounds, once both dates are readable: on the admission date, or today.
    if let (Ok(birth), Ok(admitted)) = (&birth_date, &admitted_at)
        && let Err(p) = check_member_age(*birth, *admitted, today, state.settings.age_bounds())
    {
        errors.push(FieldError::new(p.pointer, p.detail).with_vi(p.detail_vi));
    }
    let unit = joinable_unit(&state.db, UnitId::from_uuid(body.unit_id)).await?;
    if unit.is_none() {
        errors.push(FieldError::new("/unit_id", "no such unit"));
    }
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
    let slot = state.hasher.reserve()?;
    if let Some(ip) = &client.ip {
        let window = Duration::from_secs(state.settings.register_window_seconds);
        let hits = state
            .store
            .hit(&state.keys.registrations_by_ip(ip), window)
            .await?;
        if hits.count > u64::from(state.settings.register_max_per_ip) {
            return Err(too_many(hits));
        }
    }
    let password_hash = slot.hash(password.expose().to_owned()).await?;
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
    let unchanged = new.clone();
    match persistence::users::insert(&state.db, new).await {
        Ok(user) => {
            tracing::info!(user.id = %user.id, unit.id = %user.unit_id, "account registered");
            Ok(user)
        }
        Err(PersistenceError::Duplicate(detail))
            if persistence::users::taken_field(&detail).is_some() =>
        {
            tracing::info!(
                "registration of a phone or citizen id already registered; answered as a success, nothing created"
            );
            Ok(as_if_registered(unchanged))
        }
        Err(e) => Err(e.into()),
    }
}

/// The unit a member may belong to, checked the same way at registration and for a unit
/// transfer (`app::transfers`): any unit of the tree, usually a chi đoàn but also a higher unit
/// whose own staff are members there. `None` when there is no such unit.
pub async fn joinable_unit(
    db: &impl sea_orm::ConnectionTrait,
    id: UnitId,
) -> Result<Option<persistence::units::Unit>, ApiError> {
    match persistence::units::get(db, id).await {
        Ok(unit) => Ok(Some(unit)),
        Err(PersistenceError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The account a registration would have made, never stored: the answer to registering a
/// phone or citizen id that is taken (the same shape as a real one, a fresh id).
fn as_if_registered(new: persistence::users::NewUser) -> User {
    let now = Utc::now();
    User {
        id: UserId::from_uuid(Uuid::now_v7()),
        phone: new.phone,
        full_name: new.full_name,
        birth_date: new.birth_date,
        unit_id: new.unit_id,
        citizen_id: new.citizen_id,
        email: new.email,
        admitted_at: new.admitted_at,
        consent_at: now,
        consent_version: crate::domain::person::CONSENT_VERSION.to_owned(),
        erased_at: None,
        created_at: now,
        password_changed_at: now,
        disabled: None,
    }
}

/// A 429 that says when the window frees up.
fn too_many(hits: WindowCount) -> ApiError {
    ApiError::TooManyRequests {
        retry_after_secs: hits.resets_in.as_secs().max(1),
    }
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

impl TokenResponse {
    /// The pair given to `user` in session `family`: a fresh access token beside
    /// `refresh_token`, whose hash the caller has stored.
    fn issued(
        state: &AppState,
        user: UserId,
        family: TokenFamilyId,
        refresh_token: String,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            access_token: state.jwt.issue(user, family)?,
            token_type: "Bearer",
            expires_in: state.jwt.access_ttl().as_secs(),
            refresh_token,
        })
    }
}

/// Signs in with a phone number and password at `now` (see the module's notes on limits).
pub async fn login(
    state: &AppState,
    phone: &str,
    password: String,
    client: ClientInfo,
    now: DateTime<Utc>,
) -> Result<TokenResponse, ApiError> {
    // A place for the hash first: a refused request (503) must not count as a failure.
    let slot = state.hasher.reserve()?;
    let settings = &state.settings;
    let window = Duration::from_secs(settings.login_window_seconds);
    if let Some(ip) = &client.ip {
        let hits = state
            .store
            .hit(&state.keys.login_attempts_by_ip(ip), window)
            .await?;
        if hits.count > u64::from(settings.login_max_per_ip) {
            return Err(too_many(hits));
        }
    }
    // An unparsable phone cannot have an account; it still spends the time of a real check.
    let phone = Phone::parse(phone).ok();
    let account = match &phone {
        Some(phone) => persistence::users::credentials_by_phone(&state.db, phone.as_str()).await?,
        None => None,
    };
    let pair_key = match &phone {
        Some(phone) => {
            let ip = client.ip.as_deref().unwrap_or("unknown");
            // Counted as a failure now, before the hash, and forgiven on success: parallel
            // attempts each see their own count, so none slips past the limit.
            let pair_key = state
                .keys
                .login_failures_by_phone_and_ip(phone.as_str(), ip);
            let pair = state.store.hit(&pair_key, window).await?;
            if pair.count > u64::from(settings.login_max_per_phone_address) {
                return Err(too_many(pair));
            }
            let all = state
                .store
                .hit(&state.keys.login_failures_by_phone(phone.as_str()), window)
                .await?;
            if all.count > u64::from(settings.login_max_per_account) {
                let known = match (&account, &client.ip) {
                    (Some((user, _)), Some(ip)) => {
                        persistence::tokens::signed_in_from(&state.db, user.id, ip).await?
                    }
                    _ => false,
                };
                if !known {
                    return Err(too_many(all));
                }
            }
            Some(pair_key)
        }
        None => None,
    };
    let (user, hash) = match account {
        Some((user, hash)) => (Some(user), Some(hash)),
        None => (None, None),
    };
    let verified = slot.verify(password, hash.clone()).await?;
    let Some(user) = user.filter(|_| verified.ok) else {
        return Err(ApiError::InvalidCredentials);
    };
    if let Some(key) = &pair_key {
        state.store.reset(key).await?;
    }
    if let (Some(new), Some(old)) = (verified.rehashed, hash)
        && persistence::users::replace_outdated_hash(&state.db, user.id, &old, new).await?
    {
        tracing::info!(user.id = %user.id, "password hash renewed with today's parameters");
    }
    let tokens = issue_tokens(state, user.id, TokenFamilyId::new(), &client, now).await?;
    tracing::info!(user.id = %user.id, "signed in");
    Ok(tokens)
}

/// Checks the current password of a signed-in account before something that needs it (a
/// password change, an erasure). Wrong guesses are limited per account and counted before the
/// hash: a stolen session must not become a way to guess the password. Answers 401
/// `invalid_credentials` when it does not match.
pub async fn check_current_password(
    state: &AppState,
    user: UserId,
    given: String,
) -> Result<(), ApiError> {
    let slot = state.hasher.reserve()?;
    let key = state.keys.password_checks_by_user(user.into_uuid());
    let window = Duration::from_secs(state.settings.login_window_seconds);
    let hits = state.store.hit(&key, window).await?;
    if hits.count > u64::from(state.settings.password_max_checks) {
        return Err(too_many(hits));
    }
    let hash = persistence::users::password_hash(&state.db, user).await?;
    if !slot.verify(given, Some(hash)).await?.ok {
        return Err(ApiError::InvalidCredentials);
    }
    state.store.reset(&key).await?;
    Ok(())
}

/// Changes the password of signed-in account `user` and signs out every session.
///
/// In order: an account that no longer exists (erased) answers 401 like no token; the new
/// password is checked with the registration rules (422 on `/new_password`) before the current
/// one is, so a weak choice costs no guess; the current password goes through
/// [`check_current_password`] (limited per account, 401/429/503); then the hash is replaced,
/// reset codes issued before are revoked and every session is ended.
pub async fn change_password(
    state: &AppState,
    user: UserId,
    current_password: String,
    new_password: String,
) -> Result<(), ApiError> {
    let account = signed_in_account(state, user).await?;
    let phone = Phone::parse(&account.phone).ok();
    let new_password = NewPassword::parse(new_password, phone.as_ref())
        .map_err(|e| ApiError::field("/new_password", e.0))?;
    check_current_password(state, user, current_password).await?;
    let new_hash = state.hasher.hash(new_password.expose().to_owned()).await?;
    let now = persistence::users::set_password_hash(&state.db, user, new_hash).await?;
    // A reset code issued before the change must not undo it: whoever holds it could set a
    // password of their own choosing.
    persistence::reset_codes::revoke_all(&state.db, user, now).await?;
    let revoked = sessions::end_all_sessions(state, user, now).await?;
    tracing::info!(revoked, "password changed; sessions revoked");
    Ok(())
}

/// The signed-in caller's account. A token outliving its account (erased) is as good as no
/// token: 401. Any other failure is answered as what it is (the database out of reach: 503
/// with `Retry-After`), never as a 401 that would send a member back to the sign-in screen
/// while the database restarts.
pub async fn signed_in_account(state: &AppState, user: UserId) -> Result<User, ApiError> {
    match persistence::users::get(&state.db, user).await {
        Ok(account) => Ok(account),
        Err(PersistenceError::NotFound(_)) => Err(ApiError::Unauthorized),
        Err(e) => Err(e.into()),
    }
}

/// How long after its rotation a refresh token presented again by the client it was rotated
/// for is taken as a retry whose answer was lost (see [`refresh_tokens`]).
pub const RETRY_LEEWAY: chrono::Duration = chrono::Duration::seconds(30);

/// Exchanges refresh token `given` for a new pair of session tokens. The old one stops
/// working; presenting it again is taken as theft and ends the whole session. Unknown, expired,
/// revoked and reused tokens all answer 401 `invalid_token`.
///
/// One exception keeps a member signed in when an answer is lost: the refresh that rotated the
/// token committed, but its answer never reached the phone (the network dropped, or the
/// instance died before it could answer), so the phone retries with the token it still holds.
/// Within [`RETRY_LEEWAY`] of the rotation, while the token it was exchanged for is unused and
/// went to the same address and browser, that retry gets a new pair of the same session. A
/// replay from anywhere else, later, or after the new token was used still ends the session.
pub async fn refresh_tokens(
    state: &AppState,
    given: &str,
    client: &ClientInfo,
) -> Result<TokenResponse, ApiError> {
    let hash = refresh::hash(given.trim());
    let now = Utc::now();
    let (refresh_token, token_hash) = refresh::generate();
    let successor = persistence::tokens::Successor {
        token_hash,
        expires_at: now + state.settings.refresh_ttl(),
        client,
    };
    // Nearly every token presented is live: rotate it first, in one statement where the
    // database allows (`tokens::rotate_live_by_hash`), and read it only when that did nothing.
    if let Some((user, family)) =
        persistence::tokens::rotate_live_by_hash(&state.db, &hash, &successor, now).await?
    {
        return TokenResponse::issued(state, user, family, refresh_token);
    }
    let token = persistence::tokens::find_by_hash(&state.db, &hash)
        .await?
        .ok_or(ApiError::InvalidRefreshToken)?;
    if token.revoked_at.is_some() || token.expires_at <= Utc::now() {
        return Err(ApiError::InvalidRefreshToken);
    }
    if let Some(rotated_at) = token.rotated_at {
        return presented_again(state, &token, rotated_at, client).await;
    }
    // Live, and not rotated above: on SQLite it was not tried; on PostgreSQL the account is
    // disabled or gone, or the token changed between the two statements. Rotating the old
    // token and storing the new one commit together: a refresh that fails half-way (the
    // database restarting) leaves the old token usable for the phone's retry, rather than
    // rotated with no successor.
    if !persistence::tokens::rotate(&state.db, &token, successor, now).await? {
        // Refused by the account (disabled since the token was issued: 403, as to a right
        // password), or rotated (or revoked) by another request between our read and our
        // write: the same token presented twice at once, judged as any token presented again.
        match persistence::users::get(&state.db, token.user_id).await {
            Ok(account) if account.disabled.is_some() => return Err(ApiError::AccountDisabled),
            Ok(_) => {}
            Err(PersistenceError::NotFound(_)) => return Err(ApiError::InvalidRefreshToken),
            Err(e) => return Err(e.into()),
        }
        let current = persistence::tokens::find_by_hash(&state.db, &hash)
            .await?
            .ok_or(ApiError::InvalidRefreshToken)?;
        return match (current.revoked_at, current.rotated_at) {
            (None, Some(rotated_at)) => presented_again(state, &current, rotated_at, client).await,
            _ => Err(ApiError::InvalidRefreshToken),
        };
    }
    TokenResponse::issued(state, token.user_id, token.family_id, refresh_token)
}

/// A rotated token presented again: a lost answer's retry gets a new pair of its session
/// (see [`refresh_tokens`]); anything else is taken as theft and ends the session.
async fn presented_again(
    state: &AppState,
    token: &persistence::tokens::StoredToken,
    rotated_at: DateTime<Utc>,
    client: &ClientInfo,
) -> Result<TokenResponse, ApiError> {
    let now = Utc::now();
    if now - rotated_at <= RETRY_LEEWAY
        && persistence::tokens::unused_successor_went_to(
            &state.db,
            token.family_id,
            rotated_at,
            client,
        )
        .await?
    {
        tracing::info!(user.id = %token.user_id, session = %token.family_id, "rotated refresh token presented again by its client within the leeway: a retry whose answer was lost");
        return issue_tokens(state, token.user_id, token.family_id, client, now).await;
    }
    sessions::end_session(state, token.user_id, token.family_id, now).await?;
    tracing::warn!(user.id = %token.user_id, session = %token.family_id, "rotated refresh token reused; session revoked");
    Err(ApiError::InvalidRefreshToken)
}

/// Issues an access token and a refresh token of session `family`, unless the account is
/// disabled (403 `account_disabled`: the answer to a right password, and to a refresh that
/// raced with the disabling and so found its token not yet revoked).
pub async fn issue_tokens(
    state: &AppState,
    user: UserId,
    family: TokenFamilyId,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<TokenResponse, ApiError> {
    issue_tokens_in(state, &state.db, user, family, client, now).await
}

/// [`issue_tokens`] on connection or transaction `db`.
async fn issue_tokens_in(
    state: &AppState,
    db: &impl sea_orm::ConnectionTrait,
    user: UserId,
    family: TokenFamilyId,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<TokenResponse, ApiError> {
    if persistence::users::get(db, user).await?.disabled.is_some() {
        return Err(ApiError::AccountDisabled);
    }
    let (refresh_token, refresh_hash) = refresh::generate();
    let expires_at = now + state.settings.refresh_ttl();
    persistence::tokens::insert(db, user, family, refresh_hash, expires_at, client).await?;
    TokenResponse::issued(state, user, family, refresh_token)
}
