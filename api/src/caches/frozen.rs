//! Published rankings, held in memory once read.
//!
//! A published ranking never changes: publishing again writes a new one with a new
//! `published_at`. Yet every reader of it (a results page, a final board page of the whole
//! round or of a unit's subtree, "my place") needs positions over all of it, and reading a
//! million rows from the database for each request costs seconds and hundreds of megabytes. So
//! the first reader loads the ranking once and later readers share it: a page is then a slice,
//! "my place" a hash lookup, and a unit's subtree a list of row numbers built once per unit.
//!
//! # Implementation notes
//! - Keyed by what was published and when, so a republish is simply a new entry; the old one
//!   ages out. Concurrent first readers wait for one load (a `OnceCell` per entry); a failed
//!   load leaves the cell empty for the next reader to retry.
//! - Bounded by rows held ([`MAX_ROWS`]); the least recently used rankings go first, never the
//!   one just asked for.
//! - Subtrees depend on the unit tree, which can change (a branch moves): the per-unit lists
//!   are built together in one pass and kept for one shape of the tree
//!   ([`Snapshot::shape`]); a different shape builds them again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Utc};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::directory::Snapshot;
use crate::persistence::results::{FinalRow, OverallRow};

/// Rows held across all cached rankings (about 200 bytes each with the index: ~800 MB at most).
pub const MAX_ROWS: usize = 4_000_000;

/// A line of a published ranking.
pub trait Ranked: Send + Sync + 'static {
    /// Whose.
    fn user_id(&self) -> Uuid;
    /// The unit it counts for.
    fn unit_id(&self) -> Uuid;
    /// The published 1-based rank (equal for ties).
    fn rank(&self) -> i32;
    /// Whether it won a prize.
    fn has_prize(&self) -> bool;
}

impl Ranked for FinalRow {
    fn user_id(&self) -> Uuid {
        self.user_id.into_uuid()
    }
    fn unit_id(&self) -> Uuid {
        self.unit_id.into_uuid()
    }
    fn rank(&self) -> i32 {
        self.rank
    }
    fn has_prize(&self) -> bool {
        self.prize.is_some()
    }
}

impl Ranked for OverallRow {
    fn user_id(&self) -> Uuid {
        self.user_id.into_uuid()
    }
    fn unit_id(&self) -> Uuid {
        self.unit_id.into_uuid()
    }
    fn rank(&self) -> i32 {
        self.rank
    }
    fn has_prize(&self) -> bool {
        self.prize.is_some()
    }
}

/// One published ranking in rank order.
pub struct Ranking<R> {
    rows: Vec<R>,
    by_user: HashMap<Uuid, u32>,
    prized: Vec<u32>,
    subtrees: Mutex<Subtrees>,
}

/// Every unit's subtree of a ranking, for one shape of the unit tree.
#[derive(Default)]
struct Subtrees {
    shape: Option<u64>,
    lists: Arc<HashMap<Uuid, Subtree>>,
}

/// The rows of one unit's subtree: their row numbers in rank order, and their positions within
/// the subtree (1-based; tied ranks share a position).
#[derive(Default)]
struct Subtree {
    rows: Vec<u32>,
    positions: Vec<u64>,
}

impl<R: Ranked> Ranking<R> {
    /// A ranking from its rows, already in rank order.
    pub fn new(rows: Vec<R>) -> Self {
        let index = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
        let by_user = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.user_id(), index(i)))
            .collect();
        let prized = rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.has_prize())
            .map(|(i, _)| index(i))
            .collect();
        Self {
            rows,
            by_user,
            prized,
            subtrees: Mutex::default(),
        }
    }

    /// Every row, in rank order.
    pub fn rows(&self) -> &[R] {
        &self.rows
    }

    /// The rows with a prize, in rank order.
    pub fn prized(&self) -> impl Iterator<Item = &R> {
        self.prized.iter().map(|i| &self.rows[*i as usize])
    }

    /// How many rows hold a prize.
    pub fn prized_len(&self) -> usize {
        self.prized.len()
    }

    /// The whole ranking, or a unit's subtree of it (as the tree is in `units`).
    pub fn view(&self, units: &Snapshot, unit: Option<Uuid>) -> View<'_, R> {
        View {
            ranking: self,
            subtree: unit.map(|u| (self.subtrees(units), u)),
        }
    }

    /// The subtree lists for the tree in `units`, built in one pass over the rows (each row
    /// joins the list of every unit on its path) the first time this tree is seen.
    fn subtrees(&self, units: &Snapshot) -> Arc<HashMap<Uuid, Subtree>> {
        let mut memo = self
            .subtrees
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if memo.shape == Some(units.shape()) {
            return Arc::clone(&memo.lists);
        }
        let mut lists: HashMap<Uuid, Subtree> = HashMap::new();
        for (i, r) in self.rows.iter().enumerate() {
            let row = u32::try_from(i).unwrap_or(u32::MAX);
            let path = units
                .get(r.unit_id())
                .map_or(&[][..], |u| u.path.as_slice());
            for unit in path {
                let list = lists.entry(*unit).or_default();
                let tied = list
                    .rows
                    .last()
                    .is_some_and(|&prev| self.rows[prev as usize].rank() == r.rank());
                let position = match list.positions.last() {
                    Some(&p) if tied => p,
                    _ => u64::try_from(list.rows.len() + 1).unwrap_or(u64::MAX),
                };
                list.rows.push(row);
                list.positions.push(position);
            }
        }
        *memo = Subtrees {
            shape: Some(units.shape()),
            lists: Arc::new(lists),
        };
        Arc::clone(&memo.lists)
    }
}

