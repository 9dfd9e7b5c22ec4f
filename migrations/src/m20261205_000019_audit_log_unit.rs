//! The unit an audit event is about, so the audit log can be read by scope: a unit admin or
//! organizer sees the events about their subtree (the unit's current path decides, so a moved
//! branch takes its history along). Null for events about no unit (system settings, courses):
//! only system admins see those. An index on (at) serves the newest-first pages, one on
//! (unit_id, at) the scoped ones.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuditLog::Table)
                    .add_column(uuid_null(AuditLog::UnitId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_unit_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::UnitId)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in ["idx_audit_at", "idx_audit_unit_at"] {
            manager
                .drop_index(Index::drop().name(name).table(AuditLog::Table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(AuditLog::Table)
                    .drop_column(AuditLog::UnitId)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    UnitId,
    At,
}
