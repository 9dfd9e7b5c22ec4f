//! The OpenAPI document is a contract: the frontend generates its types from it
//! (`frontend/scripts/gen-api.sh`), so a name clash or a missing code shows up here first.

use std::collections::BTreeMap;

use super::*;
use crate::error::{ApiError, FieldError};

fn components(doc: &utoipa::openapi::OpenApi) -> BTreeMap<String, serde_json::Value> {
    doc.components
        .iter()
        .flat_map(|c| &c.schemas)
        .map(|(name, schema)| (name.clone(), serde_json::json!(schema)))
        .collect()
}

/// Two Rust types with one schema name leave one of them undocumented: the document keeps
/// whichever was collected last, and nothing in the whole document shows it. So this documents
/// each resource on its own and compares what each calls by the same name.
///
/// # Implementation notes
/// Two clashing types within one resource module would still pass (one `configure` collects
/// them into one map); utoipa-actix-web keeps the per-handler lists private.
#[test]
fn openapi_schema_names_are_unique_across_resources() {
    let mut parts: Vec<(&str, utoipa::openapi::OpenApi)> = API_V1
        .iter()
        .map(|(name, configure)| {
            let doc = App::new()
                .into_utoipa_app()
                .service(scope("/api/v1").configure(configure))
                .split_for_parts()
                .1;
            (*name, doc)
        })
        .collect();
    parts.push(("ApiDoc", ApiDoc::openapi()));
    let mut parameters = utoipa::openapi::OpenApi::default();
    add_parameter_schemas(&mut parameters);
    parts.push(("query parameters", parameters));
    parts.push((
        "health",
        App::new()
            .into_utoipa_app()
            .configure(routes::health::configure)
            .split_for_parts()
            .1,
    ));
    let mut seen: BTreeMap<String, (&str, serde_json::Value)> = BTreeMap::new();
    let mut clashes = Vec::new();
    for (part, doc) in &parts {
        for (name, schema) in components(doc) {
            match seen.get(&name) {
                Some((first, other)) if *other != schema => {
                    clashes.push(format!("{name}: {first} and {part} mean different things"));
                }
                Some(_) => {}
                None => {
                    seen.insert(name, (part, schema));
                }
            }
        }
    }
    assert!(
        clashes.is_empty(),
        "schema names used by two types (rename one with #[schema(as = …)]):\n{}",
        clashes.join("\n")
    );
    let whole = components(&openapi());
    assert_eq!(
        whole.keys().collect::<Vec<_>>(),
        seen.keys().collect::<Vec<_>>()
    );
}

#[test]
fn openapi_names_each_import_schema_apart() {
    let names = components(&openapi());
    for name in [
        "UnitImportResult",
        "QuestionImportResult",
        "AdmissionImportResult",
        "UnitImportForm",
        "QuestionImportForm",
    ] {
        assert!(names.contains_key(name), "{name} missing");
    }
    assert!(!names.contains_key("ImportResult"));
    assert!(!names.contains_key("ImportForm"));
    let unit = &names["UnitImportResult"]["properties"];
    assert!(unit.get("valid_rows").is_some(), "{unit}");
    let question = &names["QuestionImportResult"]["properties"];
    assert!(question.get("valid_rows").is_none(), "{question}");
}

#[test]
fn openapi_lists_every_problem_and_field_error_code() {
    let names = components(&openapi());
    let problem_codes: Vec<&str> = ApiError::all_codes().collect();
    assert_eq!(
        names["ProblemCode"]["enum"],
        serde_json::json!(problem_codes)
    );
    assert_eq!(
        names["FieldErrorCode"]["enum"],
        serde_json::json!(FieldError::CODES)
    );
    for code in [
        "attempt_in_progress",
        "managers_may_not_enter",
        "reads_answer_key",
    ] {
        assert!(problem_codes.contains(&code), "{code}");
    }
    assert_eq!(
        names["Problem"]["properties"]["code"]["$ref"],
        "#/components/schemas/ProblemCode"
    );
}

#[test]
fn openapi_references_resolve() {
    let doc = serde_json::json!(openapi());
    let text = doc.to_string();
    let names = components(&openapi());
    let dangling: Vec<&str> = text
        .split("\"#/components/schemas/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|name| !names.contains_key(*name))
        .collect();
    assert!(dangling.is_empty(), "$ref to missing schemas: {dangling:?}");
}
