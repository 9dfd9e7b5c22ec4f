//! Exports for reporting upward, as plans: each report (a round's or a contest's ranking, its
//! prize list, participation by unit, a unit's participation over a date range, theory
//! coverage) decides who may have it, what its layout is and how its rows are read, and hands
//! the route an [`ExportPlan`] (or, for reports that are also JSON, an [`Output`]) that the
//! route streams with `reports::stream`; nothing here speaks HTTP. The rows are read
//! page by page while the file is written, so a ranking of a million entrants is never held
//! twice.
//!
//! Scope: the contest's organizers may export everything; an organizer or unit admin lower in
//! the tree exports only their own subtree (`unit_id` required and within their grants). Full
//! names are written for the organizers who report them; phone numbers are masked.

pub mod board;
pub mod participation;
mod ranking;
mod units;

use serde::Deserialize;
use sheets::{Cell, Format};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::contest_access::{Access, access};
use crate::auth::Caller;
use crate::caches::directory::Snapshot;
use crate::domain::ids::UserId;
use crate::domain::role::Role;
use crate::error::ApiError;
use crate::persistence::{self, contests::Contest, results::Person};
use crate::reports::{Layout, Sheet};
use crate::state::AppState;

/// Roles that may export their subtree.
pub const REPORTERS: &[Role] = &[Role::Organizer, Role::UnitAdmin];

/// Rows fetched per page while streaming.
const PAGE: u64 = 1_000;

/// Writes a report's rows on the blocking thread `reports::stream` gives it.
pub type Fill = Box<dyn FnOnce(&mut Sheet, &tokio::runtime::Handle) -> Result<(), ApiError> + Send>;

/// A report ready to be written: its layout and what writes its rows.
pub struct ExportPlan {
    layout: Layout,
    fill: Fill,
}

impl ExportPlan {
    /// A plan of `layout`, its rows written by `fill`.
    pub fn new(
        layout: Layout,
        fill: impl FnOnce(&mut Sheet, &tokio::runtime::Handle) -> Result<(), ApiError> + Send + 'static,
    ) -> Self {
        Self {
            layout,
            fill: Box::new(fill),
        }
    }

    /// The same plan with one more line above the header.
    #[must_use]
    pub fn with_title_row(mut self, line: String) -> Self {
        self.layout.title_rows.push(line);
        self
    }

    /// The layout and the row writer, for `reports::stream`.
    pub fn into_parts(self) -> (Layout, Fill) {
        (self.layout, self.fill)
    }
}

/// A report asked for as JSON (no `format`) or as a file.
pub enum Output<T> {
    /// The report as data.
    Json(T),
    /// The report as a file.
    File(ExportPlan),
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

/// `xlsx` or `csv`, or a 422 naming `/format`.
pub fn parse_format(raw: &str) -> Result<Format, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::field("/format", "format must be xlsx or csv"))
}

/// The subtree the caller may export: anything for the contest's organizers, else a unit
/// within their own grants.
async fn export_unit(
    state: &AppState,
    user: UserId,
    contest: &Contest,
    unit_id: Option<Uuid>,
    units: &Snapshot,
) -> Result<Option<Uuid>, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
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
    let unit =
        persistence::units::get(&state.db, crate::domain::ids::UnitId::from_uuid(id)).await?;
    caller.require(REPORTERS, &unit)?;
    Ok(Some(id))
}

/// The entrant's unit and the units above it, root first, as units write them ("A › B").
fn unit_cells(units: &Snapshot, unit: Uuid) -> (Cell<'_>, Cell<'static>) {
    let path = units.path_of(unit);
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

/// Full name and masked phone.
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

/// Vietnam's offset from UTC (no daylight saving time).
pub const VIETNAM_OFFSET_HOURS: i64 = 7;

/// `at` in Vietnam time, as a date-time cell.
///
/// # Implementation notes
/// A cell holds a wall-clock time without a zone (Excel has none; the CSV writes
/// `YYYY-MM-DD HH:MM:SS`), so the instant is shifted by the offset before it is written, and
/// every column of such cells says "(giờ Việt Nam, UTC+7)" in its header.
pub fn vietnam_time(at: chrono::DateTime<chrono::Utc>) -> Cell<'static> {
    Cell::DateTime(at + chrono::Duration::hours(VIETNAM_OFFSET_HOURS))
}

/// The line above a report's header saying when it was made, in Vietnam time.
pub fn exported_at_line(now: chrono::DateTime<chrono::Utc>) -> String {
    let vn = now + chrono::Duration::hours(VIETNAM_OFFSET_HOURS);
    format!(
        "Xuất lúc: {} (giờ Việt Nam, UTC+7)",
        vn.format("%H:%M ngày %d/%m/%Y")
    )
}

/// A readable file name for an export: the titles without diacritics, what it is and the
/// day it was made (Vietnam time), e.g.
/// `cuoc-thi-tim-hieu-luat-an-ninh-mang_tuan-1_giai-thuong_2026-12-04`.
pub fn file_stem(titles: &[&str], what: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    use crate::domain::text::slug;
    let day = (now + chrono::Duration::hours(VIETNAM_OFFSET_HOURS)).format("%Y-%m-%d");
    let mut parts: Vec<String> = titles
        .iter()
        .map(|t| slug(t, 40))
        .filter(|t| !t.is_empty())
        .collect();
    parts.push(what.to_owned());
    parts.push(day.to_string());
    parts.join("_")
}

fn seconds(ms: i64) -> Cell<'static> {
    #[allow(clippy::cast_precision_loss)]
    Cell::Float(ms as f64 / 1000.0)
}

/// A 1-based row number cell.
fn ordinal(i: usize) -> Cell<'static> {
    Cell::Int(i64::try_from(i + 1).unwrap_or(0))
}

/// A writer's failure, as the 500 it becomes.
pub fn sheet_error(e: sheets::SheetError) -> ApiError {
    ApiError::Unexpected(anyhow::Error::new(e))
}

/// Writes `items` numbered from 1, then a total line labelled `Tổng cộng`, as units report.
pub fn numbered_with_total<L>(
    sheet: &mut Sheet,
    items: &[L],
    total: &L,
    row: impl Fn(Cell<'static>, &L) -> Vec<Cell<'static>>,
) -> Result<(), ApiError> {
    for (i, l) in items.iter().enumerate() {
        sheet.row(&row(ordinal(i), l)).map_err(sheet_error)?;
    }
    sheet
        .row(&row(Cell::from("Tổng cộng"), total))
        .map_err(sheet_error)
}

/// Pairs each row of a page with the name and phone of its entrant (one lookup per page).
async fn with_people<R>(
    state: &AppState,
    rows: Vec<R>,
    user: impl Fn(&R) -> Uuid,
) -> Result<Vec<(R, Option<Person>)>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(&user).collect();
    let mut people = persistence::results::people(state.reporting_db().await?, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let person = people.remove(&user(&r));
            (r, person)
        })
        .collect())
}
