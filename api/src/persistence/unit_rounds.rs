//! A unit's participation per recent round, counted by SQL aggregates in the database: the
//! rounds a unit's members could enter, and per round the distinct entrants of the unit's
//! subtree, their finished attempts and the average and best score.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use uuid::Uuid;

use super::Result;
use super::entities::{attempts, contests, rounds, units, users};
use crate::domain::ids::{ContestId, RoundId};

/// One round a unit's members could enter.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundRow {
    /// Round.
    pub round_id: RoundId,
    /// Round name.
    pub round_name: String,
    /// Contest.
    pub contest_id: ContestId,
    /// Contest title.
    pub contest_title: String,
    /// Opens.
    pub opens_at: DateTime<Utc>,
    /// Closes.
    pub closes_at: DateTime<Utc>,
    /// The round's review policy (`none`, `score_only`, …).
    pub review: String,
}

/// A round's counts for one unit's subtree.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RoundCounts {
    /// Distinct entrants with a finished attempt.
    pub entrants: i64,
    /// Finished attempts.
    pub attempts: i64,
    /// Average score of the finished attempts.
    pub average: Option<f64>,
    /// Best score.
    pub best: Option<i64>,
}

fn like_prefix(path: &str) -> String {
    // Paths are ids and slashes: nothing to escape.
    format!("{path}%")
}

/// Ranked (non-practice) rounds of published contests that have opened by `now` and whose
/// contest is open to everyone, to an ancestor of the unit (or the unit), or to a unit inside
/// its subtree.
fn enterable(unit_path: &str, ancestors: &[Uuid], now: DateTime<Utc>) -> SelectStatement {
    let (r, c, u) = (rounds::Entity, contests::Entity, units::Entity);
    let mut inside = Query::select();
    inside
        .column((u, units::Column::Id))
        .from(u)
        .and_where(Expr::col((u, units::Column::Path)).like(like_prefix(unit_path)));
    let mut q = Query::select();
    q.from(r)
        .inner_join(
            c,
            Expr::col((c, contests::Column::Id)).equals((r, rounds::Column::ContestId)),
        )
        .and_where(Expr::col((r, rounds::Column::Practice)).eq(false))
        .and_where(Expr::col((c, contests::Column::Kind)).ne("practice"))
        .and_where(Expr::col((c, contests::Column::Kind)).ne("theory_test"))
        .and_where(Expr::col((r, rounds::Column::OpensAt)).lte(now))
        .cond_where(
            Condition::any()
                .add(Expr::col((c, contests::Column::EligibleUnitId)).is_null())
                .add(
                    Expr::col((c, contests::Column::EligibleUnitId))
                        .is_in(ancestors.iter().copied()),
                )
                .add(Expr::col((c, contests::Column::EligibleUnitId)).in_subquery(inside)),
        );
    q
}

