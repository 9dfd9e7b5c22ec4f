//! Members' admission dates: who was admitted when (for coverage), accounts found by phone and
//! admission dates set (for imports).

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait as _,
};

use crate::domain::ids::{UnitId, UserId};
use crate::domain::unit::TreePath;
use crate::persistence::Result;
use crate::persistence::entities::{units, users};

/// A member with an admission date, as coverage needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    /// Id.
    pub id: UserId,
    /// Full name.
    pub full_name: String,
    /// Phone (national form).
    pub phone: String,
    /// Unit.
    pub unit_id: UnitId,
    /// Admission date.
    pub admitted_at: NaiveDate,
}

/// Everyone in the subtree at `root` admitted on or after `from` (the earliest date any unit
/// there requires; the caller applies each unit's own date).
pub async fn admitted_in_subtree(
    db: &impl ConnectionTrait,
    root: &TreePath,
    from: NaiveDate,
) -> Result<Vec<Admitted>> {
    let rows: Vec<(UserId, String, String, UnitId, Option<NaiveDate>)> = users::Entity::find()
        .select_only()
        .columns([
            users::Column::Id,
            users::Column::FullName,
            users::Column::Phone,
            users::Column::UnitId,
            users::Column::AdmittedAt,
        ])
        .join(JoinType::InnerJoin, users::Relation::Unit.def())
        .filter(units::Column::Path.starts_with(root.as_str()))
        .filter(users::Column::AdmittedAt.gte(from))
        .order_by_asc(users::Column::FullNameFolded)
        .order_by_asc(users::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, full_name, phone, unit_id, admitted_at)| {
            Some(Admitted {
                id,
                full_name,
                phone,
                unit_id,
                admitted_at: admitted_at?,
            })
        })
        .collect())
}

/// An account found by phone, for admission imports.
#[derive(Debug, Clone)]
pub struct ByPhone {
    /// Id.
    pub id: UserId,
    /// Phone.
    pub phone: String,
    /// Unit.
    pub unit_id: UnitId,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
}

/// Accounts with these phones (national form).
pub async fn users_by_phones(db: &impl ConnectionTrait, phones: &[String]) -> Result<Vec<ByPhone>> {
    let mut out = Vec::new();
    // Chunked so a large import does not exceed SQLite's bound-parameter limit.
    for chunk in phones.chunks(500) {
        out.extend(
            users::Entity::find()
                .filter(users::Column::Phone.is_in(chunk.iter().cloned()))
                .all(db)
                .await?
                .into_iter()
                .map(|m| ByPhone {
                    id: m.id,
                    phone: m.phone,
                    unit_id: m.unit_id,
                    birth_date: m.birth_date,
                }),
        );
    }
    Ok(out)
}

/// Sets a member's admission date.
pub async fn set_admitted_at(
    db: &impl ConnectionTrait,
    user_id: UserId,
    date: NaiveDate,
) -> Result<()> {
    users::Entity::update_many()
        .col_expr(users::Column::AdmittedAt, Expr::value(date))
        .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}
