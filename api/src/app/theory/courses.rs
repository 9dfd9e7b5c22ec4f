//! Study programmes (the political-theory course for new members, the yearly thematic study,
//! resolution studies, …), their versions and lessons: listed for everyone signed in. Each has an
//! audience rule (`domain::programme`).
//!
//! Who manages them: system admins, any programme; an organizer, a programme whose audience is
//! limited to a unit within their scope and is not the new members' (the theory course is the
//! Central Committee's, one for the whole country).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::materials;
use crate::auth::Caller;
use crate::domain::ids::{CourseId, LessonId, UnitId, UserId};
use crate::domain::programme::{Audience, AudienceKind};
use crate::domain::role::Role;
use crate::domain::theory::Material;
use crate::error::{ApiError, Conflict, FieldError};
use crate::persistence::theory::{Course, Lesson, NewCourse, NewLesson};
use crate::persistence::{self, PersistenceError};
use crate::state::AppState;

/// Most lessons in one course version (exports give each lesson its own columns).
pub const MAX_LESSONS: usize = 12;

/// Most study materials in one lesson.
pub const MAX_MATERIALS: usize = 20;

/// A lesson.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LessonResponse {
    /// Id.
    pub id: Uuid,
    /// 1, 2, 3, …
    pub position: i32,
    /// Title.
    pub title: String,
    /// A short summary.
    pub summary: String,
    /// Links to the study material.
    pub materials: Vec<Material>,
    /// The question-bank topic its tests draw from.
    pub topic: Option<String>,
}

impl From<Lesson> for LessonResponse {
    fn from(l: Lesson) -> Self {
        Self {
            id: l.id.into_uuid(),
            position: l.position,
            title: l.title,
            summary: l.summary,
            materials: l.materials,
            topic: l.topic,
        }
    }
}

/// A course version with its lessons.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CourseResponse {
    /// Id of this version.
    pub id: Uuid,
    /// The course's code, shared by its versions.
    pub code: String,
    /// Version number.
    pub version: i32,
    /// Title.
    pub title: String,
    /// Whether new members are taught this version now.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Who must study it, and when.
    pub audience: AudienceView,
    /// Whether completing it issues a certificate.
    pub issues_certificate: bool,
    /// Lessons in order.
    pub lessons: Vec<LessonResponse>,
}

/// A programme's audience and period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AudienceView {
    /// `new_members` (admitted on or after their unit's date), `all_members`, `officers`
    /// (holders of a management role) or `listed` (an imported list).
    pub kind: AudienceKind,
    /// Only members of this unit's subtree; null = everywhere.
    #[serde(default)]
    pub unit_id: Option<Uuid>,
    /// First day of the period (Vietnam date); tests before it do not count.
    #[serde(default)]
    pub opens_on: Option<NaiveDate>,
    /// The deadline, included; tests after it do not count.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
}

impl From<Audience> for AudienceView {
    fn from(a: Audience) -> Self {
        Self {
            kind: a.kind(),
            unit_id: a.unit_id().map(UnitId::into_uuid),
            opens_on: a.opens_on(),
            due_on: a.due_on(),
        }
    }
}

impl From<Course> for CourseResponse {
    fn from(c: Course) -> Self {
        Self {
            audience: c.audience.into(),
            issues_certificate: c.issues_certificate,
            id: c.id.into_uuid(),
            code: c.code,
            version: c.version,
            title: c.title,
            active: c.active,
            created_at: c.created_at,
            lessons: c.lessons.into_iter().map(Into::into).collect(),
        }
    }
}

/// Course versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourseList {
    /// Active first, then by code, newest version first.
    pub items: Vec<CourseResponse>,
    /// How many.
    pub total: usize,
}

/// A lesson to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLessonRequest {
    /// Title.
    pub title: String,
    /// A short summary.
    #[serde(default)]
    pub summary: String,
    /// Links to the study material.
    #[serde(default)]
    pub materials: Vec<Material>,
    /// The question-bank topic its tests draw from, e.g. `theory.lesson1`.
    #[serde(default)]
    pub topic: Option<String>,
}

/// A new course, or a new version of one (same `code`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCourseRequest {
    /// The course's code, e.g. `230-KH/TWĐTN-BTG`.
    pub code: String,
    /// Title.
    pub title: String,
    /// Version; the next after the code's latest by default.
    #[serde(default)]
    pub version: Option<i32>,
    /// Taught from now on (default true): the code's other versions stop being taught, their
    /// results and certificates stay.
    #[serde(default = "yes")]
    pub active: bool,
    /// Who must study it, and when; new members (the theory course) by default.
    #[serde(default)]
    pub audience: Option<AudienceView>,
    /// Whether completing it issues a certificate (default true).
    #[serde(default = "yes")]
    pub issues_certificate: bool,
    /// Lessons in order.
    pub lessons: Vec<CreateLessonRequest>,
}

