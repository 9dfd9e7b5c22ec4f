//! Values kept for a maximum age, keyed, shared by every request: the mechanism under the
//! catalog (rounds, contests, pools) and the unit directory (the whole tree, one key).
//!
//! # Implementation notes
//! A value loaded while its entry was forgotten is returned to its caller but not kept, since
//! it may have been read before the change. The map is pruned of stale entries when it grows,
//! so the memory is bounded by the keys read within the maximum age.
//!
//! An entry that merely grew old (nothing forgot it) is read again by one caller while the
//! others go on with the old value, for at most another maximum age: in a storm, expiry made
//! every reader of a round (and every start drawing from its pool) read the database at the
//! same moment, queueing behind the starts for a connection (#16). A forgotten entry is never
//! served: after an edit, everyone waits for the new value.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Entries kept before stale ones are pruned.
const PRUNE_AT: usize = 1_000;

/// The kept values.
pub struct Ttl<K, V> {
    max_age: Duration,
    state: Mutex<TtlState<K, V>>,
}

struct TtlState<K, V> {
    entries: HashMap<K, Held<V>>,
    /// Counts the forgets: a value loaded across one is not kept, because it may have been
    /// read before the change that the forget announced.
    generation: u64,
}

/// A value, when it was loaded, and whether a caller is reading it again.
struct Held<V> {
    at: Instant,
    value: Arc<V>,
    refreshing: bool,
}

/// What a caller found for its key.
enum Found<V> {
    /// A value to serve as it is.
    Serve(Arc<V>),
    /// Nothing to serve: load; `claimed` when this caller refreshes an old entry for the others.
    Load { generation: u64, claimed: bool },
}

/// Hands an old entry's refresh back when its caller is done, loaded or not (an error, or a
/// request dropped half-way), so that the next caller takes it up.
struct Claim<'a, K: Eq + Hash + Copy, V> {
    ttl: &'a Ttl<K, V>,
    key: K,
}

impl<K: Eq + Hash + Copy, V> Drop for Claim<'_, K, V> {
    fn drop(&mut self) {
        if let Some(held) = self.ttl.lock().entries.get_mut(&self.key) {
            held.refreshing = false;
        }
    }
}

impl<K: Eq + Hash + Copy, V> Ttl<K, V> {
    /// An empty map whose entries serve for `max_age`.
    pub fn new(max_age: Duration) -> Self {
        Self {
            max_age,
            state: Mutex::new(TtlState {
                entries: HashMap::new(),
                generation: 0,
            }),
        }
    }

