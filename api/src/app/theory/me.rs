//! A member's own view of the course: their lessons with their status, the tests they may take
//! and when, and their certificate (issued on the way if it was due).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::certificates::CertificateBrief;
use crate::app::contest_access::Checker;
use crate::auth::Caller;
use crate::domain::ids::{ContestId, CourseId, RoundId, UnitId, UserId};
use crate::domain::programme::{AudienceKind, MemberFacts, Phase};
use crate::domain::theory::{LessonStatus, Material, effective_since, percent};
use crate::domain::time::vietnam_date;
use crate::error::ApiError;
use crate::persistence;
use crate::persistence::theory::Course;
use crate::persistence::theory::TheoryTest;
use crate::state::AppState;

/// A course version in brief.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseBrief {
    /// Id.
    pub id: Uuid,
    /// Code.
    pub code: String,
    /// Version.
    pub version: i32,
    /// Title.
    pub title: String,
}

/// A test I may take.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyTest {
    /// The round to start attempts in (`POST /rounds/{id}/attempts`).
    #[schema(value_type = Uuid)]
    pub round_id: RoundId,
    /// Its contest.
    #[schema(value_type = Uuid)]
    pub contest_id: ContestId,
    /// The contest's title.
    pub contest_title: String,
    /// The round's name.
    pub name: String,
    /// Pass mark, percent.
    pub pass_mark: i32,
    /// Questions per attempt.
    pub questions_per_attempt: u32,
    /// Time limit per attempt.
    pub time_limit_seconds: u32,
    /// Attempts allowed; null = unlimited.
    pub attempts_allowed: Option<u32>,
    /// Attempts I have started.
    pub attempts_used: usize,
    /// Minutes to wait between attempts.
    pub retry_wait_minutes: i32,
    /// When my next attempt may start, if I must wait.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Opens.
    pub opens_at: DateTime<Utc>,
    /// Closes.
    pub closes_at: DateTime<Utc>,
    /// `upcoming`, `open` or `closed`.
    pub state: &'static str,
}

/// One of my lessons.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyLesson {
    /// Lesson.
    pub lesson_id: Uuid,
    /// 1, 2, 3, …
    pub position: i32,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Study materials.
    pub materials: Vec<Material>,
    /// `not_tested`, `tested` or `passed`.
    pub status: LessonStatus,
    /// Finished attempts.
    pub attempts: u32,
    /// My best score so far.
    pub best_score: Option<i64>,
    /// Out of.
    pub best_max_score: Option<i64>,
    /// The best as a percentage.
    pub best_percent: Option<f64>,
    /// When I passed.
    pub passed_at: Option<DateTime<Utc>>,
    /// Tests of this lesson I may take.
    pub tests: Vec<MyTest>,
}

/// My progress through the course.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyTheoryResponse {
    /// The course version.
    pub course: CourseBrief,
    /// Who must study it, and its period.
    pub audience: super::courses::AudienceView,
    /// My admission date.
    pub admitted_at: Option<NaiveDate>,
    /// My unit requires the course of members admitted on or after this date.
    pub theory_since: Option<NaiveDate>,
    /// Whether I must take the course.
    pub required: bool,
    /// Lessons in order.
    pub lessons: Vec<MyLesson>,
    /// Combined tests of the whole course I may take.
    pub combined_tests: Vec<MyTest>,
    /// Lessons passed.
    pub passed_lessons: usize,
    /// Lessons in the course.
    pub total_lessons: usize,
    /// My certificate for this course version, once every lesson is passed.
    pub certificate: Option<CertificateBrief>,
}

