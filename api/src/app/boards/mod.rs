//! Boards and rankings: who may see a contest's boards, the published rankings held in memory,
//! board lines, and units ranked by participation. The leaderboards, the live screen, the
//! published results and the exports all read boards through here.
//!
//! Names on boards are always masked (`Nguyễn V. A.`); phone numbers and citizen ids never
//! appear. Like the rest of `app`, nothing here imports `routes`.

pub mod entrants;
pub mod leaderboard;
pub mod live;
pub mod results;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::callers;
use crate::app::contest_access::{Access, Checker};
use crate::attempts::from_ms;
use crate::caches::directory::Snapshot;
use crate::caches::frozen::Ranking;
use crate::domain::contest::{LeaderboardVisibility, Review};
use crate::domain::ids::{ContestId, RoundId, UserId};
use crate::error::ApiError;
use crate::persistence::results::{FinalRow, OverallRow};
use crate::persistence::{self, contests::Contest, contests::Round};
use crate::scoring::{Standing, TallyScope};
use crate::state::AppState;

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

/// Loads a round and its contest and checks the caller may see its boards.
pub async fn visible_round(
    state: &AppState,
    user: Option<UserId>,
    round_id: RoundId,
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
    check_scores_shown(state, user, &round, &contest).await?;
    Ok((round, contest))
}

/// Whether a round keeps scores from its members until results are published (review `none`):
/// its live boards would tell them (and everyone else) their score.
fn hides_scores(round: &Round) -> bool {
    round.settings.review == Review::None && round.published_at.is_none()
}

