//! The overall results of a contest: its frozen ranking on the cumulative score over the
//! published rounds, with the overall prizes, rewritten as a whole on each publication.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261129_000007_create_contests::Contests;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Contests::Table)
                    .add_column(timestamp_with_time_zone_null(Added::PublishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ContestResults::Table)
                    .col(uuid(ContestResults::ContestId))
                    .col(uuid(ContestResults::UserId))
                    .col(uuid_null(ContestResults::UnitId))
                    .col(integer(ContestResults::Rank))
                    .col(big_integer(ContestResults::Score))
                    .col(big_integer(ContestResults::TimeUsedMs))
                    .col(timestamp_with_time_zone(ContestResults::LastFinishedAt))
                    .col(integer(ContestResults::Rounds))
                    .col(string_len_null(ContestResults::Prize, 100))
                    .primary_key(
                        Index::create()
                            .col(ContestResults::ContestId)
                            .col(ContestResults::UserId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_contest_results_rank")
                    .table(ContestResults::Table)
                    .col(ContestResults::ContestId)
                    .col(ContestResults::Rank)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContestResults::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Contests::Table)
                    .drop_column(Added::PublishedAt)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Added {
    PublishedAt,
}

#[derive(DeriveIden)]
pub enum ContestResults {
    Table,
    ContestId,
    UserId,
    UnitId,
    Rank,
    Score,
    TimeUsedMs,
    LastFinishedAt,
    Rounds,
    Prize,
}
