//! `AuthUser`: the caller, from `Authorization: Bearer <access token>`.

use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use uuid::Uuid;

use super::jwt::Claims;
use crate::domain::ids::UserId;
use crate::error::ApiError;
use crate::state::AppState;

/// A verified caller. Extracting it fails with 401 when the token is missing, malformed,
/// tampered with, expired or meant for something else, or when its session has ended since it
/// was issued (logout, password change: see [`super::sessions`]).
#[derive(Debug, Clone, Copy)]
pub struct AuthUser {
    /// The account.
    pub id: UserId,
    /// The login session.
    pub session: Uuid,
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let verified = verify(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let claims = verified?;
            let state =
                state.ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("AppState missing")))?;
            super::sessions::check(&state, &claims).await?;
            Ok(AuthUser {
                id: UserId(claims.sub),
                session: claims.sid,
            })
        })
    }
}

/// The token's claims, once its signature, audience and times check out.
fn verify(req: &HttpRequest) -> Result<Claims, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Unexpected(anyhow::anyhow!("AppState missing")))?;
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::Unauthorized)?;
    let value = value.to_str().map_err(|_| ApiError::Unauthorized)?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .ok_or(ApiError::Unauthorized)?;
    state.jwt.verify(token.trim()).map_err(|e| {
        tracing::debug!(error = %e, "access token refused");
        ApiError::Unauthorized
    })
}
