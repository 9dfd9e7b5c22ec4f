//! What a finished theory-test attempt means for the member: the verdict against the pass mark,
//! the attempts left and when the next may start, and where to go next (the next lesson not yet
//! passed, or the certificate once the course is complete). Shown on the result page, so that a
//! lesson test leads somewhere instead of ending on a score.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::programme::AudienceKind;
use crate::domain::theory::{LessonStatus, passes};
use crate::error::ApiError;
use crate::persistence;
use crate::persistence::attempts::AttemptRecord;
use crate::persistence::contests::Round;
use crate::persistence::theory as store;
use crate::state::AppState;

/// A lesson, briefly.
#[derive(Debug, Serialize, ToSchema)]
pub struct LessonRef {
    /// Lesson.
    pub lesson_id: Uuid,
    /// 1, 2, 3, …
    pub position: i32,
    /// Title.
    pub title: String,
}

/// A theory-test attempt's verdict and what comes next.
#[derive(Debug, Serialize, ToSchema)]
pub struct TheoryOutcome {
    /// Whether this attempt reached the pass mark (exactly at the mark passes).
    pub passed: bool,
    /// Pass mark, percent.
    pub pass_mark: i32,
    /// The lesson tested; null for a combined test of the whole course.
    pub lesson: Option<LessonRef>,
    /// Whether the lesson (or, for a combined test, the course) is passed, by this attempt or
    /// an earlier one.
    pub lesson_passed: bool,
    /// Attempts allowed in this round; null = unlimited.
    pub attempts_allowed: Option<u32>,
    /// Attempts I have started in this round.
    pub attempts_used: usize,
    /// Whether I may take this test again at all (attempts left and the round still open).
    pub may_retry: bool,
    /// When the next attempt may start, if I must wait.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The round closes (no attempt after this).
    pub closes_at: DateTime<Utc>,
    /// The first lesson of the course I have not passed yet (the next step), if any.
    pub next_lesson: Option<LessonRef>,
    /// Lessons passed / in the course.
    pub passed_lessons: usize,
    /// Lessons in the course.
    pub total_lessons: usize,
    /// My certificate's code once the course is complete (issued on the way if due).
    pub certificate_code: Option<String>,
    /// The programme (course version) the test belongs to.
    pub course_id: Uuid,
    /// Its title.
    pub course_title: String,
    /// Whether it is the new members' theory course (its page is "Học lý luận"; every other
    /// programme has its page under "Học tập").
    pub new_members_course: bool,
}

/// The outcome of a finished attempt if its round is a theory test, else `None`.
pub async fn outcome(
    state: &AppState,
    record: &AttemptRecord,
    round: &Round,
    now: DateTime<Utc>,
) -> Result<Option<TheoryOutcome>, ApiError> {
    if !record.finished {
        return Ok(None);
    }
    let Some(test) = store::test_of_round(&state.db, round.id).await? else {
        return Ok(None);
    };
    let course = store::get_course(&state.db, test.course_id).await?;
    let lesson = test
        .lesson_id
        .and_then(|id| course.lessons.iter().find(|l| l.id == id))
        .map(|l| LessonRef {
            lesson_id: l.id.into_uuid(),
            position: l.position,
            title: l.title.clone(),
        });
    let mine = persistence::attempts::of_user_in_round(&state.db, record.user_id, round.id).await?;
    let next_attempt_at = mine
        .iter()
        .filter_map(|a| a.finished_at)
        .max()
        .map(|last| last + chrono::Duration::minutes(i64::from(test.retry_wait_minutes)))
        .filter(|at| test.retry_wait_minutes > 0 && *at > now && *at < round.settings.closes_at);
    let attempts_left = round
        .settings
        .attempts_allowed
        .is_none_or(|n| mine.len() < n as usize);
    let (course_id, course_title) = (course.id.into_uuid(), course.title.clone());
    let new_members_course = course.audience.kind() == AudienceKind::NewMembers;
    let progress = super::progress::progress(state, record.user_id, course).await?;
    let statuses: Vec<LessonStatus> = progress.results.iter().map(|r| r.status()).collect();
    let passed_lessons = statuses
        .iter()
        .filter(|s| **s == LessonStatus::Passed)
        .count();
    let lesson_passed = match test.lesson_id {
        Some(id) => progress
            .course
            .lessons
            .iter()
            .zip(&statuses)
            .any(|(l, s)| l.id == id && *s == LessonStatus::Passed),
        None => passed_lessons == statuses.len(),
    };
    let next_lesson = progress
        .course
        .lessons
        .iter()
        .zip(&statuses)
        .find(|(_, s)| **s != LessonStatus::Passed)
        .map(|(l, _)| LessonRef {
            lesson_id: l.id.into_uuid(),
            position: l.position,
            title: l.title.clone(),
        });
    Ok(Some(TheoryOutcome {
        passed: record
            .score
            .is_some_and(|s| passes(s, record.max_score, test.pass_mark)),
        pass_mark: test.pass_mark,
        lesson,
        lesson_passed,
        attempts_allowed: round.settings.attempts_allowed,
        attempts_used: mine.len(),
        may_retry: !lesson_passed && attempts_left && now < round.settings.closes_at,
        next_attempt_at: next_attempt_at.filter(|_| !lesson_passed && attempts_left),
        closes_at: round.settings.closes_at,
        next_lesson,
        passed_lessons,
        total_lessons: statuses.len(),
        certificate_code: progress
            .certificate
            .filter(|c| c.revoked_at.is_none())
            .map(|c| c.code),
        course_id,
        course_title,
        new_members_course,
    }))
}
