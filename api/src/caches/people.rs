//! Who a signed-in person is, as far as deciding who may see a board, start an attempt or list
//! contests needs (`app::callers`): their unit and their grants, kept in memory so that those
//! requests ask the database nothing about the caller.
//!
//! A member polls their unit's board and their own place every few seconds, through a whole
//! contest. Each poll read their grants and their unit from the database; during a storm of
//! starts the pool's connections are taken by the starts, and those reads queued behind them
//! for hundreds of milliseconds (#16).
//!
//! # Implementation notes
//! An entry serves for its maximum age ([`MAX_AGE`] unless configured). Past it, the next
//! read is still served the entry while the entry is read again in the background, so a
//! member who keeps polling never waits for the database; past [`STALE_LIMIT`] times the age
//! it is read again before it is served. This server's own changes to a person's unit or
//! grants drop the entry at once (`forget`), and reach the other servers through
//! `coherence`'s broadcast; a change the broadcast cannot carry (or one made by the command
//! line, which runs outside every server) is seen within the stale limit.
//!
//! A value read while the entry was forgotten is returned to its caller but not kept, as in
//! the catalog. The map holds at most [`CAPACITY`] people: when full, entries past the stale
//! limit are dropped, and if that is not enough, all of them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::domain::ids::{UnitId, UserId};
use crate::domain::role::Grant;

/// How long an entry serves before it is read again, unless configured otherwise
/// (`DAUTRI_CACHE__PEOPLE_SECONDS`).
pub const MAX_AGE: Duration = Duration::from_secs(10);

/// How many maximum ages an entry may be served while it is read again in the background.
pub const STALE_LIMIT: u32 = 6;

/// Most people kept (a few hundred bytes each).
pub const CAPACITY: usize = 100_000;

/// What the visibility checks need of a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Their unit.
    pub unit_id: UnitId,
    /// Their grants.
    pub grants: Vec<Grant>,
}

struct Entry {
    at: Instant,
    person: Arc<Person>,
    refreshing: bool,
}

#[derive(Default)]
struct Held {
    entries: HashMap<UserId, Entry>,
    /// Counts the forgets: a value read across one is not kept.
    generation: u64,
}

/// What a read found.
enum Found {
    Fresh(Arc<Person>),
    /// Served, and read again in the background by this caller.
    Refresh(Arc<Person>, u64),
    /// Read before serving.
    Load(u64),
}

/// The shared cache.
#[derive(Clone)]
pub struct People {
    max_age: Duration,
    held: Arc<Mutex<Held>>,
}

impl Default for People {
    fn default() -> Self {
        Self::new(MAX_AGE)
    }
}

impl People {
    /// An empty cache whose entries serve for `max_age`.
    pub fn new(max_age: Duration) -> Self {
        Self {
            max_age,
            held: Arc::default(),
        }
    }

    /// The person `id`, from memory or read by `load`. `load` runs either before this returns
    /// (nothing kept, or too old to serve) or in the background (an entry past its age).
    ///
    /// # Errors
    /// `load`'s, when the person had to be read before serving.
    pub async fn get<E, F, Fut>(&self, id: UserId, load: F) -> Result<Arc<Person>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Person, E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
    {
        match self.find(id) {
            Found::Fresh(person) => Ok(person),
            Found::Refresh(person, generation) => {
                let cache = self.clone();
                let read = load();
                tokio::spawn(async move {
                    match read.await {
                        Ok(fresh) => cache.keep(id, generation, Arc::new(fresh)),
                        Err(e) => {
                            tracing::warn!(error = %e, "could not read a person again; the next read tries again");
                            cache.release(id);
                        }
                    }
                });
                Ok(person)
            }
            Found::Load(generation) => {
                let person = Arc::new(load().await?);
                self.keep(id, generation, Arc::clone(&person));
                Ok(person)
            }
        }
    }

    /// Drops a person after a change to their unit or grants.
    pub fn forget(&self, id: UserId) {
        let mut held = self.lock();
        held.generation += 1;
        held.entries.remove(&id);
    }

    /// Drops everyone (after a gap in the broadcast, any of it may be stale).
    pub fn forget_everyone(&self) {
        let mut held = self.lock();
        held.generation += 1;
        held.entries.clear();
    }

    fn find(&self, id: UserId) -> Found {
        let mut held = self.lock();
        let generation = held.generation;
        let Some(entry) = held.entries.get_mut(&id) else {
            return Found::Load(generation);
        };
        let age = entry.at.elapsed();
        if age < self.max_age {
            return Found::Fresh(Arc::clone(&entry.person));
        }
        if age >= self.max_age.saturating_mul(STALE_LIMIT) {
            return Found::Load(generation);
        }
        if entry.refreshing {
            return Found::Fresh(Arc::clone(&entry.person));
        }
        entry.refreshing = true;
        Found::Refresh(Arc::clone(&entry.person), generation)
    }

    fn keep(&self, id: UserId, generation: u64, person: Arc<Person>) {
        let mut held = self.lock();
        if held.generation != generation {
            return;
        }
        if held.entries.len() >= CAPACITY && !held.entries.contains_key(&id) {
            let limit = self.max_age.saturating_mul(STALE_LIMIT);
            held.entries.retain(|_, e| e.at.elapsed() < limit);
            if held.entries.len() >= CAPACITY {
                held.entries.clear();
            }
        }
        held.entries.insert(
            id,
            Entry {
                at: Instant::now(),
                person,
                refreshing: false,
            },
        );
    }

    /// Hands a failed background read back, so that the next read starts another.
    fn release(&self, id: UserId) {
        if let Some(entry) = self.lock().entries.get_mut(&id) {
            entry.refreshing = false;
        }
    }

