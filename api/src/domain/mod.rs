//! Domain types: valid by construction, no actix, no sea-orm (save the ids' `DeriveValueType`,
//! see `ids`). Functions take `now`/`today` as arguments rather than reading the clock.

pub mod contest;
pub mod ids;
pub mod item_stats;
pub mod media;
pub mod network;
pub mod paging;
pub mod password;
pub mod person;
pub mod phone;
pub mod programme;
pub mod rfc3339;
pub mod role;
pub mod text;
pub mod theory;
pub mod time;
pub mod transfer;
pub mod unit;

/// A rule a value broke; the boundary turns it into a field error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
