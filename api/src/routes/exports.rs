//! Exports for reporting upward: a round's ranking (live, or final once published), its prize
//! list, participation by unit, a contest's cumulative ranking, and a unit's participation over
//! a date range. XLSX or CSV, streamed (`reports`), with full names for the organizers who
//! report them and phone numbers masked.
//!
//! Scope: the contest's organizers may export everything; an organizer or unit admin lower in
//! the tree exports only their own subtree (`unit_id` required and within their grants).

use std::sync::Arc;

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sheets::{Cell, Format};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::contest_access::{Access, access};
use crate::attempts::from_ms;
use crate::auth::{AuthUser, Caller};
use crate::domain::role::Role;
use crate::error::{ApiError, Conflict, Problem};
use crate::persistence::{self, contests::Contest, results::Person};
use crate::reports::{self, Layout, Sheet, participation};
use crate::routes::extract::Query;
use crate::routes::leaderboards::{UnitOrder, UnitStanding, rank_units};
use crate::scoring::{Board, TallyScope};
use crate::standings::directory::Snapshot;
use crate::standings::frozen::{Ranked, Ranking};
use crate::state::AppState;

/// Roles that may export their subtree.
const REPORTERS: &[Role] = &[Role::Organizer, Role::UnitAdmin];

/// Rows fetched per page while streaming.
const PAGE: u64 = 1_000;

/// Registers the routes of this module.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(export_round)
        .service(export_contest)
        .service(unit_participation);
}

/// What to export.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Report {
    /// Every entrant in rank order.
    #[default]
    Ranking,
    /// A row per child unit with participation and totals.
    Units,
    /// The prize winners of a published round.
    Prizes,
}

/// An export's options.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `xlsx` or `csv`.
    pub format: String,
    /// The subtree to export (required unless you organise the contest).
    pub unit_id: Option<Uuid>,
    /// `ranking` (default), `units` or `prizes`.
    #[serde(default)]
    pub report: Report,
}

fn parse_format(raw: &str) -> Result<Format, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::field("/format", "format must be xlsx or csv"))
}

/// The subtree the caller may export: anything for the contest's organizers, else a unit
/// within their own grants.
async fn export_unit(
    state: &AppState,
    user: &AuthUser,
    contest: &Contest,
    unit_id: Option<Uuid>,
    units: &Snapshot,
) -> Result<Option<Uuid>, ApiError> {
    let caller = Caller::load(&state.db, user.id).await?;
    if let Some(id) = unit_id
        && units.get(id).is_none()
    {
        return Err(ApiError::field("/unit_id", "no such unit"));
    }
    if matches!(
        access(&state.db, &caller, contest).await,
        Ok(Access::Manage)
    ) {
        return Ok(unit_id);
    }
    if !caller.has_any(REPORTERS) {
        return Err(ApiError::Forbidden);
    }
    let Some(id) = unit_id else {
        return Err(ApiError::field(
            "/unit_id",
            "choose a unit within your scope to export",
        ));
    };
    let unit = persistence::units::get(&state.db, crate::domain::ids::UnitId(id)).await?;
    caller.require(REPORTERS, &unit)?;
    Ok(Some(id))
}

fn unit_cells<'a>(units: &'a Snapshot, unit: Uuid) -> (Cell<'a>, Cell<'static>) {
    let path = units.path_of(unit);
    // The units above the entrant's own, root first, as units write them ("A › B").
    let above: Vec<&str> = path
        .iter()
        .take(path.len().saturating_sub(1))
        .map(|u| units.name(Some(*u)))
        .collect();
    (
        Cell::from(units.name(Some(unit))),
        Cell::from(above.join(" › ")),
    )
}

fn person_cells(person: Option<Person>) -> (Cell<'static>, Cell<'static>) {
    match person {
        Some(p) => (
            Cell::from(p.full_name),
            Cell::from(
                crate::domain::phone::Phone::parse(&p.phone)
                    .map_or_else(|_| String::new(), |ph| ph.masked()),
            ),
        ),
        None => (Cell::Empty, Cell::Empty),
    }
}

