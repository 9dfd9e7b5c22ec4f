//! Reads of single keys asked at about the same moment, made as one read of them all.
//!
//! In a round's first seconds every member's first request asks who they are (`app::callers`),
//! a few hundred a second, and each was a statement of its own that queued for a connection
//! behind the starts; the board readers' first polls waited behind them (#16). Asked through
//! [`Coalesced`], the keys that arrive while reads are running go together in the next one.
//!
//! # Implementation notes
//! No key waits for a timer: one asked while fewer than [`FLIGHTS`] reads run is read at once
//! (alone, if nobody else asks), so a lone request pays nothing. Keys asked while they all run
//! wait for the first to end and go together in its next read, at most [`MOST_KEYS`] a read.
//! So the reads follow one another as fast as the database answers them, each carrying what
//! arrived meanwhile.
//!
//! A read runs in a task of its own: a request dropped half-way leaves the others' keys read.
//! A read that fails, or panics, answers each of its keys [`Got::Failed`], and each caller then
//! reads its key alone, so that each is told its own error.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::FutureExt;
use tokio::sync::oneshot;

/// Most reads running at once.
pub const FLIGHTS: usize = 2;

/// Most keys in one read (an `IN` list of this many parameters).
pub const MOST_KEYS: usize = 256;

/// What a caller got for its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Got<V> {
    /// The key's value.
    Found(V),
    /// The read found nothing for the key.
    Missing,
    /// The read failed: read the key alone.
    Failed,
}

/// The keys waiting for a read, and how many reads run.
struct Waiting<K, V> {
    keys: HashMap<K, Vec<oneshot::Sender<Got<V>>>>,
    flights: usize,
}

/// Reads of keys of type `K`, coalesced.
pub struct Coalesced<K, V> {
    waiting: Arc<Mutex<Waiting<K, V>>>,
}

impl<K, V> Default for Coalesced<K, V> {
    fn default() -> Self {
        Self {
            waiting: Arc::new(Mutex::new(Waiting {
                keys: HashMap::new(),
                flights: 0,
            })),
        }
    }
}

impl<K, V> Clone for Coalesced<K, V> {
    fn clone(&self) -> Self {
        Self {
            waiting: Arc::clone(&self.waiting),
        }
    }
}

impl<K, V> Coalesced<K, V>
where
    K: Eq + Hash + Copy + Send + 'static,
    V: Clone + Send + 'static,
{
    /// `key`'s value, read with the other keys asked meanwhile. `read` reads a list of keys
    /// (the values it finds, by key); it is used if this call starts a read, and every caller
    /// must pass an equivalent one.
    pub async fn get<F, Fut, E>(&self, key: K, read: F) -> Got<V>
    where
        F: Fn(Vec<K>) -> Fut + Send + 'static,
        Fut: Future<Output = Result<HashMap<K, V>, E>> + Send + 'static,
        E: std::fmt::Display + 'static,
    {
        let (sender, answer) = oneshot::channel();
        let starts = {
            let mut waiting = lock(&self.waiting);
            waiting.keys.entry(key).or_default().push(sender);
            let starts = waiting.flights < FLIGHTS;
            if starts {
                waiting.flights += 1;
            }
            starts
        };
        if starts {
            tokio::spawn(fly(Arc::clone(&self.waiting), read));
        }
        // A sender dropped unanswered (its read's task torn down) counts as a failed read.
        answer.await.unwrap_or(Got::Failed)
    }
}

