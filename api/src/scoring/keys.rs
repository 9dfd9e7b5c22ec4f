//! Redis key names. Every key is built here from the configured prefix, so tests can isolate
//! themselves with a random prefix. The one exception is documented at [`Keys::contest_base`]:
//! the record script derives a contest's key names from its base, by the rules written there.
//!
//! # Implementation notes
//! Keys that one script touches together share a hash tag (`{…}`), so the scripts also run on
//! Redis Cluster. Every key of one attempt carries `{a:<attempt id>}`, so answers spread over
//! all shards; every key of a contest's results carries `{c:<contest id>}`, so the record
//! script (rounds, boards, cumulative standings) runs on one slot. The due index is a single
//! key with its own tag; it is touched once per attempt (open and finish), never per answer.

use crate::domain::ids::{AttemptId, ContestId, RoundId};
use uuid::Uuid;

/// A UUID as text, hyphenated and lowercase: what `to_string` gives, without going through
/// `core::fmt` (the answer path writes several per save).
pub fn id_text(id: Uuid) -> String {
    let mut buffer = [0u8; uuid::fmt::Hyphenated::LENGTH];
    id.hyphenated().encode_lower(&mut buffer).to_owned()
}

/// A key being written, piece by piece.
struct KeyText(String);

impl KeyText {
    fn text(mut self, text: &str) -> Self {
        self.0.push_str(text);
        self
    }

    fn id(mut self, id: Uuid) -> Self {
        let mut buffer = [0u8; uuid::fmt::Hyphenated::LENGTH];
        self.0.push_str(id.hyphenated().encode_lower(&mut buffer));
        self
    }
}

