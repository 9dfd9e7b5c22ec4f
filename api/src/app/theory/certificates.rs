//! Certificates as the application sees them: anyone may check one by its code (the holder's
//! name masked), its QR code points at its public page, and organizers and unit admins over
//! the holder's unit revoke one (nothing is deleted).

use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::THEORY_MANAGERS;
use super::me::CourseBrief;
use crate::auth::Caller;
use crate::domain::ids::UserId;
use crate::domain::person::mask_name;
use crate::domain::theory::{display_code, parse_certificate_code};
use crate::error::{ApiError, Conflict, FieldError};
use crate::persistence::theory::Certificate;
use crate::persistence::{self, PersistenceError};
use crate::state::AppState;

/// My certificate, as I see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateBrief {
    /// The code (10 characters).
    pub code: String,
    /// The code as printed, `ABCDE-12345`.
    pub display_code: String,
    /// When the last lesson was passed.
    pub issued_at: DateTime<Utc>,
    /// Revoked?
    pub revoked: bool,
    /// When revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The public page that shows and verifies it (the frontend's route).
    pub page_url: String,
    /// Its QR code (SVG), pointing at the page.
    pub qr_url: String,
}

impl From<Certificate> for CertificateBrief {
    fn from(c: Certificate) -> Self {
        Self {
            display_code: display_code(&c.code),
            page_url: format!("/certificates/{}", c.code),
            qr_url: format!("/api/v1/certificates/{}/qr.svg", c.code),
            code: c.code,
            issued_at: c.issued_at,
            revoked: c.revoked_at.is_some(),
            revoked_at: c.revoked_at,
        }
    }
}

/// What a certificate code proves.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateVerification {
    /// The code.
    pub code: String,
    /// As printed.
    pub display_code: String,
    /// True when the certificate is genuine and in force.
    pub valid: bool,
    /// `valid` or `revoked`.
    pub status: &'static str,
    /// The holder, masked (`Nguyễn V. A.`).
    pub holder: String,
    /// The holder's unit.
    pub unit_name: String,
    /// When the course was completed.
    pub issued_at: DateTime<Utc>,
    /// The course version it certifies.
    pub course: CourseBrief,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Why (shown only to those who may revoke it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_reason: Option<String>,
}

async fn find(state: &AppState, raw: &str) -> Result<Certificate, ApiError> {
    // A malformed code is as unknown as a well-formed one nobody holds.
    let code = parse_certificate_code(raw).map_err(|_| ApiError::NotFound("certificate"))?;
    persistence::theory::certificate_by_code(&state.db, &code)
        .await?
        .ok_or(ApiError::NotFound("certificate"))
}

async fn verification(
    state: &AppState,
    c: Certificate,
    show_reason: bool,
) -> Result<CertificateVerification, ApiError> {
    let holder = persistence::users::get(&state.db, c.user_id).await?;
    let unit = persistence::units::get(&state.db, holder.unit_id).await?;
    let course = persistence::theory::get_course(&state.db, c.course_id).await?;
    Ok(CertificateVerification {
        display_code: display_code(&c.code),
        code: c.code,
        valid: c.revoked_at.is_none(),
        status: if c.revoked_at.is_none() {
            "valid"
        } else {
            "revoked"
        },
        holder: mask_name(&holder.full_name),
        unit_name: unit.name,
        issued_at: c.issued_at,
        course: CourseBrief {
            id: course.id.into_uuid(),
            code: course.code,
            version: course.version,
            title: course.title,
        },
        revoked_at: c.revoked_at,
        revoked_reason: c.revoked_reason.filter(|_| show_reason),
    })
}

/// A QR code of `text` as an SVG document.
pub fn qr_svg(text: &str) -> Result<String, ApiError> {
    use qrcode::render::svg;
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| ApiError::Unexpected(anyhow::anyhow!("QR code: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// Why a certificate is revoked.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// The reason, kept with the certificate (3 to 500 characters).
    pub reason: String,
}

/// What a certificate code proves (public, no sign-in); an unknown or malformed code is a 404.
pub async fn verify(state: &AppState, code: &str) -> Result<CertificateVerification, ApiError> {
    let c = find(state, code).await?;
    verification(state, c, false).await
}

/// The certificate's QR code (SVG), holding the address of its public page at `origin`
/// (`scheme://host`).
pub async fn qr(state: &AppState, code: &str, origin: &str) -> Result<String, ApiError> {
    let c = find(state, code).await?;
    let url = format!("{origin}/certificates/{}", display_code(&c.code));
    qr_svg(&url)
}

/// Revokes a certificate (organizers and unit admins over the holder's unit); it then
/// verifies as revoked, with the reason shown to the one who revoked it.
pub async fn revoke(
    state: &AppState,
    user: UserId,
    code: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<CertificateVerification, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    if !caller.has_any(THEORY_MANAGERS) {
        return Err(ApiError::Forbidden);
    }
    let c = find(state, code).await?;
    let holder = persistence::users::get(&state.db, c.user_id).await?;
    let unit = persistence::units::get(&state.db, holder.unit_id).await?;
    if !caller.covers(THEORY_MANAGERS, &unit.path) {
        return Err(ApiError::NotFound("certificate"));
    }
    let reason = reason.trim().to_owned();
    if !(3..=500).contains(&reason.chars().count()) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "/reason",
            "give the reason in 3 to 500 characters",
        )]));
    }
    let txn = state.db.begin().await.map_err(PersistenceError::from)?;
    if !persistence::theory::revoke(&txn, c.id, user.into_uuid(), &reason, now).await? {
        return Err(Conflict::CertificateRevoked.into());
    }
    persistence::audit::record_at(
        &txn,
        Some(user),
        "certificate.revoke",
        Some(c.id.into_uuid()),
        Some(unit.id),
        json!({"reason": reason, "user_id": c.user_id, "code": c.code}),
    )
    .await?;
    txn.commit().await.map_err(PersistenceError::from)?;
    let c = find(state, &c.code).await?;
    verification(state, c, true).await
}

