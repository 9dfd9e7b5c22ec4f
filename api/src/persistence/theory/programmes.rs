//! Study programmes counted in the database: who in a subtree must study a programme, who was
//! tested and who passed, per child unit and per lesson, and the page of those who have not
//! passed. Nothing here loads the audience into memory: a national programme counts hundreds
//! of thousands of members.
//!
//! Also a listed audience (replaced as a whole by an import) and whether a member is an
//! officer.
//!
//! # Implementation notes
//! A coverage is one statement (its per-bucket, per-lesson and per-day parts joined by `UNION
//! ALL` over the same common table expressions) and a pending page another (its total taken
//! by a window count), each written once for both backends: `$n` placeholders become SQLite's
//! `?n`, and every value is bound (ids through sea-orm's values, so they match how they were
//! written). A member's bucket is the prefix of
//! their unit's path one level below the asked unit (`/root/…/child/`), or the empty string
//! for members placed in the asked unit itself; the caller maps prefixes to child units.
//! The pass rule is `domain::theory::passes`, cross-multiplied (`score * 100 >= pass_mark *
//! max_score`); combined tests count for every lesson of their course version.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QuerySelect, Statement, Value,
};
use uuid::Uuid;

use crate::domain::ids::{LessonId, UnitId, UserId};
use crate::domain::programme::AudienceKind;
use crate::domain::unit::TreePath;
use crate::persistence::Result;
use crate::persistence::entities::{course_audience_members, role_assignments};
use crate::persistence::theory::Course;

/// Length of one path segment: a hyphenated uuid and its slash.
const SEGMENT: i32 = 37;

/// A programme's audience within one subtree.
#[derive(Debug, Clone)]
pub struct Scope<'a> {
    /// The programme (one version).
    pub course: &'a Course,
    /// The asked unit's path.
    pub root: &'a TreePath,
    /// The path of the unit the audience is limited to, if any.
    pub audience_root: Option<&'a TreePath>,
}

/// Counts of one bucket: a child unit's subtree (by its path) or the members placed in the
/// asked unit itself (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketCount {
    /// The child's path, or `None` for the asked unit itself.
    pub bucket: Option<String>,
    /// Members who must study the programme.
    pub members: i64,
    /// Tested on at least one lesson, or certified.
    pub tested: i64,
    /// Completed: certified (when the programme issues certificates) or passed every lesson.
    pub passed: i64,
}

/// Counts of one lesson in one bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonCount {
    /// The child's path, or `None` for the asked unit itself.
    pub bucket: Option<String>,
    /// The lesson.
    pub lesson_id: LessonId,
    /// Tested on it.
    pub tested: i64,
    /// Passed it.
    pub passed: i64,
}

/// A member of the audience who has not completed the programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// Who.
    pub user_id: UserId,
    /// Full name.
    pub full_name: String,
    /// Phone (national form).
    pub phone: String,
    /// Unit.
    pub unit_id: UnitId,
    /// Admission date.
    pub admitted_at: Option<chrono::NaiveDate>,
    /// Lessons passed.
    pub lessons_passed: i64,
    /// Tested on some lesson.
    pub tested: bool,
}

/// The statement's text and values, built once for both backends.
struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn bind(&mut self, v: impl Into<Value>) -> String {
        self.values.push(v.into());
        format!("${}", self.values.len())
    }

    fn statement(self, backend: DbBackend) -> Statement {
        let text = if backend == DbBackend::Sqlite {
            self.text.replace('$', "?")
        } else {
            self.text
        };
        Statement::from_sql_and_values(backend, text, self.values)
    }
}

