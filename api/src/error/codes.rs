//! The `code` vocabularies of problem bodies and field errors, published in the OpenAPI
//! document as the enum schemas `ProblemCode` and `FieldErrorCode`. The frontend generates its
//! types from that document and tests that it has a Vietnamese message for every code, so a
//! code added here without a message fails the frontend's tests, not a member's screen.
//!
//! Depends on nothing but the lists in this module tree ([`ApiError::CODES`],
//! [`Conflict::CODES`], [`FieldError::CODES`]).

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use super::{ApiError, Conflict, FieldError};

impl ApiError {
    /// Every code [`ApiError::code`] answers besides the 409s of [`Conflict::CODES`].
    pub const CODES: &'static [&'static str] = &[
        "validation_failed",
        "bad_request",
        "unauthorized",
        "invalid_credentials",
        "invalid_token",
        "forbidden",
        "managers_may_not_enter",
        "reads_answer_key",
        "results_not_published",
        "account_disabled",
        "not_found",
        "method_not_allowed",
        "retry_too_soon",
        "payload_too_large",
        "unsupported_media_type",
        "too_many_requests",
        "busy",
        "crowded",
        "unavailable",
        "internal_error",
    ];

    /// Every code a problem body can carry: [`Self::CODES`] then [`Conflict::CODES`].
    pub fn all_codes() -> impl Iterator<Item = &'static str> {
        Self::CODES.iter().chain(Conflict::CODES).copied()
    }
}

/// The schema of a problem's `code`: a string enum of [`ApiError::all_codes`]. Only a name and
/// a schema for the OpenAPI document; no value of it exists.
pub struct ProblemCode;

impl PartialSchema for ProblemCode {
    fn schema() -> RefOr<Schema> {
        string_enum(
            "Stable snake_case identifier of a problem, to switch on (never the English `detail`).",
            ApiError::all_codes(),
        )
    }
}

impl ToSchema for ProblemCode {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ProblemCode")
    }
}

/// The schema of a field error's `code`: a string enum of [`FieldError::CODES`].
pub struct FieldErrorCode;

impl PartialSchema for FieldErrorCode {
    fn schema() -> RefOr<Schema> {
        string_enum(
            "Why one field failed: `required`, `unknown_field`, `invalid_type`, `taken`, or \
             `invalid` for a value the field's rules refuse.",
            FieldError::CODES.iter().copied(),
        )
    }
}

impl ToSchema for FieldErrorCode {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("FieldErrorCode")
    }
}

fn string_enum(description: &str, values: impl Iterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(values))
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every variant, so that a new one without a listed code fails here.
    fn every_api_error() -> Vec<ApiError> {
        vec![
            ApiError::Validation(vec![]),
            ApiError::BadRequest(String::new()),
            ApiError::Unauthorized,
            ApiError::InvalidCredentials,
            ApiError::InvalidRefreshToken,
            ApiError::Forbidden,
            ApiError::ManagersMayNotEnter,
            ApiError::ReadsAnswerKey,
            ApiError::ResultsNotPublished,
            ApiError::AccountDisabled,
            ApiError::NotFound("thing"),
            ApiError::MethodNotAllowed(vec![]),
            ApiError::Conflict(Conflict::Exists),
            ApiError::RetryTooSoon {
                allowed_at: chrono::Utc::now(),
            },
            ApiError::PayloadTooLarge(1),
            ApiError::UnsupportedMediaType(String::new()),
            ApiError::TooManyRequests {
                retry_after_secs: 1,
            },
            ApiError::Busy {
                retry_after_secs: 1,
            },
            ApiError::Crowded {
                retry_after_secs: 1,
            },
            ApiError::Unavailable(anyhow::anyhow!("down")),
            ApiError::Unexpected(anyhow::anyhow!("broken")),
        ]
    }

    #[test]
    fn every_problem_code_is_listed_once() {
        let mut listed: Vec<&str> = ApiError::all_codes().collect();
        let count = listed.len();
        listed.sort_unstable();
        listed.dedup();
        assert_eq!(listed.len(), count, "a code is listed twice");
        for e in every_api_error() {
            assert!(listed.contains(&e.code()), "{} is not listed", e.code());
        }
        let own: Vec<&str> = every_api_error()
            .iter()
            .filter(|e| !matches!(e, ApiError::Conflict(_)))
            .map(ApiError::code)
            .collect();
        for code in ApiError::CODES {
            assert!(own.contains(code), "{code} is listed but never answered");
        }
    }
}
