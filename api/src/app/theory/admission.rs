//! Importing members' admission dates (ngày kết nạp) from a table read from CSV or XLSX: all
//! rows or none.
//!
//! Columns (header row, any order, case-insensitive; Vietnamese names accepted): `phone`
//! (số điện thoại), `admitted_at` (ngày kết nạp; `YYYY-MM-DD`, or day first: `DD/MM/YYYY`, `DD-MM-YYYY`, `DD.MM.YYYY`). Each phone must
//! be a member within the caller's scope.

use std::collections::HashMap;

use std::future::Future;

use chrono::{NaiveDate, Utc};
use sea_orm::TransactionTrait;
use serde::Serialize;
use serde_json::json;
use sheets::read::Table;
use utoipa::ToSchema;
use uuid::Uuid;

use super::THEORY_MANAGERS;
use crate::auth::Caller;
use crate::domain::ids::UserId;
use crate::domain::person::parse_admitted_at;
use crate::domain::phone::Phone;
use crate::domain::text::fold;
use crate::error::{ApiError, FieldError};
use crate::persistence::{self, PersistenceError};
use crate::state::AppState;
use sheets::read::parse_date;

/// The outcome of an import that passed every check.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdmissionImportResult {
    /// Members updated (0 on a dry run).
    pub updated: usize,
    /// Rows that would be / were applied.
    pub valid_rows: usize,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// On a dry run, what the first [`PREVIEW_ROWS`] rows would change, row by row (empty
    /// otherwise).
    pub rows: Vec<AdmissionPreviewRow>,
}

/// Rows a dry run describes one by one.
pub const PREVIEW_ROWS: usize = 200;

/// What one row of an admission import would change.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdmissionPreviewRow {
    /// The spreadsheet row (header = 1).
    pub row: usize,
    /// The member.
    pub user_id: Uuid,
    /// Họ tên.
    pub full_name: String,
    /// Phone.
    pub phone: String,
    /// Their unit's name.
    pub unit_name: String,
    /// The admission date on record now.
    pub current: Option<NaiveDate>,
    /// The date the row sets.
    pub admitted_at: NaiveDate,
}

fn column_of(header: &str) -> Option<usize> {
    match fold(header).replace([' ', '-'], "_").as_str() {
        "phone" | "so_dien_thoai" | "dien_thoai" | "sdt" => Some(0),
        "admitted_at" | "ngay_ket_nap" | "ngay_vao_doan" => Some(1),
        _ => None,
    }
}

