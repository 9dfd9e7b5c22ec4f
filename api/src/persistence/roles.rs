//! Role assignments.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::Result;
use super::entities::role_assignments::{self, Column, Entity};
use super::entities::users;
use crate::domain::ids::{RoleAssignmentId, UnitId, UserId};
use crate::domain::role::{Grant, Role};

/// The grants of one account.
pub async fn for_user(db: &impl ConnectionTrait, user: UserId) -> Result<Vec<Grant>> {
    let rows = Entity::find()
        .filter(Column::UserId.eq(user))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| grant(&r.role, r.unit_id))
        .collect())
}

/// The unit of each account of `users` and its grants, in one statement: what `callers` asks
/// of the database the first time a person makes a request. In a round's opening minute that
/// is every member once, and on PostgreSQL each statement is a round trip, so the people asked
/// at about the same moment are read together (`caches::coalesce`, #16). An id with no account
/// is left out.
pub async fn units_and_grants(
    db: &impl ConnectionTrait,
    users: &[UserId],
) -> Result<HashMap<UserId, (UnitId, Vec<Grant>)>> {
    // One row per grant, or one row with no grant: the account's unit on each.
    let rows: Vec<(UserId, UnitId, Option<String>, Option<UnitId>)> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .column(users::Column::UnitId)
        .column(Column::Role)
        .column(Column::UnitId)
        .join_rev(
            JoinType::LeftJoin,
            Entity::belongs_to(users::Entity)
                .from(Column::UserId)
                .to(users::Column::Id)
                .into(),
        )
        .filter(users::Column::Id.is_in(users.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    let mut people: HashMap<UserId, (UnitId, Vec<Grant>)> = HashMap::new();
    for (user, unit, role, grant_unit) in rows {
        let (_, grants) = people.entry(user).or_insert_with(|| (unit, Vec::new()));
        if let Some(g) = role.and_then(|role| grant(&role, grant_unit)) {
            grants.push(g);
        }
    }
    Ok(people)
}

/// A stored grant, or none (and a warning) for a role this build does not know.
fn grant(role: &str, unit_id: Option<UnitId>) -> Option<Grant> {
    let known = Role::from_str_opt(role);
    if known.is_none() {
        tracing::warn!(role = %role, "unknown role in role_assignments ignored");
    }
    Some(Grant {
        role: known?,
        unit_id,
    })
}

/// Replaces all grants of `user` with `grants`. Run in a transaction.
pub async fn replace(db: &impl ConnectionTrait, user: UserId, grants: &[Grant]) -> Result<()> {
    Entity::delete_many()
        .filter(Column::UserId.eq(user))
        .exec(db)
        .await?;
    add(db, user, grants).await
}

/// Adds grants to `user` (duplicates are the caller's concern).
pub async fn add(db: &impl ConnectionTrait, user: UserId, grants: &[Grant]) -> Result<()> {
    if grants.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    Entity::insert_many(grants.iter().map(|g| role_assignments::ActiveModel {
        id: Set(RoleAssignmentId::new()),
        user_id: Set(user),
        role: Set(g.role.as_str().to_owned()),
        unit_id: Set(g.unit_id),
        created_at: Set(now),
    }))
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Every grant over one of `units`: (person, grant), oldest first.
pub async fn over_units(
    db: &impl ConnectionTrait,
    units: &[UnitId],
) -> Result<Vec<(UserId, Grant)>> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let rows = Entity::find()
        .filter(Column::UnitId.is_in(units.iter().copied()))
        .order_by_asc(Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some((
                r.user_id,
                Grant {
                    role: Role::from_str_opt(&r.role)?,
                    unit_id: r.unit_id,
                },
            ))
        })
        .collect())
}

/// Serialises every change that could leave the system without an enabled system admin
/// (removing the admin role, disabling an account), until the transaction `txn` ends. Call it
/// first in the transaction, before reading what [`enabled_admins`] counts.
///
/// # Implementation notes
/// On PostgreSQL it locks the admin rows (`SELECT … FOR UPDATE`): a second such transaction
/// waits here until the first commits, then counts what the first left. On SQLite it takes the
/// single writer's lock with a write that changes nothing (`touch`'s `updated_at` of itself):
/// a transaction that first read and then wrote could not wait for the writer, it would fail
/// with `SQLITE_BUSY` once the other committed.
pub async fn lock_admins(txn: &impl ConnectionTrait, touch: UserId) -> Result<()> {
    use sea_orm::{DatabaseBackend, QuerySelect};
    match txn.get_database_backend() {
        DatabaseBackend::Postgres => {
            Entity::find()
                .filter(Column::Role.eq(Role::Admin.as_str()))
                .lock_exclusive()
                .all(txn)
                .await?;
        }
        _ => {
            use super::entities::users;
            use sea_orm::sea_query::Expr;
            users::Entity::update_many()
                .col_expr(
                    users::Column::UpdatedAt,
                    Expr::col(users::Column::UpdatedAt),
                )
                .filter(users::Column::Id.eq(touch))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

/// How many accounts hold the system-admin role and are neither disabled nor erased.
pub async fn enabled_admins(db: &impl ConnectionTrait) -> Result<u64> {
    use super::entities::users;
    use sea_orm::PaginatorTrait;
    let holders: Vec<UserId> = Entity::find()
        .filter(Column::Role.eq(Role::Admin.as_str()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect();
    if holders.is_empty() {
        return Ok(0);
    }
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(holders))
        .filter(users::Column::DisabledAt.is_null())
        .filter(users::Column::ErasedAt.is_null())
        .count(db)
        .await?)
}
