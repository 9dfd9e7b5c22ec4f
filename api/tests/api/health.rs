//! Probes, metrics and the API documents.

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_backends;
use crate::helpers::TestApp;

both_backends!(
    healthz_answers_ok,
    readyz_reports_database_and_store,
    metrics_count_requests_by_route_template,
    openapi_lists_the_minimum_paths,
    docs_are_served_locally,
    only_bodies_worth_it_are_compressed,
);

async fn healthz_answers_ok(app: &TestApp) {
    let response = app.get("/healthz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.expect("body"), "ok");
}

async fn readyz_reports_database_and_store(app: &TestApp) {
    let response = app.get("/readyz", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["database"], true);
    assert_eq!(body["scoring_store"], true);
    let expected = match app.backend {
        crate::helpers::Backend::Embedded => "memory",
        crate::helpers::Backend::Services => "redis",
    };
    assert_eq!(body["scoring_backend"], expected);
}

async fn metrics_count_requests_by_route_template(app: &TestApp) {
    let unit = app.unit("M-1", None).await;
    app.get(&format!("/api/v1/units/{unit}"), None).await;
    let text = app.get("/metrics", None).await.text().await.expect("body");
    assert!(
        text.contains(
            r#"dautri_http_requests_total{method="GET",route="/api/v1/units/{id}",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(
        text.contains("dautri_http_request_duration_seconds_bucket"),
        "{text}"
    );
    assert!(text.contains("dautri_db_up 1"), "{text}");
    assert!(text.contains("dautri_store_up 1"), "{text}");
    assert!(text.contains("dautri_db_pool_connections"), "{text}");
    assert!(
        !text.contains(&unit.to_string()),
        "raw ids must not become labels"
    );
}

async fn openapi_lists_the_minimum_paths(app: &TestApp) {
    let doc: Value = app
        .get("/api/openapi.json", None)
        .await
        .json()
        .await
        .expect("json");
    for (path, method) in [
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/users/{id}/roles", "put"),
        ("/api/v1/units", "get"),
        ("/api/v1/units", "post"),
        ("/api/v1/units/{id}", "get"),
        ("/api/v1/units/{id}", "patch"),
        ("/api/v1/units/import", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the OpenAPI document"
        );
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

async fn docs_are_served_locally(app: &TestApp) {
    let page = app.get("/api/docs/", None).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("body");
    assert!(
        !html.contains("https://"),
        "the docs page must not load anything from the internet"
    );
    let script = app.get("/api/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(
        script.status(),
        StatusCode::OK,
        "the Swagger UI bundle is served by dautri itself"
    );
    let config = app
        .get("/api/docs/swagger-initializer.js", None)
        .await
        .text()
        .await
        .expect("body");
    assert!(config.contains("/api/openapi.json"), "{config}");
}

/// What a browser asks for, and what the server answers: a small body as it is (no encoder set
/// up for a hundred bytes), a large one compressed.
async fn only_bodies_worth_it_are_compressed(app: &TestApp) {
    let browser = "gzip, deflate, br, zstd";
    // A client that shows what came over the wire (the tests' own decodes it, as browsers do).
    let raw = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .no_zstd()
        .no_deflate()
        .build()
        .expect("client");
    let fetch = |path: &'static str| {
        raw.get(app.url(path))
            .header(reqwest::header::ACCEPT_ENCODING, browser)
            .send()
    };
    let encoding = |r: &reqwest::Response| {
        r.headers()
            .get(reqwest::header::CONTENT_ENCODING)
            .map(|v| v.to_str().expect("ascii").to_owned())
    };
    let small = fetch("/healthz").await.expect("request");
    assert_eq!(small.status(), StatusCode::OK);
    assert_eq!(encoding(&small), None, "no mark left either");
    assert_eq!(small.text().await.expect("body"), "ok");
    // Under the threshold, a problem document too.
    let problem = fetch("/api/v1/attempts/not-an-id").await.expect("request");
    assert!(problem.status().is_client_error());
    assert_eq!(encoding(&problem), None);
    assert!(problem.bytes().await.expect("body").len() < 1024);

    let large = fetch("/api/openapi.json").await.expect("request");
    assert_eq!(large.status(), StatusCode::OK);
    assert_eq!(encoding(&large).as_deref(), Some("gzip"));
    let body = large.bytes().await.expect("body");
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut json)
        .expect("gzip");
    assert!(json.len() >= 1024);
    serde_json::from_slice::<Value>(&json).expect("the document, once decoded");
}

/// Each HTTP worker opens a Redis connection of its own, so a command and its reply stay on
/// the worker's thread (`scoring/redis_store.rs`); `/metrics` counts them. The requests in
/// between go through whichever connection the worker has, and all answer.
#[tokio::test]
async fn every_worker_gets_its_own_redis_connection() {
    let app = crate::helpers::spawn_app_with(crate::helpers::Backend::Services, |s| {
        s.workers = Some(3);
    })
    .await;
    let mut text = String::new();
    // Opened in the background as each worker starts: a bounded wait, not a timing claim.
    for _ in 0..100 {
        let response = app.get("/metrics", None).await;
        assert_eq!(response.status(), StatusCode::OK);
        text = response.text().await.expect("body");
        if text.contains("dautri_redis_worker_connections 3") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(text.contains("dautri_redis_worker_connections 3"), "{text}");
    assert!(text.contains("dautri_store_up 1"), "{text}");
    let ready: Value = app.get("/readyz", None).await.json().await.expect("json");
    assert_eq!(ready["scoring_store"], true);
    app.cleanup().await;
}
