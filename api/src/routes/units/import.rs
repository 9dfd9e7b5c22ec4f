//! Importing a unit tree from CSV or XLSX: all rows or none, every bad row reported.
//!
//! Columns (header row, any order, case-insensitive; Vietnamese names accepted):
//! `code` (mã), `name` (tên), `parent_code` (mã cấp trên; empty = a root), `member_count`
//! (số đoàn viên), `member_count_date` (ngày số liệu; `YYYY-MM-DD`, or day first: `DD/MM/YYYY`,
//! `DD-MM-YYYY`, `DD.MM.YYYY`).
//! A parent may be an existing unit or another row of the file, in any order. The row checks
//! and the plan live in [`crate::app::units`].

use actix_web::{HttpRequest, post, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sheets::read::ReadLimits;
use utoipa::{IntoParams, ToSchema};

use crate::app::units;
use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::routes::extract::Query;
use crate::routes::upload;
use crate::state::AppState;

/// Most rows one import may hold.
const MAX_ROWS: usize = 50_000;

/// Import options.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// Check everything and report, but write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// The outcome of an import that passed every check.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = UnitImportResult)]
pub struct ImportResult {
    /// Units created (0 on a dry run).
    pub imported: usize,
    /// Units that would be / were created.
    pub valid_rows: usize,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// On a dry run, the units that would be created, row by row (the first 200).
    pub rows: Vec<units::PlannedUnit>,
}

/// Multipart form with the file.
#[derive(ToSchema)]
#[schema(as = UnitImportForm)]
#[allow(dead_code)]
pub struct ImportForm {
    /// A `.csv` (UTF-8) or `.xlsx` file.
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

/// Imports units from CSV or XLSX. Any bad row means nothing is imported; the 422 answer lists
/// every bad row as `/rows/{row}/{column}` (rows numbered as in the spreadsheet, header = 1).
#[utoipa::path(
    tag = "units",
    params(ImportQuery),
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Imported (or, on a dry run, would be)", body = ImportResult),
        (status = 403, description = "Not a unit admin", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows; nothing imported", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/units/import")]
#[tracing::instrument(name = "Import units", skip_all, fields(user.id = %user.id))]
pub async fn import_units(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    payload: web::Payload,
    query: Query<ImportQuery>,
) -> Result<web::Json<ImportResult>, ApiError> {
    let limits = import_limits(&state);
    let max_bytes = state.settings.max_upload_bytes;
    let file = async {
        let file = upload::read_file(&req, payload, "file", max_bytes).await?;
        let file_name = file.file_name.clone();
        Ok((file_name, upload::read_table(file, limits).await?))
    };
    let today = Utc::now().date_naive();
    let done = units::import_units(&state, user.id, file, query.dry_run, today).await?;
    Ok(web::Json(ImportResult {
        imported: done.imported,
        valid_rows: done.valid_rows,
        dry_run: done.dry_run,
        rows: done.rows,
    }))
}

/// What one import may hold: the upload limit and [`MAX_ROWS`].
pub(crate) fn import_limits(state: &AppState) -> ReadLimits {
    ReadLimits {
        max_file_bytes: state.settings.max_upload_bytes,
        max_rows: MAX_ROWS,
        ..ReadLimits::default()
    }
}
