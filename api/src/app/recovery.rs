//! Account recovery without SMS: a unit admin issues a one-time reset code for a member of
//! their subtree and hands it over (in person, by phone); the member enters their phone, the
//! code and a new password on the public "Quên mật khẩu" screen, and every session of the
//! account ends.
//!
//! What keeps it safe:
//! - a code is 8 characters of a 31-letter alphabet (about 2^39.6), shown once to the issuer,
//!   stored only as its SHA-256, lives [`CODE_TTL_MINUTES`] minutes and is used once; issuing
//!   another revokes the previous one;
//! - guessing is bounded twice: a code dies after [`MAX_FAILURES_PER_CODE`] wrong tries, and a
//!   phone number is refused after [`MAX_FAILURES_PER_PHONE`] wrong tries per login window
//!   (the same window as failed logins); the client address shares the login budget;
//! - a unit admin issues codes only for people of their own subtree, never for themselves,
//!   and never for someone holding a role the issuer could not have granted (a branch's admin
//!   cannot take over the account of the officer above them); at most
//!   [`MAX_CODES_PER_ISSUER`] codes an hour per issuer;
//! - issuing and using a code are written to the audit log (never the code).

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::TransactionTrait;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::domain::ids::UserId;
use crate::domain::password::NewPassword;
use crate::domain::phone::Phone;
use crate::domain::role::Role;
use crate::error::{ApiError, FieldError};
use crate::persistence::{self, PersistenceError, tokens::ClientInfo};
use crate::state::AppState;

/// How long a code works.
pub const CODE_TTL_MINUTES: i64 = 30;
/// Wrong tries after which a code stops working.
pub const MAX_FAILURES_PER_CODE: i32 = 5;
/// Wrong tries per phone number and login window before the phone is refused (429).
pub const MAX_FAILURES_PER_PHONE: u64 = 10;
/// Codes one manager may issue per hour.
pub const MAX_CODES_PER_ISSUER: u64 = 30;

/// Who may issue codes.
const ISSUERS: &[Role] = &[Role::UnitAdmin];

/// Letters that cannot be misread for one another (no 0/O, 1/I/L).
const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LEN: usize = 8;

