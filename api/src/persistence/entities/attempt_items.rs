//! `attempt_items`

use crate::domain::ids::{AttemptId, QuestionId, QuestionVersionId};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "attempt_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub attempt_id: AttemptId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub question_id: QuestionId,
    pub version_id: QuestionVersionId,
    pub position: i32,
    pub selected: Json,
    pub correct: bool,
    pub attempt_score: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
