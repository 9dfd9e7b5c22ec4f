//! A request body that stops arriving is cut off.
//!
//! actix closes a connection whose request *headers* do not arrive within its request timeout,
//! but once the headers are in, a handler waits for the body as long as the client keeps the
//! connection open: a client that declares 500 bytes and sends ten holds its connection (and
//! the handler's task) for ever, and a few thousand of them exhaust the server. This middleware
//! gives every body an idle limit (`DAUTRI_HTTP__BODY_IDLE_SECONDS`): when no byte has come for
//! that long, reading the body fails, the extractor answers 400 and the connection is closed.
//! Slow but live clients (a phone on a weak network uploading a picture) are not affected: the
//! limit is between bytes, not on the whole body.

use std::io;
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web;
use futures_util::StreamExt;

use crate::state::AppState;

/// Middleware: wraps the request's body (when it has one) in the idle limit.
pub async fn limit(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let has_body = req.headers().contains_key(header::CONTENT_LENGTH)
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let idle = req
        .app_data::<web::Data<AppState>>()
        .map(|state| Duration::from_secs(state.settings.body_idle_seconds));
    if let (true, Some(idle)) = (has_body, idle) {
        let payload = req.take_payload();
        let limited = futures_util::stream::unfold(Some(payload), move |payload| async move {
            let mut payload = payload?;
            match tokio::time::timeout(idle, payload.next()).await {
                Ok(Some(chunk)) => Some((chunk, Some(payload))),
                Ok(None) => None,
                Err(_) => Some((
                    Err(PayloadError::Io(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the request body stopped arriving",
                    ))),
                    None,
                )),
            }
        })
        // Multipart readers poll once more after the end; an unfused `unfold` panics then.
        .fuse();
        let boxed: std::pin::Pin<
            Box<dyn futures_util::Stream<Item = Result<web::Bytes, PayloadError>>>,
        > = Box::pin(limited);
        req.set_payload(Payload::from(boxed));
    }
    next.call(req).await
}
