//! Access tokens: short-lived HS256 JWTs naming the account and the login session.
//!
//! # Implementation notes
//! The token carries no roles: authorization loads them from the database on the endpoints that
//! need them, so a revoked role takes effect at once. The hot path (answering) needs only the
//! account id, which the token gives without any lookup.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::verified::{CAPACITY, Verified, VerifiedTokens};
use crate::domain::ids::{TokenFamilyId, UserId};

const ISSUER: &str = "dautri";
const ACCESS_AUDIENCE: &str = "dautri:access";

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The account.
    pub sub: Uuid,
    /// The login session (refresh-token family).
    pub sid: TokenFamilyId,
    /// Issued at (seconds).
    pub iat: i64,
    /// Issued at (milliseconds), to compare with the time a password changed or a session
    /// ended; tokens from before this claim existed have 0 and fall back to `iat`.
    #[serde(default)]
    pub iat_ms: i64,
    /// Not before (seconds).
    pub nbf: i64,
    /// Expires (seconds).
    pub exp: i64,
    /// Issuer.
    pub iss: String,
    /// Audience: this token is for API access only.
    pub aud: String,
}

impl From<Verified> for Claims {
    fn from(v: Verified) -> Self {
        Self {
            sub: v.sub,
            sid: v.sid,
            iat: v.iat,
            iat_ms: v.iat_ms,
            nbf: v.nbf,
            exp: v.exp,
            iss: ISSUER.into(),
            aud: ACCESS_AUDIENCE.into(),
        }
    }
}

/// Signing and verification keys.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    access_ttl: Duration,
    /// Tokens that passed [`Self::verify`], shared by the clones.
    verified: Arc<VerifiedTokens>,
}

impl JwtKeys {
    /// Keys from a shared secret of at least 32 bytes.
    pub fn from_secret(secret: &[u8], access_ttl: Duration) -> anyhow::Result<Self> {
        anyhow::ensure!(
            secret.len() >= 32,
            "DAUTRI_JWT__SECRET must be at least 32 bytes long"
        );
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[ACCESS_AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = 5;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
            verified: Arc::new(VerifiedTokens::new(CAPACITY)),
        })
    }

    /// The configured secret or, on the embedded default, one generated once into
    /// `data_dir/jwt.secret` (mode 0600) and reused across restarts.
    pub fn load(
        configured: Option<&SecretString>,
        data_dir: &Path,
        access_ttl: Duration,
    ) -> anyhow::Result<Self> {
        if let Some(secret) = configured {
            return Self::from_secret(secret.expose_secret().as_bytes(), access_ttl);
        }
        let path = data_dir.join("jwt.secret");
        let secret = match std::fs::read_to_string(&path) {
            Ok(s) => s.trim().to_owned(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(data_dir)
                    .with_context(|| format!("cannot create {}", data_dir.display()))?;
                let mut bytes = [0u8; 48];
                rand::rng().fill_bytes(&mut bytes);
                let secret = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
                write_private(&path, &secret)?;
                tracing::info!(path = %path.display(), "generated a JWT signing secret");
                secret
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        Self::from_secret(secret.as_bytes(), access_ttl)
    }

    /// Access-token lifetime.
    pub fn access_ttl(&self) -> Duration {
        self.access_ttl
    }

    /// Signs an access token for `user` in session `session`.
    pub fn issue(&self, user: UserId, session: TokenFamilyId) -> anyhow::Result<String> {
        let now_ms = Utc::now().timestamp_millis();
        let now = now_ms.div_euclid(1000);
        let ttl = i64::try_from(self.access_ttl.as_secs()).unwrap_or(900);
        let claims = Claims {
            sub: user.into_uuid(),
            sid: session,
            iat: now,
            iat_ms: now_ms,
            nbf: now,
            exp: now + ttl,
            iss: ISSUER.into(),
            aud: ACCESS_AUDIENCE.into(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .context("cannot sign an access token")
    }

    /// Verifies signature, algorithm, issuer, audience and times; a token that passed before
    /// and has not expired is not checked again (see [`super::verified`]).
    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        let now = Utc::now().timestamp();
        if let Some(verified) = self.verified.get(token, now) {
            return Ok(verified.into());
        }
        let claims =
            jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)?.claims;
        self.verified.keep(token, Verified::from(&claims), now);
        Ok(claims)
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    std::fs::write(path, contents).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> JwtKeys {
        JwtKeys::from_secret(&[7u8; 32], Duration::from_secs(60)).expect("keys")
    }

    #[test]
    fn a_token_verifies_with_its_own_keys_only() {
        let token = keys()
            .issue(UserId::new(), TokenFamilyId::new())
            .expect("token");
        assert!(keys().verify(&token).is_ok());
        let other = JwtKeys::from_secret(&[8u8; 32], Duration::from_secs(60)).expect("keys");
        assert!(other.verify(&token).is_err());
    }

    #[test]
    fn a_token_checked_once_is_served_as_checked_and_its_forgeries_are_not() {
        let keys = keys();
        let token = keys
            .issue(UserId::new(), TokenFamilyId::new())
            .expect("token");
        let first = serde_json::to_value(keys.verify(&token).expect("valid")).expect("json");
        // The second time it comes from the tokens kept, and says the same, issuer included.
        let second = serde_json::to_value(keys.verify(&token).expect("kept")).expect("json");
        assert_eq!(first, second);
        assert_eq!(keys.verified.len(), 1);
        // Another payload under the kept token's signature: checked in full, refused.
        let (payload_end, signature) = token.rsplit_once('.').expect("three parts");
        let (header, payload) = payload_end.split_once('.').expect("three parts");
        let mut forged_payload = payload.to_owned();
        let last = forged_payload.pop().expect("payload");
        forged_payload.push(if last == 'A' { 'B' } else { 'A' });
        let forged = format!("{header}.{forged_payload}.{signature}");
        assert!(keys.verify(&forged).is_err());
        assert_eq!(keys.verified.len(), 1, "a refused token is not kept");
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(JwtKeys::from_secret(b"short", Duration::from_secs(60)).is_err());
    }

    #[test]
    fn a_generated_secret_is_reused() {
        let dir = std::env::temp_dir().join(format!("dautri-jwt-{}", Uuid::now_v7()));
        let a = JwtKeys::load(None, &dir, Duration::from_secs(60)).expect("first");
        let token = a.issue(UserId::new(), TokenFamilyId::new()).expect("token");
        let b = JwtKeys::load(None, &dir, Duration::from_secs(60)).expect("second");
        assert!(b.verify(&token).is_ok());
        let _ = std::fs::remove_dir_all(dir);
    }
}
