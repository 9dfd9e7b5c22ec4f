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
    /// Notes, in batches, that finished attempts are on the live boards.
    pub board_marks: crate::persistence::board_marks::BoardMarks,
    /// The unit tree in memory, for boards.
    pub units: crate::caches::directory::UnitDirectory,
    /// Rounds and contests cached for board reads, and what rounds draw from.
    pub catalog: crate::caches::catalog::Catalog,
    /// People's units and grants, for the checks of who may see a board.
    pub people: crate::caches::people::People,
    /// Reads of people nobody holds, asked at about the same moment, made as one.
    pub person_reads: crate::caches::coalesce::Coalesced<
        crate::domain::ids::UserId,
        crate::caches::people::Person,
    >,
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
    /// The API requests in progress, bounded: a crowd beyond them is told when to come back.
    pub intake: Arc<crate::intake::Intake>,
}

impl AppState {
    /// The database that exports, reports, item statistics and coverage read: the replica when
    /// one is configured, else the primary. Nothing that decides a result reads it. A replica
    /// that does not answer, or lags its primary by more than
    /// `DAUTRI_DATABASE__REPLICA_MAX_LAG_SECONDS`, is reported as unavailable (503 with
    /// `Retry-After`) rather than moving the report load to the primary during a contest or
    /// showing figures older than that.
    pub async fn reporting_db(&self) -> Result<&DatabaseConnection, crate::error::ApiError> {
        let Some(replica) = &self.replica else {
            return Ok(&self.db);
        };
        let max = self.settings.replica_max_lag_seconds;
        match crate::persistence::db::replica_lag(replica).await {
            Ok(lag) => {
                self.metrics.replica_lag(lag);
                if lag <= max as f64 {
                    return Ok(replica);
                }
                tracing::warn!(
                    lag_seconds = lag,
                    max_seconds = max,
                    "the read replica (DATABASE_REPLICA_URL) is too far behind its primary; reports wait for it"
                );
                Err(crate::error::ApiError::Unavailable(anyhow::anyhow!(
                    "the read replica is {lag:.1} s behind its primary (at most {max} s)"
                )))
            }
            Err(e) => {
                tracing::warn!(error = %e, "the read replica (DATABASE_REPLICA_URL) does not answer; reports wait for it");
                Err(crate::error::ApiError::Unavailable(anyhow::anyhow!(
                    "the read replica does not answer: {e}"
                )))
            }
        }
    }
}
