//! Redis key names. Every key is built here from the configured prefix, so tests can isolate
//! themselves with a random prefix and scripts never invent key names.
//!
//! # Implementation notes
//! Keys that one script touches together share a hash tag (`{…}`), so the scripts also run on
//! Redis Cluster.

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

    /// Failed logins for a phone number.
    pub fn login_failures_by_phone(&self, phone: &str) -> String {
        format!("{}:ratelimit:login:phone:{{{phone}}}", self.prefix)
    }

    /// Login attempts from a client address.
    pub fn login_attempts_by_ip(&self, ip: &str) -> String {
        format!("{}:ratelimit:login:ip:{{{ip}}}", self.prefix)
    }
}