    /// The longest an entry serves, while one caller reads it again included.
    pub fn longest_served(&self) -> Duration {
        self.max_age.saturating_mul(2)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TtlState<K, V>> {
        // Each operation is a single insert, lookup or removal: a poisoned map is still whole.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The entry for `key` younger than the maximum age, or `load`'s value, kept unless
    /// something was forgotten meanwhile. An entry past its age is refreshed by one caller
    /// while the others are served the old value, up to twice the age; concurrent callers
    /// that find nothing to serve each load, and the last one stays.
    pub async fn get_or_load<E, Fut>(&self, key: K, load: impl FnOnce() -> Fut) -> Result<Arc<V>, E>
    where
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        let (generation, claimed) = match self.find(key) {
            Found::Serve(value) => return Ok(value),
            Found::Load {
                generation,
                claimed,
            } => (generation, claimed),
        };
        let _claim = claimed.then_some(Claim { ttl: self, key });
        let value = Arc::new(load().await?);
        self.keep(key, generation, &value);
        Ok(value)
    }

    /// Keeps a loaded value, unless something was forgotten since `generation`.
    fn keep(&self, key: K, generation: u64, value: &Arc<V>) {
        let mut state = self.lock();
        if state.generation == generation {
            if state.entries.len() >= PRUNE_AT {
                let max_age = self.max_age;
                state.entries.retain(|_, held| held.at.elapsed() < max_age);
            }
            state.entries.insert(
                key,
                Held {
                    at: Instant::now(),
                    value: Arc::clone(value),
                    refreshing: false,
                },
            );
        }
    }

    fn find(&self, key: K) -> Found<V> {
        let mut state = self.lock();
        let generation = state.generation;
        let Some(held) = state.entries.get_mut(&key) else {
            return Found::Load {
                generation,
                claimed: false,
            };
        };
        let age = held.at.elapsed();
        if age < self.max_age {
            return Found::Serve(Arc::clone(&held.value));
        }
        if age >= self.max_age.saturating_mul(2) {
            return Found::Load {
                generation,
                claimed: false,
            };
        }
        if held.refreshing {
            return Found::Serve(Arc::clone(&held.value));
        }
        held.refreshing = true;
        Found::Load {
            generation,
            claimed: true,
        }
    }

    /// Drops the entries whose key `drop` names (after a change to what they hold).
    pub fn forget_where(&self, drop: impl Fn(&K) -> bool) {
        let mut state = self.lock();
        state.generation += 1;
        state.entries.retain(|k, _| !drop(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_loaded_across_a_forget_is_served_once_but_not_kept() {
        let ttl: Ttl<u8, &str> = Ttl::new(Duration::from_secs(60));
        let (loading_tx, loading_rx) = tokio::sync::oneshot::channel::<()>();
        let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
        let stale = async {
            ttl.get_or_load(1, || async {
                let _ = loading_tx.send(());
                let _ = go_rx.await;
                Ok::<_, ()>("read before the change")
            })
            .await
        };
        let change = async {
            let _ = loading_rx.await;
            ttl.forget_where(|k| *k == 1);
            let _ = go_tx.send(());
        };
        let (stale, ()) = tokio::join!(stale, change);
        assert_eq!(*stale.expect("loaded"), "read before the change");
        let next = ttl
            .get_or_load(1, || async { Ok::<_, ()>("read after the change") })
            .await
            .expect("loaded");
        assert_eq!(*next, "read after the change");
        // And that one is kept.
        let kept = ttl
            .get_or_load(1, || async { Ok::<_, ()>("read again") })
            .await
            .expect("kept");
        assert_eq!(*kept, "read after the change");
    }

    /// Runs `during` once a caller of `ttl` has taken up the refresh of key 1 and while its
    /// read (answering "new") is held; returns that caller's value and `during`'s.
    async fn while_refreshing<T>(
        ttl: &Ttl<u8, &'static str>,
        during: impl std::future::Future<Output = T>,
    ) -> (Result<Arc<&'static str>, ()>, T) {
        let (loading_tx, loading_rx) = tokio::sync::oneshot::channel::<()>();
        let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
        let refresher = ttl.get_or_load(1, || async {
            let _ = loading_tx.send(());
            let _ = go_rx.await;
            Ok::<_, ()>("new")
        });
        let others = async {
            let _ = loading_rx.await;
            let out = during.await;
            let _ = go_tx.send(());
            out
        };
        tokio::join!(refresher, others)
    }

    /// A map of entries aged `age_ms`, holding "old" at 1 loaded `wait_ms` ago.
    async fn aged(age_ms: u64, wait_ms: u64) -> Ttl<u8, &'static str> {
        let ttl = Ttl::new(Duration::from_millis(age_ms));
        ttl.get_or_load(1, || async { Ok::<_, ()>("old") })
            .await
            .expect("loaded");
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        ttl
    }

    #[tokio::test]
    async fn an_old_entry_is_refreshed_by_one_caller_while_the_others_are_served_it() {
        let ttl = aged(500, 600).await;
        let other = ttl.get_or_load(1, || async { Ok::<_, ()>("loaded by another") });
        let (refreshed, other) = while_refreshing(&ttl, other).await;
        assert_eq!(*refreshed.expect("refreshed"), "new");
        assert_eq!(*other.expect("served"), "old");
        let kept = ttl.get_or_load(1, || async { Ok::<_, ()>("again") }).await;
        assert_eq!(*kept.expect("kept"), "new");
    }

    #[tokio::test]
    async fn a_refresh_that_fails_is_taken_up_by_the_next_caller() {
        let ttl = aged(500, 600).await;
        let failed = ttl
            .get_or_load(1, || async { Err::<&str, _>("down") })
            .await;
        assert_eq!(failed.expect_err("failed"), "down");
        let next = ttl.get_or_load(1, || async { Ok::<_, &str>("new") }).await;
        assert_eq!(*next.expect("refreshed"), "new");
    }

    #[tokio::test]
    async fn an_entry_past_twice_its_age_is_not_served_even_while_refreshed() {
        let ttl = aged(200, 250).await;
        let later = async {
            tokio::time::sleep(Duration::from_millis(200)).await;
            ttl.get_or_load(1, || async { Ok::<_, ()>("own") }).await
        };
        let (_, later) = while_refreshing(&ttl, later).await;
        assert_eq!(*later.expect("loaded"), "own");
    }

    #[tokio::test]
    async fn a_forgotten_entry_is_never_served_while_refreshed() {
        let ttl: Ttl<u8, &str> = Ttl::new(Duration::from_secs(60));
        ttl.get_or_load(1, || async { Ok::<_, ()>("before the edit") })
            .await
            .expect("loaded");
        ttl.forget_where(|k| *k == 1);
        let next = ttl
            .get_or_load(1, || async { Ok::<_, ()>("after the edit") })
            .await;
        assert_eq!(*next.expect("loaded"), "after the edit");
    }

    #[tokio::test]
    async fn an_entry_serves_for_its_maximum_age_only() {
        let ttl: Ttl<u8, u32> = Ttl::new(Duration::from_millis(20));
        let first = ttl.get_or_load(1, || async { Ok::<_, ()>(1) }).await;
        assert_eq!(*first.expect("loaded"), 1);
        let kept = ttl.get_or_load(1, || async { Ok::<_, ()>(2) }).await;
        assert_eq!(*kept.expect("kept"), 1);
        tokio::time::sleep(Duration::from_millis(30)).await;
        let reloaded = ttl.get_or_load(1, || async { Ok::<_, ()>(3) }).await;
        assert_eq!(*reloaded.expect("reloaded"), 3);
    }
}
