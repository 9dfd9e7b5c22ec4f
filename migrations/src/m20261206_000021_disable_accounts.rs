//! Disabled accounts (issue #11): when an account was disabled, why, and by whom. A disabled
//! account cannot sign in, refresh or use a token it still holds; enabling it clears all three.
//! `disabled_by` carries no foreign key: adding one to an existing table is not portable to
//! SQLite, and an erased or deleted manager must not take the record with them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000002_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [
            timestamp_with_time_zone_null(Added::DisabledAt),
            string_len_null(Added::DisabledReason, 500),
            uuid_null(Added::DisabledBy),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Added::DisabledBy, Added::DisabledReason, Added::DisabledAt] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Users::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

// The variants name the columns (`disabled_at`, …), so they share the prefix.
#[allow(clippy::enum_variant_names)]
#[derive(DeriveIden, Clone, Copy)]
enum Added {
    DisabledAt,
    DisabledReason,
    DisabledBy,
}
