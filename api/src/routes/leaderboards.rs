//! Leaderboards: a round's (live while open, final once published), a contest's cumulative one,
//! each for everyone or a unit's subtree, my place on them, and units ranked by participation.
//!
//! Live boards are read from the scoring store only; the database is asked for the round and
//! its contest (who may see the board) and, once published, for the frozen ranking. Names are
//! always masked (`Nguyễn V. A.`); phone numbers and citizen ids never appear.

use std::sync::Arc;

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::contest_access::{Access, access};
use crate::attempts::from_ms;
use crate::auth::{AuthUser, Caller};
use crate::domain::contest::LeaderboardVisibility;
use crate::domain::person::mask_name;
use crate::error::{ApiError, Problem};
use crate::persistence::results::{FinalRow, OverallRow};
use crate::persistence::{self, contests::Contest, contests::Round};
use crate::routes::extract::Query;
use crate::scoring::{Board, Standing, TallyScope};
use crate::standings::directory::Snapshot;
use crate::standings::frozen::Ranking;
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(round_leaderboard)
        .service(round_leaderboard_me)
        .service(contest_leaderboard)
        .service(contest_leaderboard_me)
        .service(round_units)
        .service(contest_units);
}

/// Which part of a board.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    /// Only the entrants of this unit's subtree.
    pub unit_id: Option<Uuid>,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// Rows to return (1–200, default 50).
    pub limit: Option<u64>,
}

impl BoardQuery {
    fn limit(&self) -> Result<u64, ApiError> {
        crate::routes::extract::checked_limit(self.limit)
    }
}

/// Whose place on which board.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MeQuery {
    /// On the board of this unit's subtree.
    pub unit_id: Option<Uuid>,
}

/// One line of a board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardLine {
    /// 1-based position on this board.
    pub rank: u64,
    /// Masked name.
    pub display_name: String,
    /// The entrant's unit.
    pub unit_id: Option<Uuid>,
    /// Its name.
    pub unit_name: String,
    /// Score (summed over rounds on a contest board).
    pub score: i64,
    /// Time used in ms (summed over rounds on a contest board).
    pub time_used_ms: i64,
    /// When the counted attempt finished (the latest, on a contest board).
    pub finished_at: DateTime<Utc>,
    /// The prize, on a published round.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prize: Option<String>,
    /// Whether this line is the caller's.
    pub is_me: bool,
}

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

/// Loads a round and its contest and checks the caller may see its boards.
async fn visible_round(
    state: &AppState,
    user: Option<&AuthUser>,
    round_id: Uuid,
) -> Result<(Arc<Round>, Arc<Contest>), ApiError> {
    let round = state
        .catalog
        .round(&state.db, round_id)
        .await
        .map_err(|e| match e {
            persistence::PersistenceError::NotFound(_) => ApiError::NotFound("round"),
            e => e.into(),
        })?;
    let contest = visible_contest(state, user, round.contest_id).await?;
    Ok((round, contest))
}

/// Loads a contest and checks the caller may see its boards: anyone for a public board, anyone
/// signed in for a members' board, the contest's organizers for an organizers' board. Theory
/// tests have no boards. Round and contest come from the short-lived catalog, so a public or
/// members' board is read without the database.
pub(crate) async fn visible_contest(
    state: &AppState,
    user: Option<&AuthUser>,
    contest_id: Uuid,
) -> Result<Arc<Contest>, ApiError> {
    let contest = state.catalog.contest(&state.db, contest_id).await?;
    if contest.settings.kind == crate::domain::contest::ContestKind::TheoryTest {
        return Err(ApiError::NotFound("leaderboard"));
    }
    match (contest.settings.leaderboard_visibility, user) {
        (LeaderboardVisibility::Public, _) => Ok(contest),
        (_, None) => Err(ApiError::Unauthorized),
        (LeaderboardVisibility::Members, Some(_)) => Ok(contest),
        (LeaderboardVisibility::Organizers, Some(user)) => {
            let caller = Caller::load(&state.db, user.id).await?;
            match access(&state.db, &caller, &contest).await? {
                Access::Manage => Ok(contest),
                Access::Enter => Err(ApiError::NotFound("leaderboard")),
            }
        }
    }
}

