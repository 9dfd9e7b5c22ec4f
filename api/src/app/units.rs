//! The organisation tree: creating a unit, editing or moving one (with its subtree), and
//! importing a tree from a spreadsheet (every row checked against the file and the database,
//! all rows written or none). Who may (unit admins, within their subtrees), how deep the tree
//! may grow ([`MAX_DEPTH`]), and what is recorded.
//!
//! Reading the upload stays with the routes (`routes::upload` and the `sheets` crate); the
//! columns, the row checks and the plan are here.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::TransactionTrait;
use serde_json::json;
use sheets::read::{Table, parse_date};
use uuid::Uuid;

use crate::auth::Caller;
use crate::caches::coherence::Change;
use crate::domain::ids::{UnitId, UserId};
use crate::domain::role::Role;
use crate::domain::text::fold;
use crate::domain::unit::{MAX_DEPTH, MemberCount, TreePath, UnitCode, UnitName};
use crate::error::{ApiError, Conflict, FieldError};
use crate::persistence::{self, PersistenceError, units::Unit};
use crate::state::AppState;

const MANAGERS: &[Role] = &[Role::UnitAdmin];

/// A new unit, as given.
#[derive(Debug)]
pub struct NewUnit {
    /// Parent; `None` makes a root (admins only).
    pub parent_id: Option<Uuid>,
    /// Name.
    pub name: String,
    /// Short code, unique.
    pub code: String,
    /// Declared member count.
    pub member_count: Option<i64>,
    /// When it was declared (default today).
    pub member_count_date: Option<NaiveDate>,
}

/// Changes to a unit, as given; absent fields stay as they are.
#[derive(Debug)]
pub struct UnitChanges {
    /// New name.
    pub name: Option<String>,
    /// New code.
    pub code: Option<String>,
    /// New declared member count.
    pub member_count: Option<i64>,
    /// When it was declared (default today).
    pub member_count_date: Option<NaiveDate>,
    /// Move under this parent (`Some(None)`: make it a root; admins only).
    pub parent_id: Option<Option<Uuid>>,
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug)]
pub struct ImportOutcome {
    /// Units created (0 on a dry run).
    pub imported: usize,
    /// Units that would be / were created.
    pub valid_rows: usize,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// On a dry run, the first [`PREVIEW_ROWS`] units that would be created, in file order
    /// (empty otherwise).
    pub rows: Vec<PlannedUnit>,
}

/// Rows a dry run describes one by one.
pub const PREVIEW_ROWS: usize = 200;

/// One unit an import would create.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PlannedUnit {
    /// The spreadsheet row (header = 1).
    pub row: usize,
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// The parent's code (null: a root).
    pub parent_code: Option<String>,
    /// The parent's name: an existing unit's, or another row's.
    pub parent_name: Option<String>,
    /// Whether the parent is another row of the file.
    pub parent_in_file: bool,
    /// Declared member count.
    pub member_count: Option<i32>,
    /// Its date.
    pub member_count_date: Option<NaiveDate>,
}

/// A taken unit code is a typed conflict.
pub fn duplicate_code(e: PersistenceError) -> ApiError {
    match e {
        PersistenceError::Duplicate(_) => Conflict::UnitCodeTaken.into(),
        other => other.into(),
    }
}

