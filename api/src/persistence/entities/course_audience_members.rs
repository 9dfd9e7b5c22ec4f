//! `course_audience_members`

use sea_orm::entity::prelude::*;

use crate::domain::ids::UserId;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "course_audience_members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub course_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    pub added_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
