//! Units: reading the tree, searching it, creating, editing and moving subtrees.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{BinOper, Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::entities::units::{self, Column, Entity};
use super::{PersistenceError, Result};
use crate::domain::ids::UnitId;
use crate::domain::text::fold;
use crate::domain::unit::{MemberCount, TreePath, UnitCode, UnitName};

/// A unit as the rest of the code sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// Its id.
    pub id: UnitId,
    /// Its parent; `None` for a root.
    pub parent_id: Option<UnitId>,
    /// Its name.
    pub name: String,
    /// Its short code.
    pub code: String,
    /// Declared member count, if any.
    pub member_count: Option<i32>,
    /// When the member count was declared.
    pub member_count_date: Option<NaiveDate>,
    /// Its materialised path.
    pub path: TreePath,
}

impl From<units::Model> for Unit {
    fn from(m: units::Model) -> Self {
        Self {
            id: m.id,
            parent_id: m.parent_id,
            name: m.name,
            code: m.code,
            member_count: m.member_count,
            member_count_date: m.member_count_date,
            path: TreePath::from_stored(m.path),
        }
    }
}

/// What a new unit is made of.
pub struct NewUnit {
    /// Pre-chosen id (imports choose ids before inserting, to link children to parents).
    pub id: UnitId,
    /// The parent, already loaded; `None` makes a root.
    pub parent: Option<Unit>,
    /// Name.
    pub name: UnitName,
    /// Code.
    pub code: UnitCode,
    /// Declared members.
    pub member_count: Option<MemberCount>,
}

/// Loads one unit.
pub async fn get(db: &impl ConnectionTrait, id: UnitId) -> Result<Unit> {
    Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Unit::from)
        .ok_or(PersistenceError::NotFound("unit"))
}