fn seconds(ms: i64) -> Cell<'static> {
    #[allow(clippy::cast_precision_loss)]
    Cell::Float(ms as f64 / 1000.0)
}

/// Pairs each row of a page with the name and phone of its entrant (one lookup per page).
async fn with_people<R>(
    state: &AppState,
    rows: Vec<R>,
    user: impl Fn(&R) -> Uuid,
) -> Result<Vec<(R, Option<Person>)>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(&user).collect();
    let mut people = persistence::results::people(&state.db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let person = people.remove(&user(&r));
            (r, person)
        })
        .collect())
}

/// Reads one page of a live board and its people.
async fn live_page_with_people(
    state: Arc<AppState>,
    board: Board,
    offset: u64,
) -> Result<Vec<(crate::scoring::Standing, Option<Person>)>, ApiError> {
    let page = state
        .store
        .board_page(&state.keys, &board, offset, PAGE)
        .await?;
    with_people(&state, page.items, |s| s.user_id).await
}

/// Writes a live board page by page, reading the next pages while one is written.
fn write_live_board(
    sheet: &mut Sheet,
    rt: &tokio::runtime::Handle,
    state: &Arc<AppState>,
    units: &Snapshot,
    board: Board,
) -> Result<(), ApiError> {
    reports::paged(
        rt,
        PAGE,
        |offset| live_page_with_people(Arc::clone(state), board, offset),
        |rows| {
            for (s, person) in rows {
                let (name, phone) = person_cells(person);
                let unit = s.unit_id().unwrap_or_default();
                let (unit_name, above) = unit_cells(units, unit);
                sheet
                    .row(&[
                        Cell::Int(i64::try_from(s.rank + 1).unwrap_or(i64::MAX)),
                        name,
                        phone,
                        unit_name,
                        above,
                        Cell::Int(s.score),
                        seconds(s.time_used_ms),
                        Cell::DateTime(from_ms(s.finished_at_ms)),
                    ])
                    .map_err(sheet_error)?;
            }
            Ok(())
        },
    )
}

fn sheet_error(e: sheets::SheetError) -> ApiError {
    ApiError::Unexpected(anyhow::Error::new(e))
}

const LIVE_HEADER: [&str; 8] = [
    "Hạng",
    "Họ và tên",
    "Điện thoại",
    "Đơn vị",
    "Đơn vị cấp trên",
    "Điểm",
    "Thời gian làm bài (giây)",
    "Nộp bài lúc (UTC)",
];

const FINAL_HEADER: [&str; 12] = [
    "Hạng",
    "Họ và tên",
    "Điện thoại",
    "Đơn vị",
    "Đơn vị cấp trên",
    "Điểm",
    "Điểm tối đa",
    "Dự đoán",
    "Chênh lệch dự đoán",
    "Thời gian làm bài (giây)",
    "Nộp bài lúc (UTC)",
    "Giải",
];

const UNITS_HEADER: [&str; 7] = [
    "STT",
    "Đơn vị",
    "Số đoàn viên",
    "Số người tham gia",
    "Tỷ lệ tham gia",
    "Tỷ lệ (%)",
    "Điểm trung bình",
];

fn units_rows(
    sheet: &mut Sheet,
    parent: &UnitStanding,
    items: &[UnitStanding],
) -> Result<(), ApiError> {
    let row = |stt: Cell<'static>, u: &UnitStanding| -> Vec<Cell<'static>> {
        vec![
            stt,
            Cell::from(u.name.clone()),
            u.members.map_or(Cell::Empty, |m| Cell::Int(i64::from(m))),
            Cell::Int(u.participants),
            Cell::from(reports::rate_text(u.participants, u.members)),
            u.rate.map_or(Cell::Empty, Cell::Percent),
            u.avg_score.map_or(Cell::Empty, Cell::Float),
        ]
    };
    for u in items {
        sheet
            .row(&row(Cell::Int(i64::try_from(u.rank).unwrap_or(0)), u))
            .map_err(sheet_error)?;
    }
    sheet
        .row(&row(Cell::from("Tổng cộng"), parent))
        .map_err(sheet_error)
}