/// Creates a unit under a parent `user` administers; `today` dates the member count.
pub async fn create_unit(
    state: &AppState,
    user: UserId,
    body: NewUnit,
    today: NaiveDate,
) -> Result<Unit, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    let parent = match body.parent_id {
        Some(id) => Some(
            caller
                .require_unit(&state.db, MANAGERS, UnitId::from_uuid(id))
                .await?,
        ),
        None if caller.is_admin() => None,
        None => {
            return Err(if caller.has_any(MANAGERS) {
                ApiError::field("/parent_id", "only a system admin can create a root unit")
            } else {
                ApiError::Forbidden
            });
        }
    };
    if parent
        .as_ref()
        .is_some_and(|p| p.path.depth() + 1 > MAX_DEPTH)
    {
        return Err(ApiError::field(
            "/parent_id",
            format!("the tree may be at most {} levels deep", MAX_DEPTH + 1),
        ));
    }
    let mut errors = Vec::new();
    let name = UnitName::parse(&body.name)
        .map_err(|e| errors.push(FieldError::new("/name", e.0)))
        .ok();
    let code = UnitCode::parse(&body.code)
        .map_err(|e| errors.push(FieldError::new("/code", e.0)))
        .ok();
    let member_count = match body.member_count {
        Some(n) => MemberCount::parse(n, body.member_count_date, today)
            .map_err(|e| errors.push(FieldError::new("/member_count", e.0)))
            .ok(),
        None => None,
    };
    let (Some(name), Some(code), true) = (name, code, errors.is_empty()) else {
        errors.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        return Err(ApiError::Validation(errors));
    };
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let unit = persistence::units::insert(
        &txn,
        persistence::units::NewUnit {
            id: UnitId::new(),
            parent,
            name,
            code,
            member_count,
        },
    )
    .await
    .map_err(duplicate_code)?;
    persistence::audit::record_at(
        &txn,
        Some(user),
        "unit.create",
        Some(unit.id.into_uuid()),
        Some(unit.id),
        json!({"code": unit.code, "parent_id": unit.parent_id}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    // Boards read names, member counts and paths from the in-memory tree, on every instance.
    crate::app::coherence::changed(state, Change::Units).await;
    Ok(unit)
}

/// Renames, recodes, updates the member count, or moves a subtree (never into itself); returns
/// the unit and its ancestors from the root down. A move replays the boards of the last 60
/// days before `now` in the background.
pub async fn update_unit(
    state: &AppState,
    user: UserId,
    unit_id: UnitId,
    body: UnitChanges,
    now: DateTime<Utc>,
) -> Result<(Unit, Vec<Unit>), ApiError> {
    let today = now.date_naive();
    let caller = Caller::load(&state.db, user).await?;
    let unit = caller.require_unit(&state.db, MANAGERS, unit_id).await?;
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .map(UnitName::parse)
        .transpose()
        .map_err(|e| errors.push(FieldError::new("/name", e.0)))
        .ok()
        .flatten();
    let code = body
        .code
        .as_deref()
        .map(UnitCode::parse)
        .transpose()
        .map_err(|e| errors.push(FieldError::new("/code", e.0)))
        .ok()
        .flatten();
    let member_count = match (body.member_count, body.member_count_date) {
        (Some(n), date) => MemberCount::parse(n, date, today)
            .map_err(|e| errors.push(FieldError::new("/member_count", e.0)))
            .ok(),
        (None, Some(_)) => {
            errors.push(FieldError::new(
                "/member_count_date",
                "give member_count together with its date",
            ));
            None
        }
        (None, None) => None,
    };
    if !errors.is_empty() {
        errors.sort_by(|a, b| a.pointer.cmp(&b.pointer));
        return Err(ApiError::Validation(errors));
    }

    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    let mut updated = persistence::units::update_fields(&txn, unit.id, name, code, member_count)
        .await
        .map_err(duplicate_code)?;
    if let Some(new_parent_id) = body.parent_id {
        let new_parent = match new_parent_id {
            Some(pid) => Some(
                caller
                    .require_unit(&txn, MANAGERS, UnitId::from_uuid(pid))
                    .await
                    .map_err(|e| match e {
                        ApiError::NotFound(_) => {
                            ApiError::field("/parent_id", "no such unit in your scope")
                        }
                        other => other,
                    })?,
            ),
            None if caller.is_admin() => None,
            None => {
                return Err(ApiError::field(
                    "/parent_id",
                    "only a system admin can make a unit a root",
                ));
            }
        };
        if new_parent
            .as_ref()
            .is_some_and(|p| p.path.is_within(&unit.path))
        {
            return Err(ApiError::field(
                "/parent_id",
                "a unit cannot be moved under itself or one of its own sub-units",
            ));
        }
        if new_parent.as_ref().map(|p| p.id) != unit.parent_id {
            let new_depth = new_parent.as_ref().map_or(0, |p| p.path.depth() + 1);
            let deepest = persistence::units::max_depth_within(&txn, &unit).await?;
            if deepest - unit.path.depth() + new_depth > MAX_DEPTH {
                return Err(ApiError::field(
                    "/parent_id",
                    format!(
                        "after the move the tree would be more than {} levels deep",
                        MAX_DEPTH + 1
                    ),
                ));
            }
            updated = persistence::units::move_subtree(&txn, &updated, new_parent.as_ref()).await?;
            persistence::audit::record_at(
                &txn,
                Some(user),
                "unit.move",
                Some(unit.id.into_uuid()),
                Some(unit.id),
                json!({"from": unit.parent_id, "to": new_parent.as_ref().map(|p| p.id)}),
            )
            .await?;
        }
    }
    persistence::audit::record_at(
        &txn,
        Some(user),
        "unit.update",
        Some(unit.id.into_uuid()),
        Some(unit.id),
        json!({"name": updated.name, "code": updated.code, "member_count": updated.member_count}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    // Boards read names, member counts and paths from the in-memory tree, on every instance.
    crate::app::coherence::changed(state, Change::Units).await;
    if updated.parent_id != unit.parent_id {
        // A moved subtree takes its results along: the boards of its old and new ancestors
        // are replayed from the database in the background.
        let state = state.clone();
        //
        // Other instances drop their copy of the tree when they hear of the move, or at the
        // latest when it can no longer be served (the same maximum age on every instance),
        // and may record finishes under the old ancestors until then, after the first
        // rebuild: a second rebuild once every copy has expired puts those in place too.
        let expired = state.units.longest_served() + std::time::Duration::from_secs(1);
        tokio::spawn(async move {
            let since = now - chrono::Duration::days(60);
            for wait in [std::time::Duration::ZERO, expired] {
                tokio::time::sleep(wait).await;
                if let Err(e) = crate::standings::rebuild_recent(&state, since).await {
                    tracing::error!(error = %crate::error::cause_chain(&e), "rebuilding boards after a unit move failed");
                }
            }
        });
    }
    let ancestors = persistence::units::ancestors(&state.db, &updated).await?;
    Ok((updated, ancestors))
}

/// Imports units from a table: `file` reads the upload (its name and table) and is awaited
/// only once `user` is known to be a unit admin. Any bad row means nothing is imported; the
/// 422 lists every bad row as `/rows/{row}/{column}`.
pub async fn import_units(
    state: &AppState,
    user: UserId,
    file: impl Future<Output = Result<(Option<String>, Table), ApiError>>,
    dry_run: bool,
    today: NaiveDate,
) -> Result<ImportOutcome, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    if !caller.has_any(&[Role::UnitAdmin]) {
        return Err(ApiError::Forbidden);
    }
    let (file_name, table) = file.await?;
    let rows = read_rows(table).map_err(crate::app::tables::error_in_vietnamese)?;
    let plan = plan(state, &caller, rows, today)
        .await
        .map_err(crate::app::tables::error_in_vietnamese)?;
    let valid_rows = plan.len();
    if dry_run {
        let names: HashMap<&str, &str> = plan
            .iter()
            .map(|p| (p.code.as_str(), p.name.as_str()))
            .collect();
        let mut rows: Vec<PlannedUnit> = plan
            .iter()
            .map(|p| {
                let (parent_code, parent_name, parent_in_file) = match &p.parent {
                    ParentRef::None => (None, None, false),
                    ParentRef::Existing(u) => (Some(u.code.clone()), Some(u.name.clone()), false),
                    ParentRef::InFile(code) => (
                        Some(code.clone()),
                        names.get(code.as_str()).map(|n| (*n).to_owned()),
                        true,
                    ),
                };
                PlannedUnit {
                    row: p.row,
                    code: p.code.as_str().to_owned(),
                    name: p.name.as_str().to_owned(),
                    parent_code,
                    parent_name,
                    parent_in_file,
                    member_count: p.member_count.map(|m| m.count),
                    member_count_date: p.member_count.map(|m| m.declared_on),
                }
            })
            .collect();
        rows.sort_by_key(|r| r.row);
        rows.truncate(PREVIEW_ROWS);
        return Ok(ImportOutcome {
            imported: 0,
            valid_rows,
            dry_run: true,
            rows,
        });
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
    persistence::audit::record_at(
        &txn,
        Some(user),
        "unit.import",
        None,
        TreePath::common_ancestor(created.values().map(|u| &u.path)),
        json!({"count": valid_rows, "file": file_name}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    // Boards read names, member counts and paths from the in-memory tree, on every instance.
    crate::app::coherence::changed(state, Change::Units).await;
    tracing::info!(count = valid_rows, "units imported");
    Ok(ImportOutcome {
        imported: valid_rows,
        valid_rows,
        dry_run: false,
        rows: Vec::new(),
    })
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

/// Picks the import's columns out of a table read from CSV or XLSX.
fn read_rows(table: Table) -> Result<Vec<RawRow>, ApiError> {
    let columns = crate::app::tables::columns(&table, column_of, &[(0, "code"), (1, "name")])?;
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
    today: NaiveDate,
) -> Result<Vec<Planned>, ApiError> {
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

/// One unit of a listing, with the names of the units above it (root first) and whether it
/// has children: what the registration picker shows so that two "Chi đoàn 1" of different
/// branches can be told apart, and browsed step by step from the top.
pub struct ListedUnit {
    /// The unit.
    pub unit: Unit,
    /// The names of its ancestors, root first.
    pub path: Vec<String>,
    /// Whether any unit sits under it.
    pub has_children: bool,
}

/// A page of [`ListedUnit`]s and how many match in all.
pub struct Listing {
    /// The units on this page.
    pub items: Vec<ListedUnit>,
    /// How many match in all.
    pub total: u64,
}

/// The children of `parent` (roots when `None`) or, with `q`, a search of the tree (within
/// `parent`'s subtree). Public, as registration needs it; bounded by the page size, and the
/// paths and children cost two more queries per page, whatever its size.
pub async fn list(
    state: &AppState,
    parent: Option<Uuid>,
    q: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<Listing, ApiError> {
    if q.is_some_and(|q| q.chars().count() > 100) {
        return Err(ApiError::field(
            "/q",
            "search text must be at most 100 characters",
        ));
    }
    let parent = match parent {
        Some(id) => Some(persistence::units::get(&state.db, UnitId::from_uuid(id)).await?),
        None => None,
    };
    let found = persistence::units::list(&state.db, parent.as_ref(), q, offset, limit).await?;
    let mut above: Vec<UnitId> = found
        .items
        .iter()
        .flat_map(|u| u.path.ids().into_iter().filter(move |id| *id != u.id))
        .collect();
    above.sort_unstable_by_key(|id| id.into_uuid());
    above.dedup();
    let names = persistence::units::names_of(&state.db, &above).await?;
    let ids: Vec<UnitId> = found.items.iter().map(|u| u.id).collect();
    let parents = persistence::units::with_children(&state.db, &ids).await?;
    let items = found
        .items
        .into_iter()
        .map(|unit| ListedUnit {
            path: unit
                .path
                .ids()
                .into_iter()
                .filter(|id| *id != unit.id)
                .filter_map(|id| names.get(&id).cloned())
                .collect(),
            has_children: parents.contains(&unit.id),
            unit,
        })
        .collect();
    Ok(Listing {
        items,
        total: found.total,
    })
}