/// Whether `user` manages `contest` (sees its boards whatever the round shows members).
async fn manages(
    state: &AppState,
    user: Option<UserId>,
    contest: &Contest,
) -> Result<bool, ApiError> {
    let Some(user) = user else { return Ok(false) };
    match viewer_access(state, user, contest).await {
        Ok(access) => Ok(access == Access::Manage),
        Err(ApiError::NotFound(_)) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `user`'s access to `contest` (404 for none), decided from memory (`app::callers`): every
/// member following a contest reads its board and their place every few seconds.
async fn viewer_access(
    state: &AppState,
    user: UserId,
    contest: &Contest,
) -> Result<Access, ApiError> {
    let known = callers::known(state, user).await?;
    Checker::in_tree(&state.db, &known.caller, known.unit_id, &known.tree)
        .access(contest)
        .await
}

/// Refuses a round's live boards to anyone but its organizers while the round hides scores.
pub async fn check_scores_shown(
    state: &AppState,
    user: Option<UserId>,
    round: &Round,
    contest: &Contest,
) -> Result<(), ApiError> {
    if hides_scores(round) && !manages(state, user, contest).await? {
        return Err(ApiError::ResultsNotPublished);
    }
    Ok(())
}

/// The same for a contest's cumulative boards: they sum every round, so one round that hides
/// scores hides them until the contest's overall results are published.
pub async fn check_contest_scores_shown(
    state: &AppState,
    user: Option<UserId>,
    contest: &Contest,
) -> Result<(), ApiError> {
    if contest.published_at.is_some() {
        return Ok(());
    }
    // From the catalog: a contest board is read by every poller, and its rounds change rarely.
    let rounds = state.catalog.rounds_of(&state.db, contest.id).await?;
    if rounds.iter().any(hides_scores) && !manages(state, user, contest).await? {
        return Err(ApiError::ResultsNotPublished);
    }
    Ok(())
}

/// Loads a contest and checks the caller may see its boards: anyone for a public board, the
/// people who may enter the contest (and its organizers) for a members' board, the contest's
/// organizers for an organizers' board; anyone else gets the same 404 the contest gives them.
/// Theory tests have no boards. Round and contest come from the short-lived catalog, so a
/// public board is read without the database.
pub async fn visible_contest(
    state: &AppState,
    user: Option<UserId>,
    contest_id: ContestId,
) -> Result<Arc<Contest>, ApiError> {
    let contest = state.catalog.contest(&state.db, contest_id).await?;
    if contest.settings.kind == crate::domain::contest::ContestKind::TheoryTest {
        return Err(ApiError::NotFound("leaderboard"));
    }
    match (contest.settings.leaderboard_visibility, user) {
        (LeaderboardVisibility::Public, _) => Ok(contest),
        (_, None) => Err(ApiError::Unauthorized),
        (LeaderboardVisibility::Members, Some(user)) => {
            match viewer_access(state, user, &contest).await {
                Ok(_) => Ok(contest),
                Err(ApiError::NotFound(_)) => Err(ApiError::NotFound("leaderboard")),
                Err(e) => Err(e),
            }
        }
        (LeaderboardVisibility::Organizers, Some(user)) => {
            match viewer_access(state, user, &contest).await? {
                Access::Manage => Ok(contest),
                Access::Enter => Err(ApiError::NotFound("leaderboard")),
            }
        }
    }
}

/// The unit a board is narrowed to, if it exists.
pub fn checked_unit(units: &Snapshot, unit_id: Option<Uuid>) -> Result<Option<Uuid>, ApiError> {
    match unit_id {
        Some(id) if units.get(id).is_none() => Err(ApiError::field("/unit_id", "no such unit")),
        other => Ok(other),
    }
}

/// A live standing as a board line.
pub fn line(units: &Snapshot, s: &Standing, me: Option<Uuid>) -> BoardLine {
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

/// A round's published ranking, held in memory after its first reader.
pub async fn round_ranking(
    state: &AppState,
    round_id: RoundId,
    published_at: DateTime<Utc>,
) -> Result<Arc<Ranking<FinalRow>>, ApiError> {
    Ok(state
        .frozen
        .rounds
        .get(round_id.into_uuid(), published_at, || {
            persistence::results::final_all(&state.db, round_id)
        })
        .await?)
}

/// A contest's published overall ranking, held in memory after its first reader.
pub async fn contest_ranking(
    state: &AppState,
    contest_id: ContestId,
    published_at: DateTime<Utc>,
) -> Result<Arc<Ranking<OverallRow>>, ApiError> {
    Ok(state
        .frozen
        .contests
        .get(contest_id.into_uuid(), published_at, || {
            persistence::results::overall_all(&state.db, contest_id)
        })
        .await?)
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

/// A unit's standing from its tally (rank 0 until ranked).
pub fn standing(units: &Snapshot, id: Uuid, tally: crate::scoring::UnitTally) -> UnitStanding {
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
pub fn rank_units(items: &mut [UnitStanding], order: UnitOrder) {
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

/// Units of `ids` with their tallies in `scope`, ranked by `order`.
pub async fn ranked_units(
    state: &AppState,
    units: &Snapshot,
    scope: &TallyScope,
    ids: &[Uuid],
    order: UnitOrder,
) -> Result<Vec<UnitStanding>, ApiError> {
    let tallies = state.store.tallies(&state.keys, scope, ids).await?;
    let mut items: Vec<UnitStanding> = ids
        .iter()
        .zip(tallies)
        .map(|(id, t)| standing(units, *id, t))
        .collect();
    rank_units(&mut items, order);
    Ok(items)
}

/// `parent`'s own standing (rank 0) and its children's, ranked by `order`.
pub async fn parent_and_children(
    state: &AppState,
    units: &Snapshot,
    scope: &TallyScope,
    parent: Uuid,
    order: UnitOrder,
) -> Result<(UnitStanding, Vec<UnitStanding>), ApiError> {
    let mut ids = vec![parent];
    ids.extend_from_slice(units.children(Some(parent)));
    let tallies = state.store.tallies(&state.keys, scope, &ids).await?;
    let mut all: Vec<UnitStanding> = ids
        .iter()
        .zip(tallies)
        .map(|(id, t)| standing(units, *id, t))
        .collect();
    let mut items = all.split_off(1);
    rank_units(&mut items, order);
    Ok((all.remove(0), items))
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
