//! Reading published results: a round's (with its unit prizes) and a contest's overall ones,
//! to anyone who may see the contest's boards. Names are masked.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{contest_ranking, round_ranking, visible_contest};
use crate::app::paging::checked_limit;
use crate::caches::frozen::{Ranked, Ranking};
use crate::domain::ids::{ContestId, RoundId, UserId};
use crate::domain::paging::page_bounds;
use crate::domain::person::mask_name;
use crate::error::ApiError;
use crate::persistence::{self, contests::Contest};
use crate::standings::publish;
use crate::state::AppState;

/// Which part of the results: `offset`, the `limit` as asked (checked once the results are
/// known to be visible and published), and whether only prize winners.
#[derive(Debug, Clone, Copy)]
pub struct ResultsPage {
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return as asked.
    pub limit: Option<u64>,
    /// Only prize winners.
    pub prizes_only: bool,
}

/// One line of the final results.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultLine {
    /// Rank (shared by entrants equal on every key of the chain).
    pub rank: i32,
    /// Masked name.
    pub display_name: String,
    /// Unit.
    pub unit_id: Uuid,
    /// Its name.
    pub unit_name: String,
    /// Score.
    pub score: i64,
    /// Maximum score.
    pub max_score: i64,
    /// Prediction.
    pub prediction: Option<i64>,
    /// |prediction − actual|.
    pub prediction_error: Option<i64>,
    /// Time used (ms).
    pub time_used_ms: i64,
    /// Finish time.
    pub finished_at: DateTime<Utc>,
    /// Prize.
    pub prize: Option<String>,
}

/// The final results of a round.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsResponse {
    /// When published.
    pub published_at: DateTime<Utc>,
    /// The prediction question's true value.
    pub prediction_actual: Option<i64>,
    /// Lines in rank order.
    pub items: Vec<ResultLine>,
    /// Lines in all (after `prizes_only`).
    pub total: usize,
    /// Unit prizes, if the contest awards them.
    pub unit_prizes: Vec<UnitPrizeLine>,
}

/// The published results of a round, to anyone who may see its leaderboard.
pub async fn round_results(
    state: &AppState,
    user: Option<UserId>,
    round_id: RoundId,
    query: ResultsPage,
) -> Result<ResultsResponse, ApiError> {
    let round = persistence::contests::get_round(&state.db, round_id).await?;
    let contest = visible_contest(state, user, round.contest_id).await?;
    let Some(published_at) = round.published_at else {
        return Err(ApiError::NotFound("published results"));
    };
    let limit = checked_limit(query.limit)?;
    let ranking = round_ranking(state, round.id, published_at).await?;
    let units = state.units.snapshot(&state.db).await?;
    let unit_prizes = unit_prizes(&contest, &units, &ranking);
    let (total, page) = results_page(&ranking, query.prizes_only, query.offset, limit);
    let ids: Vec<UserId> = page.iter().map(|r| r.user_id).collect();
    let names = persistence::results::names(&state.db, &ids).await?;
    Ok(ResultsResponse {
        published_at,
        prediction_actual: round.prediction_actual,
        items: page
            .iter()
            .map(|r| ResultLine {
                rank: r.rank,
                display_name: names
                    .get(&r.user_id)
                    .map_or_else(String::new, |n| mask_name(n)),
                unit_id: r.unit_id.into_uuid(),
                unit_name: units.name(Some(r.unit_id)).to_owned(),
                score: r.score,
                max_score: r.max_score,
                prediction: r.prediction,
                prediction_error: r.prediction_error,
                time_used_ms: r.time_used_ms,
                finished_at: r.finished_at,
                prize: r.prize.clone(),
            })
            .collect(),
        total,
        unit_prizes,
    })
}

/// A unit's line in the unit prizes.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitPrizeLine {
    /// 1-based; equal values share it.
    pub rank: i32,
    /// Unit (a direct child of the contest's host unit).
    pub unit_id: Uuid,
    /// Name.
    pub name: String,
    /// Entrants of its subtree in the final ranking.
    pub participants: i64,
    /// Declared members.
    pub members: Option<i32>,
    /// `participants ÷ members`.
    pub rate: Option<f64>,
    /// Individual prizes won in its subtree.
    pub prizes_won: i64,
    /// The value ranked on.
    pub points: Option<f64>,
    /// The unit prize.
    pub prize: Option<String>,
}