/// A code just issued: the only time it is ever shown.
#[derive(Debug)]
pub struct IssuedCode {
    /// The code, written `ABCD-EFGH`.
    pub code: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// The state of a person's code, for their managers (never the code).
#[derive(Debug, Clone)]
pub struct CodeStatus {
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The code as typed, without dashes or spaces, upper case; `None` if it cannot be a code.
fn normalise(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

fn hash(code: &str) -> String {
    Sha256::digest(code.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `caller` may issue a code for `target`: a unit admin over the target's unit, not
/// the target themselves, and managing every role the target holds.
pub async fn may_issue(
    state: &AppState,
    caller: &Caller,
    target: &persistence::users::User,
) -> Result<bool, ApiError> {
    if target.id == caller.id || target.erased_at.is_some() || !caller.has_any(ISSUERS) {
        return Ok(false);
    }
    let unit = persistence::units::get(&state.db, target.unit_id).await?;
    if !caller.covers(ISSUERS, &unit.path) {
        return Ok(false);
    }
    for grant in persistence::roles::for_user(&state.db, target.id).await? {
        if !super::people::manages(state, caller, &grant).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Issues a code for `target` on behalf of `manager` at `now`: 403 without the unit-admin role
/// or for a person the manager may not reset (themselves, a holder of a role above theirs), 404
/// outside the manager's subtree, 429 past the hourly budget.
pub async fn issue(
    state: &AppState,
    manager: UserId,
    target: UserId,
    now: DateTime<Utc>,
) -> Result<IssuedCode, ApiError> {
    let caller = Caller::load(&state.db, manager).await?;
    if !caller.has_any(ISSUERS) {
        return Err(ApiError::Forbidden);
    }
    let person = persistence::users::get(&state.db, target).await?;
    let unit = persistence::units::get(&state.db, person.unit_id).await?;
    if person.erased_at.is_some() || !caller.covers(ISSUERS, &unit.path) {
        return Err(ApiError::NotFound("user"));
    }
    if !may_issue(state, &caller, &person).await? {
        return Err(ApiError::Forbidden);
    }
    let budget = state
        .store
        .hit(
            &state.keys.reset_codes_by_issuer(manager.into_uuid()),
            std::time::Duration::from_secs(3600),
        )
        .await?;
    if budget.count > MAX_CODES_PER_ISSUER {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: budget.resets_in.as_secs().max(1),
        });
    }
    let code = new_code();
    let expires_at = now + Duration::minutes(CODE_TTL_MINUTES);
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let stored =
        persistence::reset_codes::replace(&txn, person.id, manager, hash(&code), now, expires_at)
            .await?;
    persistence::audit::record_at(
        &txn,
        Some(manager),
        "user.reset_code",
        Some(person.id.into_uuid()),
        Some(person.unit_id),
        json!({"code_id": stored.id, "expires_at": expires_at}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    tracing::info!(target.id = %person.id, "password reset code issued");
    Ok(IssuedCode {
        code: format!("{}-{}", &code[..4], &code[4..]),
        expires_at,
    })
}

/// The live code of a person, if any (for the managers who see them).
pub async fn status(
    state: &AppState,
    target: UserId,
    now: DateTime<Utc>,
) -> Result<Option<CodeStatus>, ApiError> {
    Ok(
        persistence::reset_codes::live(&state.db, target, now, MAX_FAILURES_PER_CODE)
            .await?
            .map(|c| CodeStatus {
                issued_at: c.issued_at,
                expires_at: c.expires_at,
            }),
    )
}

fn wrong_code() -> ApiError {
    ApiError::Validation(vec![
        FieldError::new(
            "/code",
            "the code is wrong, expired or already used; ask your unit admin for a new one",
        )
        .with_vi(
            "Mã đặt lại mật khẩu không đúng, đã hết hạn hoặc đã được dùng. Vui lòng kiểm tra lại \
             số điện thoại và mã, hoặc đề nghị Quản trị đơn vị cấp mã mới.",
        ),
    ])
}

/// Sets a new password with a reset code at `now`; ends every session of the account. A wrong
/// phone, an unknown phone and a wrong code answer alike (422 on `/code`).
pub async fn reset_password(
    state: &AppState,
    phone: &str,
    code: &str,
    new_password: String,
    client: &ClientInfo,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
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
    let mut errors = Vec::new();
    let phone = Phone::parse(phone)
        .map_err(|e| errors.push(FieldError::new("/phone", e.0)))
        .ok();
    let code = normalise(code);
    if code.is_none() {
        errors.push(
            FieldError::new("/code", "a code is 8 letters and digits, e.g. ABCD-2345")
                .with_vi("Mã đặt lại mật khẩu gồm 8 chữ cái và chữ số, ví dụ ABCD-2345."),
        );
    }
    let password = NewPassword::parse(new_password, phone.as_ref())
        .map_err(|e| errors.push(FieldError::new("/new_password", e.0)))
        .ok();
    let (Some(phone), Some(code), Some(password), true) =
        (phone, code, password, errors.is_empty())
    else {
        return Err(ApiError::Validation(errors));
    };
    let phone_key = state.keys.reset_failures_by_phone(phone.as_str());
    let failures = state.store.peek(&phone_key).await?;
    if failures.count >= MAX_FAILURES_PER_PHONE {
        return Err(ApiError::TooManyRequests {
            retry_after_secs: failures.resets_in.as_secs().max(1),
        });
    }
    let account = persistence::users::credentials_by_phone(&state.db, phone.as_str())
        .await?
        .map(|(user, _)| user)
        .filter(|u| u.erased_at.is_none());
    let live = match &account {
        Some(user) => {
            persistence::reset_codes::live(&state.db, user.id, now, MAX_FAILURES_PER_CODE).await?
        }
        None => None,
    };
    let given = hash(&code);
    let (Some(user), Some(stored)) = (account, live) else {
        state.store.hit(&phone_key, window).await?;
        return Err(wrong_code());
    };
    if !constant_time_eq(given.as_bytes(), stored.code_hash.as_bytes()) {
        persistence::reset_codes::count_failure(&state.db, stored.id).await?;
        state.store.hit(&phone_key, window).await?;
        return Err(wrong_code());
    }
    let new_hash = state.hasher.hash(password.expose().to_owned()).await?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    if !persistence::reset_codes::mark_used(&txn, stored.id, now).await? {
        // Another request used it a moment ago: single use.
        return Err(wrong_code());
    }
    let changed_at = persistence::users::set_password_hash(&txn, user.id, new_hash).await?;
    persistence::audit::record_at(
        &txn,
        Some(user.id),
        "user.password_reset",
        Some(user.id.into_uuid()),
        Some(user.unit_id),
        json!({"code_id": stored.id, "issued_by": stored.issued_by}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    let ended = super::sessions::end_all_sessions(state, user.id, changed_at).await?;
    // The member may have locked themselves out trying passwords: the new one works at once.
    state
        .store
        .reset(&state.keys.login_failures_by_phone(phone.as_str()))
        .await?;
    if let Some(ip) = &client.ip {
        state
            .store
            .reset(
                &state
                    .keys
                    .login_failures_by_phone_and_ip(phone.as_str(), ip),
            )
            .await?;
    }
    state.store.reset(&phone_key).await?;
    tracing::info!(user.id = %user.id, ended, "password reset with a code; sessions ended");
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_read_however_it_is_typed() {
        let code = new_code();
        assert_eq!(code.len(), CODE_LEN);
        let typed = format!(" {}-{} ", &code[..4].to_lowercase(), &code[4..]);
        assert_eq!(normalise(&typed).as_deref(), Some(code.as_str()));
        assert_eq!(normalise("ABCD-EFG"), None, "too short");
        assert_eq!(normalise("ABCD-EFG0"), None, "0 is not in the alphabet");
    }
}
