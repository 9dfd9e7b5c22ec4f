//! The server takes in a bounded number of API requests at once (#16): one more is answered 503
//! `crowded` with `Retry-After` before it does anything, a crowd refused together is given
//! turns spread over the coming seconds, health probes and the metrics are still served (and
//! count the refusals), and a freed place is taken again. Starts have places of their own
//! among those: a crowd of starts is refused while the members already in go on answering.

use std::time::Duration;

use dautri_api::config::Settings;
use reqwest::StatusCode;
use serde_json::json;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::attempts::{answer, round, setup, start, started};
use crate::helpers::{Backend, PASSWORD, TestApp, assert_problem, random_phone, registration};

#[tokio::test]
async fn a_crowd_beyond_the_limit_is_told_when_to_come_back_embedded() {
    crate::helpers::run_on_with(Backend::Embedded, two_places, |app| {
        Box::pin(a_crowd_beyond_the_limit_is_told_when_to_come_back(app))
    })
    .await;
}

#[tokio::test]
async fn a_crowd_beyond_the_limit_is_told_when_to_come_back_services() {
    crate::helpers::run_on_with(Backend::Services, two_places, |app| {
        Box::pin(a_crowd_beyond_the_limit_is_told_when_to_come_back(app))
    })
    .await;
}

fn two_places(s: &mut Settings) {
    s.max_in_flight = 2;
}

/// A request that holds its place: a sign-in whose body stops arriving half-way. Its handler
/// waits for the rest until the body's idle limit (20 s) or until the connection closes.
async fn hold_a_place(app: &TestApp) -> TcpStream {
    let host = app.address.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host).await.expect("connect");
    let partial = "POST /api/v1/auth/login HTTP/1.1\r\nHost: dautri\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"phone\":";
    stream
        .write_all(partial.as_bytes())
        .await
        .expect("write half a request");
    stream
}

/// Waits until `count` reads `n` (the server reads a connection when it gets to it); the
/// bound only turns a server that never gets there into a failure, not a hang.
async fn until(what: &str, n: usize, count: impl Fn() -> usize) {
    for _ in 0..200 {
        if count() == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("{} {what}, expected {n}", count());
}

/// Waits until exactly `n` requests hold a place.
async fn until_in_flight(app: &TestApp, n: usize) {
    until("requests in flight", n, || app.state.intake.in_flight()).await;
}

fn retry_after(response: &reqwest::Response) -> u64 {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a refusal says when to come back")
}

async fn a_crowd_beyond_the_limit_is_told_when_to_come_back(app: &TestApp) {
    let unit = app.unit("ROOT", None).await;
    let first = hold_a_place(app).await;
    let second = hold_a_place(app).await;
    until_in_flight(app, 2).await;

    // A registration now is refused before it does anything: no account is made.
    let phone = random_phone();
    let refused = app
        .post("/api/v1/auth/register", None, &registration(&phone, unit))
        .await;
    let wait = retry_after(&refused);
    assert!(wait >= 1, "Retry-After {wait}");
    let body = assert_problem(refused, StatusCode::SERVICE_UNAVAILABLE, "crowded").await;
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("try again")),
        "{body}"
    );

    // A crowd refused together gets turns in order, spread over the coming seconds (here two
    // places, and nothing yet completed to measure a faster rate by).
    let mut waits = Vec::new();
    for _ in 0..20 {
        let r = app.get("/api/v1/me", None).await;
        assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
        waits.push(retry_after(&r));
    }
    assert!(waits.is_sorted(), "turns in the order refused: {waits:?}");
    assert!(
        waits.last() > waits.first(),
        "a crowd is spread over several seconds: {waits:?}"
    );
    // Refusals hold no place.
    assert_eq!(app.state.intake.in_flight(), 2);

    // Health probes and the metrics are not counted, and the metrics say what happened.
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
    assert_eq!(app.get("/readyz", None).await.status(), StatusCode::OK);
    let metrics = app.get("/metrics", None).await.text().await.expect("body");
    assert!(metrics.contains("dautri_http_in_flight 2"), "{metrics}");
    assert!(
        metrics.contains("dautri_http_crowded_total 21"),
        "{metrics}"
    );

    // A place freed (its phone went away) is taken again.
    drop(first);
    until_in_flight(app, 1).await;
    let login = json!({"phone": phone, "password": PASSWORD});
    assert_problem(
        app.post("/api/v1/auth/login", None, &login).await,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    // The refused registration can be made now, and its account signs in.
    let made = app
        .post("/api/v1/auth/register", None, &registration(&phone, unit))
        .await;
    assert!(made.status().is_success(), "{}", made.status());
    let signed_in = app.post("/api/v1/auth/login", None, &login).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    drop(second);
    until_in_flight(app, 0).await;
}

