//! SeaORM entities, one per table. Only `persistence` names them; nothing else sees a `Model`.
//!
//! # Implementation notes
//!
//! Ids are typed columns (`domain::ids`, through `DeriveValueType`: the same SQL type as a
//! `Uuid`, on SQLite and PostgreSQL): contests, rounds, attempts, questions and their versions,
//! courses, units, users (every column naming one: owners, actors, deciders), certificates,
//! transfer requests, reset codes, refresh-token families and audit entries (#12). A few
//! persistence structs still carry a bare `Uuid` for a user or unit (attempt rows, results and
//! voids, certificates, admission rows, the theory settings) and convert where they read or
//! write a model; the rest hand the typed ids on unchanged. Still `Uuid` columns: lesson ids,
//! question option ids, the rows that only ever have their own id read (refresh tokens, role
//! grants, voids) and `audit_log.subject_id`, which names a row of any table.

pub mod attempt_answers;
pub mod attempt_items;
pub mod attempts;
pub mod audit_log;
pub mod certificates;
pub mod contest_results;
pub mod contests;
pub mod course_audience_members;
pub mod courses;
pub mod lessons;
pub mod password_reset_codes;
pub mod question_versions;
pub mod questions;
pub mod refresh_tokens;
pub mod result_voids;
pub mod role_assignments;
pub mod round_results;
pub mod rounds;
pub mod theory_tests;
pub mod topics;
pub mod unit_theory_settings;
pub mod unit_transfer_requests;
pub mod units;
pub mod users;
