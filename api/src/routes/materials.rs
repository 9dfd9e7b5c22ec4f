//! `/materials`: files uploaded as a programme lesson's study material (PDF or a picture). As
//! with `/images`, uploading is for those who manage programmes, reading is open (a member's
//! browser opens the link in a new tab, without a token) and the name is the SHA-256 of the
//! bytes, so a stored file never changes and is cached for a year.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::materials::{self, MAX_MATERIAL_BYTES};
use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::routes::upload;
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(upload_material).service(get_material);
}

/// A stored material file.
#[derive(Debug, Serialize, ToSchema)]
pub struct MaterialFileResponse {
    /// Its name (the SHA-256 of its bytes and its extension).
    pub name: String,
    /// Where it is served: what a lesson's material gives as its `url`.
    pub url: String,
    /// `application/pdf`, `image/png`, `image/jpeg` or `image/webp`, told by the bytes.
    pub content_type: String,
    /// Size in bytes.
    pub bytes: usize,
}

/// Multipart form with the file.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct MaterialForm {
    /// A PDF, PNG, JPEG or WebP file, at most 20 MiB.
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

/// Uploads a study material (system admins and organizers); name it in a lesson's `materials`
/// by the `url` answered. The type is told by the file's bytes: anything but a PDF or a PNG,
/// JPEG or WebP picture (or a file sent as one type that is another) is 415; a PDF cut off
/// before its end or a damaged picture is 422. The same file twice is stored once.
#[utoipa::path(
    tag = "theory",
    request_body(content = MaterialForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = MaterialFileResponse),
        (status = 403, description = "Neither a system admin nor an organizer", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 20 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not a PDF, PNG, JPEG or WebP file", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An incomplete PDF or a damaged picture", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The file store is unavailable; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/materials")]
#[tracing::instrument(name = "Upload material", skip_all, fields(user.id = %user.id))]
pub async fn upload_material(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let file = async {
        let file = upload::read_file(&req, payload, "file", MAX_MATERIAL_BYTES).await?;
        Ok((file.content_type, file.bytes))
    };
    let stored = materials::upload(&state, user.id, file).await?;
    let url = stored.url();
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, url.clone()))
        .json(MaterialFileResponse {
            url,
            content_type: stored.kind.mime().to_owned(),
            bytes: stored.bytes,
            name: stored.name,
        }))
}

/// A stored material, cached for a year (`immutable`: its name is its content), shown in the
/// browser (`inline`) under its name.
#[utoipa::path(
    tag = "theory",
    params(("name" = String, Path, description = "Material name: SHA-256 hex and extension")),
    responses(
        (status = 200, description = "The file, as what its bytes are", content(
            ("application/pdf"), ("image/png"), ("image/jpeg"), ("image/webp")
        )),
        (status = 404, description = "No such material", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The file store is unavailable; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/materials/{name}")]
pub async fn get_material(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (bytes, kind) = materials::read(&state, &name).await?;
    Ok(HttpResponse::Ok()
        .content_type(kind.mime())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", name.as_str()),
        ))
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, format!("\"{}\"", name.as_str())))
        .body(bytes))
}