/// A certificate as its holder's managers see it: full name, unit, and why it was revoked.
#[derive(Debug, Serialize, ToSchema)]
pub struct ManagedCertificate {
    /// The code (10 characters).
    pub code: String,
    /// As printed, `ABCDE-12345`.
    pub display_code: String,
    /// The holder.
    pub user_id: uuid::Uuid,
    /// Their full name.
    pub full_name: String,
    /// Their unit.
    pub unit_id: uuid::Uuid,
    /// Its name.
    pub unit_name: String,
    /// The course version it certifies.
    pub course: CourseBrief,
    /// When the course was completed.
    pub issued_at: DateTime<Utc>,
    /// True while in force.
    pub valid: bool,
    /// When revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Why.
    pub revoked_reason: Option<String>,
    /// Who revoked it (full name).
    pub revoked_by_name: Option<String>,
}

/// A page of certificates.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateList {
    /// Newest first (revoked ones by revocation).
    pub items: Vec<ManagedCertificate>,
    /// How many match in all.
    pub total: u64,
}

/// Which certificates to list: `valid`, `revoked`, or all.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    /// Every certificate.
    #[default]
    All,
    /// In force.
    Valid,
    /// Revoked.
    Revoked,
}

/// The certificates held by members of a unit's subtree (organizers and unit admins over the
/// unit): all, in force or revoked, or the one with `code` (a malformed code is a 422 naming
/// `/code`; a code held outside the subtree simply is not listed).
pub async fn list(
    state: &AppState,
    user: UserId,
    unit_id: uuid::Uuid,
    status: CertificateStatus,
    code: Option<&str>,
    offset: u64,
    limit: Option<u64>,
) -> Result<CertificateList, ApiError> {
    use crate::persistence::theory::Standing;
    let limit = crate::app::paging::checked_limit(limit)?;
    let caller = Caller::load(&state.db, user).await?;
    let unit = caller
        .require_unit(
            &state.db,
            THEORY_MANAGERS,
            crate::domain::ids::UnitId::from_uuid(unit_id),
        )
        .await?;
    let code = match code.map(str::trim).filter(|c| !c.is_empty()) {
        None => None,
        Some(raw) => Some(parse_certificate_code(raw).map_err(|_| {
            ApiError::field("/code", "a certificate code is 10 letters and digits")
        })?),
    };
    let standing = match status {
        CertificateStatus::All => Standing::Any,
        CertificateStatus::Valid => Standing::Valid,
        CertificateStatus::Revoked => Standing::Revoked,
    };
    let (rows, total) = persistence::theory::certificates_within(
        &state.db,
        &unit.path,
        standing,
        code.as_deref(),
        offset,
        limit,
    )
    .await?;
    let mut people: Vec<UserId> = rows.iter().map(|c| c.user_id).collect();
    people.extend(rows.iter().filter_map(|c| c.revoked_by));
    let names = persistence::results::names(&state.db, &people).await?;
    let units = state.units.snapshot(&state.db).await?;
    let mut courses = std::collections::HashMap::new();
    let mut items = Vec::with_capacity(rows.len());
    for c in rows {
        if let std::collections::hash_map::Entry::Vacant(e) = courses.entry(c.course_id) {
            e.insert(persistence::theory::get_course(&state.db, c.course_id).await?);
        }
        let course = &courses[&c.course_id];
        let holder = persistence::users::get(&state.db, c.user_id).await?;
        items.push(ManagedCertificate {
            display_code: display_code(&c.code),
            full_name: names.get(&c.user_id).cloned().unwrap_or_default(),
            unit_id: holder.unit_id.into_uuid(),
            unit_name: units.name(Some(holder.unit_id.into_uuid())).to_owned(),
            course: CourseBrief {
                id: course.id.into_uuid(),
                code: course.code.clone(),
                version: course.version,
                title: course.title.clone(),
            },
            issued_at: c.issued_at,
            valid: c.revoked_at.is_none(),
            revoked_at: c.revoked_at,
            revoked_reason: c.revoked_reason,
            revoked_by_name: c.revoked_by.and_then(|b| names.get(&b).cloned()),
            user_id: c.user_id.into_uuid(),
            code: c.code,
        });
    }
    Ok(CertificateList { items, total })
}
