//! The participation-by-unit plan: a row per child of a unit, ranked by participation rate,
//! and the unit's own total, in a round or over a whole contest.

use sheets::{Cell, Format};
use uuid::Uuid;

use super::{ExportPlan, sheet_error};
use crate::app::boards::{UnitOrder, UnitStanding, parent_and_children};
use crate::caches::directory::Snapshot;
use crate::error::ApiError;
use crate::reports::{self, Layout, Sheet};
use crate::scoring::TallyScope;
use crate::state::AppState;

const UNITS_HEADER: [&str; 7] = [
    "STT",
    "Đơn vị",
    "Số đoàn viên",
    "Số người tham gia",
    "Tỷ lệ tham gia",
    "Tỷ lệ (%)",
    "Điểm trung bình",
];

/// Participation by unit: a row per child of `parent` (ranked by rate) and a total.
pub async fn plan(
    state: &AppState,
    units: &Snapshot,
    scope: TallyScope,
    parent: Uuid,
    format: Format,
    title: String,
    file_stem: String,
) -> Result<ExportPlan, ApiError> {
    let (parent_line, items) =
        parent_and_children(state, units, &scope, parent, UnitOrder::Rate).await?;
    let layout = Layout {
        format,
        file_stem,
        sheet_name: "Tham gia".into(),
        title_rows: vec![title, format!("Đơn vị: {}", units.name(Some(parent)))],
        header: UNITS_HEADER.to_vec(),
    };
    Ok(ExportPlan::new(layout, move |sheet, _| {
        units_rows(sheet, &parent_line, &items)
    }))
}

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
