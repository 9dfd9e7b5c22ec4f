//! A programme's listed audience, imported from a spreadsheet: one column of phones (`phone`,
//! `số điện thoại`, `sđt`), CSV or XLSX. The import replaces the list of every version of the
//! programme's code, all rows or none; by those who manage the programme (`courses`).

use std::collections::HashMap;
use std::future::Future;

use chrono::Utc;
use sea_orm::TransactionTrait;
use serde::Serialize;
use serde_json::json;
use sheets::read::Table;
use utoipa::ToSchema;

use crate::domain::ids::{CourseId, UserId};
use crate::domain::phone::Phone;
use crate::domain::programme::AudienceKind;
use crate::domain::text::fold;
use crate::error::{ApiError, FieldError};
use crate::persistence::{self, PersistenceError};
use crate::state::AppState;

/// The list now in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceImportResult {
    /// Members on the programme's list.
    pub listed: i64,
}

fn column_of(header: &str) -> Option<usize> {
    match fold(header).replace([' ', '-'], "_").as_str() {
        "phone" | "so_dien_thoai" | "dien_thoai" | "sdt" => Some(0),
        _ => None,
    }
}

/// Replaces the listed audience of the programme `course_id` with the members whose phones the
/// table lists. A phone that is no member's, or a programme whose audience is not a list, is
/// refused and nothing changes; a phone on two rows counts once.
pub async fn import(
    state: &AppState,
    user: UserId,
    course_id: CourseId,
    file: impl Future<Output = Result<(Option<String>, Table), ApiError>>,
) -> Result<AudienceImportResult, ApiError> {
    let (_, course) = super::courses::require_manager_of(state, user, course_id).await?;
    if course.audience.kind() != AudienceKind::Listed {
        return Err(ApiError::Validation(vec![
            FieldError::new(
                "/audience/kind",
                "this programme's audience is not an imported list",
            )
            .with_vi("Đối tượng của chương trình này không phải là danh sách tải lên."),
        ]));
    }
    let (file_name, table) = file.await?;
    let members = check_rows(state, table)
        .await
        .map_err(crate::app::tables::error_in_vietnamese)?;
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    persistence::theory::set_listed(&txn, &course.code, &members, Utc::now()).await?;
    persistence::audit::record(
        &txn,
        Some(user),
        "course.audience_import",
        Some(course.id.into_uuid()),
        json!({"code": course.code, "count": members.len(), "file": file_name}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    Ok(AudienceImportResult {
        listed: persistence::theory::listed_count(&state.db, &course.code).await?,
    })
}

/// The members the rows name, or every bad row at once (`/rows/{row}/phone`).
async fn check_rows(state: &AppState, table: Table) -> Result<Vec<UserId>, ApiError> {
    let columns = crate::app::tables::columns(&table, column_of, &[(0, "phone")])?;
    let mut errors = Vec::new();
    let mut phones: Vec<(usize, String)> = Vec::new();
    for table_row in table.rows {
        let row = table_row.number;
        let cell = table_row
            .cells
            .into_iter()
            .zip(&columns)
            .find(|(_, c)| **c == Some(0))
            .map(|(cell, _)| cell)
            .unwrap_or_default();
        match Phone::parse(&cell) {
            Ok(p) => phones.push((row, p.as_str().to_owned())),
            Err(e) => errors.push(FieldError::new(format!("/rows/{row}/phone"), e.0)),
        }
    }
    if phones.is_empty() && errors.is_empty() {
        return Err(ApiError::field(
            "/file",
            "the file has a header but no rows",
        ));
    }
    let wanted: Vec<String> = phones.iter().map(|(_, p)| p.clone()).collect();
    let accounts: HashMap<String, UserId> =
        persistence::theory::users_by_phones(&state.db, &wanted)
            .await?
            .into_iter()
            .map(|u| (u.phone, u.id))
            .collect();
    let mut members = Vec::with_capacity(phones.len());
    for (row, phone) in phones {
        match accounts.get(&phone) {
            Some(id) => members.push(*id),
            None => errors.push(
                FieldError::new(format!("/rows/{row}/phone"), "no member has this phone")
                    .with_vi("Không có đoàn viên nào có số điện thoại này."),
            ),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(members)
}
