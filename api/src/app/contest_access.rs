//! Who may manage, see and enter a contest.
//!
//! - A contest's **managers** are the organizers whose scope covers its host unit (and
//!   administrators). They see everything of it, including its rounds' pools.
//! - A person **may enter** when they are in the eligible subtree (or the contest is open to
//!   anyone registered), in no excluded subtree, and hold no excluded role.
//! - Managers do not enter their own contest unless its `managers_may_enter` is set: they set
//!   the rounds up and must not compete for the prizes.
//! - Whatever the settings, nobody enters a round whose questions they can read the answer key
//!   of ([`super::answer_key`]). Practice rounds and practice contests never count, so both
//!   rules leave them open: an organizer may try a round as a member would.

use sea_orm::ConnectionTrait;

use crate::auth::Caller;
use crate::domain::contest::{ContestKind, ExcludedRole};
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::persistence::{self, contests::Contest, contests::Round};

/// Who manages contests.
pub const CONTEST_MANAGERS: &[Role] = &[Role::Organizer];

/// How the caller relates to a contest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Organises it.
    Manage,
    /// May enter it.
    Enter,
}

/// Whether `caller` is in the contest's eligible population: in the eligible subtree (or
/// anyone), not in an excluded subtree, holding no excluded role.
pub async fn may_enter(
    db: &impl ConnectionTrait,
    caller: &Caller,
    contest: &Contest,
) -> Result<bool, ApiError> {
    let user = persistence::users::get(db, caller.id).await?;
    is_eligible(db, caller, user.unit_id, contest).await
}

/// [`may_enter`] for a caller whose unit is already known. The unit's place in the tree is read
/// only when the contest limits entry by subtree: a start storm in an open contest then asks
/// the database nothing here.
async fn is_eligible(
    db: &impl ConnectionTrait,
    caller: &Caller,
    unit_id: UnitId,
    contest: &Contest,
) -> Result<bool, ApiError> {
    let s = &contest.settings;
    for role in &s.excluded_roles {
        let role = match role {
            ExcludedRole::Organizer => Role::Organizer,
            ExcludedRole::UnitAdmin => Role::UnitAdmin,
        };
        if caller.holds(role) {
            return Ok(false);
        }
    }
    if s.eligible_unit_id.is_none() && s.excluded_unit_ids.is_empty() {
        return Ok(true);
    }
    let unit = persistence::units::get(db, unit_id).await?;
    if let Some(eligible) = s.eligible_unit_id {
        let eligible = persistence::units::get(db, eligible).await?;
        if !unit.path.is_within(&eligible.path) {
            return Ok(false);
        }
    }
    for excluded in &s.excluded_unit_ids {
        match persistence::units::get(db, *excluded).await {
            Ok(ex) if unit.path.is_within(&ex.path) => return Ok(false),
            Ok(_) | Err(persistence::PersistenceError::NotFound(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

/// Whether `caller` manages `contest`.
pub async fn manages(
    db: &impl ConnectionTrait,
    caller: &Caller,
    contest: &Contest,
) -> Result<bool, ApiError> {
    // Someone who manages no contest anywhere (every member) needs no look at the host unit.
    if !caller.has_any(CONTEST_MANAGERS) {
        return Ok(false);
    }
    let host = persistence::units::get(db, contest.settings.unit_id).await?;
    Ok(caller.covers(CONTEST_MANAGERS, &host.path))
}

/// The caller's access to `contest`, or 404.
pub async fn access(
    db: &impl ConnectionTrait,
    caller: &Caller,
    contest: &Contest,
) -> Result<Access, ApiError> {
    if manages(db, caller, contest).await? {
        return Ok(Access::Manage);
    }
    if may_enter(db, caller, contest).await? {
        return Ok(Access::Enter);
    }
    Err(ApiError::NotFound("contest"))
}

/// Whether a round counts: practice rounds and practice contests never do.
pub fn counts(contest: &Contest, round: &Round) -> bool {
    !round.settings.practice && contest.settings.kind != ContestKind::Practice
}

/// Checks that `caller`, whose unit is `entrant_unit`, may start an attempt in `round`: eligible, and not a manager of the
/// contest unless it lets managers enter. 404 for someone who may not even see the round; 403
/// with a reason for a manager. Once the round's pool is known, [`check_not_key_reader`]
/// completes the check.
pub async fn check_round_entry(
    db: &impl ConnectionTrait,
    caller: &Caller,
    entrant_unit: UnitId,
    contest: &Contest,
    round: &Round,
) -> Result<(), ApiError> {
    let manages = manages(db, caller, contest).await?;
    if !is_eligible(db, caller, entrant_unit, contest).await? {
        return Err(if manages {
            ApiError::Forbidden
        } else {
            ApiError::NotFound("round")
        });
    }
    if manages && counts(contest, round) && !contest.settings.managers_may_enter {
        return Err(ApiError::ManagersMayNotEnter);
    }
    Ok(())
}

/// Refuses entry (403) to someone who can read the answer key of a question owned by any of
/// `drawable_owners`, the units owning the questions `round` may draw.
pub async fn check_not_key_reader(
    db: &impl ConnectionTrait,
    caller: &Caller,
    contest: &Contest,
    round: &Round,
    drawable_owners: impl IntoIterator<Item = UnitId>,
) -> Result<(), ApiError> {
    if counts(contest, round)
        && super::answer_key::reads_any_key(db, caller, drawable_owners).await?
    {
        return Err(ApiError::ReadsAnswerKey);
    }
    Ok(())
}
