//! Several instances on one database and scoring store: the leases that let one instance at a
//! time run a background task, and what happens when that instance dies.

use std::time::Duration;

use dautri_api::domain::ids::{AttemptId, ContestId, RoundId};
use dautri_api::persistence::entities::questions;
use dautri_api::scoring::lease::Lease;
use dautri_api::scoring::{Store, StoreError};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::attempts::{
    answer, boards_for_organizers_only, retire_a_question, round, setup, started,
};
use crate::both_backends;
use crate::helpers::{Backend, TestApp, spawn_app_with, spawn_peer};

both_backends!(
    a_lease_has_one_holder_until_it_is_released_or_expires,
    a_holder_that_lost_its_lease_stops_its_work,
    rebuilds_of_one_contest_asked_at_once_run_one_after_the_other,
);

async fn a_lease_has_one_holder_until_it_is_released_or_expires(app: &TestApp) {
    let (store, keys) = (&app.state.store, &app.state.keys);
    let a = Lease::new(store, keys, "test-lease", Duration::from_secs(30));
    let b = Lease::new(store, keys, "test-lease", Duration::from_secs(30));
    assert!(a.take().await.expect("take"), "a free lease is taken");
    assert!(a.take().await.expect("renew"), "its holder renews it");
    assert!(!b.take().await.expect("take"), "another cannot take it");
    b.release().await.expect("release");
    assert!(
        !b.take().await.expect("take"),
        "a release by a non-holder does nothing"
    );
    a.release().await.expect("release");
    assert!(b.take().await.expect("take"), "a released lease is free");
    // A holder that dies stops renewing: its lease expires and another takes it.
    let short = Lease::new(store, keys, "test-short", Duration::from_millis(200));
    let next = Lease::new(store, keys, "test-short", Duration::from_secs(30));
    assert!(short.take().await.expect("take"));
    assert!(!next.take().await.expect("take"));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(next.take().await.expect("take"), "an expired lease is free");
    assert!(
        !short.take().await.expect("take"),
        "the old holder cannot renew what another took"
    );
}

async fn a_holder_that_lost_its_lease_stops_its_work(app: &TestApp) {
    let (store, keys) = (&app.state.store, &app.state.keys);
    let stalled = Lease::new(store, keys, "test-stall", Duration::from_millis(150));
    let successor = Lease::new(store, keys, "test-stall", Duration::from_secs(30));
    assert!(stalled.take().await.expect("take"));
    // The holder stalls past its lease; another instance takes over.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(successor.take().await.expect("take"));
    // Work the stalled holder goes on with stops at its next renewal instead of running beside
    // the successor's.
    let outcome = stalled.hold_while(std::future::pending::<()>()).await;
    assert!(
        matches!(outcome, Err(StoreError::LeaseLost(_))),
        "{outcome:?}"
    );
    // A holder that keeps its lease finishes its work, renewing on the way.
    let steady = Lease::new(store, keys, "test-steady", Duration::from_millis(150));
    assert!(steady.take().await.expect("take"));
    let done = steady
        .hold_while(async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            42
        })
        .await
        .expect("held throughout");
    assert_eq!(done, 42);
}

