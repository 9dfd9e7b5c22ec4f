//! Who reads a question's answer key, and who may therefore not enter a contest: tested from
//! both sides. A bank shared down the tree shows its key to its own organizers only; those who
//! can read the key of a round's questions, and a contest's own organizers (unless the contest
//! lets them), do not enter it; practice rounds stay open to them.

use chrono::Utc;
use dautri_api::domain::ids::UnitId;
use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both_backends;
use crate::helpers::{TestApp, TestUser, assert_problem};

both_backends!(
    a_shared_bank_shows_its_key_to_its_own_organizers_only,
    who_can_read_the_key_cannot_enter_and_the_rest_can,
);

/// A (root) hosts the contest and owns a shared bank; L and L2 are its branches.
struct Tree {
    a: UnitId,
    l: UnitId,
    l2: UnitId,
    organizer_a: TestUser,
    organizer_l: TestUser,
    organizer_l2: TestUser,
    shared_ids: Vec<String>,
}

fn short() -> String {
    Uuid::now_v7().simple().to_string()[20..].to_owned()
}

async fn question(app: &TestApp, by: &TestUser, unit: UnitId, shared: bool, i: usize) -> Value {
    let body = json!({
        "unit_id": unit.into_uuid(), "kind": "single", "shared": shared,
        "text": format!("Câu hỏi {i} của ngân hàng {}: đáp án là gì?", short()),
        "options": [{"text": "Phương án đúng", "correct": true}, {"text": "Phương án sai 1"}, {"text": "Phương án sai 2"}],
        "explanation": "Lời giải nói ra đáp án.",
        "topic": {"code": "law", "name": "Pháp luật"},
    });
    let r = app.post("/api/v1/questions", Some(&by.access), &body).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    r.json().await.expect("json")
}

async fn tree(app: &TestApp) -> Tree {
    let a = app.unit(&format!("A{}", short()), None).await;
    let l = app.unit(&format!("L{}", short()), Some(a)).await;
    let l2 = app.unit(&format!("M{}", short()), Some(a)).await;
    let organizer_a = app.with_roles(a, &[(Role::Organizer, Some(a))]).await;
    let organizer_l = app.with_roles(l, &[(Role::Organizer, Some(l))]).await;
    let organizer_l2 = app.with_roles(l2, &[(Role::Organizer, Some(l2))]).await;
    let mut shared_ids = Vec::new();
    for i in 0..4 {
        let q = question(app, &organizer_a, a, true, i).await;
        shared_ids.push(q["id"].as_str().expect("id").to_owned());
    }
    Tree {
        a,
        l,
        l2,
        organizer_a,
        organizer_l,
        organizer_l2,
        shared_ids,
    }
}

/// Whether a question as answered by the API carries any part of its key.
fn shows_key(q: &Value) -> bool {
    let options = q["options"].as_array().expect("options");
    options.iter().any(|o| o.get("correct").is_some()) || !q["explanation"].is_null()
}

