//! The relational database: connecting, migrating, and one module of functions per aggregate.
//!
//! The only module that names sea-orm entities; it hands domain-shaped structs out. Functions
//! take `db: &impl ConnectionTrait`, so the caller chooses between the pool and a transaction.
//! The same queries run on PostgreSQL and SQLite: keep them portable.

pub mod attempts;
pub mod audit;
pub mod contests;
pub mod db;
pub mod entities;
pub mod journal;
pub mod questions;
pub mod reset_codes;
pub mod results;
pub mod roles;
pub mod theory;
pub mod tokens;
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

fn is_connection_error(e: &DbErr) -> bool {
    matches!(e, DbErr::Conn(_) | DbErr::ConnectionAcquire(_))
}

/// Shorthand for results of this layer.
pub type Result<T> = std::result::Result<T, PersistenceError>;
