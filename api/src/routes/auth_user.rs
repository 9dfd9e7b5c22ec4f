//! Reading the caller ([`AuthUser`]) from `Authorization: Bearer <access token>`: the token's
//! signature, audience and times, then whether its session still stands
//! ([`crate::app::sessions::check`]).

use std::pin::Pin;

use crate::auth::AuthUser;
use crate::auth::jwt::Claims;
use crate::domain::ids::UserId;
use crate::error::ApiError;
use crate::state::AppState;
use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};

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
            crate::app::sessions::check(&state, &claims).await?;
            Ok(AuthUser {
                id: UserId::from_uuid(claims.sub),
                session: claims.sid,
            })
        })
    }
}

/// The caller's access token, its signature, audience and times verified but its session
/// **not checked yet**: for the answer path only, whose one store call checks the session
/// ([`crate::app::attempts::save`]). Every other route takes [`AuthUser`].
pub struct UncheckedSession(pub Claims);

impl FromRequest for UncheckedSession {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(verify(req).map(Self))
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
