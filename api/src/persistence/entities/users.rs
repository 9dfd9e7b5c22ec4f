//! `users`

use sea_orm::entity::prelude::*;

use crate::domain::ids::{UnitId, UserId};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: UserId,
    #[sea_orm(unique)]
    pub phone: String,
    pub password_hash: String,
    pub full_name: String,
    pub full_name_folded: String,
    pub birth_date: Option<Date>,
    pub unit_id: UnitId,
    pub citizen_id: Option<String>,
    pub email: Option<String>,
    pub admitted_at: Option<Date>,
    pub consent_at: DateTimeUtc,
    pub password_changed_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub consent_version: String,
    pub erased_at: Option<DateTimeUtc>,
    pub disabled_at: Option<DateTimeUtc>,
    pub disabled_reason: Option<String>,
    pub disabled_by: Option<UserId>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::units::Entity",
        from = "Column::UnitId",
        to = "super::units::Column::Id"
    )]
    Unit,
}

impl Related<super::units::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Unit.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
