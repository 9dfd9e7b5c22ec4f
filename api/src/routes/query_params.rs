//! What the shared query extractor accepts, written into every operation's query parameters.
//!
//! Two facts hold for every list and every query string, so they are added to the OpenAPI
//! document here once rather than on each `IntoParams` (the schemathesis run checks that a
//! request the document allows is accepted):
//!
//! - `limit` is 1–200 and `offset` 0–2³¹−1 ([`crate::app::paging::checked_limit`],
//!   [`super::extract::MAX_OFFSET`]);
//! - an optional parameter is left out, not sent empty: utoipa describes `Option<T>` as
//!   "T or null", which a client can only write as `?name=`, and which the server reads as an
//!   empty value (refused for numbers, dates and enums). The document says "T, optional".

use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa::openapi::OpenApi;

use super::extract::MAX_OFFSET;

/// Sort direction of a list (`order=asc|desc`).
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    /// Ascending.
    Asc,
    /// Descending.
    Desc,
}

/// Rewrites the query parameters of every operation in `doc` as above.
pub fn describe(doc: &mut OpenApi) {
    let Ok(mut value) = serde_json::to_value(&*doc) else {
        return;
    };
    if let Some(paths) = value.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in item.values_mut().filter_map(Value::as_object_mut) {
                let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) else {
                    continue;
                };
                for param in params.iter_mut().filter_map(Value::as_object_mut) {
                    if param.get("in").and_then(Value::as_str) != Some("query") {
                        continue;
                    }
                    let name = param
                        .get("name")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                        .to_owned();
                    let Some(schema) = param.get_mut("schema") else {
                        continue;
                    };
                    drop_null(schema);
                    if let Some(schema) = schema.as_object_mut() {
                        match name.as_str() {
                            "limit" => {
                                schema.insert("minimum".into(), 1.into());
                                schema.insert("maximum".into(), 200.into());
                            }
                            "offset" => {
                                schema.insert("minimum".into(), 0.into());
                                schema.insert("maximum".into(), MAX_OFFSET.into());
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    if let Ok(rewritten) = serde_json::from_value(value) {
        *doc = rewritten;
    }
}

/// `{"type": ["T", "null"]}` → `{"type": "T"}`; `{"oneOf": [S, {"type": "null"}]}` → `S`.
fn drop_null(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    if let Some(types) = object.get("type").and_then(Value::as_array) {
        let kept: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        let kept = match kept.len() {
            1 => kept.into_iter().next().unwrap_or(Value::Null),
            _ => Value::Array(kept),
        };
        object.insert("type".into(), kept);
        return;
    }
    if let Some(variants) = object.get("oneOf").and_then(Value::as_array) {
        let kept: Vec<&Value> = variants
            .iter()
            .filter(|v| v.get("type").and_then(Value::as_str) != Some("null"))
            .collect();
        if kept.len() == 1 {
            let mut only = kept[0].clone();
            // Keep what the parameter itself says (its default, its description).
            if let (Some(only), Some(object)) = (only.as_object_mut(), schema.as_object()) {
                for (k, v) in object.iter().filter(|(k, _)| k.as_str() != "oneOf") {
                    only.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            *schema = only;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_optional_value_is_never_null() {
        let mut nullable = json!({"type": ["integer", "null"], "format": "int64"});
        drop_null(&mut nullable);
        assert_eq!(nullable, json!({"type": "integer", "format": "int64"}));
        let mut one_of =
            json!({"oneOf": [{"$ref": "#/components/schemas/Kind"}, {"type": "null"}]});
        drop_null(&mut one_of);
        assert_eq!(one_of, json!({"$ref": "#/components/schemas/Kind"}));
    }
}
