//! A round's entrants as its organizers see them: the live board (each entrant's counted
//! result, voided results left out) with who they are (full name, masked phone, their id), so
//! the monitor can void a result and the organizers can tell people apart. Names are shown in
//! full only here, to the contest's organizers, as in the exports they report upward.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::checked_unit;
use crate::app::paging::checked_limit;
use crate::app::publishing::managed_round;
use crate::attempts::from_ms;
use crate::domain::ids::{RoundId, UserId};
use crate::error::ApiError;
use crate::persistence;
use crate::scoring::Board;
use crate::state::AppState;

/// One entrant's counted result.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntrantLine {
    /// 1-based position on the live board (score ↓, time used ↑, finish ↑).
    pub rank: u64,
    /// Whose result (what a void names).
    pub user_id: Uuid,
    /// Full name.
    pub full_name: String,
    /// Phone, masked (`09xx xxx 123`).
    pub phone_masked: String,
    /// The entrant's unit.
    pub unit_id: Option<Uuid>,
    /// Its name.
    pub unit_name: String,
    /// Score of the counted attempt.
    pub score: i64,
    /// Time used, ms.
    pub time_used_ms: i64,
    /// When the counted attempt was handed in.
    pub finished_at: DateTime<Utc>,
}

/// A page of entrants.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntrantsResponse {
    /// Best first.
    pub items: Vec<EntrantLine>,
    /// Entrants with a counted result (in the unit's subtree, if one was asked for).
    pub total: u64,
}

/// A page of a round's entrants with a counted result, for its organizers (403 for entrants,
/// 404 for anyone else).
pub async fn round_entrants(
    state: &AppState,
    user: UserId,
    round_id: RoundId,
    unit_id: Option<Uuid>,
    offset: u64,
    limit: Option<u64>,
) -> Result<EntrantsResponse, ApiError> {
    let (round, contest) = managed_round(state, user, round_id).await?;
    let units = state.units.snapshot(&state.db).await?;
    let unit_id = checked_unit(&units, unit_id)?;
    let board = Board::Round {
        contest_id: contest.id,
        round_id: round.id,
        unit_id,
    };
    let page = state
        .store
        .board_page(&state.keys, &board, offset, checked_limit(limit)?)
        .await?;
    let ids: Vec<Uuid> = page.items.iter().map(|s| s.user_id).collect();
    let mut people = persistence::results::people(&state.db, &ids).await?;
    let items = page
        .items
        .iter()
        .map(|s| {
            let person = people.remove(&s.user_id);
            EntrantLine {
                rank: s.rank + 1,
                user_id: s.user_id,
                full_name: person
                    .as_ref()
                    .map_or_else(|| s.display_name.clone(), |p| p.full_name.clone()),
                phone_masked: person
                    .and_then(|p| crate::domain::phone::Phone::parse(&p.phone).ok())
                    .map_or_else(String::new, |ph| ph.masked()),
                unit_id: s.unit_id(),
                unit_name: units.name(s.unit_id()).to_owned(),
                score: s.score,
                time_used_ms: s.time_used_ms,
                finished_at: from_ms(s.finished_at_ms),
            }
        })
        .collect();
    Ok(EntrantsResponse {
        items,
        total: page.total,
    })
}
