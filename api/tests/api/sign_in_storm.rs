//! The sign-in path under attack and under load (#11 defect 5, #16): limits counted before the
//! hash so a burst cannot slip past them, the client address from the right hop of
//! `X-Forwarded-For`, an owner never locked out by strangers' failures, registration limited
//! and telling nobody which numbers are members, the current-password check limited, the
//! bounded hashing queue answering 503 with `Retry-After`, and outdated hashes renewed.
//!
//! Addresses other than the test's own are set through `X-Forwarded-For` with `127.0.0.1` as
//! a trusted proxy (the test client connects from there).

use argon2::password_hash::PasswordHasher as _;
use dautri_api::config::Settings;
use dautri_api::persistence;
use futures_util::future::join_all;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, assert_problem, random_phone, registration};

/// Runs each test on both backends, with its own settings (`fn settings(&mut Settings)`).
macro_rules! on_both {
    ($($name:ident => $tweak:expr),* $(,)?) => {
        mod embedded {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    $crate::helpers::run_on_with($crate::helpers::Backend::Embedded, $tweak, |app| Box::pin(super::$name(app))).await;
                }
            )*
        }
        mod services {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    $crate::helpers::run_on_with($crate::helpers::Backend::Services, $tweak, |app| Box::pin(super::$name(app))).await;
                }
            )*
        }
    };
}

fn behind_local_proxy(s: &mut Settings) {
    s.trusted_proxies = vec!["127.0.0.1".parse().expect("net")];
}

on_both!(
    a_burst_of_parallel_wrong_logins_never_exceeds_the_limit => |s: &mut Settings| s.password_queue = 200,
    forwarded_for_from_an_untrusted_peer_is_ignored => |_: &mut Settings| {},
    a_trusted_proxy_chain_names_the_right_most_untrusted_hop => |s: &mut Settings| {
        s.trusted_proxies = vec!["127.0.0.1".parse().expect("net"), "10.0.0.0/8".parse().expect("net")];
    },
    strangers_failures_do_not_lock_the_owner_out => |s: &mut Settings| {
        behind_local_proxy(s);
        s.login_max_per_account = 8;
    },
    registrations_are_limited_per_address => |s: &mut Settings| {
        behind_local_proxy(s);
        s.register_max_per_ip = 3;
    },
    registering_a_taken_phone_or_citizen_id_answers_like_a_success_and_changes_nothing => |_: &mut Settings| {},
    unknown_phones_are_limited_exactly_like_known_ones => |_: &mut Settings| {},
    the_current_password_check_is_limited => |_: &mut Settings| {},
    a_full_hash_queue_answers_503_with_retry_after_and_counts_nothing => |s: &mut Settings| {
        s.password_concurrency = Some(1);
        s.password_queue = 0;
    },
    an_outdated_hash_is_renewed_on_the_next_sign_in => |_: &mut Settings| {},
);

async fn login_from(
    app: &TestApp,
    forwarded: Option<&str>,
    phone: &str,
    password: &str,
) -> Response {
    let mut req = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"phone": phone, "password": password}));
    if let Some(xff) = forwarded {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.expect("request")
}

