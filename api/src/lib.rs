//! dautri's REST API as a library: the binary in `main.rs` and the integration tests both build
//! the same [`startup::Application`].

pub mod app;
/// The attempt service lives in the application layer ([`app::attempts`]); this path stays
/// for the modules that still name `crate::attempts` until they move into `app` too.
pub use app::attempts;
pub mod auth;
pub mod caches;
pub mod commands;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod intake;
pub mod metrics;
pub mod persistence;
pub mod reports;
pub mod routes;
pub mod scoring;
pub mod standings;
pub mod startup;
pub mod state;
pub mod telemetry;