/// A round's ranking, prize list or participation by unit, as XLSX or CSV.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Round id"), ExportQuery),
    responses(
        (status = 200, description = "The file (streamed)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 403, description = "No organizer or unit-admin role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown round, or a unit outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_published`: a prize list needs published results", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad format or unit", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/rounds/{id}/export")]
#[tracing::instrument(name = "Export round", skip_all, fields(round.id = %id, user.id = %user.id))]
pub async fn export_round(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = parse_format(&query.format)?;
    let round = persistence::contests::get_round(&state.db, *id).await?;
    let contest = persistence::contests::get(&state.db, round.contest_id).await?;
    let units: Arc<Snapshot> = state.units.snapshot(&state.db).await?;
    let unit = export_unit(&state, &user, &contest, query.unit_id, &units).await?;
    let scope_name = unit.map_or_else(|| "Toàn bộ".to_owned(), |u| units.name(Some(u)).to_owned());
    let title = format!("{} – {}", contest.settings.title, round.settings.name);
    let stem = |what: &str| format!("{what}-{}", round.id.simple());
    let state = state.into_inner();
    match query.report {
        Report::Units => {
            let scope = TallyScope::Round {
                contest_id: contest.id,
                round_id: round.id,
            };
            let parent = unit.unwrap_or(contest.settings.unit_id.0);
            units_report(
                &state,
                &units,
                scope,
                parent,
                format,
                title,
                stem("tham-gia"),
            )
            .await
        }
        Report::Ranking if round.published_at.is_none() => {
            let board = Board::Round {
                contest_id: contest.id,
                round_id: round.id,
                unit_id: unit,
            };
            let layout = Layout {
                format,
                file_stem: stem("xep-hang"),
                sheet_name: "Xếp hạng".into(),
                title_rows: vec![
                    title,
                    format!("Phạm vi: {scope_name} (chưa công bố, bảng trực tiếp)"),
                ],
                header: LIVE_HEADER.to_vec(),
            };
            Ok(reports::stream(layout, move |sheet, rt| {
                write_live_board(sheet, rt, &state, &units, board)
            }))
        }
        Report::Ranking | Report::Prizes => {
            let Some(published_at) = round.published_at else {
                return Err(Conflict::NotPublished { of: "round" }.into());
            };
            let prizes_only = query.report == Report::Prizes;
            let layout = Layout {
                format,
                file_stem: stem(if prizes_only {
                    "giai-thuong"
                } else {
                    "ket-qua"
                }),
                sheet_name: if prizes_only {
                    "Giải thưởng"
                } else {
                    "Kết quả"
                }
                .into(),
                title_rows: vec![
                    title,
                    format!("Phạm vi: {scope_name}"),
                    format!(
                        "Đáp án câu hỏi dự đoán: {}",
                        round
                            .prediction_actual
                            .map_or_else(|| "–".to_owned(), |v| v.to_string())
                    ),
                ],
                header: FINAL_HEADER.to_vec(),
            };
            let ranking =
                crate::routes::leaderboards::round_ranking(&state, round.id, published_at).await?;
            let rows = final_rows_source(&ranking, &units, unit, prizes_only);
            Ok(reports::stream(layout, move |sheet, rt| {
                write_final(
                    sheet,
                    rt,
                    &state,
                    &units,
                    &rows,
                    |sheet, r, name, phone, unit_name, above| {
                        sheet.row(&[
                            Cell::Int(i64::from(r.rank)),
                            name,
                            phone,
                            unit_name,
                            above,
                            Cell::Int(r.score),
                            Cell::Int(r.max_score),
                            r.prediction.map_or(Cell::Empty, Cell::Int),
                            r.prediction_error.map_or(Cell::Empty, Cell::Int),
                            seconds(r.time_used_ms),
                            Cell::DateTime(r.finished_at),
                            r.prize.clone().map_or(Cell::Empty, Cell::from),
                        ])
                    },
                )
            }))
        }
    }
}

/// Which lines of a published ranking an export writes: the whole ranking or a unit's subtree,
/// or only the prize winners among them (few, so listed up front).
enum FinalRows<R> {
    All(Arc<Ranking<R>>, Option<Uuid>),
    Listed(Vec<R>),
}

fn final_rows_source<R: Ranked + Clone>(
    ranking: &Arc<Ranking<R>>,
    units: &Snapshot,
    unit: Option<Uuid>,
    prizes_only: bool,
) -> FinalRows<R> {
    if prizes_only {
        FinalRows::Listed(
            ranking
                .prized()
                .filter(|r| unit.is_none_or(|u| units.is_within(r.unit_id(), u)))
                .cloned()
                .collect(),
        )
    } else {
        FinalRows::All(Arc::clone(ranking), unit)
    }
}

impl<R: Ranked + Clone> FinalRows<R> {
    fn page(&self, units: &Snapshot, offset: u64, limit: u64) -> Vec<R> {
        match self {
            Self::All(ranking, unit) => ranking
                .view(units, *unit)
                .page(offset, limit)
                .into_iter()
                .map(|(_, r)| r.clone())
                .collect(),
            Self::Listed(rows) => {
                let (start, end) = crate::routes::extract::page_bounds(rows.len(), offset, limit);
                rows[start..end].to_vec()
            }
        }
    }
}

/// Writes the lines of a published ranking in pages, the people of the next pages read while
/// one is written; `line` writes one row given its name, phone, unit and units above.
fn write_final<R: Ranked + Clone>(
    sheet: &mut Sheet,
    rt: &tokio::runtime::Handle,
    state: &Arc<AppState>,
    units: &Arc<Snapshot>,
    rows: &FinalRows<R>,
    mut line: impl FnMut(
        &mut Sheet,
        &R,
        Cell<'static>,
        Cell<'static>,
        Cell<'_>,
        Cell<'static>,
    ) -> Result<(), sheets::SheetError>,
) -> Result<(), ApiError> {
    reports::paged(
        rt,
        PAGE,
        |offset| {
            let page = rows.page(units, offset, PAGE);
            let state = Arc::clone(state);
            async move { with_people(&state, page, Ranked::user_id).await }
        },
        |page| {
            for (r, person) in page {
                let (name, phone) = person_cells(person);
                let (unit_name, above) = unit_cells(units, r.unit_id());
                line(sheet, &r, name, phone, unit_name, above).map_err(sheet_error)?;
            }
            Ok(())
        },
    )
}

/// Participation by unit: a row per child of `parent` (ranked by rate) and a total.
async fn units_report(
    state: &AppState,
    units: &Snapshot,
    scope: TallyScope,
    parent: Uuid,
    format: Format,
    title: String,
    file_stem: String,
) -> Result<HttpResponse, ApiError> {
    let (parent_line, items) = unit_lines(state, units, scope, parent).await?;
    let layout = Layout {
        format,
        file_stem,
        sheet_name: "Tham gia".into(),
        title_rows: vec![title, format!("Đơn vị: {}", units.name(Some(parent)))],
        header: UNITS_HEADER.to_vec(),
    };
    Ok(reports::stream(layout, move |sheet, _| {
        units_rows(sheet, &parent_line, &items)
    }))
}

async fn unit_lines(
    state: &AppState,
    units: &Snapshot,
    scope: TallyScope,
    parent: Uuid,
) -> Result<(UnitStanding, Vec<UnitStanding>), ApiError> {
    let mut ids = vec![parent];
    ids.extend_from_slice(units.children(Some(parent)));
    let tallies = state.store.tallies(&state.keys, &scope, &ids).await?;
    let mut all: Vec<UnitStanding> = ids
        .iter()
        .zip(tallies)
        .map(|(id, t)| crate::routes::leaderboards::standing(units, *id, t))
        .collect();
    let mut items = all.split_off(1);
    rank_units(&mut items, UnitOrder::Rate);
    Ok((all.remove(0), items))
}

/// A contest's cumulative ranking or participation by unit, as XLSX or CSV.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Contest id"), ExportQuery),
    responses(
        (status = 200, description = "The file (streamed)", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 404, description = "Unknown contest, or a unit outside your scope", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/contests/{id}/export")]
#[tracing::instrument(name = "Export contest", skip_all, fields(contest.id = %id, user.id = %user.id))]
pub async fn export_contest(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = parse_format(&query.format)?;
    let contest = persistence::contests::get(&state.db, *id).await?;
    let units: Arc<Snapshot> = state.units.snapshot(&state.db).await?;
    let unit = export_unit(&state, &user, &contest, query.unit_id, &units).await?;
    let title = format!("{} – tổng hợp các tuần", contest.settings.title);
    let stem = |what: &str| format!("{what}-{}", contest.id.simple());
    let state = state.into_inner();
    match query.report {
        Report::Units => {
            let scope = TallyScope::Contest {
                contest_id: contest.id,
            };
            let parent = unit.unwrap_or(contest.settings.unit_id.0);
            units_report(
                &state,
                &units,
                scope,
                parent,
                format,
                title,
                stem("tham-gia"),
            )
            .await
        }
        Report::Ranking if contest.published_at.is_none() => {
            let board = Board::Contest {
                contest_id: contest.id,
                unit_id: unit,
            };
            let layout = Layout {
                format,
                file_stem: stem("xep-hang"),
                sheet_name: "Xếp hạng".into(),
                title_rows: vec![
                    title,
                    "Chưa công bố kết quả chung cuộc (bảng trực tiếp)".into(),
                ],
                header: LIVE_HEADER.to_vec(),
            };
            Ok(reports::stream(layout, move |sheet, rt| {
                write_live_board(sheet, rt, &state, &units, board)
            }))
        }
        Report::Ranking | Report::Prizes => {
            let Some(published_at) = contest.published_at else {
                return Err(Conflict::NotPublished { of: "contest" }.into());
            };
            let prizes_only = query.report == Report::Prizes;
            let layout = Layout {
                format,
                file_stem: stem(if prizes_only {
                    "giai-chung-cuoc"
                } else {
                    "ket-qua-chung-cuoc"
                }),
                sheet_name: "Chung cuộc".into(),
                title_rows: vec![title, "Kết quả chung cuộc".into()],
                header: vec![
                    "Hạng",
                    "Họ và tên",
                    "Điện thoại",
                    "Đơn vị",
                    "Đơn vị cấp trên",
                    "Tổng điểm",
                    "Số tuần thi",
                    "Tổng thời gian (giây)",
                    "Lần nộp bài cuối (UTC)",
                    "Giải",
                ],
            };
            let ranking =
                crate::routes::leaderboards::contest_ranking(&state, contest.id, published_at)
                    .await?;
            let rows = final_rows_source(&ranking, &units, unit, prizes_only);
            Ok(reports::stream(layout, move |sheet, rt| {
                write_final(
                    sheet,
                    rt,
                    &state,
                    &units,
                    &rows,
                    |sheet, r, name, phone, unit_name, above| {
                        sheet.row(&[
                            Cell::Int(i64::from(r.rank)),
                            name,
                            phone,
                            unit_name,
                            above,
                            Cell::Int(r.score),
                            Cell::Int(i64::from(r.rounds)),
                            seconds(r.time_used_ms),
                            Cell::DateTime(r.last_finished_at),
                            r.prize.clone().map_or(Cell::Empty, Cell::from),
                        ])
                    },
                )
            }))
        }
    }
}

/// A unit's participation over a date range.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ParticipationQuery {
    /// First day (inclusive, UTC).
    pub from: NaiveDate,
    /// Last day (inclusive, UTC).
    pub to: NaiveDate,
    /// `xlsx` or `csv` for a file; JSON without it.
    pub format: Option<String>,
}

/// One line of the participation report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationLine {
    /// Unit.
    pub unit_id: Uuid,
    /// Name.
    pub name: String,
    /// Code.
    pub code: String,
    /// Declared members.
    pub members: Option<i32>,
    /// People who took part.
    pub participants: i64,
    /// Their finished attempts.
    pub attempts: i64,
    /// `x/y = z%`.
    pub rate_text: String,
}

/// The participation report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ParticipationResponse {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
    /// The unit's whole subtree.
    pub total: ParticipationLine,
    /// A line per direct child.
    pub items: Vec<ParticipationLine>,
}

fn participation_line(l: participation::Line) -> ParticipationLine {
    ParticipationLine {
        rate_text: reports::rate_text(l.participants, l.members),
        unit_id: l.unit_id,
        name: l.name,
        code: l.code,
        members: l.members,
        participants: l.participants,
        attempts: l.attempts,
    }
}

/// How many people of a unit's subtree took part in contests between two dates, per child
/// unit, against their declared members: the report units send upward.
#[utoipa::path(
    tag = "leaderboards",
    params(("id" = Uuid, Path, description = "Unit id"), ParticipationQuery),
    responses(
        (status = 200, description = "The report (JSON, or a file with `format`)", body = ParticipationResponse),
        (status = 404, description = "Unknown unit or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad dates or format", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/units/{id}/participation")]
#[tracing::instrument(name = "Unit participation", skip_all, fields(unit.id = %id, user.id = %user.id))]
pub async fn unit_participation(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: Query<ParticipationQuery>,
) -> Result<HttpResponse, ApiError> {
    let caller = Caller::load(&state.db, user.id).await?;
    let unit = caller
        .require_unit(&state.db, REPORTERS, crate::domain::ids::UnitId(*id))
        .await?;
    if query.to < query.from || (query.to - query.from).num_days() > 366 {
        return Err(ApiError::field(
            "/to",
            "the range is at most a year and ends on or after its first day",
        ));
    }
    let format = query.format.as_deref().map(parse_format).transpose()?;
    let start = |d: NaiveDate| -> DateTime<Utc> { d.and_time(chrono::NaiveTime::MIN).and_utc() };
    let report = participation::report(
        &state,
        unit.id.0,
        start(query.from),
        start(query.to) + chrono::Duration::days(1),
    )
    .await?;
    let body = ParticipationResponse {
        from: query.from,
        to: query.to,
        total: participation_line(report.total),
        items: report
            .children
            .into_iter()
            .map(participation_line)
            .collect(),
    };
    let Some(format) = format else {
        return Ok(HttpResponse::Ok().json(body));
    };
    let layout = Layout {
        format,
        file_stem: format!("tham-gia-{}-{}-{}", unit.code, query.from, query.to),
        sheet_name: "Tham gia".into(),
        title_rows: vec![
            format!("Báo cáo tham gia các cuộc thi: {}", unit.name),
            format!(
                "Từ ngày {} đến ngày {}",
                query.from.format("%d/%m/%Y"),
                query.to.format("%d/%m/%Y")
            ),
        ],
        header: vec![
            "STT",
            "Đơn vị",
            "Mã",
            "Số đoàn viên",
            "Số người tham gia",
            "Số lượt thi",
            "Tỷ lệ tham gia",
        ],
    };
    Ok(reports::stream(layout, move |sheet, _| {
        let row = |stt: Cell<'static>, l: &ParticipationLine| -> Vec<Cell<'static>> {
            vec![
                stt,
                Cell::from(l.name.clone()),
                Cell::from(l.code.clone()),
                l.members.map_or(Cell::Empty, |m| Cell::Int(i64::from(m))),
                Cell::Int(l.participants),
                Cell::Int(l.attempts),
                Cell::from(l.rate_text.clone()),
            ]
        };
        for (i, l) in body.items.iter().enumerate() {
            sheet
                .row(&row(Cell::Int(i64::try_from(i + 1).unwrap_or(0)), l))
                .map_err(sheet_error)?;
        }
        sheet
            .row(&row(Cell::from("Tổng cộng"), &body.total))
            .map_err(sheet_error)
    }))
}
