//! The Redis backend of the scoring store: one server, or a Redis Cluster.
//!
//! # Implementation notes
//! Every script touches keys of one hash tag only (an attempt's, or a contest's), so the same
//! scripts run on a single server and on a cluster; [`RedisConnection`] hides which it is. The
//! one exception is the answer save's session check, folded into its script on a single server
//! only ([`RedisStore::is_cluster`]).
//!
//! Each HTTP worker thread gets a connection of its own ([`RedisStore::attach_worker`]).
//! A multiplexed connection runs its socket on the thread that opened it; with one shared
//! connection opened at start, every command of every worker crossed to the main thread and
//! its reply crossed back, two thread wake-ups per command, which perf showed as a third of
//! the server's samples in a start storm (scheduler switches and futex wake-ups).

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
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

/// How to open another connection like the shared one: a worker's own.
enum Connector {
    Single(redis::Client, redis::aio::ConnectionManagerConfig),
    Cluster(redis::cluster::ClusterClient),
}

impl Connector {
    async fn connect(&self) -> Result<RedisConnection, redis::RedisError> {
        Ok(match self {
            Self::Single(client, config) => RedisConnection::Single(
                ConnectionManager::new_with_config(client.clone(), config.clone()).await?,
            ),
            Self::Cluster(client) => RedisConnection::Cluster(client.get_async_connection().await?),
        })
    }
}

/// A worker thread's own connection to one store's Redis.
struct OwnConnection {
    /// The [`RedisStore::id`] it belongs to: a test process runs several servers.
    store: u64,
    conn: RedisConnection,
    /// The store's count of open ones, for `/metrics`; this one leaves it with its thread.
    open: Arc<AtomicUsize>,
}

impl Drop for OwnConnection {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

thread_local! {
    /// The calling worker thread's own connections.
    static WORKER_CONNECTIONS: RefCell<Vec<OwnConnection>> = const { RefCell::new(Vec::new()) };
}

/// Tells one store's worker connections from another's.
static NEXT_STORE_ID: AtomicU64 = AtomicU64::new(0);

/// The Redis scoring store.
#[derive(Clone)]
pub struct RedisStore {
    /// The connection opened at start: for every thread without one of its own (background
    /// tasks on the main runtime, tests, tools, and a worker until its own is open).
    conn: RedisConnection,
    connector: Arc<Connector>,
    id: u64,
    /// How many worker threads have their own connection open.
    worker_connections: Arc<AtomicUsize>,
    /// A client per node named in `REDIS_URL`, for the subscriber's own connection
    /// (`broadcast.rs`): a subscription holds a connection of its own, outside the shared one.
    nodes: Arc<Vec<redis::Client>>,
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
        let nodes = Arc::new(vec![client.clone()]);
        // Fail fast when Redis is down: a member waiting on a dead connection is worse off than
        // one told to retry in a few seconds (`Retry-After` on the 503). One reconnection try
        // per request; the manager keeps reconnecting in the background.
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(Duration::from_millis(500)))
            .set_response_timeout(Some(Duration::from_secs(5)))
            .set_number_of_retries(1);
        let conn = ConnectionManager::new_with_config(client.clone(), config.clone()).await?;
        Ok(Self::new(
            RedisConnection::Single(conn),
            Connector::Single(client, config),
            nodes,
        ))
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
        Ok(Self::new(
            RedisConnection::Cluster(conn),
            Connector::Cluster(client),
            Arc::new(nodes),
        ))
    }

    fn new(conn: RedisConnection, connector: Connector, nodes: Arc<Vec<redis::Client>>) -> Self {
        Self {
            conn,
            connector: Arc::new(connector),
            id: NEXT_STORE_ID.fetch_add(1, Ordering::Relaxed),
            worker_connections: Arc::new(AtomicUsize::new(0)),
            nodes,
        }
    }

    /// Opens, in the background, a connection for the calling thread alone: called by each
    /// HTTP worker as it starts, inside its runtime. Until it is open (or while Redis is
    /// down at start) the thread uses the shared connection; once open, the connection
    /// reconnects by itself like the shared one. Does nothing outside a Tokio runtime.
    pub fn attach_worker(&self) {
        if tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        if WORKER_CONNECTIONS.with_borrow(|own| own.iter().any(|c| c.store == self.id)) {
            return;
        }
        let connector = Arc::clone(&self.connector);
        let store = self.id;
        let open = Arc::clone(&self.worker_connections);
        // A task of the current-thread runtime runs on this thread, so the connection lands
        // in this thread's list.
        tokio::spawn(async move {
            let mut wait = Duration::from_millis(250);
            loop {
                match connector.connect().await {
                    Ok(conn) => {
                        open.fetch_add(1, Ordering::Relaxed);
                        WORKER_CONNECTIONS.with_borrow_mut(|own| {
                            own.push(OwnConnection { store, conn, open });
                        });
                        return;
                    }
                    Err(error) => {
                        tracing::warn!(%error, "a worker's own Redis connection did not open; it uses the shared one meanwhile");
                        tokio::time::sleep(wait).await;
                        wait = (wait * 2).min(Duration::from_secs(10));
                    }
                }
            }
        });
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

    /// A connection to run commands on: the calling worker thread's own when it has one
    /// ([`Self::attach_worker`]), else the shared one.
    pub fn connection(&self) -> RedisConnection {
        WORKER_CONNECTIONS
            .with_borrow(|own| {
                own.iter()
                    .find(|c| c.store == self.id)
                    .map(|c| c.conn.clone())
            })
            .unwrap_or_else(|| self.conn.clone())
    }

    /// How many worker threads have a connection of their own open (`/metrics`).
    pub fn worker_connections(&self) -> usize {
        self.worker_connections.load(Ordering::Relaxed)
    }

    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.connection();
        let _: String = redis::cmd("PING").query_async(&mut conn).await?;
        Ok(())
    }

    pub(super) async fn hit(&self, key: &str, window: Duration) -> Result<WindowCount, StoreError> {
        let mut conn = self.connection();
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
        let mut conn = self.connection();
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
        let mut conn = self.connection();
        Ok(redis::cmd("MGET").arg(keys).query_async(&mut conn).await?)
    }

    pub(super) async fn peek(&self, key: &str) -> Result<WindowCount, StoreError> {
        let mut conn = self.connection();
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
        let mut conn = self.connection();
        let _: () = conn.del(key).await?;
        Ok(())
    }

    pub(super) async fn take_lease(
        &self,
        key: &str,
        token: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut conn = self.connection();
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
        let mut conn = self.connection();
        let _: i64 = scripts::LEASE_RELEASE
            .key(key)
            .arg(token)
            .invoke_async(&mut conn)
            .await?;
        Ok(())
    }
}
