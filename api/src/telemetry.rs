//! Logging and tracing setup: pretty text locally, JSON lines in production; `RUST_LOG` wins.
//! Every request runs in a `request` span ([`request_span`]).

use std::sync::atomic::{AtomicU64, Ordering};

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tracing::Instrument;
use tracing::Subscriber;
use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt};

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// JSON lines, for log collectors.
    Json,
    /// Text, coloured with terminal escape codes or not.
    Text { ansi: bool },
}

impl LogFormat {
    /// JSON when asked; otherwise text, coloured only when stdout is a terminal: in a file or
    /// a collector the escape codes are noise, and writing them cost every request's span 4%
    /// of an answer save's instructions (`loadtest/instructions.sh`).
    pub fn for_stdout(json: bool) -> Self {
        if json {
            Self::Json
        } else {
            Self::Text {
                ansi: std::io::IsTerminal::is_terminal(&std::io::stdout()),
            }
        }
    }
}

/// Builds the subscriber; `default_filter` applies when `RUST_LOG` is unset.
pub fn get_subscriber<Sink>(
    default_filter: &str,
    format: LogFormat,
    sink: Sink,
) -> Box<dyn Subscriber + Send + Sync>
where
    Sink: for<'a> fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let registry = tracing_subscriber::registry().with(filter);
    match format {
        LogFormat::Json => Box::new(registry.with(fmt::layer().json().with_writer(sink))),
        LogFormat::Text { ansi } => {
            Box::new(registry.with(fmt::layer().with_ansi(ansi).with_writer(sink)))
        }
    }
}

/// Installs `subscriber` as the global default. Call once.
pub fn init_subscriber(subscriber: impl Subscriber + Send + Sync) {
    // A second call (several tests in one process) is harmless: the first subscriber stays.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// Runs CPU-heavy work (password hashing) off the async threads, keeping the current span.
pub fn spawn_blocking_with_tracing<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f))
}

/// Middleware: runs the request in a `request` span naming its method, path and a number, so
/// the lines one request logs can be told from the others'.
///
/// # Implementation notes
/// This replaces `tracing-actix-web`'s `TracingLogger`, whose span cost a share of every
/// request the answer path could not spare: it matched the path against the routes before
/// actix routed it (the profile's `regex-lite`; the metrics ask for the route after routing,
/// which is free), formatted a dozen fields per request, and logged a warning for every 4xx
/// answer, which members cause by design (a late answer, a wrong password). What fails is
/// logged where it fails (`ApiError::error_response`). The span covers the handler, not a
/// streamed body after it: no stream here logs under its request.
///
/// The path is recorded as displayed, not debugged: the text layer escaped it character by
/// character (about 3,000 instructions of every request, counted by `loadtest/instructions.sh`).
/// The HTTP parser has already refused control characters in it, so it cannot break a line.
pub async fn request_span(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    static NUMBER: AtomicU64 = AtomicU64::new(1);
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = %req.path(),
        number = NUMBER.fetch_add(1, Ordering::Relaxed),
    );
    next.call(req).instrument(span).await
}
