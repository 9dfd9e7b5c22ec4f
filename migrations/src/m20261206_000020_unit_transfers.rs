//! Unit transfer requests: a member who moved (school, workplace, residence) asks to move to
//! another unit; a manager of the receiving unit approves or rejects. The request keeps both
//! units and the decision, so the history of moves stays readable after the member's unit has
//! changed. At most one request per member is pending: a partial unique index on `user_id`
//! where `status = 'pending'` (PostgreSQL and SQLite both have partial indexes, with the same
//! syntax), so two simultaneous requests cannot both be stored.

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
                    .table(UnitTransferRequests::Table)
                    .col(uuid(UnitTransferRequests::Id).primary_key())
                    .col(uuid(UnitTransferRequests::UserId))
                    .col(uuid(UnitTransferRequests::FromUnitId))
                    .col(uuid(UnitTransferRequests::ToUnitId))
                    .col(text_null(UnitTransferRequests::Reason))
                    .col(string_len(UnitTransferRequests::Status, 16))
                    .col(timestamp_with_time_zone(UnitTransferRequests::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        UnitTransferRequests::DecidedAt,
                    ))
                    .col(uuid_null(UnitTransferRequests::DecidedBy))
                    .col(text_null(UnitTransferRequests::DecisionNote))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_transfer_user")
                            .from(UnitTransferRequests::Table, UnitTransferRequests::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_transfer_from")
                            .from(
                                UnitTransferRequests::Table,
                                UnitTransferRequests::FromUnitId,
                            )
                            .to(Units::Table, Units::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_transfer_to")
                            .from(UnitTransferRequests::Table, UnitTransferRequests::ToUnitId)
                            .to(Units::Table, Units::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_transfer_decider")
                            .from(UnitTransferRequests::Table, UnitTransferRequests::DecidedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_unit_transfer_user")
                    .table(UnitTransferRequests::Table)
                    .col(UnitTransferRequests::UserId)
                    .col(UnitTransferRequests::CreatedAt)
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("idx_unit_transfer_from", UnitTransferRequests::FromUnitId),
            ("idx_unit_transfer_to", UnitTransferRequests::ToUnitId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(UnitTransferRequests::Table)
                        .col(column)
                        .col(UnitTransferRequests::Status)
                        .to_owned(),
                )
                .await?;
        }
        // Written out because sea-query's index builder has no WHERE; this statement is the
        // same in PostgreSQL and SQLite.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX uq_unit_transfer_one_pending \
                 ON unit_transfer_requests (user_id) WHERE status = 'pending'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(UnitTransferRequests::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum UnitTransferRequests {
    Table,
    Id,
    UserId,
    FromUnitId,
    ToUnitId,
    Reason,
    Status,
    CreatedAt,
    DecidedAt,
    DecidedBy,
    DecisionNote,
}
