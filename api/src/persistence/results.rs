//! Round results in the database: the counted attempts boards are rebuilt from, voided results,
//! and the frozen rankings that publication writes.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::entities::{
    attempts, contest_results, contests, result_voids, round_results, rounds, users,
};
use super::{PersistenceError, Result};
use crate::domain::ids::{AttemptId, ContestId, ResultVoidId, RoundId, UnitId, UserId};

/// A finished, counting attempt with what boards show of its entrant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedRow {
    /// Attempt.
    pub attempt_id: AttemptId,
    /// Round.
    pub round_id: RoundId,
    /// Entrant.
    pub user_id: UserId,
    /// The unit it counts for (the entrant's unit when it started).
    pub unit_id: UnitId,
    /// Score.
    pub score: i64,
    /// Maximum score.
    pub max_score: i64,
    /// Time used (ms).
    pub time_used_ms: i64,
    /// Finish time.
    pub finished_at: DateTime<Utc>,
    /// Prediction.
    pub prediction: Option<i64>,
    /// Entrant's full name (masked before it leaves the server).
    pub full_name: String,
}

/// Which finished attempts a page reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct CountedFilter {
    /// Only this round of the contest.
    pub round_id: Option<RoundId>,
    /// Only those finished at or after this time.
    pub finished_since: Option<DateTime<Utc>>,
}

/// Finished non-practice attempts of a contest, by id, after `after`.
pub async fn counted_page(
    db: &impl ConnectionTrait,
    contest_id: ContestId,
    filter: CountedFilter,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<CountedRow>> {
    use attempts::Column as A;
    let a = attempts::Entity;
    let u = users::Entity;
    let mut q = Query::select();
    q.columns([
        (a, A::Id),
        (a, A::RoundId),
        (a, A::UserId),
        (a, A::UnitId),
        (a, A::Score),
        (a, A::MaxScore),
        (a, A::TimeUsedMs),
        (a, A::FinishedAt),
        (a, A::Prediction),
    ])
    .column((u, users::Column::FullName))
    .expr_as(
        Expr::col((u, users::Column::UnitId)),
        Alias::new("user_unit_id"),
    )
    .from(a)
    .inner_join(u, Expr::col((u, users::Column::Id)).equals((a, A::UserId)))
    .and_where(Expr::col((a, A::ContestId)).eq(contest_id))
    .and_where(Expr::col((a, A::Status)).eq("finished"))
    .and_where(Expr::col((a, A::Practice)).eq(false))
    .order_by((a, A::Id), Order::Asc)
    .limit(limit);
    if let Some(round_id) = filter.round_id {
        q.and_where(Expr::col((a, A::RoundId)).eq(round_id));
    }
    if let Some(since) = filter.finished_since {
        q.and_where(Expr::col((a, A::FinishedAt)).gte(since));
    }
    if let Some(after) = after {
        q.and_where(Expr::col((a, A::Id)).gt(after));
    }
    let rows = db.query_all(&q).await?;
    rows.into_iter()
        .map(|row| -> Result<CountedRow> {
            let unit: Option<UnitId> = row.try_get("", "unit_id")?;
            let finished_at: Option<DateTime<Utc>> = row.try_get("", "finished_at")?;
            Ok(CountedRow {
                attempt_id: row.try_get("", "id")?,
                round_id: row.try_get("", "round_id")?,
                user_id: row.try_get("", "user_id")?,
                unit_id: match unit {
                    Some(u) => u,
                    None => row.try_get("", "user_unit_id")?,
                },
                score: row.try_get::<Option<i64>>("", "score")?.unwrap_or(0),
                max_score: row.try_get("", "max_score")?,
                time_used_ms: row.try_get::<Option<i64>>("", "time_used_ms")?.unwrap_or(0),
                finished_at: finished_at.ok_or(PersistenceError::NotFound("finish time"))?,
                prediction: row.try_get("", "prediction")?,
                full_name: row.try_get("", "full_name")?,
            })
        })
        .collect()
}

/// Contests with a finished attempt whose deadline is after `since`.
pub async fn contests_with_results_since(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
) -> Result<Vec<Uuid>> {
    Ok(attempts::Entity::find()
        .select_only()
        .column(attempts::Column::ContestId)
        .distinct()
        .filter(attempts::Column::Status.eq("finished"))
        .filter(attempts::Column::Deadline.gte(since))
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}

/// A decision that a person's result in a round does not count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Void {
    /// Id.
    pub id: ResultVoidId,
    /// Round.
    pub round_id: RoundId,
    /// Whose result.
    pub user_id: UserId,
    /// Why.
    pub reason: String,
    /// By whom.
    pub voided_by: Option<UserId>,
    /// When.
    pub voided_at: DateTime<Utc>,
    /// When it was lifted, if it was.
    pub lifted_at: Option<DateTime<Utc>>,
    /// Who lifted it.
    pub lifted_by: Option<UserId>,
    /// Why it was lifted.
    pub lift_reason: Option<String>,
}

impl From<result_voids::Model> for Void {
    fn from(m: result_voids::Model) -> Self {
        Self {
            id: m.id,
            round_id: m.round_id,
            user_id: m.user_id,
            reason: m.reason,
            voided_by: m.voided_by,
            voided_at: m.voided_at,
            lifted_at: m.lifted_at,
            lifted_by: m.lifted_by,
            lift_reason: m.lift_reason,
        }
    }
}

/// `(round, user)` pairs with a void in force, among `round_ids`.
pub async fn voided_pairs(
    db: &impl ConnectionTrait,
    round_ids: &[RoundId],
) -> Result<HashSet<(RoundId, UserId)>> {
    if round_ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(result_voids::Entity::find()
        .filter(result_voids::Column::RoundId.is_in(round_ids.iter().copied()))
        .filter(result_voids::Column::LiftedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.round_id, v.user_id))
        .collect())
}

