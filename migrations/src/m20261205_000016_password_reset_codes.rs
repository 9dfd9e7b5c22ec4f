//! One-time password reset codes, for account recovery without SMS: a unit admin issues a code
//! for a member of their subtree, hands it over in person or by phone, and the member sets a new
//! password with it. Only the code's SHA-256 is kept; a code lives minutes, is used once, and
//! dies after a few wrong guesses (`failed_attempts`).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000002_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PasswordResetCodes::Table)
                    .col(uuid(PasswordResetCodes::Id).primary_key())
                    .col(uuid(PasswordResetCodes::UserId))
                    .col(uuid_null(PasswordResetCodes::IssuedBy))
                    .col(string_len(PasswordResetCodes::CodeHash, 64))
                    .col(timestamp_with_time_zone(PasswordResetCodes::IssuedAt))
                    .col(timestamp_with_time_zone(PasswordResetCodes::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordResetCodes::UsedAt))
                    .col(timestamp_with_time_zone_null(PasswordResetCodes::RevokedAt))
                    .col(integer(PasswordResetCodes::FailedAttempts).default(0))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reset_code_user")
                            .from(PasswordResetCodes::Table, PasswordResetCodes::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reset_code_issuer")
                            .from(PasswordResetCodes::Table, PasswordResetCodes::IssuedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_reset_code_user")
                    .table(PasswordResetCodes::Table)
                    .col(PasswordResetCodes::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PasswordResetCodes::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PasswordResetCodes {
    Table,
    Id,
    UserId,
    IssuedBy,
    CodeHash,
    IssuedAt,
    ExpiresAt,
    UsedAt,
    RevokedAt,
    FailedAttempts,
}
