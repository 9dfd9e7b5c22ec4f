//! The API process and its database fail under the members (the scoring store's own faults
//! are in `faults.rs`):
//!
//! - The API process dies (`kill -9`) while members answer and hand in: after a restart on the
//!   same PostgreSQL and Redis, every answer the server acknowledged is still the member's
//!   answer, every acknowledged finish still stands with its score and is on the board, and
//!   members carry on where they were. The server under test is the real binary (`api serve`),
//!   a child process this test kills; the in-process test app beside it only arranges the
//!   contest and the members, on the same data.
//! - The database refuses writes (a read-only standby after a failover, a full disk): whatever
//!   needs a write answers 503 with `Retry-After`, never 500; reads still work; once writes are
//!   accepted again nothing acknowledged is missing.

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, TestUser, spawn_app};

/// Members taking the round at once.
const MEMBERS: usize = 16;
/// Questions per attempt.
const QUESTIONS: usize = 5;
/// The server is killed once this many finishes have been acknowledged: the other members are
/// then answering their last questions or handing in, with requests in flight.
const KILL_AFTER: usize = 4;

/// `api serve` as a child process on the test app's database and Redis key prefix.
struct ApiProcess {
    child: Option<Child>,
    port: u16,
    env: Vec<(String, String)>,
    dir: std::path::PathBuf,
}

