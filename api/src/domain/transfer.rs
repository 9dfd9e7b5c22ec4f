//! Unit transfer requests: a member asks to move to another unit, a manager of the receiving
//! unit decides. The states and the texts a request carries; no actix, no sea-orm.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Invalid;
use super::text::collapse_spaces;

/// Where a transfer request stands. Only `pending` can change, once, to one of the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = UnitTransferStatus)]
pub enum TransferStatus {
    /// Waiting for a manager of the receiving unit.
    Pending,
    /// Approved: the member's unit changed.
    Approved,
    /// Rejected, with a note.
    Rejected,
    /// Withdrawn by the member.
    Cancelled,
}

impl TransferStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads the stored spelling.
    pub fn from_stored(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "rejected" => Some(Self::Rejected),
            "cancelled" => Some(Self::Cancelled),
            _ => None,
        }
    }
}

/// Longest reason or decision note, in characters.
pub const MAX_NOTE: usize = 500;

/// The member's optional reason: white space collapsed; empty means none.
pub fn parse_reason(raw: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(text) = raw.map(collapse_spaces).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_NOTE {
        return Err(Invalid::new(format!(
            "the reason must be at most {MAX_NOTE} characters"
        )));
    }
    Ok(Some(text))
}

/// A decision note: optional on approval, required (at least 3 characters) on rejection, so
/// the member learns why.
pub fn parse_note(raw: Option<&str>, required: bool) -> Result<Option<String>, Invalid> {
    let text = raw.map(collapse_spaces).filter(|s| !s.is_empty());
    match text {
        None if required => Err(Invalid::new(
            "say why the request is rejected (3 to 500 characters)",
        )),
        None => Ok(None),
        Some(t) if t.chars().count() < 3 && required => Err(Invalid::new(
            "say why the request is rejected (3 to 500 characters)",
        )),
        Some(t) if t.chars().count() > MAX_NOTE => Err(Invalid::new(format!(
            "the note must be at most {MAX_NOTE} characters"
        ))),
        Some(t) => Ok(Some(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_storage() {
        for s in [
            TransferStatus::Pending,
            TransferStatus::Approved,
            TransferStatus::Rejected,
            TransferStatus::Cancelled,
        ] {
            assert_eq!(TransferStatus::from_stored(s.as_str()), Some(s));
        }
        assert_eq!(TransferStatus::from_stored("done"), None);
    }

    #[test]
    fn a_rejection_needs_a_note_and_an_approval_does_not() {
        assert!(parse_note(None, true).is_err());
        assert!(parse_note(Some("  "), true).is_err());
        assert!(parse_note(Some("ok"), true).is_err());
        assert_eq!(parse_note(None, false), Ok(None));
        assert_eq!(
            parse_note(Some("  Sai   đơn vị "), true),
            Ok(Some("Sai đơn vị".into()))
        );
        assert!(parse_note(Some(&"a".repeat(MAX_NOTE + 1)), false).is_err());
    }

    #[test]
    fn an_empty_reason_is_none_and_a_long_one_is_refused() {
        assert_eq!(parse_reason(Some("   ")), Ok(None));
        assert_eq!(parse_reason(None), Ok(None));
        assert_eq!(
            parse_reason(Some("Chuyển công tác")),
            Ok(Some("Chuyển công tác".into()))
        );
        assert!(parse_reason(Some(&"ă".repeat(MAX_NOTE + 1))).is_err());
    }
}
