//! Input a hostile tester sent that used to answer 5xx or kill a worker: NUL characters in
//! names and searches, offsets past every integer type, and the headers and pages around the
//! API (cache, content policy, metrics, the docs' address); JSON nested past any sensible depth;
//! clients that open connections and never finish their request.

use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, assert_problem, pointers, spawn_app_with};

both_backends!(
    a_nul_character_is_a_422_naming_the_field,
    offsets_past_every_integer_are_a_422,
    api_answers_are_not_cached_and_the_app_has_a_content_policy,
    the_docs_address_without_its_slash_leads_to_the_docs,
    metrics_answer_only_local_unforwarded_requests_without_a_token,
    json_nested_past_any_sensible_depth_is_a_4xx,
);

/// Arrays and objects nested two thousand deep, as a whole body and as one field's value: refused
/// as a problem (400 malformed past serde's recursion limit, 422 where the shape is already
/// wrong), and the worker lives on.
async fn json_nested_past_any_sensible_depth_is_a_4xx(app: &TestApp) {
    let arrays = format!("{}{}", "[".repeat(2_000), "]".repeat(2_000));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(2_000), "}".repeat(2_000));
    for body in [
        arrays.clone(),
        objects.clone(),
        format!(r#"{{"phone": {arrays}, "password": "x"}}"#),
        format!(r#"{{"phone": {objects}, "password": "x"}}"#),
    ] {
        let r = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        let status = r.status();
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{status}"
        );
        assert_eq!(
            r.headers()["content-type"],
            "application/problem+json",
            "a problem document"
        );
    }
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}

/// Connections that send half a request and then nothing (a slow or hostile client): while
/// they hang, everyone else is served, and the server closes each of them after its request
/// timeout instead of holding it for ever.
#[tokio::test]
async fn clients_that_never_finish_their_request_hold_nothing_embedded() {
    clients_that_never_finish_their_request_hold_nothing(crate::helpers::Backend::Embedded).await;
}

#[tokio::test]
async fn clients_that_never_finish_their_request_hold_nothing_services() {
    clients_that_never_finish_their_request_hold_nothing(crate::helpers::Backend::Services).await;
}

async fn clients_that_never_finish_their_request_hold_nothing(backend: crate::helpers::Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    // A short idle limit keeps the test short; the default is 20 s.
    let app = spawn_app_with(backend, |s| s.body_idle_seconds = 2).await;
    let host = app.address.trim_start_matches("http://").to_owned();
    let mut stalled = Vec::new();
    for i in 0..64 {
        let mut stream = tokio::net::TcpStream::connect(&host)
            .await
            .expect("connect");
        // Headers without their blank line, or a body shorter than its length.
        let partial = if i % 2 == 0 {
            "GET /api/v1/me HTTP/1.1\r\nHost: dautri\r\nX-Slow: 1\r\n".to_owned()
        } else {
            "POST /api/v1/auth/login HTTP/1.1\r\nHost: dautri\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"phone\":".to_owned()
        };
        stream.write_all(partial.as_bytes()).await.expect("write");
        stalled.push(stream);
    }
    // Everyone else is served meanwhile.
    for _ in 0..5 {
        assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    }
    // Each stalled connection is answered (408) or closed by the server, not held: the bound
    // here is far above the server's request timeout, only so that a server that never closes
    // them fails instead of hanging the suite.
    for mut stream in stalled {
        let mut buf = Vec::new();
        let read = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            stream.read_to_end(&mut buf),
        )
        .await;
        assert!(read.is_ok(), "the server held a stalled connection open");
        let text = String::from_utf8_lossy(&buf);
        // actix answers an unfinished request 408; a connection it drops answers nothing.
        assert!(
            buf.is_empty() || text.starts_with("HTTP/1.1 4"),
            "a stalled request got: {text}"
        );
    }
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    app.cleanup().await;
}

