//! Coverage of new members for units: per lesson and overall, a row per child unit, as JSON or
//! exported as units report upward; the list of new members who have not passed; the
//! admission-date setting of a unit. Organizers and unit admins, within their subtree.

use chrono::{NaiveDate, Utc};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sheets::{Cell, Format};
use utoipa::ToSchema;
use uuid::Uuid;

use super::THEORY_MANAGERS;
use super::me::CourseBrief;
use super::progress::{Coverage, CoverageRow};
use crate::app::exports::{ExportPlan, Output, numbered_with_total, parse_format, sheet_error};
use crate::app::paging::checked_limit;
use crate::auth::Caller;
use crate::domain::ids::{CourseId, UnitId, UserId};
use crate::domain::phone::Phone;
use crate::domain::programme::{AudienceKind, Week, weekly};
use crate::domain::theory::{LessonStatus, Tally, rate, rate_text};
use crate::domain::time::{vietnam_date, vietnam_text};
use crate::error::ApiError;
use crate::persistence::theory::Course;
use crate::persistence::{self, PersistenceError};
use crate::reports::Layout;
use crate::state::AppState;

/// Column headers of each lesson in exports (a course has at most 12 lessons).
const LESSON_HEADERS: [[&str; 3]; 12] = [
    ["Bài 1: đã kiểm tra", "Bài 1: đạt", "Bài 1: tỷ lệ đạt"],
    ["Bài 2: đã kiểm tra", "Bài 2: đạt", "Bài 2: tỷ lệ đạt"],
    ["Bài 3: đã kiểm tra", "Bài 3: đạt", "Bài 3: tỷ lệ đạt"],
    ["Bài 4: đã kiểm tra", "Bài 4: đạt", "Bài 4: tỷ lệ đạt"],
    ["Bài 5: đã kiểm tra", "Bài 5: đạt", "Bài 5: tỷ lệ đạt"],
    ["Bài 6: đã kiểm tra", "Bài 6: đạt", "Bài 6: tỷ lệ đạt"],
    ["Bài 7: đã kiểm tra", "Bài 7: đạt", "Bài 7: tỷ lệ đạt"],
    ["Bài 8: đã kiểm tra", "Bài 8: đạt", "Bài 8: tỷ lệ đạt"],
    ["Bài 9: đã kiểm tra", "Bài 9: đạt", "Bài 9: tỷ lệ đạt"],
    ["Bài 10: đã kiểm tra", "Bài 10: đạt", "Bài 10: tỷ lệ đạt"],
    ["Bài 11: đã kiểm tra", "Bài 11: đạt", "Bài 11: tỷ lệ đạt"],
    ["Bài 12: đã kiểm tra", "Bài 12: đạt", "Bài 12: tỷ lệ đạt"],
];

/// One lesson's coverage.
#[derive(Debug, Serialize, ToSchema)]
pub struct LessonCoverage {
    /// Lesson.
    pub lesson_id: Uuid,
    /// 1, 2, 3, …
    pub position: i32,
    /// New members.
    pub total: i64,
    /// Tested on it.
    pub tested: i64,
    /// Passed it.
    pub passed: i64,
    /// Passed ÷ new members, percent.
    pub rate: Option<f64>,
    /// `x/y = z%`.
    pub rate_text: String,
}

/// Coverage of one unit's subtree.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageLine {
    /// Unit.
    pub unit_id: Uuid,
    /// Its name.
    pub name: String,
    /// True for the members placed in the asked unit itself rather than in a child.
    pub direct: bool,
    /// New members (who must take the course).
    pub total: i64,
    /// Tested on at least one lesson.
    pub tested: i64,
    /// Passed every lesson (a certificate in force, any version of the course).
    pub passed: i64,
    /// Passed ÷ new members, percent.
    pub rate: Option<f64>,
    /// `x/y = z%`.
    pub rate_text: String,
    /// Per lesson.
    pub lessons: Vec<LessonCoverage>,
}

/// A lesson in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct LessonBrief {
    /// Id.
    pub id: Uuid,
    /// Position.
    pub position: i32,
    /// Title.
    pub title: String,
}

/// Coverage of a unit's new members.
#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageResponse {
    /// The unit.
    pub unit_id: Uuid,
    /// Its name.
    pub unit_name: String,
    /// The course version counted.
    pub course: CourseBrief,
    /// Who the programme counts, and its period.
    pub audience: super::courses::AudienceView,
    /// Members admitted on or after this date must take the course (the unit's own setting
    /// or its nearest ancestor's); null: none required.
    pub theory_since: Option<NaiveDate>,
    /// The course's lessons.
    pub lessons: Vec<LessonBrief>,
    /// The whole subtree.
    pub summary: CoverageLine,
    /// One line per child unit (and one for members placed in the unit itself, if any).
    pub items: Vec<CoverageLine>,
    /// Completions week by week (Monday to Sunday, Vietnam dates), for reports upward: from
    /// the first completion's week to the last's.
    pub weekly: Vec<Week>,
}

