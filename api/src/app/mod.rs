//! The application layer: the rules of the product, between the routes (which parse input and
//! map results to HTTP) and persistence and scoring (which store things).
//!
//! The dependency rule: `routes` may import `app`; `app` never imports `routes`; `domain`
//! imports neither; and the top-level modules form no cycle. `api/tests/layers.rs` reads the
//! imports and holds all three (`cargo test -p api --test layers`). The rules that several routes and services share live here, so there is
//! one place to read and change each of them.

pub mod accounts;
pub mod answer_key;
pub mod attempts;
pub mod audit;
pub mod bank;
pub mod boards;
pub mod callers;
pub mod coherence;
pub mod contest_access;
pub mod contests;
pub mod disabling;
pub mod exports;
pub mod images;
pub mod materials;
pub mod paging;
pub mod people;
pub mod person;
pub mod privacy;
pub mod profile;
pub mod publishing;
pub mod recovery;
pub mod rounds;
pub mod sessions;
pub mod tables;
pub mod theory;
pub mod transfers;
pub mod unit_participation;
pub mod units;
pub mod voids;
