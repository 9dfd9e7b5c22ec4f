//! The unit tree held in memory, for the paths and names that boards need on every finish and
//! every read without asking the database.
//!
//! # Implementation notes
//! Thousands of units fit in a few hundred kilobytes, so the whole tree is one snapshot, swapped
//! atomically. A snapshot older than its maximum age ([`MAX_AGE`] unless configured) is read
//! again by one caller while the others go on with it (up to twice the age), so that a busy
//! moment does not send every reader to the database at once (`caches::ttl`). This server's
//! own unit edits drop it at once, and another server's reach this one through `coherence`'s
//! broadcast within moments, or, when the broadcast could not carry them, within twice the
//! maximum age; a dropped snapshot is never served.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::ttl::Ttl;
use crate::domain::ids::UnitId;
use crate::domain::unit::TreePath;
use crate::persistence::{self, PersistenceError};

/// How long a snapshot serves before it is reloaded, unless configured otherwise
/// (`DAUTRI_CACHE__UNITS_SECONDS`).
pub const MAX_AGE: Duration = Duration::from_secs(10);

/// One unit as boards need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitInfo {
    /// Id.
    pub id: Uuid,
    /// Parent.
    pub parent_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Short code.
    pub code: String,
    /// Declared members.
    pub member_count: Option<i32>,
    /// The day the member count was declared (rates depend on it, so reports print it).
    pub member_count_date: Option<chrono::NaiveDate>,
    /// The unit and its ancestors, root first.
    pub path: Vec<Uuid>,
}

/// The whole tree at one moment.
#[derive(Debug, Default)]
pub struct Snapshot {
    units: HashMap<Uuid, UnitInfo>,
    children: HashMap<Option<Uuid>, Vec<Uuid>>,
    shape: u64,
}

impl Snapshot {
    /// Builds a snapshot from units (any order).
    pub fn new(units: impl IntoIterator<Item = UnitInfo>) -> Self {
        let units: HashMap<Uuid, UnitInfo> = units.into_iter().map(|u| (u.id, u)).collect();
        let mut children: HashMap<Option<Uuid>, Vec<Uuid>> = HashMap::new();
        for u in units.values() {
            children.entry(u.parent_id).or_default().push(u.id);
        }
        for list in children.values_mut() {
            list.sort_by(|a, b| units[a].name.cmp(&units[b].name).then(a.cmp(b)));
        }
        let shape = shape_of(&units);
        Self {
            units,
            children,
            shape,
        }
    }

    /// A fingerprint of who is under whom: equal for two snapshots of the same tree, whatever
    /// else (names, member counts) differs. What is computed per subtree can be kept while it
    /// stays the same, although the directory reloads every [`MAX_AGE`].
    pub fn shape(&self) -> u64 {
        self.shape
    }

    /// One unit.
    pub fn get(&self, id: impl Into<Uuid>) -> Option<&UnitInfo> {
        self.units.get(&id.into())
    }

    /// The unit and its ancestors, root first (empty for an unknown unit).
    pub fn path_of(&self, id: impl Into<Uuid>) -> Vec<Uuid> {
        self.units
            .get(&id.into())
            .map(|u| u.path.clone())
            .unwrap_or_default()
    }

    /// The direct children of a unit (roots for `None`), by name.
    pub fn children(&self, parent: Option<Uuid>) -> &[Uuid] {
        self.children.get(&parent).map_or(&[], Vec::as_slice)
    }

    /// A unit's name, or an empty string for an unknown unit. Takes a `UnitId` or the bare
    /// `Uuid` of the board and report rows that still carry one.
    pub fn name(&self, id: Option<impl Into<Uuid>>) -> &str {
        id.and_then(|id| self.units.get(&id.into()))
            .map_or("", |u| u.name.as_str())
    }

    /// The place in the tree of unit `id`, as the database stores it.
    pub fn tree_path(&self, id: impl Into<Uuid>) -> Option<TreePath> {
        let (root, below) = self.units.get(&id.into())?.path.split_first()?;
        Some(
            below
                .iter()
                .fold(TreePath::root(UnitId::from_uuid(*root)), |path, id| {
                    path.child(UnitId::from_uuid(*id))
                }),
        )
    }

    /// Whether `unit` is `ancestor` or inside its subtree.
    pub fn is_within(&self, unit: impl Into<Uuid>, ancestor: Uuid) -> bool {
        self.units
            .get(&unit.into())
            .is_some_and(|u| u.path.contains(&ancestor))
    }
}

fn shape_of(units: &HashMap<Uuid, UnitInfo>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut edges: Vec<(Uuid, Option<Uuid>)> =
        units.values().map(|u| (u.id, u.parent_id)).collect();
    edges.sort_unstable();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    edges.hash(&mut hasher);
    hasher.finish()
}

/// The shared, self-refreshing snapshot: one entry of a [`Ttl`], so that a dropped snapshot is
/// never served, one loaded across a drop is not kept, an old one is read again by one caller
/// while the others go on with it, and a missing one is read by one caller while the others
/// wait for it.
#[derive(Clone)]
pub struct UnitDirectory {
    tree: Arc<Ttl<(), Snapshot>>,
}

impl Default for UnitDirectory {
    fn default() -> Self {
        Self::new(MAX_AGE)
    }
}

impl UnitDirectory {
    /// An empty directory whose snapshots serve for `max_age`.
    pub fn new(max_age: Duration) -> Self {
        Self {
            tree: Arc::new(Ttl::new(max_age)),
        }
    }

    /// The longest a snapshot serves, while one caller reads it again included: the bound on
    /// seeing another instance's edit when the broadcast (`coherence`) did not carry it.
    pub fn longest_served(&self) -> Duration {
        self.tree.longest_served()
    }

    /// The current snapshot, reloading it first if it is stale or was dropped.
    pub async fn snapshot(
        &self,
        db: &impl ConnectionTrait,
    ) -> Result<Arc<Snapshot>, PersistenceError> {
        self.tree
            .get_or_load((), || async {
                let units = persistence::units::all(db).await?;
                Ok(Snapshot::new(units.into_iter().map(|u| UnitInfo {
                    id: u.id.into_uuid(),
                    parent_id: u.parent_id.map(|p| p.into_uuid()),
                    path: u.path.ids().into_iter().map(|id| id.into_uuid()).collect(),
                    name: u.name,
                    code: u.code,
                    member_count: u.member_count,
                    member_count_date: u.member_count_date,
                })))
            })
            .await
    }

    /// Drops the snapshot after a change to the tree, so the next reader loads it afresh.
    pub fn invalidate(&self) {
        self.tree.forget_where(|()| true);
    }
}
