//! The relational database: connecting, migrating, and one module of functions per aggregate.
//!
//! The only module that names sea-orm entities; it hands domain-shaped structs out. Functions
//! take `db: &impl ConnectionTrait`, so the caller chooses between the pool and a transaction.
//! The same queries run on PostgreSQL and SQLite: keep them portable.

pub mod attempts;
pub mod audit;
pub mod board_marks;
pub mod contests;
pub mod db;
pub mod entities;
pub mod images;
pub mod journal;
pub mod questions;
pub mod reset_codes;
pub mod results;
pub mod roles;
pub mod theory;
pub mod tokens;
pub mod transfers;
pub mod unit_rounds;
pub mod units;
pub mod users;

use sea_orm::{DbErr, SqlErr};

/// What can go wrong in the persistence layer.
#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    /// The row does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A unique constraint refused the write; the string names the constraint or column.
    #[error("unique constraint violated: {0}")]
    Duplicate(String),
    /// Anything else: connection lost, SQL error, …
    #[error("database error")]
    Db(#[source] DbErr),
}

impl From<DbErr> for PersistenceError {
    fn from(e: DbErr) -> Self {
        match e.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => Self::Duplicate(detail),
            _ => Self::Db(e),
        }
    }
}

impl From<PersistenceError> for crate::error::ApiError {
    fn from(e: PersistenceError) -> Self {
        match e {
            PersistenceError::NotFound(what) => Self::NotFound(what),
            // The constraint's name and values are internals: logged, not answered.
            PersistenceError::Duplicate(detail) => {
                tracing::debug!(constraint = %detail, "unique constraint refused a write");
                crate::error::Conflict::Exists.into()
            }
            PersistenceError::Db(e) if is_connection_error(&e) => {
                Self::Unavailable(anyhow::Error::new(e).context("database unreachable"))
            }
            PersistenceError::Db(e) => {
                Self::Unexpected(anyhow::Error::new(e).context("database query failed"))
            }
        }
    }
}

/// Whether a database failure is the database being unavailable for now (the answer is 503
/// with `Retry-After`, and the client's retry will do) rather than a fault in the request or in
/// dautri (500): the connection lost or refused, the server restarting or shutting down,
/// refusing writes (a read-only standby, `default_transaction_read_only`, a full disk), out of
/// connections, or a transaction that lost a serialization race or a deadlock.
fn is_connection_error(e: &DbErr) -> bool {
    use sea_orm::{RuntimeErr, sqlx};
    let runtime = match e {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => return true,
        DbErr::Exec(r) | DbErr::Query(r) => r,
        _ => return false,
    };
    let RuntimeErr::SqlxError(err) = runtime else {
        return false;
    };
    match err.as_ref() {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| unavailable_code(&code)),
        _ => false,
    }
}

/// SQLSTATE codes (PostgreSQL) and result codes (SQLite) that mean "not now" rather than "no".
fn unavailable_code(code: &str) -> bool {
    // PostgreSQL: 08 connection exception, 53 insufficient resources (disk full, out of memory,
    // too many connections), 57P01–57P05 shutdown, crash, cannot connect now, 25006 read-only
    // transaction, 40001 serialization failure, 40P01 deadlock, 55P03 lock not available.
    if code.starts_with("08") || code.starts_with("53") || code.starts_with("57P") {
        return true;
    }
    if matches!(code, "25006" | "40001" | "40P01" | "55P03") {
        return true;
    }
    // SQLite (primary result code, extended codes keep it in the low byte): 5 BUSY, 6 LOCKED,
    // 8 READONLY, 10 IOERR, 13 FULL, 14 CANTOPEN.
    code.parse::<u32>()
        .is_ok_and(|n| matches!(n & 0xff, 5 | 6 | 8 | 10 | 13 | 14))
}

/// Shorthand for results of this layer.
pub type Result<T> = std::result::Result<T, PersistenceError>;