/// The void in force on a person's result in a round, if any.
pub async fn void_in_force(
    db: &impl ConnectionTrait,
    round_id: RoundId,
    user_id: UserId,
) -> Result<Option<Void>> {
    Ok(result_voids::Entity::find()
        .filter(result_voids::Column::RoundId.eq(round_id))
        .filter(result_voids::Column::UserId.eq(user_id))
        .filter(result_voids::Column::LiftedAt.is_null())
        .one(db)
        .await?
        .map(Void::from))
}

/// Every void of a round, lifted or not, newest first.
pub async fn voids_of_round(db: &impl ConnectionTrait, round_id: RoundId) -> Result<Vec<Void>> {
    Ok(result_voids::Entity::find()
        .filter(result_voids::Column::RoundId.eq(round_id))
        .order_by_desc(result_voids::Column::VoidedAt)
        .all(db)
        .await?
        .into_iter()
        .map(Void::from)
        .collect())
}

/// Records a void.
pub async fn insert_void(
    db: &impl ConnectionTrait,
    round_id: RoundId,
    user_id: UserId,
    reason: &str,
    by: UserId,
    at: DateTime<Utc>,
) -> Result<Void> {
    let model = result_voids::ActiveModel {
        id: Set(ResultVoidId::new()),
        round_id: Set(round_id),
        user_id: Set(user_id),
        reason: Set(reason.to_owned()),
        voided_by: Set(Some(by)),
        voided_at: Set(at),
        lifted_at: Set(None),
        lifted_by: Set(None),
        lift_reason: Set(None),
    }
    .insert(db)
    .await?;
    Ok(model.into())
}

/// Lifts a void (the row stays, stamped).
pub async fn lift_void(
    db: &impl ConnectionTrait,
    void: &Void,
    reason: &str,
    by: Uuid,
    at: DateTime<Utc>,
) -> Result<Void> {
    let model = result_voids::ActiveModel {
        id: Set(void.id),
        lifted_at: Set(Some(at)),
        lifted_by: Set(Some(UserId::from_uuid(by))),
        lift_reason: Set(Some(reason.to_owned())),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(model.into())
}

/// One line of a published ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalRow {
    /// Entrant.
    pub user_id: UserId,
    /// The attempt that counted.
    pub attempt_id: AttemptId,
    /// The unit it counted for.
    pub unit_id: UnitId,
    /// 1-based rank.
    pub rank: i32,
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
    /// Prize won, if any.
    pub prize: Option<String>,
}