/// Sets many members' admission dates at once (organizers and unit admins, for members in
/// their scope). `file` reads the upload (its name and table); it is read only once the
/// caller may import. Any bad row means nothing is changed; the 422 answer lists every bad
/// row as `/rows/{row}/{column}` (rows numbered as in the spreadsheet, header = 1).
pub async fn import(
    state: &AppState,
    user: UserId,
    dry_run: bool,
    file: impl Future<Output = Result<(Option<String>, Table), ApiError>>,
) -> Result<AdmissionImportResult, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    if !caller.has_any(THEORY_MANAGERS) {
        return Err(ApiError::Forbidden);
    }
    let (file_name, table) = file.await?;
    let (plan, scope_unit) = check_rows(state, &caller, table)
        .await
        .map_err(crate::app::tables::error_in_vietnamese)?;
    let valid_rows = plan.len();
    if dry_run {
        return Ok(AdmissionImportResult {
            updated: 0,
            valid_rows,
            dry_run: true,
            rows: preview(state, &plan).await?,
        });
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    for (_, id, date) in &plan {
        persistence::theory::set_admitted_at(&txn, *id, *date).await?;
    }
    persistence::audit::record_at(
        &txn,
        Some(user),
        "user.admission_import",
        None,
        scope_unit,
        json!({"count": valid_rows, "file": file_name}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    tracing::info!(count = valid_rows, "admission dates imported");
    Ok(AdmissionImportResult {
        updated: valid_rows,
        valid_rows,
        dry_run: false,
        rows: Vec::new(),
    })
}

/// The first [`PREVIEW_ROWS`] rows of a checked plan, with each member's name, unit and the
/// date on record now.
async fn preview(
    state: &AppState,
    plan: &[(usize, UserId, NaiveDate)],
) -> Result<Vec<AdmissionPreviewRow>, ApiError> {
    let mut units: HashMap<crate::domain::ids::UnitId, String> = HashMap::new();
    let mut rows = Vec::new();
    for (row, id, date) in plan.iter().take(PREVIEW_ROWS) {
        let person = persistence::users::get(&state.db, *id).await?;
        let unit_name = match units.get(&person.unit_id) {
            Some(name) => name.clone(),
            None => {
                let name = persistence::units::get(&state.db, person.unit_id)
                    .await?
                    .name;
                units.insert(person.unit_id, name.clone());
                name
            }
        };
        rows.push(AdmissionPreviewRow {
            row: *row,
            user_id: id.into_uuid(),
            full_name: person.full_name,
            phone: person.phone,
            unit_name,
            current: person.admitted_at,
            admitted_at: *date,
        });
    }
    Ok(rows)
}

/// Checks every row of the table: the header's columns, each phone and date, duplicates, and
/// that each member exists within the caller's scope. Returns (row, member, date) for every row, or
/// every bad row at once, in row order.
async fn check_rows(
    state: &AppState,
    caller: &Caller,
    table: Table,
) -> Result<
    (
        Vec<(usize, UserId, NaiveDate)>,
        Option<crate::domain::ids::UnitId>,
    ),
    ApiError,
> {
    let mut errors = Vec::new();
    let parsed = parse_rows(table, &mut errors)?;
    let today = Utc::now().date_naive();
    let phones: Vec<String> = parsed.iter().map(|p| p.1.clone()).collect();
    let accounts: HashMap<String, persistence::theory::ByPhone> =
        persistence::theory::users_by_phones(&state.db, &phones)
            .await?
            .into_iter()
            .map(|u| (u.phone.clone(), u))
            .collect();
    let mut unit_paths = HashMap::new();
    let mut plan = Vec::new();
    for (row, phone, date) in parsed {
        let Some(account) = accounts.get(&phone) else {
            errors.push(FieldError::new(
                format!("/rows/{row}/phone"),
                "no member with this phone in your scope",
            ));
            continue;
        };
        let path = match unit_paths.get(&account.unit_id) {
            Some(p) => Clone::clone(p),
            None => {
                let unit = persistence::units::get(&state.db, account.unit_id).await?;
                unit_paths.insert(account.unit_id, unit.path.clone());
                unit.path
            }
        };
        if !caller.covers(THEORY_MANAGERS, &path) {
            // Outside the caller's scope reads the same as unknown.
            errors.push(FieldError::new(
                format!("/rows/{row}/phone"),
                "no member with this phone in your scope",
            ));
            continue;
        }
        let founded =
            chrono::NaiveDate::from_ymd_opt(1931, 3, 26).unwrap_or(chrono::NaiveDate::MIN);
        let checked = match account.birth_date {
            Some(birth) => parse_admitted_at(date, birth, today).map_err(|e| e.0),
            None if date > today => Err("admission date is in the future".to_owned()),
            None if date < founded => {
                Err("admission date is before the Union was founded (26/3/1931)".to_owned())
            }
            None => Ok(date),
        };
        match checked {
            Ok(date) => plan.push((row, account.id, date)),
            Err(message) => {
                errors.push(FieldError::new(format!("/rows/{row}/admitted_at"), message))
            }
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| {
            let row: usize = e
                .pointer
                .split('/')
                .nth(2)
                .and_then(|r| r.parse().ok())
                .unwrap_or(0);
            (row, e.pointer.clone())
        });
        return Err(ApiError::Validation(errors));
    }
    // The audit log files the import under the deepest unit holding every member it changed.
    let scope_unit = crate::domain::unit::TreePath::common_ancestor(unit_paths.values());
    Ok((plan, scope_unit))
}

/// Reads the cells of every row: (row, phone, date) of the rows whose phone and date parse, a
/// field error in `errors` for every other cell and for a phone already on an earlier row. A
/// header without the columns, or a file without rows, is refused outright.
fn parse_rows(
    table: Table,
    errors: &mut Vec<FieldError>,
) -> Result<Vec<(usize, String, NaiveDate)>, ApiError> {
    let columns =
        crate::app::tables::columns(&table, column_of, &[(0, "phone"), (1, "admitted_at")])?;
    // (row, phone, date) of rows whose cells parse.
    let mut parsed = Vec::new();
    let mut first_row_of: HashMap<String, usize> = HashMap::new();
    for table_row in table.rows {
        let row = table_row.number;
        let (mut phone, mut date) = (String::new(), String::new());
        for (cell, column) in table_row.cells.into_iter().zip(&columns) {
            match column {
                Some(0) => phone = cell,
                Some(1) => date = cell,
                _ => {}
            }
        }
        let phone = match Phone::parse(&phone) {
            Ok(p) => Some(p.as_str().to_owned()),
            Err(e) => {
                errors.push(FieldError::new(format!("/rows/{row}/phone"), e.0));
                None
            }
        };
        let date = match parse_date(&date) {
            Some(d) => Some(d),
            None => {
                errors.push(FieldError::new(
                    format!("/rows/{row}/admitted_at"),
                    format!("`{date}` is not a date (DD/MM/YYYY or YYYY-MM-DD)"),
                ));
                None
            }
        };
        if let Some(p) = &phone {
            if let Some(first) = first_row_of.get(p) {
                errors.push(FieldError::new(
                    format!("/rows/{row}/phone"),
                    format!("this phone is already on row {first}"),
                ));
            } else {
                first_row_of.insert(p.clone(), row);
            }
        }
        if let (Some(p), Some(d)) = (phone, date) {
            parsed.push((row, p, d));
        }
    }
    if parsed.is_empty() && errors.is_empty() {
        return Err(ApiError::field(
            "/file",
            "the file has a header but no rows",
        ));
    }
    Ok(parsed)
}
