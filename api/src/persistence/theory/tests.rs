//! Theory tests: what a round of a theory-test contest tests (a lesson, or the whole course)
//! and its pass mark and waiting time.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::domain::ids::{ContestId, CourseId, LessonId, RoundId};
use crate::persistence::Result;
use crate::persistence::entities::theory_tests;

/// A round of a theory-test contest, tested on a lesson or (without one) the whole course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TheoryTest {
    /// The round.
    pub round_id: RoundId,
    /// Its contest.
    pub contest_id: ContestId,
    /// The course version.
    pub course_id: CourseId,
    /// The lesson; `None` for a combined test.
    pub lesson_id: Option<LessonId>,
    /// Pass mark, percent.
    pub pass_mark: i32,
    /// Minutes a member waits after an attempt before the next (0 = no wait).
    pub retry_wait_minutes: i32,
}

impl From<theory_tests::Model> for TheoryTest {
    fn from(m: theory_tests::Model) -> Self {
        Self {
            round_id: m.round_id,
            contest_id: m.contest_id,
            course_id: m.course_id,
            lesson_id: m.lesson_id,
            pass_mark: m.pass_mark,
            retry_wait_minutes: m.retry_wait_minutes,
        }
    }
}

/// Records what a round tests.
pub async fn insert_test(db: &impl ConnectionTrait, t: &TheoryTest) -> Result<()> {
    theory_tests::Entity::insert(theory_tests::ActiveModel {
        round_id: Set(t.round_id),
        contest_id: Set(t.contest_id),
        course_id: Set(t.course_id),
        lesson_id: Set(t.lesson_id),
        pass_mark: Set(t.pass_mark),
        retry_wait_minutes: Set(t.retry_wait_minutes),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(theory_tests::Column::RoundId)
            .update_columns([
                theory_tests::Column::CourseId,
                theory_tests::Column::LessonId,
                theory_tests::Column::PassMark,
                theory_tests::Column::RetryWaitMinutes,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// What a round tests, if it is a theory test.
pub async fn test_of_round(
    db: &impl ConnectionTrait,
    round_id: RoundId,
) -> Result<Option<TheoryTest>> {
    Ok(theory_tests::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .map(TheoryTest::from))
}

/// The theory tests among `round_ids`, by round.
pub async fn tests_of_rounds(
    db: &impl ConnectionTrait,
    round_ids: &[RoundId],
) -> Result<HashMap<RoundId, TheoryTest>> {
    if round_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(theory_tests::Entity::find()
        .filter(theory_tests::Column::RoundId.is_in(round_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.round_id, TheoryTest::from(m)))
        .collect())
}

/// Every test of a course version.
pub async fn tests_of_course(
    db: &impl ConnectionTrait,
    course_id: CourseId,
) -> Result<Vec<TheoryTest>> {
    Ok(theory_tests::Entity::find()
        .filter(theory_tests::Column::CourseId.eq(course_id))
        .all(db)
        .await?
        .into_iter()
        .map(TheoryTest::from)
        .collect())
}
