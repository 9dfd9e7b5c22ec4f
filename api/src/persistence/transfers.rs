//! Unit transfer requests (`unit_transfer_requests`). A member has at most one pending
//! request: the database refuses a second (a partial unique index), which [`insert`] reports as
//! [`PersistenceError::Duplicate`]. A request is closed once, by [`close`], which only changes
//! a request that is still pending, so two managers deciding at once cannot both succeed.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use super::entities::unit_transfer_requests::{self, Column, Entity};
use super::entities::units;
use super::{PersistenceError, Result};
use crate::domain::ids::{TransferRequestId, UnitId, UserId};
use crate::domain::transfer::TransferStatus;
use crate::domain::unit::TreePath;

/// A stored request.
#[derive(Debug, Clone)]
pub struct Transfer {
    /// Id.
    pub id: TransferRequestId,
    /// The member who asked.
    pub user_id: UserId,
    /// Their unit when they asked.
    pub from_unit_id: UnitId,
    /// The unit they asked to join.
    pub to_unit_id: UnitId,
    /// Why, in their words.
    pub reason: Option<String>,
    /// Where it stands.
    pub status: TransferStatus,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it was approved, rejected or cancelled.
    pub decided_at: Option<DateTime<Utc>>,
    /// Who approved or rejected it (the member, for a cancellation).
    pub decided_by: Option<UserId>,
    /// The manager's note.
    pub decision_note: Option<String>,
}

impl TryFrom<unit_transfer_requests::Model> for Transfer {
    type Error = PersistenceError;

    fn try_from(m: unit_transfer_requests::Model) -> Result<Self> {
        let status = TransferStatus::from_stored(&m.status).ok_or_else(|| {
            PersistenceError::Db(sea_orm::DbErr::Type(format!(
                "unknown transfer status {}",
                m.status
            )))
        })?;
        Ok(Self {
            id: m.id,
            user_id: m.user_id,
            from_unit_id: m.from_unit_id,
            to_unit_id: m.to_unit_id,
            reason: m.reason,
            status,
            created_at: m.created_at,
            decided_at: m.decided_at,
            decided_by: m.decided_by,
            decision_note: m.decision_note,
        })
    }
}

fn all(models: Vec<unit_transfer_requests::Model>) -> Result<Vec<Transfer>> {
    models.into_iter().map(Transfer::try_from).collect()
}

/// Stores a new pending request; [`PersistenceError::Duplicate`] if the member has one.
pub async fn insert(
    db: &impl ConnectionTrait,
    user: UserId,
    from: UnitId,
    to: UnitId,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<Transfer> {
    let model = unit_transfer_requests::Model {
        id: TransferRequestId::new(),
        user_id: user,
        from_unit_id: from,
        to_unit_id: to,
        reason,
        status: TransferStatus::Pending.as_str().to_owned(),
        created_at: now,
        decided_at: None,
        decided_by: None,
        decision_note: None,
    };
    Entity::insert(unit_transfer_requests::ActiveModel {
        id: Set(model.id),
        user_id: Set(model.user_id),
        from_unit_id: Set(model.from_unit_id),
        to_unit_id: Set(model.to_unit_id),
        reason: Set(model.reason.clone()),
        status: Set(model.status.clone()),
        created_at: Set(model.created_at),
        decided_at: Set(None),
        decided_by: Set(None),
        decision_note: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Transfer::try_from(model)
}

/// Loads one request.
pub async fn get(db: &impl ConnectionTrait, id: TransferRequestId) -> Result<Transfer> {
    Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(PersistenceError::NotFound("unit transfer"))?
        .try_into()
}

/// The member's pending request, if any.
pub async fn pending_of(db: &impl ConnectionTrait, user: UserId) -> Result<Option<Transfer>> {
    Entity::find()
        .filter(Column::UserId.eq(user))
        .filter(Column::Status.eq(TransferStatus::Pending.as_str()))
        .one(db)
        .await?
        .map(Transfer::try_from)
        .transpose()
}

/// The member's requests, newest first (at most `limit`).
pub async fn of_user(db: &impl ConnectionTrait, user: UserId, limit: u64) -> Result<Vec<Transfer>> {
    all(Entity::find()
        .filter(Column::UserId.eq(user))
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Requests into or out of `root`'s subtree (by the units' current places in the tree),
/// optionally of one status, newest first, with how many match.
pub async fn in_subtree(
    db: &impl ConnectionTrait,
    root: &TreePath,
    status: Option<TransferStatus>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Transfer>, u64)> {
    let within = Query::select()
        .column(units::Column::Id)
        .from(units::Entity)
        .cond_where(units::Column::Path.starts_with(root.as_str()))
        .to_owned();
    let mut select = Entity::find().filter(
        Condition::any()
            .add(Column::FromUnitId.in_subquery(within.clone()))
            .add(Column::ToUnitId.in_subquery(within)),
    );
    if let Some(status) = status {
        select = select.filter(Column::Status.eq(status.as_str()));
    }
    let total = select.clone().count(db).await?;
    let rows = select
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((all(rows)?, total))
}

/// Closes a pending request as `status`; `false` if it was no longer pending (someone else
/// closed it first), in which case nothing changed.
pub async fn close(
    db: &impl ConnectionTrait,
    id: TransferRequestId,
    status: TransferStatus,
    by: UserId,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = Entity::update_many()
        .col_expr(Column::Status, Expr::value(status.as_str()))
        .col_expr(Column::DecidedAt, Expr::value(now))
        .col_expr(Column::DecidedBy, Expr::value(by.into_uuid()))
        .col_expr(Column::DecisionNote, Expr::value(note))
        .filter(Column::Id.eq(id))
        .filter(Column::Status.eq(TransferStatus::Pending.as_str()))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
