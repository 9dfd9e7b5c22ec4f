//! `round_results`

use crate::domain::ids::{AttemptId, RoundId, UnitId, UserId};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "round_results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub round_id: RoundId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    pub attempt_id: AttemptId,
    pub unit_id: Option<UnitId>,
    pub rank: i32,
    pub score: i64,
    pub max_score: i64,
    pub prediction: Option<i64>,
    pub prediction_error: Option<i64>,
    pub time_used_ms: i64,
    pub finished_at: DateTimeUtc,
    pub prize: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