fn line(unit_id: Uuid, name: &str, direct: bool, t: &Tally, course: &Course) -> CoverageLine {
    CoverageLine {
        unit_id,
        name: name.to_owned(),
        direct,
        total: t.members,
        tested: t.tested,
        passed: t.passed,
        rate: rate(t.passed, t.members),
        rate_text: rate_text(t.passed, t.members),
        lessons: course
            .lessons
            .iter()
            .zip(&t.lessons)
            .map(|(l, (tested, passed))| LessonCoverage {
                lesson_id: l.id.into_uuid(),
                position: l.position,
                total: t.members,
                tested: *tested,
                passed: *passed,
                rate: rate(*passed, t.members),
                rate_text: rate_text(*passed, t.members),
            })
            .collect(),
    }
}

fn brief(c: &Course) -> CourseBrief {
    CourseBrief {
        id: c.id.into_uuid(),
        code: c.code.clone(),
        version: c.version,
        title: c.title.clone(),
    }
}

/// Loads the unit (within the caller's scope) and the course.
async fn load_unit_and_course(
    state: &AppState,
    user: UserId,
    unit_id: Uuid,
    course_id: Option<CourseId>,
) -> Result<(persistence::units::Unit, Course), ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let unit = caller
        .require_unit(&state.db, THEORY_MANAGERS, UnitId::from_uuid(unit_id))
        .await?;
    let course = super::progress::course_or_current(&state.db, course_id).await?;
    // A report reads the tree as it is now, not as the boards' cached copy had it.
    state.units.invalidate();
    Ok((unit, course))
}

/// Loads the unit (within the caller's scope), the course and the coverage.
async fn load(
    state: &AppState,
    user: UserId,
    unit_id: Uuid,
    course_id: Option<CourseId>,
) -> Result<(persistence::units::Unit, Course, Coverage), ApiError> {
    let (unit, course) = load_unit_and_course(state, user, unit_id, course_id).await?;
    let units = state.units.snapshot(&state.db).await?;
    let coverage = super::progress::coverage(state, &units, &unit, &course).await?;
    Ok((unit, course, coverage))
}

/// A new member who has not passed yet.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingMember {
    /// Id.
    pub user_id: Uuid,
    /// Full name (for the branch secretary).
    pub full_name: String,
    /// Phone, masked.
    pub phone: String,
    /// Their unit.
    pub unit_id: Uuid,
    /// Its name.
    pub unit_name: String,
    /// Admission date.
    pub admitted_at: Option<NaiveDate>,
    /// Lessons passed.
    pub lessons_passed: usize,
    /// Lessons in the course.
    pub lessons_total: usize,
    /// `not_tested`, `tested` (some lesson) — never `passed` here.
    pub status: LessonStatus,
}

/// A page of new members not yet passed.
#[derive(Debug, Serialize, ToSchema)]
pub struct PendingList {
    /// By unit, then name.
    pub items: Vec<PendingMember>,
    /// How many in all.
    pub total: usize,
}

/// A unit's admission-date setting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TheorySinceRequest {
    /// Members admitted on or after this date must take the course; null to inherit the
    /// nearest ancestor's setting.
    pub theory_since: Option<NaiveDate>,
}

/// The setting in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct TheorySinceResponse {
    /// The unit.
    pub unit_id: Uuid,
    /// Its own setting.
    pub theory_since: Option<NaiveDate>,
    /// The date in force (its own, or inherited).
    pub effective_since: Option<NaiveDate>,
}

