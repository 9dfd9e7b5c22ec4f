//! `theory_tests`

use crate::domain::ids::{ContestId, CourseId, LessonId, RoundId};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "theory_tests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub round_id: RoundId,
    pub contest_id: ContestId,
    pub course_id: CourseId,
    pub lesson_id: Option<LessonId>,
    pub pass_mark: i32,
    pub retry_wait_minutes: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
