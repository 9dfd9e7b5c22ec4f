//! Units: the organisation tree (bloc → member organisations → branches), variable depth.
//!
//! # Implementation notes
//! `path` is the materialised path of ids from the root, `/root-id/…/own-id/`, so "is X in
//! the subtree of Y" is a prefix test that both PostgreSQL and SQLite index, and moving a
//! subtree is one `UPDATE` of the prefix. `name_folded` is the name without diacritics, lower
//! case, for search ("doan co so" finds "Đoàn cơ sở").

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Units::Table)
                    .col(uuid(Units::Id).primary_key())
                    .col(uuid_null(Units::ParentId))
                    .col(string_len(Units::Name, 200))
                    .col(string_len(Units::NameFolded, 200))
                    .col(string_len_uniq(Units::Code, 50))
                    .col(integer_null(Units::MemberCount))
                    .col(date_null(Units::MemberCountDate))
                    .col(string_len(Units::Path, 2000))
                    .col(integer(Units::Depth))
                    .col(timestamp_with_time_zone(Units::CreatedAt))
                    .col(timestamp_with_time_zone(Units::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_units_parent")
                            .from(Units::Table, Units::ParentId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("idx_units_parent", Units::ParentId),
            ("idx_units_path", Units::Path),
            ("idx_units_name_folded", Units::NameFolded),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Units::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Units::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Units {
    Table,
    Id,
    ParentId,
    Name,
    NameFolded,
    Code,
    MemberCount,
    MemberCountDate,
    Path,
    Depth,
    CreatedAt,
    UpdatedAt,
}