/// The whole ranking or a subtree of it, with positions as that board shows them.
pub struct View<'a, R> {
    ranking: &'a Ranking<R>,
    subtree: Option<(Arc<HashMap<Uuid, Subtree>>, Uuid)>,
}

/// The list of a unit without results.
static NO_ROWS: Subtree = Subtree {
    rows: Vec::new(),
    positions: Vec::new(),
};

impl<R: Ranked> View<'_, R> {
    fn list(&self) -> Option<&Subtree> {
        self.subtree
            .as_ref()
            .map(|(lists, unit)| lists.get(unit).unwrap_or(&NO_ROWS))
    }

    /// Lines on this board.
    pub fn len(&self) -> usize {
        self.list()
            .map_or(self.ranking.rows.len(), |s| s.rows.len())
    }

    /// Whether the board is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lines `offset..offset + limit` with their positions on this board.
    pub fn page(&self, offset: u64, limit: u64) -> Vec<(u64, &R)> {
        let (start, end) = crate::domain::paging::page_bounds(self.len(), offset, limit);
        (start..end).map(|i| self.line(i)).collect()
    }

    /// A user's line and position on this board, if they are on it.
    pub fn place_of(&self, user: Uuid) -> Option<(u64, &R)> {
        let row = *self.ranking.by_user.get(&user)?;
        match self.list() {
            None => Some(self.line(row as usize)),
            Some(s) => s.rows.binary_search(&row).ok().map(|i| self.line(i)),
        }
    }

    fn line(&self, i: usize) -> (u64, &R) {
        match self.list() {
            None => {
                let r = &self.ranking.rows[i];
                (u64::try_from(r.rank()).unwrap_or(0), r)
            }
            Some(s) => (s.positions[i], &self.ranking.rows[s.rows[i] as usize]),
        }
    }
}

/// The published rankings of rounds and of contests overall.
#[derive(Default)]
pub struct Rankings {
    /// Rounds' final rankings.
    pub rounds: Frozen<FinalRow>,
    /// Contests' overall rankings.
    pub contests: Frozen<OverallRow>,
}

/// Which ranking: a round's or a contest's overall, as published at a time.
type Key = (Uuid, DateTime<Utc>);

struct Entry<R> {
    cell: Arc<OnceCell<Arc<Ranking<R>>>>,
    used: Instant,
}

/// A bounded cache of published rankings of one kind.
pub struct Frozen<R> {
    entries: Mutex<HashMap<Key, Entry<R>>>,
    max_rows: usize,
}

impl<R> Default for Frozen<R> {
    fn default() -> Self {
        Self {
            entries: Mutex::default(),
            max_rows: MAX_ROWS,
        }
    }
}

impl<R: Ranked> Frozen<R> {
    /// The ranking of `id` as published at `published_at`, loading it with `load` (rows in
    /// rank order) if no one has yet.
    pub async fn get<F, Fut, E>(
        &self,
        id: Uuid,
        published_at: DateTime<Utc>,
        load: F,
    ) -> Result<Arc<Ranking<R>>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<R>, E>>,
    {
        let key = (id, published_at);
        let cell = {
            let mut entries = self.lock();
            let entry = entries.entry(key).or_insert_with(|| Entry {
                cell: Arc::new(OnceCell::new()),
                used: Instant::now(),
            });
            entry.used = Instant::now();
            Arc::clone(&entry.cell)
        };
        let mut loaded = false;
        let ranking = cell
            .get_or_try_init(|| async {
                loaded = true;
                Ok(Arc::new(Ranking::new(load().await?)))
            })
            .await?
            .clone();
        if loaded {
            self.evict(key);
        }
        Ok(ranking)
    }

