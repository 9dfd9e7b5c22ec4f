//! Password hashing with argon2id, off the async threads (a hash takes tens of milliseconds of
//! CPU; on an async worker it would stall every other request on that thread).

use std::sync::LazyLock;

use anyhow::Context;
use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

use crate::telemetry::spawn_blocking_with_tracing;

/// A hash of a password nobody has, verified when the phone is unknown so that a login takes
/// the same time whether or not the account exists.
static DUMMY_HASH: LazyLock<Option<String>> =
    LazyLock::new(|| hash_blocking("not-a-real-password-9").ok());

fn hash_blocking(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hash failed: {e}"))
}

fn verify_blocking(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "stored password hash does not parse");
            false
        }
    }
}

/// Hashes `password` (argon2id, random salt) on the blocking pool.
pub async fn hash(password: String) -> anyhow::Result<String> {
    spawn_blocking_with_tracing(move || hash_blocking(&password))
        .await
        .context("hashing task failed")?
}

/// Checks `password` against `hash`; with no hash, burns the same time and answers false.
pub async fn verify(password: String, hash: Option<String>) -> anyhow::Result<bool> {
    spawn_blocking_with_tracing(move || match hash {
        Some(hash) => verify_blocking(&password, &hash),
        None => {
            if let Some(dummy) = DUMMY_HASH.as_deref() {
                let _ = verify_blocking(&password, dummy);
            }
            false
        }
    })
    .await
    .context("verification task failed")
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_verify_and_differ_per_call() {
        let a = super::hash_blocking("Password1").expect("hash");
        let b = super::hash_blocking("Password1").expect("hash");
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$"));
        assert!(super::verify_blocking("Password1", &a));
        assert!(!super::verify_blocking("Password2", &a));
    }
}
