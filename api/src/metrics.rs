//! Prometheus metrics: requests by route and status, latency, database pool and store health.
//!
//! # Implementation notes
//! Requests are labelled with the matched route template (`/api/v1/units/{id}`), never the raw
//! path, so the number of series stays bounded whatever clients send.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};
use sea_orm::{DatabaseConnection, DbBackend};

use crate::scoring::Store;

/// The registry and the metrics in it.
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    db_pool: IntGaugeVec,
    db_up: IntGauge,
    store_up: IntGauge,
    redis_worker_connections: IntGauge,
    cache_changes: IntCounterVec,
    replica_lag: prometheus::Gauge,
    in_flight: IntGauge,
    crowded: prometheus::IntCounter,
}

impl Metrics {
    /// Registers every metric in a fresh registry.
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "dautri_http_requests_total",
                "HTTP requests by method, route template and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "dautri_http_request_duration_seconds",
                "HTTP request latency by method and route template",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["method", "route"],
        )?;
        let db_pool = IntGaugeVec::new(
            Opts::new(
                "dautri_db_pool_connections",
                "Database pool connections by state",
            ),
            &["state"],
        )?;
        let db_up = IntGauge::new("dautri_db_up", "1 if the database answered the last check")?;
        let store_up = IntGauge::new(
            "dautri_store_up",
            "1 if the scoring store (Redis or in-process) answered the last check",
        )?;
        let cache_changes = IntCounterVec::new(
            Opts::new(
                "dautri_cache_changes_total",
                "Cache changes told to other instances (sent, send_failed), heard from them \
                 (received), and subscriptions to them (subscribed: more than one means it was \
                 lost and every cache was dropped)",
            ),
            &["event"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(cache_changes.clone()))?;
        let replica_lag = prometheus::Gauge::new(
            "dautri_db_replica_lag_seconds",
            "How far the read replica was behind its primary when a report last asked",
        )?;
        registry.register(Box::new(replica_lag.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(db_pool.clone()))?;
        registry.register(Box::new(db_up.clone()))?;
        registry.register(Box::new(store_up.clone()))?;
        let redis_worker_connections = IntGauge::new(
            "dautri_redis_worker_connections",
            "HTTP worker threads with a Redis connection of their own (the others, if any, \
             share the connection opened at start)",
        )?;
        registry.register(Box::new(redis_worker_connections.clone()))?;
        let in_flight = IntGauge::new(
            "dautri_http_in_flight",
            "API requests being worked on (at most DAUTRI_HTTP__MAX_IN_FLIGHT)",
        )?;
        let crowded = prometheus::IntCounter::new(
            "dautri_http_crowded_total",
            "API requests refused 503 crowded because as many were being worked on as the \
             server takes at once",
        )?;
        registry.register(Box::new(in_flight.clone()))?;
        registry.register(Box::new(crowded.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
            db_pool,
            db_up,
            store_up,
            redis_worker_connections,
            cache_changes,
            replica_lag,
            in_flight,
            crowded,
        })
    }

    /// Records the intake's figures (`intake`): requests in progress, and refusals
    /// since start.
    pub fn intake(&self, in_flight: usize, refused: u64) {
        self.in_flight
            .set(i64::try_from(in_flight).unwrap_or(i64::MAX));
        self.crowded
            .inc_by(refused.saturating_sub(self.crowded.get()));
    }

    /// Records how far the read replica was behind when a report asked.
    pub fn replica_lag(&self, seconds: f64) {
        self.replica_lag.set(seconds);
    }

    /// Counts one event of the caches' broadcast (`app::coherence`).
    pub fn cache_change(&self, event: &'static str) {
        self.cache_changes.with_label_values(&[event]).inc();
    }

    /// The registry, for modules that register their own metrics.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Records health and pool figures, then renders the text exposition format.
    pub async fn render(&self, db: &DatabaseConnection, store: &Store) -> anyhow::Result<String> {
        self.db_up
            .set(i64::from(crate::persistence::db::ping(db).await));
        self.store_up.set(i64::from(store.ping().await.is_ok()));
        self.redis_worker_connections
            .set(i64::try_from(store.worker_connections()).unwrap_or(i64::MAX));
        let (size, idle) = pool_figures(db);
        self.db_pool.with_label_values(&["idle"]).set(idle);
        self.db_pool.with_label_values(&["in_use"]).set(size - idle);
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8(buffer)?)
    }
}

fn pool_figures(db: &DatabaseConnection) -> (i64, i64) {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (
                i64::from(pool.size()),
                i64::try_from(pool.num_idle()).unwrap_or(0),
            )
        }
        DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (
                i64::from(pool.size()),
                i64::try_from(pool.num_idle()).unwrap_or(0),
            )
        }
        _ => (0, 0),
    }
}

/// Middleware: counts and times every request.
///
/// # Implementation notes
/// The metrics are read from their own `web::Data<Metrics>` rather than from the `AppState`
/// that holds them, so this module does not depend on `state` (which depends on it).
pub async fn track(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<Metrics>>()
        .map(|m| m.get_ref().clone());
    let method = req.method().as_str().to_owned();
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        let status = response.status().as_u16().to_string();
        metrics
            .requests
            .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
            .inc();
        metrics
            .latency
            .with_label_values(&[method.as_str(), route.as_str()])
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}
