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

use std::collections::HashMap;

use sea_orm::ConnectionTrait;

use crate::auth::Caller;
use crate::caches::directory::Snapshot;
use crate::domain::contest::{ContestKind, ExcludedRole};
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::domain::unit::TreePath;
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

/// Decides one caller's access to any number of contests, reading each unit's place in the
/// tree at most once. A member's home screen checks every contest; with the checks done one by
/// one it read the member and three units per contest.
pub struct Checker<'a, C> {
    db: &'a C,
    caller: &'a Caller,
    /// The caller's own unit, read when first needed.
    unit: Option<UnitId>,
    /// Unit paths read so far (`None`: no such unit).
    paths: HashMap<UnitId, Option<TreePath>>,
    /// The unit tree held in memory, when paths are read from it instead of the database.
    tree: Option<&'a Snapshot>,
}

impl<'a, C: ConnectionTrait> Checker<'a, C> {
    /// A checker for `caller`.
    pub fn new(db: &'a C, caller: &'a Caller) -> Self {
        Self {
            db,
            caller,
            unit: None,
            paths: HashMap::new(),
            tree: None,
        }
    }

    /// A checker for `caller`, whose unit is known, reading paths from the unit tree held in
    /// memory: for the checks made on every board read and every start, which must not wait
    /// for the database in a storm.
    pub fn in_tree(db: &'a C, caller: &'a Caller, unit: UnitId, tree: &'a Snapshot) -> Self {
        Self {
            unit: Some(unit),
            tree: Some(tree),
            ..Self::new(db, caller)
        }
    }

    /// A checker for `caller`, whose unit is already known.
    pub fn with_unit(db: &'a C, caller: &'a Caller, unit: UnitId) -> Self {
        Self {
            unit: Some(unit),
            ..Self::new(db, caller)
        }
    }

    async fn path(&mut self, id: UnitId) -> Result<Option<&TreePath>, ApiError> {
        if !self.paths.contains_key(&id) {
            // A unit the tree held in memory does not know may be newer than the copy (made
            // by the command line, or on another instance a moment ago): the database says.
            let path = match self.tree.and_then(|tree| tree.tree_path(id)) {
                Some(path) => Some(path),
                None => match persistence::units::get(self.db, id).await {
                    Ok(unit) => Some(unit.path),
                    Err(persistence::PersistenceError::NotFound(_)) => None,
                    Err(e) => return Err(e.into()),
                },
            };
            self.paths.insert(id, path);
        }
        Ok(self.paths.get(&id).and_then(Option::as_ref))
    }

    /// The place in the tree of unit `id`, read at most once per checker (404 if there is none).
    pub async fn unit_path(&mut self, id: UnitId) -> Result<TreePath, ApiError> {
        self.path(id)
            .await?
            .cloned()
            .ok_or(persistence::PersistenceError::NotFound("unit").into())
    }

    /// Whether the caller manages `contest`.
    pub async fn manages(&mut self, contest: &Contest) -> Result<bool, ApiError> {
        // Someone who manages no contest anywhere (every member) needs no look at the host.
        if !self.caller.has_any(CONTEST_MANAGERS) {
            return Ok(false);
        }
        let host = self.unit_path(contest.settings.unit_id).await?;
        Ok(self.caller.covers(CONTEST_MANAGERS, &host))
    }

    /// Whether the caller is in the contest's eligible population: in the eligible subtree (or
    /// anyone), not in an excluded subtree, holding no excluded role. Units are read only when
    /// the contest limits entry by subtree.
    pub async fn may_enter(&mut self, contest: &Contest) -> Result<bool, ApiError> {
        let s = &contest.settings;
        for role in &s.excluded_roles {
            let role = match role {
                ExcludedRole::Organizer => Role::Organizer,
                ExcludedRole::UnitAdmin => Role::UnitAdmin,
            };
            if self.caller.holds(role) {
                return Ok(false);
            }
        }
        if s.eligible_unit_id.is_none() && s.excluded_unit_ids.is_empty() {
            return Ok(true);
        }
        let unit = match self.unit {
            Some(unit) => unit,
            None => {
                let unit = persistence::users::get(self.db, self.caller.id)
                    .await?
                    .unit_id;
                *self.unit.insert(unit)
            }
        };
        let own = self.unit_path(unit).await?;
        if let Some(eligible) = s.eligible_unit_id
            && !own.is_within(&self.unit_path(eligible).await?)
        {
            return Ok(false);
        }
        for excluded in &s.excluded_unit_ids {
            // An excluded unit since deleted excludes nobody.
            if self
                .path(*excluded)
                .await?
                .is_some_and(|ex| own.is_within(ex))
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The caller's access to `contest`, or 404.
    pub async fn access(&mut self, contest: &Contest) -> Result<Access, ApiError> {
        if self.manages(contest).await? {
            return Ok(Access::Manage);
        }
        if self.may_enter(contest).await? {
            return Ok(Access::Enter);
        }
        Err(ApiError::NotFound("contest"))
    }
}

/// Whether `caller` is in the contest's eligible population ([`Checker::may_enter`]).
pub async fn may_enter(
    db: &impl ConnectionTrait,
    caller: &Caller,
    contest: &Contest,
) -> Result<bool, ApiError> {
    Checker::new(db, caller).may_enter(contest).await
}

/// Whether `caller` manages `contest`.
pub async fn manages(
    db: &impl ConnectionTrait,
    caller: &Caller,
    contest: &Contest,
) -> Result<bool, ApiError> {
    Checker::new(db, caller).manages(contest).await
}

/// The caller's access to `contest`, or 404.
pub async fn access(
    db: &impl ConnectionTrait,
    caller: &Caller,
    contest: &Contest,
) -> Result<Access, ApiError> {
    Checker::new(db, caller).access(contest).await
}

/// Whether a round counts: practice rounds and practice contests never do.
pub fn counts(contest: &Contest, round: &Round) -> bool {
    !round.settings.practice && contest.settings.kind != ContestKind::Practice
}

/// Checks that `caller`, whose unit is `entrant_unit`, may start an attempt in `round`:
/// eligible, and not a manager of the contest unless it lets managers enter. 404 for someone
/// who may not even see the round; 403 with a reason for a manager. Once the round's pool is
/// known, [`check_not_key_reader`] completes the check.
///
/// The units' places come from `tree`, the unit tree held in memory (which also places the
/// result on the boards), not from three reads of the database per start: a unit moved on
/// another instance counts there within moments (the caches' broadcast). The caller and their
/// unit are as read by this request.
pub async fn check_round_entry(
    db: &impl ConnectionTrait,
    caller: &Caller,
    entrant_unit: UnitId,
    tree: &Snapshot,
    contest: &Contest,
    round: &Round,
) -> Result<(), ApiError> {
    let mut check = Checker::in_tree(db, caller, entrant_unit, tree);
    let manages = check.manages(contest).await?;
    if !check.may_enter(contest).await? {
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
