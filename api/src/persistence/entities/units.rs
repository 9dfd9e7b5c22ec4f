//! `units`

use sea_orm::entity::prelude::*;

use crate::domain::ids::UnitId;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "units")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: UnitId,
    pub parent_id: Option<UnitId>,
    pub name: String,
    pub name_folded: String,
    #[sea_orm(unique)]
    pub code: String,
    pub member_count: Option<i32>,
    pub member_count_date: Option<Date>,
    pub path: String,
    pub depth: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
