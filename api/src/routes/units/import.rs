//! Importing a unit tree from CSV or XLSX: all rows or none, every bad row reported.
//!
//! Columns (header row, any order, case-insensitive; Vietnamese names accepted):
//! `code` (mã), `name` (tên), `parent_code` (mã cấp trên; empty = a root), `member_count`
//! (số đoàn viên), `member_count_date` (ngày số liệu; `YYYY-MM-DD`, or day first: `DD/MM/YYYY`,
//! `DD-MM-YYYY`, `DD.MM.YYYY`).
//! A parent may be an existing unit or another row of the file, in any order.

use std::collections::{HashMap, HashSet};

use actix_web::{HttpRequest, post, web};
use chrono::Utc;
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sheets::read::{ReadLimits, Table, parse_date};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AuthUser, Caller};
use crate::domain::ids::UnitId;
use crate::domain::role::Role;
use crate::domain::text::fold;
use crate::domain::unit::{MAX_DEPTH, MemberCount, UnitCode, UnitName};
use crate::error::{ApiError, FieldError, Problem};
use crate::persistence::{self, PersistenceError, units::Unit};
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
    let caller = Caller::load(&state.db, user.id).await?;
    if !caller.has_any(&[Role::UnitAdmin]) {
        return Err(ApiError::Forbidden);
    }
    let file = upload::read_file(&req, payload, "file", state.settings.max_upload_bytes).await?;
    let file_name = file.file_name.clone();
    let table = upload::read_table(file, import_limits(&state)).await?;
    let rows = read_rows(table)?;
    let plan = plan(&state, &caller, rows).await?;
    let valid_rows = plan.len();
    if query.dry_run {
        return Ok(web::Json(ImportResult {
            imported: 0,
            valid_rows,
            dry_run: true,
        }));
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let mut created: HashMap<String, Unit> = HashMap::new();
    for planned in plan {
        let parent = match planned.parent {
            ParentRef::None => None,
            ParentRef::Existing(unit) => Some(unit),
            ParentRef::InFile(code) => created.get(&code).cloned(),
        };
        let code_text = planned.code.as_str().to_owned();
        let unit = persistence::units::insert(
            &txn,
            persistence::units::NewUnit {
                id: UnitId::new(),
                parent,
                name: planned.name,
                code: planned.code,
                member_count: planned.member_count,
            },
        )
        .await
        .map_err(|e| match e {
            // Another request took the code since we checked: report it like a bad row.
            PersistenceError::Duplicate(_) => ApiError::Validation(vec![FieldError::new(
                format!("/rows/{}/code", planned.row),
                "another unit already has this code",
            )]),
            other => other.into(),
        })?;
        created.insert(code_text, unit);
    }
    persistence::audit::record(
        &txn,
        Some(user.id),
        "unit.import",
        None,
        json!({"count": valid_rows, "file": file_name}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    // Boards read names, member counts and paths from the in-memory tree.
    state.units.invalidate();
    tracing::info!(count = valid_rows, "units imported");
    Ok(web::Json(ImportResult {
        imported: valid_rows,
        valid_rows,
        dry_run: false,
    }))
}

/// One data row as text, with its spreadsheet row number.
#[derive(Debug, Default)]
struct RawRow {
    row: usize,
    code: String,
    name: String,
    parent_code: String,
    member_count: String,
    member_count_date: String,
}

enum ParentRef {
    None,
    Existing(Unit),
    InFile(String),
}

struct Planned {
    row: usize,
    code: UnitCode,
    name: UnitName,
    member_count: Option<MemberCount>,
    parent: ParentRef,
}

fn column_of(header: &str) -> Option<usize> {
    match fold(header).replace([' ', '-'], "_").as_str() {
        "code" | "ma" | "ma_don_vi" => Some(0),
        "name" | "ten" | "ten_don_vi" => Some(1),
        "parent_code" | "ma_cap_tren" | "ma_don_vi_cap_tren" => Some(2),
        "member_count" | "so_doan_vien" => Some(3),
        "member_count_date" | "ngay_so_lieu" => Some(4),
        _ => None,
    }
}

/// What one import may hold: the upload limit and [`MAX_ROWS`].
pub(crate) fn import_limits(state: &AppState) -> ReadLimits {
    ReadLimits {
        max_file_bytes: state.settings.max_upload_bytes,
        max_rows: MAX_ROWS,
        ..ReadLimits::default()
    }
}

/// Picks the import's columns out of a table read from CSV or XLSX.
fn read_rows(table: Table) -> Result<Vec<RawRow>, ApiError> {
    let columns: Vec<Option<usize>> = table.header.iter().map(|h| column_of(h)).collect();
    let mut missing = Vec::new();
    for (index, name) in [(0, "code"), (1, "name")] {
        if !columns.contains(&Some(index)) {
            missing.push(FieldError::new(
                format!("/rows/1/{name}"),
                format!("the header row has no `{name}` column"),
            ));
        }
    }
    if !missing.is_empty() {
        return Err(ApiError::Validation(missing));
    }
    let rows: Vec<RawRow> = table
        .rows
        .into_iter()
        .map(|row| {
            let mut raw = RawRow {
                row: row.number,
                ..RawRow::default()
            };
            for (cell, column) in row.cells.into_iter().zip(&columns) {
                match column {
                    Some(0) => raw.code = cell,
                    Some(1) => raw.name = cell,
                    Some(2) => raw.parent_code = cell,
                    Some(3) => raw.member_count = cell,
                    Some(4) => raw.member_count_date = cell,
                    _ => {}
                }
            }
            raw
        })
        .collect();
    if rows.is_empty() {
        return Err(ApiError::field(
            "/file",
            "the file has a header but no rows",
        ));
    }
    Ok(rows)
}

/// Checks every row and orders them parents first. Either every row is good or every problem
/// is reported.
async fn plan(
    state: &AppState,
    caller: &Caller,
    rows: Vec<RawRow>,
) -> Result<Vec<Planned>, ApiError> {
    let today = Utc::now().date_naive();
    let mut errors = Vec::new();
    let mut err = |row: usize, field: &str, detail: String| {
        errors.push(FieldError::new(format!("/rows/{row}/{field}"), detail))
    };

    // Codes of the file and of the database.
    let mut first_row_of: HashMap<String, usize> = HashMap::new();
    let mut parsed = Vec::new();
    for raw in &rows {
        let code = UnitCode::parse(&raw.code)
            .map_err(|e| err(raw.row, "code", e.0))
            .ok();
        if let Some(code) = &code {
            if let Some(first) = first_row_of.get(code.as_str()) {
                err(
                    raw.row,
                    "code",
                    format!("code {} is already used on row {first}", code.as_str()),
                );
            } else {
                first_row_of.insert(code.as_str().to_owned(), raw.row);
            }
        }
        let name = UnitName::parse(&raw.name)
            .map_err(|e| err(raw.row, "name", e.0))
            .ok();
        let member_count = if raw.member_count.is_empty() {
            if !raw.member_count_date.is_empty() {
                err(
                    raw.row,
                    "member_count_date",
                    "a date needs a member count".into(),
                );
            }
            None
        } else {
            let date = if raw.member_count_date.is_empty() {
                Ok(None)
            } else {
                parse_date(&raw.member_count_date).map(Some).ok_or(())
            };
            match (raw.member_count.parse::<i64>(), date) {
                (Ok(n), Ok(date)) => MemberCount::parse(n, date, today)
                    .map_err(|e| err(raw.row, "member_count", e.0))
                    .ok(),
                (Err(_), _) => {
                    err(
                        raw.row,
                        "member_count",
                        format!("`{}` is not a whole number", raw.member_count),
                    );
                    None
                }
                (_, Err(())) => {
                    err(
                        raw.row,
                        "member_count_date",
                        format!(
                            "`{}` is not a date (YYYY-MM-DD or DD/MM/YYYY)",
                            raw.member_count_date
                        ),
                    );
                    None
                }
            }
        };
        let parent_code = if raw.parent_code.is_empty() {
            None
        } else {
            UnitCode::parse(&raw.parent_code)
                .map_err(|e| err(raw.row, "parent_code", e.0))
                .ok()
                .map(|c| c.as_str().to_owned())
        };
        parsed.push((raw.row, code, name, member_count, parent_code));
    }

    let mut wanted: Vec<String> = first_row_of.keys().cloned().collect();
    wanted.extend(parsed.iter().filter_map(|p| p.4.clone()));
    wanted.sort();
    wanted.dedup();
    let existing: HashMap<String, Unit> = persistence::units::find_by_codes(&state.db, &wanted)
        .await?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();

    let in_file: HashSet<&str> = first_row_of.keys().map(String::as_str).collect();
    let parent_of: HashMap<&str, Option<&str>> = parsed
        .iter()
        .filter_map(|p| Some((p.1.as_ref()?.as_str(), p.4.as_deref())))
        .collect();
    let mut planned = Vec::new();
    for (row, code, name, member_count, parent_code) in &parsed {
        if let Some(code) = code
            && existing.contains_key(code.as_str())
        {
            err(
                *row,
                "code",
                format!("a unit with code {} already exists", code.as_str()),
            );
        }
        let parent = match parent_code.as_deref() {
            None if caller.is_admin() => Some(ParentRef::None),
            None => {
                err(
                    *row,
                    "parent_code",
                    "only a system admin can import root units; give the parent's code".into(),
                );
                None
            }
            Some(p) if in_file.contains(p) => {
                // Follow the chain inside the file: it must end at an existing unit or a root,
                // without looping, and not too deep.
                let mut seen = HashSet::new();
                let mut current = Some(p);
                let mut depth_in_file = 1;
                let mut outcome = Ok(());
                while let Some(c) = current {
                    if !seen.insert(c) || Some(c) == code.as_ref().map(UnitCode::as_str) {
                        outcome = Err("the parent chain loops back to this row".to_owned());
                        break;
                    }
                    match parent_of.get(c).copied().flatten() {
                        Some(next) if in_file.contains(next) => {
                            depth_in_file += 1;
                            current = Some(next);
                        }
                        Some(next) => {
                            // An unknown or out-of-scope root is reported on the row
                            // that names it.
                            if let Some(unit) = existing.get(next)
                                && caller.covers(&[Role::UnitAdmin], &unit.path)
                                && unit.path.depth() + depth_in_file + 1 > MAX_DEPTH
                            {
                                outcome = Err(format!(
                                    "the tree would be more than {} levels deep",
                                    MAX_DEPTH + 1
                                ));
                            }
                            current = None;
                        }
                        None => current = None,
                    }
                }
                match outcome {
                    Ok(()) => Some(ParentRef::InFile(p.to_owned())),
                    Err(message) => {
                        err(*row, "parent_code", message);
                        None
                    }
                }
            }
            Some(p) => match existing.get(p) {
                Some(unit) if caller.covers(&[Role::UnitAdmin], &unit.path) => {
                    if unit.path.depth() + 1 > MAX_DEPTH {
                        err(
                            *row,
                            "parent_code",
                            format!("the tree may be at most {} levels deep", MAX_DEPTH + 1),
                        );
                    }
                    Some(ParentRef::Existing(unit.clone()))
                }
                // Unknown and outside-scope parents read the same.
                _ => {
                    err(
                        *row,
                        "parent_code",
                        format!("no unit with code {p} in this file or in your scope"),
                    );
                    None
                }
            },
        };
        if let (Some(code), Some(name), Some(parent)) = (code.clone(), name.clone(), parent) {
            planned.push(Planned {
                row: *row,
                code,
                name,
                member_count: *member_count,
                parent,
            });
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
        errors.dedup();
        return Err(ApiError::Validation(errors));
    }
    Ok(order_parents_first(planned))
}

/// Orders rows so that every in-file parent comes before its children.
fn order_parents_first(planned: Vec<Planned>) -> Vec<Planned> {
    let mut remaining = planned;
    let mut done: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(remaining.len());
    while !remaining.is_empty() {
        let before = remaining.len();
        let (ready, waiting): (Vec<Planned>, Vec<Planned>) =
            remaining.into_iter().partition(|p| match &p.parent {
                ParentRef::InFile(code) => done.contains(code),
                _ => true,
            });
        for p in &ready {
            done.insert(p.code.as_str().to_owned());
        }
        out.extend(ready);
        remaining = waiting;
        if remaining.len() == before {
            // Cycles were rejected in `plan`; this cannot happen, but never loop forever.
            break;
        }
    }
    out
}