    /// Drops the least recently used rankings until the rows held fit, keeping `keep`.
    fn evict(&self, keep: Key) {
        let mut entries = self.lock();
        let held = |entries: &HashMap<Key, Entry<R>>| -> usize {
            entries
                .values()
                .filter_map(|e| e.cell.get().map(|r| r.rows.len()))
                .sum()
        };
        while held(&entries) > self.max_rows {
            let oldest = entries
                .iter()
                .filter(|(k, e)| **k != keep && e.cell.initialized())
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| *k);
            match oldest {
                Some(k) => {
                    entries.remove(&k);
                }
                None => break,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry<R>>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    #[cfg(test)]
    fn with_max_rows(max_rows: usize) -> Self {
        Self {
            entries: Mutex::default(),
            max_rows,
        }
    }

    #[cfg(test)]
    fn held(&self) -> Vec<Uuid> {
        let mut ids: Vec<Uuid> = self
            .lock()
            .iter()
            .filter(|(_, e)| e.cell.initialized())
            .map(|((id, _), _)| *id)
            .collect();
        ids.sort();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::caches::directory::UnitInfo;
    use rand::Rng;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn unit(id: Uuid, parent: Option<&UnitInfo>) -> UnitInfo {
        let mut path = parent.map(|p| p.path.clone()).unwrap_or_default();
        path.push(id);
        UnitInfo {
            id,
            parent_id: parent.map(|p| p.id),
            name: id.to_string(),
            code: String::new(),
            member_count: None,
            member_count_date: None,
            path,
        }
    }

    fn row(user: Uuid, unit: Uuid, rank: i32, prize: bool) -> FinalRow {
        FinalRow {
            user_id: crate::domain::ids::UserId::from_uuid(user),
            attempt_id: crate::domain::ids::AttemptId::from_uuid(Uuid::new_v4()),
            unit_id: crate::domain::ids::UnitId::from_uuid(unit),
            rank,
            score: 0,
            max_score: 0,
            prediction: None,
            prediction_error: None,
            time_used_ms: 0,
            finished_at: Utc::now(),
            prize: prize.then(|| "Giải".to_owned()),
        }
    }

    /// A root, three organisations with three branches each, and 500 rows with many ties.
    fn sample() -> (Snapshot, Vec<UnitInfo>, Vec<FinalRow>) {
        let mut rng = rand::rng();
        let root = unit(Uuid::new_v4(), None);
        let mut all = vec![root.clone()];
        for _ in 0..3 {
            let org = unit(Uuid::new_v4(), Some(&root));
            for _ in 0..3 {
                all.push(unit(Uuid::new_v4(), Some(&org)));
            }
            all.push(org);
        }
        let mut rank = 1;
        let mut rows = Vec::new();
        for i in 0..500 {
            if i > 0 && rng.random_bool(0.4) {
                rank = i + 1;
            }
            let at = &all[rng.random_range(0..all.len())];
            rows.push(row(Uuid::new_v4(), at.id, rank, i < 7));
        }
        (Snapshot::new(all.clone()), all, rows)
    }

    /// Positions within a subtree computed the plain way: 1 + how many of the subtree rank
    /// strictly better.
    fn expected(units: &Snapshot, rows: &[FinalRow], unit: Uuid) -> Vec<(u64, Uuid)> {
        let inside: Vec<&FinalRow> = rows
            .iter()
            .filter(|r| units.is_within(r.unit_id, unit))
            .collect();
        inside
            .iter()
            .map(|r| {
                let better = inside.iter().filter(|o| o.rank < r.rank).count();
                (
                    u64::try_from(better + 1).expect("small"),
                    r.user_id.into_uuid(),
                )
            })
            .collect()
    }

    #[test]
    fn subtree_boards_hold_exactly_their_rows_with_shared_positions() {
        let (units, all, rows) = sample();
        let ranking = Ranking::new(rows.clone());
        for u in &all {
            let view = ranking.view(&units, Some(u.id));
            let got: Vec<(u64, Uuid)> = view
                .page(0, u64::MAX)
                .into_iter()
                .map(|(p, r)| (p, r.user_id.into_uuid()))
                .collect();
            let want = expected(&units, &rows, u.id);
            assert_eq!(got, want);
            assert_eq!(view.len(), want.len());
            // Any page is the same slice; "my place" agrees with the page.
            assert_eq!(
                view.page(3, 5)
                    .into_iter()
                    .map(|(p, r)| (p, r.user_id.into_uuid()))
                    .collect::<Vec<_>>(),
                want.iter().skip(3).take(5).copied().collect::<Vec<_>>()
            );
            for (p, user) in &want {
                assert_eq!(view.place_of(*user).map(|(q, _)| q), Some(*p));
            }
            let outside = rows
                .iter()
                .find(|r| !units.is_within(r.unit_id, u.id))
                .map(|r| r.user_id.into_uuid());
            if let Some(o) = outside {
                assert!(view.place_of(o).is_none());
            }
        }
        let whole = ranking.view(&units, None);
        assert_eq!(whole.len(), rows.len());
        let (p, r) = whole.place_of(rows[42].user_id.into_uuid()).expect("on it");
        assert_eq!(
            (p, r.user_id),
            (
                u64::try_from(rows[42].rank).expect("rank"),
                rows[42].user_id
            )
        );
        assert_eq!(ranking.prized().count(), 7);
        assert!(whole.page(10_000, 50).is_empty());
        assert!(ranking.view(&units, Some(Uuid::new_v4())).is_empty());
    }

    #[test]
    fn a_moved_unit_takes_its_rows_to_the_new_parent() {
        let (units, mut all, rows) = sample();
        let ranking = Ranking::new(rows.clone());
        // Move the first organisation's first branch under the third organisation.
        let orgs: Vec<UnitInfo> = all.iter().filter(|u| u.path.len() == 2).cloned().collect();
        let branch = all
            .iter()
            .position(|u| u.parent_id == Some(orgs[0].id))
            .expect("branch");
        all[branch] = unit(all[branch].id, Some(&orgs[2]));
        let moved = Snapshot::new(all.clone());
        assert_ne!(units.shape(), moved.shape());
        for org in &orgs {
            let got: Vec<Uuid> = ranking
                .view(&moved, Some(org.id))
                .page(0, u64::MAX)
                .into_iter()
                .map(|(_, r)| r.user_id.into_uuid())
                .collect();
            let want: Vec<Uuid> = expected(&moved, &rows, org.id)
                .into_iter()
                .map(|(_, u)| u)
                .collect();
            assert_eq!(got, want);
        }
        // Names and counts do not change the shape.
        let renamed = Snapshot::new(all.iter().map(|u| UnitInfo {
            name: "x".into(),
            member_count: Some(3),
            ..u.clone()
        }));
        assert_eq!(renamed.shape(), moved.shape());
    }

    #[tokio::test]
    async fn concurrent_first_readers_load_once_and_old_rankings_make_room() {
        let cache: Frozen<FinalRow> = Frozen::with_max_rows(250);
        let loads = AtomicUsize::new(0);
        let (_, _, rows) = sample();
        let rows = &rows[..100];
        let at = Utc::now();
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            Ok::<_, std::convert::Infallible>(rows.to_vec())
        };
        let both = futures_util::future::join_all((0..8).map(|_| cache.get(a, at, load))).await;
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        assert!(
            both.iter()
                .all(|r| r.as_ref().expect("loaded").rows().len() == 100)
        );
        cache.get(b, at, load).await.expect("b");
        cache.get(a, at, load).await.expect("a again");
        assert_eq!(loads.load(Ordering::SeqCst), 2);
        // A third ranking goes over 250 rows: b, the least recently used, makes room.
        cache.get(c, at, load).await.expect("c");
        let mut want = vec![a, c];
        want.sort();
        assert_eq!(cache.held(), want);
        // A republish is another ranking.
        cache
            .get(a, at + chrono::Duration::seconds(1), load)
            .await
            .expect("republished");
        assert_eq!(loads.load(Ordering::SeqCst), 4);
        // A failed load is retried by the next reader.
        let failed = cache
            .get(b, at, || async { Err::<Vec<FinalRow>, _>("down") })
            .await;
        assert!(failed.is_err());
        assert!(cache.get(b, at, load).await.is_ok());
    }
}
