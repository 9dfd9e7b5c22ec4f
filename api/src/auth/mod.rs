//! Authentication: passwords, access tokens (JWT), refresh tokens, the verified caller, and
//! authorization by unit scope. Reading the caller from a request is HTTP's business
//! (`routes::auth_user`); whether a session still stands is the application's
//! (`app::sessions`).

pub mod appointments;
pub mod jwt;
pub mod password;
pub mod refresh;
pub mod scope;
pub mod verified;

pub use scope::Caller;

use crate::domain::ids::{TokenFamilyId, UserId};

/// A verified caller: extracted from `Authorization: Bearer <access token>` by
/// `routes::auth_user`, which answers 401 when the token is missing, malformed, tampered with,
/// expired or meant for something else, or when its session has ended since it was issued.
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    /// The account.
    pub id: UserId,
    /// The login session.
    pub session: TokenFamilyId,
}
