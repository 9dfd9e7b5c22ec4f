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

use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::persistence;
use crate::routes::extract::Query;
use crate::routes::leaderboards::{BoardLine, UnitOrder, UnitStanding, line, rank_units, standing};
use crate::scoring::{Board, TallyScope};
use crate::state::AppState;

/// How often a connection looks for changes (the throttle).
pub const TICK: Duration = Duration::from_millis(250);

/// A comment line this often keeps proxies from closing a quiet stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Registers the routes of this module.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(live_round);
}

/// What the screen shows.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LiveQuery {
    /// How many top entries (1–50, default 10).
    pub top: Option<u64>,
}

/// One snapshot.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveSnapshot {
    /// The round.
    pub round_id: Uuid,
    /// Distinct entrants with a counted result.
    pub participants: i64,
    /// Attempts recorded.
    pub finished_attempts: i64,
    /// Entrants with a perfect score.
    pub perfect_participants: i64,
    /// The best entries.
    pub top: Vec<BoardLine>,
    /// The host unit's children by participants.
    pub units: Vec<UnitStanding>,
}

struct Stream {
    state: web::Data<AppState>,
    contest_id: Uuid,
    round_id: Uuid,
    host: Uuid,
    top: u64,
    last_sent: Option<i64>,
    quiet_for: Duration,
    first: bool,
}

impl Stream {
    async fn snapshot(&self) -> Result<(i64, LiveSnapshot), ApiError> {
        let state = &self.state;
        let counters = state
            .store
            .round_counters(&state.keys, self.contest_id, self.round_id)
            .await?;
        let units = state.units.snapshot(&state.db).await?;
        let board = Board::Round {
            contest_id: self.contest_id,
            round_id: self.round_id,
            unit_id: None,
        };
        let page = state
            .store
            .board_page(&state.keys, &board, 0, self.top)
            .await?;
        let children = units.children(Some(self.host)).to_vec();
        let scope = TallyScope::Round {
            contest_id: self.contest_id,
            round_id: self.round_id,
        };
        let tallies = state.store.tallies(&state.keys, &scope, &children).await?;
        let mut ranked: Vec<UnitStanding> = children
            .iter()
            .zip(tallies)
            .map(|(id, t)| standing(&units, *id, t))
            .collect();
        rank_units(&mut ranked, UnitOrder::Participants);
        Ok((
            counters.finished_attempts,
            LiveSnapshot {
                round_id: self.round_id,
                participants: counters.participants,
                finished_attempts: counters.finished_attempts,
                perfect_participants: counters.perfect_participants,
                top: page.items.iter().map(|s| line(&units, s, None)).collect(),
                units: ranked,
            },
        ))
    }

    /// The next chunk of the stream: an event, a keep-alive, or (after an error) the end.
    async fn next(mut self) -> Option<(Result<Bytes, actix_web::Error>, Self)> {
        if self.first {
            self.first = false;
            // Clients wait this long before reconnecting after a drop.
            return Some((Ok(Bytes::from_static(b"retry: 3000\n\n")), self));
        }
        loop {
            match self.snapshot().await {
                Ok((version, snap)) if self.last_sent != Some(version) => {
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
            if self.quiet_for >= KEEP_ALIVE {
                self.quiet_for = Duration::ZERO;
                return Some((Ok(Bytes::from_static(b": keep-alive\n\n")), self));
            }
        }
    }
}

/// Live standings of a round as server-sent events (`event: standings`, JSON data, the id is
/// the count of recorded attempts). Reconnect with `Last-Event-ID` to skip an unchanged
/// snapshot.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), LiveQuery),
    responses(
        (status = 200, description = "An event stream of `LiveSnapshot`s", content_type = "text/event-stream", body = LiveSnapshot),
        (status = 404, description = "Unknown round, or a board you may not see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds/{id}/live")]
#[tracing::instrument(name = "Live round", skip_all, fields(round.id = %id))]
pub async fn live_round(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<Uuid>,
    query: Query<LiveQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let round = persistence::contests::get_round(&state.db, *id).await?;
    let contest =
        crate::routes::leaderboards::visible_contest(&state, user.as_ref(), round.contest_id)
            .await?;
    let top = match query.top {
        None => 10,
        Some(t @ 1..=50) => t,
        Some(_) => return Err(ApiError::field("/top", "top must be between 1 and 50")),
    };
    let last_sent = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok());
    let stream = Stream {
        state,
        contest_id: contest.id,
        round_id: round.id,
        host: contest.settings.unit_id.0,
        top,
        last_sent,
        quiet_for: Duration::ZERO,
        first: true,
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