/// A page of a published ranking as a results list shows it (every line, or only the prize
/// winners), with how many lines the list has.
fn results_page<R: Ranked>(
    ranking: &Ranking<R>,
    prizes_only: bool,
    offset: u64,
    limit: u64,
) -> (usize, Vec<&R>) {
    let total = if prizes_only {
        ranking.prized_len()
    } else {
        ranking.rows().len()
    };
    let (start, end) = page_bounds(total, offset, limit);
    let page = if prizes_only {
        ranking.prized().skip(start).take(end - start).collect()
    } else {
        ranking.rows()[start..end].iter().collect()
    };
    (total, page)
}

/// The unit prizes among the host unit's children, from the published ranking (with the
/// member counts declared now).
fn unit_prizes(
    contest: &Contest,
    units: &crate::caches::directory::Snapshot,
    ranking: &Ranking<persistence::results::FinalRow>,
) -> Vec<UnitPrizeLine> {
    let Some(rules) = &contest.settings.prizes.units else {
        return Vec::new();
    };
    let host = contest.settings.unit_id.into_uuid();
    let depth = units.path_of(host).len();
    // Participants are the sizes of the children's subtrees (kept with the ranking); prizes
    // are few, so they are counted here.
    let mut won: HashMap<Uuid, i64> = HashMap::new();
    for r in ranking.prized() {
        if let Some(child) = units.path_of(r.unit_id).get(depth) {
            *won.entry(*child).or_default() += 1;
        }
    }
    let entries = units
        .children(Some(host))
        .iter()
        .map(|id| {
            let participants =
                i64::try_from(ranking.view(units, Some(*id)).len()).unwrap_or(i64::MAX);
            let prizes_won = won.get(id).copied().unwrap_or_default();
            publish::UnitEntry {
                unit_id: *id,
                name: units.name(Some(*id)).to_owned(),
                participants,
                members: units.get(*id).and_then(|u| u.member_count),
                prizes_won,
            }
        })
        .collect();
    publish::rank_units(entries, rules)
        .into_iter()
        .map(|u| UnitPrizeLine {
            rank: u.rank,
            unit_id: u.entry.unit_id,
            name: u.entry.name,
            participants: u.entry.participants,
            members: u.entry.members,
            rate: u.rate,
            prizes_won: u.entry.prizes_won,
            points: u.points,
            prize: u.prize,
        })
        .collect()
}

/// One line of a contest's overall results.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverallLine {
    /// Rank.
    pub rank: i32,
    /// Masked name.
    pub display_name: String,
    /// Unit.
    pub unit_id: Uuid,
    /// Its name.
    pub unit_name: String,
    /// Cumulative score.
    pub score: i64,
    /// Cumulative time used (ms).
    pub time_used_ms: i64,
    /// Latest counted finish.
    pub last_finished_at: DateTime<Utc>,
    /// Rounds with a result.
    pub rounds: i32,
    /// Overall prize.
    pub prize: Option<String>,
}

/// A contest's overall results.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverallResponse {
    /// When published.
    pub published_at: DateTime<Utc>,
    /// Lines in rank order.
    pub items: Vec<OverallLine>,
    /// Lines in all (after `prizes_only`).
    pub total: usize,
}

/// The published overall results of a contest, to anyone who may see its boards.
pub async fn contest_results(
    state: &AppState,
    user: Option<UserId>,
    contest_id: ContestId,
    query: ResultsPage,
) -> Result<OverallResponse, ApiError> {
    visible_contest(state, user, contest_id).await?;
    let contest = persistence::contests::get(&state.db, contest_id).await?;
    let Some(published_at) = contest.published_at else {
        return Err(ApiError::NotFound("published results"));
    };
    let limit = checked_limit(query.limit)?;
    let ranking = contest_ranking(state, contest.id, published_at).await?;
    let (total, page) = results_page(&ranking, query.prizes_only, query.offset, limit);
    let ids: Vec<UserId> = page.iter().map(|r| r.user_id).collect();
    let names = persistence::results::names(&state.db, &ids).await?;
    let units = state.units.snapshot(&state.db).await?;
    Ok(OverallResponse {
        published_at,
        items: page
            .iter()
            .map(|r| OverallLine {
                rank: r.rank,
                display_name: names
                    .get(&r.user_id)
                    .map_or_else(String::new, |n| mask_name(n)),
                unit_id: r.unit_id.into_uuid(),
                unit_name: units.name(Some(r.unit_id)).to_owned(),
                score: r.score,
                time_used_ms: r.time_used_ms,
                last_finished_at: r.last_finished_at,
                rounds: r.rounds,
                prize: r.prize.clone(),
            })
            .collect(),
        total,
    })
}