async fn register_from(app: &TestApp, forwarded: Option<&str>, body: &Value) -> Response {
    let mut req = app.client.post(app.url("/api/v1/auth/register")).json(body);
    if let Some(xff) = forwarded {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.expect("request")
}

fn retry_after(response: &Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

async fn assert_limited(response: Response) {
    let wait = retry_after(&response);
    assert_problem(response, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
    assert!(wait >= 1, "Retry-After {wait}");
}

async fn a_burst_of_parallel_wrong_logins_never_exceeds_the_limit(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    let limit = app.state.settings.login_max_per_phone_address as usize;
    let responses =
        join_all((0..40).map(|_| login_from(app, None, &user.phone, "Wrong-pass-1"))).await;
    let statuses: Vec<StatusCode> = responses.iter().map(Response::status).collect();
    let wrong = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        wrong, limit,
        "exactly the limit got a password check: {statuses:?}"
    );
    assert_eq!(limited, 40 - limit, "{statuses:?}");
    // The right password from this address waits too; the window says how long.
    assert_limited(login_from(app, None, &user.phone, PASSWORD).await).await;
}

async fn forwarded_for_from_an_untrusted_peer_is_ignored(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    // No trusted proxy: every request comes from 127.0.0.1 whatever it claims.
    for i in 0..5 {
        let claimed = format!("198.51.100.{i}");
        let response = login_from(app, Some(&claimed), &user.phone, "Wrong-pass-1").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    assert_limited(login_from(app, Some("203.0.113.77"), &user.phone, PASSWORD).await).await;
}

async fn a_trusted_proxy_chain_names_the_right_most_untrusted_hop(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    // The client writes whatever it likes on the left; the edge proxy (10.0.0.5, trusted)
    // appended the address it saw, 198.51.100.7, and the local proxy appended 10.0.0.5.
    for i in 0..5 {
        let chain = format!("6.6.6.{i}, 198.51.100.7, 10.0.0.5");
        let response = login_from(app, Some(&chain), &user.phone, "Wrong-pass-1").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    // Rotating the left-most entry did not help: the client is 198.51.100.7, and it waits.
    assert_limited(
        login_from(
            app,
            Some("9.9.9.9, 198.51.100.7, 10.0.0.5"),
            &user.phone,
            PASSWORD,
        )
        .await,
    )
    .await;
    // The next address along is someone else, and signs in.
    let ok = login_from(app, Some("198.51.100.8, 10.0.0.5"), &user.phone, PASSWORD).await;
    assert_eq!(ok.status(), StatusCode::OK);
    // And the session remembers the client's address, not a proxy's.
    let sessions = persistence::tokens::of_user(&app.state.db, user.id)
        .await
        .expect("sessions");
    assert!(
        sessions
            .iter()
            .any(|s| s.ip.as_deref() == Some("198.51.100.8")),
        "{sessions:?}"
    );
}

async fn strangers_failures_do_not_lock_the_owner_out(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let phone = random_phone();
    let owner = Some("198.51.100.10");
    assert_eq!(
        register_from(app, owner, &registration(&phone, unit))
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        login_from(app, owner, &phone, PASSWORD).await.status(),
        StatusCode::OK
    );
    // A slow guesser from many addresses, each under its own limit, spends the account's
    // budget (8 attempts, one of them the owner's sign-in) and more.
    let mut refused = 0;
    for i in 0..12 {
        let stranger = format!("203.0.113.{i}");
        let response = login_from(app, Some(&stranger), &phone, "Wrong-pass-1").await;
        match response.status() {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(refused, 12 - 7, "strangers stop at the account's limit");
    // A new address, even with the right password, waits while the account is under attack…
    assert_limited(login_from(app, Some("203.0.113.200"), &phone, PASSWORD).await).await;
    // …but the owner, from an address they signed in from before, is not locked out.
    assert_eq!(
        login_from(app, owner, &phone, PASSWORD).await.status(),
        StatusCode::OK
    );
    // And their own address keeps its own (untouched) limit: a typo still gets a 401.
    assert_eq!(
        login_from(app, owner, &phone, "Wrong-pass-1")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_from(app, owner, &phone, PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn registrations_are_limited_per_address(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let school = Some("198.51.100.20");
    for _ in 0..3 {
        let response = register_from(app, school, &registration(&random_phone(), unit)).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    assert_limited(register_from(app, school, &registration(&random_phone(), unit)).await).await;
    // Invalid forms are answered as before (nothing to learn from them, nothing hashed).
    let mut bad = registration(&random_phone(), unit);
    bad["consent"] = json!(false);
    assert_eq!(
        register_from(app, school, &bad).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Another address is not affected.
    let response = register_from(
        app,
        Some("198.51.100.21"),
        &registration(&random_phone(), unit),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

async fn registering_a_taken_phone_or_citizen_id_answers_like_a_success_and_changes_nothing(
    app: &TestApp,
) {
    let unit = app.unit("U-1", None).await;
    let phone = random_phone();
    let mut first = registration(&phone, unit);
    first["citizen_id"] = json!("079201000002");
    let created = app.post("/api/v1/auth/register", None, &first).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created_location = created.headers().get("location").cloned();
    let created: Value = created.json().await.expect("json");
    assert!(created_location.is_some());

    // The same phone in another spelling, another password and name.
    let mut again = registration(&format!("+84{}", &phone[1..]), unit);
    again["password"] = json!("Another-pass-2");
    again["full_name"] = json!("Kẻ Giả Mạo");
    let response = app.post("/api/v1/auth/register", None, &again).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().get("location").is_some());
    let answered: Value = response.json().await.expect("json");
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().expect("object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&answered),
        keys(&created),
        "same shape as a real registration"
    );
    assert_eq!(answered["phone"], phone);
    assert_ne!(answered["id"], created["id"]);

    // Nothing changed: the owner's password works, the newcomer's does not, the name stands.
    let rejected = login_from(app, None, &phone, "Another-pass-2").await;
    assert_problem(rejected, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let tokens = app.login(&phone, PASSWORD).await;
    let me: Value = app
        .get("/api/v1/me", tokens["access_token"].as_str())
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(me["full_name"], "Nguyễn Văn Thử");
    assert_eq!(me["id"], created["id"]);

    // A taken citizen id under a new phone: the same answer, and no account for that phone.
    let other = random_phone();
    let mut second = registration(&other, unit);
    second["citizen_id"] = json!("079 201 000 002");
    let response = app.post("/api/v1/auth/register", None, &second).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let none = persistence::users::credentials_by_phone(&app.state.db, &other)
        .await
        .expect("query");
    assert!(none.is_none(), "nothing was created");
}

async fn unknown_phones_are_limited_exactly_like_known_ones(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let known = app.member(unit).await;
    let unknown = random_phone();
    let mut seen = Vec::new();
    for phone in [&known.phone, &unknown] {
        let mut answers = Vec::new();
        for _ in 0..7 {
            let response = login_from(app, None, phone, "Wrong-pass-1").await;
            let status = response.status();
            let wait = retry_after(&response);
            let body: Value = response.json().await.expect("json");
            answers.push((
                status,
                body["code"].clone(),
                body["detail"].clone(),
                wait > 0,
            ));
        }
        seen.push(answers);
    }
    assert_eq!(
        seen[0], seen[1],
        "the answers do not tell a member from a stranger"
    );
    assert_eq!(seen[0][4].0, StatusCode::UNAUTHORIZED);
    assert_eq!(seen[0][5].0, StatusCode::TOO_MANY_REQUESTS);
}

async fn the_current_password_check_is_limited(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    let change =
        |current: &str| json!({"current_password": current, "new_password": "Brand-new-pass-3"});
    for _ in 0..5 {
        let response = app
            .post(
                "/api/v1/me/password",
                Some(&user.access),
                &change("Wrong-pass-1"),
            )
            .await;
        assert_problem(response, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    // The sixth guess is not checked, even when right, and erasure shares the limit.
    assert_limited(
        app.post("/api/v1/me/password", Some(&user.access), &change(PASSWORD))
            .await,
    )
    .await;
    assert_limited(
        app.post(
            "/api/v1/me/erase",
            Some(&user.access),
            &json!({"password": PASSWORD}),
        )
        .await,
    )
    .await;
    // Another account is not affected, and a right guess forgives its earlier typos.
    let other = app.member(unit).await;
    let typo = app
        .post(
            "/api/v1/me/password",
            Some(&other.access),
            &change("Wrong-pass-1"),
        )
        .await;
    assert_eq!(typo.status(), StatusCode::UNAUTHORIZED);
    let done = app
        .post(
            "/api/v1/me/password",
            Some(&other.access),
            &change(PASSWORD),
        )
        .await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    app.login(&other.phone, "Brand-new-pass-3").await;
}

async fn a_full_hash_queue_answers_503_with_retry_after_and_counts_nothing(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    // The only place (one hash at a time, no queue) is taken, as a storm would take it.
    let held = app.state.hasher.reserve().expect("the queue is empty");
    for _ in 0..7 {
        let response = login_from(app, None, &user.phone, "Wrong-pass-1").await;
        let wait = retry_after(&response);
        assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "busy").await;
        assert!(wait >= 1, "Retry-After {wait}");
    }
    let response = register_from(app, None, &registration(&random_phone(), unit)).await;
    assert!(retry_after(&response) >= 1);
    assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "busy").await;
    let change = json!({"current_password": PASSWORD, "new_password": "Brand-new-pass-3"});
    let response = app
        .post("/api/v1/me/password", Some(&user.access), &change)
        .await;
    assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "busy").await;
    drop(held);
    // The seven refused logins counted as nothing: more than the limit of wrong passwords,
    // and still the right one gets in.
    let tokens = app.login(&user.phone, PASSWORD).await;
    assert!(tokens["access_token"].is_string());
    assert_eq!(app.state.hasher.admitted(), 0, "every place was given back");
}

async fn an_outdated_hash_is_renewed_on_the_next_sign_in(app: &TestApp) {
    let unit = app.unit("U-1", None).await;
    let user = app.member(unit).await;
    let current = persistence::users::password_hash(&app.state.db, user.id)
        .await
        .expect("hash");
    assert!(current.contains("m=7168,t=5,p=1"), "{current}");
    // As stored before the parameters changed: the argon2 crate's defaults.
    let old = argon2::Argon2::default()
        .hash_password(PASSWORD.as_bytes())
        .expect("hash")
        .to_string();
    assert!(old.contains("m=19456,t=2,p=1"));
    assert!(
        persistence::users::replace_outdated_hash(&app.state.db, user.id, &current, old.clone())
            .await
            .expect("arrange")
    );
    // A wrong password changes nothing.
    let wrong = login_from(app, None, &user.phone, "Wrong-pass-1").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        persistence::users::password_hash(&app.state.db, user.id)
            .await
            .expect("hash"),
        old
    );
    // The right one signs in with the old hash and leaves a new one behind.
    app.login(&user.phone, PASSWORD).await;
    let renewed = persistence::users::password_hash(&app.state.db, user.id)
        .await
        .expect("hash");
    assert!(renewed.contains("m=7168,t=5,p=1"), "{renewed}");
    app.login(&user.phone, PASSWORD).await;
    // The earlier session still stands: renewing a hash is not a password change.
    assert_eq!(
        app.get("/api/v1/me", Some(&user.access)).await.status(),
        StatusCode::OK
    );
}