async fn my_test(
    state: &AppState,
    check: &mut Checker<'_, DatabaseConnection>,
    user: UserId,
    test: &TheoryTest,
    now: DateTime<Utc>,
) -> Result<Option<MyTest>, ApiError> {
    let round = persistence::contests::get_round(&state.db, test.round_id).await?;
    let contest = persistence::contests::get(&state.db, test.contest_id).await?;
    if !check.may_enter(&contest).await? {
        return Ok(None);
    }
    let mine = persistence::attempts::of_user_in_round(&state.db, user, round.id).await?;
    let next_attempt_at = mine
        .iter()
        .filter_map(|a| a.finished_at)
        .max()
        .map(|last| last + chrono::Duration::minutes(i64::from(test.retry_wait_minutes)))
        .filter(|at| test.retry_wait_minutes > 0 && *at > now);
    let s = round.settings;
    let state_word = if now < s.opens_at {
        "upcoming"
    } else if now < s.closes_at {
        "open"
    } else {
        "closed"
    };
    Ok(Some(MyTest {
        round_id: round.id,
        contest_id: contest.id,
        contest_title: contest.settings.title.clone(),
        name: s.name,
        pass_mark: test.pass_mark,
        questions_per_attempt: s.questions_per_attempt,
        time_limit_seconds: s.time_limit_seconds,
        attempts_allowed: s.attempts_allowed,
        attempts_used: mine.len(),
        retry_wait_minutes: test.retry_wait_minutes,
        next_attempt_at,
        opens_at: s.opens_at,
        closes_at: s.closes_at,
        state: state_word,
    }))
}

/// My lessons of the course (the one taught now, or `course_id`) with their status — not yet
/// tested, tested (best score so far), passed (date) — the tests I may take, and my
/// certificate once every lesson is passed (issued here if it was not yet).
pub async fn my_theory(
    state: &AppState,
    user: UserId,
    course_id: Option<CourseId>,
    now: DateTime<Utc>,
) -> Result<MyTheoryResponse, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let me = persistence::users::get(&state.db, user).await?;
    let course = super::progress::course_or_current(&state.db, course_id).await?;
    let unit = persistence::units::get(&state.db, me.unit_id).await?;
    let path: Vec<Uuid> = unit.path.ids().into_iter().map(Into::into).collect();
    let settings = persistence::theory::since_settings(&state.db).await?;
    let theory_since = effective_since(&path, &settings);
    let required = includes(state, &me, &unit, theory_since, &course).await?;
    let progress = super::progress::progress(state, user, course).await?;
    let mut tests = progress.tests.clone();
    tests.sort_by_key(|t| t.round_id);
    let mut visible = Vec::new();
    let mut check = Checker::with_unit(&state.db, &caller, me.unit_id);
    for t in &tests {
        if let Some(view) = my_test(state, &mut check, user, t, now).await? {
            visible.push((t.lesson_id, view));
        }
    }
    let mut lessons = Vec::new();
    for (lesson, result) in progress.course.lessons.iter().zip(&progress.results) {
        let (of_lesson, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut visible)
            .into_iter()
            .partition(|(l, _)| *l == Some(lesson.id));
        visible = rest;
        let mine: Vec<MyTest> = of_lesson.into_iter().map(|(_, v)| v).collect();
        lessons.push(MyLesson {
            lesson_id: lesson.id.into_uuid(),
            position: lesson.position,
            title: lesson.title.clone(),
            summary: lesson.summary.clone(),
            materials: lesson.materials.clone(),
            status: result.status(),
            attempts: result.attempts,
            best_score: result.best.map(|b| b.0),
            best_max_score: result.best.map(|b| b.1),
            best_percent: result.best.map(|(s, m)| percent(s, m)),
            passed_at: result.passed_at,
            tests: mine,
        });
    }
    let passed_lessons = progress
        .results
        .iter()
        .filter(|r| r.status() == LessonStatus::Passed)
        .count();
    let c = &progress.course;
    Ok(MyTheoryResponse {
        audience: c.audience.into(),
        course: CourseBrief {
            id: c.id.into_uuid(),
            code: c.code.clone(),
            version: c.version,
            title: c.title.clone(),
        },
        admitted_at: me.admitted_at,
        theory_since,
        required,
        total_lessons: lessons.len(),
        lessons,
        combined_tests: visible.into_iter().map(|(_, v)| v).collect(),
        passed_lessons,
        certificate: progress.certificate.map(CertificateBrief::from),
    })
}