fn checked_unit(units: &Snapshot, unit_id: Option<Uuid>) -> Result<Option<Uuid>, ApiError> {
    match unit_id {
        Some(id) if units.get(id).is_none() => Err(ApiError::field("/unit_id", "no such unit")),
        other => Ok(other),
    }
}

pub(crate) fn line(units: &Snapshot, s: &Standing, me: Option<Uuid>) -> BoardLine {
    BoardLine {
        rank: s.rank + 1,
        display_name: s.display_name.clone(),
        unit_id: s.unit_id(),
        unit_name: units.name(s.unit_id()).to_owned(),
        score: s.score,
        time_used_ms: s.time_used_ms,
        finished_at: from_ms(s.finished_at_ms),
        prize: None,
        is_me: me == Some(s.user_id),
    }
}

async fn live_page(
    state: &AppState,
    units: &Snapshot,
    board: Board,
    q: &BoardQuery,
    me: Option<Uuid>,
    title: String,
) -> Result<BoardResponse, ApiError> {
    let page = state
        .store
        .board_page(&state.keys, &board, q.offset, q.limit()?)
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

/// A round's published ranking, held in memory after its first reader.
pub(crate) async fn round_ranking(
    state: &AppState,
    round_id: Uuid,
    published_at: DateTime<Utc>,
) -> Result<Arc<Ranking<FinalRow>>, ApiError> {
    Ok(state
        .frozen
        .rounds
        .get(round_id, published_at, || {
            persistence::results::final_all(&state.db, round_id)
        })
        .await?)
}

/// A contest's published overall ranking, held in memory after its first reader.
pub(crate) async fn contest_ranking(
    state: &AppState,
    contest_id: Uuid,
    published_at: DateTime<Utc>,
) -> Result<Arc<Ranking<OverallRow>>, ApiError> {
    Ok(state
        .frozen
        .contests
        .get(contest_id, published_at, || {
            persistence::results::overall_all(&state.db, contest_id)
        })
        .await?)
}

/// Board lines for a page of a published ranking (position on the board, row).
async fn final_lines(
    state: &AppState,
    units: &Snapshot,
    page: &[(u64, FinalRow)],
    me: Option<Uuid>,
) -> Result<Vec<BoardLine>, ApiError> {
    let ids: Vec<Uuid> = page.iter().map(|(_, r)| r.user_id).collect();
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
        attempt_id: Uuid::nil(),
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
    names: &std::collections::HashMap<Uuid, String>,
    position: u64,
    row: &persistence::results::FinalRow,
    me: Option<Uuid>,
) -> BoardLine {
    BoardLine {
        rank: position,
        display_name: names
            .get(&row.user_id)
            .map_or_else(String::new, |n| mask_name(n)),
        unit_id: Some(row.unit_id),
        unit_name: units.name(Some(row.unit_id)).to_owned(),
        score: row.score,
        time_used_ms: row.time_used_ms,
        finished_at: row.finished_at,
        prize: row.prize.clone(),
        is_me: me == Some(row.user_id),
    }
}

/// A round's leaderboard: live while the round runs, the frozen ranking once published.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), BoardQuery),
    responses(
        (status = 200, description = "A page of the board", body = BoardResponse),
        (status = 401, description = "The board is for signed-in members", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown round, or a board you may not see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad unit or limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/rounds/{id}/leaderboard")]
#[tracing::instrument(name = "Round leaderboard", skip_all, fields(round.id = %id))]
pub async fn round_leaderboard(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<Uuid>,
    query: Query<BoardQuery>,
) -> Result<web::Json<BoardResponse>, ApiError> {
    let (round, contest) = visible_round(&state, user.as_ref(), *id).await?;
    let units = state.units.snapshot(&state.db).await?;
    let unit_id = checked_unit(&units, query.unit_id)?;
    let me = user.map(|u| u.id.0);
    if let Some(published_at) = round.published_at {
        let ranking = round_ranking(&state, round.id, published_at).await?;
        let view = ranking.view(&units, unit_id);
        let page: Vec<(u64, FinalRow)> = view
            .page(query.offset, query.limit()?)
            .into_iter()
            .map(|(p, r)| (p, r.clone()))
            .collect();
        return Ok(web::Json(BoardResponse {
            items: final_lines(&state, &units, &page, me).await?,
            total: u64::try_from(view.len()).unwrap_or(u64::MAX),
            state: "final",
            published_at: round.published_at,
            title: round.settings.name.clone(),
            prediction_actual: round.prediction_actual,
        }));
    }
    let board = Board::Round {
        contest_id: contest.id,
        round_id: round.id,
        unit_id,
    };
    let title = round.settings.name.clone();
    Ok(web::Json(
        live_page(&state, &units, board, &query, me, title).await?,
    ))
}

/// My place on a round's board (or a unit subtree's).
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), MeQuery),
    responses((status = 200, description = "My place", body = MyPlace), (status = 404, description = "Unknown round", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/rounds/{id}/leaderboard/me")]
#[tracing::instrument(name = "My round place", skip_all, fields(round.id = %id, user.id = %user.id))]
pub async fn round_leaderboard_me(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: Query<MeQuery>,
) -> Result<web::Json<MyPlace>, ApiError> {
    let (round, contest) = visible_round(&state, Some(&user), *id).await?;
    let units = state.units.snapshot(&state.db).await?;
    let unit_id = checked_unit(&units, query.unit_id)?;
    if let Some(published_at) = round.published_at {
        let ranking = round_ranking(&state, round.id, published_at).await?;
        let view = ranking.view(&units, unit_id);
        let mine: Vec<(u64, FinalRow)> = view
            .place_of(user.id.0)
            .map(|(p, r)| (p, r.clone()))
            .into_iter()
            .collect();
        let entry = final_lines(&state, &units, &mine, Some(user.id.0)).await?;
        return Ok(web::Json(MyPlace {
            ranked: !entry.is_empty(),
            entry: entry.into_iter().next(),
            total: u64::try_from(view.len()).unwrap_or(u64::MAX),
            state: "final",
        }));
    }
    let board = Board::Round {
        contest_id: contest.id,
        round_id: round.id,
        unit_id,
    };
    my_live_place(&state, &units, board, user.id.0).await
}

async fn my_live_place(
    state: &AppState,
    units: &Arc<Snapshot>,
    board: Board,
    me: Uuid,
) -> Result<web::Json<MyPlace>, ApiError> {
    let standing = state.store.standing_of(&state.keys, &board, me).await?;
    let total = state
        .store
        .board_page(&state.keys, &board, 0, 0)
        .await?
        .total;
    Ok(web::Json(MyPlace {
        ranked: standing.is_some(),
        entry: standing.map(|s| line(units, &s, Some(me))),
        total,
        state: "live",
    }))
}

/// A contest's cumulative leaderboard: each entrant's best per round, summed.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Contest id"), BoardQuery),
    responses((status = 200, description = "A page of the board", body = BoardResponse), (status = 404, description = "Unknown contest, or a board you may not see", body = Problem, content_type = "application/problem+json"))
)]
#[get("/contests/{id}/leaderboard")]
#[tracing::instrument(name = "Contest leaderboard", skip_all, fields(contest.id = %id))]
pub async fn contest_leaderboard(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<Uuid>,
    query: Query<BoardQuery>,
) -> Result<web::Json<BoardResponse>, ApiError> {
    let contest = visible_contest(&state, user.as_ref(), *id).await?;
    let units = state.units.snapshot(&state.db).await?;
    let unit_id = checked_unit(&units, query.unit_id)?;
    let me = user.map(|u| u.id.0);
    let title = contest.settings.title.clone();
    if let Some(published_at) = contest.published_at {
        // The overall results, as lines of the same shape.
        let ranking = contest_ranking(&state, contest.id, published_at).await?;
        let view = ranking.view(&units, unit_id);
        let page: Vec<(u64, FinalRow)> = view
            .page(query.offset, query.limit()?)
            .into_iter()
            .map(|(p, r)| (p, overall_as_final(r)))
            .collect();
        return Ok(web::Json(BoardResponse {
            items: final_lines(&state, &units, &page, me).await?,
            total: u64::try_from(view.len()).unwrap_or(u64::MAX),
            state: "final",
            published_at: contest.published_at,
            title,
            prediction_actual: None,
        }));
    }
    let board = Board::Contest {
        contest_id: contest.id,
        unit_id,
    };
    Ok(web::Json(
        live_page(&state, &units, board, &query, me, title).await?,
    ))
}

/// My place on a contest's cumulative board.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Contest id"), MeQuery),
    responses((status = 200, description = "My place", body = MyPlace)),
    security(("bearer" = []))
)]
#[get("/contests/{id}/leaderboard/me")]
#[tracing::instrument(name = "My contest place", skip_all, fields(contest.id = %id, user.id = %user.id))]
pub async fn contest_leaderboard_me(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: Query<MeQuery>,
) -> Result<web::Json<MyPlace>, ApiError> {
    let contest = visible_contest(&state, Some(&user), *id).await?;
    let units = state.units.snapshot(&state.db).await?;
    let board = Board::Contest {
        contest_id: contest.id,
        unit_id: checked_unit(&units, query.unit_id)?,
    };
    my_live_place(&state, &units, board, user.id.0).await
}

