//! `attempts`

use crate::domain::ids::{AttemptId, ContestId, RoundId, UnitId, UserId};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: AttemptId,
    pub round_id: RoundId,
    pub contest_id: ContestId,
    pub user_id: UserId,
    pub seq: i32,
    pub seed: i64,
    pub questions: Json,
    pub started_at: DateTimeUtc,
    pub deadline: DateTimeUtc,
    pub grace_ms: i64,
    pub status: String,
    pub finished_at: Option<DateTimeUtc>,
    pub score: Option<i64>,
    pub max_score: i64,
    pub correct_count: Option<i64>,
    pub time_used_ms: Option<i64>,
    pub prediction: Option<i64>,
    pub practice: bool,
    pub client_ip: Option<String>,
    pub user_agent: Option<String>,
    pub unit_id: Option<UnitId>,
    pub board_recorded: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
