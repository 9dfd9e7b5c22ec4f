//! A unit's participation per recent round: for each ranked round the unit's members could
//! enter (newest first), the distinct entrants of its subtree against its recorded member count,
//! their finished attempts and, where the round's review policy shows scores, the average and
//! best score. Counted by aggregates in the database (`persistence::unit_rounds`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::exports::REPORTERS;
use super::paging::checked_limit;
use crate::auth::Caller;
use crate::domain::ids::{ContestId, RoundId, UnitId, UserId};
use crate::error::ApiError;
use crate::persistence::unit_rounds;
use crate::reports;
use crate::state::AppState;

/// One round's participation of the unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundParticipation {
    /// Round.
    #[schema(value_type = Uuid)]
    pub round_id: RoundId,
    /// Round name.
    pub round_name: String,
    /// Contest.
    #[schema(value_type = Uuid)]
    pub contest_id: ContestId,
    /// Contest title.
    pub contest_title: String,
    /// When the round opens.
    pub opens_at: DateTime<Utc>,
    /// When the round closes.
    pub closes_at: DateTime<Utc>,
    /// Distinct people of the unit's subtree with a finished attempt in the round.
    pub entrants: i64,
    /// The unit's recorded member count (`units.member_count`), if any.
    pub members: Option<i32>,
    /// Entrants ÷ members in percent (one decimal); null without a member count.
    pub rate_percent: Option<f64>,
    /// `x/y = z%` (`x/–` without a member count).
    pub rate_text: String,
    /// Finished attempts of those entrants.
    pub attempts: i64,
    /// Whether the round's review policy shows scores (`review` other than `none`).
    pub scores_shown: bool,
    /// Average score of the finished attempts; null when scores are hidden or nobody finished.
    pub average_score: Option<f64>,
    /// Best score; null when scores are hidden or nobody finished.
    pub best_score: Option<i64>,
}

/// A page of a unit's participation per round.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitRoundsPage {
    /// Rounds, newest opening first.
    pub items: Vec<RoundParticipation>,
    /// All such rounds.
    pub total: u64,
}

/// The page at `offset` (at most `limit`, 10 by default) of rounds the unit's members could
/// enter, for organizers and unit admins over the unit (403 without the role, 404 outside scope).
pub async fn rounds(
    state: &AppState,
    user: UserId,
    unit_id: Uuid,
    offset: u64,
    limit: Option<u64>,
) -> Result<UnitRoundsPage, ApiError> {
    let limit = checked_limit(Some(limit.unwrap_or(10)))?;
    let caller = Caller::load(&state.db, user).await?;
    let unit = caller
        .require_unit(&state.db, REPORTERS, UnitId::from_uuid(unit_id))
        .await?;
    let path = unit.path.as_str().to_owned();
    let ancestors: Vec<Uuid> = unit.path.ids().into_iter().map(|i| i.into_uuid()).collect();
    let now = Utc::now();
    let total = unit_rounds::count_rounds(&state.db, &path, &ancestors, now).await?;
    let page = unit_rounds::rounds_page(&state.db, &path, &ancestors, now, offset, limit).await?;
    let ids: Vec<RoundId> = page.iter().map(|r| r.round_id).collect();
    let counts: std::collections::HashMap<RoundId, unit_rounds::RoundCounts> =
        unit_rounds::counts(&state.db, &path, &ids)
            .await?
            .into_iter()
            .collect();
    let members = unit.member_count;
    let items = page
        .into_iter()
        .map(|r| {
            let c = counts
                .get(&RoundId::from_uuid(*r.round_id.as_uuid()))
                .copied()
                .unwrap_or_default();
            let scores_shown = r.review != "none";
            RoundParticipation {
                rate_percent: members.filter(|m| *m > 0).map(|m| {
                    #[allow(clippy::cast_precision_loss)]
                    let pct = c.entrants as f64 * 100.0 / f64::from(m);
                    (pct * 10.0).round() / 10.0
                }),
                rate_text: reports::rate_text(c.entrants, members),
                round_id: r.round_id,
                round_name: r.round_name,
                contest_id: r.contest_id,
                contest_title: r.contest_title,
                opens_at: r.opens_at,
                closes_at: r.closes_at,
                entrants: c.entrants,
                members,
                attempts: c.attempts,
                scores_shown,
                average_score: if scores_shown {
                    c.average.map(|a| (a * 10.0).round() / 10.0)
                } else {
                    None
                },
                best_score: if scores_shown { c.best } else { None },
            }
        })
        .collect();
    Ok(UnitRoundsPage { items, total })
}
