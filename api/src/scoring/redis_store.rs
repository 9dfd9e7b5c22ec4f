//! The Redis backend of the scoring store.

use std::time::Duration;

use redis::AsyncCommands;
use redis::aio::ConnectionManager;

use super::{StoreError, WindowCount, scripts};

/// Redis through a reconnecting connection manager.
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
}

impl RedisStore {
    /// Connects to `url`; fails if Redis does not answer.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_secs(5)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(3);
        let conn = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self { conn })
    }

    /// A clone of the connection, for callers that run their own commands (tests, tools).
    pub fn connection(&self) -> ConnectionManager {
        self.conn.clone()
    }

    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }

    pub(super) async fn hit(&self, key: &str, window: Duration) -> Result<WindowCount, StoreError> {
        let mut conn = self.conn.clone();
        let window_ms = u64::try_from(window.as_millis()).unwrap_or(u64::MAX).max(1);
        let (count, ttl_ms): (u64, i64) = scripts::HIT_WINDOW
            .key(key)
            .arg(window_ms)
            .invoke_async(&mut conn)
            .await?;
        Ok(WindowCount {
            count,
            resets_in: Duration::from_millis(ttl_ms.max(0).unsigned_abs()),
        })
    }

    pub(super) async fn peek(&self, key: &str) -> Result<WindowCount, StoreError> {
        let mut conn = self.conn.clone();
        let (count, ttl_ms): (Option<u64>, i64) = redis::pipe()
            .get(key)
            .pttl(key)
            .query_async(&mut conn)
            .await?;
        Ok(WindowCount {
            count: count.unwrap_or(0),
            resets_in: Duration::from_millis(ttl_ms.max(0).unsigned_abs()),
        })
    }

    pub(super) async fn reset(&self, key: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: () = conn.del(key).await?;
        Ok(())
    }
}
