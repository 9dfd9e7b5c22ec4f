//! Whether a finished attempt has reached the live boards. Finishing commits the result to the
//! database first and records it in the scoring store after; if that second step fails (a
//! timeout, a failover, a crash at that moment) the flag stays false and the board reconciler
//! (`app::attempts::reconcile_boards`) records it later. Rows that exist already were recorded
//! (or were replayed by a rebuild), hence the default.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261129_000008_create_attempts::Attempts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Attempts::Table)
                    .add_column(boolean(Added::BoardRecorded).default(true))
                    .to_owned(),
            )
            .await?;
        // The reconciler asks for the few unrecorded rows every few seconds.
        manager
            .create_index(
                Index::create()
                    .name("idx_attempts_board_recorded")
                    .table(Attempts::Table)
                    .col(Added::BoardRecorded)
                    .col(Attempts::FinishedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_attempts_board_recorded")
                    .table(Attempts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Attempts::Table)
                    .drop_column(Added::BoardRecorded)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Added {
    BoardRecorded,
}
