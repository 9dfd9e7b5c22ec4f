//! Reading one uploaded file from a `multipart/form-data` body, within a size limit.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, web};
use futures_util::StreamExt;

use crate::error::ApiError;

/// An uploaded file.
pub struct Upload {
    /// The client's file name, if sent.
    pub file_name: Option<String>,
    /// The type the client declared for the part (`Content-Type`), if any; never trusted.
    pub content_type: Option<String>,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Reads the form field `field` of a multipart body, refusing more than `limit` bytes.
pub async fn read_file(
    req: &HttpRequest,
    payload: web::Payload,
    field: &str,
    limit: usize,
) -> Result<Upload, ApiError> {
    let is_multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_multipart {
        return Err(ApiError::UnsupportedMediaType(format!(
            "send the file as multipart/form-data in a field named `{field}`"
        )));
    }
    let mut multipart = Multipart::new(req.headers(), payload);
    while let Some(part) = multipart.next().await {
        let mut part =
            part.map_err(|e| ApiError::BadRequest(format!("could not read the upload: {e}")))?;
        if part.name() != Some(field) {
            // Drain other fields so the stream can advance.
            while let Some(chunk) = part.next().await {
                chunk
                    .map_err(|e| ApiError::BadRequest(format!("could not read the upload: {e}")))?;
            }
            continue;
        }
        let file_name = part
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .map(str::to_owned);
        let content_type = part.content_type().map(|m| m.essence_str().to_owned());
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk
                .map_err(|e| ApiError::BadRequest(format!("could not read the upload: {e}")))?;
            if bytes.len() + chunk.len() > limit {
                return Err(ApiError::PayloadTooLarge(limit));
            }
            bytes.extend_from_slice(&chunk);
        }
        return Ok(Upload {
            file_name,
            content_type,
            bytes,
        });
    }
    Err(ApiError::field(
        format!("/{field}"),
        format!("the form has no file field named `{field}`"),
    ))
}

/// Reads an uploaded CSV or XLSX file into a table on a blocking thread, through the one
/// hardened reader (`sheets::read`: size, zip and row limits checked before anything is
/// allocated for them). Every refusal is a 4xx naming `/file`.
pub async fn read_table(
    file: Upload,
    limits: sheets::read::ReadLimits,
) -> Result<sheets::read::Table, ApiError> {
    use sheets::read::ReadError;
    let Upload {
        file_name, bytes, ..
    } = file;
    let read = crate::telemetry::spawn_blocking_with_tracing(move || {
        sheets::read::read_table(&bytes, file_name.as_deref(), &limits)
    })
    .await;
    match read {
        Ok(Ok(table)) => Ok(table),
        Ok(Err(ReadError::UnsupportedType)) => Err(ApiError::UnsupportedMediaType(
            ReadError::UnsupportedType.to_string(),
        )),
        Ok(Err(ReadError::FileTooLarge { max_bytes })) => Err(ApiError::PayloadTooLarge(max_bytes)),
        Ok(Err(e)) => Err(ApiError::field("/file", e.to_string())),
        // A reader that panicked on a hostile file costs this request only; the file is what
        // was wrong, so the answer is the same as for any unreadable file.
        Err(join) if join.is_panic() => {
            tracing::error!(error = %join, "the table reader panicked on an uploaded file");
            Err(ApiError::field("/file", "this file cannot be read"))
        }
        Err(join) => Err(ApiError::Unavailable(anyhow::anyhow!(join))),
    }
}
