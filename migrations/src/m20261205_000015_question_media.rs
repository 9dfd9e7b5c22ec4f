//! Pictures in questions: the picture shown with a version's stem. Option pictures live in the
//! version's `options` JSON beside each option's text. The files themselves are stored by
//! content under the data directory, not in the database.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(QuestionVersions::Table)
                    .add_column(string_null(QuestionVersions::Image))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(QuestionVersions::Table)
                    .drop_column(QuestionVersions::Image)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum QuestionVersions {
    Table,
    Image,
}
