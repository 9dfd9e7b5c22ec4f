//! Attempts and their answers: the durable record behind the scoring store.
//!
//! # Implementation notes
//! `(round_id, user_id, seq)` is unique: an attempt takes the next number, so concurrent starts
//! at the attempt limit cannot both succeed, whatever the isolation level. Answers are
//! journaled into `attempt_answers` while an attempt runs (one row per question, upserted) and
//! written a final time when it finishes, so Redis losing its data loses at most the journal's
//! lag. A finished attempt's result columns are written once, guarded by `status = 'open'`.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000002_create_users::Users;
use crate::m20261129_000007_create_contests::Rounds;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attempts::Table)
                    .col(uuid(Attempts::Id).primary_key())
                    .col(uuid(Attempts::RoundId))
                    .col(uuid(Attempts::ContestId))
                    .col(uuid(Attempts::UserId))
                    .col(integer(Attempts::Seq))
                    .col(big_integer(Attempts::Seed))
                    .col(json(Attempts::Questions))
                    .col(timestamp_with_time_zone(Attempts::StartedAt))
                    .col(timestamp_with_time_zone(Attempts::Deadline))
                    .col(big_integer(Attempts::GraceMs))
                    .col(string_len(Attempts::Status, 10))
                    .col(timestamp_with_time_zone_null(Attempts::FinishedAt))
                    .col(big_integer_null(Attempts::Score))
                    .col(big_integer(Attempts::MaxScore))
                    .col(big_integer_null(Attempts::CorrectCount))
                    .col(big_integer_null(Attempts::TimeUsedMs))
                    .col(big_integer_null(Attempts::Prediction))
                    .col(boolean(Attempts::Practice))
                    .col(string_len_null(Attempts::ClientIp, 64))
                    .col(string_len_null(Attempts::UserAgent, 300))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attempts_round")
                            .from(Attempts::Table, Attempts::RoundId)
                            .to(Rounds::Table, Rounds::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_attempts_user")
                            .from(Attempts::Table, Attempts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_attempts_round_user_seq")
                    .table(Attempts::Table)
                    .col(Attempts::RoundId)
                    .col(Attempts::UserId)
                    .col(Attempts::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_attempts_user")
                    .table(Attempts::Table)
                    .col(Attempts::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_attempts_status")
                    .table(Attempts::Table)
                    .col(Attempts::Status)
                    .col(Attempts::Deadline)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AttemptAnswers::Table)
                    .col(uuid(AttemptAnswers::AttemptId))
                    .col(uuid(AttemptAnswers::QuestionId))
                    .col(json(AttemptAnswers::OptionIds))
                    .col(timestamp_with_time_zone(AttemptAnswers::SavedAt))
                    .primary_key(
                        Index::create()
                            .col(AttemptAnswers::AttemptId)
                            .col(AttemptAnswers::QuestionId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_answers_attempt")
                            .from(AttemptAnswers::Table, AttemptAnswers::AttemptId)
                            .to(Attempts::Table, Attempts::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AttemptAnswers::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Attempts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Attempts {
    Table,
    Id,
    RoundId,
    ContestId,
    UserId,
    Seq,
    Seed,
    Questions,
    StartedAt,
    Deadline,
    GraceMs,
    Status,
    FinishedAt,
    Score,
    MaxScore,
    CorrectCount,
    TimeUsedMs,
    Prediction,
    Practice,
    ClientIp,
    UserAgent,
}

#[derive(DeriveIden)]
pub enum AttemptAnswers {
    Table,
    AttemptId,
    QuestionId,
    OptionIds,
    SavedAt,
}
