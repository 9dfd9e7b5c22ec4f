//! The live screen of a round: who may open it, and one snapshot of it (counters, the top
//! entries, the host unit's children ranked by participants). The route streams snapshots as
//! server-sent events; this module knows nothing of HTTP.

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    BoardLine, UnitOrder, UnitStanding, check_scores_shown, line, ranked_units, visible_contest,
};
use crate::domain::ids::UserId;
use crate::error::ApiError;
use crate::persistence;
use crate::scoring::{Board, TallyScope};
use crate::state::AppState;

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

/// A round's live screen, once the caller may see it.
#[derive(Debug, Clone, Copy)]
pub struct LiveBoard {
    /// The contest.
    pub contest_id: Uuid,
    /// The round.
    pub round_id: Uuid,
    /// The contest's host unit, whose children are ranked.
    pub host: Uuid,
    /// How many top entries.
    pub top: u64,
}

/// Opens a round's live screen: the round must exist, its boards be visible to the caller, and
/// `top` be 1–50 (10 by default).
pub async fn open(
    state: &AppState,
    user: Option<UserId>,
    round_id: Uuid,
    top: Option<u64>,
) -> Result<LiveBoard, ApiError> {
    let round = persistence::contests::get_round(&state.db, round_id).await?;
    let contest = visible_contest(state, user, round.contest_id).await?;
    check_scores_shown(state, user, &round, &contest).await?;
    let top = match top {
        None => 10,
        Some(t @ 1..=50) => t,
        Some(_) => return Err(ApiError::field("/top", "top must be between 1 and 50")),
    };
    Ok(LiveBoard {
        contest_id: contest.id,
        round_id: round.id,
        host: contest.settings.unit_id.0,
        top,
    })
}

impl LiveBoard {
    /// The screen now, with its version: the count of recorded attempts.
    pub async fn snapshot(&self, state: &AppState) -> Result<(i64, LiveSnapshot), ApiError> {
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
        let ranked =
            ranked_units(state, &units, &scope, &children, UnitOrder::Participants).await?;
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
}