/// `aud` (the audience with its bucket) and `res` (each audience member's result per lesson:
/// 1 when passed, 0 when only tested) as common table expressions.
fn common(scope: &Scope<'_>, sql: &mut Sql) {
    let course = scope.course;
    // `i32`: PostgreSQL's `substr` takes integers, not bigints.
    let root_len = i32::try_from(scope.root.as_str().len()).unwrap_or(i32::MAX - SEGMENT);
    let root_like = sql.bind(format!("{}%", scope.root.as_str()));
    let len = sql.bind(root_len);
    let cut = sql.bind(root_len + SEGMENT);
    let mut aud = format!(
        "SELECT u.id AS user_id, \
           CASE WHEN LENGTH(un.path) > {len} THEN SUBSTR(un.path, 1, {cut}) ELSE '' END AS bucket \
         FROM users u JOIN units un ON un.id = u.unit_id \
         WHERE un.path LIKE {root_like} AND u.erased_at IS NULL AND u.disabled_at IS NULL"
    );
    if let Some(limit) = scope.audience_root {
        let p = sql.bind(format!("{}%", limit.as_str()));
        aud.push_str(&format!(" AND un.path LIKE {p}"));
    }
    match course.audience.kind() {
        AudienceKind::AllMembers => {}
        // New members are counted by `app::theory::progress::coverage`: whether one must study
        // depends on the admission date their unit inherits, which is no column. Asked here,
        // the audience is empty rather than wrong.
        AudienceKind::NewMembers => aud.push_str(" AND 1 = 0"),
        AudienceKind::Officers => {
            aud.push_str(" AND EXISTS (SELECT 1 FROM role_assignments r WHERE r.user_id = u.id)")
        }
        AudienceKind::Listed => {
            let code = sql.bind(course.code.clone());
            aud.push_str(&format!(
                " AND EXISTS (SELECT 1 FROM course_audience_members m \
                   WHERE m.course_code = {code} AND m.user_id = u.id)"
            ));
        }
    }
    let course_id = sql.bind(Value::from(course.id.into_uuid()));
    let finished = sql.bind("finished");
    let practice = sql.bind(false);
    let (from, until) = course.audience.window();
    let mut period = String::new();
    if let Some(from) = from {
        period.push_str(&format!(" AND a.finished_at >= {}", sql.bind(from)));
    }
    if let Some(until) = until {
        period.push_str(&format!(" AND a.finished_at < {}", sql.bind(until)));
    }
    let code = sql.bind(course.code.clone());
    sql.text.push_str(&format!(
        "WITH aud AS ({aud}), \
         res AS ( \
           SELECT a.user_id AS user_id, l.id AS lesson_id, \
             MAX(CASE WHEN a.max_score > 0 AND a.score * 100 >= t.pass_mark * a.max_score \
                 THEN 1 ELSE 0 END) AS passed, \
             MIN(CASE WHEN a.max_score > 0 AND a.score * 100 >= t.pass_mark * a.max_score \
                 THEN a.finished_at END) AS first_pass \
           FROM attempts a \
           JOIN theory_tests t ON t.round_id = a.round_id \
           JOIN lessons l ON l.course_id = t.course_id \
             AND (t.lesson_id IS NULL OR t.lesson_id = l.id) \
           JOIN aud ON aud.user_id = a.user_id \
           WHERE t.course_id = {course_id} AND a.status = {finished} \
             AND a.practice = {practice} AND a.score IS NOT NULL \
             AND a.finished_at IS NOT NULL{period} \
             AND NOT EXISTS (SELECT 1 FROM result_voids v WHERE v.round_id = a.round_id \
               AND v.user_id = a.user_id AND v.lifted_at IS NULL) \
           GROUP BY a.user_id, l.id), \
         per_user AS (SELECT user_id, SUM(passed) AS passed_lessons, COUNT(*) AS tested_lessons, \
             MAX(first_pass) AS last_first_pass \
           FROM res GROUP BY user_id), \
         cert AS (SELECT c.user_id AS user_id, MIN(c.issued_at) AS issued_at FROM certificates c \
           JOIN courses k ON k.id = c.course_id \
           WHERE k.code = {code} AND c.revoked_at IS NULL GROUP BY c.user_id) "
    ));
}

/// The completion rule as a SQL condition over `per_user pu` and `cert`: certified when the
/// programme issues certificates (as the theory course always counted), every lesson passed
/// otherwise.
fn completed(course: &Course, sql: &mut Sql) -> String {
    if course.issues_certificate {
        "cert.user_id IS NOT NULL".to_owned()
    } else {
        let n = sql.bind(i64::try_from(course.lessons.len()).unwrap_or(i64::MAX));
        format!("COALESCE(pu.passed_lessons, 0) >= {n}")
    }
}

fn bucket(b: String) -> Option<String> {
    (!b.is_empty()).then_some(b)
}

/// What a programme's coverage counts: per bucket, per lesson per bucket, and completions per
/// Vietnamese day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    /// Members, tested and passed per bucket.
    pub buckets: Vec<BucketCount>,
    /// Tested and passed per lesson per bucket.
    pub lessons: Vec<LessonCount>,
    /// How many completed on each day: the certificate's date when the programme issues one
    /// (as "passed" counts them), otherwise the day the last lesson was first passed.
    pub days: Vec<(chrono::NaiveDate, i64)>,
}

