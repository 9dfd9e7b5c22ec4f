//! Importing, exporting and templates of question files (XLSX, CSV, YAML; GIFT, Aiken and
//! Moodle XML for import). An import is all or nothing. The rules live in
//! [`crate::app::bank`].

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use question_bank::Format;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::crud::QuestionQuery;
use crate::app::bank::{self, ImportOptions, QuestionImport};
use crate::auth::AuthUser;
use crate::domain::ids::UnitId;
use crate::error::{ApiError, Problem};
use crate::routes::extract::Query;
use crate::routes::upload;
use crate::state::AppState;

/// Import options.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// The bank (unit) the questions go into.
    pub unit_id: Uuid,
    /// Check and report everything, write nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// Share the imported questions down the tree.
    #[serde(default)]
    pub shared: bool,
    /// Topic for GIFT/Aiken/Moodle questions without a category: code.
    pub topic_code: Option<String>,
    /// … and its name.
    pub topic_name: Option<String>,
}

/// A question that would be (or was) imported.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportedItem {
    /// Row or line in the file.
    pub row: Option<u32>,
    /// Topic code.
    pub topic: String,
    /// Topic name (from the file, or made from the code).
    pub topic_name: String,
    /// Kind.
    pub kind: question_bank::Kind,
    /// Stem.
    pub text: String,
}

/// Something reported but not fatal (e.g. an essay question skipped from a Moodle file).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportWarning {
    /// Row or line.
    pub row: Option<u32>,
    /// Field or column.
    pub field: Option<String>,
    /// English.
    pub message: String,
    /// Vietnamese.
    pub message_vi: String,
}

/// The outcome of an import that passed every check.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = QuestionImportResult)]
pub struct ImportResult {
    /// Questions written (0 on a dry run).
    pub imported: usize,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// What would be / was imported.
    pub questions: Vec<ImportedItem>,
    /// Reported, not fatal.
    pub warnings: Vec<ImportWarning>,
}

fn import_result(done: QuestionImport, dry_run: bool) -> ImportResult {
    let report = done.report;
    let questions = report
        .questions
        .iter()
        .zip(report.lines.iter().chain(std::iter::repeat(&None)))
        .map(|(q, row)| ImportedItem {
            row: *row,
            topic: q.topic.code.clone(),
            topic_name: q.topic.name.clone(),
            kind: q.kind,
            text: q.text.clone(),
        })
        .collect();
    let warnings = report
        .warnings
        .into_iter()
        .map(|w| ImportWarning {
            row: w.line_or_row,
            field: w.field,
            message: w.message_en,
            message_vi: w.message_vi,
        })
        .collect();
    ImportResult {
        imported: done.imported,
        dry_run,
        questions,
        warnings,
    }
}

/// Multipart form with the file.
#[derive(ToSchema)]
#[schema(as = QuestionImportForm)]
#[allow(dead_code)]
pub struct ImportForm {
    /// XLSX, CSV, YAML, GIFT, Aiken or Moodle XML.
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

/// Imports a question file into a bank: XLSX, CSV, YAML, GIFT, Aiken, Moodle XML, or a zip of
/// one such sheet and its pictures under `anh/` (as `format=zip` exports). Any problem (a bad row, a duplicate in the file or
/// already in the bank, a hostile file) means nothing is imported; the 422 answer lists every
/// problem as `/rows/{row}/{column}` with English and Vietnamese text. `dry_run=true` shows what
/// would be imported.
#[utoipa::path(
    tag = "questions",
    params(ImportQuery),
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Imported, or on a dry run would be", body = ImportResult),
        (status = 403, description = "Not an organizer", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unit unknown or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Problems; nothing imported", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The picture store (or the database) is unavailable; nothing imported; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/questions/import")]
#[tracing::instrument(name = "Import questions", skip_all, fields(user.id = %user.id))]
pub async fn import_questions(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    payload: web::Payload,
    query: Query<ImportQuery>,
) -> Result<web::Json<ImportResult>, ApiError> {
    let max_bytes = state.settings.max_upload_bytes;
    let file = async {
        let file = upload::read_file(&req, payload, "file", max_bytes).await?;
        Ok((file.file_name, file.bytes))
    };
    let q = query.0;
    let options = ImportOptions {
        dry_run: q.dry_run,
        shared: q.shared,
        topic_code: q.topic_code,
        topic_name: q.topic_name,
    };
    let unit_id = UnitId::from_uuid(q.unit_id);
    let done = bank::import_questions(&state, user.id, unit_id, file, options).await?;
    Ok(web::Json(import_result(done, q.dry_run)))
}

/// Export format and filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// `xlsx` (default), `csv`, `yaml`, or (export only) `zip`: the XLSX with the pictures the
    /// questions name under `anh/`.
    #[param(value_type = Option<BankFileFormat>, inline)]
    pub format: Option<String>,
}

