//! `POST /users/admission/import`: members' admission dates from CSV or XLSX, all rows or none.
//! The columns and rules are described in `app::theory::admission`.

use actix_web::{HttpRequest, post, web};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::app::theory::admission;
pub use crate::app::theory::admission::AdmissionImportResult;
use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::routes::extract::Query;
use crate::routes::units::import::import_limits;
use crate::routes::upload;
use crate::state::AppState;

/// Import options.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AdmissionImportQuery {
    /// Check everything and report, but write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Multipart form with the file.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AdmissionImportForm {
    /// A `.csv` (UTF-8) or `.xlsx` file with `phone` and `admitted_at` columns.
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

/// Sets many members' admission dates at once (organizers and unit admins, for members in
/// their scope). Any bad row means nothing is changed; the 422 answer lists every bad row as
/// `/rows/{row}/{column}` (rows numbered as in the spreadsheet, header = 1).
#[utoipa::path(
    tag = "theory",
    params(AdmissionImportQuery),
    request_body(content = AdmissionImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "Applied (or, on a dry run, would be)", body = AdmissionImportResult),
        (status = 403, description = "No organizer or unit-admin role", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "File too large", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad rows; nothing changed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/users/admission/import")]
#[tracing::instrument(name = "Import admission dates", skip_all, fields(user.id = %user.id))]
pub async fn import_admission(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    payload: web::Payload,
    query: Query<AdmissionImportQuery>,
) -> Result<web::Json<AdmissionImportResult>, ApiError> {
    let (limits, max_bytes) = (import_limits(&state), state.settings.max_upload_bytes);
    // Read only once the caller may import (the application awaits it after that check).
    let file = async move {
        let file = upload::read_file(&req, payload, "file", max_bytes).await?;
        let file_name = file.file_name.clone();
        Ok((file_name, upload::read_table(file, limits).await?))
    };
    let result = admission::import(&state, user.id, query.dry_run, file).await?;
    Ok(web::Json(result))
}
