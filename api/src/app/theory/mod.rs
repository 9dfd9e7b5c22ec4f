//! Study programmes (issue #20) and the political-theory tests for new members (issue #6), as
//! the application sees them: programmes (courses) with their audience and lessons, listed
//! audiences imported from spreadsheets, the programmes that apply to a member, what a theory-test round tests, a member's own progress and certificate,
//! verifying and revoking certificates, units' coverage of their new members, the
//! admission-date setting of units, and importing admission dates.
//!
//! Scope: courses are managed by system admins; coverage, pending lists, settings and imports
//! by organizers and unit admins within their subtree; certificates are verified by anyone.
//! The routes (`routes::theory`) parse requests and call one function here; like the rest of
//! `app`, nothing here imports `routes`.

pub mod admission;
pub mod audience;
pub mod certificates;
pub mod courses;
pub mod coverage;
pub mod me;
pub mod outcome;
pub mod progress;
pub mod rounds;

pub use progress::{after_finish, check_retry_wait};
pub use rounds::{ResolvedTest, TheoryTestSpec, TheoryTestView, link_theory_test, theory_test_of};

use crate::domain::role::Role;

/// Who reports coverage, sets the admission date and imports admission dates.
pub const THEORY_MANAGERS: &[Role] = &[Role::Organizer, Role::UnitAdmin];
