//! The ranking and prize-list plans: a live board (a round's or a contest's, not yet
//! published) and a published ranking (every line, or only the prize winners), each written
//! page by page with the people of the next pages read while one is written.

use std::sync::Arc;

use sheets::Cell;
use uuid::Uuid;

use super::{
    ExportPlan, PAGE, person_cells, seconds, sheet_error, unit_cells, vietnam_time, with_people,
};
use crate::attempts::from_ms;
use crate::caches::directory::Snapshot;
use crate::caches::frozen::{Ranked, Ranking};
use crate::error::ApiError;
use crate::persistence::results::{FinalRow, OverallRow, Person};
use crate::reports::{self, Layout, Sheet};
use crate::scoring::{Board, Standing};
use crate::state::AppState;

/// Columns of a live board.
pub const LIVE_HEADER: [&str; 8] = [
    "Hạng",
    "Họ và tên",
    "Điện thoại",
    "Đơn vị",
    "Đơn vị cấp trên",
    "Điểm",
    "Thời gian làm bài (giây)",
    "Nộp bài lúc (giờ Việt Nam, UTC+7)",
];

/// Columns of a round's published results.
pub const ROUND_FINAL_HEADER: [&str; 12] = [
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
    "Nộp bài lúc (giờ Việt Nam, UTC+7)",
    "Giải",
];

/// Columns of a contest's published overall results.
pub const CONTEST_FINAL_HEADER: [&str; 10] = [
    "Hạng",
    "Họ và tên",
    "Điện thoại",
    "Đơn vị",
    "Đơn vị cấp trên",
    "Tổng điểm",
    "Số tuần thi",
    "Tổng thời gian (giây)",
    "Lần nộp bài cuối (giờ Việt Nam, UTC+7)",
    "Giải",
];

/// The plan of a live board: every entrant on it in rank order.
pub fn live(
    state: Arc<AppState>,
    units: Arc<Snapshot>,
    board: Board,
    layout: Layout,
) -> ExportPlan {
    ExportPlan::new(layout, move |sheet, rt| {
        write_live_board(sheet, rt, &state, &units, board)
    })
}

/// Reads one page of a live board and its people.
async fn live_page_with_people(
    state: Arc<AppState>,
    board: Board,
    offset: u64,
) -> Result<Vec<(Standing, Option<Person>)>, ApiError> {
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
                        vietnam_time(from_ms(s.finished_at_ms)),
                    ])
                    .map_err(sheet_error)?;
            }
            Ok(())
        },
    )
}

/// Which lines of a published ranking an export writes: the whole ranking or a unit's subtree,
/// or only the prize winners among them (few, so listed up front).
pub enum FinalRows<R> {
    /// Every line of the ranking, or of a unit's subtree.
    All(Arc<Ranking<R>>, Option<Uuid>),
    /// These lines.
    Listed(Vec<R>),
}

impl<R: Ranked + Clone> FinalRows<R> {
    /// The lines of `ranking` within `unit` (everyone without one), or only its prize winners.
    pub fn of(
        ranking: &Arc<Ranking<R>>,
        units: &Snapshot,
        unit: Option<Uuid>,
        prizes_only: bool,
    ) -> Self {
        if prizes_only {
            Self::Listed(
                ranking
                    .prized()
                    .filter(|r| unit.is_none_or(|u| units.is_within(r.unit_id(), u)))
                    .cloned()
                    .collect(),
            )
        } else {
            Self::All(Arc::clone(ranking), unit)
        }
    }

    fn page(&self, units: &Snapshot, offset: u64, limit: u64) -> Vec<R> {
        match self {
            Self::All(ranking, unit) => ranking
                .view(units, *unit)
                .page(offset, limit)
                .into_iter()
                .map(|(_, r)| r.clone())
                .collect(),
            Self::Listed(rows) => {
                let (start, end) = crate::domain::paging::page_bounds(rows.len(), offset, limit);
                rows[start..end].to_vec()
            }
        }
    }
}

/// The cells of one line of a published ranking, given its name, phone, unit and units above.
pub trait FinalLine: Ranked + Clone {
    /// The row.
    fn cells<'a>(
        &self,
        name: Cell<'static>,
        phone: Cell<'static>,
        unit_name: Cell<'a>,
        above: Cell<'static>,
    ) -> Vec<Cell<'a>>;
}

impl FinalLine for FinalRow {
    fn cells<'a>(
        &self,
        name: Cell<'static>,
        phone: Cell<'static>,
        unit_name: Cell<'a>,
        above: Cell<'static>,
    ) -> Vec<Cell<'a>> {
        vec![
            Cell::Int(i64::from(self.rank)),
            name,
            phone,
            unit_name,
            above,
            Cell::Int(self.score),
            Cell::Int(self.max_score),
            self.prediction.map_or(Cell::Empty, Cell::Int),
            self.prediction_error.map_or(Cell::Empty, Cell::Int),
            seconds(self.time_used_ms),
            vietnam_time(self.finished_at),
            self.prize.clone().map_or(Cell::Empty, Cell::from),
        ]
    }
}

impl FinalLine for OverallRow {
    fn cells<'a>(
        &self,
        name: Cell<'static>,
        phone: Cell<'static>,
        unit_name: Cell<'a>,
        above: Cell<'static>,
    ) -> Vec<Cell<'a>> {
        vec![
            Cell::Int(i64::from(self.rank)),
            name,
            phone,
            unit_name,
            above,
            Cell::Int(self.score),
            Cell::Int(i64::from(self.rounds)),
            seconds(self.time_used_ms),
            vietnam_time(self.last_finished_at),
            self.prize.clone().map_or(Cell::Empty, Cell::from),
        ]
    }
}

/// The plan of a published ranking's lines.
pub fn published<R: FinalLine>(
    state: Arc<AppState>,
    units: Arc<Snapshot>,
    rows: FinalRows<R>,
    layout: Layout,
) -> ExportPlan {
    ExportPlan::new(layout, move |sheet, rt| {
        write_final(sheet, rt, &state, &units, &rows)
    })
}

/// Writes the lines of a published ranking in pages, the people of the next pages read while
/// one is written.
fn write_final<R: FinalLine>(
    sheet: &mut Sheet,
    rt: &tokio::runtime::Handle,
    state: &Arc<AppState>,
    units: &Arc<Snapshot>,
    rows: &FinalRows<R>,
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
                sheet
                    .row(&r.cells(name, phone, unit_name, above))
                    .map_err(sheet_error)?;
            }
            Ok(())
        },
    )
}
