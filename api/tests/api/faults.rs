//! The scoring store dies under the server: members are told to retry (503 with
//! `Retry-After`), quickly, and nothing is left half-made for them to trip over afterwards.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Backend, TestApp, assert_problem, spawn_app_with};

/// A private `redis-server` on a free port, without persistence, that a test may kill and start
/// again empty. Stopped and removed on drop.
///
/// Services that live for a whole run come from `scripts/throwaway.sh`; this one is the test's
/// subject (`kill -9`, then an empty restart on the same port), which that script does not do.
struct PrivateRedis {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl PrivateRedis {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let dir = std::env::temp_dir().join(format!("dautri-redis-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        let mut redis = Self {
            child: None,
            port,
            dir,
        };
        redis.restart();
        redis
    }

    fn restart(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed for the fault tests");
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `kill -9`: no shutdown, no save.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An open round with four questions and a member who may enter it.
pub(crate) async fn open_round(app: &TestApp) -> (String, crate::helpers::TestUser) {
    let unit = app
        .unit(
            &format!("F{}", &Uuid::now_v7().simple().to_string()[20..]),
            None,
        )
        .await;
    let organizer = app.with_roles(unit, &[(Role::Organizer, Some(unit))]).await;
    for i in 0..4 {
        let r = app
            .post(
                "/api/v1/questions",
                Some(&organizer.access),
                &json!({"unit_id": unit.into_uuid(), "text": format!("Câu hỏi {i}?"),
                        "options": [{"text": "Đúng", "correct": true}, {"text": "Sai"}],
                        "kind": "true_false", "topic": {"code": "law", "name": "Pháp luật"}}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let contest: Value = app
        .post(
            "/api/v1/contests",
            Some(&organizer.access),
            &json!({"title": "Cuộc thi", "unit_id": unit.into_uuid(), "eligibility": {"unit_id": unit.into_uuid()}}),
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
                    "questions_per_attempt": 2, "time_limit_seconds": 600,
                    "pool": {"quotas": [{"topic": "law", "count": 2}]}, "points_per_question": 10}),
        )
        .await
        .json()
        .await
        .expect("json");
    let member = app.member(unit).await;
    (round["id"].as_str().expect("id").to_owned(), member)
}

pub(crate) async fn start(app: &TestApp, round: &str, access: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/rounds/{round}/attempts")))
        .bearer_auth(access)
        .send()
        .await
        .expect("request")
}

#[tokio::test]
async fn a_start_while_the_store_is_down_leaves_no_attempt_and_says_when_to_retry() {
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    let app = spawn_app_with(Backend::Services, |s| s.redis_url = Some(url.into())).await;
    let (round, member) = open_round(&app).await;
    redis.kill();

    let asked = Instant::now();
    let response = start(&app, &round, &member.access).await;
    let waited = asked.elapsed();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    assert_problem(response, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert!(
        retry_after.is_some_and(|s| s > 0),
        "Retry-After: {retry_after:?}"
    );
    // Not a timing assertion on speed, only that it did not hang for the client's patience.
    assert!(waited < Duration::from_secs(10), "took {waited:?}");
    eprintln!("503 after {waited:?}");
    assert_eq!(
        dautri_api::persistence::attempts::of_user_in_round(
            &app.state.db,
            member.id,
            round.parse().expect("uuid")
        )
        .await
        .expect("read")
        .len(),
        0,
        "no attempt may be left behind"
    );

    // Redis comes back empty: the retry starts the attempt, with its whole time.
    redis.restart();
    let started = Instant::now();
    let attempt = loop {
        let r = start(&app, &round, &member.access).await;
        if r.status() == StatusCode::CREATED {
            break r.json::<Value>().await.expect("json");
        }
        assert_eq!(
            r.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "only 503 while reconnecting"
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never recovered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(attempt["questions"].as_array().map(Vec::len), Some(2));
    app.cleanup().await;
}

async fn answer(
    app: &TestApp,
    access: &str,
    attempt: &str,
    question: &str,
    option: &str,
) -> StatusCode {
    app.client
        .put(app.url(&format!("/api/v1/attempts/{attempt}/answers/{question}")))
        .bearer_auth(access)
        .json(&json!({"option_ids": [option]}))
        .send()
        .await
        .expect("request")
        .status()
}

/// `kill -9` of Redis right after answers were acknowledged, and an empty restart at once: every
/// acknowledged answer comes back, none replaced by an older choice.
#[tokio::test]
async fn acknowledged_answers_survive_an_empty_redis_restart() {
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    let app = spawn_app_with(Backend::Services, |s| s.redis_url = Some(url.into())).await;
    let (round, member) = open_round(&app).await;
    let attempt: Value = start(&app, &round, &member.access)
        .await
        .json()
        .await
        .expect("json");
    let id = attempt["id"].as_str().expect("id").to_owned();
    let questions = attempt["questions"].as_array().expect("questions").clone();
    let option = |q: &Value, i: usize| q["options"][i]["id"].as_str().expect("option").to_owned();
    // Each question: first option, then changed to the second; the last change is what counts.
    let mut last = std::collections::HashMap::new();
    for q in &questions {
        let qid = q["id"].as_str().expect("id");
        for i in [0, 1] {
            assert_eq!(
                answer(&app, &member.access, &id, qid, &option(q, i)).await,
                StatusCode::OK
            );
        }
        last.insert(qid.to_owned(), option(q, 1));
    }
    redis.kill();
    redis.restart();
    // The server notices the empty store on the attempt's next use and restores it.
    let started = Instant::now();
    let resumed = loop {
        let r = app
            .get(&format!("/api/v1/attempts/{id}"), Some(&member.access))
            .await;
        if r.status() == StatusCode::OK {
            break r.json::<Value>().await.expect("json");
        }
        assert_eq!(
            r.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "only 503 while reconnecting"
        );
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never recovered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    for (qid, option) in &last {
        assert_eq!(
            resumed["answers"][qid],
            json!([option]),
            "question {qid}: {resumed}"
        );
    }
    app.cleanup().await;
}

/// The answer journal's own connections commit without waiting for the disk (an acknowledged
/// answer is also in the scoring store), the main pool's always wait, and a deployment that
/// asks the journal to wait (`DAUTRI_ATTEMPT__JOURNAL_SYNC_COMMIT`) or runs on SQLite gets no
/// separate connections.
#[tokio::test]
async fn only_the_journal_commits_without_waiting_for_the_disk() {
    use dautri_api::persistence::db::connect_journal;
    use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
    async fn mode(db: &DatabaseConnection) -> String {
        db.query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "SHOW synchronous_commit",
        ))
        .await
        .expect("show")
        .expect("a row")
        .try_get_by_index::<String>(0)
        .expect("text")
    }
    let app = crate::helpers::spawn_app(Backend::Services).await;
    let mut settings = (*app.state.settings).clone();
    let journal = connect_journal(&settings)
        .await
        .expect("connect")
        .expect("the journal's own connections on PostgreSQL");
    assert_eq!(mode(&journal).await, "off");
    assert_eq!(mode(&app.state.db).await, "on");
    settings.journal_sync_commit = true;
    assert!(connect_journal(&settings).await.expect("connect").is_none());
    app.cleanup().await;
    let embedded = crate::helpers::spawn_app(Backend::Embedded).await;
    assert!(
        connect_journal(&embedded.state.settings)
            .await
            .expect("connect")
            .is_none()
    );
    embedded.cleanup().await;
}

/// A disabled account stays out while the store is down (the session check falls back to the
/// database), a disable that the store cannot record changes nothing (503), and once the store
/// comes back empty and is rebuilt the account is still refused.
#[tokio::test]
async fn a_disabled_account_stays_out_while_the_store_is_down_and_after_it_comes_back_empty() {
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    let app = spawn_app_with(Backend::Services, |s| s.redis_url = Some(url.into())).await;
    let unit = app.unit("F-DIS", None).await;
    let manager = app.with_roles(unit, &[(Role::UnitAdmin, Some(unit))]).await;
    let member = app.member(unit).await;
    let bystander = app.member(unit).await;
    let disable = async |who: &crate::helpers::TestUser| {
        app.post(
            &format!("/api/v1/users/{}/disable", who.id.into_uuid()),
            Some(&manager.access),
            &json!({"reason": "Vi phạm thể lệ"}),
        )
        .await
    };
    assert_eq!(disable(&member).await.status(), StatusCode::OK);

    redis.kill();
    assert_problem(
        app.get("/api/v1/me", Some(&member.access)).await,
        StatusCode::FORBIDDEN,
        "account_disabled",
    )
    .await;
    assert_eq!(
        app.get("/api/v1/me", Some(&bystander.access))
            .await
            .status(),
        StatusCode::OK,
        "the database answers for everyone else"
    );
    assert_problem(
        disable(&bystander).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "unavailable",
    )
    .await;
    let kept = dautri_api::persistence::users::get(&app.state.db, bystander.id)
        .await
        .expect("read");
    assert!(kept.disabled.is_none(), "nothing half-written");

    redis.restart();
    let started = Instant::now();
    while dautri_api::attempts::ensure_store_ready(&app.state)
        .await
        .is_err()
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "never recovered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_problem(
        app.get("/api/v1/me", Some(&member.access)).await,
        StatusCode::FORBIDDEN,
        "account_disabled",
    )
    .await;
    app.cleanup().await;
}

/// Redis restarted empty loses the markers that end sessions; the store watcher writes them
/// again within seconds, but the next request must not wait for it. Here no rebuild runs at all
/// between the restart and the requests: a logged-out session, a changed password and a disabled
/// account are still refused, from the database, while everyone else carries on.
#[tokio::test]
async fn ended_sessions_stay_ended_before_an_emptied_store_is_rebuilt() {
    let mut redis = PrivateRedis::start();
    let url = redis.url();
    let app = spawn_app_with(Backend::Services, |s| s.redis_url = Some(url.into())).await;
    let unit = app.unit("F-EMP", None).await;
    let manager = app.with_roles(unit, &[(Role::UnitAdmin, Some(unit))]).await;
    let disabled = app.member(unit).await;
    let logged_out = app.member(unit).await;
    let bystander = app.member(unit).await;
    assert_eq!(
        app.post(
            &format!("/api/v1/users/{}/disable", disabled.id.into_uuid()),
            Some(&manager.access),
            &json!({"reason": "Vi phạm thể lệ"}),
        )
        .await
        .status(),
        StatusCode::OK
    );
    let r = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&logged_out.access)
        .send()
        .await
        .expect("logout");
    assert!(r.status().is_success(), "logout: {}", r.status());

    redis.kill();
    redis.restart();
    // Past the moment the store was last seen intact, with no rebuild in between (the watcher
    // runs every 5 s; this is well inside that).
    tokio::time::sleep(dautri_api::caches::store_ready::StoreReady::TRUST * 2).await;
    assert_problem(
        app.get("/api/v1/me", Some(&disabled.access)).await,
        StatusCode::FORBIDDEN,
        "account_disabled",
    )
    .await;
    assert_problem(
        app.get("/api/v1/me", Some(&logged_out.access)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(
        app.get("/api/v1/me", Some(&bystander.access))
            .await
            .status(),
        StatusCode::OK,
        "the database answers for everyone else"
    );
    app.cleanup().await;
}
