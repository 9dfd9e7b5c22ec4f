//! `GET /rounds/{id}/live`: server-sent events for an organizer's big screen. Each event is a
//! whole snapshot (counters, the top entries, the host unit's children ranked by participation),
//! sent when something changed and at most a few times a second.
//!
//! # Implementation notes
//! Every connection polls the scoring store every [`TICK`] (three small reads) and sends only
//! when the round's count of recorded attempts moved, so a quiet round costs almost nothing
//! and a busy one is throttled to one event per tick. The event id is that count: a client that
//! reconnects with `Last-Event-ID` gets nothing until the board changes again, or the current
//! snapshot at once if it missed something. Snapshots make replaying older events unnecessary.
//!
//! For the contest's organizers the snapshot also carries the activity counters (attempts
//! started, people taking the round, finishes in the last minute), counted in the database
//! every [`ACTIVITY_EVERY`] rather than every tick; a change there sends an event too, with the
//! same id (the board has not moved).

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;

pub use crate::app::boards::live::LiveSnapshot;
use crate::app::boards::live::{self, Activity, LiveBoard};
use crate::auth::AuthUser;
use crate::domain::ids::RoundId;
use crate::error::{ApiError, Problem};
use crate::routes::extract::Query;
use crate::state::AppState;

/// How often a connection looks for changes (the throttle).
pub const TICK: Duration = Duration::from_millis(250);

/// How often an organizer's stream counts the activity in the database.
pub const ACTIVITY_EVERY: Duration = Duration::from_secs(2);

/// A comment line this often keeps proxies from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Registers the routes of this module.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(live_round).service(round_join_qr);
}

/// What the screen shows.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LiveQuery {
    /// How many top entries (1–50, default 10).
    #[param(minimum = 1, maximum = 50)]
    pub top: Option<u64>,
}

struct Stream {
    state: web::Data<AppState>,
    board: LiveBoard,
    last_sent: Option<i64>,
    quiet_for: Duration,
    first: bool,
    /// The activity last counted, and how long until it is counted again.
    activity: Option<Activity>,
    activity_in: Duration,
}

impl Stream {
    /// The next chunk of the stream: an event, a keep-alive, or (after an error) the end.
    async fn next(mut self) -> Option<(Result<Bytes, actix_web::Error>, Self)> {
        if self.first {
            self.first = false;
            // Clients wait this long before reconnecting after a drop.
            return Some((Ok(Bytes::from_static(b"retry: 3000\n\n")), self));
        }
        loop {
            let mut activity_moved = false;
            if self.board.manager && self.activity_in.is_zero() {
                self.activity_in = ACTIVITY_EVERY;
                match self.board.activity(&self.state, chrono::Utc::now()).await {
                    Ok(Some(now)) => {
                        activity_moved = self.activity.is_none_or(|a| !a.same_counts(&now));
                        self.activity = Some(now);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::warn!(error = %crate::error::cause_chain(&e), "live stream ended");
                        return None;
                    }
                }
            }
            match self.board.snapshot(&self.state, self.activity).await {
                Ok((version, snap)) if self.last_sent != Some(version) || activity_moved => {
                    self.last_sent = Some(version);
                    self.quiet_for = Duration::ZERO;
                    let data = serde_json::to_string(&snap).unwrap_or_default();
                    let event = format!("id: {version}\nevent: standings\ndata: {data}\n\n");
                    return Some((Ok(Bytes::from(event)), self));
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %crate::error::cause_chain(&e), "live stream ended");
                    return None;
                }
            }
            tokio::time::sleep(TICK).await;
            self.quiet_for += TICK;
            self.activity_in = self.activity_in.saturating_sub(TICK);
            if self.quiet_for >= KEEP_ALIVE {
                self.quiet_for = Duration::ZERO;
                return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), self));
            }
        }
    }
}

/// One server-sent event of the live stream, as the OpenAPI document describes a stream's items.
// For the document only: the stream writes its events itself (`Stream::next`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct LiveEvent {
    /// Always `standings`.
    #[schema(pattern = "^standings$")]
    event: String,
    /// The count of recorded attempts when the snapshot was taken; send it back as
    /// `Last-Event-ID` to skip an unchanged snapshot.
    #[schema(pattern = "^[0-9]+$")]
    id: String,
    /// A `LiveSnapshot`, as JSON.
    #[schema(content_media_type = "application/json")]
    data: String,
}

/// Live standings of a round as server-sent events (`event: standings`, JSON data, the id is
/// the count of recorded attempts). Reconnect with `Last-Event-ID` to skip an unchanged
/// snapshot.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), LiveQuery),
    responses((status = 403, description = "`results_not_published`: the round shows members no score (review none) until its results are published; its organizers see the board", body = Problem, content_type = "application/problem+json"), 
        (status = 200, description = "An event stream: each `standings` event's `data` is a `LiveSnapshot` as JSON", content_type = "text/event-stream", body = LiveEvent),
        (status = 404, description = "Unknown round, or a board you may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds/{id}/live")]
#[tracing::instrument(name = "Live round", skip_all, fields(round.id = %id))]
pub async fn live_round(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<RoundId>,
    query: Query<LiveQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let board = live::open(&state, user.map(|u| u.id), *id, query.top).await?;
    let last_sent = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let stream = Stream {
        state,
        board,
        last_sent,
        quiet_for: Duration::ZERO,
        first: true,
        activity: None,
        activity_in: Duration::ZERO,
    };
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        // Compression would hold small events back in the encoder's buffer.
        .insert_header(("Content-Encoding", "identity"))
        // Tells nginx-style proxies not to buffer the stream.
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(futures_util::stream::unfold(stream, Stream::next)))
}

/// A QR code (SVG) of the address members open to join the round (`/vao-thi/{id}` on this
/// site), for the big screen. Public: it holds only the address.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id")),
    responses(
        (status = 200, description = "SVG image", content_type = "image/svg+xml"),
        (status = 404, description = "Unknown round", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds/{id}/qr.svg")]
#[tracing::instrument(name = "Round join QR code", skip_all, fields(round.id = %id))]
pub async fn round_join_qr(
    state: web::Data<AppState>,
    id: web::Path<RoundId>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let origin = {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    let svg = live::join_qr(&state, *id, &origin).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(svg))
}
