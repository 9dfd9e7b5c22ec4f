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
//!
//! A key with nothing to serve (never read, forgotten, or past twice its age) is read by one
//! caller while the others wait for its value: an edit forgets a round and its pool, and every
//! start of that second would otherwise read both again until one of them was kept. A waiter whose reader failed, or was dropped half-way, or whose
//! value was not kept (a forget since), looks again and reads itself if nobody else does. A
//! read that began before a forget is never waited for.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// Entries kept before stale ones are pruned.
const PRUNE_AT: usize = 1_000;

/// The kept values.
pub struct Ttl<K, V> {
    max_age: Duration,
    state: Mutex<TtlState<K, V>>,
}

struct TtlState<K, V> {
    entries: HashMap<K, Held<V>>,
    /// Reads of keys with nothing to serve, in progress: the other callers wait for them.
    reading: HashMap<K, Reading>,
    /// Numbers the reads, so that a reader removes its own entry only.
    reads: u64,
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

/// A read in progress of a key with nothing to serve.
struct Reading {
    /// The forgets counted when it began: a later forget makes it one nobody waits for.
    generation: u64,
    id: u64,
    /// Changes (its sender is dropped) when the read ends, kept or not.
    done: watch::Receiver<()>,
}

/// What a caller found for its key.
enum Found<V> {
    /// A value to serve as it is.
    Serve(Arc<V>),
    /// An old entry to read again for the others, who are served it meanwhile.
    Refresh { generation: u64 },
    /// Nothing to serve, and this caller reads it for everyone.
    Read {
        generation: u64,
        id: u64,
        done: watch::Sender<()>,
    },
    /// Nothing to serve, and another caller is reading it: wait, then look again.
    Wait(watch::Receiver<()>),
}

/// Ends a read of a key with nothing to serve when its caller is done, loaded or not (an
/// error, or a request dropped half-way): its entry goes, then its waiters wake and look again.
struct Read<'a, K: Eq + Hash + Copy, V> {
    ttl: &'a Ttl<K, V>,
    key: K,
    id: u64,
    _done: watch::Sender<()>,
}

