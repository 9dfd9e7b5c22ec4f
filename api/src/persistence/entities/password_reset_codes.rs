//! `password_reset_codes`

use sea_orm::entity::prelude::*;

use crate::domain::ids::{ResetCodeId, UserId};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "password_reset_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ResetCodeId,
    pub user_id: UserId,
    pub issued_by: Option<UserId>,
    pub code_hash: String,
    pub issued_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
    pub failed_attempts: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
