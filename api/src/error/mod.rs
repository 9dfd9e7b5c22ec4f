//! One error type for every handler, answered as `application/problem+json` (RFC 9457).
//!
//! The body is `{type, title, status, detail, code, errors?}`; `code` is a stable snake_case
//! word the frontend switches on and `errors` lists field failures as JSON pointers. 5xx bodies
//! never carry internals: the cause chain is logged once, here, and the client gets a generic
//! message. Extractor failures (malformed JSON, bad path or query, oversized bodies) and unknown
//! routes are mapped into the same type by the handlers at the bottom of this file.

mod codes;
mod conflict;

use std::fmt::Write as _;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, error::JsonPayloadError};
use serde::Serialize;
use utoipa::ToSchema;

pub use codes::{FieldErrorCode, ProblemCode};
pub use conflict::{Conflict, Frozen};

/// A failure of one input field.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// JSON pointer to the field, e.g. `/phone` or `/rows/3/code`.
    pub pointer: String,
    /// Stable snake_case reason to switch on: `required`, `unknown_field`, `invalid_type`,
    /// `taken`, or `invalid` for a value the field's rules refuse (the detail says which).
    #[schema(value_type = FieldErrorCode, example = "invalid")]
    pub code: &'static str,
    /// What is wrong, in plain words.
    pub detail: String,
    /// The same in Vietnamese, where the layer that found the problem wrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail_vi: Option<String>,
}

impl FieldError {
    /// The codes a field error can carry.
    pub const CODES: &'static [&'static str] = &[
        "invalid",
        "required",
        "unknown_field",
        "invalid_type",
        "taken",
    ];

    /// A value of the field at `pointer` that its rules refuse.
    pub fn new(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            code: "invalid",
            detail: detail.into(),
            detail_vi: None,
        }
    }

    /// The same failure with a more specific code, one of [`Self::CODES`].
    pub fn with_code(mut self, code: &'static str) -> Self {
        debug_assert!(
            Self::CODES.contains(&code),
            "unlisted field error code {code}"
        );
        self.code = code;
        self
    }

    /// Adds the Vietnamese wording.
    pub fn with_vi(mut self, detail_vi: impl Into<String>) -> Self {
        self.detail_vi = Some(detail_vi.into());
        self
    }
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 422 `validation_failed`: the body parsed but fields failed validation.
    #[error("request failed validation")]
    Validation(Vec<FieldError>),
    /// 400 `bad_request`: the request could not be read (malformed JSON, bad query or path).
    #[error("{0}")]
    BadRequest(String),
    /// 401 `unauthorized`, with `WWW-Authenticate: Bearer`.
    #[error("authentication required")]
    Unauthorized,
    /// 401 `invalid_credentials`: wrong phone or password (never says which).
    #[error("wrong phone number or password")]
    InvalidCredentials,
    /// 401 `invalid_token`: a refresh token that is unknown, expired, revoked or reused.
    #[error("the refresh token is not valid")]
    InvalidRefreshToken,
    /// 403 `forbidden`: signed in, but the action needs a role the caller does not have.
    #[error("you may not do this")]
    Forbidden,
    /// 403 `managers_may_not_enter`: the caller organises this contest, which does not let its
    /// organizers enter.
    #[error("you organise this contest, so you may not enter it")]
    ManagersMayNotEnter,
    /// 403 `reads_answer_key`: the caller can read the answer key of questions this round
    /// draws, so they may not enter it.
    #[error("you can read the answers of this round's questions, so you may not enter it")]
    ReadsAnswerKey,
    /// 403 `results_not_published`: the round shows members nothing of their score (review
    /// `none`), so its boards wait for the published results; its organizers see them live.
    #[error("this round's results are shown once they are published")]
    ResultsNotPublished,
    /// 403 `account_disabled`: the account was disabled by a manager; it cannot sign in,
    /// refresh, or use an access token it still holds.
    #[error("this account has been disabled")]
    AccountDisabled,
    /// 404 `not_found`, also for "exists but outside your scope".
    #[error("{0} not found")]
    NotFound(&'static str),
    /// 405 `method_not_allowed`, with the `Allow` header.
    #[error("method not allowed")]
    MethodNotAllowed(Vec<String>),
    /// 409: the request clashes with the data; the [`Conflict`] says why, with its own code.
    #[error("{0}")]
    Conflict(#[from] Conflict),
    /// 409 `retry_too_soon`: a theory test asks for a wait between attempts; the problem's
    /// `allowed_at` (and `Retry-After`) say when the next may start.
    #[error("wait before the next attempt: it may start at {allowed_at}")]
    RetryTooSoon {
        /// When the next attempt may start.
        allowed_at: chrono::DateTime<chrono::Utc>,
    },
    /// 413 `payload_too_large`.
    #[error("request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    /// 415 `unsupported_media_type`.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 429 `too_many_requests`, with `Retry-After`.
    #[error("too many attempts; try again in {retry_after_secs} seconds")]
    TooManyRequests {
        /// Seconds until the window frees up.
        retry_after_secs: u64,
    },
    /// 503 `busy`, with `Retry-After`: too many passwords are being checked at once (a sign-in
    /// storm); the queue is full, so this request was refused before it cost anything.
    #[error("too many people are signing in right now; try again in {retry_after_secs} seconds")]
    Busy {
        /// Seconds to wait: the queue's expected drain time, spread a little.
        retry_after_secs: u64,
    },
    /// 503 `crowded`, with `Retry-After`: the server is working on as many requests as it
    /// takes at once (`intake`); this one was refused before it cost anything.
    #[error(
        "the server is busy with many requests right now; try again in {retry_after_secs} seconds"
    )]
    Crowded {
        /// Seconds to wait: a turn at the rate requests are being completed.
        retry_after_secs: u64,
    },
    /// 503 `unavailable`: a dependency (database, scoring store) is down.
    #[error("service temporarily unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// 500 `internal_error`: logged with its cause chain, never shown to the client.
    #[error("internal error")]
    Unexpected(#[from] anyhow::Error),
}

