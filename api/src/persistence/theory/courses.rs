//! Courses: each version of the political-theory course with its lessons in order.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use uuid::Uuid;

use crate::domain::ids::{CourseId, LessonId, UserId};
use crate::domain::programme::{Audience, AudienceKind};
use crate::domain::theory::Material;
use crate::persistence::entities::{courses, lessons};
use crate::persistence::{PersistenceError, Result};

fn json_err(e: serde_json::Error) -> PersistenceError {
    PersistenceError::Db(sea_orm::DbErr::Json(e.to_string()))
}

/// A lesson of a course version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// Id.
    pub id: LessonId,
    /// Its course version.
    pub course_id: CourseId,
    /// 1, 2, 3, …
    pub position: i32,
    /// Title.
    pub title: String,
    /// A short summary.
    pub summary: String,
    /// Study materials.
    pub materials: Vec<Material>,
    /// The question-bank topic its tests draw from.
    pub topic: Option<String>,
}

impl TryFrom<lessons::Model> for Lesson {
    type Error = PersistenceError;

    fn try_from(m: lessons::Model) -> Result<Self> {
        Ok(Self {
            id: m.id,
            course_id: m.course_id,
            position: m.position,
            title: m.title,
            summary: m.summary,
            materials: serde_json::from_value(m.materials).map_err(json_err)?,
            topic: m.topic,
        })
    }
}

/// A course version with its lessons in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    /// Id.
    pub id: CourseId,
    /// The course's code, shared by its versions.
    pub code: String,
    /// 1, 2, …
    pub version: i32,
    /// Title.
    pub title: String,
    /// Whether members are now taught this version.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Who must study it, and when.
    pub audience: Audience,
    /// Whether completing it issues a certificate.
    pub issues_certificate: bool,
    /// Lessons by position.
    pub lessons: Vec<Lesson>,
}

/// A lesson to add.
#[derive(Debug, Clone)]
pub struct NewLesson {
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Materials.
    pub materials: Vec<Material>,
    /// Bank topic.
    pub topic: Option<String>,
}

/// A course version to add.
#[derive(Debug, Clone)]
pub struct NewCourse {
    /// Code.
    pub code: String,
    /// Version.
    pub version: i32,
    /// Title.
    pub title: String,
    /// Active.
    pub active: bool,
    /// Who must study it, and when.
    pub audience: Audience,
    /// Whether completing it issues a certificate.
    pub issues_certificate: bool,
    /// Its lessons, in order.
    pub lessons: Vec<NewLesson>,
}

async fn with_lessons(db: &impl ConnectionTrait, rows: Vec<courses::Model>) -> Result<Vec<Course>> {
    let ids: Vec<CourseId> = rows.iter().map(|c| c.id).collect();
    let mut by_course: HashMap<CourseId, Vec<Lesson>> = HashMap::new();
    if !ids.is_empty() {
        for l in lessons::Entity::find()
            .filter(lessons::Column::CourseId.is_in(ids))
            .order_by_asc(lessons::Column::Position)
            .all(db)
            .await?
        {
            let l = Lesson::try_from(l)?;
            by_course.entry(l.course_id).or_default().push(l);
        }
    }
    rows.into_iter()
        .map(|c| {
            let kind = AudienceKind::parse(&c.audience)
                .map_err(|e| PersistenceError::Db(sea_orm::DbErr::Type(e.0)))?;
            let audience = Audience::new(kind, c.audience_unit_id, c.opens_on, c.due_on)
                .map_err(|e| PersistenceError::Db(sea_orm::DbErr::Type(e.0)))?;
            Ok(Course {
                lessons: by_course.remove(&c.id).unwrap_or_default(),
                id: c.id,
                code: c.code,
                version: c.version,
                title: c.title,
                active: c.active,
                created_at: c.created_at,
                audience,
                issues_certificate: c.issues_certificate,
            })
        })
        .collect()
}

/// Every course version, active first, then by code and newest version first.
pub async fn list_courses(db: &impl ConnectionTrait) -> Result<Vec<Course>> {
    let rows = courses::Entity::find()
        .order_by_desc(courses::Column::Active)
        .order_by_asc(courses::Column::Code)
        .order_by_desc(courses::Column::Version)
        .all(db)
        .await?;
    with_lessons(db, rows).await
}

/// One course version.
pub async fn get_course(db: &impl ConnectionTrait, id: CourseId) -> Result<Course> {
    let row = courses::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(PersistenceError::NotFound("course"))?;
    with_lessons(db, vec![row])
        .await?
        .pop()
        .ok_or(PersistenceError::NotFound("course"))
}