#[tokio::test]
async fn starts_beyond_their_places_wait_while_the_members_in_go_on_embedded() {
    crate::helpers::run_on_with(Backend::Embedded, one_start, |app| {
        Box::pin(starts_beyond_their_places_wait_while_the_members_in_go_on(
            app,
        ))
    })
    .await;
}

#[tokio::test]
async fn starts_beyond_their_places_wait_while_the_members_in_go_on_services() {
    crate::helpers::run_on_with(Backend::Services, one_start, |app| {
        Box::pin(starts_beyond_their_places_wait_while_the_members_in_go_on(
            app,
        ))
    })
    .await;
}

fn one_start(s: &mut Settings) {
    // Six places: three may be starts, one of them running at a time.
    s.max_in_flight = 6;
    s.max_starting = 1;
}

/// Waits until `n` starts are admitted (waiting or running).
async fn until_starting(app: &TestApp, n: usize) {
    until("starts admitted", n, || app.state.intake.starting()).await;
}

async fn attempts_of(app: &TestApp, member: &crate::helpers::TestUser) -> serde_json::Value {
    app.get("/api/v1/me/attempts", Some(&member.access))
        .await
        .json()
        .await
        .expect("json")
}

async fn starts_beyond_their_places_wait_while_the_members_in_go_on(app: &TestApp) {
    let s = setup(app, 5, round(4, Some(2), -60, 3600)).await;
    let inside = app.member(s.unit).await;
    let waiting = app.member(s.unit).await;
    let late = app.member(s.unit).await;
    let attempt = started(app, &s, &inside).await;
    let id = attempt["id"].as_str().expect("id");
    let question = attempt["questions"][0]["id"].as_str().expect("question id");
    let option = attempt["questions"][0]["options"][0]["id"]
        .as_str()
        .expect("option id")
        .to_owned();

    // The one turn to run a start taken, as a start in progress would hold it.
    let held = app.state.intake.admit(true).expect("a start place");
    let turn = app.state.intake.turn_to_start().await;
    assert_eq!(app.state.intake.starts_running(), 1);

    // A start now is admitted and waits its turn.
    let request = app
        .client
        .post(app.url(&format!("/api/v1/rounds/{}/attempts", s.round_id)))
        .bearer_auth(&waiting.access)
        .send();
    let pending = tokio::spawn(request);
    until_starting(app, 2).await;
    assert!(!pending.is_finished(), "a start waits for its turn");
    assert_eq!(app.state.intake.starts_running(), 1);

    // The member already in answers and reads the board as before.
    let saved = answer(app, &inside, id, question, std::slice::from_ref(&option)).await;
    assert_eq!(saved.status(), StatusCode::OK);
    let board = app
        .get(
            &format!("/api/v1/rounds/{}/leaderboard", s.round_id),
            Some(&inside.access),
        )
        .await;
    assert_eq!(board.status(), StatusCode::OK);

    // Starts take at most half the places: with three admitted, one more is refused with a
    // turn, before it does anything.
    let third = app.state.intake.admit(true).expect("the last start place");
    let refused = start(app, &s, &late).await;
    let wait = retry_after(&refused);
    assert!(wait >= 1, "Retry-After {wait}");
    assert_problem(refused, StatusCode::SERVICE_UNAVAILABLE, "crowded").await;
    assert_eq!(attempts_of(app, &late).await["total"], 0);
    // The rest still comes in.
    assert_eq!(
        app.get("/api/v1/me", Some(&late.access)).await.status(),
        StatusCode::OK
    );

    // The turn freed, the waiting start runs and is made.
    drop(turn);
    let made = pending.await.expect("task").expect("response");
    assert_eq!(made.status(), StatusCode::CREATED);
    assert_eq!(attempts_of(app, &waiting).await["total"], 1);
    drop((held, third));
    until_starting(app, 0).await;
    // The refused member comes back in turn and starts.
    started(app, &s, &late).await;
    assert_eq!(app.state.intake.starts_running(), 0);
}
