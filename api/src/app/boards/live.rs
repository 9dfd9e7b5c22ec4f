//! The live screen of a round: who may open it, and one snapshot of it (counters, the top
//! entries, the host unit's children ranked by participants, and for the contest's organizers
//! what is happening now: attempts started, people taking it, finishes in the last minute).
//! The route streams snapshots as server-sent events; this module knows nothing of HTTP.
//!
//! # Implementation notes
//! The board's counters come from the scoring store, cheap to poll. The activity counters come
//! from the attempts' record in the database, so they are counted only for organizers (the
//! monitor), and the stream asks for them every few seconds rather than on every tick.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    BoardLine, UnitOrder, UnitStanding, check_scores_shown, line, ranked_units, visible_contest,
};
use crate::app::contest_access::{Access, access};
use crate::auth::Caller;
use crate::domain::ids::{ContestId, RoundId, UserId};
use crate::error::ApiError;
use crate::persistence;
use crate::scoring::{Board, TallyScope};
use crate::state::AppState;

/// One snapshot.
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveSnapshot {
    /// The round.
    #[schema(value_type = Uuid)]
    pub round_id: RoundId,
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
    /// What is happening now; only the contest's organizers get it (null for anyone else).
    pub activity: Option<Activity>,
}

/// A round's activity now, for its organizers' monitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Activity {
    /// Attempts started so far (practice attempts left out).
    pub started_attempts: u64,
    /// People taking the round now (attempts open and within their time limit).
    pub in_progress: u64,
    /// Attempts handed in during the last minute (finishes per minute).
    pub finished_last_minute: u64,
    /// When these were counted.
    pub counted_at: DateTime<Utc>,
}

impl Activity {
    /// Whether two counts say the same, whenever they were taken.
    pub fn same_counts(&self, other: &Self) -> bool {
        (
            self.started_attempts,
            self.in_progress,
            self.finished_last_minute,
        ) == (
            other.started_attempts,
            other.in_progress,
            other.finished_last_minute,
        )
    }
}

/// A round's live screen, once the caller may see it.
#[derive(Debug, Clone, Copy)]
pub struct LiveBoard {
    /// The contest.
    pub contest_id: ContestId,
    /// The round.
    pub round_id: RoundId,
    /// The contest's host unit, whose children are ranked.
    pub host: Uuid,
    /// How many top entries.
    pub top: u64,
    /// Whether the caller organises the contest (and so sees the activity counters).
    pub manager: bool,
}

/// Opens a round's live screen: the round must exist, its boards be visible to the caller, and
/// `top` be 1–50 (10 by default).
pub async fn open(
    state: &AppState,
    user: Option<UserId>,
    round_id: RoundId,
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
    let manager = match user {
        Some(user) => {
            let caller = Caller::load(&state.db, user).await?;
            matches!(
                access(&state.db, &caller, &contest).await,
                Ok(Access::Manage)
            )
        }
        None => false,
    };
    Ok(LiveBoard {
        contest_id: contest.id,
        round_id: round.id,
        host: contest.settings.unit_id.into_uuid(),
        top,
        manager,
    })
}

impl LiveBoard {
    /// The activity counters at `now`, for an organizer (None for anyone else).
    pub async fn activity(
        &self,
        state: &AppState,
        now: DateTime<Utc>,
    ) -> Result<Option<Activity>, ApiError> {
        if !self.manager {
            return Ok(None);
        }
        let a = persistence::attempts::round_activity(&state.db, self.round_id, now).await?;
        Ok(Some(Activity {
            started_attempts: a.started,
            in_progress: a.in_progress,
            finished_last_minute: a.finished_last_minute,
            counted_at: now,
        }))
    }

    /// The screen now, with its version: the count of recorded attempts. `activity` is what
    /// [`Self::activity`] last counted.
    pub async fn snapshot(
        &self,
        state: &AppState,
        activity: Option<Activity>,
    ) -> Result<(i64, LiveSnapshot), ApiError> {
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
                activity,
            },
        ))
    }
}

/// The address a member opens to join a round, at `origin` (`scheme://host`): the app's
/// `/vao-thi/{round}` page, which signs them in if needed and opens the round.
pub fn join_url(origin: &str, round_id: RoundId) -> String {
    format!("{origin}/vao-thi/{round_id}")
}

/// A QR code (SVG) of the round's join address, for the big screen: made the same way as a
/// certificate's. Anyone may have it (it holds only the address); an unknown round is a 404.
pub async fn join_qr(
    state: &AppState,
    round_id: RoundId,
    origin: &str,
) -> Result<String, ApiError> {
    let round = persistence::contests::get_round(&state.db, round_id).await?;
    crate::app::theory::certificates::qr_svg(&join_url(origin, round.id))
}
