//! Redis key names. Every key is built here from the configured prefix, so tests can isolate
//! themselves with a random prefix and scripts never invent key names.
//!
//! # Implementation notes
//! Keys that one script touches together share a hash tag (`{…}`), so the scripts also run on
//! Redis Cluster. Every key of one attempt carries `{a:<attempt id>}`, so answers spread over
//! all shards; every round-wide key carries `{r:<round id>}`, so the round script runs on one
//! slot. The due index is a single key with its own tag; it is touched once per attempt (open
//! and finish), never per answer.

use uuid::Uuid;

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

    /// Set once the store holds everything rebuilt from the database; its absence means the store
    /// was emptied (or, in process, restarted) and must be rebuilt.
    pub fn store_ready(&self) -> String {
        format!("{}:store:ready", self.prefix)
    }

    /// Failed logins for a phone number.
    pub fn login_failures_by_phone(&self, phone: &str) -> String {
        format!("{}:ratelimit:login:phone:{{{phone}}}", self.prefix)
    }

    /// Login attempts from a client address.
    pub fn login_attempts_by_ip(&self, ip: &str) -> String {
        format!("{}:ratelimit:login:ip:{{{ip}}}", self.prefix)
    }

    fn attempt(&self, attempt_id: Uuid, part: &str) -> String {
        format!("{}:attempt:{{a:{attempt_id}}}:{part}", self.prefix)
    }

    /// Hash: an attempt's state (round, user, times, question order; the result once finished).
    pub fn attempt_meta(&self, attempt_id: Uuid) -> String {
        self.attempt(attempt_id, "meta")
    }

    /// Hash: question id → kind, points, options and answer key of an attempt's questions.
    pub fn attempt_questions(&self, attempt_id: Uuid) -> String {
        self.attempt(attempt_id, "questions")
    }

    /// Hash: question id → the selected option ids (sorted, comma-joined).
    pub fn attempt_answers(&self, attempt_id: Uuid) -> String {
        self.attempt(attempt_id, "answers")
    }

    /// Sorted set: open attempts scored by `deadline + grace`, for the auto-finisher.
    pub fn attempts_due(&self) -> String {
        format!("{}:attempts:{{due}}", self.prefix)
    }

    fn round(&self, round_id: Uuid, part: &str) -> String {
        format!("{}:round:{{r:{round_id}}}:{part}", self.prefix)
    }

    /// Set: attempt ids already recorded in a round (makes recording idempotent).
    pub fn round_recorded(&self, round_id: Uuid) -> String {
        self.round(round_id, "recorded")
    }

    /// Hash: a round's counters.
    pub fn round_counters(&self, round_id: Uuid) -> String {
        self.round(round_id, "counters")
    }

    /// Set: users with at least one perfect attempt in a round.
    pub fn round_perfect_users(&self, round_id: Uuid) -> String {
        self.round(round_id, "perfect_users")
    }

    /// Hash: user id → their best attempt in a round (see `leaderboard::encode_best`).
    pub fn round_best(&self, round_id: Uuid) -> String {
        self.round(round_id, "best")
    }

    /// Sorted set: a round's live leaderboard, one entry per user (see `leaderboard`).
    pub fn round_leaderboard(&self, round_id: Uuid) -> String {
        self.round(round_id, "leaderboard")
    }
}
