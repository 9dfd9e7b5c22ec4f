//! Disabling and enabling accounts (issue #11).
//!
//! Who: the unit admins whose subtree holds the person, and system admins (the scope of role
//! management, [`crate::app::people`]); a unit admin cannot disable a system admin (403), and no
//! one can disable themselves (422). Disabling ends every session of the account (its refresh
//! tokens are revoked) and refuses its access tokens from the next request on with 403
//! `account_disabled` ([`crate::app::sessions`]); sign-in and refresh answer the same. Enabling
//! lets the person sign in again. Both are audited (`user.disable`, `user.enable`).
//!
//! # Implementation notes
//! The last enabled system admin can be neither disabled nor stripped of the role (409
//! `last_admin`): both changes run in one transaction that first takes
//! [`persistence::roles::lock_admins`], then changes, then counts the enabled admins left, so two
//! concurrent changes to the last two admins cannot both pass.

use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::sessions;
use crate::auth::Caller;
use crate::domain::ids::UserId;
use crate::domain::role::Role;
use crate::error::{ApiError, Conflict, FieldError};
use crate::persistence::{
    self, PersistenceError,
    units::Unit,
    users::{Disabled, User},
};
use crate::state::AppState;

/// Longest reason, in characters.
pub const REASON_MAX_CHARS: usize = 500;

/// Why an account is being disabled.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisableRequest {
    /// Why (1–500 characters once trimmed); shown to the managers who see the person.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// A disabled account's record.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisabledState {
    /// When it was disabled.
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Who disabled it.
    pub by: Option<Uuid>,
}

impl From<&Disabled> for DisabledState {
    fn from(d: &Disabled) -> Self {
        Self {
            at: d.at,
            reason: d.reason.clone(),
            by: d.by.map(|u| u.into_uuid()),
        }
    }
}

/// An account's state after a disable or an enable.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountStateResponse {
    /// The person.
    pub user_id: Uuid,
    /// Null when the account is enabled.
    pub disabled: Option<DisabledState>,
}

/// Whether `caller` may disable or enable `person` of `unit`: a unit admin over the unit (or a
/// system admin), never their own account, and only a system admin for a system admin.
pub async fn may_manage(
    state: &AppState,
    caller: &Caller,
    person: &User,
    unit: &Unit,
) -> Result<bool, ApiError> {
    if person.id == caller.id || !caller.covers(&[Role::UnitAdmin], &unit.path) {
        return Ok(false);
    }
    Ok(caller.is_admin() || !is_admin(state, person.id).await?)
}

async fn is_admin(db: &AppState, user: UserId) -> Result<bool, ApiError> {
    Ok(persistence::roles::for_user(&db.db, user)
        .await?
        .iter()
        .any(|g| g.role == Role::Admin))
}

/// The person `target_id`, if `caller` manages accounts in their scope: 403 without a unit
/// admin role, 404 outside scope (or erased), 403 for a system admin when the caller is not one.
async fn managed(state: &AppState, caller: &Caller, target_id: UserId) -> Result<User, ApiError> {
    if !caller.has_any(&[Role::UnitAdmin]) {
        return Err(ApiError::Forbidden);
    }
    let target = persistence::users::get(&state.db, target_id).await?;
    let unit = persistence::units::get(&state.db, target.unit_id).await?;
    if target.erased_at.is_some() || !caller.covers(&[Role::UnitAdmin], &unit.path) {
        return Err(ApiError::NotFound("user"));
    }
    if !caller.is_admin() && is_admin(state, target.id).await? {
        return Err(ApiError::Forbidden);
    }
    Ok(target)
}

/// The reason, trimmed, or a 422 naming `/reason`.
fn parse_reason(reason: &str) -> Result<String, ApiError> {
    let reason = reason.trim();
    let chars = reason.chars().count();
    if chars == 0 {
        return Err(ApiError::Validation(vec![
            FieldError::new("/reason", "a reason is required")
                .with_code("required")
                .with_vi("Cần nhập lý do khoá tài khoản"),
        ]));
    }
    if chars > REASON_MAX_CHARS {
        return Err(ApiError::Validation(vec![
            FieldError::new(
                "/reason",
                format!("the reason must be at most {REASON_MAX_CHARS} characters"),
            )
            .with_vi(format!("Lý do dài tối đa {REASON_MAX_CHARS} ký tự")),
        ]));
    }
    Ok(reason.to_owned())
}

/// Disables `target_id`'s account on behalf of `user` at `now`, with `reason`. Disabling a
/// disabled account changes nothing and answers its state.
pub async fn disable(
    state: &AppState,
    user: UserId,
    target_id: UserId,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<AccountStateResponse, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let target = managed(state, &caller, target_id).await?;
    if target.id == user {
        return Err(ApiError::Validation(vec![
            FieldError::new("/id", "you cannot disable your own account")
                .with_vi("Bạn không thể tự khoá tài khoản của mình"),
        ]));
    }
    let disabled = Disabled {
        at: now,
        reason: parse_reason(reason)?,
        by: Some(user),
    };
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::roles::lock_admins(&txn, target.id).await?;
    if !persistence::users::set_disabled(&txn, target.id, Some(&disabled), now).await? {
        txn.rollback().await.map_err(PersistenceError::from)?;
        return state_of(state, target.id).await;
    }
    let target_is_admin = persistence::roles::for_user(&txn, target.id)
        .await?
        .iter()
        .any(|g| g.role == Role::Admin);
    if target_is_admin && persistence::roles::enabled_admins(&txn).await? == 0 {
        txn.rollback().await.map_err(PersistenceError::from)?;
        return Err(Conflict::LastAdmin.into());
    }
    let revoked = persistence::tokens::revoke_all_for_user(&txn, target.id).await?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "user.disable",
        Some(target.id.into_uuid()),
        Some(target.unit_id),
        json!({"reason": disabled.reason, "sessions_ended": revoked}),
    )
    .await?;
    // Before the commit: a store that cannot take the marker leaves the account as it was.
    sessions::mark_disabled(state, target.id, now).await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    tracing::info!(target.id = %target.id, "account disabled");
    Ok(AccountStateResponse {
        user_id: target.id.into_uuid(),
        disabled: Some(DisabledState::from(&disabled)),
    })
}

/// Enables `target_id`'s account again on behalf of `user` at `now`. Enabling an enabled
/// account changes nothing.
pub async fn enable(
    state: &AppState,
    user: UserId,
    target_id: UserId,
    now: DateTime<Utc>,
) -> Result<AccountStateResponse, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let target = managed(state, &caller, target_id).await?;
    let before = target.disabled.clone();
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    if !persistence::users::set_disabled(&txn, target.id, None, now).await? {
        txn.rollback().await.map_err(PersistenceError::from)?;
        return state_of(state, target.id).await;
    }
    persistence::audit::record_at(
        &txn,
        Some(user),
        "user.enable",
        Some(target.id.into_uuid()),
        Some(target.unit_id),
        json!({"disabled_reason": before.map(|d| d.reason)}),
    )
    .await?;
    sessions::clear_disabled(state, target.id).await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    tracing::info!(target.id = %target.id, "account enabled");
    Ok(AccountStateResponse {
        user_id: target.id.into_uuid(),
        disabled: None,
    })
}

async fn state_of(state: &AppState, id: UserId) -> Result<AccountStateResponse, ApiError> {
    let user = persistence::users::get(&state.db, id).await?;
    Ok(AccountStateResponse {
        user_id: user.id.into_uuid(),
        disabled: user.disabled.as_ref().map(DisabledState::from),
    })
}