/// Reads what is waiting, batch after batch, until nothing is.
async fn fly<K, V, F, Fut, E>(waiting: Arc<Mutex<Waiting<K, V>>>, read: F)
where
    K: Eq + Hash + Copy,
    V: Clone,
    F: Fn(Vec<K>) -> Fut,
    Fut: Future<Output = Result<HashMap<K, V>, E>>,
    E: std::fmt::Display,
{
    loop {
        let batch: Vec<(K, Vec<oneshot::Sender<Got<V>>>)> = {
            let mut waiting = lock(&waiting);
            if waiting.keys.is_empty() {
                waiting.flights -= 1;
                return;
            }
            let keys: Vec<K> = waiting.keys.keys().take(MOST_KEYS).copied().collect();
            keys.into_iter()
                .filter_map(|k| waiting.keys.remove_entry(&k))
                .collect()
        };
        let keys = batch.iter().map(|(k, _)| *k).collect();
        let found = match AssertUnwindSafe(read(keys)).catch_unwind().await {
            Ok(Ok(found)) => Some(found),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, keys = batch.len(), "a coalesced read failed; each key is read alone");
                None
            }
            Err(_) => {
                tracing::error!(
                    keys = batch.len(),
                    "a coalesced read panicked; each key is read alone"
                );
                None
            }
        };
        for (key, senders) in batch {
            let got = match &found {
                Some(found) => found.get(&key).cloned().map_or(Got::Missing, Got::Found),
                None => Got::Failed,
            };
            for sender in senders {
                // A caller that went away no longer wants its answer.
                let _ = sender.send(got.clone());
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Each operation is an insert or a removal: a poisoned map is still whole.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use tokio::sync::Semaphore;

    use super::*;

    /// What [`doubling`] returns.
    type Reading =
        std::pin::Pin<Box<dyn Future<Output = Result<HashMap<u32, u32>, String>> + Send>>;

    /// A read that answers every even key with its double, after `gate` lets it through, and
    /// records the keys of each read.
    fn doubling(
        gate: &Arc<Semaphore>,
        reads: &Arc<Mutex<Vec<Vec<u32>>>>,
    ) -> impl Fn(Vec<u32>) -> Reading + Send + 'static {
        let (gate, reads) = (Arc::clone(gate), Arc::clone(reads));
        move |keys: Vec<u32>| {
            let (gate, reads) = (Arc::clone(&gate), Arc::clone(&reads));
            Box::pin(async move {
                let _pass = gate.acquire().await.map_err(|e| e.to_string())?;
                let mut sorted = keys.clone();
                sorted.sort_unstable();
                lock(&reads).push(sorted);
                Ok(keys
                    .into_iter()
                    .filter(|k| k % 2 == 0)
                    .map(|k| (k, k * 2))
                    .collect())
            })
        }
    }

    #[tokio::test]
    async fn a_lone_key_is_read_at_once() {
        let reads = Arc::default();
        let gate = Arc::new(Semaphore::new(100));
        let c: Coalesced<u32, u32> = Coalesced::default();
        assert_eq!(c.get(4, doubling(&gate, &reads)).await, Got::Found(8));
        assert_eq!(c.get(3, doubling(&gate, &reads)).await, Got::Missing);
        assert_eq!(*lock(&reads), vec![vec![4], vec![3]]);
    }

    #[tokio::test]
    async fn keys_asked_while_the_reads_run_go_together_in_the_next() {
        let reads = Arc::default();
        // Shut: the first reads wait until the others are asked.
        let gate = Arc::new(Semaphore::new(0));
        let c: Coalesced<u32, u32> = Coalesced::default();
        let mut asked = Vec::new();
        for key in 0..10u32 {
            let (c, read) = (c.clone(), doubling(&gate, &reads));
            asked.push(tokio::spawn(async move { c.get(key, read).await }));
            // Each is waiting before the next is asked.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        gate.add_permits(100);
        for (key, asked) in (0..10u32).zip(asked) {
            let want = if key % 2 == 0 {
                Got::Found(key * 2)
            } else {
                Got::Missing
            };
            assert_eq!(asked.await.expect("answered"), want);
        }
        let reads = lock(&reads).clone();
        assert_eq!(
            reads.len(),
            3,
            "two reads alone, then the rest together: {reads:?}"
        );
        assert_eq!(reads.iter().map(Vec::len).sum::<usize>(), 10);
        assert!(reads.contains(&(2..10).collect::<Vec<_>>()), "{reads:?}");
    }

    #[tokio::test]
    async fn a_key_asked_twice_at_once_is_read_once() {
        let reads = Arc::default();
        let gate = Arc::new(Semaphore::new(0));
        let c: Coalesced<u32, u32> = Coalesced::default();
        let mut asked = Vec::new();
        for key in [1, 2, 3, 6, 6, 6] {
            let (c, read) = (c.clone(), doubling(&gate, &reads));
            asked.push(tokio::spawn(async move { c.get(key, read).await }));
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        gate.add_permits(100);
        for asked in asked.into_iter().skip(3) {
            assert_eq!(asked.await.expect("answered"), Got::Found(12));
        }
        let reads = lock(&reads).clone();
        assert_eq!(reads.len(), 3, "{reads:?}");
        assert!(reads.contains(&vec![3, 6]), "{reads:?}");
    }

    #[tokio::test]
    async fn a_failed_or_panicking_read_tells_its_keys_to_read_alone_and_the_next_reads_go_on() {
        let c: Coalesced<u32, u32> = Coalesced::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let failing = |panics: bool| {
            let calls = Arc::clone(&calls);
            move |_keys: Vec<u32>| {
                calls.fetch_add(1, Ordering::SeqCst);
                async move {
                    assert!(!panics, "a read that panics");
                    Err::<HashMap<u32, u32>, _>("the database is away")
                }
            }
        };
        assert_eq!(c.get(1, failing(false)).await, Got::Failed);
        assert_eq!(c.get(2, failing(true)).await, Got::Failed);
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        // Neither left a read counted as running.
        let reads = Arc::default();
        let gate = Arc::new(Semaphore::new(100));
        for key in [2, 4, 6] {
            assert_eq!(
                c.get(key, doubling(&gate, &reads)).await,
                Got::Found(key * 2)
            );
        }
        assert_eq!(lock(&c.waiting).flights, 0);
    }
}
