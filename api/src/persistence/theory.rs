//! Political-theory courses, their lessons and tests, the admission-date setting of units,
//! members' admission dates, and certificates.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationDef, RelationTrait as _,
};
use uuid::Uuid;

use super::entities::{
    attempts, certificates, courses, lessons, theory_tests, unit_theory_settings, units, users,
};
use super::{PersistenceError, Result};
use crate::domain::theory::Material;
use crate::domain::unit::TreePath;

fn json_err(e: serde_json::Error) -> PersistenceError {
    PersistenceError::Db(sea_orm::DbErr::Json(e.to_string()))
}

/// A lesson of a course version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// Id.
    pub id: Uuid,
    /// Its course version.
    pub course_id: Uuid,
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
    pub id: Uuid,
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
    /// Its lessons, in order.
    pub lessons: Vec<NewLesson>,
}

async fn with_lessons(db: &impl ConnectionTrait, rows: Vec<courses::Model>) -> Result<Vec<Course>> {
    let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
    let mut by_course: HashMap<Uuid, Vec<Lesson>> = HashMap::new();
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
    Ok(rows
        .into_iter()
        .map(|c| Course {
            lessons: by_course.remove(&c.id).unwrap_or_default(),
            id: c.id,
            code: c.code,
            version: c.version,
            title: c.title,
            active: c.active,
            created_at: c.created_at,
        })
        .collect())
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
pub async fn get_course(db: &impl ConnectionTrait, id: Uuid) -> Result<Course> {
    let row = courses::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(PersistenceError::NotFound("course"))?;
    with_lessons(db, vec![row])
        .await?
        .pop()
        .ok_or(PersistenceError::NotFound("course"))
}

/// The course members are taught now: the most recently created active version.
pub async fn current_course(db: &impl ConnectionTrait) -> Result<Option<Course>> {
    let row = courses::Entity::find()
        .filter(courses::Column::Active.eq(true))
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
pub async fn versions_of(db: &impl ConnectionTrait, code: &str) -> Result<Vec<Uuid>> {
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
    let id = Uuid::now_v7();
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
        created_by: Set(by),
        created_at: Set(now),
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
    course_id: Uuid,
    position: i32,
    l: NewLesson,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
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

/// One lesson.
pub async fn get_lesson(db: &impl ConnectionTrait, id: Uuid) -> Result<Lesson> {
    lessons::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(PersistenceError::NotFound("lesson"))?
        .try_into()
}

/// A round of a theory-test contest, tested on a lesson or (without one) the whole course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TheoryTest {
    /// The round.
    pub round_id: Uuid,
    /// Its contest.
    pub contest_id: Uuid,
    /// The course version.
    pub course_id: Uuid,
    /// The lesson; `None` for a combined test.
    pub lesson_id: Option<Uuid>,
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
    round_id: Uuid,
) -> Result<Option<TheoryTest>> {
    Ok(theory_tests::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .map(TheoryTest::from))
}

/// The theory tests among `round_ids`, by round.
pub async fn tests_of_rounds(
    db: &impl ConnectionTrait,
    round_ids: &[Uuid],
) -> Result<HashMap<Uuid, TheoryTest>> {
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
    course_id: Uuid,
) -> Result<Vec<TheoryTest>> {
    Ok(theory_tests::Entity::find()
        .filter(theory_tests::Column::CourseId.eq(course_id))
        .all(db)
        .await?
        .into_iter()
        .map(TheoryTest::from)
        .collect())
}

/// A finished, non-practice attempt at a theory test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestAttempt {
    /// Who.
    pub user_id: Uuid,
    /// Round.
    pub round_id: Uuid,
    /// Score.
    pub score: i64,
    /// Most possible.
    pub max_score: i64,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
}

type AttemptRow = (Uuid, Uuid, Option<i64>, i64, Option<DateTime<Utc>>);

fn attempt_rows(rows: Vec<AttemptRow>) -> Vec<TestAttempt> {
    rows.into_iter()
        .filter_map(|(user_id, round_id, score, max_score, finished_at)| {
            Some(TestAttempt {
                user_id,
                round_id,
                score: score?,
                max_score,
                finished_at: finished_at?,
            })
        })
        .collect()
}

fn finished_attempts(round_ids: &[Uuid]) -> sea_orm::Select<attempts::Entity> {
    attempts::Entity::find()
        .select_only()
        .columns([
            attempts::Column::UserId,
            attempts::Column::RoundId,
            attempts::Column::Score,
            attempts::Column::MaxScore,
            attempts::Column::FinishedAt,
        ])
        .filter(attempts::Column::RoundId.is_in(round_ids.iter().copied()))
        .filter(attempts::Column::Status.eq("finished"))
        .filter(attempts::Column::Practice.eq(false))
}

/// One person's finished attempts in `round_ids`.
pub async fn attempts_of_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    round_ids: &[Uuid],
) -> Result<Vec<TestAttempt>> {
    if round_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<AttemptRow> = finished_attempts(round_ids)
        .filter(attempts::Column::UserId.eq(user_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(attempt_rows(rows))
}

/// The finished attempts in `round_ids` of everyone now in the subtree at `root`.
pub async fn attempts_in_subtree(
    db: &impl ConnectionTrait,
    root: &TreePath,
    round_ids: &[Uuid],
) -> Result<Vec<TestAttempt>> {
    if round_ids.is_empty() {
        return Ok(Vec::new());
    }
    let to_user: RelationDef = attempts::Entity::belongs_to(users::Entity)
        .from(attempts::Column::UserId)
        .to(users::Column::Id)
        .into();
    let rows: Vec<AttemptRow> = finished_attempts(round_ids)
        .join(JoinType::InnerJoin, to_user)
        .join(JoinType::InnerJoin, users::Relation::Unit.def())
        .filter(units::Column::Path.starts_with(root.as_str()))
        .into_tuple()
        .all(db)
        .await?;
    Ok(attempt_rows(rows))
}

/// Every unit's own admission-date setting.
pub async fn since_settings(db: &impl ConnectionTrait) -> Result<HashMap<Uuid, NaiveDate>> {
    Ok(unit_theory_settings::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.unit_id, m.theory_since))
        .collect())
}

