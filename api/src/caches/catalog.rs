//! Rounds and contests by id, and a contest's rounds, kept for a few seconds, so that reading a board asks the scoring
//! store only: a busy board is read thousands of times a second and its round changes rarely.
//! And the questions a round draws from on a given day ([`DrawPool`]), so that a storm of
//! starts reads the bank once every few seconds instead of once per start (#16): the bank is
//! the largest read of a start (up to 10,000 questions with their content per group).
//!
//! # Implementation notes
//! This server's own edits drop the entry at once (`forget_*`); another server's edits are seen
//! within [`MAX_AGE`]. For pools that means a question added to (or retired from) the bank on
//! another server is drawn (or no longer drawn) within five seconds; an attempt always keeps
//! the version it drew, so nothing already drawn changes. The maps are pruned of stale entries when they grow, so the memory is
//! bounded by the rounds read in the last few seconds.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

use crate::domain::ids::{ContestId, RoundId};
use crate::persistence::{
    self, PersistenceError,
    contests::{Contest, Round},
    questions::StoredQuestion,
};

/// How long an entry serves.
pub const MAX_AGE: Duration = Duration::from_secs(5);

/// Entries kept before stale ones are pruned.
const PRUNE_AT: usize = 1_000;

struct Ttl<K, V> {
    entries: Mutex<HashMap<K, (Instant, Arc<V>)>>,
}

impl<K, V> Default for Ttl<K, V> {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Copy, V> Ttl<K, V> {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, Arc<V>)>> {
        // Each operation is a single insert, lookup or removal: a poisoned map is still whole.
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn get(&self, key: K) -> Option<Arc<V>> {
        self.lock()
            .get(&key)
            .filter(|(at, _)| at.elapsed() < MAX_AGE)
            .map(|(_, v)| Arc::clone(v))
    }

    fn put(&self, key: K, value: V) -> Arc<V> {
        let value = Arc::new(value);
        let mut entries = self.lock();
        if entries.len() >= PRUNE_AT {
            entries.retain(|_, (at, _)| at.elapsed() < MAX_AGE);
        }
        entries.insert(key, (Instant::now(), Arc::clone(&value)));
        value
    }

    fn forget(&self, key: K) {
        self.lock().remove(&key);
    }

    fn forget_where(&self, drop: impl Fn(&K) -> bool) {
        self.lock().retain(|k, _| !drop(k));
    }
}

/// The questions a round may draw on one day: a candidate list per group of its pool, in the
/// pool's order (one group for a fixed list of questions, one per quota), each question with
/// the version and content a start would read.
#[derive(Debug, Default)]
pub struct DrawPool {
    /// Candidates per group.
    pub groups: Vec<Vec<StoredQuestion>>,
}

/// The shared cache.
#[derive(Clone, Default)]
pub struct Catalog {
    rounds: Arc<Ttl<RoundId, Round>>,
    contests: Arc<Ttl<ContestId, Contest>>,
    /// A contest's rounds, by contest id (its cumulative boards depend on every round).
    contest_rounds: Arc<Ttl<ContestId, Vec<Round>>>,
    /// What a round draws from, by round and day (a question's drawable dates are days).
    pools: Arc<Ttl<(RoundId, NaiveDate), DrawPool>>,
}

impl Catalog {
    /// A round, from the cache or the database.
    pub async fn round(
        &self,
        db: &impl ConnectionTrait,
        id: RoundId,
    ) -> Result<Arc<Round>, PersistenceError> {
        if let Some(r) = self.rounds.get(id) {
            return Ok(r);
        }
        Ok(self
            .rounds
            .put(id, persistence::contests::get_round(db, id).await?))
    }

    /// A contest, from the cache or the database.
    pub async fn contest(
        &self,
        db: &impl ConnectionTrait,
        id: ContestId,
    ) -> Result<Arc<Contest>, PersistenceError> {
        if let Some(c) = self.contests.get(id) {
            return Ok(c);
        }
        Ok(self
            .contests
            .put(id, persistence::contests::get(db, id).await?))
    }

    /// A contest's rounds, from the cache or the database.
    pub async fn rounds_of(
        &self,
        db: &impl ConnectionTrait,
        contest_id: ContestId,
    ) -> Result<Arc<Vec<Round>>, PersistenceError> {
        if let Some(r) = self.contest_rounds.get(contest_id) {
            return Ok(r);
        }
        Ok(self.contest_rounds.put(
            contest_id,
            persistence::contests::rounds_of(db, contest_id).await?,
        ))
    }

    /// A round's pool on `day`, read by `load` when none younger than [`MAX_AGE`] is kept.
    /// Concurrent misses may each load it; the last one stays (they read the same thing).
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
        if let Some(p) = self.pools.get((round, day)) {
            return Ok(p);
        }
        Ok(self.pools.put((round, day), load().await?))
    }

    /// Drops a round (its contest's list of rounds, and what it draws from) after it was added
    /// or changed here.
    pub fn forget_round(&self, id: RoundId, contest_id: ContestId) {
        self.rounds.forget(id);
        self.contest_rounds.forget(contest_id);
        self.pools.forget_where(|(round, _)| *round == id);
    }

    /// Drops a contest (and what its rounds draw from: its host unit decides which banks they
    /// see) after it changed here.
    pub fn forget_contest(&self, id: ContestId) {
        self.contests.forget(id);
        self.pools.forget_where(|_| true);
    }

    /// Drops every round's pool after the bank changed here (a question added, edited,
    /// retired or deleted).
    pub fn forget_pools(&self) {
        self.pools.forget_where(|_| true);
    }
}
