//! Rounds and contests by id, and a contest's rounds, kept for a few seconds, so that reading a board asks the scoring
//! store only: a busy board is read thousands of times a second and its round changes rarely.
//! And the questions a round draws from on a given day ([`DrawPool`]), so that a storm of
//! starts reads the bank once every few seconds instead of once per start (#16): the bank is
//! the largest read of a start (up to 10,000 questions with their content per group).
//!
//! # Implementation notes
//! This server's own edits drop the entry at once (`forget_*`) and reach the other servers
//! through `coherence`'s broadcast, which drops their copies within moments. When the broadcast
//! cannot carry an edit (Redis unreachable for a while), another server's edit is seen within
//! twice the maximum age ([`MAX_AGE`] unless configured; see below). For pools that means a
//! question added to (or retired from) the bank on another server is drawn (or no longer
//! drawn) within moments, at worst within twice the maximum age; an attempt always keeps the
//! version it drew, so nothing already drawn changes.
//!
//! And every contest with its rounds' times ([`Listing`]), for the contest list every member
//! opens as a round opens: read from the database, it was two queries per member in a start
//! storm, and a scan of every contest ever held.
//!
//! The values are kept in a [`Ttl`] each: one caller reads an old entry again while the others
//! go on with it, and a forgotten one is never served.

use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

use super::ttl::Ttl;
use crate::domain::ids::{ContestId, RoundId};
use crate::persistence::{
    self, PersistenceError,
    contests::{Contest, Round, Window},
    questions::StoredQuestion,
};

/// How long an entry serves unless configured otherwise (`DAUTRI_CACHE__CATALOG_SECONDS`).
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// The questions a round may draw on one day: a candidate list per group of its pool, in the
/// pool's order (one group for a fixed list of questions, one per quota), each question with
/// the version and content a start would read.
#[derive(Debug, Default)]
pub struct DrawPool {
    /// Candidates per group.
    pub groups: Vec<Vec<StoredQuestion>>,
}

/// Every contest, newest first, each with its rounds' times: what the contest list filters
/// for each caller.
#[derive(Debug, Default)]
pub struct Listing {
    /// The contests and their rounds' windows (opens, closes), newest contest first.
    pub contests: Vec<(Contest, Vec<Window>)>,
}

/// The shared cache.
#[derive(Clone)]
pub struct Catalog {
    rounds: Arc<Ttl<RoundId, Round>>,
    contests: Arc<Ttl<ContestId, Contest>>,
    /// A contest's rounds, by contest id (its cumulative boards depend on every round).
    contest_rounds: Arc<Ttl<ContestId, Vec<Round>>>,
    /// What a round draws from, by round and day (a question's drawable dates are days).
    pools: Arc<Ttl<(RoundId, NaiveDate), DrawPool>>,
    /// Every contest and its rounds' times (one entry).
    listing: Arc<Ttl<(), Listing>>,
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new(MAX_AGE)
    }
}

impl Catalog {
    /// An empty catalog whose entries serve for `max_age`.
    pub fn new(max_age: Duration) -> Self {
        Self {
            rounds: Arc::new(Ttl::new(max_age)),
            contests: Arc::new(Ttl::new(max_age)),
            contest_rounds: Arc::new(Ttl::new(max_age)),
            pools: Arc::new(Ttl::new(max_age)),
            listing: Arc::new(Ttl::new(max_age)),
        }
    }

    /// A round, from the cache or the database.
    pub async fn round(
        &self,
        db: &impl ConnectionTrait,
        id: RoundId,
    ) -> Result<Arc<Round>, PersistenceError> {
        self.rounds
            .get_or_load(id, || persistence::contests::get_round(db, id))
            .await
    }

    /// A contest, from the cache or the database.
    pub async fn contest(
        &self,
        db: &impl ConnectionTrait,
        id: ContestId,
    ) -> Result<Arc<Contest>, PersistenceError> {
        self.contests
            .get_or_load(id, || persistence::contests::get(db, id))
            .await
    }

    /// A contest's rounds, from the cache or the database.
    pub async fn rounds_of(
        &self,
        db: &impl ConnectionTrait,
        contest_id: ContestId,
    ) -> Result<Arc<Vec<Round>>, PersistenceError> {
        self.contest_rounds
            .get_or_load(contest_id, || {
                persistence::contests::rounds_of(db, contest_id)
            })
            .await
    }

    /// A round's pool on `day`, read by `load` when none younger than the maximum age is kept.
    pub async fn pool<F, Fut>(
        &self,
        round: RoundId,
        day: NaiveDate,
        load: F,
    ) -> Result<Arc<DrawPool>, PersistenceError>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<DrawPool, PersistenceError>>,
    {
        self.pools.get_or_load((round, day), load).await
    }

    /// Every contest with its rounds' times, from the cache or the database.
    pub async fn listing(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<Arc<Listing>, PersistenceError> {
        self.listing
            .get_or_load((), || async {
                let contests = persistence::contests::list_all(db).await?;
                let ids: Vec<ContestId> = contests.iter().map(|c| c.id).collect();
                let mut windows = persistence::contests::round_windows(db, &ids).await?;
                Ok(Listing {
                    contests: contests
                        .into_iter()
                        .map(|c| {
                            let w = windows.remove(&c.id).unwrap_or_default();
                            (c, w)
                        })
                        .collect(),
                })
            })
            .await
    }

    /// Drops a round (its contest's list of rounds, what it draws from, and the listing) after
    /// it was added or changed.
    pub fn forget_round(&self, id: RoundId, contest_id: ContestId) {
        self.listing.forget_where(|_| true);
        self.rounds.forget_where(|r| *r == id);
        self.contest_rounds.forget_where(|c| *c == contest_id);
        self.pools.forget_where(|(round, _)| *round == id);
    }

    /// Drops a round and its contest's list of rounds after its first start marked it started.
    /// What it draws from and its times are as they were, so its pool and the listing stay: a
    /// storm's first start dropped the pool, and the next starts all waited for the bank to be
    /// read again.
    pub fn forget_round_started(&self, id: RoundId, contest_id: ContestId) {
        self.rounds.forget_where(|r| *r == id);
        self.contest_rounds.forget_where(|c| *c == contest_id);
    }

    /// Drops a contest (what its rounds draw from: its host unit decides which banks they see;
    /// and the listing) after it was added or changed.
    pub fn forget_contest(&self, id: ContestId) {
        self.listing.forget_where(|_| true);
        self.contests.forget_where(|c| *c == id);
        self.pools.forget_where(|_| true);
    }

    /// Drops every round's pool after the bank changed (a question added, edited, retired or
    /// deleted).
    pub fn forget_pools(&self) {
        self.pools.forget_where(|_| true);
    }

    /// Drops everything (after a gap in the broadcast, any of it may be stale).
    pub fn forget_everything(&self) {
        self.rounds.forget_where(|_| true);
        self.contests.forget_where(|_| true);
        self.contest_rounds.forget_where(|_| true);
        self.pools.forget_where(|_| true);
        self.listing.forget_where(|_| true);
    }
}