async fn a_nul_character_is_a_422_naming_the_field(app: &TestApp) {
    let root = app.unit("ROOT", None).await;
    let admin = app
        .with_roles(
            root,
            &[(Role::UnitAdmin, Some(root)), (Role::Organizer, Some(root))],
        )
        .await;
    let token = Some(admin.access.as_str());
    // In a body: the unit's name, a contest's title, a nested option text.
    let cases: [(&str, Value, &str); 3] = [
        (
            "/api/v1/units",
            json!({"code": "NUL-1", "name": "Chi đoàn\u{0}1", "parent_id": root.into_uuid()}),
            "/name",
        ),
        (
            "/api/v1/contests",
            json!({"title": "Cuộc thi\u{0}", "unit_id": root.into_uuid()}),
            "/title",
        ),
        (
            "/api/v1/questions",
            json!({"unit_id": root.into_uuid(), "text": "Câu hỏi?", "topic": {"code": "t", "name": "T"},
                   "options": [{"text": "A", "correct": true}, {"text": "B\u{0}"}]}),
            "/options/1/text",
        ),
    ];
    for (path, body, pointer) in cases {
        let problem = assert_problem(
            app.post(path, token, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&problem), vec![pointer], "{path}: {problem}");
    }
    // A literal backslash followed by u0000 is text, not a NUL.
    let r = app
        .post(
            "/api/v1/units",
            token,
            &json!({"code": "NUL-2", "name": "Chi đoàn \\u0000", "parent_id": root.into_uuid()}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    // In a search.
    for path in [
        "/api/v1/units?q=%00",
        "/api/v1/questions?q=ab%00c",
        &format!("/api/v1/units/{root}/members?q=%00"),
    ] {
        let problem = assert_problem(
            app.get(path, token).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&problem), vec!["/q"], "{path}: {problem}");
    }
}

async fn offsets_past_every_integer_are_a_422(app: &TestApp) {
    let root = app.unit("ROOT", None).await;
    let organizer = app.with_roles(root, &[(Role::Organizer, Some(root))]).await;
    for path in [
        "/api/v1/units?offset=9223372036854775808",
        "/api/v1/units?offset=18446744073709551615",
        "/api/v1/units?offset=2147483648",
        "/api/v1/questions?offset=9223372036854775807",
    ] {
        let problem = assert_problem(
            app.get(path, Some(&organizer.access)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&problem), vec!["/offset"], "{path}: {problem}");
    }
    // A board, whose offset used to reach Redis as it came (503).
    let round = uuid::Uuid::now_v7();
    let problem = assert_problem(
        app.get(
            &format!("/api/v1/rounds/{round}/leaderboard?offset=99999999999999999999999"),
            Some(&organizer.access),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/offset"], "{problem}");
    // The largest accepted offset is simply past the end.
    let page: Value = app
        .get("/api/v1/units?offset=2147483647", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["items"], json!([]));
}

async fn api_answers_are_not_cached_and_the_app_has_a_content_policy(app: &TestApp) {
    let api = app.get("/api/v1/units", None).await;
    assert_eq!(api.headers()["cache-control"], "no-store");
    assert_eq!(api.headers()["x-content-type-options"], "nosniff");
    let page = app.get("/", None).await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .expect("ascii");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(
        !page.headers().contains_key("cache-control")
            || page.headers()["cache-control"] != "no-store"
    );
}

async fn the_docs_address_without_its_slash_leads_to_the_docs(app: &TestApp) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = client
        .get(app.url("/api/docs"))
        .send()
        .await
        .expect("request");
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers()["location"], "/api/docs/");
}

async fn metrics_answer_only_local_unforwarded_requests_without_a_token(app: &TestApp) {
    assert_eq!(app.get("/metrics", None).await.status(), StatusCode::OK);
    let proxied = app
        .client
        .get(app.url("/metrics"))
        .header("X-Forwarded-For", "203.0.113.9")
        .send()
        .await
        .expect("request");
    assert_problem(proxied, StatusCode::NOT_FOUND, "not_found").await;
}

/// With a token configured, `/metrics` wants it, and only it.
async fn metrics_with_a_token(backend: crate::helpers::Backend) {
    let app = spawn_app_with(backend, |s| {
        s.metrics_token = Some("scrape-token-0123456789".to_owned().into());
    })
    .await;
    let get = |token: Option<&'static str>| {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    assert_problem(
        get(None).await.expect("request"),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_problem(
        get(Some("scrape-token-0123456780")).await.expect("request"),
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let ok = get(Some("scrape-token-0123456789")).await.expect("request");
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(
        ok.text()
            .await
            .expect("body")
            .contains("dautri_http_requests_total")
    );
    app.cleanup().await;
}

#[tokio::test]
async fn metrics_want_the_configured_token_embedded() {
    metrics_with_a_token(crate::helpers::Backend::Embedded).await;
}

#[tokio::test]
async fn metrics_want_the_configured_token_services() {
    metrics_with_a_token(crate::helpers::Backend::Services).await;
}