/// Sets (or, with `None`, clears so the unit inherits) a unit's admission-date setting.
pub async fn set_since(
    db: &impl ConnectionTrait,
    unit_id: Uuid,
    since: Option<NaiveDate>,
    by: Option<Uuid>,
) -> Result<()> {
    match since {
        None => {
            unit_theory_settings::Entity::delete_by_id(unit_id)
                .exec(db)
                .await?;
        }
        Some(date) => {
            unit_theory_settings::Entity::insert(unit_theory_settings::ActiveModel {
                unit_id: Set(unit_id),
                theory_since: Set(date),
                updated_by: Set(by),
                updated_at: Set(Utc::now()),
            })
            .on_conflict(
                OnConflict::column(unit_theory_settings::Column::UnitId)
                    .update_columns([
                        unit_theory_settings::Column::TheorySince,
                        unit_theory_settings::Column::UpdatedBy,
                        unit_theory_settings::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        }
    }
    Ok(())
}

/// A member with an admission date, as coverage needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Admitted {
    /// Id.
    pub id: Uuid,
    /// Full name.
    pub full_name: String,
    /// Phone (national form).
    pub phone: String,
    /// Unit.
    pub unit_id: Uuid,
    /// Admission date.
    pub admitted_at: NaiveDate,
}

/// Everyone in the subtree at `root` admitted on or after `from` (the earliest date any unit
/// there requires; the caller applies each unit's own date).
pub async fn admitted_in_subtree(
    db: &impl ConnectionTrait,
    root: &TreePath,
    from: NaiveDate,
) -> Result<Vec<Admitted>> {
    let rows: Vec<(Uuid, String, String, Uuid, Option<NaiveDate>)> = users::Entity::find()
        .select_only()
        .columns([
            users::Column::Id,
            users::Column::FullName,
            users::Column::Phone,
            users::Column::UnitId,
            users::Column::AdmittedAt,
        ])
        .join(JoinType::InnerJoin, users::Relation::Unit.def())
        .filter(units::Column::Path.starts_with(root.as_str()))
        .filter(users::Column::AdmittedAt.gte(from))
        .order_by_asc(users::Column::FullNameFolded)
        .order_by_asc(users::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, full_name, phone, unit_id, admitted_at)| {
            Some(Admitted {
                id,
                full_name,
                phone,
                unit_id,
                admitted_at: admitted_at?,
            })
        })
        .collect())
}

/// An account found by phone, for admission imports.
#[derive(Debug, Clone)]
pub struct ByPhone {
    /// Id.
    pub id: Uuid,
    /// Phone.
    pub phone: String,
    /// Unit.
    pub unit_id: Uuid,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
}

