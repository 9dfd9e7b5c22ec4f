//! Who may read the answer key of a question.
//!
//! A question's key (which options are correct, and the explanation, which gives it away) is
//! shown only to the people who manage the bank that owns it: organizers whose scope covers
//! the owner unit, and administrators. A bank shared down the tree lets the units below search
//! and draw its questions, never read their keys, because the organizers of those units may
//! enter contests that draw from it.
//!
//! The same rule bars entry: someone who can read the key of any question a round may draw
//! cannot enter that round ([`super::contest_access::check_round_entry`]).

use sea_orm::ConnectionTrait;

use crate::auth::Caller;
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::domain::unit::TreePath;
use crate::error::ApiError;
use crate::persistence;

/// Who manages question banks.
pub const BANK_MANAGERS: &[Role] = &[Role::Organizer];

/// Whether `caller` may read the key of questions owned by the unit at `owner`.
pub fn reads_key(caller: &Caller, owner: &TreePath) -> bool {
    caller.covers(BANK_MANAGERS, owner)
}

/// Whether `caller` may read the key of questions owned by any of `owners`.
pub async fn reads_any_key(
    db: &impl ConnectionTrait,
    caller: &Caller,
    owners: impl IntoIterator<Item = UnitId>,
) -> Result<bool, ApiError> {
    if caller.is_admin() {
        return Ok(true);
    }
    if !caller.has_any(BANK_MANAGERS) {
        return Ok(false);
    }
    let mut owners: Vec<UnitId> = owners.into_iter().collect();
    owners.sort_unstable_by_key(|u| u.into_uuid());
    owners.dedup();
    for owner in owners {
        match persistence::units::get(db, owner).await {
            Ok(unit) if reads_key(caller, &unit.path) => return Ok(true),
            Ok(_) | Err(persistence::PersistenceError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(false)
}
