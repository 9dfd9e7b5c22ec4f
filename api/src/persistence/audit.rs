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