async fn rebuilds_of_one_contest_asked_at_once_run_one_after_the_other(app: &TestApp) {
    let s = setup(app, 3, round(3, None, -60, 3600)).await;
    let mut members = Vec::new();
    for right in 0..3usize {
        let member = app.member(s.unit).await;
        let attempt = started(app, &s, &member).await;
        let id = attempt["id"].as_str().expect("id").to_owned();
        for q in attempt["questions"]
            .as_array()
            .expect("q")
            .iter()
            .take(right)
        {
            let qid = q["id"].as_str().expect("id");
            answer(app, &member, &id, qid, &[s.key[qid].clone()]).await;
        }
        let r = app
            .post(
                &format!("/api/v1/attempts/{id}/finish"),
                Some(&member.access),
                &json!({}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        members.push(member);
    }
    let url = format!("/api/v1/rounds/{}/leaderboard", s.round_id);
    let token = s.organizer.access.clone();
    let before: Value = app
        .get(&url, Some(&token))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(before["total"], 3, "{before}");
    let contest = ContestId::from_uuid(s.contest_id.parse().expect("uuid"));
    // Two instances asking at once (here two tasks on one state: the same lease).
    let (a, b) = tokio::join!(
        dautri_api::standings::rebuild_contest(&app.state, contest),
        dautri_api::standings::rebuild_contest(&app.state, contest),
    );
    assert_eq!(a.expect("first").results, 3);
    assert_eq!(b.expect("second").results, 3);
    let after: Value = app
        .get(&url, Some(&token))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(after["total"], before["total"]);
    assert_eq!(after["entries"], before["entries"], "{after}");
}

/// Waits until every attempt is finished in the database (or gives up after a while).
async fn all_finished(
    app: &TestApp,
    ids: &[String],
) -> Vec<dautri_api::persistence::attempts::AttemptRecord> {
    let mut records = Vec::new();
    for _ in 0..150 {
        records.clear();
        for id in ids {
            let id = AttemptId::from_uuid(id.parse::<Uuid>().expect("uuid"));
            records.push(
                dautri_api::persistence::attempts::get(&app.state.db, id)
                    .await
                    .expect("record"),
            );
        }
        if records.iter().all(|r| r.finished && r.board_recorded) {
            return records;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("not every attempt was finished: {records:?}");
}

async fn lease_holder(app: &TestApp, name: &str) -> Option<String> {
    let Store::Redis(redis) = &app.state.store else {
        panic!("services backend uses Redis")
    };
    let mut conn = redis.connection();
    redis::cmd("GET")
        .arg(app.state.keys.lease(name))
        .query_async(&mut conn)
        .await
        .expect("get")
}

/// Two instances with auto-finishers on one database and Redis: the one holding the lease
/// finishes every due attempt, once, and the other does nothing while it lives; when it is
/// killed, the other takes the lease over once it expires and finishes the rest. (Only on the
/// services: the in-process store is one server's own.)
#[tokio::test]
async fn two_auto_finishers_finish_each_attempt_once_and_a_survivor_takes_over() {
    let app = spawn_app_with(Backend::Services, |s| s.attempt_grace_seconds = 0).await;
    let first = spawn_peer(&app, |s| s.auto_finish = true).await;
    let mut holder = None;
    for _ in 0..100 {
        holder = lease_holder(&app, "auto-finish").await;
        if holder.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let first_token = holder.expect("the first instance's finisher took the lease");
    let second = spawn_peer(&app, |s| s.auto_finish = true).await;
    for peer in [&first, &second] {
        let ready = app
            .client
            .get(format!("{}/readyz", peer.address))
            .send()
            .await
            .expect("readyz");
        assert_eq!(ready.status(), StatusCode::OK, "both instances serve");
    }
    // Two contests: the first's round closes while both instances live, the second's after
    // the lease holder was killed.
    let s = setup(&app, 2, round(1, None, -60, 8)).await;
    let s2 = setup(&app, 2, round(1, None, -60, 14)).await;
    let mut early_ids = Vec::new();
    let mut late_ids = Vec::new();
    for (setup, ids) in [(&s, &mut early_ids), (&s2, &mut late_ids)] {
        for _ in 0..3 {
            let member = app.member(setup.unit).await;
            let attempt = started(&app, setup, &member).await;
            let id = attempt["id"].as_str().expect("id").to_owned();
            let qid = attempt["questions"][0]["id"].as_str().expect("id");
            assert_eq!(
                answer(&app, &member, &id, qid, &[setup.key[qid].clone()])
                    .await
                    .status(),
                StatusCode::OK
            );
            ids.push(id);
        }
    }
    // Both alive: the first round's attempts are finished at their deadline, by the holder.
    let early = all_finished(&app, &early_ids).await;
    for r in &early {
        assert_eq!(r.score, Some(10));
        assert_eq!(r.finished_at, Some(r.deadline), "stamped at the deadline");
    }
    assert_eq!(
        lease_holder(&app, "auto-finish").await.as_deref(),
        Some(first_token.as_str()),
        "the second instance never held the finisher's lease while the first lived"
    );
    let counters = |setup: &crate::attempts::Setup| {
        let round = RoundId::from_uuid(setup.round_id.parse().expect("uuid"));
        let contest = ContestId::from_uuid(setup.contest_id.parse().expect("uuid"));
        let app = &app;
        async move {
            app.state
                .store
                .round_counters(&app.state.keys, contest, round)
                .await
                .expect("counters")
        }
    };
    let early_counters = counters(&s).await;
    assert_eq!(early_counters.participants, 3, "counted once each");
    assert_eq!(early_counters.finished_attempts, 3, "counted once each");
    // The holder dies mid-round; the second finishes the second round's attempts.
    first.kill().await;
    let late = all_finished(&app, &late_ids).await;
    for r in &late {
        assert_eq!(r.score, Some(10));
        assert_eq!(r.finished_at, Some(r.deadline), "stamped at the deadline");
    }
    assert_eq!(counters(&s2).await.participants, 3);
    let now_holder = lease_holder(&app, "auto-finish").await;
    assert!(
        now_holder.is_some() && now_holder.as_deref() != Some(first_token.as_str()),
        "the survivor holds the lease now"
    );
    second.kill().await;
    app.cleanup().await;
}

/// A member takes and finishes one attempt in a fresh contest; returns its setup and one of its
/// question ids.
async fn one_finished_attempt(app: &TestApp) -> (crate::attempts::Setup, String) {
    let s = setup(app, 1, round(1, None, -60, 3600)).await;
    let member = app.member(s.unit).await;
    let attempt = started(app, &s, &member).await;
    let id = attempt["id"].as_str().expect("id").to_owned();
    let qid = attempt["questions"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    answer(app, &member, &id, &qid, &[s.key[&qid].clone()]).await;
    let done: Value = app
        .post(
            &format!("/api/v1/attempts/{id}/finish"),
            Some(&member.access),
            &json!({}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(done["score"], 10, "the result reads and writes the primary");
    (s, qid)
}

/// With `DATABASE_REPLICA_URL`, item statistics read the replica, and what decides a result
/// reads the primary. The "replica" here is another database that never received this test's
/// attempts, which shows where each read went.
#[tokio::test]
async fn reports_read_the_replica_and_results_the_primary() {
    let replica = crate::helpers::spawn_app(Backend::Services).await;
    let replica_url = replica.state.settings.database_url.clone();
    let app = spawn_app_with(Backend::Services, |s| {
        s.database_replica_url = replica_url;
    })
    .await;
    let (s, qid) = one_finished_attempt(&app).await;
    let stats: Value = app
        .get(
            &format!("/api/v1/questions/{qid}/stats"),
            Some(&s.organizer.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        stats["times_shown"], 0,
        "statistics come from the replica, which has not seen the attempt: {stats}"
    );
    app.cleanup().await;
    replica.cleanup().await;
}

/// A replica that does not answer: reports answer 503 `unavailable` with `Retry-After`, and
/// attempts (on the primary) carry on.
#[tokio::test]
async fn a_replica_that_does_not_answer_makes_reports_wait_not_attempts() {
    let app = spawn_app_with(Backend::Services, |s| {
        // Nothing listens on the discard port.
        s.database_replica_url = Some("postgres://postgres@127.0.0.1:9/replica".to_owned().into());
    })
    .await;
    let (s, qid) = one_finished_attempt(&app).await;
    let r = app
        .get(
            &format!("/api/v1/questions/{qid}/stats"),
            Some(&s.organizer.access),
        )
        .await;
    assert!(r.headers().contains_key("retry-after"), "{:?}", r.headers());
    crate::helpers::assert_problem(r, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    app.cleanup().await;
}

/// Total of a board read from `base` (an instance's address).
async fn board_total(app: &TestApp, base: &str, round: &str, unit: impl std::fmt::Display) -> i64 {
    let board: Value = app
        .client
        .get(format!(
            "{base}/api/v1/rounds/{round}/leaderboard?unit_id={unit}"
        ))
        .send()
        .await
        .expect("board")
        .json()
        .await
        .expect("json");
    board["total"].as_i64().unwrap_or_else(|| panic!("{board}"))
}

/// A unit moved on one instance while another still holds the old tree (for up to the
/// directory's 10 seconds): a finish recorded there under the old ancestors right after the
/// move is put under the new ones by the rebuild that follows once every copy has expired.
#[tokio::test]
async fn a_unit_moved_on_one_instance_is_on_the_others_boards_after_the_rebuild() {
    let app = spawn_app_with(Backend::Services, |_| {}).await;
    let peer = spawn_peer(&app, |_| {}).await;
    let s = setup(&app, 1, round(1, None, -60, 3600)).await;
    let old = app.unit("OLD", Some(s.unit)).await;
    let new = app.unit("NEW", Some(s.unit)).await;
    let moved = app.unit("MOVED", Some(old)).await;
    let admin = app
        .with_roles(
            s.unit,
            &[(dautri_api::domain::role::Role::UnitAdmin, Some(s.unit))],
        )
        .await;
    let mut attempts = Vec::new();
    for _ in 0..2 {
        let member = app.member(moved).await;
        let attempt = started(&app, &s, &member).await;
        let id = attempt["id"].as_str().expect("id").to_owned();
        let qid = attempt["questions"][0]["id"]
            .as_str()
            .expect("id")
            .to_owned();
        answer(&app, &member, &id, &qid, &[s.key[&qid].clone()]).await;
        attempts.push((member, id));
    }
    let finish_on_peer = |member: &crate::helpers::TestUser, id: &str| {
        app.client
            .post(format!("{}/api/v1/attempts/{id}/finish", peer.address))
            .bearer_auth(&member.access)
            .json(&json!({}))
            .send()
    };
    let r = finish_on_peer(&attempts[0].0, &attempts[0].1)
        .await
        .expect("finish");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(board_total(&app, &peer.address, &s.round_id, old).await, 1);
    // Moved on the app; the peer's tree is still the old one when the second finish comes.
    let r = app
        .patch(
            &format!("/api/v1/units/{moved}"),
            Some(&admin.access),
            &json!({"parent_id": new.into_uuid()}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // The first rebuild puts the first result under the new parent.
    let mut first = (1, 0);
    for _ in 0..150 {
        first = (
            board_total(&app, &peer.address, &s.round_id, old).await,
            board_total(&app, &peer.address, &s.round_id, new).await,
        );
        if first == (0, 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        first,
        (0, 1),
        "(old parent, new parent) after the first rebuild"
    );
    // The peer still holds the old tree (it loaded it moments ago) and records this finish
    // under the old parent.
    let r = finish_on_peer(&attempts[1].0, &attempts[1].1)
        .await
        .expect("finish");
    assert_eq!(r.status(), StatusCode::OK);
    let mut seen = (0, 0);
    for _ in 0..150 {
        seen = (
            board_total(&app, &peer.address, &s.round_id, old).await,
            board_total(&app, &peer.address, &s.round_id, new).await,
        );
        if seen == (0, 2) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        seen,
        (0, 2),
        "(old parent, new parent) on the peer's boards"
    );
    peer.kill().await;
    app.cleanup().await;
}

/// A contest edited on one instance is read as edited by another within the catalog's bound
/// (`caches::catalog::MAX_AGE`, 5 s, for a lone reader, which reads its old copy again itself):
/// here a public board made organizers-only.
#[tokio::test]
async fn a_contest_edited_on_one_instance_is_seen_by_another_within_the_catalog_bound() {
    let app = spawn_app_with(Backend::Services, |_| {}).await;
    let peer = spawn_peer(&app, |_| {}).await;
    let s = setup(&app, 1, round(1, None, -60, 3600)).await;
    let board_on_peer = || {
        app.client
            .get(format!(
                "{}/api/v1/rounds/{}/leaderboard",
                peer.address, s.round_id
            ))
            .send()
    };
    // The peer reads the round and contest into its catalog.
    assert_eq!(
        board_on_peer().await.expect("board").status(),
        StatusCode::OK
    );
    boards_for_organizers_only(&app, &s).await;
    // The bound is what is under test: once it has passed, the peer must know.
    tokio::time::sleep(dautri_api::caches::catalog::MAX_AGE + Duration::from_millis(500)).await;
    let status = board_on_peer().await.expect("board").status();
    assert!(
        status == StatusCode::UNAUTHORIZED
            || status == StatusCode::FORBIDDEN
            || status == StatusCode::NOT_FOUND,
        "the peer still serves the public board: {status}"
    );
    peer.kill().await;
    app.cleanup().await;
}

/// `member` starts the round of `s` on the instance at `base`.
async fn start_on(
    app: &TestApp,
    base: &str,
    s: &crate::attempts::Setup,
    member: &crate::helpers::TestUser,
) -> reqwest::Response {
    app.client
        .post(format!("{base}/api/v1/rounds/{}/attempts", s.round_id))
        .bearer_auth(&member.access)
        .send()
        .await
        .expect("start")
}

#[tokio::test]
async fn a_question_retired_on_one_instance_stops_being_drawn_by_another_within_the_bound() {
    let app = spawn_app_with(Backend::Services, |_| {}).await;
    let peer = spawn_peer(&app, |_| {}).await;
    // Two questions for attempts of two: retiring one leaves the round unable to start.
    let s = setup(&app, 2, round(2, None, -60, 3600)).await;
    // The peer reads the round's pool into its cache.
    let first = app.member(s.unit).await;
    assert_eq!(
        start_on(&app, &peer.address, &s, &first).await.status(),
        StatusCode::CREATED
    );
    retire_a_question(&app, &s).await;
    // On the instance that retired it, at once.
    let second = app.member(s.unit).await;
    assert_eq!(
        crate::attempts::start(&app, &s, &second).await.status(),
        StatusCode::CONFLICT
    );
    // On the other, once the bound has passed.
    tokio::time::sleep(dautri_api::caches::catalog::MAX_AGE + Duration::from_millis(500)).await;
    let third = app.member(s.unit).await;
    let r = start_on(&app, &peer.address, &s, &third).await;
    assert_eq!(
        r.status(),
        StatusCode::CONFLICT,
        "the peer still draws the retired question: {}",
        r.text().await.unwrap_or_default()
    );
    peer.kill().await;
    app.cleanup().await;
}

/// Polls `seen` every 100 ms until it is true, for at most 30 s: far below the caches' ages in
/// the tests below (an hour), so only the broadcast can have made it true.
async fn eventually<F, Fut>(mut seen: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..300 {
        if seen().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// The count of one event of the caches' broadcast on the instance at `base`.
async fn cache_changes(app: &TestApp, base: &str, event: &str) -> u64 {
    let text = app
        .client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    let line = format!("dautri_cache_changes_total{{event=\"{event}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&line))
        .map_or(0, |n| n.trim().parse().expect("a count"))
}

/// Waits until the instance at `base` listens to the others: it drops everything it keeps when
/// it starts listening, which would hide what a test means to show.
async fn listening(app: &TestApp, base: &str) {
    assert!(
        eventually(|| async { cache_changes(app, base, "subscribed").await >= 1 }).await,
        "{base} never subscribed to the other instances' changes"
    );
}

/// Both instances keep their copies for an hour: what the peer sees within seconds, it heard.
fn hour_long_caches(settings: &mut dautri_api::config::Settings) {
    settings.cache_catalog_seconds = 3600;
    settings.cache_units_seconds = 3600;
    settings.cache_people_seconds = 600;
}

/// An edit on one instance reaches another's caches through the broadcast, long before the
/// caches would expire: a contest's board made organizers-only, a question retired from the
/// bank a round draws from, a unit added to the tree, a role given to a member.
#[tokio::test]
async fn an_edit_on_one_instance_reaches_the_others_caches_through_the_broadcast() {
    let app = spawn_app_with(Backend::Services, hour_long_caches).await;
    let peer = spawn_peer(&app, |_| {}).await;
    listening(&app, &peer.address).await;
    let s = setup(&app, 2, round(2, None, -60, 3600)).await;
    let on_peer = |path: String| app.client.get(format!("{}{path}", peer.address)).send();
    let board = format!("/api/v1/rounds/{}/leaderboard", s.round_id);

    // The tree: the peer reads it, then a unit is added on the app.
    let admin = app
        .with_roles(
            s.unit,
            &[(dautri_api::domain::role::Role::UnitAdmin, Some(s.unit))],
        )
        .await;
    assert_eq!(
        on_peer(board.clone()).await.expect("board").status(),
        StatusCode::OK
    );
    let r = app
        .post(
            "/api/v1/units",
            Some(&admin.access),
            &json!({"name": "Chi đoàn mới", "code": "NEW", "parent_id": s.unit.into_uuid()}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let added: Value = r.json().await.expect("unit");
    let unit_board = format!("{board}?unit_id={}", added["id"].as_str().expect("id"));
    assert!(
        eventually(|| async {
            on_peer(unit_board.clone()).await.expect("board").status() == StatusCode::OK
        })
        .await,
        "the peer does not know the new unit"
    );

    // The bank: the peer reads the round's pool, then a question is retired on the app.
    assert_eq!(
        start_on(&app, &peer.address, &s, &app.member(s.unit).await)
            .await
            .status(),
        StatusCode::CREATED
    );
    retire_a_question(&app, &s).await;
    assert!(
        eventually(|| async {
            let member = app.member(s.unit).await;
            start_on(&app, &peer.address, &s, &member).await.status() == StatusCode::CONFLICT
        })
        .await,
        "the peer still draws the retired question"
    );

    // The contest: its public board made organizers-only on the app.
    boards_for_organizers_only(&app, &s).await;
    assert!(
        eventually(|| async {
            on_peer(board.clone()).await.expect("board").status() != StatusCode::OK
        })
        .await,
        "the peer still serves the public board"
    );

    // A person: a member reads the organizers' board on the peer (refused, and kept in the
    // peer's copy of who they are), then is made an organizer of its unit on the app.
    let member = app.member(s.unit).await;
    let as_member = || {
        app.client
            .get(format!("{}{board}", peer.address))
            .bearer_auth(&member.access)
            .send()
    };
    assert_eq!(
        as_member().await.expect("board").status(),
        StatusCode::NOT_FOUND
    );
    let r = app
        .put(
            &format!("/api/v1/users/{}/roles", member.id.into_uuid()),
            Some(&admin.access),
            &json!({"roles": [{"role": "organizer", "unit_id": s.unit.into_uuid()}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        eventually(|| async { as_member().await.expect("board").status() == StatusCode::OK }).await,
        "the peer does not know the new organizer"
    );
    assert!(cache_changes(&app, &peer.address, "received").await >= 4);
    assert!(cache_changes(&app, &app.address, "sent").await >= 4);
    peer.kill().await;
    app.cleanup().await;
}

/// A round's first start marks it started, which the catalog's copies of the round must learn,
/// but what the round draws from is as it was: the pool stays, or every start of the storm's
/// first seconds waits for the bank to be read again. Here a question is retired behind every
/// instance's back (no message): an instance that kept its pool still draws it, one that
/// dropped it would read the bank again and refuse the start.
#[tokio::test]
async fn a_rounds_first_start_keeps_what_it_draws_from() {
    let app = spawn_app_with(Backend::Services, hour_long_caches).await;
    let peer = spawn_peer(&app, hour_long_caches).await;
    listening(&app, &app.address).await;
    // Two questions for attempts of two: without one of them, the round cannot start.
    let s = setup(&app, 2, round(2, None, -60, 3600)).await;
    let heard_before = cache_changes(&app, &app.address, "received").await;
    assert_eq!(
        start_on(&app, &peer.address, &s, &app.member(s.unit).await)
            .await
            .status(),
        StatusCode::CREATED
    );
    let retired = s.key.keys().next().expect("a question").clone();
    questions::Entity::update_many()
        .col_expr(questions::Column::Status, Expr::value("retired"))
        .filter(questions::Column::Id.eq(Uuid::parse_str(&retired).expect("an id")))
        .exec(&app.state.db)
        .await
        .expect("retired behind the instances' backs");
    let r = start_on(&app, &peer.address, &s, &app.member(s.unit).await).await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "the first start dropped the round's pool: {}",
        r.text().await.unwrap_or_default()
    );
    // The other instance was told the round started.
    assert!(
        eventually(|| async { cache_changes(&app, &app.address, "received").await > heard_before })
            .await,
        "the other instance never heard of the round's start"
    );
    peer.kill().await;
    app.cleanup().await;
}

/// Whatever was said while an instance was not listening is lost to it, so an instance that
/// loses its subscription drops everything it keeps once it subscribes again. Here the change
/// is written to the database behind every instance's back (no message at all), and only the
/// lost subscription can make the peer read it again within the hour its copies would last.
#[tokio::test]
async fn an_instance_that_lost_its_subscription_reads_everything_afresh() {
    let app = spawn_app_with(Backend::Services, hour_long_caches).await;
    let peer = spawn_peer(&app, |_| {}).await;
    listening(&app, &peer.address).await;
    let s = setup(&app, 1, round(1, None, -60, 3600)).await;
    let board = format!("{}/api/v1/rounds/{}/leaderboard", peer.address, s.round_id);
    let unit = app.unit("BEHIND", Some(s.unit)).await;
    // Read by the peer after the unit was written: it knows the unit.
    assert_eq!(
        app.client
            .get(format!("{board}?unit_id={unit}"))
            .send()
            .await
            .expect("board")
            .status(),
        StatusCode::OK
    );
    let hidden = app.unit("HIDDEN", Some(s.unit)).await;
    let hidden_board = format!("{board}?unit_id={hidden}");
    let peer_knows_hidden = || async {
        app.client
            .get(hidden_board.clone())
            .send()
            .await
            .expect("board")
            .status()
            == StatusCode::OK
    };
    assert!(
        !peer_knows_hidden().await,
        "a unit written behind the peer's back is unknown to it while its copy lasts"
    );
    assert_eq!(cache_changes(&app, &peer.address, "subscribed").await, 1);
    // Every subscriber on this Redis loses its connection (other tests' instances too: they
    // subscribe again and read afresh, which changes nothing they assert).
    let Store::Redis(redis) = &app.state.store else {
        panic!("a Redis store")
    };
    let mut conn = redis.connection();
    let killed: i64 = redis::cmd("CLIENT")
        .arg("KILL")
        .arg("TYPE")
        .arg("pubsub")
        .query_async(&mut conn)
        .await
        .expect("client kill");
    assert!(
        killed >= 2,
        "the app's and the peer's subscriptions: {killed}"
    );
    assert!(
        eventually(peer_knows_hidden).await,
        "the peer kept its copy of the tree after losing its subscription"
    );
    assert!(cache_changes(&app, &peer.address, "subscribed").await >= 2);
    peer.kill().await;
    app.cleanup().await;
}
