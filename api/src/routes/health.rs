//! Liveness, readiness and metrics: outside `/api/v1`, for load balancers and Prometheus.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
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

/// Prometheus text exposition, for the scraper only: with `DAUTRI_METRICS_TOKEN` set, the
/// request must carry it as a bearer token; without one, only unforwarded requests from this
/// machine's loopback address are answered (others get 404, as if there were no such page).
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Prometheus metrics", content_type = "text/plain"),
        (status = 401, description = "A token is configured and this request does not carry it", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No token is configured and the request is not local", body = crate::error::Problem, content_type = "application/problem+json"),
    ),
    security((), ("metrics_token" = []))
)]
#[get("/metrics")]
pub async fn metrics(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    may_scrape(&state, &req)?;
    state
        .metrics
        .intake(state.intake.in_flight(), state.intake.refused());
    let text = state.metrics.render(&state.db, &state.store).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}

/// Whether `req` may read the metrics (see [`metrics`]).
fn may_scrape(state: &AppState, req: &HttpRequest) -> Result<(), ApiError> {
    use secrecy::ExposeSecret;
    if let Some(token) = &state.settings.metrics_token {
        let sent = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        return if constant_time_eq(sent.as_bytes(), token.expose_secret().as_bytes()) {
            Ok(())
        } else {
            Err(ApiError::Unauthorized)
        };
    }
    let local = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| req.headers().contains_key(*h));
    if local && !forwarded {
        Ok(())
    } else {
        Err(ApiError::NotFound("page"))
    }
}

/// Compares without stopping at the first difference, so timing does not tell how much of a
/// guessed token was right.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