impl ApiError {
    /// A 422 naming one field.
    pub fn field(pointer: impl Into<String>, detail: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(pointer, detail)])
    }

    /// The stable `code` of the problem body.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::InvalidCredentials => "invalid_credentials",
            Self::InvalidRefreshToken => "invalid_token",
            Self::Forbidden => "forbidden",
            Self::ManagersMayNotEnter => "managers_may_not_enter",
            Self::ReadsAnswerKey => "reads_answer_key",
            Self::ResultsNotPublished => "results_not_published",
            Self::AccountDisabled => "account_disabled",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::Conflict(conflict) => conflict.code(),
            Self::RetryTooSoon { .. } => "retry_too_soon",
            Self::PayloadTooLarge(_) => "payload_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Busy { .. } => "busy",
            Self::Crowded { .. } => "crowded",
            Self::Unavailable(_) => "unavailable",
            Self::Unexpected(_) => "internal_error",
        }
    }
}

/// The `application/problem+json` body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (`about:blank` style: stable per `code`).
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong here, in plain words.
    pub detail: String,
    /// Stable snake_case identifier to switch on.
    #[schema(value_type = ProblemCode)]
    pub code: String,
    /// Field failures, for `validation_failed` and some conflicts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// For `retry_too_soon`: when the next attempt may start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// For `attempt_in_progress`: the running attempt, to resume it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempt_id: Option<uuid::Uuid>,
    /// For `round_not_open` before the round: when it opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<chrono::DateTime<chrono::Utc>>,
    /// For `round_not_open` after the round and `round_not_closed`: when it closes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<chrono::DateTime<chrono::Utc>>,
    /// For `attempts_exhausted`: how many attempts the round allows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_allowed: Option<u32>,
    /// For `duplicate_question`: the question already in the bank.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question_id: Option<uuid::Uuid>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized | Self::InvalidCredentials | Self::InvalidRefreshToken => {
                StatusCode::UNAUTHORIZED
            }
            Self::Forbidden
            | Self::ManagersMayNotEnter
            | Self::ReadsAnswerKey
            | Self::ResultsNotPublished
            | Self::AccountDisabled => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) | Self::RetryTooSoon { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy { .. } | Self::Crowded { .. } | Self::Unavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        // A full hashing queue or a full server is load shedding working as designed, not a
        // failure to log.
        if status.is_server_error() && !matches!(self, Self::Busy { .. } | Self::Crowded { .. }) {
            tracing::error!(error.code = self.code(), error.cause_chain = %cause_chain(self), "request failed");
        } else {
            tracing::debug!(error.code = self.code(), error.detail = %self, "request refused");
        }
        let detail = match self {
            Self::Validation(errors) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
                format!(
                    "{} field(s) failed validation: {}",
                    errors.len(),
                    fields.join(", ")
                )
            }
            // Never the cause: it may name tables, hosts or SQL.
            Self::Unavailable(_) => {
                "a service dautri depends on is unavailable; try again shortly".into()
            }
            Self::Unexpected(_) => "something went wrong on our side; it has been logged".into(),
            other => other.to_string(),
        };
        let errors = match self {
            Self::Validation(errors) => Some(errors.clone()),
            Self::Conflict(conflict) => conflict.field().map(|(pointer, code)| {
                vec![FieldError::new(pointer, conflict.to_string()).with_code(code)]
            }),
            _ => None,
        };
        let mut problem = Problem {
            kind: format!(
                "https://dautri.vn/problems/{}",
                self.code().replace('_', "-")
            ),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail,
            code: self.code().to_owned(),
            errors,
            allowed_at: match self {
                Self::RetryTooSoon { allowed_at } => Some(*allowed_at),
                _ => None,
            },
            attempt_id: None,
            opens_at: None,
            closes_at: None,
            attempts_allowed: None,
            question_id: None,
        };
        if let Self::Conflict(conflict) = self {
            conflict.extend(&mut problem);
        }
        let mut response = HttpResponse::build(status);
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        match self {
            Self::Unauthorized | Self::InvalidRefreshToken => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
            }
            Self::MethodNotAllowed(allowed) => {
                response.insert_header((header::ALLOW, allowed.join(", ")));
            }
            Self::TooManyRequests { retry_after_secs }
            | Self::Busy { retry_after_secs }
            | Self::Crowded { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            // A dependency is down: say when trying again is worth it, so clients (and the
            // member app) back off instead of hammering a recovering service.
            Self::Unavailable(_) => {
                response.insert_header((
                    header::RETRY_AFTER,
                    UNAVAILABLE_RETRY_AFTER_SECS.to_string(),
                ));
            }
            Self::RetryTooSoon { allowed_at } => {
                let secs = (*allowed_at - chrono::Utc::now()).num_seconds().max(1);
                response.insert_header((header::RETRY_AFTER, secs.to_string()));
            }
            _ => {}
        }
        // `.json()` would keep our content type; serialising a plain struct cannot fail.
        response.body(serde_json::to_vec(&problem).unwrap_or_default())
    }
}