/// Coverage of a unit's new members on the course (the one taught now, or `course_id`): new
/// members, tested, passed and `x/y = z%`, per lesson and overall, with a line per child unit;
/// with `format`, the file in the shape units report upward.
pub async fn report(
    state: &AppState,
    user: UserId,
    unit_id: Uuid,
    course_id: Option<CourseId>,
    format: Option<String>,
) -> Result<Output<CoverageResponse>, ApiError> {
    let format = format.as_deref().map(parse_format).transpose()?;
    let (unit, course, coverage) = load(state, user, unit_id, course_id).await?;
    let summary = line(
        unit.id.into_uuid(),
        &unit.name,
        false,
        &coverage.total,
        &course,
    );
    let items: Vec<CoverageLine> = coverage
        .rows
        .iter()
        .map(|r: &CoverageRow| line(r.unit_id, &r.name, r.direct, &r.tally, &course))
        .collect();
    let Some(format) = format else {
        return Ok(Output::Json(CoverageResponse {
            unit_id: unit.id.into_uuid(),
            unit_name: unit.name.clone(),
            course: brief(&course),
            audience: course.audience.into(),
            theory_since: coverage.since,
            lessons: course
                .lessons
                .iter()
                .map(|l| LessonBrief {
                    id: l.id.into_uuid(),
                    position: l.position,
                    title: l.title.clone(),
                })
                .collect(),
            summary,
            items,
            weekly: weekly(&coverage.completed_days),
        }));
    };
    let layout = coverage_layout(&unit, &course, coverage.since, format);
    Ok(Output::File(ExportPlan::new(layout, move |sheet, _| {
        numbered_with_total(sheet, &items, &summary, coverage_cells)
    })))
}

/// A coverage line as units write it: `(trực thuộc)` marks the members placed in the unit
/// itself, then the totals and each lesson's tested, passed and rate.
fn coverage_cells(stt: Cell<'static>, l: &CoverageLine) -> Vec<Cell<'static>> {
    let name = if l.direct {
        format!("{} (trực thuộc)", l.name)
    } else {
        l.name.clone()
    };
    let mut cells = vec![
        stt,
        Cell::from(name),
        Cell::Int(l.total),
        Cell::Int(l.tested),
        Cell::Int(l.passed),
        Cell::from(l.rate_text.clone()),
        l.rate.map_or(Cell::Empty, |r| Cell::Percent(r / 100.0)),
    ];
    for lesson in &l.lessons {
        cells.push(Cell::Int(lesson.tested));
        cells.push(Cell::Int(lesson.passed));
        cells.push(Cell::from(lesson.rate_text.clone()));
    }
    cells
}

/// New members of a unit's subtree who have not passed the course yet, for the branch
/// secretary to remind: full name, masked phone, unit, lessons passed; grouped by unit.
///
/// With `format`, every one of them as a file (full names: personal data, so the export is
/// recorded in the audit log under the unit).
pub async fn pending(
    state: &AppState,
    user: UserId,
    unit_id: Uuid,
    course_id: Option<CourseId>,
    offset: u64,
    limit: Option<u64>,
    format: Option<String>,
) -> Result<Output<PendingList>, ApiError> {
    let limit = checked_limit(limit)?;
    let format = format.as_deref().map(parse_format).transpose()?;
    let (unit, course) = load_unit_and_course(state, user, unit_id, course_id).await?;
    let units = state.units.snapshot(&state.db).await?;
    if course.audience.kind() != AudienceKind::NewMembers {
        // A programme for all members counts hundreds of thousands: a page from the database.
        let (items, total) = programme_pending(
            state,
            &units,
            &unit,
            &course,
            offset,
            format.is_none().then_some(limit),
        )
        .await?;
        return pending_output(state, user, &unit, &course, None, format, items, total).await;
    }
    let coverage = super::progress::coverage(state, &units, &unit, &course).await?;
    let since = coverage.since;
    let mut pending: Vec<PendingMember> = coverage
        .members
        .into_iter()
        .filter(|m| !m.certified)
        .map(|m| {
            let lessons_passed = m.results.iter().filter(|r| r.passed_at.is_some()).count();
            PendingMember {
                user_id: m.member.id.into_uuid(),
                full_name: m.member.full_name,
                phone: Phone::parse(&m.member.phone).map_or_else(|_| String::new(), |p| p.masked()),
                unit_id: m.member.unit_id.into_uuid(),
                unit_name: units.name(Some(m.member.unit_id)).to_owned(),
                admitted_at: Some(m.member.admitted_at),
                lessons_passed,
                lessons_total: course.lessons.len(),
                status: if m.results.iter().any(|r| r.attempts > 0) {
                    LessonStatus::Tested
                } else {
                    LessonStatus::NotTested
                },
            }
        })
        .collect();
    // Members come by name; group them by unit for the secretary, keeping that order.
    pending.sort_by(|a, b| {
        a.unit_name
            .cmp(&b.unit_name)
            .then(a.unit_id.cmp(&b.unit_id))
    });
    let total = pending.len();
    if format.is_none() {
        pending = pending
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(50))
            .collect();
    }
    pending_output(state, user, &unit, &course, since, format, pending, total).await
}

