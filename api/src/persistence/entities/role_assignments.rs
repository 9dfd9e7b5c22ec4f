//! `role_assignments`

use sea_orm::entity::prelude::*;

use crate::domain::ids::{RoleAssignmentId, UnitId, UserId};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "role_assignments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: RoleAssignmentId,
    pub user_id: UserId,
    pub role: String,
    pub unit_id: Option<UnitId>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
