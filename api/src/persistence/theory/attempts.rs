//! Progress: the finished, counted attempts at theory tests, of one member or of a subtree.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationDef,
    RelationTrait as _,
};
use uuid::Uuid;

use crate::domain::ids::{RoundId, UserId};
use crate::domain::unit::TreePath;
use crate::persistence::Result;
use crate::persistence::entities::{attempts, units, users};

/// A finished, non-practice attempt at a theory test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestAttempt {
    /// Who.
    pub user_id: UserId,
    /// Round.
    pub round_id: RoundId,
    /// Score.
    pub score: i64,
    /// Most possible.
    pub max_score: i64,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
}

type AttemptRow = (UserId, Uuid, Option<i64>, i64, Option<DateTime<Utc>>);

fn attempt_rows(rows: Vec<AttemptRow>) -> Vec<TestAttempt> {
    rows.into_iter()
        .filter_map(|(user_id, round_id, score, max_score, finished_at)| {
            Some(TestAttempt {
                user_id,
                round_id: RoundId::from_uuid(round_id),
                score: score?,
                max_score,
                finished_at: finished_at?,
            })
        })
        .collect()
}

fn finished_attempts(round_ids: &[RoundId]) -> sea_orm::Select<attempts::Entity> {
    attempts::Entity::find()
        .select_only()
        .columns([
            attempts::Column::UserId,
            attempts::Column::RoundId,
            attempts::Column::Score,
            attempts::Column::MaxScore,
            attempts::Column::FinishedAt,
        ])
        .filter(attempts::Column::RoundId.is_in(round_ids.iter().copied()))
        .filter(attempts::Column::Status.eq("finished"))
        .filter(attempts::Column::Practice.eq(false))
}

/// One person's finished attempts in `round_ids`.
pub async fn attempts_of_user(
    db: &impl ConnectionTrait,
    user_id: UserId,
    round_ids: &[RoundId],
) -> Result<Vec<TestAttempt>> {
    if round_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<AttemptRow> = finished_attempts(round_ids)
        .filter(attempts::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(attempt_rows(rows))
}

/// The finished attempts in `round_ids` of everyone now in the subtree at `root`.
pub async fn attempts_in_subtree(
    db: &impl ConnectionTrait,
    root: &TreePath,
    round_ids: &[RoundId],
) -> Result<Vec<TestAttempt>> {
    if round_ids.is_empty() {
        return Ok(Vec::new());
    }
    let to_user: RelationDef = attempts::Entity::belongs_to(users::Entity)
        .from(attempts::Column::UserId)
        .to(users::Column::Id)
        .into();
    let rows: Vec<AttemptRow> = finished_attempts(round_ids)
        .join(JoinType::InnerJoin, to_user)
        .join(JoinType::InnerJoin, users::Relation::Unit.def())
        .filter(units::Column::Path.starts_with(root.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(attempt_rows(rows))
}