/// A page of a programme's audience who have not completed it, counted in the database.
async fn programme_pending(
    state: &AppState,
    units: &crate::caches::directory::Snapshot,
    unit: &persistence::units::Unit,
    course: &Course,
    offset: u64,
    limit: Option<u64>,
) -> Result<(Vec<PendingMember>, usize), ApiError> {
    let db = state.reporting_db().await?;
    let audience_root = match course.audience.unit_id() {
        None => None,
        Some(id) => match persistence::units::get(db, id).await {
            Ok(u) => Some(u.path),
            Err(PersistenceError::NotFound(_)) => return Ok((Vec::new(), 0)),
            Err(e) => return Err(e.into()),
        },
    };
    let scope = persistence::theory::Scope {
        course,
        root: &unit.path,
        audience_root: audience_root.as_ref(),
    };
    let (rows, total) = persistence::theory::programme_pending(db, &scope, offset, limit).await?;
    let items = rows
        .into_iter()
        .map(|m| PendingMember {
            user_id: m.user_id.into_uuid(),
            full_name: m.full_name,
            phone: Phone::parse(&m.phone).map_or_else(|_| String::new(), |p| p.masked()),
            unit_id: m.unit_id.into_uuid(),
            unit_name: units.name(Some(m.unit_id.into_uuid())).to_owned(),
            admitted_at: m.admitted_at,
            lessons_passed: usize::try_from(m.lessons_passed).unwrap_or(0),
            lessons_total: course.lessons.len(),
            status: if m.tested {
                LessonStatus::Tested
            } else {
                LessonStatus::NotTested
            },
        })
        .collect();
    Ok((items, usize::try_from(total).unwrap_or(0)))
}

/// The pending list as JSON (`items` is the page) or, with `format`, as a file of every one of
/// them, recorded in the audit log.
#[allow(clippy::too_many_arguments)]
async fn pending_output(
    state: &AppState,
    user: UserId,
    unit: &persistence::units::Unit,
    course: &Course,
    since: Option<NaiveDate>,
    format: Option<Format>,
    pending: Vec<PendingMember>,
    total: usize,
) -> Result<Output<PendingList>, ApiError> {
    let Some(format) = format else {
        return Ok(Output::Json(PendingList {
            items: pending,
            total,
        }));
    };
    persistence::audit::record_at(
        &state.db,
        Some(user),
        "export.theory_pending",
        Some(unit.id.into_uuid()),
        Some(unit.id),
        json!({"format": format.extension(), "rows": total, "course_id": course.id}),
    )
    .await?;
    let layout = pending_layout(unit, course, since, format);
    Ok(Output::File(ExportPlan::new(layout, move |sheet, _| {
        for (i, m) in pending.iter().enumerate() {
            sheet
                .row(&[
                    Cell::Int(i64::try_from(i + 1).unwrap_or(0)),
                    Cell::from(m.full_name.clone()),
                    Cell::from(m.phone.clone()),
                    Cell::from(m.unit_name.clone()),
                    m.admitted_at.map_or(Cell::Empty, |d| {
                        Cell::from(d.format("%d/%m/%Y").to_string())
                    }),
                    Cell::from(format!("{}/{}", m.lessons_passed, m.lessons_total)),
                    Cell::from(match m.status {
                        LessonStatus::NotTested => "Chưa học",
                        _ => "Đã kiểm tra, chưa đạt",
                    }),
                ])
                .map_err(sheet_error)?;
        }
        Ok(())
    })))
}

/// The pending list's layout: the unit, the course and the admission date above the header.
fn pending_layout(
    unit: &persistence::units::Unit,
    course: &Course,
    since: Option<NaiveDate>,
    format: Format,
) -> Layout {
    let new_members = course.audience.kind() == AudienceKind::NewMembers;
    Layout {
        format,
        file_stem: format!(
            "{}-{}-{}",
            if new_members {
                "doan-vien-moi-chua-dat-ly-luan"
            } else {
                "chua-hoan-thanh-hoc-tap"
            },
            unit.code.to_lowercase(),
            vietnam_date(Utc::now()).format("%d-%m-%Y")
        ),
        sheet_name: "Chưa đạt".into(),
        title_rows: vec![
            if new_members {
                "DANH SÁCH ĐOÀN VIÊN MỚI CHƯA HOÀN THÀNH HỌC LÝ LUẬN CHÍNH TRỊ".to_owned()
            } else {
                "DANH SÁCH ĐOÀN VIÊN CHƯA HOÀN THÀNH CHƯƠNG TRÌNH HỌC TẬP".to_owned()
            },
            format!("Đơn vị: {} (mã {})", unit.name, unit.code),
            format!(
                "Chương trình: {} ({}, phiên bản {})",
                course.title, course.code, course.version
            ),
            audience_line(course, since),
            format!("Xuất lúc: {} (giờ Việt Nam)", vietnam_text(Utc::now())),
        ],
        header: vec![
            "STT",
            "Họ và tên",
            "Số điện thoại",
            "Đơn vị",
            "Ngày kết nạp",
            "Số bài đã đạt",
            "Tình trạng",
        ],
    }
}