/// A question bank file's format.
// For the OpenAPI document only: the handlers read the string themselves (`parse_format`), so
// that a wrong one is a `422` naming `/format`.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum BankFileFormat {
    Xlsx,
    Csv,
    Yaml,
    Yml,
    Zip,
}

/// The template's format.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TemplateQuery {
    /// `xlsx` (default), `csv` or `yaml`.
    #[param(value_type = Option<TemplateFormat>, inline)]
    pub format: Option<String>,
}

/// A template's format.
// For the OpenAPI document only, as `BankFileFormat`.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum TemplateFormat {
    Xlsx,
    Csv,
    Yaml,
    Yml,
}

/// `ngan-hang-cau-hoi-2026-12-05`: the export's file name without extension, dated in Vietnam
/// time (an organizer's "today").
fn export_file_stem(now: chrono::DateTime<chrono::Utc>) -> String {
    let vietnam = now + chrono::Duration::hours(7);
    format!("ngan-hang-cau-hoi-{}", vietnam.format("%Y-%m-%d"))
}

/// Option order in an export.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ShuffleQuery {
    /// Shuffle each question's options (default false: the bank's order). The bank keeps
    /// options as written, often with the key first; a shuffled export does not give that away.
    pub shuffle_options: Option<bool>,
    /// Seed for `shuffle_options`: the same seed and questions give the same file. Default
    /// random; the seed used is returned in the `X-Shuffle-Seed` header.
    pub seed: Option<u64>,
}

fn parse_format(format: Option<&str>) -> Result<Format, ApiError> {
    match format.unwrap_or("xlsx") {
        "xlsx" => Ok(Format::Xlsx),
        "csv" => Ok(Format::Csv),
        "yaml" | "yml" => Ok(Format::Yaml),
        other => Err(ApiError::field(
            "/format",
            format!("`{other}` is not one of xlsx, csv, yaml"),
        )),
    }
}

fn file_response(bytes: Vec<u8>, format: Format, stem: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(format.mime_type())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{stem}.{}\"", format.extension()),
        ))
        .body(bytes)
}

/// Exports the questions matching the filters (the same as the search) as XLSX, CSV (UTF-8 with
/// BOM, formula-looking cells neutralised), YAML, or a zip of the XLSX and its pictures
/// (`format=zip`, which the import reads back), answer key included: only questions of the
/// banks the caller manages, not those shared from a unit above. `shuffle_options=true`
/// reorders each question's options (reproducibly with `seed`).
#[utoipa::path(
    tag = "questions",
    params(ExportQuery, ShuffleQuery, QuestionQuery),
    responses(
        (status = 200, description = "The file; a shuffled export names its seed in `X-Shuffle-Seed`", content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"), ("application/yaml"), ("application/zip")),
            headers(("X-Shuffle-Seed" = u64, description = "The seed options were shuffled with (only when `shuffle_options=true`)"))),
        (status = 403, description = "Not an organizer", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad format or filter, or too many questions", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The picture store (`format=zip`) or the database is unavailable; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/questions/export")]
#[tracing::instrument(name = "Export questions", skip_all, fields(user.id = %user.id))]
pub async fn export_questions(
    state: web::Data<AppState>,
    user: AuthUser,
    export: Query<ExportQuery>,
    shuffle: Query<ShuffleQuery>,
    query: Query<QuestionQuery>,
) -> Result<HttpResponse, ApiError> {
    if shuffle.seed.is_some() && shuffle.shuffle_options != Some(true) {
        return Err(ApiError::field(
            "/seed",
            "a seed is only used with shuffle_options=true",
        ));
    }
    let seed = (shuffle.shuffle_options == Some(true))
        .then(|| shuffle.seed.unwrap_or_else(rand::random::<u64>));
    let stem = export_file_stem(chrono::Utc::now());
    let mut response = if export.format.as_deref() == Some("zip") {
        let bytes = bank::export_package(&state, user.id, &query.filter(), seed).await?;
        HttpResponse::Ok()
            .content_type("application/zip")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{stem}.zip\""),
            ))
            .body(bytes)
    } else {
        let format = parse_format(export.format.as_deref())?;
        let bytes = bank::export_questions(&state, user.id, &query.filter(), format, seed).await?;
        file_response(bytes, format, &stem)
    };
    if let Some(seed) = seed {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-shuffle-seed"),
            actix_web::http::header::HeaderValue::from(seed),
        );
    }
    Ok(response)
}

/// A file to fill in, with the documented columns and one example question.
#[utoipa::path(
    tag = "questions",
    params(TemplateQuery),
    responses((status = 200, description = "The template, in `format`", content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"), ("application/yaml"))), (status = 422, description = "Bad format", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/questions/template")]
pub async fn question_template(
    _user: AuthUser,
    export: Query<TemplateQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = parse_format(export.format.as_deref())?;
    let bytes = question_bank::template(format)
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("cannot write the template: {e}")))?;
    Ok(file_response(bytes, format, "mau-cau-hoi"))
}