/// Builds key names under one prefix.
#[derive(Debug, Clone)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys under `prefix` (e.g. `dautri`, or `test:<uuid>` in tests).
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
        }
    }

    /// The prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Wrong password-reset codes tried for a phone number.
    pub fn reset_failures_by_phone(&self, phone: &str) -> String {
        format!("{}:ratelimit:reset:phone:{{{phone}}}", self.prefix)
    }

    /// Password-reset codes issued by one manager.
    pub fn reset_codes_by_issuer(&self, issuer: Uuid) -> String {
        format!("{}:ratelimit:reset:issuer:{{{issuer}}}", self.prefix)
    }

    /// Set once the store holds everything rebuilt from the database; its absence means the store
    /// was emptied (or, in process, restarted) and must be rebuilt.
    pub fn store_ready(&self) -> String {
        format!("{}:store:ready", self.prefix)
    }

    /// The broadcast channel on which instances tell each other what changed in what they keep
    /// in memory (`caches::coherence`). A channel, not a key: it holds nothing.
    pub fn cache_changes(&self) -> String {
        format!("{}:changes", self.prefix)
    }

    /// The lease that lets one instance at a time run the task `name` (see `scoring::lease`).
    pub fn lease(&self, name: &str) -> String {
        format!("{}:lease:{name}", self.prefix)
    }

    /// Failed logins for a phone number, from all addresses.
    pub fn login_failures_by_phone(&self, phone: &str) -> String {
        format!("{}:ratelimit:login:phone:{{{phone}}}", self.prefix)
    }

    /// Failed logins for a phone number from one client address.
    pub fn login_failures_by_phone_and_ip(&self, phone: &str, ip: &str) -> String {
        format!("{}:ratelimit:login:pair:{{{phone}}}:{ip}", self.prefix)
    }

    /// Registrations from a client address.
    pub fn registrations_by_ip(&self, ip: &str) -> String {
        format!("{}:ratelimit:register:ip:{{{ip}}}", self.prefix)
    }

    /// Wrong current passwords given by a signed-in account (password change, erasure).
    pub fn password_checks_by_user(&self, user: Uuid) -> String {
        format!("{}:ratelimit:password:user:{{{user}}}", self.prefix)
    }

    /// Login attempts from a client address.
    pub fn login_attempts_by_ip(&self, ip: &str) -> String {
        format!("{}:ratelimit:login:ip:{{{ip}}}", self.prefix)
    }

    /// Marker: the login session `session` of `user` has ended (logout, replayed refresh
    /// token); its access tokens are refused until they would have expired anyway.
    pub fn session_ended(&self, user: Uuid, session: Uuid) -> String {
        self.text(":session:{u:")
            .id(user)
            .text("}:")
            .id(session)
            .text(":ended")
            .0
    }

    /// Marker: `user`'s access tokens issued before this time (ms) are refused (password
    /// changed). Same hash tag as [`Keys::session_ended`], so both are read
    /// with one `MGET`.
    pub fn tokens_not_before(&self, user: Uuid) -> String {
        self.text(":session:{u:").id(user).text("}:not_before").0
    }

    /// Marker: `user`'s account is disabled (since this time, ms): every access token it still
    /// holds is refused with `account_disabled`. Same hash tag as [`Keys::session_ended`], so
    /// all three are read with one `MGET`.
    pub fn account_disabled(&self, user: Uuid) -> String {
        self.text(":session:{u:").id(user).text("}:disabled").0
    }

    fn attempt(&self, attempt_id: AttemptId, part: &str) -> String {
        self.text(":attempt:{a:")
            .id(attempt_id.into_uuid())
            .text("}:")
            .text(part)
            .0
    }

    /// The prefix followed by `text`, to go on with [`KeyText`]: for the keys every answer
    /// save builds (its attempt's three, its session's three), which `format!` made a
    /// measurable share of the save's instructions (the README's *What a request costs*).
    fn text(&self, text: &str) -> KeyText {
        let mut key = String::with_capacity(self.prefix.len() + 96);
        key.push_str(&self.prefix);
        key.push_str(text);
        KeyText(key)
    }

    /// Hash: an attempt's state (round, user, times, question order; the result once finished).
    pub fn attempt_meta(&self, attempt_id: AttemptId) -> String {
        self.attempt(attempt_id, "meta")
    }

    /// Hash: question id → kind, points, options and answer key of an attempt's questions.
    pub fn attempt_questions(&self, attempt_id: AttemptId) -> String {
        self.attempt(attempt_id, "questions")
    }

    /// Hash: question id → the selected option ids (sorted, comma-joined).
    pub fn attempt_answers(&self, attempt_id: AttemptId) -> String {
        self.attempt(attempt_id, "answers")
    }

    /// Sorted set: open attempts scored by `deadline + grace`, for the auto-finisher.
    pub fn attempts_due(&self) -> String {
        format!("{}:attempts:{{due}}", self.prefix)
    }

    /// The base of every key of a contest's results: `<prefix>:contest:{c:<id>}`. The record
    /// script (`lua/record_results.lua`) builds the names below from it, because one call may
    /// record a whole batch of a rebuild; they all share the contest's hash tag, so the cluster
    /// routes the script by this one key.
    ///
    /// Under the base: `rounds` (set of round ids with results), `total` (hash: user → their
    /// cumulative standing), `board` and `board:<unit>` (sorted sets: cumulative boards),
    /// `units` (hash: `p:<unit>`/`s:<unit>` → participants/score sum), `counters` (hash:
    /// `participants`), and per round under `r:<round id>:` the same `board`, `board:<unit>`,
    /// `units`, `counters`, plus `best` (hash: user → best attempt), `recorded` (set of attempt
    /// ids) and `perfect` (set of users with a perfect attempt).
    pub fn contest_base(&self, contest_id: ContestId) -> String {
        format!("{}:contest:{{c:{contest_id}}}", self.prefix)
    }

    /// Where a rebuild writes a contest's results before they replace the live ones: the same
    /// names under `<base>:staging` (same hash tag, so the swap is one script on one slot).
    pub fn contest_staging_base(&self, contest_id: ContestId) -> String {
        format!("{}:staging", self.contest_base(contest_id))
    }

    fn round(&self, contest_id: ContestId, round_id: RoundId, part: &str) -> String {
        format!("{}:r:{round_id}:{part}", self.contest_base(contest_id))
    }

    fn contest(&self, contest_id: ContestId, part: &str) -> String {
        format!("{}:{part}", self.contest_base(contest_id))
    }

    /// Set: the rounds of a contest that have recorded results.
    pub fn contest_rounds(&self, contest_id: ContestId) -> String {
        self.contest(contest_id, "rounds")
    }

    /// Hash: a round's counters.
    pub fn round_counters(&self, contest_id: ContestId, round_id: RoundId) -> String {
        self.round(contest_id, round_id, "counters")
    }

    /// Hash: user id → their best attempt in a round.
    pub fn round_best(&self, contest_id: ContestId, round_id: RoundId) -> String {
        self.round(contest_id, round_id, "best")
    }

    /// Hash: user id → their cumulative standing in a contest.
    pub fn contest_totals(&self, contest_id: ContestId) -> String {
        self.contest(contest_id, "total")
    }

    /// Hash: a contest's counters (`participants`).
    pub fn contest_counters(&self, contest_id: ContestId) -> String {
        self.contest(contest_id, "counters")
    }

    /// Sorted set: a board (see `leaderboard` for the encoding).
    pub fn board(&self, board: &super::leaderboard::Board) -> String {
        use super::leaderboard::Board;
        let (stem, unit) = match *board {
            Board::Round {
                contest_id,
                round_id,
                unit_id,
            } => (self.round(contest_id, round_id, "board"), unit_id),
            Board::Contest {
                contest_id,
                unit_id,
            } => (self.contest(contest_id, "board"), unit_id),
        };
        match unit {
            Some(unit) => format!("{stem}:{unit}"),
            None => stem,
        }
    }

    /// Hash: `p:<unit>` and `s:<unit>` → participants and score sum of each unit's subtree.
    pub fn tallies(&self, scope: &super::leaderboard::TallyScope) -> String {
        use super::leaderboard::TallyScope;
        match *scope {
            TallyScope::Round {
                contest_id,
                round_id,
            } => self.round(contest_id, round_id, "units"),
            TallyScope::Contest { contest_id } => self.contest(contest_id, "units"),
        }
    }

    /// Every round-level key name of a round that is not per unit.
    pub fn round_fixed_keys(&self, contest_id: ContestId, round_id: RoundId) -> Vec<String> {
        ["recorded", "counters", "perfect", "best", "board", "units"]
            .iter()
            .map(|part| self.round(contest_id, round_id, part))
            .collect()
    }

    /// Every contest-level key name that is not per unit or per round.
    pub fn contest_fixed_keys(&self, contest_id: ContestId) -> Vec<String> {
        ["rounds", "total", "board", "units", "counters"]
            .iter()
            .map(|part| self.contest(contest_id, part))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The keys written piece by piece must read exactly as the `format!` that wrote them
    // before: the Lua scripts, a running store's keys and the other instances name them so.
    #[test]
    fn keys_built_piece_by_piece_read_as_formatted() {
        let keys = Keys::new("dautri:test");
        let (user, session) = (Uuid::now_v7(), Uuid::new_v4());
        let attempt = AttemptId::new();
        assert_eq!(
            keys.session_ended(user, session),
            format!("dautri:test:session:{{u:{user}}}:{session}:ended")
        );
        assert_eq!(
            keys.tokens_not_before(user),
            format!("dautri:test:session:{{u:{user}}}:not_before")
        );
        assert_eq!(
            keys.account_disabled(user),
            format!("dautri:test:session:{{u:{user}}}:disabled")
        );
        for (key, part) in [
            (keys.attempt_meta(attempt), "meta"),
            (keys.attempt_questions(attempt), "questions"),
            (keys.attempt_answers(attempt), "answers"),
        ] {
            assert_eq!(key, format!("dautri:test:attempt:{{a:{attempt}}}:{part}"));
        }
        assert_eq!(id_text(user), user.to_string());
        assert_eq!(id_text(Uuid::max()), Uuid::max().to_string());
    }
}
