//! The contest-day scenario runner as a library, so other harnesses (the fault suite, the
//! capacity targets) can drive a running dautri through a whole day and get back the report
//! and the end-state verdict: see [`scenario::run`].

pub mod ceiling;
pub mod exposition;
pub mod scenario;

/// A client that asks for compressed responses and decodes them, as a phone's browser does
/// (`Accept-Encoding: gzip, br, zstd, deflate`): the server's compression is part of what a
/// contest day costs. With `identity` it asks for none (to measure what compression costs).
pub fn client_builder(identity: bool) -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder();
    if identity {
        builder.no_gzip().no_brotli().no_zstd().no_deflate()
    } else {
        builder
    }
}
