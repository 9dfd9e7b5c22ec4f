//! People: who may see a person (themselves, or organizers and unit admins whose subtree holds
//! them), who may grant which roles (an admin anything; a unit admin `organizer` and
//! `unit_admin` over units in their subtree, to people in their subtree), and the member lists
//! of a subtree. Removing the system-admin role from the last enabled system admin (oneself
//! included) answers 409 `last_admin`.

use sea_orm::TransactionTrait;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Caller;
use crate::caches::coherence::Change;
use crate::domain::ids::{UnitId, UserId};
use crate::domain::role::{Grant, Role};
use crate::error::{ApiError, Conflict, FieldError};
use crate::persistence::{self, PersistenceError, users::User};
use crate::state::AppState;

/// Who may see people's details in a subtree.
pub(crate) const PEOPLE_READERS: &[Role] = &[Role::Organizer, Role::UnitAdmin];

/// Loads a user the caller may see: themselves, or anyone in a subtree they organise or administer.
async fn visible_user(
    state: &AppState,
    caller: &Caller,
    id: UserId,
) -> Result<persistence::users::User, ApiError> {
    let user = persistence::users::get(&state.db, id).await?;
    if user.id == caller.id {
        return Ok(user);
    }
    let unit = persistence::units::get(&state.db, user.unit_id).await?;
    if !caller.covers(PEOPLE_READERS, &unit.path) {
        return Err(ApiError::NotFound("user"));
    }
    Ok(user)
}

/// The person `id`, if `user` may see them.
pub async fn get_user(state: &AppState, user: UserId, id: UserId) -> Result<User, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    visible_user(state, &caller, id).await
}

/// Sets `target_id`'s roles to `roles` (role, unit) on behalf of `user`: grants the caller does
/// not manage are kept as they are. Returns the person and all their roles after the change.
pub async fn set_roles(
    state: &AppState,
    user: UserId,
    target_id: UserId,
    roles: &[(Role, Option<Uuid>)],
) -> Result<(UserId, Vec<Grant>), ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    if !caller.has_any(&[Role::UnitAdmin]) {
        return Err(ApiError::Forbidden);
    }
    let target = persistence::users::get(&state.db, target_id).await?;
    let target_unit = persistence::units::get(&state.db, target.unit_id).await?;
    if !caller.covers(&[Role::UnitAdmin], &target_unit.path) {
        return Err(ApiError::NotFound("user"));
    }
    if roles.len() > 50 {
        return Err(ApiError::field("/roles", "at most 50 roles"));
    }
    let mut errors = Vec::new();
    let mut requested = Vec::new();
    for (i, (role, unit_id)) in roles.iter().enumerate() {
        let grant = match Grant::new(*role, unit_id.map(UnitId::from_uuid)) {
            Ok(grant) => grant,
            Err(e) => {
                errors.push(FieldError::new(format!("/roles/{i}"), e.0));
                continue;
            }
        };
        // Even an admin, who manages every unit, can only grant a role over one that exists.
        if let Some(unit_id) = grant.unit_id {
            match persistence::units::get(&state.db, unit_id).await {
                Ok(_) => {}
                Err(PersistenceError::NotFound(_)) => {
                    errors.push(FieldError::new(
                        format!("/roles/{i}/unit_id"),
                        "no such unit",
                    ));
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
        if !manages(state, &caller, &grant).await? {
            errors.push(FieldError::new(
                format!("/roles/{i}"),
                "you cannot grant this role over this unit",
            ));
            continue;
        }
        if !requested.contains(&grant) {
            requested.push(grant);
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    // The last-admin guard: lock, read, change, count, in one transaction (see
    // `persistence::roles::lock_admins`), so two removals racing cannot both pass.
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::roles::lock_admins(&txn, target.id).await?;
    let current = persistence::roles::for_user(&txn, target.id).await?;
    let was_admin = current.iter().any(|g| g.role == Role::Admin);
    let mut kept = Vec::new();
    for grant in current {
        if !manages(state, &caller, &grant).await? {
            kept.push(grant);
        }
    }
    let mut all = kept;
    all.extend(requested);
    persistence::roles::replace(&txn, target.id, &all).await?;
    if was_admin
        && !all.iter().any(|g| g.role == Role::Admin)
        && target.disabled.is_none()
        && persistence::roles::enabled_admins(&txn).await? == 0
    {
        txn.rollback().await.map_err(PersistenceError::from)?;
        return Err(Conflict::LastAdmin.into());
    }
    let granted: Vec<_> = all
        .iter()
        .map(|g| json!({"role": g.role.as_str(), "unit_id": g.unit_id}))
        .collect();
    persistence::audit::record_at(
        &txn,
        Some(user),
        "user.roles",
        Some(target.id.into_uuid()),
        Some(target.unit_id),
        json!({"roles": granted}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    // Who may see a board is decided from a copy of each person's grants.
    crate::app::coherence::changed(state, Change::Person(target.id)).await;
    let roles = persistence::roles::for_user(&state.db, target.id).await?;
    Ok((target.id, roles))
}

/// Whether `caller` may grant or revoke `grant`.
pub(crate) async fn manages(
    state: &AppState,
    caller: &Caller,
    grant: &Grant,
) -> Result<bool, ApiError> {
    if caller.is_admin() {
        return Ok(true);
    }
    let Some(unit_id) = grant.unit_id.filter(|_| grant.role != Role::Admin) else {
        return Ok(false);
    };
    match persistence::units::get(&state.db, unit_id).await {
        Ok(unit) => Ok(caller.covers(&[Role::UnitAdmin], &unit.path)),
        Err(PersistenceError::NotFound(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// A page of the members of unit `unit_id`'s whole subtree, for its organizers and unit admins,
/// with how many match in all; `q` searches names ignoring case and diacritics.
pub async fn list_members(
    state: &AppState,
    user: UserId,
    unit_id: UnitId,
    q: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<User>, u64), ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let unit = caller
        .require_unit(&state.db, PEOPLE_READERS, unit_id)
        .await?;
    persistence::users::list_in_subtree(&state.db, &unit.path, q, offset, limit)
        .await
        .map_err(Into::into)
}
