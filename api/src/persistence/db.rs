//! Connecting to the database and bringing its schema up to date.

use std::time::Duration;

use anyhow::Context;
use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};

use crate::config::Settings;

/// A pooled connection idle at least this long is pinged before it is handed out; one used more
/// recently is handed out as it is.
///
/// The pool pings every connection it takes back (sqlx does, always), so a connection in the
/// pool was alive when it was last used. Pinging it again before every statement (sqlx's
/// default) made each statement outside a transaction three round trips to the database
/// instead of two; in a start storm the database's CPU went mostly to round trips, not to
/// the statements (#16). What the ping on taking still catches is a connection that died
/// while it sat idle: the database restarted or a firewall dropped it. Within this second of
/// its last use, such a connection fails its next statement once (503 with `Retry-After`,
/// and the pool closes it when it comes back), as the requests in flight at a restart do.
pub const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// Connects to the configured database (creating the embedded SQLite file and its directory if
/// needed) and applies pending migrations.
pub async fn connect_and_migrate(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let url = settings.effective_database_url();
    if settings.is_embedded_database() {
        std::fs::create_dir_all(&settings.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                settings.data_dir.display()
            )
        })?;
    }
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.database_pool_size())
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        .sqlx_logging(false)
        // Set on every connection the pool opens, not once: `busy_timeout` and `synchronous`
        // belong to a connection, and a pool opens more as it grows. WAL lets readers work
        // while a writer commits; the busy timeout makes concurrent writers wait for the lock
        // instead of failing with SQLITE_BUSY; SQLite enforces foreign keys only when asked.
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .synchronous(SqliteSynchronous::Normal)
        });
    let db = Database::connect(options)
        .await
        .context("cannot connect to the database (DATABASE_URL)")?;
    Migrator::up(&db, None)
        .await
        .context("cannot apply database migrations")?;
    Ok(db)
}

/// The answer journal's own connections on PostgreSQL, one per writer, whose commits do not
/// wait for the disk (`synchronous_commit = off`, set when each connection opens, so it costs
/// no round trip) unless `DAUTRI_ATTEMPT__JOURNAL_SYNC_COMMIT` asks them to. `None` when the
/// journal shares the main pool: on SQLite (one writer, whose WAL commits already skip the
/// disk's flush: `synchronous = NORMAL`) and when the journal waits for the disk anyway.
pub async fn connect_journal(settings: &Settings) -> anyhow::Result<Option<DatabaseConnection>> {
    if settings.is_embedded_database() || settings.journal_sync_commit {
        return Ok(None);
    }
    let writers = u32::try_from(settings.journal_writers).unwrap_or(1).max(1);
    let mut options = ConnectOptions::new(settings.effective_database_url());
    options
        .max_connections(writers)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
        .sqlx_logging(false)
        .map_sqlx_postgres_opts(|o| o.options([("synchronous_commit", "off")]));
    let db = Database::connect(options)
        .await
        .context("cannot connect the answer journal to the database (DATABASE_URL)")?;
    Ok(Some(db))
}

/// Connects (lazily: a replica that is down at startup does not stop the server) to the read
/// replica named by `DATABASE_REPLICA_URL`, if any. Never migrates: a replica follows the
/// primary's schema.
pub async fn connect_replica(settings: &Settings) -> anyhow::Result<Option<DatabaseConnection>> {
    use secrecy::ExposeSecret;
    let Some(url) = &settings.database_replica_url else {
        return Ok(None);
    };
    let mut options = ConnectOptions::new(url.expose_secret().to_owned());
    options
        .max_connections(settings.database_pool_size())
        .min_connections(0)
        .connect_lazy(true)
        .connect_timeout(Duration::from_secs(3))
        .acquire_timeout(Duration::from_secs(3))
        .sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .context("cannot use the replica's URL (DATABASE_REPLICA_URL)")?;
    Ok(Some(db))
}

/// Whether the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// How far a read replica is behind its primary, in seconds: 0 when it has replayed all the
/// write-ahead log it received while streaming (or is no replica at all), else the time since
/// the last transaction it replayed. A replica whose stream is down cannot know what it
/// missed, so the time since its last replay is what it is taken to lag by. Fails when the
/// replica does not answer.
///
/// # Implementation notes
/// `pg_stat_wal_receiver` has a row only while the replica streams (any role may see the row);
/// comparing the received and replayed positions tells "up to date, the primary is quiet"
/// from "behind". Only PostgreSQL has replicas here; any other database lags by 0.
pub async fn replica_lag(db: &DatabaseConnection) -> Result<f64, sea_orm::DbErr> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    if db.get_database_backend() != DbBackend::Postgres {
        db.ping().await?;
        return Ok(0.0);
    }
    const LAG: &str = "SELECT CASE \
        WHEN NOT pg_is_in_recovery() THEN 0::float8 \
        WHEN EXISTS (SELECT 1 FROM pg_stat_wal_receiver) \
             AND pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0::float8 \
        ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8, 0) \
        END";
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Postgres, LAG))
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound("replica lag".into()))?;
    row.try_get_by_index::<f64>(0)
        .map_err(|e| sea_orm::DbErr::Type(e.to_string()))
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement, TransactionTrait};

    use super::*;

    async fn pragma(txn: &DatabaseTransaction, name: &str) -> i64 {
        let row = txn
            .query_one_raw(Statement::from_string(
                txn.get_database_backend(),
                format!("PRAGMA {name}"),
            ))
            .await
            .expect("pragma query")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("an integer")
    }

    /// The embedded database's settings hold on every connection of the pool, not only on the
    /// one that happened to run them at startup (the others waited 5 s for a lock, not 10, and
    /// synced every commit in full).
    #[tokio::test]
    async fn every_embedded_connection_has_the_settings() {
        let dir = std::env::temp_dir().join(format!("dautri-db-{}", uuid::Uuid::new_v4()));
        let mut settings = Settings::defaults();
        settings.data_dir = dir.clone();
        let db = connect_and_migrate(&settings).await.expect("connect");
        // Transactions held at once each have a connection of their own.
        let mut held = Vec::new();
        for _ in 0..4 {
            held.push(db.begin().await.expect("begin"));
        }
        for txn in &held {
            assert_eq!(pragma(txn, "busy_timeout").await, 10_000);
            assert_eq!(pragma(txn, "foreign_keys").await, 1);
            assert_eq!(pragma(txn, "synchronous").await, 1, "NORMAL");
        }
        drop(held);
        db.close().await.expect("close");
        let _ = std::fs::remove_dir_all(dir);
    }
}
