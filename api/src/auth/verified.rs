//! Access tokens already verified, so that a phone pays for its token's check once, not on
//! every answer it saves.
//!
//! # Implementation notes
//! Checking an access token (the HS256 signature over the whole token, decoding it, parsing
//! its claims twice: once for the library's checks, once for ours) was a quarter of the
//! server's instructions for an answer save (`loadtest/instructions.sh`, #16). A member
//! sends the same token with every request until it expires.
//!
//! An entry is the whole token, byte for byte, and the claims it was verified to carry: a
//! token is served from here only if it is exactly one that passed the full check. Only the
//! times can change what the check would say, and only `exp` can turn a verified token
//! invalid (`nbf` was already passed); a token is served from here only before its `exp`, so
//! its last seconds (the leeway) go through the full check again. Nothing here decides whether
//! the session still stands: that is checked after this, on every request, as before.
//!
//! Memory is bounded: at [`CAPACITY`] entries the expired ones are dropped, and if that is not
//! enough, all of them (the next request of each phone checks its token again).

use std::collections::HashMap;
use std::sync::Mutex;

use uuid::Uuid;

use super::jwt::Claims;
use crate::domain::ids::TokenFamilyId;

/// Tokens kept at most: about 0.5 KB each, so ~30 MB when full. Each phone holds one access
/// token at a time, renewed every few minutes.
pub const CAPACITY: usize = 65_536;

/// What a verified token says, without the issuer and audience (the check required them to be
/// ours).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    pub sub: Uuid,
    pub sid: TokenFamilyId,
    pub iat: i64,
    pub iat_ms: i64,
    pub nbf: i64,
    pub exp: i64,
}

impl From<&Claims> for Verified {
    fn from(c: &Claims) -> Self {
        Self {
            sub: c.sub,
            sid: c.sid,
            iat: c.iat,
            iat_ms: c.iat_ms,
            nbf: c.nbf,
            exp: c.exp,
        }
    }
}

/// The verified tokens, shared by every worker.
pub struct VerifiedTokens {
    capacity: usize,
    entries: Mutex<HashMap<Box<str>, Verified>>,
}

impl VerifiedTokens {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// What `token` was verified to say, if it was and is still before its expiry at `now`
    /// (seconds).
    pub fn get(&self, token: &str, now: i64) -> Option<Verified> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(token).copied().filter(|v| now < v.exp)
    }

    /// Keeps `token`, which has just passed the full check at `now`, unless it expires first.
    pub fn keep(&self, token: &str, verified: Verified, now: i64) {
        if now >= verified.exp {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity {
            entries.retain(|_, v| now < v.exp);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(token.into(), verified);
    }

    /// Tokens kept (for the tests).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verified(exp: i64) -> Verified {
        Verified {
            sub: Uuid::now_v7(),
            sid: TokenFamilyId::new(),
            iat: 0,
            iat_ms: 0,
            nbf: 0,
            exp,
        }
    }

    #[test]
    fn a_kept_token_is_served_until_its_expiry_and_only_it() {
        let tokens = VerifiedTokens::new(8);
        let v = verified(100);
        tokens.keep("a.b.c", v, 10);
        assert_eq!(tokens.get("a.b.c", 10), Some(v));
        assert_eq!(tokens.get("a.b.c", 99), Some(v));
        assert_eq!(
            tokens.get("a.b.c", 100),
            None,
            "expired: the full check decides"
        );
        assert_eq!(
            tokens.get("a.b.d", 10),
            None,
            "another token, however close"
        );
        assert_eq!(tokens.get("a.b.c ", 10), None);
    }

    #[test]
    fn an_expired_token_is_not_kept() {
        let tokens = VerifiedTokens::new(8);
        tokens.keep("a.b.c", verified(100), 100);
        assert_eq!(tokens.len(), 0);
    }

    #[test]
    fn the_tokens_kept_are_bounded_expired_ones_going_first() {
        let tokens = VerifiedTokens::new(4);
        tokens.keep("old.1", verified(50), 10);
        tokens.keep("old.2", verified(50), 10);
        tokens.keep("new.1", verified(500), 10);
        tokens.keep("new.2", verified(500), 10);
        // Full at 60: the two expired ones make room.
        tokens.keep("new.3", verified(500), 60);
        assert_eq!(tokens.len(), 3);
        assert!(tokens.get("new.1", 60).is_some() && tokens.get("new.3", 60).is_some());
        // Full of live tokens: all go, the new one stays.
        tokens.keep("new.4", verified(500), 60);
        tokens.keep("new.5", verified(500), 60);
        assert_eq!(tokens.len(), 1);
        assert!(tokens.get("new.5", 60).is_some());
        assert!(tokens.get("new.1", 60).is_none());
    }
}
