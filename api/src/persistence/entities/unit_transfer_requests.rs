//! `unit_transfer_requests`

use sea_orm::entity::prelude::*;

use crate::domain::ids::{TransferRequestId, UnitId, UserId};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "unit_transfer_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: TransferRequestId,
    pub user_id: UserId,
    pub from_unit_id: UnitId,
    pub to_unit_id: UnitId,
    #[sea_orm(column_type = "Text", nullable)]
    pub reason: Option<String>,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub decided_by: Option<UserId>,
    #[sea_orm(column_type = "Text", nullable)]
    pub decision_note: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
