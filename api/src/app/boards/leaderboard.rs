//! Leaderboards: a round's (live while open, final once published), a contest's cumulative one,
//! each for everyone or a unit's subtree, my place on them, and units ranked by participation.
//!
//! Live boards are read from the scoring store only; the database is asked for the round and
//! its contest (who may see the board) and, once published, for the frozen ranking.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    BoardLine, UnitOrder, UnitStanding, check_contest_scores_shown, checked_unit, contest_ranking,
    line, parent_and_children, round_ranking, visible_contest, visible_round,
};
use crate::app::paging::checked_limit;
use crate::caches::directory::Snapshot;
use crate::domain::ids::{AttemptId, ContestId, RoundId, UserId};
use crate::domain::person::mask_name;
use crate::error::ApiError;
use crate::persistence::{self, contests::Contest, results::FinalRow, results::OverallRow};
use crate::scoring::{Board, TallyScope};
use crate::state::AppState;

/// A page of a board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardResponse {
    /// Lines, best first.
    pub items: Vec<BoardLine>,
    /// Entries on the whole board.
    pub total: u64,
    /// `live` (open or not yet published) or `final` (published and frozen).
    pub state: &'static str,
    /// When the results were published.
    pub published_at: Option<DateTime<Utc>>,
    /// The round's name, or the contest's title on a contest board.
    pub title: String,
    /// The prediction question's true value (a published round).
    pub prediction_actual: Option<i64>,
}

/// My place on a board.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyPlace {
    /// Whether I am on the board at all.
    pub ranked: bool,
    /// My line.
    pub entry: Option<BoardLine>,
    /// Entries on the whole board.
    pub total: u64,
    /// `live` or `final`.
    pub state: &'static str,
}

/// Units ranked by participation.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitsResponse {
    /// The parent's own totals (its whole subtree).
    pub parent: UnitStanding,
    /// Its children, ranked.
    pub items: Vec<UnitStanding>,
}

/// Which page of a board: a unit's subtree or everyone, `offset`, and the `limit` as asked
/// (checked here, after the board is known to be visible).
#[derive(Debug, Clone, Copy)]
pub struct BoardPage {
    /// Only the entrants of this unit's subtree.
    pub unit_id: Option<Uuid>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return as asked.
    pub limit: Option<u64>,
}

async fn live_page(
    state: &AppState,
    units: &Snapshot,
    board: Board,
    q: BoardPage,
    me: Option<Uuid>,
    title: String,
) -> Result<BoardResponse, ApiError> {
    let page = state
        .store
        .board_page(&state.keys, &board, q.offset, checked_limit(q.limit)?)
        .await?;
    Ok(BoardResponse {
        items: page.items.iter().map(|s| line(units, s, me)).collect(),
        total: page.total,
        state: "live",
        published_at: None,
        title,
        prediction_actual: None,
    })
}

/// Board lines for a page of a published ranking (position on the board, row).
async fn final_lines(
    state: &AppState,
    units: &Snapshot,
    page: &[(u64, FinalRow)],
    me: Option<Uuid>,
) -> Result<Vec<BoardLine>, ApiError> {
    let ids: Vec<UserId> = page.iter().map(|(_, r)| r.user_id).collect();
    let names = persistence::results::names(&state.db, &ids).await?;
    Ok(page
        .iter()
        .map(|(position, r)| final_line(units, &names, *position, r, me))
        .collect())
}

/// An overall result as a board line's row (boards show the same columns for both).
fn overall_as_final(r: &OverallRow) -> FinalRow {
    FinalRow {
        user_id: r.user_id,
        attempt_id: AttemptId::from_uuid(Uuid::nil()),
        unit_id: r.unit_id,
        rank: r.rank,
        score: r.score,
        max_score: 0,
        prediction: None,
        prediction_error: None,
        time_used_ms: r.time_used_ms,
        finished_at: r.last_finished_at,
        prize: r.prize.clone(),
    }
}

fn final_line(
    units: &Snapshot,
    names: &HashMap<UserId, String>,
    position: u64,
    row: &FinalRow,
    me: Option<Uuid>,
) -> BoardLine {
    BoardLine {
        rank: position,
        display_name: names
            .get(&row.user_id)
            .map_or_else(String::new, |n| mask_name(n)),
        unit_id: Some(row.unit_id.into_uuid()),
        unit_name: units.name(Some(row.unit_id)).to_owned(),
        score: row.score,
        time_used_ms: row.time_used_ms,
        finished_at: row.finished_at,
        prize: row.prize.clone(),
        is_me: me == Some(row.user_id.into_uuid()),
    }
}

/// A page of a round's board: live while the round runs, the frozen ranking once published.
pub async fn round_board(
    state: &AppState,
    user: Option<UserId>,
    round_id: RoundId,
    q: BoardPage,
) -> Result<BoardResponse, ApiError> {
    let (round, contest) = visible_round(state, user, round_id).await?;
    let units = state.units.snapshot(&state.db).await?;
    let unit_id = checked_unit(&units, q.unit_id)?;
    let me = user.map(|u| u.into_uuid());
    if let Some(published_at) = round.published_at {
        let ranking = round_ranking(state, round.id, published_at).await?;
        let view = ranking.view(&units, unit_id);
        let page: Vec<(u64, FinalRow)> = view
            .page(q.offset, checked_limit(q.limit)?)
            .into_iter()
            .map(|(p, r)| (p, r.clone()))
            .collect();
        return Ok(BoardResponse {
            items: final_lines(state, &units, &page, me).await?,
            total: u64::try_from(view.len()).unwrap_or(u64::MAX),
            state: "final",
            published_at: round.published_at,
            title: round.settings.name.clone(),
            prediction_actual: round.prediction_actual,
        });
    }
    let board = Board::Round {
        contest_id: contest.id,
        round_id: round.id,
        unit_id,
    };
    let title = round.settings.name.clone();
    live_page(state, &units, board, q, me, title).await
}