impl<K: Eq + Hash + Copy, V> Drop for Read<'_, K, V> {
    fn drop(&mut self) {
        let mut state = self.ttl.lock();
        if state
            .reading
            .get(&self.key)
            .is_some_and(|r| r.id == self.id)
        {
            state.reading.remove(&self.key);
        }
        // `_done` is dropped after this body: the waiters find the entry gone.
    }
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
                reading: HashMap::new(),
                reads: 0,
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
    /// while the others are served the old value, up to twice the age; of the callers that
    /// find nothing to serve, one loads while the others wait for its value.
    pub async fn get_or_load<E, Fut>(&self, key: K, load: impl FnOnce() -> Fut) -> Result<Arc<V>, E>
    where
        Fut: std::future::Future<Output = Result<V, E>>,
    {
        // Whichever this caller takes up, held until its load ends, loaded or not.
        let _claim: Claim<'_, K, V>;
        let _read: Read<'_, K, V>;
        let generation = loop {
            match self.find(key) {
                Found::Serve(value) => return Ok(value),
                Found::Wait(mut done) => {
                    // Returns once the read ends, however it ends; then look again.
                    let _ = done.changed().await;
                }
                Found::Refresh { generation } => {
                    _claim = Claim { ttl: self, key };
                    break generation;
                }
                Found::Read {
                    generation,
                    id,
                    done,
                } => {
                    _read = Read {
                        ttl: self,
                        key,
                        id,
                        _done: done,
                    };
                    break generation;
                }
            }
        };
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
        if let Some(held) = state.entries.get_mut(&key) {
            let age = held.at.elapsed();
            if age < self.max_age {
                return Found::Serve(Arc::clone(&held.value));
            }
            if age < self.max_age.saturating_mul(2) {
                if held.refreshing {
                    return Found::Serve(Arc::clone(&held.value));
                }
                held.refreshing = true;
                return Found::Refresh { generation };
            }
        }
        // Nothing to serve: wait for a read begun since the last forget, or read.
        if let Some(reading) = state.reading.get(&key)
            && reading.generation == generation
        {
            return Found::Wait(reading.done.clone());
        }
        let (done, waited) = watch::channel(());
        let id = state.reads;
        state.reads += 1;
        state.reading.insert(
            key,
            Reading {
                generation,
                id,
                done: waited,
            },
        );
        Found::Read {
            generation,
            id,
            done,
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

    /// Starts `n` callers of key 1 once a first one is reading it (its read held until they
    /// have all asked); returns every value served and how many reads ran.
    async fn crowd(
        ttl: &Ttl<u8, u32>,
        n: u32,
        first: Result<u32, ()>,
    ) -> (Vec<Result<u32, ()>>, u32) {
        let reads = std::sync::atomic::AtomicU32::new(0);
        let (reading_tx, reading_rx) = tokio::sync::oneshot::channel::<()>();
        let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
        let leader = ttl.get_or_load(1, || async {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = reading_tx.send(());
            let _ = go_rx.await;
            first
        });
        let others = async {
            let _ = reading_rx.await;
            let asked = (0..n).map(|i| {
                let reads = &reads;
                ttl.get_or_load(1, move || async move {
                    reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    Ok::<_, ()>(100 + i)
                })
            });
            let asked = futures_util::future::join_all(asked);
            // Let every caller reach its wait before the first read ends.
            let release = async {
                for _ in 0..10 {
                    tokio::task::yield_now().await;
                }
                let _ = go_tx.send(());
            };
            tokio::join!(asked, release).0
        };
        let (leader, others) = tokio::join!(leader, others);
        let mut served: Vec<Result<u32, ()>> = vec![leader.map(|v| *v)];
        served.extend(others.into_iter().map(|r| r.map(|v| *v)));
        (served, reads.load(std::sync::atomic::Ordering::SeqCst))
    }

    #[tokio::test]
    async fn callers_that_find_nothing_wait_for_one_read() {
        let ttl: Ttl<u8, u32> = Ttl::new(Duration::from_secs(60));
        let (served, reads) = crowd(&ttl, 50, Ok(7)).await;
        assert_eq!(reads, 1, "one read for 51 callers");
        assert!(served.iter().all(|v| *v == Ok(7)), "{served:?}");
        assert!(ttl.lock().reading.is_empty(), "the read's entry is gone");
    }

    #[tokio::test]
    async fn when_the_one_read_fails_a_waiter_reads_for_the_rest() {
        let ttl: Ttl<u8, u32> = Ttl::new(Duration::from_secs(60));
        let (served, reads) = crowd(&ttl, 50, Err(())).await;
        assert_eq!(served[0], Err(()), "the failed read's own caller is told");
        assert_eq!(reads, 2, "one waiter read again; the others waited for it");
        let again = served[1];
        assert!(again.is_ok_and(|v| v >= 100));
        assert!(served[1..].iter().all(|v| *v == again), "{served:?}");
    }

    #[tokio::test]
    async fn a_read_begun_before_a_forget_is_not_waited_for() {
        let ttl: Ttl<u8, &str> = Ttl::new(Duration::from_secs(60));
        let (reading_tx, reading_rx) = tokio::sync::oneshot::channel::<()>();
        let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
        let stale = ttl.get_or_load(1, || async {
            let _ = reading_tx.send(());
            let _ = go_rx.await;
            Ok::<_, ()>("read before the change")
        });
        let after = async {
            let _ = reading_rx.await;
            ttl.forget_where(|k| *k == 1);
            // Served at once by a read of its own, while the earlier read is still held.
            let fresh = ttl
                .get_or_load(1, || async { Ok::<_, ()>("read after the change") })
                .await;
            let _ = go_tx.send(());
            fresh
        };
        let (stale, fresh) = tokio::join!(stale, after);
        assert_eq!(*stale.expect("served"), "read before the change");
        assert_eq!(*fresh.expect("served"), "read after the change");
        let kept = ttl.get_or_load(1, || async { Ok::<_, ()>("unused") }).await;
        assert_eq!(*kept.expect("kept"), "read after the change");
    }

    #[tokio::test]
    async fn a_read_dropped_half_way_hands_over_to_a_waiter() {
        let ttl: Ttl<u8, &str> = Ttl::new(Duration::from_secs(60));
        let (reading_tx, reading_rx) = tokio::sync::oneshot::channel::<()>();
        let abandoned = ttl.get_or_load(1, || async {
            let _ = reading_tx.send(());
            std::future::pending::<Result<&str, ()>>().await
        });
        let waiter = async {
            let _ = reading_rx.await;
            ttl.get_or_load(1, || async { Ok::<_, ()>("read by the waiter") })
                .await
        };
        // The abandoned read loses the race against a short timer: dropped half-way.
        let waited = async {
            let (_, waited) = tokio::join!(
                tokio::time::timeout(Duration::from_millis(50), abandoned),
                waiter
            );
            waited
        };
        let waited = tokio::time::timeout(Duration::from_secs(5), waited)
            .await
            .expect("the waiter was woken");
        assert_eq!(*waited.expect("served"), "read by the waiter");
    }
}