fn yes() -> bool {
    true
}

fn check_lesson(l: CreateLessonRequest, at: &str, errors: &mut Vec<FieldError>) -> NewLesson {
    if !(1..=300).contains(&l.title.trim().chars().count()) {
        errors.push(FieldError::new(
            format!("{at}/title"),
            "a lesson's title is 1 to 300 characters",
        ));
    }
    if l.summary.chars().count() > 4000 {
        errors.push(FieldError::new(
            format!("{at}/summary"),
            "a lesson's summary is at most 4000 characters",
        ));
    }
    let materials = check_materials(l.materials, at, errors);
    let topic = l
        .topic
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty());
    if topic.as_ref().is_some_and(|t| t.chars().count() > 100) {
        errors.push(FieldError::new(
            format!("{at}/topic"),
            "a topic code is at most 100 characters",
        ));
    }
    NewLesson {
        title: l.title.trim().to_owned(),
        summary: l.summary.trim().to_owned(),
        materials,
        topic,
    }
}

/// A lesson's materials, trimmed; what is wrong with them goes to `errors`, named under
/// `{at}/materials`.
fn check_materials(
    materials: Vec<Material>,
    at: &str,
    errors: &mut Vec<FieldError>,
) -> Vec<Material> {
    if materials.len() > MAX_MATERIALS {
        errors.push(FieldError::new(
            format!("{at}/materials"),
            format!("at most {MAX_MATERIALS} materials per lesson"),
        ));
    }
    for (i, m) in materials.iter().enumerate() {
        errors.extend(m.check(&format!("{at}/materials/{i}")));
    }
    materials
        .into_iter()
        .map(|m| Material {
            title: m.title.trim().to_owned(),
            url: m.url.trim().to_owned(),
        })
        .collect()
}

