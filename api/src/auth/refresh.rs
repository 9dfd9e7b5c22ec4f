//! Refresh tokens: 256 random bits, given to the client once; the database keeps only their
//! SHA-256, so a leaked table does not leak sessions.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new refresh token and its hash.
pub fn generate() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash(&token);
    (token, hash)
}

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
