//! The standing authorization matrix (issue #11): every operation of the OpenAPI document ×
//! every role, with the expected answer written once in [`MATRIX`], plus a scan of every
//! member-facing answer for answer-key fields.
//!
//! Management calls send `{}`: a caller who passes authorization gets a 4xx validation answer,
//! so most cells change nothing. The few calls for which `{}` is a valid request (finish,
//! publish, rebuild, logout) come last in the table and run their roles outsiders first.
//! Run with `AUTHZ_RECORD=1` to print the observed table in the table's own syntax.

use std::collections::{BTreeSet, HashMap};

use chrono::Utc;
use dautri_api::domain::role::Role;
use reqwest::Method;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both_backends;
use crate::helpers::{TestApp, TestUser};

both_backends!(every_operation_answers_every_role_as_the_matrix_says);

/// Column order of [`Row::expect`].
const ROLES: [&str; 7] = [
    "anonymous",
    "member_a",
    "member_b",
    "unit_admin_a1",
    "organizer_a",
    "organizer_b",
    "admin",
];

/// The order cells run in: outsiders before owners, so a state change by an owner comes last.
const RUN_ORDER: [usize; 7] = [0, 2, 5, 3, 1, 4, 6];

/// One operation: method, OpenAPI path, the fixture resource for each path parameter, and the
/// expected answer per role in [`ROLES`] order ("200", or "404 not_found" for a problem).
struct Row {
    method: &'static str,
    path: &'static str,
    args: &'static [&'static str],
    expect: [&'static str; 7],
}

/// Cells where the server is wrong. `expected` stays in [`MATRIX`]; the test asserts the server
/// still answers `actual`, so a fix forces this list to shrink.
struct Defect {
    method: &'static str,
    path: &'static str,
    role: &'static str,
    actual: &'static str,
    why: &'static str,
}

// None found so far. The contest's board is `public` (the default), so a personal board
// answering an outsider 200 while the contest answers 404 reveals nothing the board does not.
const KNOWN_DEFECTS: &[Defect] = &[];

const fn row(
    method: &'static str,
    path: &'static str,
    args: &'static [&'static str],
    expect: [&'static str; 7],
) -> Row {
    Row {
        method,
        path,
        args,
        expect,
    }
}

