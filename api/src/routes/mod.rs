//! HTTP routes: one module per resource, each with `configure`, plus the OpenAPI document.

pub mod attempts;
pub mod audit;
pub mod auth;
pub mod auth_user;
pub mod body_timeout;
pub mod common_responses;
pub mod compression;
pub mod contests;
pub mod exports;
pub mod extract;
pub mod fallback;
pub mod health;
pub mod images;
pub mod leaderboards;
pub mod live;
pub mod materials;
pub mod me;
pub mod query_params;
pub mod questions;
pub mod recovery;
pub mod results;
pub mod security_headers;
pub mod theory;
pub mod unit_transfers;
pub mod units;
pub mod upload;
pub mod users;

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The parts of the OpenAPI document not derived from handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "dautri API",
        description = "Online contests and political-theory tests for the Ho Chi Minh Communist Youth Union. \
Every error is `application/problem+json` with a stable `code`; lists take `offset` and `limit` and answer `{items, total}`.",
    ),
    modifiers(&BearerAuth),
    // `LiveSnapshot`: the live stream's events carry it as JSON text (`LiveEvent`), so no
    // handler names it; the frontend reads its type.
    components(schemas(crate::error::Problem, crate::error::FieldError, crate::app::boards::live::LiveSnapshot)),
    tags(
        (name = "auth", description = "Registration and sessions"),
        (name = "people", description = "Accounts and roles"),
        (name = "units", description = "The organisation tree"),
        (name = "questions", description = "Question banks, for organizers"),
        (name = "contests", description = "Contests and rounds"),
        (name = "attempts", description = "Taking a contest: attempts, answers, results"),
        (name = "leaderboards", description = "Live boards, unit participation, final results and exports"),
        (name = "theory", description = "Political-theory tests for new members: courses, progress, coverage, certificates"),
        (name = "health", description = "Probes and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".into());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
        // `/metrics`: the scraper's static token (DAUTRI_METRICS_TOKEN), not a JWT.
        components.add_security_scheme(
            "metrics_token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}
