//! `/certificates/{code}`: anyone may check a certificate; its QR code; revoking one.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;

use crate::app::theory::certificates;
pub use crate::app::theory::certificates::{CertificateVerification, RevokeRequest};
use crate::auth::AuthUser;
use crate::error::{ApiError, Problem};
use crate::routes::extract::Json;
use crate::state::AppState;

/// Checks a certificate code (public, no sign-in): genuine and in force, or revoked; an unknown
/// code answers 404.
#[utoipa::path(
    tag = "theory",
    params(("code" = String, Path, description = "The code, with or without the dash, any case")),
    responses(
        (status = 200, description = "A genuine certificate: `valid` says whether it is in force", body = CertificateVerification),
        (status = 404, description = "No certificate has this code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/certificates/{code}")]
#[tracing::instrument(name = "Verify certificate", skip_all)]
pub async fn verify_certificate(
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<web::Json<CertificateVerification>, ApiError> {
    Ok(web::Json(certificates::verify(&state, &code).await?))
}

/// The certificate's QR code (SVG), holding the address of its public page.
#[utoipa::path(
    tag = "theory",
    params(("code" = String, Path, description = "The code")),
    responses(
        (status = 200, description = "SVG image", content_type = "image/svg+xml"),
        (status = 404, description = "No certificate has this code", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/certificates/{code}/qr.svg")]
#[tracing::instrument(name = "Certificate QR code", skip_all)]
pub async fn certificate_qr(
    state: web::Data<AppState>,
    code: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let origin = {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    };
    let svg = certificates::qr(&state, &code, &origin).await?;
    Ok(HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(svg))
}

/// Revokes a certificate (system admins, or organizers and unit admins over the holder's
/// unit); it then verifies as revoked. Nothing is deleted.
#[utoipa::path(
    tag = "theory",
    params(("code" = String, Path, description = "The code")),
    request_body = RevokeRequest,
    responses(
        (status = 200, description = "Revoked", body = CertificateVerification),
        (status = 403, description = "No organizer or unit-admin role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown code, or the holder is outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`certificate_revoked`: already revoked", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[post("/certificates/{code}/revoke")]
#[tracing::instrument(name = "Revoke certificate", skip_all, fields(user.id = %user.id))]
pub async fn revoke_certificate(
    state: web::Data<AppState>,
    user: AuthUser,
    code: web::Path<String>,
    body: Json<RevokeRequest>,
) -> Result<web::Json<CertificateVerification>, ApiError> {
    let revoked = certificates::revoke(&state, user.id, &code, &body.0.reason, Utc::now()).await?;
    Ok(web::Json(revoked))
}
