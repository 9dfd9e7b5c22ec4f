//! `contests`

use sea_orm::entity::prelude::*;

use crate::domain::ids::{ContestId, UnitId, UserId};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "contests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: ContestId,
    pub unit_id: UnitId,
    pub title: String,
    pub description: String,
    pub rules: String,
    pub kind: String,
    pub eligible_unit_id: Option<UnitId>,
    pub excluded_unit_ids: Json,
    pub excluded_roles: Json,
    pub leaderboard_visibility: String,
    pub tie_break: Json,
    pub perfect_only: bool,
    pub pass_mark: Option<i32>,
    pub created_by: Option<UserId>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub prizes: Option<Json>,
    pub published_at: Option<DateTimeUtc>,
    pub managers_may_enter: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