    fn lock(&self) -> MutexGuard<'_, Held> {
        // Each operation is a single insert, lookup or removal: a poisoned map is still whole.
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::domain::role::Role;

    fn person(unit: UnitId) -> Person {
        Person {
            unit_id: unit,
            grants: vec![],
        }
    }

    /// A loader that counts its reads and answers `unit`.
    fn reader(
        reads: &Arc<AtomicU32>,
        unit: UnitId,
    ) -> impl FnOnce() -> std::future::Ready<Result<Person, String>> + use<> {
        let reads = Arc::clone(reads);
        move || {
            reads.fetch_add(1, Ordering::SeqCst);
            std::future::ready(Ok(person(unit)))
        }
    }

    async fn until(what: &str, done: impl Fn() -> bool) {
        for _ in 0..200 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{what} never happened");
    }

    #[tokio::test]
    async fn a_person_is_read_once_while_fresh() {
        let people = People::new(Duration::from_secs(60));
        let reads = Arc::new(AtomicU32::new(0));
        let (id, unit) = (UserId::new(), UnitId::new());
        for _ in 0..3 {
            let got = people.get(id, reader(&reads, unit)).await.expect("read");
            assert_eq!(got.unit_id, unit);
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn past_its_age_a_person_is_served_and_read_again_in_the_background() {
        let people = People::new(Duration::from_millis(200));
        let reads = Arc::new(AtomicU32::new(0));
        let (id, before, after) = (UserId::new(), UnitId::new(), UnitId::new());
        people.get(id, reader(&reads, before)).await.expect("read");
        tokio::time::sleep(Duration::from_millis(250)).await;
        let served = people.get(id, reader(&reads, after)).await.expect("served");
        assert_eq!(served.unit_id, before, "the old entry is served at once");
        until("the background read", || reads.load(Ordering::SeqCst) == 2).await;
        until("the new entry", || people.find(id).is_fresh_with(after)).await;
        let now = people
            .get(id, reader(&reads, before))
            .await
            .expect("served");
        assert_eq!(now.unit_id, after);
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_background_read_is_tried_again_by_the_next_read() {
        let people = People::new(Duration::from_millis(200));
        let reads = Arc::new(AtomicU32::new(0));
        let (id, unit) = (UserId::new(), UnitId::new());
        people.get(id, reader(&reads, unit)).await.expect("read");
        tokio::time::sleep(Duration::from_millis(250)).await;
        let failed = || std::future::ready(Err::<Person, _>("down".to_owned()));
        people
            .get(id, failed)
            .await
            .expect("the old entry is served");
        until("the failure handed back", || {
            !people.lock().entries.get(&id).is_some_and(|e| e.refreshing)
        })
        .await;
        people.get(id, reader(&reads, unit)).await.expect("served");
        until("the second background read", || {
            reads.load(Ordering::SeqCst) == 2
        })
        .await;
    }

    #[tokio::test]
    async fn past_the_stale_limit_a_person_is_read_before_serving() {
        let people = People::new(Duration::from_millis(20));
        let reads = Arc::new(AtomicU32::new(0));
        let (id, before, after) = (UserId::new(), UnitId::new(), UnitId::new());
        people.get(id, reader(&reads, before)).await.expect("read");
        tokio::time::sleep(Duration::from_millis(20 * u64::from(STALE_LIMIT) + 30)).await;
        let got = people.get(id, reader(&reads, after)).await.expect("read");
        assert_eq!(got.unit_id, after);
    }

    #[tokio::test]
    async fn a_forgotten_person_is_read_again_and_a_read_across_the_forget_is_not_kept() {
        let people = People::new(Duration::from_secs(60));
        let reads = Arc::new(AtomicU32::new(0));
        let (id, unit) = (UserId::new(), UnitId::new());
        let organizer = Person {
            unit_id: unit,
            grants: vec![Grant {
                role: Role::Organizer,
                unit_id: Some(unit),
            }],
        };
        people
            .get(id, || {
                std::future::ready(Ok::<_, String>(organizer.clone()))
            })
            .await
            .expect("read");
        people.forget(id);
        let (loading_tx, loading_rx) = tokio::sync::oneshot::channel::<()>();
        let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
        let across = people.get(id, move || async move {
            let _ = loading_tx.send(());
            let _ = go_rx.await;
            Ok::<_, String>(person(unit))
        });
        let forget = async {
            let _ = loading_rx.await;
            people.forget(id);
            let _ = go_tx.send(());
        };
        let (across, ()) = tokio::join!(across, forget);
        assert!(across.expect("read").grants.is_empty());
        assert!(
            people.lock().entries.is_empty(),
            "a read across a forget is not kept"
        );
        people.get(id, reader(&reads, unit)).await.expect("read");
        assert_eq!(reads.load(Ordering::SeqCst), 1);
        assert_eq!(people.lock().entries.len(), 1);
    }

    #[tokio::test]
    async fn a_full_cache_drops_what_it_cannot_serve_first() {
        let people = People::new(Duration::from_secs(60));
        let unit = UnitId::new();
        for _ in 0..CAPACITY {
            people.keep(UserId::new(), 0, Arc::new(person(unit)));
        }
        assert_eq!(people.lock().entries.len(), CAPACITY);
        people.keep(UserId::new(), 0, Arc::new(person(unit)));
        assert_eq!(
            people.lock().entries.len(),
            1,
            "nothing was past the limit: everyone was dropped"
        );
    }

    impl Found {
        fn is_fresh_with(&self, unit: UnitId) -> bool {
            matches!(self, Self::Fresh(p) if p.unit_id == unit)
        }
    }
}
