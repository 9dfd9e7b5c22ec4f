//! The unit participation report: how many people of a unit's subtree took part in contests
//! between two dates, per child unit, against their declared members, as JSON or a file in the
//! shape units report upward. The counting is `reports::participation`.

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use sheets::Cell;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ExportPlan, Output, REPORTERS, numbered_with_total, parse_format};
use crate::auth::Caller;
use crate::domain::ids::{UnitId, UserId};
use crate::domain::time::{vietnam_day_start, vietnam_text};
use crate::error::ApiError;
use crate::reports::{self, Layout, participation};
use crate::state::AppState;

/// The report asked for: the unit, the days (inclusive, Vietnam time), and `format` for a file.
#[derive(Debug, Clone)]
pub struct ParticipationRequest {
    /// The unit.
    pub unit_id: Uuid,
    /// First day.
    pub from: NaiveDate,
    /// Last day.
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
    /// The day the member count was declared ("Số đoàn viên tính đến ngày").
    pub members_as_of: Option<NaiveDate>,
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
        members_as_of: l.members_as_of,
        participants: l.participants,
        attempts: l.attempts,
    }
}

/// A unit's participation (organizers and unit admins over the unit), at most a year.
pub async fn report(
    state: &AppState,
    user: UserId,
    req: ParticipationRequest,
) -> Result<Output<ParticipationResponse>, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let unit = caller
        .require_unit(&state.db, REPORTERS, UnitId::from_uuid(req.unit_id))
        .await?;
    let (from, to) = (req.from, req.to);
    if to < from || (to - from).num_days() > 366 {
        return Err(ApiError::field(
            "/to",
            "the range is at most a year and ends on or after its first day",
        ));
    }
    let format = req.format.as_deref().map(parse_format).transpose()?;
    // The days are Vietnamese days: a unit reporting "01/12 to 31/12" means Vietnam time.
    let report = participation::report(
        state,
        unit.id.into_uuid(),
        vietnam_day_start(from),
        vietnam_day_start(to) + chrono::Duration::days(1),
    )
    .await?;
    let body = ParticipationResponse {
        from,
        to,
        total: participation_line(report.total),
        items: report
            .children
            .into_iter()
            .map(participation_line)
            .collect(),
    };
    let Some(format) = format else {
        return Ok(Output::Json(body));
    };
    let layout = Layout {
        format,
        file_stem: format!(
            "bao-cao-tham-gia-{}-tu-{}-den-{}",
            unit.code.to_lowercase(),
            from.format("%d-%m-%Y"),
            to.format("%d-%m-%Y")
        ),
        sheet_name: "Tham gia".into(),
        title_rows: vec![
            "BÁO CÁO KẾT QUẢ THAM GIA CÁC CUỘC THI TRỰC TUYẾN".to_owned(),
            format!("Đơn vị: {} (mã {})", unit.name, unit.code),
            format!(
                "Thời gian: từ ngày {} đến hết ngày {} (giờ Việt Nam)",
                from.format("%d/%m/%Y"),
                to.format("%d/%m/%Y")
            ),
            format!("Xuất lúc: {} (giờ Việt Nam)", vietnam_text(Utc::now())),
        ],
        header: vec![
            "STT",
            "Đơn vị",
            "Mã",
            "Số đoàn viên",
            "Tính đến ngày",
            "Số người tham gia",
            "Số lượt thi",
            "Tỷ lệ tham gia",
        ],
    };
    Ok(Output::File(ExportPlan::new(layout, move |sheet, _| {
        numbered_with_total(sheet, &body.items, &body.total, |stt, l| {
            vec![
                stt,
                Cell::from(l.name.clone()),
                Cell::from(l.code.clone()),
                l.members.map_or(Cell::Empty, |m| Cell::Int(i64::from(m))),
                l.members_as_of.map_or(Cell::Empty, |d| {
                    Cell::from(d.format("%d/%m/%Y").to_string())
                }),
                Cell::Int(l.participants),
                Cell::Int(l.attempts),
                Cell::from(l.rate_text.clone()),
            ]
        })
    })))
}