impl ApiProcess {
    fn start(app: &TestApp) -> Self {
        let (database_url, redis_url) = app.services().expect("the services backend");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir = std::env::temp_dir().join(format!("dautri-crash-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        let env = vec![
            ("DATABASE_URL".into(), database_url),
            ("REDIS_URL".into(), redis_url),
            (
                "DAUTRI_REDIS__KEY_PREFIX".into(),
                app.state.keys.prefix().to_owned(),
            ),
            (
                "DAUTRI_JWT__SECRET".into(),
                String::from_utf8(app.jwt_secret.clone()).expect("utf-8 secret"),
            ),
            ("DAUTRI_DATA_DIR".into(), dir.display().to_string()),
            ("DAUTRI_BIND".into(), "127.0.0.1".into()),
            ("PORT".into(), port.to_string()),
            ("DAUTRI_DEMO_ON_FIRST_RUN".into(), "false".into()),
            ("RUST_LOG".into(), "warn".into()),
        ];
        let mut api = Self {
            child: None,
            port,
            env,
            dir,
        };
        api.restart();
        api
    }

    fn restart(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_api"))
            .arg("serve")
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the api binary starts");
        self.child = Some(child);
        let started = Instant::now();
        loop {
            if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
                use std::io::{Read, Write};
                let _ = stream.write_all(b"GET /readyz HTTP/1.0\r\n\r\n");
                let mut reply = String::new();
                let _ = stream.read_to_string(&mut reply);
                if reply.starts_with("HTTP/1.1 200") || reply.starts_with("HTTP/1.0 200") {
                    return;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the api did not become ready"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// `kill -9`: no shutdown, no flush, requests in flight cut.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }
}

impl Drop for ApiProcess {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// What the server acknowledged, per attempt: the answers (question → option) and the finish
/// (its score).
#[derive(Default)]
struct Acknowledged {
    answers: HashMap<(String, String), String>,
    finishes: HashMap<String, i64>,
}

#[tokio::test]
async fn acknowledged_answers_and_finishes_survive_killing_the_api() {
    let app = spawn_app(Backend::Services).await;
    let (round_id, members) = arrange(&app).await;
    let mut api = ApiProcess::start(&app);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .expect("client");

    // Every member starts an attempt on the server under test.
    let mut attempts = Vec::new();
    for m in &members {
        let r = client
            .post(api.url(&format!("/api/v1/rounds/{round_id}/attempts")))
            .bearer_auth(&m.access)
            .send()
            .await
            .expect("start");
        assert_eq!(r.status(), StatusCode::CREATED);
        let a: Value = r.json().await.expect("json");
        attempts.push((m.access.clone(), a));
    }

    // They answer and hand in at once; the server dies after KILL_AFTER acknowledged answers,
    // with requests in flight.
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let count = Arc::new(AtomicUsize::new(0));
    let killed = Arc::new(tokio::sync::Notify::new());
    let mut tasks = Vec::new();
    for (access, attempt) in attempts.clone() {
        let (client, acked, count, killed) =
            (client.clone(), acked.clone(), count.clone(), killed.clone());
        let base = api.url("");
        tasks.push(tokio::spawn(async move {
            let id = attempt["id"].as_str().expect("id").to_owned();
            for q in attempt["questions"].as_array().expect("questions") {
                let qid = q["id"].as_str().expect("id").to_owned();
                let option = q["options"][0]["id"].as_str().expect("option").to_owned();
                let r = client
                    .put(format!("{base}/api/v1/attempts/{id}/answers/{qid}"))
                    .bearer_auth(&access)
                    .json(&json!({"option_ids": [option]}))
                    .send()
                    .await;
                match r {
                    Ok(r) if r.status() == StatusCode::OK => {
                        acked.lock().await.answers.insert((id.clone(), qid), option);
                    }
                    _ => return, // the server died under this request
                }
            }
            let r = client
                .post(format!("{base}/api/v1/attempts/{id}/finish"))
                .bearer_auth(&access)
                .json(&json!({}))
                .send()
                .await;
            if let Ok(r) = r
                && r.status() == StatusCode::OK
            {
                let result: Value = r.json().await.expect("json");
                let score = result["score"].as_i64().expect("score");
                acked.lock().await.finishes.insert(id, score);
                if count.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                    killed.notify_one();
                }
            }
        }));
    }
    killed.notified().await;
    api.kill();
    for t in tasks {
        t.await.expect("task");
    }
    let before = {
        let a = acked.lock().await;
        (a.answers.len(), a.finishes.len())
    };
    assert!(
        before.1 >= KILL_AFTER,
        "finishes were acknowledged before the kill"
    );

    eprintln!(
        "killed the api with {} answers and {} finishes acknowledged",
        before.0, before.1
    );
    api.restart();

    // Every acknowledged answer is the member's answer, every acknowledged finish stands.
    let acked = acked.lock().await;
    for (access, attempt) in &attempts {
        let id = attempt["id"].as_str().expect("id");
        let now: Value = client
            .get(api.url(&format!("/api/v1/attempts/{id}")))
            .bearer_auth(access)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        for ((attempt_id, qid), option) in acked.answers.iter().filter(|((a, _), _)| a == id) {
            assert_eq!(
                now["answers"][qid],
                json!([option]),
                "attempt {attempt_id}: an acknowledged answer to {qid} was lost or reverted"
            );
        }
        if let Some(score) = acked.finishes.get(id) {
            assert_eq!(now["status"], "finished", "an acknowledged finish was lost");
            assert_eq!(
                now["result"]["score"].as_i64(),
                Some(*score),
                "its score changed"
            );
        }
    }

    // Members carry on: the rest answer again and hand in; everyone ends on the board.
    for (access, attempt) in &attempts {
        let id = attempt["id"].as_str().expect("id");
        for q in attempt["questions"].as_array().expect("questions") {
            let qid = q["id"].as_str().expect("id");
            let option = q["options"][0]["id"].as_str().expect("option");
            let r = client
                .put(api.url(&format!("/api/v1/attempts/{id}/answers/{qid}")))
                .bearer_auth(access)
                .json(&json!({"option_ids": [option]}))
                .send()
                .await
                .expect("answer");
            // A finished attempt refuses further answers; an open one takes them.
            assert!(
                r.status() == StatusCode::OK || r.status() == StatusCode::CONFLICT,
                "answer after the restart: {}",
                r.status()
            );
        }
        let r = client
            .post(api.url(&format!("/api/v1/attempts/{id}/finish")))
            .bearer_auth(access)
            .json(&json!({}))
            .send()
            .await
            .expect("finish");
        assert_eq!(r.status(), StatusCode::OK, "finish after the restart");
        let result: Value = r.json().await.expect("json");
        if let Some(score) = acked.finishes.get(id) {
            assert_eq!(result["score"].as_i64(), Some(*score));
        }
    }
    let board: Value = client
        .get(api.url(&format!("/api/v1/rounds/{round_id}/leaderboard")))
        .bearer_auth(&members[0].access)
        .send()
        .await
        .expect("board")
        .json()
        .await
        .expect("json");
    assert_eq!(
        board["total"].as_u64(),
        Some(MEMBERS as u64),
        "every finished attempt is on the board (acknowledged before the kill: {before:?})"
    );
    drop(api);
    app.cleanup().await;
}

/// A round of QUESTIONS true/false questions open for an hour, and MEMBERS members who may
/// enter it (arranged through the in-process app, on the same data).
async fn arrange(app: &TestApp) -> (String, Vec<TestUser>) {
    let unit = app
        .unit(
            &format!("K{}", &Uuid::now_v7().simple().to_string()[20..]),
            None,
        )
        .await;
    let organizer = app.with_roles(unit, &[(Role::Organizer, Some(unit))]).await;
    for i in 0..QUESTIONS * 2 {
        let r = app
            .post(
                "/api/v1/questions",
                Some(&organizer.access),
                &json!({"unit_id": unit.into_uuid(), "text": format!("Câu hỏi số {i} có đúng không?"),
                        "options": [{"text": "Đúng", "correct": i % 2 == 0}, {"text": "Sai", "correct": i % 2 == 1}],
                        "kind": "true_false", "topic": {"code": "law", "name": "Pháp luật"}}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let contest: Value = app
        .post(
            "/api/v1/contests",
            Some(&organizer.access),
            &json!({"title": "Cuộc thi", "unit_id": unit.into_uuid(), "eligibility": {"unit_id": unit.into_uuid()},
                    "leaderboard_visibility": "members"}),
        )
        .await
        .json()
        .await
        .expect("json");
    let now = Utc::now();
    let round: Value = app
        .post(
            &format!(
                "/api/v1/contests/{}/rounds",
                contest["id"].as_str().expect("id")
            ),
            Some(&organizer.access),
            &json!({"name": "Tuần 1",
                    "opens_at": (now - chrono::Duration::seconds(60)).to_rfc3339(),
                    "closes_at": (now + chrono::Duration::seconds(3600)).to_rfc3339(),
                    "questions_per_attempt": QUESTIONS, "time_limit_seconds": 600,
                    "pool": {"quotas": [{"topic": "law", "count": QUESTIONS}]}}),
        )
        .await
        .json()
        .await
        .expect("json");
    let mut members = Vec::new();
    for _ in 0..MEMBERS {
        members.push(app.member(unit).await);
    }
    (round["id"].as_str().expect("id").to_owned(), members)
}

/// Runs `sql` on the PostgreSQL server of `database_url` (outside the app's pool).
async fn admin(database_url: &str, sql: &str) {
    use sea_orm::{ConnectionTrait, Database};
    let (server, _) = database_url.rsplit_once('/').expect("url");
    let db = Database::connect(format!("{server}/postgres"))
        .await
        .expect("admin connection");
    db.execute_unprepared(sql).await.expect("admin statement");
    db.close().await.ok();
}

/// Makes the app's database refuse writes (as a read-only standby or a full disk would), or
/// accept them again: new sessions default to read-only, and the app's open ones are cut.
async fn refuse_writes(database_url: &str, refuse: bool) {
    let name = database_url.rsplit('/').next().expect("name");
    admin(
        database_url,
        &format!(
            "ALTER DATABASE \"{name}\" SET default_transaction_read_only = {}",
            if refuse { "on" } else { "off" }
        ),
    )
    .await;
    cut_connections(database_url).await;
}

/// Cuts every open connection to the app's database, as a restart or a firewall would.
async fn cut_connections(database_url: &str) {
    let name = database_url.rsplit('/').next().expect("name");
    admin(
        database_url,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ),
    )
    .await;
}

/// Sends a request again while it answers 503, at most [`RETRIES_AFTER_CUT`] times, as the
/// member app does after `Retry-After`.
async fn retried<F, Fut>(send: F) -> reqwest::Response
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    let mut r = send().await;
    for _ in 0..RETRIES_AFTER_CUT {
        if r.status() != StatusCode::SERVICE_UNAVAILABLE {
            break;
        }
        r = send().await;
    }
    r
}

/// How often a request is sent again after 503s once the database's connections were cut: a
/// connection the app used within the last second is handed out unpinged
/// (`PING_IF_IDLE_FOR`) and fails once, and this test's requests and the app's background
/// tasks keep only a few connections of the pools (the main one and the journal's) busy.
const RETRIES_AFTER_CUT: usize = 6;

/// Asserts the answer is a 503 problem that says when to retry (never a 500).
async fn assert_retry_later(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE, "{what}");
    assert!(
        r.headers().contains_key("retry-after"),
        "{what}: no Retry-After"
    );
    let body: Value = r.json().await.expect("problem json");
    assert_eq!(body["code"], "unavailable", "{what}");
}

#[tokio::test]
async fn a_database_refusing_writes_says_retry_later_and_loses_nothing() {
    let app = spawn_app(Backend::Services).await;
    let (database_url, _) = app.services().expect("services");
    let (round_id, members) = arrange(&app).await;
    let members = &members[..4];
    let mut attempts = Vec::new();
    for m in members {
        let r = app
            .post(
                &format!("/api/v1/rounds/{round_id}/attempts"),
                Some(&m.access),
                &json!({}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let a: Value = r.json().await.expect("json");
        attempts.push(a);
    }
    // Two answers each, acknowledged before the fault.
    for (m, a) in members.iter().zip(&attempts) {
        for i in 0..2 {
            assert_eq!(answer_nth(&app, m, a, i).await.status(), StatusCode::OK);
        }
    }

    refuse_writes(&database_url, true).await;
    // What needs a write says "try again shortly", with Retry-After: an answer, a finish, a
    // start, a sign-in. With Redis an answer is acknowledged before its journal write while
    // the journal keeps up, so the first answers after the cut may be taken (this instance
    // keeps them and writes them once the database takes writes again); once a write has
    // failed, every answer waits for its own and is told to retry.
    let mut refused = None;
    for _ in 0..50 {
        let r = answer_nth(&app, &members[0], &attempts[0], 2).await;
        if r.status() != StatusCode::OK {
            refused = Some(r);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_retry_later(
        refused.expect("answers are refused once the journal cannot write"),
        "an answer",
    )
    .await;
    let id0 = attempts[0]["id"].as_str().expect("id");
    assert_retry_later(
        app.post(
            &format!("/api/v1/attempts/{id0}/finish"),
            Some(&members[0].access),
            &json!({}),
        )
        .await,
        "a finish",
    )
    .await;
    let newcomer_phone = members[1].phone.clone();
    assert_retry_later(
        app.post(
            "/api/v1/auth/login",
            None,
            &json!({"phone": newcomer_phone, "password": crate::helpers::PASSWORD}),
        )
        .await,
        "a sign-in",
    )
    .await;
    // What only reads still works: the member's attempt, with their acknowledged answers
    // (once the connections cut with the refusal, each failing once, are gone).
    let path = format!("/api/v1/attempts/{id0}");
    let r = retried(|| app.get(&path, Some(&members[0].access))).await;
    assert_eq!(r.status(), StatusCode::OK, "reading an attempt");

    refuse_writes(&database_url, false).await;
    // The member who pressed "Nộp bài" during the fault hands in again: the store had stopped
    // their clock, the database had not recorded it; the retry does, with their answers.
    let finish = |m: &TestUser, id: &str| {
        let (access, path) = (m.access.clone(), format!("/api/v1/attempts/{id}/finish"));
        let app = &app;
        // The first requests after the cut may land on connections the server used within the
        // last second and so hands out unpinged (`PING_IF_IDLE_FOR`): each answers 503 once,
        // and the pool closes it; the phone's retries go through.
        async move {
            let empty = json!({});
            retried(|| app.post(&path, Some(&access), &empty)).await
        }
    };
    assert_eq!(finish(&members[0], id0).await.status(), StatusCode::OK);
    let now: Value = app
        .get(&format!("/api/v1/attempts/{id0}"), Some(&members[0].access))
        .await
        .json()
        .await
        .expect("json");
    for q in &attempts[0]["questions"].as_array().expect("questions")[..2] {
        let qid = q["id"].as_str().expect("id");
        assert_eq!(
            now["answers"][qid],
            json!([q["options"][0]["id"]]),
            "an answer acknowledged before the fault"
        );
    }
    // The others carry on: the rest of their answers, then hand in.
    for (m, a) in members.iter().zip(&attempts).skip(1) {
        let id = a["id"].as_str().expect("id");
        for i in 2..QUESTIONS {
            let r = retried(|| answer_nth(&app, m, a, i)).await;
            assert_eq!(r.status(), StatusCode::OK, "answer after the fault");
        }
        assert_eq!(
            finish(m, id).await.status(),
            StatusCode::OK,
            "finish after the fault"
        );
        let now: Value = app
            .get(&format!("/api/v1/attempts/{id}"), Some(&m.access))
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(
            now["answers"].as_object().map(|o| o.len()),
            Some(QUESTIONS),
            "every answer, those before the fault included"
        );
    }
    let board: Value = app
        .get(
            &format!("/api/v1/rounds/{round_id}/leaderboard"),
            Some(&members[0].access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(board["total"].as_u64(), Some(members.len() as u64));
    app.cleanup().await;
}

/// The app's connections to PostgreSQL cut while they sit idle (a restart, a firewall) are
/// noticed before a request gets one: the pool pings a connection idle for longer than
/// `PING_IF_IDLE_FOR` before handing it out, so the member's next request, a while later, is
/// answered as if nothing had happened rather than with a 503.
#[tokio::test]
async fn connections_cut_while_idle_are_replaced_before_a_request_gets_one() {
    let app = spawn_app(Backend::Services).await;
    let (database_url, _) = app.services().expect("services");
    let (_, members) = arrange(&app).await;
    let me = &members[0];
    assert_eq!(
        app.get("/api/v1/me", Some(&me.access)).await.status(),
        StatusCode::OK
    );
    for _ in 0..3 {
        cut_connections(&database_url).await;
        tokio::time::sleep(
            dautri_api::persistence::db::PING_IF_IDLE_FOR + Duration::from_millis(500),
        )
        .await;
        // `/me` reads the account, its unit and its roles from the database, uncached.
        let r = app.get("/api/v1/me", Some(&me.access)).await;
        assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
    }
    app.cleanup().await;
}

/// While the database cannot be reached, the account's own screens say "try again shortly"
/// (503 with `Retry-After`), never "signed out" (401): a 401 sends the member app back to the
/// sign-in screen, and a member would lose their session to a database restart.
#[tokio::test]
async fn a_database_out_of_reach_never_signs_a_member_out() {
    let app = spawn_app(Backend::Services).await;
    let (database_url, _) = app.services().expect("services");
    let (_, members) = arrange(&app).await;
    let me = &members[0];
    let name = database_url.rsplit('/').next().expect("name").to_owned();
    // No new connection to the app's database, and the open ones cut.
    admin(
        &database_url,
        &format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false"),
    )
    .await;
    cut_connections(&database_url).await;
    let me_now = app.get("/api/v1/me", Some(&me.access)).await;
    let password = app
        .post(
            "/api/v1/me/password",
            Some(&me.access),
            &json!({"current_password": crate::helpers::PASSWORD, "new_password": "a-new-Passw0rd"}),
        )
        .await;
    admin(
        &database_url,
        &format!("ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true"),
    )
    .await;
    assert_retry_later(me_now, "my account").await;
    assert_retry_later(password, "a password change").await;
    // Once the database is back, the same session goes on.
    let r = retried(|| app.get("/api/v1/me", Some(&me.access))).await;
    assert_eq!(r.status(), StatusCode::OK);
    app.cleanup().await;
}

/// The member answers the attempt's `i`-th question with its first option.
async fn answer_nth(app: &TestApp, m: &TestUser, a: &Value, i: usize) -> reqwest::Response {
    let id = a["id"].as_str().expect("id");
    let q = &a["questions"][i];
    let qid = q["id"].as_str().expect("id");
    let option = q["options"][0]["id"].as_str().expect("option");
    app.put(
        &format!("/api/v1/attempts/{id}/answers/{qid}"),
        Some(&m.access),
        &json!({"option_ids": [option]}),
    )
    .await
}