/// Loads units by code (codes are stored upper case).
pub async fn find_by_codes(db: &impl ConnectionTrait, codes: &[String]) -> Result<Vec<Unit>> {
    let mut out = Vec::new();
    // Chunked so a large import does not exceed SQLite's bound-parameter limit.
    for chunk in codes.chunks(500) {
        let rows = Entity::find()
            .filter(Column::Code.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        out.extend(rows.into_iter().map(Unit::from));
    }
    Ok(out)
}

/// Loads the units on `path`, root first, excluding the unit itself.
pub async fn ancestors(db: &impl ConnectionTrait, unit: &Unit) -> Result<Vec<Unit>> {
    let ids: Vec<Uuid> = unit
        .path
        .ids()
        .into_iter()
        .filter(|id| *id != unit.id)
        .map(Into::into)
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<Unit> = Entity::find()
        .filter(Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(Unit::from)
        .collect();
    rows.sort_by_key(|u| u.path.depth());
    Ok(rows)
}

/// A page of units and the total matching.
pub struct Page {
    /// The units on this page.
    pub items: Vec<Unit>,
    /// How many match in all.
    pub total: u64,
}

/// Lists units: the children of `parent` (roots when `None`) or, with a search text, every unit
/// whose folded name or code contains it, within `parent`'s subtree if given.
pub async fn list(
    db: &impl ConnectionTrait,
    parent: Option<&Unit>,
    query: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<Page> {
    let mut select = Entity::find();
    match (query.map(fold).filter(|q| !q.is_empty()), parent) {
        (Some(q), parent) => {
            let pattern = format!("%{}%", escape_like(&q));
            let code_pattern = format!("%{}%", escape_like(&q.to_ascii_uppercase()));
            select = select.filter(
                Expr::col(Column::NameFolded)
                    .like(sea_orm::sea_query::LikeExpr::new(pattern).escape('\\'))
                    .or(Expr::col(Column::Code)
                        .like(sea_orm::sea_query::LikeExpr::new(code_pattern).escape('\\'))),
            );
            if let Some(parent) = parent {
                select = select
                    .filter(Column::Path.starts_with(parent.path.as_str()))
                    .filter(Column::Id.ne(parent.id));
            }
            select = select
                .order_by_asc(Column::Depth)
                .order_by_asc(Column::NameFolded);
        }
        (None, Some(parent)) => {
            select = select
                .filter(Column::ParentId.eq(parent.id))
                .order_by_asc(Column::NameFolded)
        }
        (None, None) => {
            select = select
                .filter(Column::ParentId.is_null())
                .order_by_asc(Column::NameFolded)
        }
    }
    let total = select.clone().count(db).await?;
    let items = select
        .order_by_asc(Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(Unit::from)
        .collect();
    Ok(Page { items, total })
}

fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// Inserts a unit under its parent.
pub async fn insert(db: &impl ConnectionTrait, new: NewUnit) -> Result<Unit> {
    let now = Utc::now();
    let path = match &new.parent {
        Some(parent) => parent.path.child(new.id),
        None => TreePath::root(new.id),
    };
    let model = units::ActiveModel {
        id: Set(new.id),
        parent_id: Set(new.parent.as_ref().map(|p| p.id)),
        name: Set(new.name.as_str().to_owned()),
        name_folded: Set(fold(new.name.as_str())),
        code: Set(new.code.as_str().to_owned()),
        member_count: Set(new.member_count.map(|m| m.count)),
        member_count_date: Set(new.member_count.map(|m| m.declared_on)),
        depth: Set(path.depth()),
        path: Set(path.as_str().to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Entity::insert(model).exec_without_returning(db).await?;
    get(db, new.id).await
}

/// Changes a unit's own fields (not its place in the tree).
pub async fn update_fields(
    db: &impl ConnectionTrait,
    id: UnitId,
    name: Option<UnitName>,
    code: Option<UnitCode>,
    member_count: Option<MemberCount>,
) -> Result<Unit> {
    let mut model = units::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(id),
        ..Default::default()
    };
    if let Some(name) = name {
        model.name_folded = Set(fold(name.as_str()));
        model.name = Set(name.as_str().to_owned());
    }
    if let Some(code) = code {
        model.code = Set(code.as_str().to_owned());
    }
    if let Some(mc) = member_count {
        model.member_count = Set(Some(mc.count));
        model.member_count_date = Set(Some(mc.declared_on));
    }
    model.updated_at = Set(Utc::now());
    model.update(db).await?;
    get(db, id).await
}

/// The deepest depth inside `unit`'s subtree.
pub async fn max_depth_within(db: &impl ConnectionTrait, unit: &Unit) -> Result<i32> {
    let depth: Option<i32> = Entity::find()
        .select_only()
        .column_as(Column::Depth.max(), "max_depth")
        .filter(Column::Path.starts_with(unit.path.as_str()))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    Ok(depth.unwrap_or(unit.path.depth()))
}

/// Moves `unit` and its whole subtree under `new_parent` (root when `None`). The caller checks
/// for cycles and depth and runs this in a transaction.
pub async fn move_subtree(
    db: &impl ConnectionTrait,
    unit: &Unit,
    new_parent: Option<&Unit>,
) -> Result<Unit> {
    let old_prefix = unit.path.as_str().to_owned();
    let new_path = match new_parent {
        Some(parent) => parent.path.child(unit.id),
        None => TreePath::root(unit.id),
    };
    let depth_change = new_path.depth() - unit.path.depth();
    let keep_from = i32::try_from(old_prefix.chars().count() + 1)
        .map_err(|_| PersistenceError::NotFound("unit"))?;
    // One statement rewrites the prefix of every path in the subtree: ids and the history tied
    // to them are untouched, only the tree position changes.
    units::Entity::update_many()
        .col_expr(
            Column::Path,
            // `||` is concatenation on both PostgreSQL and SQLite; SUBSTR is 1-based on both.
            Expr::val(new_path.as_str().to_owned()).binary(
                BinOper::Custom("||"),
                Func::cust("SUBSTR")
                    .arg(Expr::col(Column::Path))
                    .arg(keep_from),
            ),
        )
        .col_expr(Column::Depth, Expr::col(Column::Depth).add(depth_change))
        .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(Column::Path.starts_with(&old_prefix))
        .exec(db)
        .await?;
    units::Entity::update_many()
        .col_expr(
            Column::ParentId,
            Expr::value(new_parent.map(|p| p.id.into_uuid())),
        )
        .filter(Column::Id.eq(unit.id))
        .exec(db)
        .await?;
    get(db, unit.id).await
}

/// Every unit (for the in-memory directory; thousands of rows, not millions).
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<Unit>> {
    Ok(Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(Unit::from)
        .collect())
}

/// The names of the units `ids`, by id (unknown ids are left out). One query.
pub async fn names_of(
    db: &impl ConnectionTrait,
    ids: &[UnitId],
) -> Result<std::collections::HashMap<UnitId, String>> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = Entity::find()
        .select_only()
        .column(Column::Id)
        .column(Column::Name)
        .filter(Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| (UnitId::from_uuid(id), name))
        .collect())
}

/// Which of the units `ids` have children. One query.
pub async fn with_children(
    db: &impl ConnectionTrait,
    ids: &[UnitId],
) -> Result<std::collections::HashSet<UnitId>> {
    if ids.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let rows: Vec<Option<Uuid>> = Entity::find()
        .select_only()
        .column(Column::ParentId)
        .filter(Column::ParentId.is_in(ids.iter().copied()))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().flatten().map(UnitId::from_uuid).collect())
}

/// The units `ids` that exist, by id. One query.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[UnitId],
) -> Result<std::collections::HashMap<UnitId, Unit>> {
    if ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows = Entity::find()
        .filter(Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|m| (m.id, Unit::from(m))).collect())
}
