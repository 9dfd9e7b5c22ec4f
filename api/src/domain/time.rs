//! Instants as the scoring store keeps them: milliseconds since the epoch.
//!
//! Shared by the attempt service and the standings (which both convert between
//! `DateTime<Utc>` and store milliseconds), so neither has to import the other for it.

use chrono::{DateTime, TimeZone, Utc};

/// Milliseconds since the epoch.
pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A time from milliseconds since the epoch.
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}
