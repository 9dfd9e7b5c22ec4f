//! `result_voids`

use crate::domain::ids::{ResultVoidId, RoundId, UserId};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "result_voids")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ResultVoidId,
    pub round_id: RoundId,
    pub user_id: UserId,
    pub reason: String,
    pub voided_by: Option<UserId>,
    pub voided_at: DateTimeUtc,
    pub lifted_at: Option<DateTimeUtc>,
    pub lifted_by: Option<UserId>,
    pub lift_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
