//! dautri's REST API as a library: the binary in `main.rs` and the integration tests both build
//! the same [`startup::Application`].

pub mod config;
pub mod domain;
pub mod error;
pub mod persistence;
pub mod telemetry;