/// My place on a round's board (or a unit subtree's).
pub async fn round_place(
    state: &AppState,
    user: UserId,
    round_id: RoundId,
    unit_id: Option<Uuid>,
) -> Result<MyPlace, ApiError> {
    let (round, contest) = visible_round(state, Some(user), round_id).await?;
    let units = state.units.snapshot(&state.db).await?;
    let unit_id = checked_unit(&units, unit_id)?;
    if let Some(published_at) = round.published_at {
        let ranking = round_ranking(state, round.id, published_at).await?;
        let view = ranking.view(&units, unit_id);
        let mine: Vec<(u64, FinalRow)> = view
            .place_of(user.into_uuid())
            .map(|(p, r)| (p, r.clone()))
            .into_iter()
            .collect();
        let entry = final_lines(state, &units, &mine, Some(user.into_uuid())).await?;
        return Ok(MyPlace {
            ranked: !entry.is_empty(),
            entry: entry.into_iter().next(),
            total: u64::try_from(view.len()).unwrap_or(u64::MAX),
            state: "final",
        });
    }
    let board = Board::Round {
        contest_id: contest.id,
        round_id: round.id,
        unit_id,
    };
    my_live_place(state, &units, board, user.into_uuid()).await
}

async fn my_live_place(
    state: &AppState,
    units: &Snapshot,
    board: Board,
    me: Uuid,
) -> Result<MyPlace, ApiError> {
    let place = state.store.place_of(&state.keys, &board, me).await?;
    Ok(MyPlace {
        ranked: place.standing.is_some(),
        entry: place.standing.map(|s| line(units, &s, Some(me))),
        total: place.total,
        state: "live",
    })
}

/// A page of a contest's cumulative board: each entrant's best per round, summed; the overall
/// ranking once published.
pub async fn contest_board(
    state: &AppState,
    user: Option<UserId>,
    contest_id: ContestId,
    q: BoardPage,
) -> Result<BoardResponse, ApiError> {
    let contest = visible_contest(state, user, contest_id).await?;
    let units = state.units.snapshot(&state.db).await?;
    let unit_id = checked_unit(&units, q.unit_id)?;
    let me = user.map(|u| u.into_uuid());
    let title = contest.settings.title.clone();
    if let Some(published_at) = contest.published_at {
        // The overall results, as lines of the same shape.
        let ranking = contest_ranking(state, contest.id, published_at).await?;
        let view = ranking.view(&units, unit_id);
        let page: Vec<(u64, FinalRow)> = view
            .page(q.offset, checked_limit(q.limit)?)
            .into_iter()
            .map(|(p, r)| (p, overall_as_final(r)))
            .collect();
        return Ok(BoardResponse {
            items: final_lines(state, &units, &page, me).await?,
            total: u64::try_from(view.len()).unwrap_or(u64::MAX),
            state: "final",
            published_at: contest.published_at,
            title,
            prediction_actual: None,
        });
    }
    check_contest_scores_shown(state, user, &contest).await?;
    let board = Board::Contest {
        contest_id: contest.id,
        unit_id,
    };
    live_page(state, &units, board, q, me, title).await
}

/// My place on a contest's cumulative board.
pub async fn contest_place(
    state: &AppState,
    user: UserId,
    contest_id: ContestId,
    unit_id: Option<Uuid>,
) -> Result<MyPlace, ApiError> {
    let contest = visible_contest(state, Some(user), contest_id).await?;
    check_contest_scores_shown(state, Some(user), &contest).await?;
    let units = state.units.snapshot(&state.db).await?;
    let board = Board::Contest {
        contest_id: contest.id,
        unit_id: checked_unit(&units, unit_id)?,
    };
    my_live_place(state, &units, board, user.into_uuid()).await
}

async fn units_of(
    state: &AppState,
    contest: &Contest,
    scope: TallyScope,
    parent_id: Option<Uuid>,
    order: UnitOrder,
) -> Result<UnitsResponse, ApiError> {
    let units = state.units.snapshot(&state.db).await?;
    let parent = parent_id.unwrap_or(contest.settings.unit_id.into_uuid());
    if units.get(parent).is_none() {
        return Err(ApiError::field("/parent_id", "no such unit"));
    }
    let (mut parent, items) = parent_and_children(state, &units, &scope, parent, order).await?;
    parent.rank = 1;
    Ok(UnitsResponse { parent, items })
}

/// The children of a unit (the contest's host unit by default) ranked by `order` in a round.
pub async fn round_units(
    state: &AppState,
    user: Option<UserId>,
    round_id: RoundId,
    parent_id: Option<Uuid>,
    order: UnitOrder,
) -> Result<UnitsResponse, ApiError> {
    let (round, contest) = visible_round(state, user, round_id).await?;
    let scope = TallyScope::Round {
        contest_id: contest.id,
        round_id: round.id,
    };
    units_of(state, &contest, scope, parent_id, order).await
}

/// The same over a whole contest (each entrant counted once, with their summed score).
pub async fn contest_units(
    state: &AppState,
    user: Option<UserId>,
    contest_id: ContestId,
    parent_id: Option<Uuid>,
    order: UnitOrder,
) -> Result<UnitsResponse, ApiError> {
    let contest = visible_contest(state, user, contest_id).await?;
    check_contest_scores_shown(state, user, &contest).await?;
    let scope = TallyScope::Contest {
        contest_id: contest.id,
    };
    units_of(state, &contest, scope, parent_id, order).await
}