/// Whether `caller` manages a programme for `audience` (see the module's doc).
async fn manages(state: &AppState, caller: &Caller, audience: &Audience) -> Result<bool, ApiError> {
    if caller.is_admin() {
        return Ok(true);
    }
    let Some(unit) = audience.unit_id() else {
        return Ok(false);
    };
    if audience.kind() == AudienceKind::NewMembers {
        return Ok(false);
    }
    match persistence::units::get(&state.db, unit).await {
        Ok(unit) => Ok(caller.covers(&[Role::Organizer], &unit.path)),
        Err(PersistenceError::NotFound(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The caller, when they manage the existing programme `course`: 403 otherwise (404 for a
/// programme that does not exist, once they are an admin or organizer at all).
pub(crate) async fn require_manager_of(
    state: &AppState,
    user: UserId,
    course_id: CourseId,
) -> Result<(Caller, Course), ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    if !caller.has_any(&[Role::Organizer]) {
        return Err(ApiError::Forbidden);
    }
    let course = persistence::theory::get_course(&state.db, course_id).await?;
    if !manages(state, &caller, &course.audience).await? {
        return Err(ApiError::Forbidden);
    }
    Ok((caller, course))
}

/// Every course version with its lessons.
pub async fn list_courses(state: &AppState) -> Result<CourseList, ApiError> {
    let items: Vec<CourseResponse> = persistence::theory::list_courses(&state.db)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(CourseList {
        total: items.len(),
        items,
    })
}

/// Checks a new course (or version of one) in full, every field's error at once.
fn check_course(b: CreateCourseRequest) -> Result<(Option<i32>, NewCourse), ApiError> {
    let mut errors = Vec::new();
    let code = b.code.trim().to_owned();
    if !(1..=50).contains(&code.chars().count())
        || code.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        errors.push(FieldError::new(
            "/code",
            "a course code is 1 to 50 characters without spaces",
        ));
    }
    if !(3..=300).contains(&b.title.trim().chars().count()) {
        errors.push(FieldError::new(
            "/title",
            "title must be 3 to 300 characters",
        ));
    }
    if b.lessons.is_empty() || b.lessons.len() > MAX_LESSONS {
        errors.push(FieldError::new(
            "/lessons",
            format!("a course has 1 to {MAX_LESSONS} lessons"),
        ));
    }
    if b.version.is_some_and(|v| !(1..=1000).contains(&v)) {
        errors.push(FieldError::new("/version", "a version is 1 to 1000"));
    }
    let audience = match b.audience {
        None => Audience::NEW_MEMBERS,
        Some(a) => Audience::new(
            a.kind,
            a.unit_id.map(UnitId::from_uuid),
            a.opens_on,
            a.due_on,
        )
        .unwrap_or_else(|e| {
            errors.push(
                FieldError::new("/audience/due_on", e.0)
                    .with_vi("Hạn hoàn thành phải từ ngày bắt đầu trở đi."),
            );
            Audience::NEW_MEMBERS
        }),
    };
    let lessons: Vec<NewLesson> = b
        .lessons
        .into_iter()
        .enumerate()
        .map(|(i, l)| check_lesson(l, &format!("/lessons/{i}"), &mut errors))
        .collect();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok((
        b.version,
        NewCourse {
            code,
            version: 0,
            title: b.title.trim().to_owned(),
            active: b.active,
            audience,
            issues_certificate: b.issues_certificate,
            lessons,
        },
    ))
}

/// Adds a course, or a new version of one (system admins): the next version after the code's
/// latest unless one is given; 409 if that version exists.
pub async fn create_course(
    state: &AppState,
    user: UserId,
    body: CreateCourseRequest,
) -> Result<CourseResponse, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    if !caller.has_any(&[Role::Organizer]) {
        return Err(ApiError::Forbidden);
    }
    let (version, mut new) = check_course(body)?;
    // The theory course (the default audience) is the system admins' alone.
    if !caller.is_admin() && new.audience.kind() == AudienceKind::NewMembers {
        return Err(ApiError::Forbidden);
    }
    if !manages(state, &caller, &new.audience).await? {
        return Err(ApiError::Validation(vec![
            FieldError::new(
                "/audience/unit_id",
                "an organizer's programme is for a unit within their scope",
            )
            .with_vi(
                "Chương trình của Ban Tổ chức chỉ áp dụng cho một đơn vị trong phạm vi quản lý.",
            ),
        ]));
    }
    materials::ensure_stored(
        state,
        new.lessons
            .iter()
            .enumerate()
            .map(|(i, l)| (format!("/lessons/{i}"), l.materials.as_slice())),
    )
    .await?;
    if let Some(unit) = new.audience.unit_id() {
        persistence::units::get(&state.db, unit)
            .await
            .map_err(|e| match e {
                PersistenceError::NotFound(_) => {
                    ApiError::Validation(vec![FieldError::new("/audience/unit_id", "no such unit")])
                }
                other => other.into(),
            })?;
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let version = match version {
        Some(v) => v,
        None => persistence::theory::latest_version(&txn, &new.code)
            .await?
            .unwrap_or(0)
            .saturating_add(1),
    };
    new.version = version;
    let course = persistence::theory::insert_course(&txn, new, Some(user.into_uuid()))
        .await
        .map_err(|e| match e {
            PersistenceError::Duplicate(_) => {
                ApiError::from(Conflict::CourseVersionExists { version })
            }
            other => other.into(),
        })?;
    persistence::audit::record(
        &txn,
        Some(user),
        "course.create",
        Some(course.id.into_uuid()),
        json!({"code": course.code, "version": course.version}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    Ok(CourseResponse::from(course))
}

/// Adds a lesson at the end of a course version (system admins). Certificates already issued
/// for the version stay; members not yet certified must also pass the new lesson.
pub async fn add_lesson(
    state: &AppState,
    user: UserId,
    course_id: CourseId,
    body: CreateLessonRequest,
) -> Result<CourseResponse, ApiError> {
    let (_, course) = require_manager_of(state, user, course_id).await?;
    let mut errors = Vec::new();
    if course.lessons.len() >= MAX_LESSONS {
        errors.push(FieldError::new(
            "/",
            format!("a course has at most {MAX_LESSONS} lessons"),
        ));
    }
    let lesson = check_lesson(body, "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    materials::ensure_stored(state, [(String::new(), lesson.materials.as_slice())]).await?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let course = persistence::theory::add_lesson(&txn, &course, lesson).await?;
    persistence::audit::record(
        &txn,
        Some(user),
        "course.add_lesson",
        Some(course.id.into_uuid()),
        json!({"lessons": course.lessons.len()}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    Ok(CourseResponse::from(course))
}

/// A lesson's study materials, replaced whole.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LessonMaterialsRequest {
    /// Links and uploaded files, in the order members see them (at most 20).
    pub materials: Vec<Material>,
}

/// Replaces the study materials of a lesson of a course version (those who manage the
/// programme). Materials are reading, not part of what a lesson's test or certificate means,
/// so they change in place: members see the new list at once and nothing they did changes.
pub async fn set_lesson_materials(
    state: &AppState,
    user: UserId,
    course_id: CourseId,
    lesson_id: LessonId,
    body: LessonMaterialsRequest,
) -> Result<CourseResponse, ApiError> {
    let (_, course) = require_manager_of(state, user, course_id).await?;
    if !course.lessons.iter().any(|l| l.id == lesson_id) {
        return Err(ApiError::NotFound("lesson"));
    }
    let mut errors = Vec::new();
    let materials = check_materials(body.materials, "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    materials::ensure_stored(state, [(String::new(), materials.as_slice())]).await?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let course =
        persistence::theory::set_lesson_materials(&txn, course_id, lesson_id, &materials).await?;
    persistence::audit::record(
        &txn,
        Some(user),
        "course.lesson_materials",
        Some(course.id.into_uuid()),
        json!({"lesson_id": lesson_id, "materials": materials.len()}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    Ok(CourseResponse::from(course))
}
