//! Whether an access token's login session still stands.
//!
//! Access tokens are short-lived JWTs, checked without the database. What ends a session before
//! its token expires must still take effect on the next request: a logout ends that session, a
//! password change ends every session of the account, disabling the account refuses it
//! altogether. Each leaves a marker in the scoring store for as long as a token could live (the
//! access-token lifetime): the session's `ended` marker, the account's `not_before` time, or
//! its `disabled` marker. Every authenticated request reads the three markers with one `MGET`
//! (they share a hash tag). A role removal needs no marker: roles are read from the database by
//! the endpoints that need them.
//!
//! The database stays the record: the session's refresh tokens are revoked, the account's
//! `password_changed_at` moves, its `disabled_at` is set. When the store cannot answer, the check
//! reads those instead, so an outage of the store never lets an ended session or a disabled
//! account back in (and when the database cannot answer either, the request fails with 503);
//! when the store was emptied, the markers of the last access-token lifetime are written again
//! from the database ([`restore_markers`]) before the store is declared ready, and until then
//! the check reads the database too (it trusts the store only while its ready key was seen in
//! the last quarter second: `caches::store_ready`).

use chrono::{DateTime, Utc};

use crate::auth::jwt::Claims;
use crate::domain::ids::{TokenFamilyId, UserId};
use crate::error::ApiError;
use crate::persistence;
use crate::scoring::{SessionMarkers, SessionRefusal};
use crate::state::AppState;

/// When the token was issued, in ms.
fn issued_ms(claims: &Claims) -> i64 {
    if claims.iat_ms > 0 {
        claims.iat_ms
    } else {
        claims.iat.saturating_mul(1000)
    }
}

/// Refuses a token whose account is disabled (403 `account_disabled`), or (401) whose session
/// has ended or whose account changed its password (or was erased) after the token was issued.
pub async fn check(state: &AppState, claims: &Claims) -> Result<(), ApiError> {
    // An emptied store has lost the markers until the watcher writes them again: meanwhile a
    // missing marker proves nothing (see `caches::store_ready`).
    let now_ms = Utc::now().timestamp_millis();
    if !state.store_ready.trusted(now_ms) {
        match state.store.peek(&state.keys.store_ready()).await {
            Ok(ready) if ready.count > 0 => state.store_ready.seen_ready(now_ms),
            Ok(_) => {
                tracing::debug!(
                    "scoring store not rebuilt yet; checking the session in the database"
                );
                return check_in_database(state, claims).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "scoring store unavailable; checking the session in the database");
                return check_in_database(state, claims).await;
            }
        }
    }
    let session = markers(state, claims);
    match state.store.markers(session.keys()).await {
        Ok(values) => match session.refusal(&values) {
            Some(refusal) => Err(refused(refusal)),
            None => Ok(()),
        },
        Err(e) => {
            tracing::warn!(error = %e, "scoring store unavailable; checking the session in the database");
            check_in_database(state, claims).await
        }
    }
}

/// [`check`], left to the store call that serves the request when the store can be trusted
/// with the markers (the answer path: [`crate::scoring::AnswerCaller::session`], one round trip
/// for the whole answer). Returns the markers that call must be given; `None` when the session
/// was checked here already (an emptied store not rebuilt yet: in the database).
///
/// A store that fails in that call fails the request (503), where [`check`] would have read
/// the database: the request needs the store anyway.
pub async fn check_with_store(
    state: &AppState,
    claims: &Claims,
) -> Result<Option<SessionMarkers>, ApiError> {
    if state.store_ready.trusted(Utc::now().timestamp_millis()) {
        return Ok(Some(markers(state, claims)));
    }
    check(state, claims).await?;
    Ok(None)
}

/// The markers of the token's session.
fn markers(state: &AppState, claims: &Claims) -> SessionMarkers {
    SessionMarkers::new(
        &state.keys,
        claims.sub,
        claims.sid.into_uuid(),
        issued_ms(claims),
    )
}

/// The answer to a token its session's markers refuse.
pub fn refused(refusal: SessionRefusal) -> ApiError {
    match refusal {
        SessionRefusal::AccountDisabled => ApiError::AccountDisabled,
        SessionRefusal::Ended => ApiError::Unauthorized,
    }
}

