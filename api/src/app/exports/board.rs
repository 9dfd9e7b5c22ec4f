//! Exports of a round's or a contest's board: its ranking (live until published, then the
//! published one), its prize list, or participation by unit. A round and a contest differ only
//! in their title, file names and the lines of their published ranking, so both go through
//! one [`export`] over an [`Subject`].

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sheets::Format;
use uuid::Uuid;

use super::ranking::{self, CONTEST_FINAL_HEADER, FinalRows, LIVE_HEADER, ROUND_FINAL_HEADER};
use super::{ExportPlan, Report, export_unit, exported_at_line, file_stem, parse_format, units};
use crate::app::boards::{contest_ranking, round_ranking};
use crate::caches::directory::Snapshot;
use crate::domain::ids::{ContestId, RoundId, UserId};
use crate::error::{ApiError, Conflict};
use crate::persistence::{
    self,
    contests::{Contest, Round},
};
use crate::reports::Layout;
use crate::scoring::{Board, TallyScope};
use crate::state::AppState;

/// An export as asked: `format` as given (`xlsx` or `csv`), the subtree, and which report.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// `xlsx` or `csv`.
    pub format: String,
    /// The subtree to export (required unless the caller organises the contest).
    pub unit_id: Option<Uuid>,
    /// Which report.
    pub report: Report,
}

/// What is exported: one round of a contest, or the contest as a whole (its title, file names,
/// tallies, live board and published ranking follow from it).
enum Subject {
    Round(Box<Round>),
    Contest,
}

/// A round's ranking, prize list or participation by unit.
pub async fn round(
    state: Arc<AppState>,
    user: UserId,
    round_id: RoundId,
    req: ExportRequest,
) -> Result<ExportPlan, ApiError> {
    let format = parse_format(&req.format)?;
    let round = persistence::contests::get_round(&state.db, round_id).await?;
    let contest = persistence::contests::get(&state.db, round.contest_id).await?;
    export(
        state,
        user,
        contest,
        Subject::Round(Box::new(round)),
        format,
        req,
    )
    .await
}

/// A contest's cumulative ranking, overall prize list or participation by unit.
pub async fn contest(
    state: Arc<AppState>,
    user: UserId,
    contest_id: ContestId,
    req: ExportRequest,
) -> Result<ExportPlan, ApiError> {
    let format = parse_format(&req.format)?;
    let contest = persistence::contests::get(&state.db, contest_id).await?;
    export(state, user, contest, Subject::Contest, format, req).await
}

impl Subject {
    fn title(&self, contest: &Contest) -> String {
        match self {
            Self::Round(r) => format!("{} – {}", contest.settings.title, r.settings.name),
            Self::Contest => format!("{} – tổng hợp các tuần", contest.settings.title),
        }
    }

    /// The export's file name: contest (and round) titles, what it is, today's date.
    fn file_stem(&self, contest: &Contest, what: &str, now: DateTime<Utc>) -> String {
        match self {
            Self::Round(r) => file_stem(&[&contest.settings.title, &r.settings.name], what, now),
            Self::Contest => file_stem(&[&contest.settings.title], what, now),
        }
    }

    fn id(&self, contest: &Contest) -> Uuid {
        match self {
            Self::Round(r) => r.id.into_uuid(),
            Self::Contest => contest.id.into_uuid(),
        }
    }

    fn tally(&self, contest: &Contest) -> TallyScope {
        match self {
            Self::Round(r) => TallyScope::Round {
                contest_id: contest.id,
                round_id: r.id,
            },
            Self::Contest => TallyScope::Contest {
                contest_id: contest.id,
            },
        }
    }

    fn live_board(&self, contest: &Contest, unit_id: Option<Uuid>) -> Board {
        match self {
            Self::Round(r) => Board::Round {
                contest_id: contest.id,
                round_id: r.id,
                unit_id,
            },
            Self::Contest => Board::Contest {
                contest_id: contest.id,
                unit_id,
            },
        }
    }

    fn published_at(&self, contest: &Contest) -> Option<DateTime<Utc>> {
        match self {
            Self::Round(r) => r.published_at,
            Self::Contest => contest.published_at,
        }
    }

