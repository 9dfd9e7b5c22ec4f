//! What one instance tells the others when something they keep in memory changed, so that an
//! edit on one instance is seen by all of them at once instead of when their copies expire.
//!
//! A [`Change`] names what to drop: a round (or only its start), a contest, the bank (every draw pool), the unit
//! tree, or a person's unit and grants. It travels as one short line, `<instance> <what> [ids…]`; an instance ignores
//! its own lines (it dropped its copies when it made the change) and lines it cannot read (a
//! newer version's, or noise on the channel).
//!
//! # Implementation notes
//! Delivery is best effort (`scoring::broadcast`): a line sent while an instance was not
//! listening is lost to it. So an instance that (re)subscribes drops everything it keeps, and
//! the caches' own expiry stays as the bound for what the broadcast could not carry.

use uuid::Uuid;

use super::catalog::Catalog;
use super::directory::UnitDirectory;
use super::people::People;
use crate::domain::ids::{ContestId, RoundId, UserId};

/// Something kept in memory that changed in the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A round was added or changed (its contest's list of rounds changes with it).
    Round {
        /// The round.
        round: RoundId,
        /// Its contest.
        contest: ContestId,
    },
    /// A round's first start marked it started: nothing it draws from changed.
    RoundStarted {
        /// The round.
        round: RoundId,
        /// Its contest.
        contest: ContestId,
    },
    /// A contest changed (its host unit decides which banks its rounds draw from).
    Contest(ContestId),
    /// The bank changed: a question added, edited, retired or deleted.
    Bank,
    /// The unit tree changed: a unit added, renamed, moved or its member count declared.
    Units,
    /// A person's unit or grants changed (a transfer, a role given or taken, an erasure).
    Person(UserId),
}

impl Change {
    /// `round` was added or changed.
    pub fn round(round: &crate::persistence::contests::Round) -> Self {
        Self::Round {
            round: round.id,
            contest: round.contest_id,
        }
    }

    /// `round` was marked started by its first start.
    pub fn round_started(round: &crate::persistence::contests::Round) -> Self {
        Self::RoundStarted {
            round: round.id,
            contest: round.contest_id,
        }
    }

    /// Drops what this change makes stale.
    pub fn apply(self, catalog: &Catalog, units: &UnitDirectory, people: &People) {
        match self {
            Self::Round { round, contest } => catalog.forget_round(round, contest),
            Self::RoundStarted { round, contest } => catalog.forget_round_started(round, contest),
            Self::Contest(contest) => catalog.forget_contest(contest),
            Self::Bank => catalog.forget_pools(),
            Self::Units => units.invalidate(),
            Self::Person(id) => people.forget(id),
        }
    }

    /// The line sent for this change by `instance`.
    pub fn encode(self, instance: Uuid) -> String {
        match self {
            Self::Round { round, contest } => format!("{instance} round {round} {contest}"),
            Self::RoundStarted { round, contest } => {
                format!("{instance} round-started {round} {contest}")
            }
            Self::Contest(contest) => format!("{instance} contest {contest}"),
            Self::Bank => format!("{instance} bank"),
            Self::Units => format!("{instance} units"),
            Self::Person(id) => format!("{instance} person {id}"),
        }
    }

    /// The sender and the change of a line, or `None` for a line this version does not read.
    pub fn decode(line: &str) -> Option<(Uuid, Self)> {
        let mut words = line.split(' ');
        let instance = words.next()?.parse().ok()?;
        let what = words.next()?;
        let ids: Vec<Uuid> = words.map(|w| w.parse().ok()).collect::<Option<_>>()?;
        let change = match (what, ids.as_slice()) {
            ("round", [round, contest]) => Self::Round {
                round: RoundId::from_uuid(*round),
                contest: ContestId::from_uuid(*contest),
            },
            ("round-started", [round, contest]) => Self::RoundStarted {
                round: RoundId::from_uuid(*round),
                contest: ContestId::from_uuid(*contest),
            },
            ("contest", [contest]) => Self::Contest(ContestId::from_uuid(*contest)),
            ("bank", []) => Self::Bank,
            ("units", []) => Self::Units,
            ("person", [id]) => Self::Person(UserId::from_uuid(*id)),
            _ => return None,
        };
        Some((instance, change))
    }
}

/// Drops everything kept: after a gap in the broadcast, any of it may be stale.
pub fn forget_everything(catalog: &Catalog, units: &UnitDirectory, people: &People) {
    catalog.forget_everything();
    units.invalidate();
    people.forget_everyone();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_change_reads_back_as_sent() {
        let me = Uuid::new_v4();
        for change in [
            Change::Round {
                round: RoundId::from_uuid(Uuid::new_v4()),
                contest: ContestId::from_uuid(Uuid::new_v4()),
            },
            Change::RoundStarted {
                round: RoundId::from_uuid(Uuid::new_v4()),
                contest: ContestId::from_uuid(Uuid::new_v4()),
            },
            Change::Contest(ContestId::from_uuid(Uuid::new_v4())),
            Change::Bank,
            Change::Units,
            Change::Person(UserId::from_uuid(Uuid::new_v4())),
        ] {
            assert_eq!(Change::decode(&change.encode(me)), Some((me, change)));
        }
    }

    #[test]
    fn lines_it_cannot_read_are_ignored() {
        let me = Uuid::new_v4();
        for line in [
            String::new(),
            "bank".to_owned(),
            format!("{me}"),
            format!("{me} bank-and-more"),
            format!("{me} round"),
            format!("{me} round {me}"),
            format!("{me} round not-an-id {me}"),
            format!("{me} round-started {me}"),
            format!("{me} contest"),
            format!("{me} bank {me}"),
            format!("{me} person"),
            format!("{me} person {me} {me}"),
            "not-an-id bank".to_owned(),
        ] {
            assert_eq!(Change::decode(&line), None, "{line:?}");
        }
    }
}
