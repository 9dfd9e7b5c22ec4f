//! `lessons`

use crate::domain::ids::{CourseId, LessonId};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lessons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: LessonId,
    pub course_id: CourseId,
    pub position: i32,
    pub title: String,
    pub summary: String,
    pub materials: Json,
    pub topic: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
