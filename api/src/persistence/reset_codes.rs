//! One-time password reset codes (`password_reset_codes`): only their SHA-256 is stored. A
//! person has at most one live code: issuing a new one revokes the others.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::Result;
use super::entities::password_reset_codes::{self, Column, Entity};
use crate::domain::ids::{ResetCodeId, UserId};

/// A stored code (never the code itself).
#[derive(Debug, Clone)]
pub struct ResetCode {
    /// Id.
    pub id: ResetCodeId,
    /// Whose password it resets.
    pub user_id: UserId,
    /// Who issued it.
    pub issued_by: Option<UserId>,
    /// SHA-256 of the normalised code, hex.
    pub code_hash: String,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
    /// Wrong codes tried against it.
    pub failed_attempts: i32,
}

impl From<password_reset_codes::Model> for ResetCode {
    fn from(m: password_reset_codes::Model) -> Self {
        Self {
            id: m.id,
            user_id: m.user_id,
            issued_by: m.issued_by,
            code_hash: m.code_hash,
            issued_at: m.issued_at,
            expires_at: m.expires_at,
            failed_attempts: m.failed_attempts,
        }
    }
}

/// Revokes every live code of `user` and stores a new one. Run in a transaction.
pub async fn replace(
    db: &impl ConnectionTrait,
    user: UserId,
    issued_by: UserId,
    code_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<ResetCode> {
    revoke_all(db, user, now).await?;
    let model = password_reset_codes::Model {
        id: ResetCodeId::new(),
        user_id: user,
        issued_by: Some(issued_by),
        code_hash,
        issued_at: now,
        expires_at,
        used_at: None,
        revoked_at: None,
        failed_attempts: 0,
    };
    Entity::insert(password_reset_codes::ActiveModel {
        id: Set(model.id),
        user_id: Set(model.user_id),
        issued_by: Set(model.issued_by),
        code_hash: Set(model.code_hash.clone()),
        issued_at: Set(model.issued_at),
        expires_at: Set(model.expires_at),
        used_at: Set(None),
        revoked_at: Set(None),
        failed_attempts: Set(0),
    })
    .exec_without_returning(db)
    .await?;
    Ok(model.into())
}

/// Revokes every live code of `user` (a new code, a password set another way).
pub async fn revoke_all(db: &impl ConnectionTrait, user: UserId, now: DateTime<Utc>) -> Result<()> {
    Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(Some(now)))
        .filter(Column::UserId.eq(user))
        .filter(Column::UsedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// The live code of `user` at `now`: not used, not revoked, not expired, with fewer than
/// `max_failures` wrong guesses.
pub async fn live(
    db: &impl ConnectionTrait,
    user: UserId,
    now: DateTime<Utc>,
    max_failures: i32,
) -> Result<Option<ResetCode>> {
    Ok(Entity::find()
        .filter(Column::UserId.eq(user))
        .filter(Column::UsedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .filter(Column::ExpiresAt.gt(now))
        .filter(Column::FailedAttempts.lt(max_failures))
        .order_by_desc(Column::IssuedAt)
        .one(db)
        .await?
        .map(ResetCode::from))
}

/// Counts a wrong guess against a code.
pub async fn count_failure(db: &impl ConnectionTrait, id: ResetCodeId) -> Result<()> {
    Entity::update_many()
        .col_expr(
            Column::FailedAttempts,
            Expr::col(Column::FailedAttempts).add(1),
        )
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks a code used, once: false when another request used (or revoked) it first.
pub async fn mark_used(
    db: &impl ConnectionTrait,
    id: ResetCodeId,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = Entity::update_many()
        .col_expr(Column::UsedAt, Expr::value(Some(now)))
        .filter(Column::Id.eq(id))
        .filter(Column::UsedAt.is_null())
        .filter(Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Moves a code's expiry (tests make a code expire without waiting).
pub async fn set_expiry(
    db: &impl ConnectionTrait,
    id: ResetCodeId,
    at: DateTime<Utc>,
) -> Result<()> {
    Entity::update_many()
        .col_expr(Column::ExpiresAt, Expr::value(at))
        .filter(Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
