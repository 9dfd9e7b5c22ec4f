//! Which responses are compressed: those big enough for it to pay.
//!
//! Every browser asks for compressed responses, and actix's `Compress` compresses every body it
//! is given (pictures and videos aside), down to a two-byte `ok`. Most of the API's answers are
//! a few hundred bytes of JSON (an answer's acknowledgement is about 100), where gzip saves
//! nothing (its framing alone is 18 bytes) yet costs a fresh encoder and chunked framing per
//! response, on the busiest routes. A body of known size under [`MIN_COMPRESSED_BYTES`] is
//! therefore sent as it is: [`mark_small`] (inside `Compress`) marks it `Content-Encoding:
//! identity`, which `Compress` leaves alone, and [`unmark`] (outside it) takes the mark off
//! again, since `identity` is not a coding a response should name (RFC 9110 §8.4.1). Streams
//! (exports, the live view) and larger bodies are compressed as before.

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// Bodies shorter than this are not compressed: about one packet's worth, under which the
/// bytes saved do not pay for the encoder.
pub const MIN_COMPRESSED_BYTES: u64 = 1024;

/// Middleware inside `Compress`: marks a small body of known size not to be compressed.
pub async fn mark_small(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let small = matches!(
        response.response().body().size(),
        BodySize::Sized(n) if n < MIN_COMPRESSED_BYTES
    );
    let headers = response.headers_mut();
    if small && !headers.contains_key(header::CONTENT_ENCODING) {
        headers.insert(
            header::CONTENT_ENCODING,
            HeaderValue::from_static("identity"),
        );
    }
    Ok(response)
}

/// Middleware outside `Compress`: removes the mark [`mark_small`] left.
pub async fn unmark(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    if headers
        .get(header::CONTENT_ENCODING)
        .is_some_and(|v| v.as_bytes() == b"identity")
    {
        headers.remove(header::CONTENT_ENCODING);
    }
    Ok(response)
}