/// How many rounds `enterable` finds.
pub async fn count_rounds(
    db: &impl ConnectionTrait,
    unit_path: &str,
    ancestors: &[Uuid],
    now: DateTime<Utc>,
) -> Result<u64> {
    let mut q = enterable(unit_path, ancestors, now);
    q.expr_as(
        Func::count(Expr::col((rounds::Entity, rounds::Column::Id))),
        Alias::new("n"),
    );
    let row = db.query_one(&q).await?;
    let n: i64 = match row {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// A page of `enterable`, newest opening first.
pub async fn rounds_page(
    db: &impl ConnectionTrait,
    unit_path: &str,
    ancestors: &[Uuid],
    now: DateTime<Utc>,
    offset: u64,
    limit: u64,
) -> Result<Vec<RoundRow>> {
    let (r, c) = (rounds::Entity, contests::Entity);
    let mut q = enterable(unit_path, ancestors, now);
    q.columns([
        (r, rounds::Column::Id),
        (r, rounds::Column::Name),
        (r, rounds::Column::ContestId),
        (r, rounds::Column::OpensAt),
        (r, rounds::Column::ClosesAt),
        (r, rounds::Column::Review),
    ])
    .expr_as(Expr::col((c, contests::Column::Title)), Alias::new("title"))
    .order_by((r, rounds::Column::OpensAt), Order::Desc)
    .order_by((r, rounds::Column::Id), Order::Asc)
    .offset(offset)
    .limit(limit);
    let rows = db.query_all(&q).await?;
    rows.into_iter()
        .map(|row| -> Result<RoundRow> {
            Ok(RoundRow {
                round_id: row.try_get("", "id")?,
                round_name: row.try_get("", "name")?,
                contest_id: row.try_get("", "contest_id")?,
                contest_title: row.try_get("", "title")?,
                opens_at: row.try_get("", "opens_at")?,
                closes_at: row.try_get("", "closes_at")?,
                review: row.try_get("", "review")?,
            })
        })
        .collect()
}

/// Per round of `round_ids`, the finished non-practice attempts whose unit (the attempt's, else
/// the entrant's) lies in the subtree at `unit_path`: one grouped aggregate query.
pub async fn counts(
    db: &impl ConnectionTrait,
    unit_path: &str,
    round_ids: &[RoundId],
) -> Result<Vec<(RoundId, RoundCounts)>> {
    if round_ids.is_empty() {
        return Ok(Vec::new());
    }
    let (a, us, u) = (attempts::Entity, users::Entity, units::Entity);
    let mut inside = Query::select();
    inside
        .column((u, units::Column::Id))
        .from(u)
        .and_where(Expr::col((u, units::Column::Path)).like(like_prefix(unit_path)));
    let mut q = Query::select();
    q.column((a, attempts::Column::RoundId))
        .expr_as(
            Func::count_distinct(Expr::col((a, attempts::Column::UserId))),
            Alias::new("entrants"),
        )
        .expr_as(
            Func::count(Expr::col((a, attempts::Column::Id))),
            Alias::new("attempts"),
        )
        .expr_as(
            // SUM is numeric on PostgreSQL: cast back to an integer on both backends.
            Func::cast_as(
                Func::sum(Expr::col((a, attempts::Column::Score))),
                Alias::new("BIGINT"),
            ),
            Alias::new("score_sum"),
        )
        .expr_as(
            Func::count(Expr::col((a, attempts::Column::Score))),
            Alias::new("scored"),
        )
        .expr_as(
            Func::max(Expr::col((a, attempts::Column::Score))),
            Alias::new("best"),
        )
        .from(a)
        .inner_join(
            us,
            Expr::col((us, users::Column::Id)).equals((a, attempts::Column::UserId)),
        )
        .and_where(Expr::col((a, attempts::Column::RoundId)).is_in(round_ids.iter().copied()))
        .and_where(Expr::col((a, attempts::Column::Status)).eq("finished"))
        .and_where(Expr::col((a, attempts::Column::Practice)).eq(false))
        .and_where(
            Func::coalesce([
                Expr::col((a, attempts::Column::UnitId)),
                Expr::col((us, users::Column::UnitId)),
            ])
            .in_subquery(inside),
        )
        .group_by_col((a, attempts::Column::RoundId));
    let rows = db.query_all(&q).await?;
    rows.into_iter()
        .map(|row| -> Result<(RoundId, RoundCounts)> {
            let best: Option<i64> = row.try_get("", "best")?;
            let sum: Option<i64> = row.try_get("", "score_sum")?;
            let scored: i64 = row.try_get("", "scored")?;
            #[allow(clippy::cast_precision_loss)]
            let average = sum.filter(|_| scored > 0).map(|s| s as f64 / scored as f64);
            Ok((
                row.try_get("", "round_id")?,
                RoundCounts {
                    entrants: row.try_get("", "entrants")?,
                    attempts: row.try_get("", "attempts")?,
                    average,
                    best,
                },
            ))
        })
        .collect()
}
