//! dautri's database schema as sea-orm migrations.
//!
//! Every migration must mean the same on PostgreSQL and SQLite: only portable column types,
//! no database-specific SQL. Never edit a migration that has been applied; add a new one.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_units;
mod m20261128_000002_create_users;
mod m20261128_000003_create_role_assignments;
mod m20261128_000004_create_refresh_tokens;
mod m20261128_000005_create_audit_log;
mod m20261129_000006_create_question_bank;
mod m20261129_000007_create_contests;
mod m20261129_000008_create_attempts;
mod m20261129_000009_create_attempt_items;
mod m20261129_000010_create_results;
mod m20261129_000011_create_theory;
mod m20261129_000012_create_contest_results;
mod m20261204_000013_contest_managers_may_enter;
mod m20261204_000014_personal_data;
mod m20261205_000015_question_media;
mod m20261205_000016_password_reset_codes;
mod m20261205_000018_attempts_board_recorded;
mod m20261205_000019_audit_log_unit;
mod m20261206_000020_unit_transfers;
mod m20261206_000021_disable_accounts;
mod m20261207_000022_study_programmes;

/// All migrations, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_units::Migration),
            Box::new(m20261128_000002_create_users::Migration),
            Box::new(m20261128_000003_create_role_assignments::Migration),
            Box::new(m20261128_000004_create_refresh_tokens::Migration),
            Box::new(m20261128_000005_create_audit_log::Migration),
            Box::new(m20261129_000006_create_question_bank::Migration),
            Box::new(m20261129_000007_create_contests::Migration),
            Box::new(m20261129_000008_create_attempts::Migration),
            Box::new(m20261129_000009_create_attempt_items::Migration),
            Box::new(m20261129_000010_create_results::Migration),
            Box::new(m20261129_000011_create_theory::Migration),
            Box::new(m20261129_000012_create_contest_results::Migration),
            Box::new(m20261204_000013_contest_managers_may_enter::Migration),
            Box::new(m20261204_000014_personal_data::Migration),
            Box::new(m20261205_000015_question_media::Migration),
            Box::new(m20261205_000016_password_reset_codes::Migration),
            Box::new(m20261205_000018_attempts_board_recorded::Migration),
            Box::new(m20261205_000019_audit_log_unit::Migration),
            Box::new(m20261206_000020_unit_transfers::Migration),
            Box::new(m20261206_000021_disable_accounts::Migration),
            Box::new(m20261207_000022_study_programmes::Migration),
        ]
    }
}
