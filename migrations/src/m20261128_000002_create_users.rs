//! Users: one account per phone number (the login), with the personal data a contest needs.
//!
//! `citizen_id` is optional (some entrants have none) but unique when present, which is one of
//! the checks against duplicate identities.

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
                    .table(Users::Table)
                    .col(uuid(Users::Id).primary_key())
                    .col(string_len_uniq(Users::Phone, 20))
                    .col(string_len(Users::PasswordHash, 200))
                    .col(string_len(Users::FullName, 200))
                    .col(string_len(Users::FullNameFolded, 200))
                    // Null only for staff accounts made from the command line; registration requires it.
                    .col(date_null(Users::BirthDate))
                    .col(uuid(Users::UnitId))
                    .col(string_len_null(Users::CitizenId, 20).unique_key())
                    .col(string_len_null(Users::Email, 254))
                    .col(date_null(Users::AdmittedAt))
                    .col(timestamp_with_time_zone(Users::ConsentAt))
                    .col(timestamp_with_time_zone(Users::PasswordChangedAt))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_unit")
                            .from(Users::Table, Users::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_users_unit")
                    .table(Users::Table)
                    .col(Users::UnitId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    Phone,
    PasswordHash,
    FullName,
    FullNameFolded,
    BirthDate,
    UnitId,
    CitizenId,
    Email,
    AdmittedAt,
    ConsentAt,
    PasswordChangedAt,
    CreatedAt,
    UpdatedAt,
}
