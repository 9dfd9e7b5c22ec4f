//! The in-process backend of the scoring store: the embedded default, for one server.
//!
//! # Implementation notes
//! One mutex over a map. Each operation holds the lock for its whole read-modify-write, which
//! gives the same atomicity as a Lua script on Redis.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::WindowCount;

/// In-process store.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<Inner>>,
    /// Attempts and round results (`memory_attempts.rs`), behind their own lock.
    pub(super) attempts: Arc<super::memory_attempts::Attempts>,
    /// Contest results and boards (`memory_boards.rs`), behind their own lock.
    pub(super) boards: Arc<super::memory_boards::Boards>,
}

#[derive(Default)]
struct Inner {
    counters: HashMap<String, (u64, Instant)>,
    markers: HashMap<String, (i64, Instant)>,
    leases: HashMap<String, (String, Instant)>,
    /// Broadcast channels by name (`broadcast.rs`); a handful per process, never removed.
    channels: HashMap<String, tokio::sync::broadcast::Sender<String>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The broadcast channel `name`, created on first use.
    pub(super) fn channel(&self, name: &str) -> tokio::sync::broadcast::Sender<String> {
        self.lock()
            .channels
            .entry(name.to_owned())
            .or_insert_with(|| tokio::sync::broadcast::channel(super::broadcast::MEMORY_BACKLOG).0)
            .clone()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the counters consistent (each update is one
        // assignment), so a poisoned lock is safe to keep using.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(super) fn hit(&self, key: &str, window: Duration) -> WindowCount {
        let now = Instant::now();
        let mut inner = self.lock();
        if inner.counters.len() > 100_000 {
            inner.counters.retain(|_, (_, expires)| *expires > now);
        }
        let entry = inner
            .counters
            .entry(key.to_owned())
            .or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        WindowCount {
            count: entry.0,
            resets_in: entry.1 - now,
        }
    }

    pub(super) fn set_marker(&self, key: &str, value: i64, ttl: Duration) {
        let now = Instant::now();
        let mut inner = self.lock();
        if inner.markers.len() > 100_000 {
            inner.markers.retain(|_, (_, expires)| *expires > now);
        }
        inner.markers.insert(key.to_owned(), (value, now + ttl));
    }

    pub(super) fn markers(&self, keys: &[String]) -> Vec<Option<i64>> {
        let now = Instant::now();
        let inner = self.lock();
        keys.iter()
            .map(|k| {
                inner
                    .markers
                    .get(k)
                    .filter(|(_, expires)| *expires > now)
                    .map(|(v, _)| *v)
            })
            .collect()
    }

    pub(super) fn peek(&self, key: &str) -> WindowCount {
        let now = Instant::now();
        match self.lock().counters.get(key) {
            Some((count, expires)) if *expires > now => WindowCount {
                count: *count,
                resets_in: *expires - now,
            },
            _ => WindowCount {
                count: 0,
                resets_in: Duration::ZERO,
            },
        }
    }

    pub(super) fn reset(&self, key: &str) {
        let mut inner = self.lock();
        inner.counters.remove(key);
        inner.markers.remove(key);
    }

    pub(super) fn take_lease(&self, key: &str, token: &str, ttl: Duration) -> bool {
        let now = Instant::now();
        let mut inner = self.lock();
        if let Some((holder, expires)) = inner.leases.get_mut(key)
            && *expires > now
        {
            if holder != token {
                return false;
            }
            *expires = now + ttl;
            return true;
        }
        inner
            .leases
            .insert(key.to_owned(), (token.to_owned(), now + ttl));
        true
    }

    pub(super) fn release_lease(&self, key: &str, token: &str) {
        let mut inner = self.lock();
        if inner
            .leases
            .get(key)
            .is_some_and(|(holder, _)| holder == token)
        {
            inner.leases.remove(key);
        }
    }
}