/// How to rank units.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UnitOrder {
    /// Most participants first.
    #[default]
    Participants,
    /// Highest participation rate first (units without a member count last).
    Rate,
    /// Highest average score first.
    Score,
}

/// Which units.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UnitsQuery {
    /// Rank the children of this unit (default: the contest's host unit).
    pub parent_id: Option<Uuid>,
    /// `participants` (default), `rate` or `score`.
    #[serde(default)]
    pub order: UnitOrder,
}

/// One unit's participation.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct UnitStanding {
    /// 1-based position in this order.
    pub rank: u64,
    /// Unit.
    pub unit_id: Uuid,
    /// Name.
    pub name: String,
    /// Entrants of its subtree with a counted result.
    pub participants: i64,
    /// Declared members (null if not declared).
    pub members: Option<i32>,
    /// participants ÷ members (null without a positive member count).
    pub rate: Option<f64>,
    /// Average counted score (null without participants).
    pub avg_score: Option<f64>,
}

/// Units ranked by participation.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitsResponse {
    /// The parent's own totals (its whole subtree).
    pub parent: UnitStanding,
    /// Its children, ranked.
    pub items: Vec<UnitStanding>,
}

pub(crate) fn standing(
    units: &Snapshot,
    id: Uuid,
    tally: crate::scoring::UnitTally,
) -> UnitStanding {
    let info = units.get(id);
    let members = info.and_then(|u| u.member_count);
    #[allow(clippy::cast_precision_loss)]
    let ratio = |a: i64, b: i64| (b > 0).then(|| a as f64 / b as f64);
    UnitStanding {
        rank: 0,
        unit_id: id,
        name: info.map_or_else(String::new, |u| u.name.clone()),
        participants: tally.participants,
        members,
        rate: ratio(tally.participants, i64::from(members.unwrap_or(0))),
        avg_score: ratio(tally.score_sum, tally.participants),
    }
}

