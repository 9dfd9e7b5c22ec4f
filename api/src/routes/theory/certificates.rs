//! `/certificates/{code}`: anyone may check a certificate; its QR code; revoking one.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::Utc;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::theory::certificates;
pub use crate::app::theory::certificates::{
    CertificateList, CertificateStatus, CertificateVerification, RevokeRequest,
};
use crate::auth::AuthUser;
use crate::domain::ids::UnitId;
use crate::error::{ApiError, Problem};
use crate::routes::extract::{Json, Query};
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

/// Which certificates, and the page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CertificatesQuery {
    /// `all` (default), `valid` or `revoked`.
    #[serde(default)]
    #[param(inline)]
    pub status: CertificateStatus,
    /// Only the certificate with this code (with or without the dash, any case).
    pub code: Option<String>,
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// Rows to return (1–200, default 50).
    pub limit: Option<u64>,
}

/// Certificates held by members of a unit's subtree, for its managers: the holder's full name
/// and unit, and for revoked ones when, why and by whom.
#[utoipa::path(
    tag = "theory",
    params(("id" = Uuid, Path, description = "Unit id"), CertificatesQuery),
    responses(
        (status = 200, description = "A page of certificates", body = CertificateList),
        (status = 403, description = "No organizer or unit-admin role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown unit or outside your scope", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad code, status or page", body = Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
#[get("/units/{id}/certificates")]
#[tracing::instrument(name = "Unit certificates", skip_all, fields(user.id = %user.id, unit.id = %id))]
pub async fn unit_certificates(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<UnitId>,
    query: Query<CertificatesQuery>,
) -> Result<web::Json<CertificateList>, ApiError> {
    let q = query.0;
    let list = certificates::list(
        &state,
        user.id,
        id.into_uuid(),
        q.status,
        q.code.as_deref(),
        q.offset,
        q.limit,
    )
    .await?;
    Ok(web::Json(list))
}
