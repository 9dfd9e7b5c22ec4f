//! Connecting to the database and bringing its schema up to date.

use std::time::Duration;

use anyhow::Context;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend};

use crate::config::Settings;

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
        .max_connections(settings.database_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    let db = Database::connect(options)
        .await
        .context("cannot connect to the database (DATABASE_URL)")?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // WAL lets readers work while a writer commits; the busy timeout makes concurrent
        // writers wait for the lock instead of failing with SQLITE_BUSY; SQLite does not
        // enforce foreign keys unless asked.
        for pragma in [
            "PRAGMA journal_mode = WAL",
            "PRAGMA busy_timeout = 10000",
            "PRAGMA foreign_keys = ON",
            "PRAGMA synchronous = NORMAL",
        ] {
            db.execute_unprepared(pragma)
                .await
                .with_context(|| format!("cannot set {pragma}"))?;
        }
    }
    Migrator::up(&db, None)
        .await
        .context("cannot apply database migrations")?;
    Ok(db)
}

/// Whether the database answers a trivial query.
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}
