//! `courses`

use crate::domain::ids::{CourseId, UnitId, UserId};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "courses")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: CourseId,
    pub code: String,
    pub version: i32,
    pub title: String,
    pub active: bool,
    pub created_by: Option<UserId>,
    pub created_at: DateTimeUtc,
    pub audience: String,
    pub audience_unit_id: Option<UnitId>,
    pub opens_on: Option<Date>,
    pub due_on: Option<Date>,
    pub issues_certificate: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
