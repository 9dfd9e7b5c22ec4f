//! Contests and their rounds.
//!
//! # Implementation notes
//! Lists that are only ever read whole with their row (excluded units and roles, the tie-break
//! chain, a round's pool, the record of close-time extensions) are JSON columns: one portable
//! type on both databases, no join tables to keep in step.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_units::Units;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contests::Table)
                    .col(uuid(Contests::Id).primary_key())
                    .col(uuid(Contests::UnitId))
                    .col(string_len(Contests::Title, 300))
                    .col(text(Contests::Description))
                    .col(text(Contests::Rules))
                    .col(string_len(Contests::Kind, 20))
                    .col(uuid_null(Contests::EligibleUnitId))
                    .col(json(Contests::ExcludedUnitIds))
                    .col(json(Contests::ExcludedRoles))
                    .col(string_len(Contests::LeaderboardVisibility, 20))
                    .col(json(Contests::TieBreak))
                    .col(boolean(Contests::PerfectOnly).default(false))
                    .col(integer_null(Contests::PassMark))
                    .col(uuid_null(Contests::CreatedBy))
                    .col(timestamp_with_time_zone(Contests::CreatedAt))
                    .col(timestamp_with_time_zone(Contests::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contests_unit")
                            .from(Contests::Table, Contests::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contests_eligible_unit")
                            .from(Contests::Table, Contests::EligibleUnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_contests_unit")
                    .table(Contests::Table)
                    .col(Contests::UnitId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Rounds::Table)
                    .col(uuid(Rounds::Id).primary_key())
                    .col(uuid(Rounds::ContestId))
                    .col(string_len(Rounds::Name, 200))
                    .col(timestamp_with_time_zone(Rounds::OpensAt))
                    .col(timestamp_with_time_zone(Rounds::ClosesAt))
                    .col(integer(Rounds::QuestionsPerAttempt))
                    .col(integer(Rounds::TimeLimitSeconds))
                    .col(integer_null(Rounds::AttemptsAllowed))
                    .col(boolean(Rounds::ShuffleQuestions))
                    .col(boolean(Rounds::ShuffleOptions))
                    .col(json(Rounds::Pool))
                    .col(string_len_null(Rounds::Prediction, 20))
                    .col(integer(Rounds::PointsPerQuestion))
                    .col(string_len(Rounds::Review, 20))
                    .col(boolean(Rounds::Practice))
                    .col(timestamp_with_time_zone_null(Rounds::FirstStartedAt))
                    .col(json(Rounds::CloseExtensions))
                    .col(timestamp_with_time_zone(Rounds::CreatedAt))
                    .col(timestamp_with_time_zone(Rounds::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_rounds_contest")
                            .from(Rounds::Table, Rounds::ContestId)
                            .to(Contests::Table, Contests::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_rounds_contest")
                    .table(Rounds::Table)
                    .col(Rounds::ContestId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Rounds::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Contests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Contests {
    Table,
    Id,
    UnitId,
    Title,
    Description,
    Rules,
    Kind,
    EligibleUnitId,
    ExcludedUnitIds,
    ExcludedRoles,
    LeaderboardVisibility,
    TieBreak,
    PerfectOnly,
    PassMark,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Rounds {
    Table,
    Id,
    ContestId,
    Name,
    OpensAt,
    ClosesAt,
    QuestionsPerAttempt,
    TimeLimitSeconds,
    AttemptsAllowed,
    ShuffleQuestions,
    ShuffleOptions,
    Pool,
    Prediction,
    PointsPerQuestion,
    Review,
    Practice,
    FirstStartedAt,
    CloseExtensions,
    CreatedAt,
    UpdatedAt,
}
