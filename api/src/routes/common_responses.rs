//! The answers every operation of a kind can give, added to the OpenAPI document in one place.
//!
//! A handler's `#[utoipa::path]` lists what its own rules answer (`404` for an unknown contest,
//! `409` for a round already open…). What the shared extractors and middleware answer is the
//! same for every operation that uses them, so it is written here once instead of on 90
//! handlers, and the document says what the server does (the schemathesis run in
//! `scripts/schemathesis.sh` checks every status code against it):
//!
//! - a bearer-token operation answers `401` without a valid session and `403` when the account
//!   may not do it (a role it lacks, a scope it does not manage, a disabled account);
//! - a path parameter that does not parse (a malformed UUID) answers `404`: no such resource;
//! - a query string that does not parse answers `422` naming the parameter;
//! - a body answers `400` when it is not well-formed, `413` when too large, `415` when of the
//!   wrong type and `422` naming each invalid field;
//! - anything under `/api/v1` answers `503` with `Retry-After` while the database or the scoring
//!   store is unavailable, or while the server works on as many requests as it takes at once.
//!
//! A response the handler documents itself is kept: its description is more specific.

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{
    ContentBuilder, Object, OpenApi, Ref, RefOr, Response, ResponseBuilder, Type,
};

const PROBLEM: &str = "application/problem+json";

/// The shared responses, by name in `components/responses`, with the status they answer.
const SHARED: &[(&str, &str, &str)] = &[
    (
        "Unauthenticated",
        "401",
        "No valid session: sign in or refresh the access token (`unauthorized`)",
    ),
    (
        "Forbidden",
        "403",
        "The account may not do this: a role or scope it lacks, or a disabled account",
    ),
    (
        "UnknownResource",
        "404",
        "No such resource (a path id that does not exist or does not parse)",
    ),
    (
        "MalformedBody",
        "400",
        "The body is not well-formed (malformed JSON, an unreadable upload)",
    ),
    (
        "BodyTooLarge",
        "413",
        "The body is larger than this operation accepts",
    ),
    (
        "WrongMediaType",
        "415",
        "The body is not of a type this operation accepts",
    ),
    (
        "InvalidInput",
        "422",
        "A field or query parameter is invalid; `errors` names each one (`pointer`, `code`)",
    ),
    (
        "Unavailable",
        "503",
        "The database or the scoring store is unavailable (`unavailable`), or the server is working on as many requests as it takes at once (`crowded`); try again after `Retry-After` seconds",
    ),
];

/// Adds the shared responses to `components` and to every operation they apply to.
pub fn add(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, status, description) in SHARED {
        components.responses.insert(
            (*name).to_owned(),
            RefOr::T(problem(description, *status == "503")),
        );
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let versioned = path.starts_with("/api/v1/");
        for op in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
            &mut item.head,
            &mut item.options,
        ]
        .into_iter()
        .flatten()
        {
            let names = applicable(op, versioned);
            for (name, status, _) in SHARED.iter().filter(|(n, ..)| names.contains(n)) {
                op.responses
                    .responses
                    .entry((*status).to_owned())
                    .or_insert_with(|| RefOr::Ref(Ref::from_response_name(*name)));
            }
        }
    }
}

/// The names of the shared responses that `op` can give.
fn applicable(op: &Operation, versioned: bool) -> Vec<&'static str> {
    let mut names = Vec::new();
    if needs_bearer(op) {
        names.extend(["Unauthenticated", "Forbidden"]);
    }
    let params = op.parameters.iter().flatten().filter_map(|p| match p {
        RefOr::T(p) => Some(&p.parameter_in),
        RefOr::Ref(_) => None,
    });
    let (mut in_path, mut in_query) = (false, false);
    for place in params {
        in_path |= matches!(place, ParameterIn::Path);
        in_query |= matches!(place, ParameterIn::Query);
    }
    if in_path {
        names.push("UnknownResource");
    }
    if op.request_body.is_some() {
        names.extend([
            "MalformedBody",
            "BodyTooLarge",
            "WrongMediaType",
            "InvalidInput",
        ]);
    } else if in_query {
        names.push("InvalidInput");
    }
    if versioned {
        names.push("Unavailable");
    }
    names
}

/// Whether the operation takes the bearer token (alone or as an option).
fn needs_bearer(op: &Operation) -> bool {
    op.security.iter().flatten().any(|requirement| {
        serde_json::to_value(requirement)
            .ok()
            .and_then(|v| v.as_object().map(|o| o.contains_key("bearer")))
            .unwrap_or(false)
    })
}

fn problem(description: &str, retry_after: bool) -> Response {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    let mut response = ResponseBuilder::new()
        .description(description)
        .content(PROBLEM, content);
    if retry_after {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(Object::with_type(Type::Integer)))
                .description(Some("Seconds to wait before trying again"))
                .build(),
        );
    }
    response.build()
}
