//! Participation of a unit over a date range, in the shape units report upward: a row per
//! direct child unit and a total, each with its declared members, the people who took part,
//! their attempts and the rate `x/y = z%`.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::caches::directory::Snapshot;
use crate::error::ApiError;
use crate::persistence;
use crate::state::AppState;

/// One unit's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// Unit.
    pub unit_id: Uuid,
    /// Name.
    pub name: String,
    /// Code.
    pub code: String,
    /// Declared members.
    pub members: Option<i32>,
    /// The day they were declared.
    pub members_as_of: Option<chrono::NaiveDate>,
    /// Distinct people of its subtree with a finished attempt in the range.
    pub participants: i64,
    /// Their finished attempts.
    pub attempts: i64,
}

/// The report: the unit's own subtree in total, then each direct child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The whole subtree.
    pub total: Line,
    /// Each direct child's subtree (a member of the unit itself counts in the total only).
    pub children: Vec<Line>,
}

#[derive(Default)]
struct Tally {
    people: HashSet<Uuid>,
    attempts: i64,
}

fn line(units: &Snapshot, id: Uuid, t: Option<&Tally>) -> Line {
    let info = units.get(id);
    Line {
        unit_id: id,
        name: info.map_or_else(String::new, |u| u.name.clone()),
        code: info.map_or_else(String::new, |u| u.code.clone()),
        members: info.and_then(|u| u.member_count),
        members_as_of: info.and_then(|u| u.member_count_date),
        participants: t.map_or(0, |t| i64::try_from(t.people.len()).unwrap_or(i64::MAX)),
        attempts: t.map_or(0, |t| t.attempts),
    }
}

/// Counts finished, counting attempts in `[from, to)` under `unit` (voided ones included: a
/// void concerns prizes, the person still took part).
pub async fn report(
    state: &AppState,
    unit: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Report, ApiError> {
    let units = state.units.snapshot(&state.db).await?;
    let depth = units.path_of(unit).len();
    let mut total = Tally::default();
    let mut by_child: HashMap<Uuid, Tally> = HashMap::new();
    let mut after = None;
    loop {
        let page = persistence::results::finished_between(
            state.reporting_db().await?,
            from,
            to,
            after,
            10_000,
        )
        .await?;
        let Some(last) = page.last() else { break };
        after = Some(last.attempt_id.into_uuid());
        for p in page {
            let path = units.path_of(p.unit_id);
            if path.get(depth.wrapping_sub(1)) != Some(&unit) || depth == 0 {
                continue;
            }
            total.people.insert(p.user_id.into_uuid());
            total.attempts += 1;
            if let Some(child) = path.get(depth) {
                let t = by_child.entry(*child).or_default();
                t.people.insert(p.user_id.into_uuid());
                t.attempts += 1;
            }
        }
    }
    Ok(Report {
        total: line(&units, unit, Some(&total)),
        children: units
            .children(Some(unit))
            .iter()
            .map(|c| line(&units, *c, by_child.get(c)))
            .collect(),
    })
}