/// Counts a programme's coverage in one statement: the three answers share the audience and
/// results (their common table expressions are computed once), so a national programme pays
/// for one pass over its members and attempts, not three.
pub async fn counts(db: &impl ConnectionTrait, scope: &Scope<'_>) -> Result<Counts> {
    let backend = db.get_database_backend();
    let mut sql = Sql {
        text: String::new(),
        values: Vec::new(),
    };
    common(scope, &mut sql);
    let done = completed(scope.course, &mut sql);
    let at = if scope.course.issues_certificate {
        "cert.issued_at"
    } else {
        "pu.last_first_pass"
    };
    // The day in Vietnam (UTC+7, no daylight saving), as text on both backends.
    let day = match backend {
        DbBackend::Postgres => {
            format!("to_char({at} AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM-DD')")
        }
        _ => format!("strftime('%Y-%m-%d', {at}, '+7 hours')"),
    };
    sql.text.push_str(&format!(
        ", joined AS (SELECT aud.user_id AS user_id, aud.bucket AS bucket, \
             pu.user_id AS pu_user, cert.user_id AS cert_user, \
             CASE WHEN {done} THEN {day} END AS done_day \
           FROM aud \
           LEFT JOIN per_user pu ON pu.user_id = aud.user_id \
           LEFT JOIN cert ON cert.user_id = aud.user_id) \
         SELECT 'b' AS kind, bucket, CAST(NULL AS uuid) AS lesson_id, COUNT(*) AS members, \
           SUM(CASE WHEN pu_user IS NOT NULL OR cert_user IS NOT NULL THEN 1 ELSE 0 END) \
             AS tested, \
           SUM(CASE WHEN done_day IS NOT NULL THEN 1 ELSE 0 END) AS passed \
         FROM joined GROUP BY bucket \
         UNION ALL \
         SELECT 'l', aud.bucket, res.lesson_id, 0, COUNT(*), SUM(res.passed) \
         FROM aud JOIN res ON res.user_id = aud.user_id \
         GROUP BY aud.bucket, res.lesson_id \
         UNION ALL \
         SELECT 'd', done_day, CAST(NULL AS uuid), COUNT(*), 0, 0 \
         FROM joined WHERE done_day IS NOT NULL GROUP BY done_day"
    ));
    let mut out = Counts::default();
    for row in db.query_all_raw(sql.statement(backend)).await? {
        let kind: String = row.try_get("", "kind")?;
        let key: Option<String> = row.try_get("", "bucket")?;
        let a: i64 = row.try_get::<Option<i64>>("", "members")?.unwrap_or(0);
        let b: i64 = row.try_get::<Option<i64>>("", "tested")?.unwrap_or(0);
        let c: i64 = row.try_get::<Option<i64>>("", "passed")?.unwrap_or(0);
        match kind.as_str() {
            "b" => out.buckets.push(BucketCount {
                bucket: bucket(key.unwrap_or_default()),
                members: a,
                tested: b,
                passed: c,
            }),
            "l" => {
                let Some(lesson) = row.try_get::<Option<Uuid>>("", "lesson_id")? else {
                    continue;
                };
                out.lessons.push(LessonCount {
                    bucket: bucket(key.unwrap_or_default()),
                    lesson_id: LessonId::from_uuid(lesson),
                    tested: b,
                    passed: c,
                });
            }
            _ => {
                if let Some(day) = key.and_then(|d| d.parse().ok()) {
                    out.days.push((day, a));
                }
            }
        }
    }
    Ok(out)
}

