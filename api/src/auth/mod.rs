//! Authentication: passwords, access tokens (JWT), refresh tokens, the `AuthUser` extractor,
//! and authorization by unit scope.

pub mod extractor;
pub mod jwt;
pub mod password;
pub mod refresh;
pub mod scope;
pub mod sessions;

pub use extractor::AuthUser;
pub use scope::Caller;
