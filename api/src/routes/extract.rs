//! Request extractors that fail as problems naming the field.
//!
//! # Implementation notes
//! actix's own `web::Json` reports a type error without saying where; this one deserialises
//! through `serde_path_to_error`, so `{"unit_id": "x"}` answers 422 with pointer `/unit_id`.

use std::pin::Pin;

use actix_web::http::header;
use actix_web::web::{self, BytesMut};
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};
use crate::state::AppState;

/// A JSON body of type `T`.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<AppState>>()
            .map(|s| s.settings.max_json_bytes)
            .unwrap_or(64 * 1024);
        let content_type_ok = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let mime = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json"
                    || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::UnsupportedMediaType(
                    "the body must be JSON (Content-Type: application/json)".into(),
                ));
            }
            if declared_len.is_some_and(|len| len > limit) {
                return Err(ApiError::PayloadTooLarge(limit));
            }
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk
                    .map_err(|e| ApiError::BadRequest(format!("could not read the body: {e}")))?;
                if body.len() + chunk.len() > limit {
                    return Err(ApiError::PayloadTooLarge(limit));
                }
                body.extend_from_slice(&chunk);
            }
            parse(&body).map(Json)
        })
    }
}

/// Deserialises `body`, naming the field at fault.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    refuse_nul_in_json(body)?;
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(value) => Ok(value),
        Err(err) => {
            let inner = err.inner();
            if !inner.is_data() {
                return Err(ApiError::BadRequest(format!("malformed JSON: {inner}")));
            }
            let mut pointer = pointer_of(err.path());
            let message = inner.to_string();
            // "missing field `x`" is reported at the parent's path; "unknown field" already
            // points at the field itself.
            if let Some(name) =
                backticked(&message).filter(|_| message.starts_with("missing field"))
            {
                if pointer == "/" {
                    pointer.clear();
                }
                pointer = format!("{pointer}/{name}");
            }
            let detail = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned();
            Err(ApiError::Validation(vec![FieldError::new(pointer, detail)]))
        }
    }
}

/// The largest `offset` or `limit` any list accepts: past every real list, and within every
/// integer the database, Redis and Lua use, so a hostile `offset=9223372036854775808` is a 422
/// here instead of an overflow below.
pub const MAX_OFFSET: u64 = i32::MAX as u64;

/// Refuses a NUL character in any string of a JSON body: PostgreSQL cannot store one in text,
/// and no name, search or reason needs one. In valid JSON a NUL can only be written as the
/// escape `\u0000`, so the bytes are scanned for that first (cheap, and nothing else is done
/// for ordinary bodies); only then is the body walked to name the field.
fn refuse_nul_in_json(body: &[u8]) -> Result<(), ApiError> {
    let escaped_nul = body.windows(6).enumerate().any(|(i, w)| {
        w.eq_ignore_ascii_case(b"\\u0000")
            && body[..i].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0
    });
    if !escaped_nul {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Ok(()); // malformed: the typed parse reports it
    };
    match nul_pointer(&value, String::new()) {
        Some(pointer) => Err(ApiError::Validation(vec![FieldError::new(
            if pointer.is_empty() {
                "/".to_owned()
            } else {
                pointer
            },
            "text may not contain the NUL character (\\u0000)",
        )])),
        None => Ok(()),
    }
}

/// The JSON pointer of the first string (or key) holding a NUL.
fn nul_pointer(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(s) => s.contains('\0').then_some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_pointer(v, format!("{at}/{i}"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let here = format!("{at}/{}", k.replace('~', "~0").replace('/', "~1"));
            if k.contains('\0') {
                Some(here)
            } else {
                nul_pointer(v, here)
            }
        }),
        _ => None,
    }
}

/// Refuses what no query parameter may hold, before it is deserialised: a NUL character
/// (`%00`), and an `offset` or `limit` past [`MAX_OFFSET`].
fn check_query_pairs(query: &str) -> Result<(), ApiError> {
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        let pointer = || format!("/{}", key.replace('\0', ""));
        if key.contains('\0') || value.contains('\0') {
            return Err(ApiError::field(
                pointer(),
                format!(
                    "query parameter `{}` may not contain the NUL character (%00)",
                    key.replace('\0', "")
                ),
            ));
        }
        if (key == "offset" || key == "limit")
            && value
                .parse::<u128>()
                .is_ok_and(|n| n > u128::from(MAX_OFFSET))
        {
            return Err(ApiError::field(
                pointer(),
                format!("query parameter `{key}` must be at most {MAX_OFFSET}"),
            ));
        }
    }
    Ok(())
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push_str(&format!("/{}", key.replace('~', "~0").replace('/', "~1")))
            }
            Segment::Enum { variant } => out.push_str(&format!("/{variant}")),
            Segment::Unknown => {}
        }
    }
    if out.is_empty() { "/".to_owned() } else { out }
}

fn backticked(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// A query string of type `T`; a bad value answers 422 naming the parameter.
pub struct Query<T>(pub T);

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// Deserialises a query string, naming the parameter at fault.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    check_query_pairs(query)?;
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize::<_, T>(de).map_err(|err| {
        let mut pointer = pointer_of(err.path());
        let message = err.inner().to_string();
        if let Some(name) = backticked(&message).filter(|_| message.starts_with("missing field")) {
            if pointer == "/" {
                pointer.clear();
            }
            pointer = format!("{pointer}/{name}");
        }
        let parameter = pointer.trim_start_matches('/').to_owned();
        ApiError::Validation(vec![FieldError::new(
            pointer,
            format!("query parameter `{parameter}`: {message}"),
        )])
    })
}

/// `offset`/`limit` of list endpoints: limit defaults to 50, capped at 200.
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::IntoParams)]
pub struct Pagination {
    /// Rows to skip.
    #[serde(default)]
    pub offset: u64,
    /// Rows to return (1–200, default 50).
    pub limit: Option<u64>,
}

impl Pagination {
    /// Checked limit.
    pub fn limit(&self) -> Result<u64, ApiError> {
        checked_limit(self.limit)
    }
}

pub use crate::app::paging::checked_limit;
pub use crate::domain::paging::page_bounds;

/// Deserialises a field that distinguishes "absent" (`None`) from "null" (`Some(None)`).
pub fn double_option<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    serde::Deserialize::deserialize(de).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        phone: String,
        unit_id: uuid::Uuid,
        items: Option<Vec<Item>>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        n: u8,
    }

    fn pointer(body: &str) -> String {
        match parse::<Body>(body.as_bytes()) {
            Err(ApiError::Validation(errors)) => errors[0].pointer.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn names_the_field_at_fault() {
        assert_eq!(
            pointer(r#"{"unit_id": "00000000-0000-0000-0000-000000000000"}"#),
            "/phone"
        );
        assert_eq!(pointer(r#"{"phone": "1", "unit_id": "nope"}"#), "/unit_id");
        assert_eq!(
            pointer(
                r#"{"phone": "1", "unit_id": "00000000-0000-0000-0000-000000000000", "items": [{"n": 1}, {"n": 300}]}"#
            ),
            "/items/1/n"
        );
        assert_eq!(
            pointer(
                r#"{"phone": "1", "unit_id": "00000000-0000-0000-0000-000000000000", "fone": 1}"#
            ),
            "/fone"
        );
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert!(matches!(
            parse::<Body>(b"{\"phone\": "),
            Err(ApiError::BadRequest(_))
        ));
    }
}
