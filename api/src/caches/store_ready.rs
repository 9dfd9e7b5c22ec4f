//! Whether the scoring store still holds what it was rebuilt with, remembered for a moment.
//!
//! The markers that end sessions (a logout, a password change, a disabled account) live in the
//! scoring store. When Redis comes back empty they are gone until the store watcher writes them
//! again from the database ([`crate::app::attempts::ensure_store_ready`], every few seconds);
//! in that gap a missing marker must not read as "this session stands". The session check
//! therefore trusts the store only while its `store:ready` key has been seen in the last
//! [`StoreReady::TRUST`]: one extra read per instance per quarter second, not per request, and an
//! emptied store is noticed at most that long after it happened. Until the watcher has rebuilt
//! it, sessions are checked in the database.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// Until when (ms since the epoch) the store was last seen ready.
#[derive(Debug, Default)]
pub struct StoreReady {
    trusted_until_ms: AtomicI64,
}

impl StoreReady {
    /// How long one sight of the ready key is trusted.
    pub const TRUST: Duration = Duration::from_millis(250);

    /// Whether the store was seen ready recently enough at `now_ms`.
    pub fn trusted(&self, now_ms: i64) -> bool {
        now_ms < self.trusted_until_ms.load(Ordering::Relaxed)
    }

    /// Records that the store was seen ready at `now_ms`.
    pub fn seen_ready(&self, now_ms: i64) {
        let until = now_ms.saturating_add(Self::TRUST.as_millis() as i64);
        self.trusted_until_ms.fetch_max(until, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sighting_is_trusted_for_a_quarter_second_only() {
        let ready = StoreReady::default();
        assert!(!ready.trusted(1_000), "never seen: not trusted");
        ready.seen_ready(1_000);
        assert!(ready.trusted(1_000));
        assert!(ready.trusted(1_249));
        assert!(!ready.trusted(1_250));
        // An older sighting arriving late does not shorten a newer one.
        ready.seen_ready(900);
        assert!(ready.trusted(1_249));
    }
}
