//! The Redis backend of the scoring store: one server, or a Redis Cluster.
//!
//! # Implementation notes
//! Every script touches keys of one hash tag only (an attempt's, or a contest's), so the same
//! scripts run on a single server and on a cluster; [`RedisConnection`] hides which it is. The
//! one exception is the answer save's session check, folded into its script on a single server
//! only ([`RedisStore::is_cluster`]).

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster_async::ClusterConnection;
use redis::{AsyncCommands, Cmd, Pipeline, RedisFuture, Value};

use super::{StoreError, WindowCount, scripts};

/// A connection to one Redis server (reconnecting) or to a Redis Cluster (routing by slot).
#[derive(Clone)]
pub enum RedisConnection {
    /// One server.
    Single(ConnectionManager),
    /// A cluster.
    Cluster(ClusterConnection),
}

impl ConnectionLike for RedisConnection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Self::Single(c) => c.req_packed_command(cmd),
            Self::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Self::Single(c) => c.req_packed_commands(pipeline, offset, count),
            Self::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Self::Single(c) => c.get_db(),
            Self::Cluster(c) => c.get_db(),
        }
    }
}

/// Sockets to Redis send each command at once: with Nagle's algorithm on (the client's
/// default), a reply-then-request exchange on a shared connection can wait out the peer's
/// delayed acknowledgement (40 ms on Linux), which the export benchmark showed on every page.
fn tcp_settings() -> redis::io::tcp::TcpSettings {
    redis::io::tcp::TcpSettings::default().set_nodelay(true)
}

/// The Redis scoring store.
#[derive(Clone)]
pub struct RedisStore {
    conn: RedisConnection,
    /// A client per node named in `REDIS_URL`, for the subscriber's own connection
    /// (`broadcast.rs`): a subscription holds a connection of its own, outside the shared one.
    nodes: std::sync::Arc<Vec<redis::Client>>,
}

impl RedisStore {
    /// Connects to `url`: one `redis://` URL for a single server, or several separated by
    /// commas (any nodes of it) for a Redis Cluster. Fails if Redis does not answer.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let nodes: Vec<&str> = url
            .split(',')
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .collect();
        if nodes.len() > 1 {
            return Self::connect_cluster(&nodes).await;
        }
        let info =
            redis::IntoConnectionInfo::into_connection_info(url)?.set_tcp_settings(tcp_settings());
        let client = redis::Client::open(info)?;
        let nodes = std::sync::Arc::new(vec![client.clone()]);
        // Fail fast when Redis is down: a member waiting on a dead connection is worse off than
        // one told to retry in a few seconds (`Retry-After` on the 503). One reconnection try
        // per request; the manager keeps reconnecting in the background.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(1);
        let conn = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self {
            conn: RedisConnection::Single(conn),
            nodes,
        })
    }

    /// Connects to a Redis Cluster through any of its `nodes`.
    pub async fn connect_cluster(nodes: &[&str]) -> Result<Self, StoreError> {
        let client =
            redis::cluster::ClusterClientBuilder::new(nodes.iter().map(|n| (*n).to_owned()))
                .connection_timeout(Duration::from_secs(5))
                .response_timeout(Duration::from_secs(5))
                .tcp_settings(tcp_settings())
                .build()?;
        let conn = client.get_async_connection().await?;
        let nodes = nodes
            .iter()
            .map(|n| {
                redis::Client::open(
                    redis::IntoConnectionInfo::into_connection_info(*n)?
                        .set_tcp_settings(tcp_settings()),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        let store = Self {
            conn: RedisConnection::Cluster(conn),
            nodes: std::sync::Arc::new(nodes),
        };
        Ok(store)
    }

    /// Whether this is a Redis Cluster (a script's keys must then share a hash slot).
    pub(super) fn is_cluster(&self) -> bool {
        matches!(self.conn, RedisConnection::Cluster(_))
    }

    /// A pub/sub connection to the first node that answers (on a cluster, any node hears
    /// every message).
    pub(super) async fn pubsub(&self) -> Result<redis::aio::PubSub, StoreError> {
        let mut last = None;
        for node in self.nodes.iter() {
            match tokio::time::timeout(Duration::from_secs(2), node.get_async_pubsub()).await {
                Ok(Ok(pubsub)) => return Ok(pubsub),
                Ok(Err(e)) => last = Some(e),
                Err(_) => {
                    last = Some(redis::RedisError::from((
                        redis::ErrorKind::Io,
                        "no answer within 2 s",
                    )));
                }
            }
        }
        Err(StoreError::Unavailable(last.unwrap_or_else(|| {
            redis::RedisError::from((redis::ErrorKind::Client, "no Redis node to subscribe on"))
        })))
    }

    /// A clone of the connection, for callers that run their own commands (tests, tools).
    pub fn connection(&self) -> RedisConnection {
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

    pub(super) async fn set_marker(
        &self,
        key: &str,
        value: i64,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let _: () = redis::cmd("SET")
            .arg(key)
            .arg(value)
            .arg("PX")
            .arg(ttl_ms)
            .query_async(&mut conn)
            .await?;
        Ok(())
    }

    /// The values of `keys`, which must share a hash tag (one `MGET`).
    pub(super) async fn markers(&self, keys: &[String]) -> Result<Vec<Option<i64>>, StoreError> {
        let mut conn = self.conn.clone();
        Ok(redis::cmd("MGET").arg(keys).query_async(&mut conn).await?)
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

    pub(super) async fn take_lease(
        &self,
        key: &str,
        token: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut conn = self.conn.clone();
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let held: i64 = scripts::LEASE
            .key(key)
            .arg(token)
            .arg(ttl_ms)
            .invoke_async(&mut conn)
            .await?;
        Ok(held == 1)
    }

    pub(super) async fn release_lease(&self, key: &str, token: &str) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: i64 = scripts::LEASE_RELEASE
            .key(key)
            .arg(token)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }
}