/// Accounts with these phones (national form).
pub async fn users_by_phones(db: &impl ConnectionTrait, phones: &[String]) -> Result<Vec<ByPhone>> {
    let mut out = Vec::new();
    // Chunked so a large import does not exceed SQLite's bound-parameter limit.
    for chunk in phones.chunks(500) {
        out.extend(
            users::Entity::find()
                .filter(users::Column::Phone.is_in(chunk.iter().cloned()))
                .all(db)
                .await?
                .into_iter()
                .map(|m| ByPhone {
                    id: m.id,
                    phone: m.phone,
                    unit_id: m.unit_id,
                    birth_date: m.birth_date,
                }),
        );
    }
    Ok(out)
}

/// Sets a member's admission date.
pub async fn set_admitted_at(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    date: NaiveDate,
) -> Result<()> {
    users::Entity::update_many()
        .col_expr(users::Column::AdmittedAt, Expr::value(date))
        .col_expr(users::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// A certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// Id.
    pub id: Uuid,
    /// Its code (10 characters, Crockford base 32).
    pub code: String,
    /// Holder.
    pub user_id: Uuid,
    /// The course version passed.
    pub course_id: Uuid,
    /// When the last lesson was passed.
    pub issued_at: DateTime<Utc>,
    /// When revoked, if so.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Who revoked it.
    pub revoked_by: Option<Uuid>,
    /// Why.
    pub revoked_reason: Option<String>,
}

impl From<certificates::Model> for Certificate {
    fn from(m: certificates::Model) -> Self {
        Self {
            id: m.id,
            code: m.code,
            user_id: m.user_id,
            course_id: m.course_id,
            issued_at: m.issued_at,
            revoked_at: m.revoked_at,
            revoked_by: m.revoked_by,
            revoked_reason: m.revoked_reason,
        }
    }
}

/// The certificate with `code`.
pub async fn certificate_by_code(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Option<Certificate>> {
    Ok(certificates::Entity::find()
        .filter(certificates::Column::Code.eq(code))
        .one(db)
        .await?
        .map(Certificate::from))
}

/// A person's certificates, newest first.
pub async fn certificates_of_user(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Vec<Certificate>> {
    Ok(certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user_id))
        .order_by_desc(certificates::Column::IssuedAt)
        .all(db)
        .await?
        .into_iter()
        .map(Certificate::from)
        .collect())
}

/// Inserts a certificate; a second one for the same person and course, or a code already
/// taken, comes back as `Duplicate`.
pub async fn insert_certificate(db: &impl ConnectionTrait, c: &Certificate) -> Result<()> {
    certificates::Entity::insert(certificates::ActiveModel {
        id: Set(c.id),
        code: Set(c.code.clone()),
        user_id: Set(c.user_id),
        course_id: Set(c.course_id),
        issued_at: Set(c.issued_at),
        revoked_at: Set(None),
        revoked_by: Set(None),
        revoked_reason: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Revokes a certificate not yet revoked; false if it already was.
pub async fn revoke(
    db: &impl ConnectionTrait,
    id: Uuid,
    by: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool> {
    let done = certificates::Entity::update_many()
        .col_expr(certificates::Column::RevokedAt, Expr::value(now))
        .col_expr(certificates::Column::RevokedBy, Expr::value(by))
        .col_expr(
            certificates::Column::RevokedReason,
            Expr::value(reason.to_owned()),
        )
        .filter(certificates::Column::Id.eq(id))
        .filter(certificates::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// People holding a certificate not revoked for any of `course_ids`; and those whose
/// certificate for one of them was revoked.
pub async fn certified(
    db: &impl ConnectionTrait,
    course_ids: &[Uuid],
) -> Result<(HashSet<Uuid>, HashSet<Uuid>)> {
    let mut valid = HashSet::new();
    let mut revoked = HashSet::new();
    if course_ids.is_empty() {
        return Ok((valid, revoked));
    }
    let rows: Vec<(Uuid, Option<DateTime<Utc>>)> = certificates::Entity::find()
        .select_only()
        .columns([
            certificates::Column::UserId,
            certificates::Column::RevokedAt,
        ])
        .filter(certificates::Column::CourseId.is_in(course_ids.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    for (user, revoked_at) in rows {
        if revoked_at.is_none() {
            valid.insert(user);
        } else {
            revoked.insert(user);
        }
    }
    Ok((valid, revoked))
}
