//! `/images`: pictures for questions and options. Uploading is for the people who manage a
//! bank; reading is open (an `<img>` sends no token) and the name is the SHA-256 of the bytes,
//! so a stored picture never changes and is cached for a year.
//!
//! Pictures kept in an object store are served through this route too, not by a redirect to a
//! presigned URL: the app's pages stay same-origin (`img-src 'self'` in the Content-Security-
//! Policy, the service worker's cache), the store need not be reachable from members' phones,
//! and the year-long immutable caching of a stable URL keeps working (a presigned URL changes
//! at every signing and expires). A picture is at most 2 MiB and browsers fetch it once.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::images::{self, MAX_IMAGE_BYTES};
use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::routes::upload;
use crate::state::AppState;

/// Registers the routes of this module.
pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(upload_image).service(get_image);
}

/// A stored picture.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageResponse {
    /// What a question or option names it by (`image` fields).
    pub name: String,
    /// Where it is served.
    pub url: String,
    /// `image/png`, `image/jpeg` or `image/webp`, told by the bytes.
    pub content_type: String,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size in bytes.
    pub bytes: usize,
}

/// Multipart form with the picture.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImageForm {
    /// PNG, JPEG or WebP, at most 2 MiB and 4096 pixels a side.
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

/// Uploads a picture for a question or an option. The type is told by the file's bytes and its
/// header is decoded; anything but PNG, JPEG or WebP (or a file sent as one type that is
/// another) is 415, a damaged or oversized picture 422. The same picture twice is stored once.
#[utoipa::path(
    tag = "questions",
    request_body(content = ImageForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = ImageResponse),
        (status = 403, description = "Not an organizer", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not PNG, JPEG or WebP", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Damaged, or too large in pixels", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The picture store is unavailable; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/images")]
#[tracing::instrument(name = "Upload image", skip_all, fields(user.id = %user.id))]
pub async fn upload_image(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let file = async {
        let file = upload::read_file(&req, payload, "file", MAX_IMAGE_BYTES).await?;
        Ok((file.content_type, file.bytes))
    };
    let stored = images::upload(&state, user.id, file).await?;
    let url = format!("/api/v1/images/{}", stored.name);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, url.clone()))
        .json(ImageResponse {
            name: stored.name,
            url,
            content_type: stored.kind.mime().to_owned(),
            width: stored.width,
            height: stored.height,
            bytes: stored.bytes,
        }))
}

/// A stored picture, cached for a year (`immutable`: its name is its content).
#[utoipa::path(
    tag = "questions",
    params(("name" = String, Path, description = "Image name: SHA-256 hex and extension")),
    responses(
        (status = 200, description = "The picture", content_type = "image/*"),
        (status = 404, description = "No such picture", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The picture store is unavailable; `Retry-After` says when to try again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/images/{name}")]
pub async fn get_image(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (bytes, kind) = images::read(&state, &name).await?;
    Ok(HttpResponse::Ok()
        .content_type(kind.mime())
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((header::ETAG, format!("\"{}\"", name.as_str())))
        .body(bytes))
}
