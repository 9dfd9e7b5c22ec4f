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
    /// The read replica (`DATABASE_REPLICA_URL`) for reports; see [`AppState::reporting_db`].
    pub replica: Option<DatabaseConnection>,
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
    /// Rounds and contests cached for board reads, and what rounds draw from.
    pub catalog: crate::caches::catalog::Catalog,
    /// This instance, as it names itself to the others (`caches::coherence`).
    pub instance: uuid::Uuid,
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

impl AppState {
    /// The database that exports, reports, item statistics and coverage read: the replica when
    /// one is configured (it lags the primary by its replay delay), else the primary. Nothing
    /// that decides a result reads it. A replica that does not answer is reported as
    /// unavailable (503 with `Retry-After`) rather than moving the report load to the primary
    /// during a contest.
    pub async fn reporting_db(&self) -> Result<&DatabaseConnection, crate::error::ApiError> {
        let Some(replica) = &self.replica else {
            return Ok(&self.db);
        };
        match replica.ping().await {
            Ok(()) => Ok(replica),
            Err(e) => {
                tracing::warn!(error = %e, "the read replica (DATABASE_REPLICA_URL) does not answer; reports wait for it");
                Err(crate::error::ApiError::Unavailable(anyhow::anyhow!(
                    "the read replica does not answer: {e}"
                )))
            }
        }
    }
}