    /// The layout of the published ranking or prize list.
    fn published_layout(
        &self,
        scope_name: &str,
        prizes_only: bool,
        format: Format,
        title: String,
        stem: impl Fn(&str) -> String,
    ) -> Layout {
        let (header, file_stem, sheet_name, title_rows) = match self {
            Self::Round(round) => (
                ROUND_FINAL_HEADER.to_vec(),
                stem(if prizes_only {
                    "giai-thuong"
                } else {
                    "ket-qua"
                }),
                if prizes_only {
                    "Giải thưởng"
                } else {
                    "Kết quả"
                },
                vec![
                    title,
                    format!("Phạm vi: {scope_name}"),
                    format!(
                        "Đáp án câu hỏi dự đoán: {}",
                        round
                            .prediction_actual
                            .map_or_else(|| "–".to_owned(), |v| v.to_string())
                    ),
                ],
            ),
            Self::Contest => (
                CONTEST_FINAL_HEADER.to_vec(),
                stem(if prizes_only {
                    "giai-chung-cuoc"
                } else {
                    "ket-qua-chung-cuoc"
                }),
                "Chung cuộc",
                vec![title, "Kết quả chung cuộc".into()],
            ),
        };
        Layout {
            format,
            file_stem,
            sheet_name: sheet_name.into(),
            title_rows,
            header,
        }
    }

    fn live_note(&self, scope_name: &str) -> String {
        match self {
            Self::Round(_) => format!("Phạm vi: {scope_name} (chưa công bố, bảng trực tiếp)"),
            Self::Contest => "Chưa công bố kết quả chung cuộc (bảng trực tiếp)".into(),
        }
    }
}

/// The export of `subject` as asked, with the time it was made (Vietnam time) above the
/// header.
async fn export(
    state: Arc<AppState>,
    user: UserId,
    contest: Contest,
    subject: Subject,
    format: Format,
    req: ExportRequest,
) -> Result<ExportPlan, ApiError> {
    let now = Utc::now();
    let plan = plan_export(state, user, contest, subject, format, req, now).await?;
    Ok(plan.with_title_row(exported_at_line(now)))
}

/// Plans the export of `subject` as asked: checks the caller's scope, then the report.
async fn plan_export(
    state: Arc<AppState>,
    user: UserId,
    contest: Contest,
    subject: Subject,
    format: Format,
    req: ExportRequest,
    now: DateTime<Utc>,
) -> Result<ExportPlan, ApiError> {
    let units: Arc<Snapshot> = state.units.snapshot(&state.db).await?;
    let unit = export_unit(&state, user, &contest, req.unit_id, &units).await?;
    let scope_name = unit.map_or_else(|| "Toàn bộ".to_owned(), |u| units.name(Some(u)).to_owned());
    let title = subject.title(&contest);
    let id = subject.id(&contest);
    let stem = |what: &str| subject.file_stem(&contest, what, now);
    let published_at = subject.published_at(&contest);
    let refused = req.report == Report::Prizes && published_at.is_none();
    if req.report != Report::Units && !refused {
        // Rankings and prize lists carry full names and phone numbers: personal data, so the
        // export is recorded (Law 91/2025/QH15), under the subtree exported.
        let (action, round_id) = match &subject {
            Subject::Round(r) => ("export.round", Some(r.id)),
            Subject::Contest => ("export.contest", None),
        };
        persistence::audit::record_at(
            &state.db,
            Some(user),
            action,
            Some(id),
            Some(crate::domain::ids::UnitId::from_uuid(
                unit.unwrap_or(contest.settings.unit_id.into_uuid()),
            )),
            serde_json::json!({
                "report": if req.report == Report::Prizes { "prizes" } else { "ranking" },
                "format": format.extension(),
                "contest_id": contest.id,
                "round_id": round_id,
                "title": title,
            }),
        )
        .await?;
    }
    match (req.report, published_at) {
        (Report::Units, _) => {
            let parent = unit.unwrap_or(contest.settings.unit_id.into_uuid());
            let scope = subject.tally(&contest);
            units::plan(
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
        (Report::Ranking, None) => {
            let layout = Layout {
                format,
                file_stem: stem("xep-hang"),
                sheet_name: "Xếp hạng".into(),
                title_rows: vec![title, subject.live_note(&scope_name)],
                header: LIVE_HEADER.to_vec(),
            };
            let board = subject.live_board(&contest, unit);
            Ok(ranking::live(state, units, board, layout))
        }
        (Report::Prizes, None) => Err(Conflict::NotPublished {
            of: match subject {
                Subject::Round(_) => "round",
                Subject::Contest => "contest",
            },
        }
        .into()),
        (report, Some(published_at)) => {
            let prizes_only = report == Report::Prizes;
            let layout = subject.published_layout(&scope_name, prizes_only, format, title, stem);
            Ok(match subject {
                Subject::Round(_) => {
                    let ranking =
                        round_ranking(&state, RoundId::from_uuid(id), published_at).await?;
                    let rows = FinalRows::of(&ranking, &units, unit, prizes_only);
                    ranking::published(state, units, rows, layout)
                }
                Subject::Contest => {
                    let ranking =
                        contest_ranking(&state, ContestId::from_uuid(id), published_at).await?;
                    let rows = FinalRows::of(&ranking, &units, unit, prizes_only);
                    ranking::published(state, units, rows, layout)
                }
            })
        }
    }
}
