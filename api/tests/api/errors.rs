//! Every failure answers `application/problem+json` with a stable code.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::{TestApp, assert_problem, pointers};

both_backends!(
    unknown_route_is_a_404_problem,
    wrong_method_is_a_405_problem_with_allow,
    malformed_json_is_a_400_problem,
    wrong_content_type_is_a_415_problem,
    oversized_body_is_a_413_problem,
    malformed_path_id_is_a_404_problem,
    bad_query_values_are_422_problems_naming_the_parameter,
    missing_or_bad_token_is_a_401_problem,
    wrong_field_type_names_the_field,
    unknown_fields_are_refused_by_name,
    pages_outside_the_api_fall_back_to_the_frontend,
);

async fn unknown_route_is_a_404_problem(app: &TestApp) {
    assert_problem(
        app.get("/api/v1/nothing-here", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let response = app
        .client
        .delete(app.url("/api/v1/nothing/here"))
        .send()
        .await
        .expect("request");
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

async fn wrong_method_is_a_405_problem_with_allow(app: &TestApp) {
    let response = app
        .client
        .delete(app.url("/api/v1/units"))
        .send()
        .await
        .expect("request");
    let allow = response
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_problem(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    assert_eq!(allow, "GET, POST");
    let response = app
        .client
        .get(app.url("/api/v1/auth/login"))
        .send()
        .await
        .expect("request");
    assert_problem(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
}

async fn malformed_json_is_a_400_problem(app: &TestApp) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"phone\": ")
        .send()
        .await
        .expect("request");
    assert_problem(response, StatusCode::BAD_REQUEST, "bad_request").await;
}

async fn wrong_content_type_is_a_415_problem(app: &TestApp) {
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("phone=1")
        .send()
        .await
        .expect("request");
    assert_problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    let response = app
        .client
        .post(app.url("/api/v1/units/import"))
        .bearer_auth("x")
        .json(&json!({}))
        .send()
        .await
        .expect("request");
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

async fn oversized_body_is_a_413_problem(app: &TestApp) {
    let huge = "x".repeat(200 * 1024);
    let response = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": huge, "password": "p"}),
        )
        .await;
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

async fn malformed_path_id_is_a_404_problem(app: &TestApp) {
    assert_problem(
        app.get("/api/v1/units/not-a-uuid", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/units/{}", uuid::Uuid::now_v7()), None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn bad_query_values_are_422_problems_naming_the_parameter(app: &TestApp) {
    let body = assert_problem(
        app.get("/api/v1/units?limit=abc", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), vec!["/limit"]);
    let body = assert_problem(
        app.get("/api/v1/units?limit=1000", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), vec!["/limit"]);
    let body = assert_problem(
        app.get("/api/v1/units?parent_id=xyz", None).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), vec!["/parent_id"]);
}

async fn missing_or_bad_token_is_a_401_problem(app: &TestApp) {
    let response = app.get("/api/v1/me", None).await;
    assert_eq!(
        response
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_problem(
        app.get("/api/v1/me", Some("not.a.jwt")).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let response = app
        .client
        .get(app.url("/api/v1/me"))
        .header("authorization", "Basic Zm9vOmJhcg==")
        .send()
        .await
        .expect("request");
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

async fn wrong_field_type_names_the_field(app: &TestApp) {
    let body = assert_problem(
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": 912345678, "password": "x"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), vec!["/phone"]);
    let body = assert_problem(
        app.post("/api/v1/auth/login", None, &json!({"password": "x"}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), vec!["/phone"]);
}

async fn unknown_fields_are_refused_by_name(app: &TestApp) {
    let body = assert_problem(
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": "0912345678", "pasword": "x"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&body), vec!["/pasword"]);
}

async fn pages_outside_the_api_fall_back_to_the_frontend(app: &TestApp) {
    // Without a built frontend in the test's static dir, a page load still gets HTML, not JSON.
    let response = app.get("/dang-nhap", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .starts_with("text/html")
    );
    let response = app
        .client
        .post(app.url("/dang-nhap"))
        .send()
        .await
        .expect("request");
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}
