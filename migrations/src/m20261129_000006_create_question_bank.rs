//! The question bank: topics, questions and their versions.
//!
//! # Implementation notes
//! A question's identity (`questions`) is separate from what was shown (`question_versions`):
//! editing an active question adds a version, and attempts point at the version they showed, so
//! a past attempt keeps its exact text and options. `stem_folded` is the current version's text
//! folded (lower case, no diacritics, single spaces) for search and duplicate detection. Tags are
//! stored as `,tag1,tag2,` so one portable `LIKE '%,tag,%'` finds a tag on both databases.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_units::Units;
use crate::m20261128_000002_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Topics::Table)
                    .col(string_len(Topics::Code, 100).primary_key())
                    .col(string_len(Topics::Name, 200))
                    .col(string_len_null(Topics::ParentCode, 100))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Questions::Table)
                    .col(uuid(Questions::Id).primary_key())
                    .col(uuid(Questions::UnitId))
                    .col(boolean(Questions::Shared).default(false))
                    .col(string_len(Questions::Kind, 20))
                    .col(string_len(Questions::TopicCode, 100))
                    .col(string_len(Questions::Difficulty, 10))
                    .col(string_len(Questions::Status, 10))
                    .col(string_len(Questions::Tags, 1000))
                    .col(string_len(Questions::StemFolded, 2000))
                    .col(integer(Questions::CurrentVersion))
                    .col(uuid(Questions::CurrentVersionId))
                    .col(date_null(Questions::ValidFrom))
                    .col(date_null(Questions::ValidUntil))
                    .col(uuid_null(Questions::CreatedBy))
                    .col(timestamp_with_time_zone(Questions::CreatedAt))
                    .col(timestamp_with_time_zone(Questions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_questions_unit")
                            .from(Questions::Table, Questions::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_questions_topic")
                            .from(Questions::Table, Questions::TopicCode)
                            .to(Topics::Table, Topics::Code)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_questions_creator")
                            .from(Questions::Table, Questions::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_questions_unit", Questions::UnitId),
            ("idx_questions_topic", Questions::TopicCode),
            ("idx_questions_stem", Questions::StemFolded),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Questions::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(QuestionVersions::Table)
                    .col(uuid(QuestionVersions::Id).primary_key())
                    .col(uuid(QuestionVersions::QuestionId))
                    .col(integer(QuestionVersions::Version))
                    .col(text(QuestionVersions::Text))
                    .col(json(QuestionVersions::Options))
                    .col(text_null(QuestionVersions::Explanation))
                    .col(string_len_null(QuestionVersions::SourceTitle, 500))
                    .col(string_len_null(QuestionVersions::SourceUrl, 1000))
                    .col(string_len_null(QuestionVersions::LegalDocument, 500))
                    .col(uuid_null(QuestionVersions::CreatedBy))
                    .col(timestamp_with_time_zone(QuestionVersions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_versions_question")
                            .from(QuestionVersions::Table, QuestionVersions::QuestionId)
                            .to(Questions::Table, Questions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_versions_question_version")
                    .table(QuestionVersions::Table)
                    .col(QuestionVersions::QuestionId)
                    .col(QuestionVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(QuestionVersions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Questions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Topics::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Topics {
    Table,
    Code,
    Name,
    ParentCode,
}

#[derive(DeriveIden)]
pub enum Questions {
    Table,
    Id,
    UnitId,
    Shared,
    Kind,
    TopicCode,
    Difficulty,
    Status,
    Tags,
    StemFolded,
    CurrentVersion,
    CurrentVersionId,
    ValidFrom,
    ValidUntil,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum QuestionVersions {
    Table,
    Id,
    QuestionId,
    Version,
    Text,
    Options,
    Explanation,
    SourceTitle,
    SourceUrl,
    LegalDocument,
    CreatedBy,
    CreatedAt,
}