/// Sets from which admission date a unit's members (and its subtree's, unless they set their
/// own) must take the course; `None` inherits the nearest ancestor's.
pub async fn set_since(
    state: &AppState,
    user: UserId,
    unit_id: Uuid,
    since: Option<NaiveDate>,
) -> Result<TheorySinceResponse, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let unit = caller
        .require_unit(&state.db, THEORY_MANAGERS, UnitId::from_uuid(unit_id))
        .await?;
    let founded = NaiveDate::from_ymd_opt(1931, 3, 26).unwrap_or(NaiveDate::MIN);
    if since.is_some_and(|d| d < founded) {
        return Err(ApiError::field(
            "/theory_since",
            "the date is before the Union was founded (26/3/1931)",
        ));
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::theory::set_since(&txn, unit.id.into_uuid(), since, Some(user.into_uuid()))
        .await?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "unit.theory_since",
        Some(unit.id.into_uuid()),
        Some(unit.id),
        json!({"theory_since": since}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    let units = state.units.snapshot(&state.db).await?;
    let settings = persistence::theory::since_settings(&state.db).await?;
    Ok(TheorySinceResponse {
        unit_id: unit.id.into_uuid(),
        theory_since: since,
        effective_since: crate::domain::theory::effective_since(
            &units.path_of(unit.id.into_uuid()),
            &settings,
        ),
    })
}

/// The coverage file's layout: the unit, the course and its lessons above the header, and
/// three columns per lesson.
fn coverage_layout(
    unit: &persistence::units::Unit,
    course: &Course,
    since: Option<NaiveDate>,
    format: Format,
) -> Layout {
    let new_members = course.audience.kind() == AudienceKind::NewMembers;
    let mut header = vec![
        "STT",
        "Đơn vị",
        if new_members {
            "Đoàn viên mới"
        } else {
            "Phải học"
        },
        "Đã kiểm tra",
        "Đạt",
        "Tỷ lệ đạt",
        "Tỷ lệ (%)",
    ];
    for h in LESSON_HEADERS.iter().take(course.lessons.len()) {
        header.extend_from_slice(h);
    }
    let mut title_rows = vec![
        if new_members {
            format!(
                "Kết quả học lý luận chính trị của đoàn viên mới – {}",
                unit.name
            )
        } else {
            format!("Kết quả học tập – {}", unit.name)
        },
        format!(
            "Chương trình: {} ({}, phiên bản {})",
            course.title, course.code, course.version
        ),
        audience_line(course, since),
    ];
    for l in &course.lessons {
        title_rows.push(format!("Bài {}: {}", l.position, l.title));
    }
    title_rows.push(format!(
        "Xuất lúc: {} (giờ Việt Nam)",
        vietnam_text(Utc::now())
    ));
    Layout {
        format,
        file_stem: format!(
            "{}-{}-{}",
            if new_members {
                "ket-qua-hoc-ly-luan"
            } else {
                "ket-qua-hoc-tap"
            },
            unit.code.to_lowercase(),
            vietnam_date(Utc::now()).format("%d-%m-%Y")
        ),
        sheet_name: if new_members {
            "Học lý luận"
        } else {
            "Học tập"
        }
        .into(),
        title_rows,
        header,
    }
}

/// Who the report counts, above the header: the admission date for new members, otherwise the
/// audience and its period.
fn audience_line(course: &Course, since: Option<NaiveDate>) -> String {
    let date = |d: Option<NaiveDate>| {
        d.map_or_else(|| "–".to_owned(), |d| d.format("%d/%m/%Y").to_string())
    };
    let a = &course.audience;
    let who = match a.kind() {
        AudienceKind::NewMembers => return format!("Đoàn viên kết nạp từ ngày: {}", date(since)),
        AudienceKind::AllMembers => "toàn thể đoàn viên",
        AudienceKind::Officers => "cán bộ Đoàn",
        AudienceKind::Listed => "đoàn viên theo danh sách",
    };
    format!(
        "Đối tượng: {who}; thời gian: {} – {}",
        date(a.opens_on()),
        date(a.due_on())
    )
}
