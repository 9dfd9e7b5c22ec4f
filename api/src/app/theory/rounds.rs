//! What a round of a theory-test contest tests: a lesson, or the whole course for a combined
//! test, with its pass mark and waiting time between attempts. Checked when a round is created
//! or changed, recorded once the round exists.

use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::contest::{ContestKind, RoundSettings};
use crate::domain::ids::{CourseId, LessonId};
use crate::error::{ApiError, FieldError};
use crate::persistence::contests::{Contest, Round};
use crate::persistence::theory::TheoryTest;
use crate::persistence::{self, PersistenceError};

/// What a round of a theory-test contest tests.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TheoryTestSpec {
    /// The lesson; leave it out (and give `course_id`) for one combined test of the course.
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub lesson_id: Option<LessonId>,
    /// The course version (needed only for a combined test).
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub course_id: Option<CourseId>,
    /// Pass mark in percent; the contest's by default.
    #[serde(default)]
    pub pass_mark: Option<i32>,
    /// Minutes to wait after an attempt before the next (0 = none).
    #[serde(default)]
    pub retry_wait_minutes: u32,
}

/// What a theory-test round tests.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TheoryTestView {
    /// Course version.
    #[schema(value_type = Uuid)]
    pub course_id: CourseId,
    /// Lesson; null for a combined test of the whole course.
    #[schema(value_type = Option<Uuid>)]
    pub lesson_id: Option<LessonId>,
    /// Pass mark, percent (exactly at the mark passes).
    pub pass_mark: i32,
    /// Minutes to wait between attempts.
    pub retry_wait_minutes: i32,
}

impl From<TheoryTest> for TheoryTestView {
    fn from(t: TheoryTest) -> Self {
        Self {
            course_id: t.course_id,
            lesson_id: t.lesson_id,
            pass_mark: t.pass_mark,
            retry_wait_minutes: t.retry_wait_minutes,
        }
    }
}

/// A checked spec, before the round exists.
#[derive(Debug, Clone)]
pub struct ResolvedTest {
    course_id: CourseId,
    lesson_id: Option<LessonId>,
    pass_mark: i32,
    retry_wait_minutes: i32,
}

/// Checks what a round of `contest` tests: required for theory tests, refused for others;
/// a theory test has no prediction question.
pub async fn theory_test_of(
    db: &impl ConnectionTrait,
    contest: &Contest,
    settings: &RoundSettings,
    spec: Option<TheoryTestSpec>,
) -> Result<Option<ResolvedTest>, ApiError> {
    let is_theory = contest.settings.kind == ContestKind::TheoryTest;
    let mut errors = Vec::new();
    let spec = match (is_theory, spec) {
        (false, None) => return Ok(None),
        (false, Some(_)) => {
            return Err(ApiError::field(
                "/theory",
                "only a round of a theory_test contest tests a lesson",
            ));
        }
        (true, None) => {
            return Err(ApiError::field(
                "/theory",
                "a round of a theory test says which lesson it tests: {lesson_id} or, for a combined test, {course_id}",
            ));
        }
        (true, Some(spec)) => spec,
    };
    if settings.prediction.is_some() {
        errors.push(FieldError::new(
            "/prediction",
            "a theory test has no prediction question",
        ));
    }
    let mut course_id = spec.course_id;
    if let Some(lesson_id) = spec.lesson_id {
        match persistence::theory::get_lesson(db, lesson_id).await {
            Ok(lesson) => {
                if course_id.is_some_and(|c| c != lesson.course_id) {
                    errors.push(FieldError::new(
                        "/theory/course_id",
                        "the lesson belongs to another course version",
                    ));
                }
                course_id = Some(lesson.course_id);
            }
            Err(PersistenceError::NotFound(_)) => {
                errors.push(FieldError::new("/theory/lesson_id", "no such lesson"));
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        match course_id {
            None => errors.push(FieldError::new(
                "/theory/course_id",
                "give the lesson, or the course for a combined test",
            )),
            Some(id) => match persistence::theory::get_course(db, id).await {
                Ok(c) if c.lessons.is_empty() => errors.push(FieldError::new(
                    "/theory/course_id",
                    "this course has no lessons yet",
                )),
                Ok(_) => {}
                Err(PersistenceError::NotFound(_)) => {
                    errors.push(FieldError::new("/theory/course_id", "no such course"));
                }
                Err(e) => return Err(e.into()),
            },
        }
    }
    let pass_mark = spec.pass_mark.or(contest.settings.pass_mark).unwrap_or(0);
    if !(1..=100).contains(&pass_mark) {
        errors.push(FieldError::new(
            "/theory/pass_mark",
            "the pass mark is a percentage from 1 to 100",
        ));
    }
    if spec.retry_wait_minutes > 7 * 24 * 60 {
        errors.push(FieldError::new(
            "/theory/retry_wait_minutes",
            "the wait between attempts is at most a week (10080 minutes)",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(course_id.map(|course_id| ResolvedTest {
        course_id,
        lesson_id: spec.lesson_id,
        pass_mark,
        retry_wait_minutes: i32::try_from(spec.retry_wait_minutes).unwrap_or(0),
    }))
}

/// Records what `round` tests.
pub async fn link_theory_test(
    db: &impl ConnectionTrait,
    contest: &Contest,
    round: &Round,
    t: ResolvedTest,
) -> Result<TheoryTestView, ApiError> {
    let test = TheoryTest {
        round_id: round.id,
        contest_id: contest.id,
        course_id: t.course_id,
        lesson_id: t.lesson_id,
        pass_mark: t.pass_mark,
        retry_wait_minutes: t.retry_wait_minutes,
    };
    persistence::theory::insert_test(db, &test).await?;
    Ok(test.into())
}
