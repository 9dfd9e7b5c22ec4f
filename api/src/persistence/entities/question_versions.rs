//! `question_versions`

use crate::domain::ids::{QuestionId, QuestionVersionId, UserId};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "question_versions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: QuestionVersionId,
    pub question_id: QuestionId,
    pub version: i32,
    pub text: String,
    pub options: Json,
    pub explanation: Option<String>,
    pub source_title: Option<String>,
    pub source_url: Option<String>,
    pub legal_document: Option<String>,
    pub image: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
