//! Logging and tracing setup: pretty text locally, JSON lines in production; `RUST_LOG` wins.

use tracing::Subscriber;
use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt};

/// Builds the subscriber; `default_filter` applies when `RUST_LOG` is unset.
pub fn get_subscriber<Sink>(
    default_filter: &str,
    json: bool,
    sink: Sink,
) -> Box<dyn Subscriber + Send + Sync>
where
    Sink: for<'a> fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let registry = tracing_subscriber::registry().with(filter);
    if json {
        Box::new(registry.with(fmt::layer().json().with_writer(sink)))
    } else {
        Box::new(registry.with(fmt::layer().with_writer(sink)))
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
