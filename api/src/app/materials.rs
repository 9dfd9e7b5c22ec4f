//! Study materials uploaded for a programme's lessons (#20): PDF documents (a resolution's text,
//! a thematic booklet) and pictures (a scanned page, a slide), kept in the media store beside
//! the bank's pictures and named by their content, so a lesson's material never changes under
//! the members who were sent it.
//!
//! Who uploads: those who may manage some programme (system admins, organizers). Which lesson
//! names a file is checked when a lesson is saved ([`ensure_stored`]), as a question's pictures
//! are.

use question_bank::ImageError;

use crate::app::images::{read_media, store, unavailable};
use crate::auth::Caller;
use crate::domain::ids::UserId;
use crate::domain::media::{MediaType, PdfError, check_pdf, media_name, parse_media_name};
use crate::domain::role::Role;
use crate::domain::theory::{MATERIALS_PATH, Material};
use crate::error::{ApiError, FieldError};
use crate::state::AppState;

/// Largest material accepted, in bytes: a resolution's full text with its appendices is a few
/// megabytes; a scanned booklet can be more.
pub const MAX_MATERIAL_BYTES: usize = 20 * 1024 * 1024;

/// A stored material file.
#[derive(Debug, Clone)]
pub struct StoredMaterial {
    /// Its media name.
    pub name: String,
    /// What it is.
    pub kind: MediaType,
    /// Size in bytes.
    pub bytes: usize,
}

impl StoredMaterial {
    /// Where it is served: the `url` a lesson's material gives.
    pub fn url(&self) -> String {
        format!("{MATERIALS_PATH}{}", self.name)
    }
}

/// Checks and stores a material uploaded by `user`, who must be a system admin or an organizer:
/// `file` reads the upload (declared type and bytes) and is awaited only after that check. The
/// type is told by the bytes: anything but a PDF, PNG, JPEG or WebP, or a file declared as one
/// of them that is another, is 415; a PDF without its end (cut off in transfer) or a damaged
/// picture is 422 naming `/file`.
pub async fn upload(
    state: &AppState,
    user: UserId,
    file: impl std::future::Future<Output = Result<(Option<String>, Vec<u8>), ApiError>>,
) -> Result<StoredMaterial, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    if !caller.has_any(&[Role::Organizer]) {
        return Err(ApiError::Forbidden);
    }
    let (declared, bytes) = file.await?;
    let kind = kind_of(&bytes)?;
    if let Some(claimed) = declared.as_deref().and_then(MediaType::from_mime)
        && claimed != kind
    {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the file is sent as {} but its bytes are {}",
            claimed.mime(),
            kind.mime()
        )));
    }
    let name = media_name(&bytes, kind);
    let size = bytes.len();
    store(state)
        .write(&name, bytes)
        .await
        .map_err(|e| unavailable(e, "cannot store the material"))?;
    Ok(StoredMaterial {
        name,
        kind,
        bytes: size,
    })
}

/// What the bytes are: a whole PDF or a picture whose header decodes.
fn kind_of(bytes: &[u8]) -> Result<MediaType, ApiError> {
    let bad = |en: String, vi: String| {
        ApiError::Validation(vec![FieldError::new("/file", en).with_vi(vi)])
    };
    match check_pdf(bytes) {
        Ok(()) => return Ok(MediaType::Pdf),
        Err(e @ PdfError::Truncated) => {
            return Err(bad(
                e.to_string(),
                "Tệp PDF không trọn vẹn (có thể bị ngắt khi tải lên); hãy tải lại tệp gốc.".into(),
            ));
        }
        Err(PdfError::NotPdf) => {}
    }
    match question_bank::sniff(bytes) {
        Ok(info) => Ok(MediaType::Image(info.kind)),
        Err(ImageError::UnsupportedType) => Err(ApiError::UnsupportedMediaType(
            "a study material is a PDF, PNG, JPEG or WebP file".to_owned(),
        )),
        Err(e @ ImageError::Corrupt(_)) => Err(bad(
            e.to_string(),
            "Tệp ảnh bị hỏng hoặc không đúng định dạng.".into(),
        )),
        Err(e @ ImageError::BadDimensions { .. }) => Err(bad(
            e.to_string(),
            format!(
                "Ảnh quá lớn: mỗi cạnh tối đa {} điểm ảnh.",
                question_bank::images::MAX_SIDE
            ),
        )),
    }
}

/// A stored material's bytes and type, or 404.
pub async fn read(state: &AppState, name: &str) -> Result<(Vec<u8>, MediaType), ApiError> {
    let kind = parse_media_name(name).ok_or(ApiError::NotFound("material"))?;
    let bytes = read_media(state, name, kind, "material").await?;
    Ok((bytes, kind))
}

/// Refuses lessons whose materials name an uploaded file that is not stored (422 naming
/// `{at}/materials/{i}/url`); 503 when the store cannot say. `lessons` pairs each lesson's
/// pointer with its materials.
pub async fn ensure_stored<'a>(
    state: &AppState,
    lessons: impl IntoIterator<Item = (String, &'a [Material])>,
) -> Result<(), ApiError> {
    let mut missing = Vec::new();
    for (at, materials) in lessons {
        for (i, material) in materials.iter().enumerate() {
            let Some(name) = material.uploaded() else {
                continue;
            };
            let stored = store(state)
                .exists(name)
                .await
                .map_err(|e| unavailable(e, "cannot look up a material"))?;
            if !stored {
                missing.push(
                    FieldError::new(
                        format!("{at}/materials/{i}/url"),
                        format!("no uploaded material is named {name}"),
                    )
                    .with_vi("Không tìm thấy tệp tài liệu này trên máy chủ; hãy tải lên lại."),
                );
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(missing))
    }
}
