//! Study programmes (issue #20): a course is a programme with an audience rule, not only the
//! new members' theory course.
//!
//! * `courses.audience`: `new_members` (admitted since their unit's date: the theory course, and
//!   the default, so existing rows keep their meaning), `all_members`, `officers` (holders of a
//!   management role) or `listed` (the members in `course_audience_members`).
//! * `courses.audience_unit_id`: limits the audience to one unit's subtree; null = everywhere.
//! * `courses.opens_on`, `courses.due_on`: the programme's period (the yearly thematic study
//!   runs for a calendar year; a resolution study has a deadline); only tests finished within it
//!   count.
//! * `courses.issues_certificate`: whether completing it issues a certificate.
//! * `course_audience_members`: a listed audience, per course code so that a new version keeps
//!   it.
//!
//! # Implementation notes
//! `audience_unit_id` carries no foreign key: adding one to an existing table is not portable
//! to SQLite; a programme whose unit is gone applies to nobody.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261128_000002_create_users::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        for column in [
            string_len(Courses::Audience, 20)
                .default("new_members")
                .to_owned(),
            uuid_null(Courses::AudienceUnitId),
            date_null(Courses::OpensOn),
            date_null(Courses::DueOn),
            boolean(Courses::IssuesCertificate).default(true).to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Courses::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(CourseAudienceMembers::Table)
                    .col(string_len(CourseAudienceMembers::CourseCode, 50))
                    .col(uuid(CourseAudienceMembers::UserId))
                    .col(timestamp_with_time_zone(CourseAudienceMembers::AddedAt))
                    .primary_key(
                        Index::create()
                            .col(CourseAudienceMembers::CourseCode)
                            .col(CourseAudienceMembers::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_course_audience_members_user")
                            .from(CourseAudienceMembers::Table, CourseAudienceMembers::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_course_audience_members_user")
                    .table(CourseAudienceMembers::Table)
                    .col(CourseAudienceMembers::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(CourseAudienceMembers::Table).to_owned())
            .await?;
        for column in [
            Courses::IssuesCertificate,
            Courses::DueOn,
            Courses::OpensOn,
            Courses::AudienceUnitId,
            Courses::Audience,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Courses::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Courses {
    Table,
    Audience,
    AudienceUnitId,
    OpensOn,
    DueOn,
    IssuesCertificate,
}

#[derive(DeriveIden, Clone, Copy)]
enum CourseAudienceMembers {
    Table,
    CourseCode,
    UserId,
    AddedAt,
}