/// Whether `me` is in the programme's audience: only the facts its rule needs are read.
async fn includes(
    state: &AppState,
    me: &persistence::users::User,
    unit: &persistence::units::Unit,
    since: Option<NaiveDate>,
    course: &Course,
) -> Result<bool, ApiError> {
    let path: Vec<UnitId> = unit.path.ids();
    let kind = course.audience.kind();
    let facts = MemberFacts {
        unit_path: &path,
        admitted_at: me.admitted_at,
        since,
        officer: kind == AudienceKind::Officers
            && persistence::theory::is_officer(&state.db, me.id).await?,
        listed: kind == AudienceKind::Listed
            && persistence::theory::is_listed(&state.db, &course.code, me.id).await?,
    };
    Ok(course.audience.includes(&facts))
}

/// A programme that applies to me, with my progress.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyProgramme {
    /// The programme (the version taught now).
    pub course: CourseBrief,
    /// Who must study it, and when.
    pub audience: super::courses::AudienceView,
    /// `upcoming`, `open` or `ended` (its deadline passed), on today's Vietnam date.
    pub phase: Phase,
    /// Lessons passed.
    pub passed_lessons: usize,
    /// Lessons in it.
    pub total_lessons: usize,
    /// Every lesson passed.
    pub completed: bool,
    /// Whether completing it issues a certificate.
    pub issues_certificate: bool,
    /// My certificate, once completed (programmes that issue one).
    pub certificate: Option<CertificateBrief>,
}

/// The programmes that apply to me.
#[derive(Debug, Serialize, ToSchema)]
pub struct MyProgrammes {
    /// Open ones first (the nearest deadline first), then upcoming, then ended.
    pub items: Vec<MyProgramme>,
}

/// Every programme taught now whose audience includes me, with my progress: "Học tập".
pub async fn my_programmes(
    state: &AppState,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<MyProgrammes, ApiError> {
    let me = persistence::users::get(&state.db, user).await?;
    let unit = persistence::units::get(&state.db, me.unit_id).await?;
    let path: Vec<Uuid> = unit.path.ids().into_iter().map(Into::into).collect();
    let settings = persistence::theory::since_settings(&state.db).await?;
    let since = effective_since(&path, &settings);
    let today = vietnam_date(now);
    let mut items = Vec::new();
    for course in persistence::theory::list_courses(&state.db).await? {
        if !course.active || !includes(state, &me, &unit, since, &course).await? {
            continue;
        }
        let progress = super::progress::progress(state, user, course).await?;
        let passed_lessons = progress
            .results
            .iter()
            .filter(|r| r.status() == LessonStatus::Passed)
            .count();
        let c = progress.course;
        items.push(MyProgramme {
            phase: c.audience.phase(today),
            audience: c.audience.into(),
            passed_lessons,
            total_lessons: c.lessons.len(),
            completed: !c.lessons.is_empty() && passed_lessons == c.lessons.len(),
            issues_certificate: c.issues_certificate,
            certificate: progress.certificate.map(CertificateBrief::from),
            course: CourseBrief {
                id: c.id.into_uuid(),
                code: c.code,
                version: c.version,
                title: c.title,
            },
        });
    }
    let rank = |p: Phase| match p {
        Phase::Open => 0,
        Phase::Upcoming => 1,
        Phase::Ended => 2,
    };
    items.sort_by(|a, b| {
        rank(a.phase)
            .cmp(&rank(b.phase))
            .then(
                a.audience
                    .due_on
                    .unwrap_or(NaiveDate::MAX)
                    .cmp(&b.audience.due_on.unwrap_or(NaiveDate::MAX)),
            )
            .then(a.course.title.cmp(&b.course.title))
    });
    Ok(MyProgrammes { items })
}