async fn a_shared_bank_shows_its_key_to_its_own_organizers_only(app: &TestApp) {
    let t = tree(app).await;
    let id = &t.shared_ids[0];
    // Its owners read the key.
    let own: Value = app
        .get(
            &format!("/api/v1/questions/{id}"),
            Some(&t.organizer_a.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(own["key_visible"], true);
    assert!(shows_key(&own), "{own}");
    assert_eq!(own["options"][0]["correct"], true);

    // The branch organizer sees the question (to search it and draw it), never its key.
    let r = app
        .get(
            &format!("/api/v1/questions/{id}"),
            Some(&t.organizer_l.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let theirs: Value = r.json().await.expect("json");
    assert_eq!(theirs["key_visible"], false);
    assert!(!shows_key(&theirs), "{theirs}");
    assert_eq!(theirs["text"], own["text"]);

    // Nor in a search…
    let list: Value = app
        .get("/api/v1/questions?limit=100", Some(&t.organizer_l.access))
        .await
        .json()
        .await
        .expect("json");
    let items = list["items"].as_array().expect("items");
    assert!(items.len() >= 4);
    for q in items {
        if t.shared_ids.iter().any(|s| q["id"] == s.as_str()) {
            assert!(!shows_key(q), "{q}");
        }
    }
    // …while their own bank's keys are theirs.
    let mine = question(app, &t.organizer_l, t.l, false, 9).await;
    let list: Value = app
        .get("/api/v1/questions?limit=100", Some(&t.organizer_l.access))
        .await
        .json()
        .await
        .expect("json");
    let listed = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|q| q["id"] == mine["id"])
        .expect("their own question is listed");
    assert!(shows_key(listed));
    assert_eq!(listed["key_visible"], true);

    // …nor in an export (which carries the key): only their own bank is exported.
    let r = app
        .get(
            "/api/v1/questions/export?format=yaml",
            Some(&t.organizer_l.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let exported = r.text().await.expect("text");
    assert!(exported.contains(mine["text"].as_str().expect("text")));
    assert!(
        !exported.contains(own["text"].as_str().expect("text")),
        "{exported}"
    );
    // The owners' export has it.
    let exported = app
        .get(
            "/api/v1/questions/export?format=yaml",
            Some(&t.organizer_a.access),
        )
        .await
        .text()
        .await
        .expect("text");
    assert!(exported.contains(own["text"].as_str().expect("text")));

    // …nor through item statistics, whose shares give the key away.
    assert_problem(
        app.get(
            &format!("/api/v1/questions/{id}/stats"),
            Some(&t.organizer_l.access),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_eq!(
        app.get(
            &format!("/api/v1/questions/{id}/stats"),
            Some(&t.organizer_a.access)
        )
        .await
        .status(),
        StatusCode::OK
    );
}

fn open_round(practice: bool) -> Value {
    let now = Utc::now();
    json!({
        "name": if practice { "Luyện tập" } else { "Tuần 1" },
        "opens_at": (now - chrono::Duration::seconds(60)).to_rfc3339(),
        "closes_at": (now + chrono::Duration::seconds(3600)).to_rfc3339(),
        "questions_per_attempt": 2,
        "time_limit_seconds": 600,
        "pool": {"quotas": [{"topic": "law", "count": 2}]},
        "points_per_question": 10,
        "practice": practice,
    })
}

async fn start(app: &TestApp, round_id: &str, user: &TestUser) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/rounds/{round_id}/attempts")))
        .bearer_auth(&user.access)
        .send()
        .await
        .expect("request")
}

async fn who_can_read_the_key_cannot_enter_and_the_rest_can(app: &TestApp) {
    let t = tree(app).await;
    let contest: Value = app
        .post(
            "/api/v1/contests",
            Some(&t.organizer_a.access),
            &json!({"title": "Cuộc thi của A", "unit_id": t.a.into_uuid(), "eligibility": {"unit_id": t.a.into_uuid()}}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        contest["eligibility"]["managers_may_enter"], false,
        "{contest}"
    );
    let contest_id = contest["id"].as_str().expect("id").to_owned();
    let mut round_ids = Vec::new();
    for practice in [false, true] {
        let r = app
            .post(
                &format!("/api/v1/contests/{contest_id}/rounds"),
                Some(&t.organizer_a.access),
                &open_round(practice),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap_or_default()
        );
        let round: Value = r.json().await.expect("json");
        round_ids.push(round["id"].as_str().expect("id").to_owned());
    }
    let (round, practice) = (&round_ids[0], &round_ids[1]);

    // The contest's organizer, who owns the bank: not by default…
    assert_problem(
        start(app, round, &t.organizer_a).await,
        StatusCode::FORBIDDEN,
        "managers_may_not_enter",
    )
    .await;
    // …and not even when the contest lets its organizers enter, since they read the key.
    let patched = app
        .patch(
            &format!("/api/v1/contests/{contest_id}"),
            Some(&t.organizer_a.access),
            &json!({"eligibility": {"unit_id": t.a.into_uuid(), "managers_may_enter": true}}),
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    assert_problem(
        start(app, round, &t.organizer_a).await,
        StatusCode::FORBIDDEN,
        "reads_answer_key",
    )
    .await;
    // A practice round never counts: its organizer may try it as a member would.
    assert_eq!(
        start(app, practice, &t.organizer_a).await.status(),
        StatusCode::CREATED
    );

    // A branch organizer whose own bank the round may draw from (A's contest draws from the
    // banks of A's subtree) reads part of the key: refused.
    question(app, &t.organizer_l2, t.l2, false, 1).await;
    assert_problem(
        start(app, round, &t.organizer_l2).await,
        StatusCode::FORBIDDEN,
        "reads_answer_key",
    )
    .await;

    // A branch organizer who sees the shared bank but not its key, and whose own bank is not in
    // the round, enters like any member.
    let r = start(app, round, &t.organizer_l).await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let member = app.member(t.l).await;
    assert_eq!(
        start(app, round, &member).await.status(),
        StatusCode::CREATED
    );

    // With organizers kept out again, another organizer of the contest is refused as such.
    let b = app.unit(&format!("B{}", short()), Some(t.a)).await;
    let manager_only = app.with_roles(b, &[(Role::Organizer, Some(t.a))]).await;
    app.patch(
        &format!("/api/v1/contests/{contest_id}"),
        Some(&t.organizer_a.access),
        &json!({"eligibility": {"unit_id": t.a.into_uuid(), "managers_may_enter": false}}),
    )
    .await;
    assert_problem(
        start(app, round, &manager_only).await,
        StatusCode::FORBIDDEN,
        "managers_may_not_enter",
    )
    .await;

    // Who is starting is decided from memory (their grants were read by the home screen a
    // moment before); a grant made since applies at once all the same.
    let promoted = app.member(t.l).await;
    let listed = app.get("/api/v1/contests", Some(&promoted.access)).await;
    assert_eq!(listed.status(), StatusCode::OK);
    let admin = app.with_roles(t.a, &[(Role::UnitAdmin, Some(t.a))]).await;
    let granted = app
        .put(
            &format!("/api/v1/users/{}/roles", promoted.id.into_uuid()),
            Some(&admin.access),
            &json!({"roles": [{"role": "organizer", "unit_id": t.a.into_uuid()}]}),
        )
        .await;
    assert_eq!(
        granted.status(),
        StatusCode::OK,
        "{}",
        granted.text().await.unwrap_or_default()
    );
    assert_problem(
        start(app, round, &promoted).await,
        StatusCode::FORBIDDEN,
        "managers_may_not_enter",
    )
    .await;
}
