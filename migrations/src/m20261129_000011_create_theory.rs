//! Political-theory tests for newly admitted members (issue #6).
//!
//! * `courses`: a versioned course (code + version, e.g. `230-KH/TWĐTN-BTG` v1); a new version is
//!   a new row, so results stay tied to the version a member took.
//! * `lessons`: the lessons of one course version, in order, with their study materials (JSON
//!   `[{title, url}]`) and the question-bank topic their tests draw from.
//! * `theory_tests`: a round of a `theory_test` contest tested on one lesson (`lesson_id`) or on
//!   the whole course (`lesson_id` null: a combined test), with its pass mark and the waiting
//!   time between attempts.
//! * `unit_theory_settings`: the date from which a unit's admitted members must take the
//!   course; units without a row inherit it from their nearest ancestor with one.
//! * `certificates`: proof of passing every lesson of a course version; one per person and
//!   course version; revoked with a reason, never deleted.
//!
//! # Implementation notes
//! Pass status is derived from `attempts` (score, max score) and the test's pass mark, not
//! copied into a table of its own: a voided result or a lifted void then changes it without a
//! second record to keep in step.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000001_create_units::Units;
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
                    .table(Courses::Table)
                    .col(uuid(Courses::Id).primary_key())
                    .col(string_len(Courses::Code, 50))
                    .col(integer(Courses::Version))
                    .col(string_len(Courses::Title, 300))
                    .col(boolean(Courses::Active))
                    .col(uuid_null(Courses::CreatedBy))
                    .col(timestamp_with_time_zone(Courses::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_courses_code_version")
                    .table(Courses::Table)
                    .col(Courses::Code)
                    .col(Courses::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Lessons::Table)
                    .col(uuid(Lessons::Id).primary_key())
                    .col(uuid(Lessons::CourseId))
                    .col(integer(Lessons::Position))
                    .col(string_len(Lessons::Title, 300))
                    .col(text(Lessons::Summary))
                    .col(json(Lessons::Materials))
                    .col(string_len_null(Lessons::Topic, 100))
                    .col(timestamp_with_time_zone(Lessons::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_lessons_course")
                            .from(Lessons::Table, Lessons::CourseId)
                            .to(Courses::Table, Courses::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_lessons_course_position")
                    .table(Lessons::Table)
                    .col(Lessons::CourseId)
                    .col(Lessons::Position)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TheoryTests::Table)
                    .col(uuid(TheoryTests::RoundId).primary_key())
                    .col(uuid(TheoryTests::ContestId))
                    .col(uuid(TheoryTests::CourseId))
                    .col(uuid_null(TheoryTests::LessonId))
                    .col(integer(TheoryTests::PassMark))
                    .col(integer(TheoryTests::RetryWaitMinutes))
                    .col(timestamp_with_time_zone(TheoryTests::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_theory_tests_round")
                            .from(TheoryTests::Table, TheoryTests::RoundId)
                            .to(Rounds::Table, Rounds::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_theory_tests_course")
                            .from(TheoryTests::Table, TheoryTests::CourseId)
                            .to(Courses::Table, Courses::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_theory_tests_lesson")
                            .from(TheoryTests::Table, TheoryTests::LessonId)
                            .to(Lessons::Table, Lessons::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_theory_tests_course")
                    .table(TheoryTests::Table)
                    .col(TheoryTests::CourseId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(UnitTheorySettings::Table)
                    .col(uuid(UnitTheorySettings::UnitId).primary_key())
                    .col(date(UnitTheorySettings::TheorySince))
                    .col(uuid_null(UnitTheorySettings::UpdatedBy))
                    .col(timestamp_with_time_zone(UnitTheorySettings::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_unit_theory_settings_unit")
                            .from(UnitTheorySettings::Table, UnitTheorySettings::UnitId)
                            .to(Units::Table, Units::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Certificates::Table)
                    .col(uuid(Certificates::Id).primary_key())
                    .col(string_len(Certificates::Code, 16))
                    .col(uuid(Certificates::UserId))
                    .col(uuid(Certificates::CourseId))
                    .col(timestamp_with_time_zone(Certificates::IssuedAt))
                    .col(timestamp_with_time_zone_null(Certificates::RevokedAt))
                    .col(uuid_null(Certificates::RevokedBy))
                    .col(text_null(Certificates::RevokedReason))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certificates_user")
                            .from(Certificates::Table, Certificates::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_certificates_course")
                            .from(Certificates::Table, Certificates::CourseId)
                            .to(Courses::Table, Courses::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_certificates_code")
                    .table(Certificates::Table)
                    .col(Certificates::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_certificates_user_course")
                    .table(Certificates::Table)
                    .col(Certificates::UserId)
                    .col(Certificates::CourseId)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Certificates::Table.into_iden(),
            UnitTheorySettings::Table.into_iden(),
            TheoryTests::Table.into_iden(),
            Lessons::Table.into_iden(),
            Courses::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Courses {
    Table,
    Id,
    Code,
    Version,
    Title,
    Active,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum Lessons {
    Table,
    Id,
    CourseId,
    Position,
    Title,
    Summary,
    Materials,
    Topic,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum TheoryTests {
    Table,
    RoundId,
    ContestId,
    CourseId,
    LessonId,
    PassMark,
    RetryWaitMinutes,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum UnitTheorySettings {
    Table,
    UnitId,
    TheorySince,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum Certificates {
    Table,
    Id,
    Code,
    UserId,
    CourseId,
    IssuedAt,
    RevokedAt,
    RevokedBy,
    RevokedReason,
}
