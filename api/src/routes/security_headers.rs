//! Headers every response carries for the browser's sake.
//!
//! - API responses (everything under `/api/`, exports included) are `Cache-Control: no-store`:
//!   they hold personal data and answer keys, and a shared computer's cache or a proxy must not
//!   keep them. Except question pictures (`/api/v1/images/…`) and lessons' uploaded materials
//!   (`/api/v1/materials/…`) answered 200: named by their SHA-256, they never change, and their
//!   handlers mark them `immutable` for a year.
//! - The app's pages get a Content-Security-Policy that only lets the app's own scripts run:
//!   tokens live in `localStorage`, so an injected script would be able to read them. Styles
//!   may be inline (Preact's `style` attributes); images may be `data:` (QR codes). The docs
//!   page (Swagger UI) is left out: it is not the app and needs its own inline bootstrap.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// The app's policy.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; \
connect-src 'self'; manifest-src 'self'; worker-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Middleware: adds `Cache-Control` and `Content-Security-Policy` as above.
pub async fn add(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path().to_owned();
    let mut response = next.call(req).await?;
    let ok = response.status() == actix_web::http::StatusCode::OK;
    let headers = response.headers_mut();
    if path.starts_with("/api/docs") {
        return Ok(response);
    }
    let immutable_picture = (path.starts_with("/api/v1/images/")
        || path.starts_with("/api/v1/materials/"))
        && ok
        && headers
            .get(header::CACHE_CONTROL)
            .is_some_and(|v| v.as_bytes().ends_with(b"immutable"));
    if immutable_picture {
        return Ok(response);
    }
    if path.starts_with("/api/") || path == "/metrics" || path == "/readyz" {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    Ok(response)
}
