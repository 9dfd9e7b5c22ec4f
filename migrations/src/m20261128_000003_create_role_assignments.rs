//! Role assignments: organizer and unit admin are scoped to a unit's subtree; admin is
//! system-wide (`unit_id` null). Being a member needs no row.

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
                    .table(RoleAssignments::Table)
                    .col(uuid(RoleAssignments::Id).primary_key())
                    .col(uuid(RoleAssignments::UserId))
                    .col(string_len(RoleAssignments::Role, 20))
                    .col(uuid_null(RoleAssignments::UnitId))
                    .col(timestamp_with_time_zone(RoleAssignments::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_roles_user")
                            .from(RoleAssignments::Table, RoleAssignments::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_roles_unit")
                            .from(RoleAssignments::Table, RoleAssignments::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_roles_user")
                    .table(RoleAssignments::Table)
                    .col(RoleAssignments::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RoleAssignments::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum RoleAssignments {
    Table,
    Id,
    UserId,
    Role,
    UnitId,
    CreatedAt,
}
