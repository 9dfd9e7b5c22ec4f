//! The audit log: an append-only record of changes that matter later.

use chrono::Utc;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};
use uuid::Uuid;

use super::Result;
use super::entities::audit_log;
use crate::domain::ids::UserId;

/// Records `action` by `actor` on `subject` with `detail`.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: Option<UserId>,
    action: &str,
    subject: Option<Uuid>,
    detail: serde_json::Value,
) -> Result<()> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        actor_id: Set(actor.map(Into::into)),
        action: Set(action.to_owned()),
        subject_id: Set(subject),
        detail: Set(detail),
        at: Set(Utc::now()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// An entry of the audit log.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Who.
    pub actor_id: Option<Uuid>,
    /// What (`round.publish`, …).
    pub action: String,
    /// The details recorded.
    pub detail: serde_json::Value,
    /// When.
    pub at: chrono::DateTime<Utc>,
}

/// The entries about `subject` whose action is one of `actions`, newest first, at most `limit`.
pub async fn of_subject(
    db: &impl ConnectionTrait,
    subject: Uuid,
    actions: &[&str],
    limit: u64,
) -> Result<Vec<Entry>> {
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
    Ok(audit_log::Entity::find()
        .filter(audit_log::Column::SubjectId.eq(subject))
        .filter(audit_log::Column::Action.is_in(actions.iter().copied()))
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|m| Entry {
            actor_id: m.actor_id,
            action: m.action,
            detail: m.detail,
            at: m.at,
        })
        .collect())
}