/// Seconds a client should wait before retrying after a 503.
pub const UNAVAILABLE_RETRY_AFTER_SECS: u64 = 3;

/// The error and its sources, one per line, for the log.
pub fn cause_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut current = e.source();
    while let Some(cause) = current {
        let _ = write!(out, "\n  caused by: {cause}");
        current = cause.source();
    }
    out
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        Self::Validation(field_errors("", &errors))
    }
}

fn field_errors(prefix: &str, errors: &validator::ValidationErrors) -> Vec<FieldError> {
    use validator::ValidationErrorsKind as K;
    let mut out = Vec::new();
    for (field, kind) in errors.errors() {
        let pointer = format!("{prefix}/{field}");
        match kind {
            K::Field(list) => {
                for e in list {
                    let detail = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| format!("{field} is not valid ({})", e.code));
                    out.push(FieldError::new(pointer.clone(), detail));
                }
            }
            K::Struct(inner) => out.extend(field_errors(&pointer, inner)),
            K::List(items) => {
                for (i, inner) in items {
                    out.extend(field_errors(&format!("{pointer}/{i}"), inner));
                }
            }
        }
    }
    out.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    out
}

/// Maps JSON extractor failures (syntax, types, size, content type) to problems.
pub fn json_error_handler(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { limit, .. }
        | JsonPayloadError::Overflow { limit } => ApiError::PayloadTooLarge(*limit),
        JsonPayloadError::ContentType => ApiError::UnsupportedMediaType(
            "the body must be JSON (Content-Type: application/json)".into(),
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            // serde says which field and why ("missing field `phone`", "invalid type …").
            let message = e.to_string();
            let pointer = missing_or_named_field(&message)
                .map(|f| format!("/{f}"))
                .unwrap_or_else(|| "/".into());
            let code = serde_code(&message);
            ApiError::Validation(vec![FieldError::new(pointer, message).with_code(code)])
        }
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(format!("malformed JSON: {e}")),
        other => ApiError::BadRequest(format!("could not read the body: {other}")),
    };
    api.into()
}

/// The field error code of a serde data error.
fn serde_code(message: &str) -> &'static str {
    if message.starts_with("missing field") {
        "required"
    } else if message.starts_with("unknown field") {
        "unknown_field"
    } else if message.starts_with("invalid type") {
        "invalid_type"
    } else {
        "invalid"
    }
}

/// Finds the field a serde data error is about (`missing field `x``, `unknown field `x``).
fn missing_or_named_field(message: &str) -> Option<&str> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(&message[start..start + len])
}

/// Maps path-parameter failures (e.g. a malformed UUID) to 404: no such resource can exist.
pub fn path_error_handler(
    err: actix_web::error::PathError,
    _req: &HttpRequest,
) -> actix_web::Error {
    tracing::debug!(cause = %err, "path did not parse");
    ApiError::NotFound("resource").into()
}

/// Maps query-string failures to problems naming the parameter.
pub fn query_error_handler(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    let message = err.to_string();
    let field = missing_or_named_field(&message)
        .map(|f| format!("/{f}"))
        .unwrap_or_else(|| "/query".into());
    let code = serde_code(message.trim_start_matches("Query deserialize error: "));
    ApiError::Validation(vec![FieldError::new(field, message).with_code(code)]).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_field_in_serde_messages() {
        assert_eq!(
            missing_or_named_field("missing field `phone` at line 1 column 2"),
            Some("phone")
        );
        assert_eq!(missing_or_named_field("expected value"), None);
    }

    #[test]
    fn unavailable_says_when_to_retry() {
        let e = ApiError::Unavailable(anyhow::anyhow!("connection refused"));
        let response = e.error_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response
                .headers()
                .get(header::RETRY_AFTER)
                .map(|v| v.as_bytes()),
            Some(UNAVAILABLE_RETRY_AFTER_SECS.to_string().as_bytes())
        );
    }

    #[test]
    fn server_errors_do_not_leak_their_cause() {
        let e = ApiError::Unexpected(anyhow::anyhow!("relation \"users\" does not exist"));
        let body = actix_web::body::to_bytes(e.error_response().into_body());
        let bytes = futures_util::FutureExt::now_or_never(body)
            .expect("ready")
            .expect("body");
        let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
        assert!(!text.contains("relation"), "{text}");
        assert!(text.contains("internal_error"));
    }
}
