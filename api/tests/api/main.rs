//! The API integration tests: one binary, each test on both backends.

// Test code panics on a broken arrangement; that is how a test fails.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod helpers;

mod answer_key;
mod attempts;
mod attempts_store;
mod auth;
mod authz_matrix;
mod bank_console;
mod boards;
mod cli;
mod cluster;
mod contests;
mod contests_console;
mod disabling;
mod errors;
mod faults;
mod health;
mod hostile_files;
mod hostile_input;
mod intake;
mod member_experience;
mod people_console;
mod privacy;
mod programmes;
mod questions;
mod reports_console;
mod rounds_console;
mod s3;
mod scale;
mod scope;
mod server_faults;
mod sessions;
mod sign_in_storm;
mod store;
mod theory;
mod unit_participation;
mod unit_transfers;
mod units;