/// A page of the audience who have not completed the programme, by unit then name, and how
/// many they are in all.
pub async fn pending(
    db: &impl ConnectionTrait,
    scope: &Scope<'_>,
    offset: u64,
    limit: Option<u64>,
) -> Result<(Vec<Pending>, i64)> {
    let backend = db.get_database_backend();
    let select = |sql: &mut Sql| {
        common(scope, sql);
        let done = completed(scope.course, sql);
        format!(
            "FROM aud JOIN users u ON u.id = aud.user_id JOIN units pun ON pun.id = u.unit_id \
             LEFT JOIN per_user pu ON pu.user_id = aud.user_id \
             LEFT JOIN cert ON cert.user_id = aud.user_id \
             WHERE NOT ({done})"
        )
    };
    let mut sql = Sql {
        text: String::new(),
        values: Vec::new(),
    };
    let from = select(&mut sql);
    let mut page = format!(
        "SELECT u.id AS user_id, u.full_name AS full_name, u.phone AS phone, \
           u.unit_id AS unit_id, u.admitted_at AS admitted_at, \
           COALESCE(pu.passed_lessons, 0) AS lessons_passed, \
           COALESCE(pu.tested_lessons, 0) AS tested_lessons, \
           COUNT(*) OVER () AS total_rows \
         {from} ORDER BY pun.name, u.unit_id, u.full_name_folded, u.id"
    );
    if let Some(limit) = limit {
        let l = sql.bind(i64::try_from(limit).unwrap_or(i64::MAX));
        let o = sql.bind(i64::try_from(offset).unwrap_or(i64::MAX));
        page.push_str(&format!(" LIMIT {l} OFFSET {o}"));
    }
    sql.text.push_str(&page);
    // The page and the count in one pass: the count is taken over every row before the limit.
    let mut out = Vec::new();
    let mut total = 0;
    for row in db.query_all_raw(sql.statement(backend)).await? {
        total = row.try_get("", "total_rows")?;
        out.push(Pending {
            user_id: UserId::from_uuid(row.try_get("", "user_id")?),
            full_name: row.try_get("", "full_name")?,
            phone: row.try_get("", "phone")?,
            unit_id: UnitId::from_uuid(row.try_get("", "unit_id")?),
            admitted_at: row.try_get("", "admitted_at")?,
            lessons_passed: row.try_get("", "lessons_passed")?,
            tested: row.try_get::<i64>("", "tested_lessons")? > 0,
        });
    }
    if out.is_empty() && offset > 0 {
        // A page past the end: how many there are all the same.
        let mut sql = Sql {
            text: String::new(),
            values: Vec::new(),
        };
        let from = select(&mut sql);
        sql.text.push_str(&format!("SELECT COUNT(*) AS n {from}"));
        if let Some(row) = db.query_one_raw(sql.statement(backend)).await? {
            total = row.try_get("", "n")?;
        }
    }
    Ok((out, total))
}

/// Replaces a programme's listed audience (every version of its code) with `members`.
pub async fn set_listed(
    db: &impl ConnectionTrait,
    code: &str,
    members: &[UserId],
    now: DateTime<Utc>,
) -> Result<()> {
    course_audience_members::Entity::delete_many()
        .filter(course_audience_members::Column::CourseCode.eq(code))
        .exec(db)
        .await?;
    let unique: HashSet<UserId> = members.iter().copied().collect();
    let rows: Vec<course_audience_members::ActiveModel> = unique
        .into_iter()
        .map(|user_id| course_audience_members::ActiveModel {
            course_code: Set(code.to_owned()),
            user_id: Set(user_id),
            added_at: Set(now),
        })
        .collect();
    // Both backends take a few thousand values per statement; 4 columns × 500 rows stays far
    // below either limit.
    for chunk in rows.chunks(500) {
        course_audience_members::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Whether `user` is on the programme's list.
pub async fn is_listed(db: &impl ConnectionTrait, code: &str, user: UserId) -> Result<bool> {
    Ok(course_audience_members::Entity::find()
        .filter(course_audience_members::Column::CourseCode.eq(code))
        .filter(course_audience_members::Column::UserId.eq(user))
        .one(db)
        .await?
        .is_some())
}

/// How many members are on the programme's list.
pub async fn listed_count(db: &impl ConnectionTrait, code: &str) -> Result<i64> {
    let n: Option<i64> = course_audience_members::Entity::find()
        .select_only()
        .column_as(course_audience_members::Column::UserId.count(), "n")
        .filter(course_audience_members::Column::CourseCode.eq(code))
        .into_tuple()
        .one(db)
        .await?;
    Ok(n.unwrap_or(0))
}

/// Whether `user` holds a management role anywhere (an officer).
pub async fn is_officer(db: &impl ConnectionTrait, user: UserId) -> Result<bool> {
    Ok(role_assignments::Entity::find()
        .filter(role_assignments::Column::UserId.eq(user))
        .one(db)
        .await?
        .is_some())
}
