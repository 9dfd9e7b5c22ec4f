//! `audit_log`

use sea_orm::entity::prelude::*;

use crate::domain::ids::{AuditEntryId, UnitId, UserId};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: AuditEntryId,
    pub actor_id: Option<UserId>,
    pub action: String,
    pub subject_id: Option<Uuid>,
    pub detail: Json,
    pub at: DateTimeUtc,
    pub unit_id: Option<UnitId>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
