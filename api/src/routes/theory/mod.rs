//! Political-theory tests for new members (issue #6): courses and lessons, what a theory-test
//! round tests, a member's own progress, certificates, units' coverage of their new members,
//! the admission-date setting of units, and importing admission dates.
//!
//! Scope: courses are managed by system admins; coverage, pending lists, settings and imports
//! by organizers and unit admins within their subtree; certificates are verified by anyone.
//! The rules live in `app::theory`; each handler parses its input, calls one function there
//! and maps the result.

mod admission;
mod certificates;
mod courses;
mod coverage;
mod me;

use utoipa_actix_web::service_config::ServiceConfig;

// What a theory-test round tests is checked when a contest's round is created or changed.
pub use crate::app::theory::{TheoryTestSpec, TheoryTestView, link_theory_test, theory_test_of};

/// Registers the routes of this module.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(courses::list_courses)
        .service(courses::create_course)
        .service(courses::add_lesson)
        .service(courses::set_lesson_materials)
        .service(courses::import_audience)
        .service(me::my_theory)
        .service(me::my_programmes)
        .service(certificates::verify_certificate)
        .service(certificates::certificate_qr)
        .service(certificates::revoke_certificate)
        .service(certificates::unit_certificates)
        .service(coverage::theory_coverage)
        .service(coverage::theory_pending)
        .service(coverage::set_theory_since)
        .service(admission::import_admission);
}