/// Ranks standings in place by `order`; units without a value for it go last, then by name.
pub(crate) fn rank_units(items: &mut [UnitStanding], order: UnitOrder) {
    let key = |u: &UnitStanding| match order {
        UnitOrder::Participants => Some(u.participants as f64),
        UnitOrder::Rate => u.rate,
        UnitOrder::Score => u.avg_score,
    };
    items.sort_by(|a, b| {
        match (key(a), key(b)) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
        .then_with(|| a.name.cmp(&b.name))
    });
    for (i, u) in items.iter_mut().enumerate() {
        u.rank = u64::try_from(i + 1).unwrap_or(u64::MAX);
    }
}

async fn units_of(
    state: &AppState,
    contest: &Contest,
    scope: TallyScope,
    q: &UnitsQuery,
) -> Result<UnitsResponse, ApiError> {
    let units = state.units.snapshot(&state.db).await?;
    let parent = q.parent_id.unwrap_or(contest.settings.unit_id.0);
    if units.get(parent).is_none() {
        return Err(ApiError::field("/parent_id", "no such unit"));
    }
    let mut ids = vec![parent];
    ids.extend_from_slice(units.children(Some(parent)));
    let tallies = state.store.tallies(&state.keys, &scope, &ids).await?;
    let mut all: Vec<UnitStanding> = ids
        .iter()
        .zip(tallies)
        .map(|(id, t)| standing(&units, *id, t))
        .collect();
    let mut items = all.split_off(1);
    rank_units(&mut items, q.order);
    let mut parent = all.remove(0);
    parent.rank = 1;
    Ok(UnitsResponse { parent, items })
}