/// Replaces a round's published ranking and stamps the round, in the caller's transaction.
pub async fn publish(
    db: &impl ConnectionTrait,
    round_id: RoundId,
    prediction_actual: Option<i64>,
    rows: &[FinalRow],
    at: DateTime<Utc>,
) -> Result<()> {
    round_results::Entity::delete_many()
        .filter(round_results::Column::RoundId.eq(round_id))
        .exec(db)
        .await?;
    for chunk in rows.chunks(500) {
        round_results::Entity::insert_many(chunk.iter().map(|r| round_results::ActiveModel {
            round_id: Set(round_id),
            user_id: Set(r.user_id),
            attempt_id: Set(r.attempt_id),
            unit_id: Set(Some(r.unit_id)),
            rank: Set(r.rank),
            score: Set(r.score),
            max_score: Set(r.max_score),
            prediction: Set(r.prediction),
            prediction_error: Set(r.prediction_error),
            time_used_ms: Set(r.time_used_ms),
            finished_at: Set(r.finished_at),
            prize: Set(r.prize.clone()),
        }))
        .exec_without_returning(db)
        .await?;
    }
    rounds::ActiveModel {
        id: Set(round_id),
        published_at: Set(Some(at)),
        prediction_actual: Set(prediction_actual),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

fn final_row(m: round_results::Model) -> FinalRow {
    FinalRow {
        user_id: m.user_id,
        attempt_id: m.attempt_id,
        // A result always has a unit; the column is nullable only for old rows.
        unit_id: m.unit_id.unwrap_or(UnitId::from_uuid(Uuid::nil())),
        rank: m.rank,
        score: m.score,
        max_score: m.max_score,
        prediction: m.prediction,
        prediction_error: m.prediction_error,
        time_used_ms: m.time_used_ms,
        finished_at: m.finished_at,
        prize: m.prize,
    }
}

/// Ranks read per query when a whole published ranking is loaded.
///
/// Whole rankings are read in slices of ranks (`rank BETWEEN a AND b`), each a range of the
/// `(…, rank)` index sorted by user within it, so every slice costs what it returns whatever the
/// planner's statistics say. (Keyset pages on `(rank, user)` written with `OR` made PostgreSQL
/// scan everything after the cursor for each page: 27 s for a million rows.)
const RANK_SLICE: i32 = 20_000;

/// The ranks a published ranking spans, as `(first, last)`.
async fn rank_span<E: EntityTrait>(
    db: &impl ConnectionTrait,
    owner: E::Column,
    id: Uuid,
    rank: E::Column,
) -> Result<Option<(i32, i32)>> {
    let span: Option<(Option<i32>, Option<i32>)> = E::find()
        .select_only()
        .column_as(Expr::col(rank).min(), "first")
        .column_as(Expr::col(rank).max(), "last")
        .filter(owner.eq(id))
        .into_tuple()
        .one(db)
        .await?;
    Ok(match span {
        Some((Some(first), Some(last))) => Some((first, last)),
        _ => None,
    })
}

/// The rank slices `first..=last` is read in.
fn rank_slices(first: i32, last: i32) -> impl Iterator<Item = (i32, i32)> {
    let mut from = Some(first);
    std::iter::from_fn(move || {
        let start = from.filter(|f| *f <= last)?;
        let end = Ord::min(start.saturating_add(RANK_SLICE - 1), last);
        from = end.checked_add(1);
        Some((start, end))
    })
}

/// A whole published ranking: the rows of `E` where `owner = id`, in rank order then by user,
/// read in slices of ranks.
async fn whole_ranking<E: EntityTrait, R>(
    db: &impl ConnectionTrait,
    (owner, id): (E::Column, Uuid),
    (rank, user): (E::Column, E::Column),
    row: impl Fn(E::Model) -> R,
) -> Result<Vec<R>> {
    let mut rows = Vec::new();
    let Some((first, last)) = rank_span::<E>(db, owner, id, rank).await? else {
        return Ok(rows);
    };
    for (from, to) in rank_slices(first, last) {
        rows.extend(
            E::find()
                .filter(owner.eq(id))
                .filter(rank.between(from, to))
                .order_by_asc(rank)
                .order_by_asc(user)
                .all(db)
                .await?
                .into_iter()
                .map(&row),
        );
    }
    Ok(rows)
}

/// Every line of a round's published ranking, in rank order (then by user).
pub async fn final_all(db: &impl ConnectionTrait, round_id: RoundId) -> Result<Vec<FinalRow>> {
    use round_results::Column as C;
    whole_ranking::<round_results::Entity, _>(
        db,
        (C::RoundId, round_id.into_uuid()),
        (C::Rank, C::UserId),
        final_row,
    )
    .await
}

/// The people holding a prize in the published rankings of `round_ids`.
pub async fn prize_holders(
    db: &impl ConnectionTrait,
    round_ids: &[RoundId],
) -> Result<HashSet<UserId>> {
    if round_ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(round_results::Entity::find()
        .select_only()
        .column(round_results::Column::UserId)
        .filter(round_results::Column::RoundId.is_in(round_ids.iter().copied()))
        .filter(round_results::Column::Prize.is_not_null())
        .into_tuple::<UserId>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// A person as reports name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Full name.
    pub full_name: String,
    /// Phone (reports mask it).
    pub phone: String,
}

/// Names and phones of people, by id.
pub async fn people(
    db: &impl ConnectionTrait,
    user_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, Person>> {
    let mut out = std::collections::HashMap::with_capacity(user_ids.len());
    if user_ids.is_empty() {
        return Ok(out);
    }
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        // Exports ask for a thousand people per page. As `IN ($1, …, $1000)` PostgreSQL binds
        // and plans a thousand parameters each time; one text parameter unpacked into an array
        // costs a fraction of that.
        let list = user_ids
            .iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let rows = db
            .query_all_raw(sea_orm::Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT id, full_name, phone FROM users \
                 WHERE id = ANY(string_to_array($1, ',')::uuid[])",
                [list.into()],
            ))
            .await?;
        for row in rows {
            out.insert(
                row.try_get("", "id")?,
                Person {
                    full_name: row.try_get("", "full_name")?,
                    phone: row.try_get("", "phone")?,
                },
            );
        }
        return Ok(out);
    }
    for chunk in user_ids.chunks(1000) {
        let rows: Vec<(Uuid, String, String)> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .column(users::Column::FullName)
            .column(users::Column::Phone)
            .filter(users::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(
            rows.into_iter()
                .map(|(id, full_name, phone)| (id, Person { full_name, phone })),
        );
    }
    Ok(out)
}

/// Display names of people, by id.
pub async fn names(
    db: &impl ConnectionTrait,
    user_ids: &[UserId],
) -> Result<std::collections::HashMap<UserId, String>> {
    let mut out = std::collections::HashMap::with_capacity(user_ids.len());
    for chunk in user_ids.chunks(1000) {
        let rows: Vec<(UserId, String)> = users::Entity::find()
            .select_only()
            .column(users::Column::Id)
            .column(users::Column::FullName)
            .filter(users::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// One finished, counting attempt for participation reports: who, and the unit it counts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Participation {
    /// Attempt.
    pub attempt_id: AttemptId,
    /// Entrant.
    pub user_id: UserId,
    /// The unit it counts for.
    pub unit_id: UnitId,
}

/// Finished non-practice attempts that finished in `[from, to)`, by id, after `after`.
pub async fn finished_between(
    db: &impl ConnectionTrait,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<Vec<Participation>> {
    use attempts::Column as A;
    let a = attempts::Entity;
    let u = users::Entity;
    let mut q = Query::select();
    q.columns([(a, A::Id), (a, A::UserId), (a, A::UnitId)])
        .expr_as(
            Expr::col((u, users::Column::UnitId)),
            Alias::new("user_unit_id"),
        )
        .from(a)
        .inner_join(u, Expr::col((u, users::Column::Id)).equals((a, A::UserId)))
        .and_where(Expr::col((a, A::Status)).eq("finished"))
        .and_where(Expr::col((a, A::Practice)).eq(false))
        .and_where(Expr::col((a, A::FinishedAt)).gte(from))
        .and_where(Expr::col((a, A::FinishedAt)).lt(to))
        .order_by((a, A::Id), Order::Asc)
        .limit(limit);
    if let Some(after) = after {
        q.and_where(Expr::col((a, A::Id)).gt(after));
    }
    let rows = db.query_all(&q).await?;
    rows.into_iter()
        .map(|row| -> Result<Participation> {
            let unit: Option<UnitId> = row.try_get("", "unit_id")?;
            Ok(Participation {
                attempt_id: row.try_get("", "id")?,
                user_id: row.try_get("", "user_id")?,
                unit_id: match unit {
                    Some(u) => u,
                    None => row.try_get("", "user_unit_id")?,
                },
            })
        })
        .collect()
}

/// One line of a contest's published overall ranking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverallRow {
    /// Entrant.
    pub user_id: UserId,
    /// The unit of their latest counted result.
    pub unit_id: UnitId,
    /// 1-based rank.
    pub rank: i32,
    /// Sum of their published round scores.
    pub score: i64,
    /// Sum of their time used (ms).
    pub time_used_ms: i64,
    /// Their latest counted finish.
    pub last_finished_at: DateTime<Utc>,
    /// Rounds they have a result in.
    pub rounds: i32,
    /// Overall prize.
    pub prize: Option<String>,
}

/// Every published round result of a contest's rounds (for the overall ranking).
pub async fn published_round_rows(
    db: &impl ConnectionTrait,
    round_ids: &[RoundId],
) -> Result<Vec<FinalRow>> {
    let mut out = Vec::new();
    for id in round_ids {
        out.extend(final_all(db, *id).await?);
    }
    Ok(out)
}

/// Replaces a contest's overall ranking and stamps the contest, in the caller's transaction.
pub async fn publish_overall(
    db: &impl ConnectionTrait,
    contest_id: ContestId,
    rows: &[OverallRow],
    at: DateTime<Utc>,
) -> Result<()> {
    contest_results::Entity::delete_many()
        .filter(contest_results::Column::ContestId.eq(contest_id))
        .exec(db)
        .await?;
    for chunk in rows.chunks(500) {
        contest_results::Entity::insert_many(chunk.iter().map(|r| contest_results::ActiveModel {
            contest_id: Set(contest_id),
            user_id: Set(r.user_id),
            unit_id: Set(Some(r.unit_id)),
            rank: Set(r.rank),
            score: Set(r.score),
            time_used_ms: Set(r.time_used_ms),
            last_finished_at: Set(r.last_finished_at),
            rounds: Set(r.rounds),
            prize: Set(r.prize.clone()),
        }))
        .exec_without_returning(db)
        .await?;
    }
    contests::ActiveModel {
        id: Set(contest_id),
        published_at: Set(Some(at)),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// A contest's whole published overall ranking, in rank order (then by user).
pub async fn overall_all(
    db: &impl ConnectionTrait,
    contest_id: ContestId,
) -> Result<Vec<OverallRow>> {
    use contest_results::Column as C;
    whole_ranking::<contest_results::Entity, _>(
        db,
        (C::ContestId, contest_id.into_uuid()),
        (C::Rank, C::UserId),
        overall_row,
    )
    .await
}

fn overall_row(m: contest_results::Model) -> OverallRow {
    OverallRow {
        user_id: m.user_id,
        // A result always has a unit; the column is nullable only for old rows.
        unit_id: m.unit_id.unwrap_or(UnitId::from_uuid(Uuid::nil())),
        rank: m.rank,
        score: m.score,
        time_used_ms: m.time_used_ms,
        last_finished_at: m.last_finished_at,
        rounds: m.rounds,
        prize: m.prize,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rank_slices_cover_the_span_once() {
        let all = |first, last| rank_slices(first, last).collect::<Vec<_>>();
        assert_eq!(all(1, 1), vec![(1, 1)]);
        assert_eq!(all(1, RANK_SLICE), vec![(1, RANK_SLICE)]);
        assert_eq!(
            all(1, RANK_SLICE + 1),
            vec![(1, RANK_SLICE), (RANK_SLICE + 1, RANK_SLICE + 1)]
        );
        assert_eq!(all(5, 4), vec![]);
        assert_eq!(all(i32::MAX - 2, i32::MAX), vec![(i32::MAX - 2, i32::MAX)]);
        let slices = all(1, 1_000_000);
        assert_eq!(slices.len(), 50);
        assert!(slices.windows(2).all(|w| w[1].0 == w[0].1 + 1));
        assert_eq!(
            slices.last(),
            Some(&(1_000_000 - RANK_SLICE + 1, 1_000_000))
        );
    }
}