/// The matrix. Roles: anonymous, member_a, member_b, unit_admin_a1, organizer_a, organizer_b, admin.
const MATRIX: &[Row] = &[
    row(
        "GET",
        "/api/v1/attempts/{id}",
        &["attempt_a"],
        [
            "401 unauthorized",
            "200",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
        ],
    ),
    row(
        "PUT",
        "/api/v1/attempts/{id}/answers/{question_id}",
        &["attempt_a", "attempt_question"],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "POST",
        "/api/v1/auth/login",
        &[],
        [
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "POST",
        "/api/v1/auth/refresh",
        &[],
        [
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "POST",
        "/api/v1/auth/register",
        &[],
        [
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "GET",
        "/api/v1/certificates/{code}",
        &["cert_none"],
        [
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
        ],
    ),
    row(
        "GET",
        "/api/v1/certificates/{code}/qr.svg",
        &["cert_none"],
        [
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
        ],
    ),
    row(
        "GET",
        "/api/v1/contests",
        &[],
        ["401 unauthorized", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "POST",
        "/api/v1/contests",
        &[],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "GET",
        "/api/v1/contests/{id}",
        &["contest_a"],
        [
            "401 unauthorized",
            "200",
            "404 not_found",
            "200",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "PATCH",
        "/api/v1/contests/{id}",
        &["contest_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "404 not_found",
            "403 forbidden",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/contests/{id}/export",
        &["contest_a"],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "GET",
        "/api/v1/contests/{id}/leaderboard",
        &["contest_a"],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/api/v1/contests/{id}/leaderboard/me",
        &["contest_a"],
        ["401 unauthorized", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/api/v1/contests/{id}/results",
        &["contest_a"],
        [
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
        ],
    ),
    row(
        "GET",
        "/api/v1/contests/{id}/rounds",
        &["contest_a"],
        [
            "401 unauthorized",
            "200",
            "404 not_found",
            "200",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "POST",
        "/api/v1/contests/{id}/rounds",
        &["contest_a"],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "GET",
        "/api/v1/contests/{id}/units",
        &["contest_a"],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/api/v1/courses",
        &[],
        ["401 unauthorized", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "POST",
        "/api/v1/courses",
        &[],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "POST",
        "/api/v1/courses/{id}/audience",
        &["nothing"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "404 not_found",
            "404 not_found",
        ],
    ),
    row(
        "POST",
        "/api/v1/courses/{id}/lessons",
        &["nothing"],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "PUT",
        "/api/v1/courses/{id}/lessons/{lesson_id}/materials",
        &["nothing", "nothing"],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "GET",
        "/api/v1/me",
        &[],
        ["401 unauthorized", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/api/v1/me/attempts",
        &[],
        ["401 unauthorized", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "POST",
        "/api/v1/me/consent",
        &[],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "GET",
        "/api/v1/me/unit-transfers",
        &[],
        ["401 unauthorized", "200", "200", "200", "200", "200", "200"],
    ),
    // `{}` names no destination unit.
    row(
        "POST",
        "/api/v1/me/unit-transfers",
        &[],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "GET",
        "/api/v1/me/data",
        &[],
        ["401 unauthorized", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/api/v1/me/programmes",
        &[],
        ["401 unauthorized", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/api/v1/me/theory",
        &[],
        [
            "401 unauthorized",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
        ],
    ),
    row(
        "GET",
        "/api/v1/questions",
        &[],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "403 forbidden",
            "200",
            "200",
            "200",
        ],
    ),
    row(
        "POST",
        "/api/v1/questions",
        &[],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    // Pictures: anyone may read one by its content name (an `<img>` sends no token); only the
    // people who manage a bank may upload (the others never get to send a body).
    row(
        "GET",
        "/api/v1/images/{name}",
        &["image_a"],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "POST",
        "/api/v1/images",
        &[],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "403 forbidden",
            "415 unsupported_media_type",
            "415 unsupported_media_type",
            "415 unsupported_media_type",
        ],
    ),
    // Lessons' uploaded materials: read by anyone with the link (a new tab sends no token);
    // uploaded by those who may manage a programme.
    row(
        "GET",
        "/api/v1/materials/{name}",
        &["material_a"],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "POST",
        "/api/v1/materials",
        &[],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "403 forbidden",
            "415 unsupported_media_type",
            "415 unsupported_media_type",
            "415 unsupported_media_type",
        ],
    ),
    row(
        "GET",
        "/api/v1/questions/export",
        &[],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "403 forbidden",
            "200",
            "200",
            "200",
        ],
    ),
    row(
        "POST",
        "/api/v1/questions/import",
        &[],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "GET",
        "/api/v1/questions/template",
        &[],
        ["401 unauthorized", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/api/v1/questions/{id}",
        &["question_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "403 forbidden",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "DELETE",
        "/api/v1/questions/{id}",
        &["question_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "403 forbidden",
            "409 question_in_use",
            "404 not_found",
            "409 question_in_use",
        ],
    ),
    row(
        "PATCH",
        "/api/v1/questions/{id}",
        &["question_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "403 forbidden",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/questions/{id}/stats",
        &["question_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "403 forbidden",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/questions/{id}/versions",
        &["question_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "403 forbidden",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/rounds/{id}",
        &["round_a"],
        [
            "401 unauthorized",
            "200",
            "404 not_found",
            "200",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "PATCH",
        "/api/v1/rounds/{id}",
        &["round_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "404 not_found",
            "403 forbidden",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "POST",
        "/api/v1/rounds/{id}/attempts",
        &["round_a"],
        [
            "401 unauthorized",
            "409 attempt_in_progress",
            "404 not_found",
            "201",
            "403 managers_may_not_enter",
            "404 not_found",
            "403 managers_may_not_enter",
        ],
    ),
    row(
        "GET",
        "/api/v1/rounds/{id}/export",
        &["round_a"],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "GET",
        "/api/v1/rounds/{id}/leaderboard",
        &["round_a"],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/api/v1/rounds/{id}/leaderboard/me",
        &["round_a"],
        ["401 unauthorized", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/api/v1/rounds/{id}/live",
        &["round_a"],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    // The round console (#13): entrants with names and publications for the contest's
    // organizers, as the voids; the join QR code for anyone.
    row(
        "GET",
        "/api/v1/rounds/{id}/entrants",
        &["round_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "404 not_found",
            "403 forbidden",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/rounds/{id}/publications",
        &["round_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "404 not_found",
            "403 forbidden",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/rounds/{id}/qr.svg",
        &["round_a"],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/api/v1/rounds/{id}/results",
        &["round_a"],
        [
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
        ],
    ),
    row(
        "GET",
        "/api/v1/rounds/{id}/units",
        &["round_a"],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/api/v1/topics",
        &[],
        ["401 unauthorized", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/api/v1/units",
        &[],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "POST",
        "/api/v1/units",
        &[],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "POST",
        "/api/v1/units/import",
        &[],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "415 unsupported_media_type",
            "403 forbidden",
            "403 forbidden",
            "415 unsupported_media_type",
        ],
    ),
    row(
        "GET",
        "/api/v1/units/{id}",
        &["unit_a"],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "PATCH",
        "/api/v1/units/{id}",
        &["unit_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "403 forbidden",
            "403 forbidden",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/units/{id}/unit-transfers",
        &["unit_a1"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "200",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/units/{id}/members",
        &["unit_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/units/{id}/participation",
        &["unit_a"],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "GET",
        "/api/v1/units/{id}/participation/contests",
        &["unit_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/units/{id}/theory-coverage",
        &["unit_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
        ],
    ),
    row(
        "GET",
        "/api/v1/units/{id}/certificates",
        &["unit_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/audit",
        &[],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "200",
            "200",
            "200",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/units/{id}/theory-pending",
        &["unit_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
        ],
    ),
    row(
        "PUT",
        "/api/v1/units/{id}/theory-since",
        &["unit_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "POST",
        "/api/v1/users/admission/import",
        &[],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "415 unsupported_media_type",
            "415 unsupported_media_type",
            "415 unsupported_media_type",
            "415 unsupported_media_type",
        ],
    ),
    row(
        "GET",
        "/api/v1/users/{id}",
        &["member_a"],
        [
            "401 unauthorized",
            "200",
            "404 not_found",
            "404 not_found",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "PUT",
        "/api/v1/users/{id}/roles",
        &["member_a"],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    // `{}` has no reason: every signed-in caller gets 422 before any rule; the rules are
    // tested in `disabling.rs`.
    row(
        "POST",
        "/api/v1/users/{id}/disable",
        &["member_a"],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    // Enabling an enabled account changes nothing.
    row(
        "POST",
        "/api/v1/users/{id}/enable",
        &["member_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "403 forbidden",
            "403 forbidden",
            "200",
        ],
    ),
    row(
        "GET",
        "/healthz",
        &[],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/metrics",
        &[],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "GET",
        "/readyz",
        &[],
        ["200", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "POST",
        "/api/v1/attempts/{id}/finish",
        &["attempt_a"],
        [
            "401 unauthorized",
            "200",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
        ],
    ),
    row(
        "POST",
        "/api/v1/certificates/{code}/revoke",
        &["cert_none"],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "POST",
        "/api/v1/contests/{id}/publish",
        &["contest_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "404 not_found",
            "403 forbidden",
            "409 rounds_not_published",
            "404 not_found",
            "409 rounds_not_published",
        ],
    ),
    row(
        "POST",
        "/api/v1/me/erase",
        &[],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "POST",
        "/api/v1/me/password",
        &[],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "POST",
        "/api/v1/rounds/{id}/leaderboard/rebuild",
        &["round_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "404 not_found",
            "403 forbidden",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "POST",
        "/api/v1/rounds/{id}/publish",
        &["round_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "404 not_found",
            "403 forbidden",
            "409 round_not_closed",
            "404 not_found",
            "409 round_not_closed",
        ],
    ),
    row(
        "POST",
        "/api/v1/rounds/{id}/results/{user_id}/restore",
        &["round_a", "member_a"],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "POST",
        "/api/v1/rounds/{id}/results/{user_id}/void",
        &["round_a", "member_a"],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "GET",
        "/api/v1/rounds/{id}/voids",
        &["round_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "404 not_found",
            "403 forbidden",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    // The pool's live count changes nothing; `{}` has no unit, so everyone signed in gets 422.
    row(
        "POST",
        "/api/v1/pool-availability",
        &[],
        [
            "401 unauthorized",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    // A preview opens a practice attempt for a manager (it never counts): near the end.
    row(
        "POST",
        "/api/v1/rounds/{id}/preview",
        &["round_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "404 not_found",
            "403 forbidden",
            "201",
            "404 not_found",
            "201",
        ],
    ),
    // Logout ends the caller's session: last.
    row(
        "GET",
        "/api/v1/units/{id}/managers",
        &["unit_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/users",
        &[],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "200",
            "200",
            "200",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/users/{id}/profile",
        &["member_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/users/{id}/attempts",
        &["member_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "200",
            "404 not_found",
            "200",
        ],
    ),
    row(
        "GET",
        "/api/v1/users/{id}/theory",
        &["member_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
        ],
    ),
    row(
        "PATCH",
        "/api/v1/me",
        &[],
        ["401 unauthorized", "200", "200", "200", "200", "200", "200"],
    ),
    row(
        "POST",
        "/api/v1/auth/password-reset",
        &[],
        [
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
            "422 validation_failed",
        ],
    ),
    row(
        "POST",
        "/api/v1/users/{id}/reset-code",
        &["member_a"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "404 not_found",
            "403 forbidden",
            "403 forbidden",
            "201",
        ],
    ),
    // Unit transfers: member_a's own request to A-1 (only member_a may cancel it), and a
    // request of a member of B to A-1 that the receiving side decides; organizer_b sees it
    // from the sending side (403). `{}` rejects without a note (422) and approves: the unit
    // admin of A-1 approves first, so the later deciders find it closed (409).
    row(
        "POST",
        "/api/v1/me/unit-transfers/{id}/cancel",
        &["transfer_a"],
        [
            "401 unauthorized",
            "200",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
            "404 not_found",
        ],
    ),
    row(
        "POST",
        "/api/v1/unit-transfers/{id}/reject",
        &["transfer_b"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "422 validation_failed",
            "422 validation_failed",
            "403 forbidden",
            "422 validation_failed",
        ],
    ),
    row(
        "POST",
        "/api/v1/unit-transfers/{id}/approve",
        &["transfer_b"],
        [
            "401 unauthorized",
            "403 forbidden",
            "403 forbidden",
            "200",
            "409 transfer_closed",
            "403 forbidden",
            "409 transfer_closed",
        ],
    ),
    row(
        "POST",
        "/api/v1/auth/logout",
        &[],
        ["401 unauthorized", "204", "204", "204", "204", "204", "204"],
    ),
];

/// The world every cell runs against.
struct World {
    users: Vec<Option<TestUser>>,
    ids: HashMap<&'static str, String>,
}

async fn build_world(app: &TestApp) -> World {
    let a = app.unit("A", None).await;
    let a1 = app.unit("A-1", Some(a)).await;
    let b = app.unit("B", None).await;
    let member_a = app.member(a).await;
    let member_b = app.member(b).await;
    let unit_admin_a1 = app.with_roles(a1, &[(Role::UnitAdmin, Some(a1))]).await;
    let organizer_a = app.with_roles(a, &[(Role::Organizer, Some(a))]).await;
    let organizer_b = app.with_roles(b, &[(Role::Organizer, Some(b))]).await;
    let admin = app.with_roles(a, &[(Role::Admin, None)]).await;
    let mut question = String::new();
    for i in 0..3 {
        let q: Value = app
            .post(
                "/api/v1/questions",
                Some(&organizer_a.access),
                &json!({
                    "unit_id": a.into_uuid(), "kind": "single",
                    "text": format!("Câu hỏi ma trận {i}: đáp án đúng là A?"),
                    "options": [{"text": "A", "correct": true}, {"text": "B"}],
                    "explanation": "Vì A đúng.",
                    "topic": {"code": "law", "name": "Pháp luật"},
                }),
            )
            .await
            .json()
            .await
            .expect("json");
        question = q["id"].as_str().expect("question id").to_owned();
    }
    let contest: Value = app
        .post(
            "/api/v1/contests",
            Some(&organizer_a.access),
            // A public board (not the default), so the matrix shows who may read boards by role
            // and scope alone; who sees a members' board is `attempts::who_sees_a_board…`.
            &json!({"title": "Cuộc thi ma trận", "unit_id": a.into_uuid(), "eligibility": {"unit_id": a.into_uuid()},
                    "leaderboard_visibility": "public"}),
        )
        .await
        .json()
        .await
        .expect("json");
    let contest_id = contest["id"].as_str().expect("contest id").to_owned();
    let now = Utc::now();
    let round: Value = app
        .post(
            &format!("/api/v1/contests/{contest_id}/rounds"),
            Some(&organizer_a.access),
            &json!({
                "name": "Vòng mở",
                "opens_at": (now - chrono::Duration::seconds(60)).to_rfc3339(),
                "closes_at": (now + chrono::Duration::seconds(3600)).to_rfc3339(),
                "questions_per_attempt": 2,
                "time_limit_seconds": 600,
                "attempts_allowed": 3,
                "pool": {"quotas": [{"topic": "law", "count": 2}]},
                "points_per_question": 10,
                "review": "score_only",
            }),
        )
        .await
        .json()
        .await
        .expect("json");
    let round_id = round["id"].as_str().expect("round id").to_owned();
    let attempt: Value = app
        .post(
            &format!("/api/v1/rounds/{round_id}/attempts"),
            Some(&member_a.access),
            &json!({}),
        )
        .await
        .json()
        .await
        .expect("json");
    let attempt_id = attempt["id"].as_str().expect("attempt id").to_owned();
    let q = &attempt["questions"][0];
    let attempt_question = q["id"].as_str().expect("qid").to_owned();
    let option = q["options"][0]["id"].as_str().expect("oid").to_owned();
    let saved = app
        .put(
            &format!("/api/v1/attempts/{attempt_id}/answers/{attempt_question}"),
            Some(&member_a.access),
            &json!({"option_ids": [option]}),
        )
        .await;
    assert!(saved.status().is_success(), "arrange an answer");
    let transfer_a = transfer(app, &member_a, a1).await;
    let mover = app.member(b).await;
    let transfer_b = transfer(app, &mover, a1).await;
    let mut ids = HashMap::new();
    ids.insert("unit_a", a.into_uuid().to_string());
    ids.insert("unit_a1", a1.into_uuid().to_string());
    ids.insert("unit_b", b.into_uuid().to_string());
    ids.insert("member_a", member_a.id.into_uuid().to_string());
    ids.insert("member_b", member_b.id.into_uuid().to_string());
    ids.insert("question_a", question);
    ids.insert("image_a", upload_png(app, &organizer_a).await);
    ids.insert("material_a", upload_pdf(app, &organizer_a).await);
    ids.insert("contest_a", contest_id);
    ids.insert("round_a", round_id);
    ids.insert("attempt_a", attempt_id);
    ids.insert("attempt_question", attempt_question);
    ids.insert("nothing", Uuid::now_v7().to_string());
    ids.insert("cert_none", "ABCD-EFGH-JKLM".to_owned());
    ids.insert("transfer_a", transfer_a);
    ids.insert("transfer_b", transfer_b);
    World {
        users: vec![
            None,
            Some(member_a),
            Some(member_b),
            Some(unit_admin_a1),
            Some(organizer_a),
            Some(organizer_b),
            Some(admin),
        ],
        ids,
    }
}

/// `user` asks to move to `to`; the request's id.
async fn transfer(app: &TestApp, user: &TestUser, to: dautri_api::domain::ids::UnitId) -> String {
    let made: Value = app
        .post(
            "/api/v1/me/unit-transfers",
            Some(&user.access),
            &json!({"to_unit_id": to.into_uuid(), "reason": "Chuyển nơi công tác"}),
        )
        .await
        .json()
        .await
        .expect("json");
    made["id"].as_str().expect("transfer id").to_owned()
}

/// Uploads a 1×1 PNG as `user`; its image name.
async fn upload_png(app: &TestApp, user: &TestUser) -> String {
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
        0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
        0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x56, 0xc7, 0x2f, 0x0d, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("a.png"),
    );
    let stored: Value = app
        .client
        .post(app.url("/api/v1/images"))
        .bearer_auth(&user.access)
        .multipart(form)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    stored["name"].as_str().expect("image name").to_owned()
}

async fn upload_pdf(app: &TestApp, user: &TestUser) -> String {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n".to_vec())
            .file_name("a.pdf"),
    );
    let stored: Value = app
        .client
        .post(app.url("/api/v1/materials"))
        .bearer_auth(&user.access)
        .multipart(form)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    stored["name"].as_str().expect("material name").to_owned()
}

fn concrete(row: &Row, world: &World) -> String {
    let mut out = String::new();
    let mut args = row.args.iter();
    let mut rest = row.path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').expect("closing brace") + open;
        let name = args.next().expect("an argument per parameter");
        out.push_str(world.ids.get(name).expect("known resource"));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Keys that are the answer key, wherever they appear in a member-facing answer.
fn key_fields(value: &Value, at: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let is_key = matches!(
                    k.as_str(),
                    "correct" | "correct_option_ids" | "explanation" | "is_correct"
                ) || (k == "review" && !v.is_string());
                if is_key {
                    found.push(format!("{at}/{k}"));
                }
                key_fields(v, &format!("{at}/{k}"), found);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                key_fields(v, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

async fn every_operation_answers_every_role_as_the_matrix_says(app: &TestApp) {
    // Coverage: every operation of the served document has a row, and no row is stale.
    let doc: Value = app
        .get("/api/openapi.json", None)
        .await
        .json()
        .await
        .expect("openapi");
    let served: BTreeSet<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str()))
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    let tabled: BTreeSet<String> = MATRIX
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    let missing: Vec<_> = served.difference(&tabled).collect();
    let stale: Vec<_> = tabled.difference(&served).collect();
    assert!(
        missing.is_empty() && stale.is_empty() && tabled.len() == MATRIX.len(),
        "the matrix must cover the OpenAPI document exactly once per operation:\n\
         missing rows: {missing:#?}\nrows for no operation: {stale:#?}"
    );

    let world = build_world(app).await;
    let record = std::env::var("AUTHZ_RECORD").is_ok();
    let mut mismatches = Vec::new();
    let mut leaks = Vec::new();
    let mut defects_seen = BTreeSet::new();
    let mut cells = 0;
    for row in MATRIX {
        let path = concrete(row, &world);
        let method = Method::from_bytes(row.method.as_bytes()).expect("method");
        let mut actuals = [""; 7].map(String::from);
        for &role in &RUN_ORDER {
            let mut request = app.client.request(method.clone(), app.url(&path));
            if method != Method::GET && method != Method::DELETE {
                request = request.json(&json!({}));
            }
            if let Some(user) = &world.users[role] {
                request = request.bearer_auth(&user.access);
            }
            let response = request.send().await.expect("request");
            let status = response.status();
            let streaming = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("text/event-stream"));
            // A live board streams forever: its status is the answer.
            let text = if streaming {
                String::new()
            } else {
                response.text().await.unwrap_or_default()
            };
            let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
            let actual = if status.is_client_error() {
                format!(
                    "{} {}",
                    status.as_u16(),
                    body["code"].as_str().unwrap_or("-")
                )
            } else {
                status.as_u16().to_string()
            };
            cells += 1;
            if (role == 1 || role == 2) && status.is_success() {
                let mut found = Vec::new();
                key_fields(&body, "", &mut found);
                if !found.is_empty() {
                    leaks.push(format!(
                        "{} {path} as {}: {found:?}",
                        row.method, ROLES[role]
                    ));
                }
            }
            let expected = row.expect[role];
            let defect = KNOWN_DEFECTS
                .iter()
                .find(|d| d.method == row.method && d.path == row.path && d.role == ROLES[role]);
            match defect {
                Some(d) => {
                    defects_seen.insert((d.method, d.path, d.role));
                    if actual != d.actual {
                        mismatches.push(format!(
                            "{} {} as {}: known defect now answers {actual} (recorded {}, \
                             correct {expected}) — update KNOWN_DEFECTS ({})",
                            row.method, row.path, ROLES[role], d.actual, d.why
                        ));
                    }
                }
                None if actual != expected => mismatches.push(format!(
                    "{} {} as {}: expected {expected}, got {actual}; body {}",
                    row.method,
                    row.path,
                    ROLES[role],
                    text.chars().take(160).collect::<String>()
                )),
                None => {}
            }
            actuals[role] = actual;
        }
        if record {
            println!(
                "    row(\"{}\", \"{}\", &{:?}, {:?}),",
                row.method, row.path, row.args, actuals
            );
        }
    }
    for d in KNOWN_DEFECTS {
        assert!(
            defects_seen.contains(&(d.method, d.path, d.role)),
            "KNOWN_DEFECTS names a cell the matrix has no row for: {} {} {}",
            d.method,
            d.path,
            d.role
        );
    }
    assert!(
        mismatches.is_empty() && leaks.is_empty(),
        "{} of {cells} cells differ from the matrix:\n{}\n\nanswer-key fields in member answers:\n{}",
        mismatches.len(),
        mismatches.join("\n"),
        leaks.join("\n")
    );
}
