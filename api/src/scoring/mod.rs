//! The scoring store: the fast shared state behind contests (answers, scores, leaderboards) and
//! the counters that rate limits need.
//!
//! Two real backends with one meaning: Redis (production; Lua scripts, so every operation is
//! atomic) and an in-process store (the embedded default, one server only). The contract tests
//! in `tests/api/store.rs` run against both. Callers use [`Store`] and never know which it is.

pub mod keys;
mod memory;
mod redis_store;
mod scripts;

use std::time::Duration;

pub use keys::Keys;
pub use memory::MemoryStore;
pub use redis_store::RedisStore;

/// Failures of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Redis refused or the connection broke.
    #[error("scoring store unavailable")]
    Unavailable(#[from] redis::RedisError),
}

impl From<StoreError> for crate::error::ApiError {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(anyhow::Error::new(e))
    }
}

/// A fixed-window counter after a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowCount {
    /// Hits in the current window, including this one.
    pub count: u64,
    /// Time until the window resets.
    pub resets_in: Duration,
}

/// The scoring store in use.
#[derive(Clone)]
pub enum Store {
    /// In-process (embedded default).
    Memory(MemoryStore),
    /// Redis.
    Redis(RedisStore),
}

impl Store {
    /// Which backend, for logs and `/readyz`.
    pub fn backend(&self) -> &'static str {
        match self {
            Self::Memory(_) => "memory",
            Self::Redis(_) => "redis",
        }
    }

    /// Whether the store answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Self::Memory(_) => Ok(()),
            Self::Redis(r) => r.ping().await,
        }
    }

    /// Counts one hit on `key` in a fixed window of `window`, atomically.
    pub async fn hit(&self, key: &str, window: Duration) -> Result<WindowCount, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.hit(key, window)),
            Self::Redis(r) => r.hit(key, window).await,
        }
    }

    /// The current count of `key` without counting a hit.
    pub async fn peek(&self, key: &str) -> Result<WindowCount, StoreError> {
        match self {
            Self::Memory(m) => Ok(m.peek(key)),
            Self::Redis(r) => r.peek(key).await,
        }
    }

    /// Forgets `key`.
    pub async fn reset(&self, key: &str) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                m.reset(key);
                Ok(())
            }
            Self::Redis(r) => r.reset(key).await,
        }
    }
}