async fn check_in_database(state: &AppState, claims: &Claims) -> Result<(), ApiError> {
    // The session first, the account second: a disable committing between the two reads then
    // shows as the disabled account it is, not as a revoked session.
    let revoked = persistence::tokens::family_revoked(&state.db, claims.sid).await?;
    let user =
        crate::app::accounts::signed_in_account(state, UserId::from_uuid(claims.sub)).await?;
    if user.disabled.is_some() {
        return Err(ApiError::AccountDisabled);
    }
    if issued_ms(claims) < user.password_changed_at.timestamp_millis() {
        return Err(ApiError::Unauthorized);
    }
    if revoked {
        return Err(ApiError::Unauthorized);
    }
    Ok(())
}

/// How long a marker must outlive the event: as long as a token issued just before could live.
fn marker_ttl(state: &AppState) -> std::time::Duration {
    state.jwt.access_ttl() + std::time::Duration::from_secs(60)
}

/// Ends one login session: its refresh tokens are revoked and its access tokens refused.
pub async fn end_session(
    state: &AppState,
    user: UserId,
    session: TokenFamilyId,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    persistence::tokens::revoke_family(&state.db, session).await?;
    state
        .store
        .set_marker(
            &state
                .keys
                .session_ended(user.into_uuid(), session.into_uuid()),
            now.timestamp_millis(),
            marker_ttl(state),
        )
        .await?;
    Ok(())
}

/// Ends every session of `user` from `now` on (after a password change): refresh tokens are
/// revoked and access tokens issued before `now` refused. The caller has already moved the
/// account's `password_changed_at` to `now` (the database's record of the same thing).
pub async fn end_all_sessions(
    state: &AppState,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<u64, ApiError> {
    let revoked = persistence::tokens::revoke_all_for_user(&state.db, user).await?;
    state
        .store
        .set_marker(
            &state.keys.tokens_not_before(user.into_uuid()),
            now.timestamp_millis(),
            marker_ttl(state),
        )
        .await?;
    Ok(revoked)
}

/// Refuses every access token of `user` from now on with `account_disabled`, until
/// [`clear_disabled`]; the tokens issued before `now` stay refused (401) after that, as after a
/// password change. Called inside the transaction that disables the account (and revokes its
/// refresh tokens), before it commits: if the store cannot take the markers, nothing is
/// disabled (503) rather than a disabled account whose tokens still work.
pub async fn mark_disabled(
    state: &AppState,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    state
        .store
        .set_marker(
            &state.keys.tokens_not_before(user.into_uuid()),
            now.timestamp_millis(),
            marker_ttl(state),
        )
        .await?;
    state
        .store
        .set_marker(
            &state.keys.account_disabled(user.into_uuid()),
            now.timestamp_millis(),
            marker_ttl(state),
        )
        .await?;
    Ok(())
}

/// Lifts [`mark_disabled`]'s marker when the account is enabled again. The tokens it held stay
/// refused: its sessions were ended when it was disabled.
pub async fn clear_disabled(state: &AppState, user: UserId) -> Result<(), ApiError> {
    state
        .store
        .reset(&state.keys.account_disabled(user.into_uuid()))
        .await?;
    Ok(())
}

/// Writes the markers of sessions ended, passwords changed and accounts disabled within the last access-token
/// lifetime again, into a store that lost them. Returns how many it wrote.
pub async fn restore_markers(state: &AppState, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let ttl = marker_ttl(state);
    let since = now - chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::minutes(16));
    let keys = &state.keys;
    let mut markers: Vec<(String, DateTime<Utc>)> = Vec::new();
    for (user, family, at) in persistence::tokens::families_revoked_since(&state.db, since).await? {
        markers.push((keys.session_ended(user.into_uuid(), family.into_uuid()), at));
    }
    for (user, at) in persistence::users::passwords_changed_since(&state.db, since).await? {
        markers.push((keys.tokens_not_before(user.into_uuid()), at));
    }
    for (user, at) in persistence::users::disabled_since(&state.db, since).await? {
        markers.push((keys.account_disabled(user.into_uuid()), at));
    }
    for (key, at) in &markers {
        state
            .store
            .set_marker(key, at.timestamp_millis(), ttl)
            .await?;
    }
    let written = markers.len();
    Ok(written)
}
