//! What every handler shares: database pool, scoring store, key names, JWT keys, settings.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::jwt::JwtKeys;
use crate::config::Settings;
use crate::metrics::Metrics;
use crate::scoring::{Keys, Store};

/// Shared handles, cloned cheaply into each worker.
#[derive(Clone)]
pub struct AppState {
    /// The relational database.
    pub db: DatabaseConnection,
    /// The scoring store (Redis or in-process).
    pub store: Store,
    /// Key names in the store.
    pub keys: Keys,
    /// Access-token keys.
    pub jwt: JwtKeys,
    /// Settings in force.
    pub settings: Arc<Settings>,
    /// Prometheus metrics.
    pub metrics: Metrics,
    /// The answer journal.
    pub journal: crate::persistence::journal::Journal,
    /// The unit tree in memory, for boards.
    pub units: crate::caches::directory::UnitDirectory,
    /// Rounds and contests cached for board reads.
    pub catalog: crate::caches::catalog::Catalog,
    /// The one way to hash or check a password: bounded, so a sign-in storm queues or is told
    /// to come back instead of exhausting memory.
    pub hasher: crate::auth::password::Hasher,
    /// Where question pictures are kept (the data directory or an object store).
    pub images: crate::persistence::images::ImageStore,
    /// Published rankings held in memory once read.
    pub frozen: Arc<crate::caches::frozen::Rankings>,
    /// Whether the scoring store was seen intact a moment ago (the session check's trust in it).
    pub store_ready: Arc<crate::caches::store_ready::StoreReady>,
}