/// The new members' theory course taught now: the most recently created active version of a
/// programme for new members.
pub async fn current_course(db: &impl ConnectionTrait) -> Result<Option<Course>> {
    let row = courses::Entity::find()
        .filter(courses::Column::Active.eq(true))
        .filter(courses::Column::Audience.eq(AudienceKind::NewMembers.as_str()))
        .order_by_desc(courses::Column::CreatedAt)
        .order_by_desc(courses::Column::Version)
        .one(db)
        .await?;
    match row {
        Some(row) => Ok(with_lessons(db, vec![row]).await?.pop()),
        None => Ok(None),
    }
}

/// The highest version of a course code, if any.
pub async fn latest_version(db: &impl ConnectionTrait, code: &str) -> Result<Option<i32>> {
    Ok(courses::Entity::find()
        .filter(courses::Column::Code.eq(code))
        .order_by_desc(courses::Column::Version)
        .one(db)
        .await?
        .map(|c| c.version))
}

/// The ids of every version of a course code.
pub async fn versions_of(db: &impl ConnectionTrait, code: &str) -> Result<Vec<CourseId>> {
    Ok(courses::Entity::find()
        .filter(courses::Column::Code.eq(code))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect())
}

/// Inserts a course version with its lessons; an active one retires the code's other versions
/// from teaching (their results and certificates stay).
pub async fn insert_course(
    db: &impl ConnectionTrait,
    new: NewCourse,
    by: Option<Uuid>,
) -> Result<Course> {
    let id = CourseId::new();
    let now = Utc::now();
    if new.active {
        courses::Entity::update_many()
            .col_expr(courses::Column::Active, Expr::value(false))
            .filter(courses::Column::Code.eq(new.code.clone()))
            .exec(db)
            .await?;
    }
    courses::Entity::insert(courses::ActiveModel {
        id: Set(id),
        code: Set(new.code),
        version: Set(new.version),
        title: Set(new.title),
        active: Set(new.active),
        created_by: Set(by.map(UserId::from_uuid)),
        created_at: Set(now),
        audience: Set(new.audience.kind().as_str().to_owned()),
        audience_unit_id: Set(new.audience.unit_id()),
        opens_on: Set(new.audience.opens_on()),
        due_on: Set(new.audience.due_on()),
        issues_certificate: Set(new.issues_certificate),
    })
    .exec_without_returning(db)
    .await?;
    for (i, lesson) in new.lessons.into_iter().enumerate() {
        insert_lesson(db, id, i32::try_from(i + 1).unwrap_or(i32::MAX), lesson).await?;
    }
    get_course(db, id).await
}

async fn insert_lesson(
    db: &impl ConnectionTrait,
    course_id: CourseId,
    position: i32,
    l: NewLesson,
) -> Result<LessonId> {
    let id = LessonId::new();
    lessons::Entity::insert(lessons::ActiveModel {
        id: Set(id),
        course_id: Set(course_id),
        position: Set(position),
        title: Set(l.title),
        summary: Set(l.summary),
        materials: Set(serde_json::to_value(&l.materials).map_err(json_err)?),
        topic: Set(l.topic),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(id)
}

/// Appends a lesson to a course version.
pub async fn add_lesson(
    db: &impl ConnectionTrait,
    course: &Course,
    l: NewLesson,
) -> Result<Course> {
    let position = course.lessons.iter().map(|l| l.position).max().unwrap_or(0) + 1;
    insert_lesson(db, course.id, position, l).await?;
    get_course(db, course.id).await
}

/// Replaces the study materials of the lesson `lesson` of `course`; the course as it now is.
/// A lesson of another course is not found.
pub async fn set_lesson_materials(
    db: &impl ConnectionTrait,
    course: CourseId,
    lesson: LessonId,
    materials: &[Material],
) -> Result<Course> {
    let updated = lessons::Entity::update_many()
        .col_expr(
            lessons::Column::Materials,
            Expr::value(serde_json::to_value(materials).map_err(json_err)?),
        )
        .filter(lessons::Column::Id.eq(lesson))
        .filter(lessons::Column::CourseId.eq(course))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(PersistenceError::NotFound("lesson"));
    }
    get_course(db, course).await
}

/// One lesson.
pub async fn get_lesson(db: &impl ConnectionTrait, id: LessonId) -> Result<Lesson> {
    lessons::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(PersistenceError::NotFound("lesson"))?
        .try_into()
}
