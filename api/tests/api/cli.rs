//! The command line: migrate, create-admin, demo, and refusing bad settings.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use reqwest::StatusCode;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{Backend, TestApp, assert_problem, spawn_app_with};

both_backends!(
    create_admin_makes_a_first_admin_without_any_default_password,
    demo_is_idempotent_and_prints_how_to_sign_in,
    migrate_is_safe_to_repeat
);

/// Runs the `api` binary against the test app's database and data directory.
pub(crate) fn api(
    app: &TestApp,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&str>,
) -> Output {
    let settings = &app.state.settings;
    let mut command = Command::new(env!("CARGO_BIN_EXE_api"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DAUTRI_DATA_DIR", &settings.data_dir)
        .env("RUST_LOG", "error");
    if let Some(url) = &settings.database_url {
        command.env("DATABASE_URL", url.expose_secret());
    }
    if let Some(secret) = &settings.jwt_secret {
        command.env("DAUTRI_JWT__SECRET", secret.expose_secret());
    }
    if let Some(url) = &settings.redis_url {
        command
            .env("REDIS_URL", url.expose_secret())
            .env("DAUTRI_REDIS__KEY_PREFIX", &settings.redis_key_prefix);
    }
    for (k, v) in env {
        command.env(k, v);
    }
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn api");
    if let Some(mut pipe) = child.stdin.take()
        && let Some(input) = stdin
    {
        pipe.write_all(input.as_bytes()).expect("stdin");
    }
    child.wait_with_output().expect("api ran")
}

pub(crate) fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn create_admin_makes_a_first_admin_without_any_default_password(app: &TestApp) {
    let phone = crate::helpers::random_phone();
    let no_password = api(app, &["create-admin", "--phone", &phone], &[], Some(""));
    assert!(!no_password.status.success(), "{}", text(&no_password));
    assert!(
        text(&no_password).contains("no password"),
        "{}",
        text(&no_password)
    );
    let weak = api(
        app,
        &["create-admin", "--phone", &phone],
        &[("DAUTRI_ADMIN_PASSWORD", "123")],
        None,
    );
    assert!(
        !weak.status.success() && text(&weak).contains("password"),
        "{}",
        text(&weak)
    );
    let bad_phone = api(
        app,
        &["create-admin", "--phone", "12"],
        &[("DAUTRI_ADMIN_PASSWORD", "Quan-tri-2026")],
        None,
    );
    assert!(
        !bad_phone.status.success() && text(&bad_phone).contains("--phone"),
        "{}",
        text(&bad_phone)
    );

    let created = api(
        app,
        &["create-admin", "--phone", &phone],
        &[],
        Some("Quan-tri-2026\n"),
    );
    assert!(created.status.success(), "{}", text(&created));
    let tokens = app.login(&phone, "Quan-tri-2026").await;
    let me: Value = app
        .get("/api/v1/me", tokens["access_token"].as_str())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["roles"], json!([{"role": "admin", "unit_id": null}]));
    // The admin can now create the root of the tree.
    let root = app
        .post(
            "/api/v1/units",
            tokens["access_token"].as_str(),
            &json!({"name": "Đoàn Khối", "code": "KHOI"}),
        )
        .await;
    assert_eq!(root.status(), StatusCode::CREATED);
    let again = api(app, &["create-admin", "--phone", &phone], &[], Some(""));
    assert!(
        again.status.success() && text(&again).contains("already an admin"),
        "{}",
        text(&again)
    );
}

async fn demo_is_idempotent_and_prints_how_to_sign_in(app: &TestApp) {
    let first = api(app, &["demo"], &[], None);
    assert!(first.status.success(), "{}", text(&first));
    let report = text(&first);
    let password = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Password for every demo account: "))
        .expect("password printed")
        .to_owned();
    let units: Value = app
        .get("/api/v1/units?q=demo", None)
        .await
        .json()
        .await
        .expect("json");
    let second = api(app, &["demo"], &[], None);
    assert!(second.status.success(), "{}", text(&second));
    assert!(
        text(&second).contains(&password),
        "the same password is reported again"
    );
    let units_again: Value = app
        .get("/api/v1/units?q=demo", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(units["total"], units_again["total"]);
    let organizer = app.login("0900000001", &password).await;
    let me: Value = app
        .get("/api/v1/me", organizer["access_token"].as_str())
        .await
        .json()
        .await
        .expect("json");
    let roles: Vec<&str> = me["roles"]
        .as_array()
        .expect("roles")
        .iter()
        .filter_map(|r| r["role"].as_str())
        .collect();
    assert!(
        roles.contains(&"organizer") && roles.contains(&"unit_admin"),
        "{me}"
    );
    let bank: Value = app
        .get(
            "/api/v1/questions?limit=1",
            organizer["access_token"].as_str(),
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(
        bank["total"].as_u64().unwrap_or(0) >= 200,
        "the starter bank is seeded: {}",
        bank["total"]
    );
    // A member can take the demo contest at once.
    let member = app.login("0900000002", &password).await;
    let contests: Value = app
        .get("/api/v1/contests", member["access_token"].as_str())
        .await
        .json()
        .await
        .expect("json");
    // The demo contest, the one whose round has closed, the theory tests of new members and
    // the tests of the two study programmes.
    assert_eq!(contests["total"], 5, "{contests}");
    // Both study programmes apply to every member of the demo tree.
    let mine: Value = app
        .get("/api/v1/me/programmes", member["access_token"].as_str())
        .await
        .json()
        .await
        .expect("json");
    for code in [
        dautri_api::demo::THEMATIC_STUDY_CODE,
        dautri_api::demo::RESOLUTION_STUDY_CODE,
    ] {
        let p = mine["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|p| p["course"]["code"] == code)
            .unwrap_or_else(|| panic!("the programme {code}: {mine}"));
        assert_eq!(p["phase"], "open", "{p}");
        assert_eq!(p["total_lessons"], 2);
    }
    let contest_titled = |part: &str| {
        contests["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|c| {
                c["kind"] == "contest" && c["title"].as_str().is_some_and(|t| t.contains(part))
            })
            .unwrap_or_else(|| panic!("the contest {part}"))
            .clone()
    };
    let contest = contest_titled("(demo)");
    let closed_contest = contest_titled("đã kết thúc");
    let rounds: Value = app
        .get(
            &format!(
                "/api/v1/contests/{}/rounds",
                contest["id"].as_str().expect("id")
            ),
            member["access_token"].as_str(),
        )
        .await
        .json()
        .await
        .expect("json");
    let open = rounds["items"][0]["id"].as_str().expect("id").to_owned();
    // The closed contest's round: last week, with the five members' results, ready to publish.
    let closed_rounds: Value = app
        .get(
            &format!(
                "/api/v1/contests/{}/rounds",
                closed_contest["id"].as_str().expect("id")
            ),
            organizer["access_token"].as_str(),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(closed_rounds["total"], 1, "{closed_rounds}");
    assert_eq!(closed_rounds["items"][0]["state"], "closed");
    let closed = closed_rounds["items"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // The demo organizer can publish it: five members ranked, the perfect score first, with
    // the first prize; the prediction's answer is the one perfect score.
    let published = app
        .post(
            &format!("/api/v1/rounds/{closed}/publish"),
            organizer["access_token"].as_str(),
            &json!({}),
        )
        .await;
    assert_eq!(published.status(), StatusCode::OK);
    let published: Value = published.json().await.expect("json");
    assert_eq!(
        (
            published["ranked"].as_u64(),
            published["prediction_actual"].as_i64()
        ),
        (Some(5), Some(1)),
        "{published}"
    );
    let results: Value = app
        .get(
            &format!("/api/v1/rounds/{closed}/results"),
            organizer["access_token"].as_str(),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (
            results["items"][0]["score"].as_i64(),
            results["items"][0]["prize"].as_str()
        ),
        (Some(100), Some("Giải Nhất")),
        "{results}"
    );
    // Running the demo again adds no contest and no round.
    let third = api(app, &["demo"], &[], None);
    assert!(third.status.success(), "{}", text(&third));
    // Read from the database: the server keeps the contest list for a few seconds, and this
    // process's writes are not broadcast to it.
    let again = dautri_api::persistence::contests::list_all(&app.state.db)
        .await
        .expect("contests");
    assert_eq!(again.len(), 5);
    let attempt = app
        .client
        .post(app.url(&format!("/api/v1/rounds/{open}/attempts")))
        .bearer_auth(member["access_token"].as_str().expect("token"))
        .send()
        .await
        .expect("request");
    assert_eq!(attempt.status(), StatusCode::CREATED);
    let attempt: Value = attempt.json().await.expect("json");
    assert_eq!(attempt["questions"].as_array().map(Vec::len), Some(10));
    let chi_doan: Value = app
        .get("/api/v1/units?q=chi%20doan", None)
        .await
        .json()
        .await
        .expect("json");
    assert!(chi_doan["total"].as_u64().unwrap_or(0) >= 5);
    // A member admitted in 2025 must take the 2020 theory course: four lessons, a test each.
    let new_member = app.login("0900000003", &password).await;
    let theory: Value = app
        .get("/api/v1/me/theory", new_member["access_token"].as_str())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(theory["required"], true, "{theory}");
    assert_eq!(theory["total_lessons"], 4);
    for lesson in theory["lessons"].as_array().expect("lessons") {
        assert_eq!(lesson["status"], "not_tested");
        assert_eq!(lesson["tests"][0]["pass_mark"], 80);
        assert_eq!(lesson["tests"][0]["attempts_allowed"], 3);
    }
    let coverage: Value = app
        .get(
            &format!(
                "/api/v1/units/{}/theory-coverage",
                me["unit_id"].as_str().expect("unit")
            ),
            organizer["access_token"].as_str(),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        coverage["summary"]["total"], 2,
        "admitted in 2025 and 2026: {coverage}"
    );
    assert_eq!(coverage["summary"]["rate_text"], "0/2 = 0.0%");
}

async fn migrate_is_safe_to_repeat(app: &TestApp) {
    for _ in 0..2 {
        let output = api(app, &["migrate"], &[], None);
        assert!(output.status.success(), "{}", text(&output));
        assert!(text(&output).contains("migrations applied"));
    }
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);
}

#[test]
fn a_bad_setting_stops_startup_naming_it() {
    // A data directory of its own: a fixed path would be shared with every other run on the
    // machine (other checkouts' databases, with migrations this one does not know).
    let data_dir = std::env::temp_dir().join(format!(
        "dautri-bad-secret-{}",
        uuid::Uuid::new_v4().simple()
    ));
    let data_dir_text = data_dir.to_string_lossy().into_owned();
    for (env, expected) in [
        (vec![("PORT", "eighty")], "PORT"),
        (
            vec![("DAUTRI_JWT__ACCESS_TTL_SECONDS", "5")],
            "ACCESS_TTL_SECONDS",
        ),
        (vec![("DAUTRI_BIND", "not-an-address")], "BIND"),
        (
            vec![(
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/postgres",
            )],
            "DAUTRI_JWT__SECRET",
        ),
        (
            vec![
                ("DAUTRI_JWT__SECRET", "too-short"),
                ("DAUTRI_DATA_DIR", data_dir_text.as_str()),
            ],
            "DAUTRI_JWT__SECRET",
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_api"))
            .env_clear()
            .envs(env.iter().copied())
            .env("PORT_UNUSED", "")
            .arg("serve")
            .output()
            .expect("api ran");
        assert!(!output.status.success(), "{env:?} should stop startup");
        let message = text(&output);
        assert!(message.contains(expected), "{env:?}: {message}");
    }
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[test]
fn help_lists_every_setting() {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .arg("--help")
        .output()
        .expect("api ran");
    let help = text(&output);
    for name in [
        "PORT",
        "DAUTRI_BIND",
        "DATABASE_URL",
        "REDIS_URL",
        "DAUTRI_DATA_DIR",
        "DAUTRI_JWT__SECRET",
        "RUST_LOG",
        "create-admin",
        "migrate",
        "demo",
        "serve",
        "openapi",
    ] {
        assert!(help.contains(name), "{name} missing from --help");
    }
}

/// The frontend's build generates its types from this output, with no database or server.
#[test]
fn openapi_prints_the_document_alone_without_connecting() {
    let output = Command::new(env!("CARGO_BIN_EXE_api"))
        .env_clear()
        // Unreachable on purpose: printing the document must not connect.
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("REDIS_URL", "redis://127.0.0.1:1")
        .env("RUST_LOG", "debug")
        .arg("openapi")
        .output()
        .expect("api ran");
    assert!(output.status.success(), "{}", text(&output));
    // Only the document on stdout: a log line there would break the generated types.
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    assert!(doc["paths"]["/api/v1/rounds/{id}/attempts"].is_object());
    let codes = doc["components"]["schemas"]["ProblemCode"]["enum"]
        .as_array()
        .expect("ProblemCode enum");
    assert!(codes.contains(&serde_json::json!("attempt_in_progress")));
}

/// Logins from one address are limited too, whatever phone they try.
async fn attempts_per_address(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.login_max_per_ip = 3).await;
    for _ in 0..3 {
        let response = app
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"phone": crate::helpers::random_phone(), "password": "Wrong-pass-1"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": crate::helpers::random_phone(), "password": "Wrong-pass-1"}),
        )
        .await;
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    app.cleanup().await;
}

#[tokio::test]
async fn logins_are_limited_per_client_address_embedded() {
    attempts_per_address(Backend::Embedded).await;
}

#[tokio::test]
async fn logins_are_limited_per_client_address_services() {
    attempts_per_address(Backend::Services).await;
}
