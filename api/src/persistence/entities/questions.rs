//! `questions`

use crate::domain::ids::{QuestionId, QuestionVersionId, UnitId, UserId};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "questions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: QuestionId,
    pub unit_id: UnitId,
    pub shared: bool,
    pub kind: String,
    pub topic_code: String,
    pub difficulty: String,
    pub status: String,
    pub tags: String,
    pub stem_folded: String,
    pub current_version: i32,
    pub current_version_id: QuestionVersionId,
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    pub created_by: Option<UserId>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::units::Entity",
        from = "Column::UnitId",
        to = "super::units::Column::Id"
    )]
    Unit,
}

impl Related<super::units::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
