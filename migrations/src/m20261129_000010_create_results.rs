//! Results of rounds: the unit each attempt counts for, published rankings with prizes, and
//! voided results.
//!
//! * `attempts.unit_id`: the entrant's unit when the attempt started. Boards group results by
//!   it (through the unit's current place in the tree, so a moved subtree keeps its results).
//! * `rounds.published_at` / `prediction_actual`: set when an organizer publishes the round.
//! * `round_results`: the frozen ranking, one row per counted entrant, rewritten as a whole on
//!   each publication.
//! * `result_voids`: an organizer's decision that a person's result in a round does not count,
//!   with the reason; lifting it keeps the row (`lifted_at`), nothing is ever deleted.
//! * `contests.prizes`: the prize settings (JSON; null means no prizes).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261129_000007_create_contests::{Contests, Rounds};
use crate::m20261129_000008_create_attempts::Attempts;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Attempts::Table)
                    .add_column(uuid_null(Results::UnitId))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE attempts SET unit_id = \
                 (SELECT users.unit_id FROM users WHERE users.id = attempts.user_id)",
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Rounds::Table)
                    .add_column(timestamp_with_time_zone_null(Results::PublishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Rounds::Table)
                    .add_column(big_integer_null(Results::PredictionActual))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Contests::Table)
                    .add_column(json_null(Results::Prizes))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RoundResults::Table)
                    .col(uuid(RoundResults::RoundId))
                    .col(uuid(RoundResults::UserId))
                    .col(uuid(RoundResults::AttemptId))
                    .col(uuid_null(RoundResults::UnitId))
                    .col(integer(RoundResults::Rank))
                    .col(big_integer(RoundResults::Score))
                    .col(big_integer(RoundResults::MaxScore))
                    .col(big_integer_null(RoundResults::Prediction))
                    .col(big_integer_null(RoundResults::PredictionError))
                    .col(big_integer(RoundResults::TimeUsedMs))
                    .col(timestamp_with_time_zone(RoundResults::FinishedAt))
                    .col(string_len_null(RoundResults::Prize, 100))
                    .primary_key(
                        Index::create()
                            .col(RoundResults::RoundId)
                            .col(RoundResults::UserId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_round_results_rank")
                    .table(RoundResults::Table)
                    .col(RoundResults::RoundId)
                    .col(RoundResults::Rank)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ResultVoids::Table)
                    .col(uuid(ResultVoids::Id).primary_key())
                    .col(uuid(ResultVoids::RoundId))
                    .col(uuid(ResultVoids::UserId))
                    .col(text(ResultVoids::Reason))
                    .col(uuid_null(ResultVoids::VoidedBy))
                    .col(timestamp_with_time_zone(ResultVoids::VoidedAt))
                    .col(timestamp_with_time_zone_null(ResultVoids::LiftedAt))
                    .col(uuid_null(ResultVoids::LiftedBy))
                    .col(text_null(ResultVoids::LiftReason))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_result_voids_round_user")
                    .table(ResultVoids::Table)
                    .col(ResultVoids::RoundId)
                    .col(ResultVoids::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_attempts_round_status")
                    .table(Attempts::Table)
                    .col(Attempts::RoundId)
                    .col(Attempts::Status)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_attempts_round_status")
                    .table(Attempts::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(ResultVoids::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(RoundResults::Table).to_owned())
            .await?;
        for (table, column) in [
            (Contests::Table.into_iden(), Results::Prizes),
            (Rounds::Table.into_iden(), Results::PredictionActual),
            (Rounds::Table.into_iden(), Results::PublishedAt),
            (Attempts::Table.into_iden(), Results::UnitId),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Columns added to existing tables.
#[derive(DeriveIden)]
enum Results {
    UnitId,
    PublishedAt,
    PredictionActual,
    Prizes,
}

#[derive(DeriveIden)]
pub enum RoundResults {
    Table,
    RoundId,
    UserId,
    AttemptId,
    UnitId,
    Rank,
    Score,
    MaxScore,
    Prediction,
    PredictionError,
    TimeUsedMs,
    FinishedAt,
    Prize,
}

#[derive(DeriveIden)]
pub enum ResultVoids {
    Table,
    Id,
    RoundId,
    UserId,
    Reason,
    VoidedBy,
    VoidedAt,
    LiftedAt,
    LiftedBy,
    LiftReason,
}
