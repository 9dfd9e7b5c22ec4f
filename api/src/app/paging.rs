//! The paging rule of lists: how many rows a page may ask for.
//!
//! Lives in the application layer so that the boards and results (`app::boards`) check a
//! `limit` exactly as the routes' `Pagination` does; the slice arithmetic itself is
//! `domain::paging`.

use crate::error::ApiError;

/// A list's `limit`: 1–200, 50 when absent.
pub fn checked_limit(limit: Option<u64>) -> Result<u64, ApiError> {
    match limit {
        None => Ok(50),
        Some(l @ 1..=200) => Ok(l),
        Some(_) => Err(ApiError::field("/limit", "limit must be between 1 and 200")),
    }
}
