//! `contest_results`

use crate::domain::ids::{ContestId, UnitId, UserId};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contest_results")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub contest_id: ContestId,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: UserId,
    pub unit_id: Option<UnitId>,
    pub rank: i32,
    pub score: i64,
    pub time_used_ms: i64,
    pub last_finished_at: DateTimeUtc,
    pub rounds: i32,
    pub prize: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
