//! A login session's markers in the store, and what they say about one access token.
//!
//! Ending a session, changing a password or disabling an account leaves a marker in the store
//! for as long as an access token could live (`app::sessions` writes them). Reading them is the
//! one store round trip every authenticated request makes before its own work; the answer path
//! hands them to [`super::Store::save_answer_for`] instead, which on one Redis server reads them
//! inside the save script (one round trip instead of two, on the busiest route).

use uuid::Uuid;

use super::Keys;

/// Why the markers refuse a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionRefusal {
    /// The account is disabled (it says so rather than "sign in again").
    AccountDisabled,
    /// The session ended (logout, replayed refresh token) or the password changed after the
    /// token was issued.
    Ended,
}

/// The markers of one access token's session, and when the token was issued.
#[derive(Debug, Clone)]
pub struct SessionMarkers {
    /// `ended`, `not_before`, `disabled`: the order of [`SessionMarkers::refusal`]'s values and
    /// of `lua/save_answer.lua`'s `KEYS[4..6]`. They share a hash tag: one `MGET` reads them.
    keys: [String; 3],
    issued_ms: i64,
}

impl SessionMarkers {
    /// The markers of `session` of `user`, for a token issued at `issued_ms`.
    pub fn new(keys: &Keys, user: Uuid, session: Uuid, issued_ms: i64) -> Self {
        Self {
            keys: [
                keys.session_ended(user, session),
                keys.tokens_not_before(user),
                keys.account_disabled(user),
            ],
            issued_ms,
        }
    }

    /// The three keys, in the order [`SessionMarkers::refusal`] reads their values.
    pub fn keys(&self) -> &[String; 3] {
        &self.keys
    }

    /// When the token was issued (ms).
    pub fn issued_ms(&self) -> i64 {
        self.issued_ms
    }

    /// What the markers' `values` (in [`SessionMarkers::keys`]' order) say of the token:
    /// a disabled account first, then an ended session or a password changed after the token
    /// was issued. `lua/save_answer.lua` applies the same rule.
    pub fn refusal(&self, values: &[Option<i64>]) -> Option<SessionRefusal> {
        let value = |i: usize| values.get(i).copied().flatten();
        if value(2).is_some() {
            return Some(SessionRefusal::AccountDisabled);
        }
        if value(0).is_some() || value(1).is_some_and(|t| self.issued_ms < t) {
            return Some(SessionRefusal::Ended);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn markers(issued_ms: i64) -> SessionMarkers {
        SessionMarkers::new(&Keys::new("t"), Uuid::nil(), Uuid::nil(), issued_ms)
    }

    #[test]
    fn no_marker_refuses_nothing() {
        assert_eq!(markers(1_000).refusal(&[None, None, None]), None);
    }

    #[test]
    fn a_password_changed_after_the_token_ends_it_and_one_changed_before_does_not() {
        assert_eq!(
            markers(1_000).refusal(&[None, Some(1_001), None]),
            Some(SessionRefusal::Ended)
        );
        assert_eq!(markers(1_000).refusal(&[None, Some(1_000), None]), None);
    }

    #[test]
    fn a_disabled_account_is_said_before_an_ended_session() {
        assert_eq!(
            markers(1_000).refusal(&[Some(5), Some(9_999), Some(7)]),
            Some(SessionRefusal::AccountDisabled)
        );
        assert_eq!(
            markers(1_000).refusal(&[Some(5), None, None]),
            Some(SessionRefusal::Ended)
        );
    }
}
