//! Rounds and contests by id, and a contest's rounds, kept for a few seconds, so that reading a board asks the scoring
//! store only: a busy board is read thousands of times a second and its round changes rarely.
//!
//! # Implementation notes
//! This server's own edits drop the entry at once (`forget_*`); another server's edits are seen
//! within [`MAX_AGE`]. The maps are pruned of stale entries when they grow, so the memory is
//! bounded by the rounds read in the last few seconds.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;

use crate::domain::ids::{ContestId, RoundId};
use crate::persistence::{
    self, PersistenceError,
    contests::{Contest, Round},
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
}

/// The shared cache.
#[derive(Clone, Default)]
pub struct Catalog {
    rounds: Arc<Ttl<RoundId, Round>>,
    contests: Arc<Ttl<ContestId, Contest>>,
    /// A contest's rounds, by contest id (its cumulative boards depend on every round).
    contest_rounds: Arc<Ttl<ContestId, Vec<Round>>>,
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

    /// Drops a round (and its contest's list of rounds) after it was added or changed here.
    pub fn forget_round(&self, id: RoundId, contest_id: ContestId) {
        self.rounds.forget(id);
        self.contest_rounds.forget(contest_id);
    }

    /// Drops a contest after it changed here.
    pub fn forget_contest(&self, id: ContestId) {
        self.contests.forget(id);
    }
}
