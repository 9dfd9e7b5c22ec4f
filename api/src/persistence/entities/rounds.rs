//! `rounds`

use crate::domain::ids::{ContestId, RoundId};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "rounds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: RoundId,
    pub contest_id: ContestId,
    pub name: String,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub questions_per_attempt: i32,
    pub time_limit_seconds: i32,
    pub attempts_allowed: Option<i32>,
    pub shuffle_questions: bool,
    pub shuffle_options: bool,
    pub pool: Json,
    pub prediction: Option<String>,
    pub points_per_question: i32,
    pub review: String,
    pub practice: bool,
    pub first_started_at: Option<DateTimeUtc>,
    pub close_extensions: Json,
    pub published_at: Option<DateTimeUtc>,
    pub prediction_actual: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
