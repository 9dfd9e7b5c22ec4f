//! Whether the people who manage a contest may enter it. Off by default: an organizer who set
//! the round up has seen its pool and must not compete with the members for its prizes.

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
                    .add_column(boolean(Added::ManagersMayEnter).default(false))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Contests::Table)
                    .drop_column(Added::ManagersMayEnter)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Added {
    ManagersMayEnter,
}
