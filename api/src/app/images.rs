//! Pictures in questions: who may upload one, what is accepted (PNG, JPEG or WebP, told by the
//! bytes and a decodable header, at most [`MAX_IMAGE_BYTES`] and [`question_bank::images::MAX_SIDE`]
//! pixels a side), and that a question only names pictures that are stored.

use question_bank::{ImageError, ImageType, Question};

use crate::app::bank;
use crate::auth::Caller;
use crate::domain::ids::UserId;
use crate::domain::media::{MediaType, media_name};
use crate::error::{ApiError, FieldError};
use crate::persistence::images::{ImageStore, ImageStoreError};
use crate::state::AppState;

/// Largest picture accepted, in bytes.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;

/// A stored picture.
#[derive(Debug, Clone)]
pub struct StoredImage {
    /// Its image name (what questions store).
    pub name: String,
    /// Its type.
    pub kind: ImageType,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Size in bytes.
    pub bytes: usize,
}

/// The store of this server: the data directory, or the object store when one is configured.
pub fn store(state: &AppState) -> &ImageStore {
    &state.images
}

/// A store that failed is a service that is down: 503 with `Retry-After`, never 500.
pub fn unavailable(e: ImageStoreError, what: &'static str) -> ApiError {
    ApiError::Unavailable(anyhow::Error::new(e).context(what))
}

/// Checks and stores a picture uploaded by `user`, who must manage a bank: `file` reads the
/// upload (its declared type and bytes) and is awaited only once that is known, so nobody else
/// gets to send a body. The type is told by the bytes: a file that is not PNG, JPEG or WebP, or
/// whose declared type names another of them, is 415; one that starts like a picture but whose
/// header does not decode, or whose size is out of bounds, is 422 naming `/file`.
pub async fn upload(
    state: &AppState,
    user: UserId,
    file: impl std::future::Future<Output = Result<(Option<String>, Vec<u8>), ApiError>>,
) -> Result<StoredImage, ApiError> {
    let caller = Caller::load(&state.db, user).await?;
    bank::visibility(&caller)?;
    let (declared, bytes) = file.await?;
    let declared = declared.as_deref();
    let info = question_bank::sniff(&bytes).map_err(|e| match e {
        ImageError::UnsupportedType => ApiError::UnsupportedMediaType(e.to_string()),
        other => ApiError::Validation(vec![
            FieldError::new("/file", other.to_string()).with_vi(vietnamese(&other)),
        ]),
    })?;
    if let Some(claimed) = declared.and_then(ImageType::from_mime)
        && claimed != info.kind
    {
        return Err(ApiError::UnsupportedMediaType(format!(
            "the file is sent as {} but its bytes are {}",
            claimed.mime(),
            info.kind.mime()
        )));
    }
    let name = question_bank::image_name(&bytes, info.kind);
    let size = bytes.len();
    store(state)
        .write(&name, bytes)
        .await
        .map_err(|e| unavailable(e, "cannot store the picture"))?;
    Ok(StoredImage {
        name,
        kind: info.kind,
        width: info.width,
        height: info.height,
        bytes: size,
    })
}

fn vietnamese(e: &ImageError) -> String {
    match e {
        ImageError::UnsupportedType => "chỉ nhận ảnh PNG, JPEG hoặc WebP".to_owned(),
        ImageError::Corrupt(_) => "tệp ảnh bị hỏng hoặc không đúng định dạng".to_owned(),
        ImageError::BadDimensions { width, height } => format!(
            "ảnh có kích thước {width}×{height} điểm ảnh; mỗi cạnh phải từ 1 đến {}",
            question_bank::images::MAX_SIDE
        ),
    }
}

/// A stored picture's bytes and type, or 404 (see [`read_media`]).
pub async fn read(state: &AppState, name: &str) -> Result<(Vec<u8>, ImageType), ApiError> {
    let kind = question_bank::parse_image_name(name).ok_or(ApiError::NotFound("image"))?;
    let bytes = read_media(state, name, MediaType::Image(kind), "image").await?;
    Ok((bytes, kind))
}

/// The bytes of the stored file `name` (a media name of type `kind`), or 404 naming `what`.
/// What the store gave back must hash to the name: it is served as immutable for a year, so an
/// object changed in the bucket (or a damaged file) is refused (503, logged) rather than cached
/// by every browser.
pub(crate) async fn read_media(
    state: &AppState,
    name: &str,
    kind: MediaType,
    what: &'static str,
) -> Result<Vec<u8>, ApiError> {
    match store(state).read(name).await {
        Ok(Some(bytes)) => {
            let (bytes, actual) = crate::telemetry::spawn_blocking_with_tracing(move || {
                let actual = media_name(&bytes, kind);
                (bytes, actual)
            })
            .await
            .map_err(|e| ApiError::Unexpected(anyhow::Error::new(e).context("hash task failed")))?;
            if actual != name {
                return Err(ApiError::Unavailable(anyhow::anyhow!(
                    "the stored file {name} does not match its name (its bytes are {actual})"
                )));
            }
            Ok(bytes)
        }
        Ok(None) => Err(ApiError::NotFound(what)),
        Err(e) => Err(unavailable(e, "cannot read a stored file")),
    }
}

/// The pictures `q` names, with the field each is named in (`image`, `options[1].image`).
pub fn named_in(q: &Question) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    if let Some(name) = &q.image {
        out.push(("image".to_owned(), name.as_str()));
    }
    for (i, option) in q.options.iter().enumerate() {
        if let Some(name) = &option.image {
            out.push((format!("options[{i}].image"), name.as_str()));
        }
    }
    out
}

/// Refuses a question that names a picture nobody uploaded (422 naming the field); 503 when
/// the store cannot say.
pub async fn ensure_stored(state: &AppState, q: &Question) -> Result<(), ApiError> {
    let store = store(state);
    let mut missing = Vec::new();
    for (field, name) in named_in(q) {
        let stored = store
            .exists(name)
            .await
            .map_err(|e| unavailable(e, "cannot look up a picture"))?;
        if !stored {
            missing.push(
                question_bank::Problem::new(
                    format!("no uploaded picture is named {name}"),
                    "không tìm thấy ảnh này trên máy chủ; hãy tải ảnh lên lại",
                )
                .field(field),
            );
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(bank::problems_to_errors(missing)))
    }
}