/// The children of a unit ranked by participants, participation rate or average score in a
/// round.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), UnitsQuery),
    responses((status = 200, description = "Units ranked", body = UnitsResponse), (status = 404, description = "Unknown round, or a board you may not see", body = Problem, content_type = "application/problem+json"))
)]
#[get("/rounds/{id}/units")]
#[tracing::instrument(name = "Round units", skip_all, fields(round.id = %id))]
pub async fn round_units(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<Uuid>,
    query: Query<UnitsQuery>,
) -> Result<web::Json<UnitsResponse>, ApiError> {
    let (round, contest) = visible_round(&state, user.as_ref(), *id).await?;
    let scope = TallyScope::Round {
        contest_id: contest.id,
        round_id: round.id,
    };
    Ok(web::Json(units_of(&state, &contest, scope, &query).await?))
}

/// The same over a whole contest (each entrant counted once, with their summed score).
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Contest id"), UnitsQuery),
    responses((status = 200, description = "Units ranked", body = UnitsResponse))
)]
#[get("/contests/{id}/units")]
#[tracing::instrument(name = "Contest units", skip_all, fields(contest.id = %id))]
pub async fn contest_units(
    state: web::Data<AppState>,
    user: Option<AuthUser>,
    id: web::Path<Uuid>,
    query: Query<UnitsQuery>,
) -> Result<web::Json<UnitsResponse>, ApiError> {
    let contest = visible_contest(&state, user.as_ref(), *id).await?;
    let scope = TallyScope::Contest {
        contest_id: contest.id,
    };
    Ok(web::Json(units_of(&state, &contest, scope, &query).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str, participants: i64, members: Option<i32>) -> UnitStanding {
        let snap = Snapshot::default();
        let mut u = standing(
            &snap,
            Uuid::new_v4(),
            crate::scoring::UnitTally {
                participants,
                score_sum: participants * 10,
            },
        );
        u.name = name.into();
        u.members = members;
        #[allow(clippy::cast_precision_loss)]
        {
            u.rate = members
                .filter(|m| *m > 0)
                .map(|m| participants as f64 / f64::from(m));
        }
        u
    }

    #[test]
    fn units_without_a_member_count_rank_last_by_rate() {
        let mut items = vec![
            unit("A", 5, Some(10)),
            unit("B", 50, None),
            unit("C", 3, Some(0)),
            unit("D", 9, Some(10)),
            unit("E", 0, Some(10)),
        ];
        rank_units(&mut items, UnitOrder::Rate);
        let order: Vec<&str> = items.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(order, vec!["D", "A", "E", "B", "C"]);
        assert_eq!(
            items.iter().map(|u| u.rank).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
        rank_units(&mut items, UnitOrder::Participants);
        assert_eq!(items[0].name, "B");
        // No participants: no average score, so last by score.
        rank_units(&mut items, UnitOrder::Score);
        assert_eq!(items.last().map(|u| u.name.as_str()), Some("E"));
    }

    #[test]
    fn a_standing_without_members_or_participants_has_no_rate_or_average() {
        let u = standing(
            &Snapshot::default(),
            Uuid::new_v4(),
            crate::scoring::UnitTally::default(),
        );
        assert_eq!((u.rate, u.avg_score, u.members), (None, None, None));
    }
}
