//! SeaORM entities, one per table. Only `persistence` names them; nothing else sees a `Model`.
//!
//! # Implementation notes
//!
//! Contest, round, attempt, question and course ids are typed columns (`domain::ids`, through
//! `DeriveValueType`: the same SQL type as a `Uuid`, on SQLite and PostgreSQL). Unit and user
//! ids, and the ids that have no newtype yet (versions, options, certificates, audit entries,
//! reset codes, tokens), are still `Uuid` columns: the persistence functions take and return
//! the newtypes and convert at this boundary (#12), which kept the change to the many unit and
//! user queries, some of them hand-built, small.

pub mod attempt_answers;
pub mod attempt_items;
pub mod attempts;
pub mod audit_log;
pub mod certificates;
pub mod contest_results;
pub mod contests;
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
