//! Liveness, readiness and metrics: outside `/api/v1`, for load balancers and Prometheus.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

/// The process is alive.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// Readiness of each dependency.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `unavailable`.
    pub status: &'static str,
    /// Whether the database answered.
    pub database: bool,
    /// Whether the scoring store answered.
    pub scoring_store: bool,
    /// `redis` or `memory`.
    pub scoring_backend: &'static str,
}

/// Ready when the database and the scoring store both answer; 503 otherwise.
#[utoipa::path(tag = "health", responses((status = 200, description = "Ready", body = Readiness), (status = 503, description = "A dependency is down", body = Readiness)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let (database, store) =
        tokio::join!(crate::persistence::db::ping(&state.db), state.store.ping());
    let scoring_store = store.is_ok();
    let ready = database && scoring_store;
    let body = Readiness {
        status: if ready { "ready" } else { "unavailable" },
        database,
        scoring_store,
        scoring_backend: state.store.backend(),
    };
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text exposition.
#[utoipa::path(tag = "health", responses((status = 200, description = "Prometheus metrics", content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let text = state.metrics.render(&state.db, &state.store).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}
