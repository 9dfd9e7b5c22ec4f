//! Per-question outcomes of finished attempts, for item statistics (facility, discrimination,
//! the share choosing each option). Written once, with the attempt's result.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261129_000008_create_attempts::Attempts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AttemptItems::Table)
                    .col(uuid(AttemptItems::AttemptId))
                    .col(uuid(AttemptItems::QuestionId))
                    .col(uuid(AttemptItems::VersionId))
                    .col(integer(AttemptItems::Position))
                    .col(json(AttemptItems::Selected))
                    .col(boolean(AttemptItems::Correct))
                    .col(big_integer(AttemptItems::AttemptScore))
                    .primary_key(
                        Index::create()
                            .col(AttemptItems::AttemptId)
                            .col(AttemptItems::QuestionId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_items_attempt")
                            .from(AttemptItems::Table, AttemptItems::AttemptId)
                            .to(Attempts::Table, Attempts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_items_question")
                    .table(AttemptItems::Table)
                    .col(AttemptItems::QuestionId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AttemptItems::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AttemptItems {
    Table,
    AttemptId,
    QuestionId,
    VersionId,
    Position,
    Selected,
    Correct,
    AttemptScore,
}
