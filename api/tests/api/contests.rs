//! Contests and rounds: creation, eligibility, validation, and frozen rules.

use chrono::{Duration, Utc};
use dautri_api::domain::ids::RoundId;
use dautri_api::domain::ids::UnitId;
use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, TestUser, assert_problem, pointers};

both_backends!(
    an_organizer_creates_a_contest_and_members_in_scope_see_it,
    eligibility_excludes_units_and_roles,
    contest_fields_are_checked,
    a_round_is_created_when_the_pool_can_supply_it,
    round_rules_are_checked_field_by_field,
    rounds_may_not_overlap,
    questions_valid_for_only_part_of_the_round_do_not_count,
    once_started_only_the_close_time_may_be_extended,
    rounds_with_shuffle_off_warn_their_organizers,
    the_contest_list_shows_every_change_at_once,
);

/// A root unit with a branch, an unrelated unit, and an organizer of the root.
pub(crate) struct Host {
    pub(crate) root: UnitId,
    pub(crate) branch: UnitId,
    pub(crate) other: UnitId,
    pub(crate) organizer: TestUser,
}

pub(crate) async fn host(app: &TestApp) -> Host {
    let root = app.unit("ROOT", None).await;
    let branch = app.unit("BRANCH", Some(root)).await;
    let other = app.unit("OTHER", None).await;
    let organizer = app.with_roles(root, &[(Role::Organizer, Some(root))]).await;
    Host {
        root,
        branch,
        other,
        organizer,
    }
}

async fn seed_questions(app: &TestApp, h: &Host, topic: &str, n: usize, difficulty: &str) {
    for i in 0..n {
        let body = json!({
            "unit_id": h.root.into_uuid(),
            "text": format!("Câu hỏi {topic} {difficulty} số {i}?"),
            "options": [{"text": "Đúng", "correct": true}, {"text": "Sai"}],
            "kind": "true_false",
            "topic": {"code": topic, "name": topic},
            "difficulty": difficulty,
        });
        let r = app
            .post("/api/v1/questions", Some(&h.organizer.access), &body)
            .await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap_or_default()
        );
    }
}

async fn contest(app: &TestApp, h: &Host, extra: Value) -> Value {
    let mut body = json!({"title": "Tìm hiểu Luật An ninh mạng", "unit_id": h.root.into_uuid(), "eligibility": {"unit_id": h.root.into_uuid()}});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    let r = app
        .post("/api/v1/contests", Some(&h.organizer.access), &body)
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    r.json().await.expect("json")
}

fn round_body(opens_in_hours: i64, hours: i64) -> Value {
    let opens = Utc::now() + Duration::hours(opens_in_hours);
    json!({
        "name": "Tuần 1",
        "opens_at": opens.to_rfc3339(),
        "closes_at": (opens + Duration::hours(hours)).to_rfc3339(),
        "questions_per_attempt": 3,
        "time_limit_seconds": 600,
        "attempts_allowed": 2,
        "pool": {"quotas": [{"topic": "law", "count": 2}, {"topic": "history", "difficulty": "easy", "count": 1}]},
        "prediction": "all_correct",
        "points_per_question": 10,
        "review": "after_close",
    })
}

async fn an_organizer_creates_a_contest_and_members_in_scope_see_it(app: &TestApp) {
    let h = host(app).await;
    let c = contest(app, &h, json!({})).await;
    assert_eq!(
        c["tie_break"],
        json!(["score", "prediction", "time_used", "finished_at"])
    );
    assert_eq!(c["kind"], "contest");
    let inside = app.member(h.branch).await;
    let outside = app.member(h.other).await;
    let list: Value = app
        .get("/api/v1/contests", Some(&inside.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["can_manage"], false);
    let list: Value = app
        .get("/api/v1/contests", Some(&outside.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 0);
    let url = format!("/api/v1/contests/{}", c["id"].as_str().expect("id"));
    assert_problem(
        app.get(&url, Some(&outside.access)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.patch(&url, Some(&inside.access), &json!({"title": "Đổi tên"}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let patched: Value = app
        .patch(
            &url,
            Some(&h.organizer.access),
            &json!({"title": "Tìm hiểu Luật An ninh mạng 2025"}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(patched["title"], "Tìm hiểu Luật An ninh mạng 2025");
    // Open to anyone registered.
    let open = contest(app, &h, json!({"eligibility": {"unit_id": null}})).await;
    let list: Value = app
        .get("/api/v1/contests", Some(&outside.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"][0]["id"], open["id"]);
}

async fn eligibility_excludes_units_and_roles(app: &TestApp) {
    let h = host(app).await;
    contest(app, &h, json!({"eligibility": {"unit_id": h.root.into_uuid(), "excluded_unit_ids": [h.branch.into_uuid()], "excluded_roles": ["organizer"]}})).await;
    let in_branch = app.member(h.branch).await;
    let in_root = app.member(h.root).await;
    let other_organizer = app
        .with_roles(h.root, &[(Role::Organizer, Some(h.other))])
        .await;
    let count = |u: &TestUser| {
        let token = u.access.clone();
        async move {
            let list: Value = app
                .get("/api/v1/contests", Some(&token))
                .await
                .json()
                .await
                .expect("json");
            list["total"].as_u64().expect("total")
        }
    };
    assert_eq!(count(&in_branch).await, 0, "excluded unit");
    assert_eq!(count(&in_root).await, 1, "eligible");
    assert_eq!(count(&other_organizer).await, 0, "excluded role");
}

async fn contest_fields_are_checked(app: &TestApp) {
    let h = host(app).await;
    for (body, pointer) in [
        (
            json!({"title": "X", "unit_id": h.root.into_uuid()}),
            "/title",
        ),
        (
            json!({"title": "Bài kiểm tra", "unit_id": h.root.into_uuid(), "kind": "theory_test"}),
            "/pass_mark",
        ),
        (
            json!({"title": "Cuộc thi", "unit_id": h.root.into_uuid(), "tie_break": ["time_used", "score"]}),
            "/tie_break",
        ),
        (
            json!({"title": "Cuộc thi", "unit_id": h.root.into_uuid(), "eligibility": {"unit_id": h.other.into_uuid()}}),
            "/eligibility/unit_id",
        ),
        (
            json!({"title": "Cuộc thi", "unit_id": h.root.into_uuid(), "kind": "quiz"}),
            "/kind",
        ),
    ] {
        let problem = assert_problem(
            app.post("/api/v1/contests", Some(&h.organizer.access), &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&problem), vec![pointer], "{body}");
    }
    assert_problem(
        app.post(
            "/api/v1/contests",
            Some(&h.organizer.access),
            &json!({"title": "Cuộc thi", "unit_id": h.other.into_uuid()}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let member = app.member(h.root).await;
    assert_problem(
        app.post(
            "/api/v1/contests",
            Some(&member.access),
            &json!({"title": "Cuộc thi", "unit_id": h.root.into_uuid()}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

async fn a_round_is_created_when_the_pool_can_supply_it(app: &TestApp) {
    let h = host(app).await;
    seed_questions(app, &h, "law", 3, "medium").await;
    seed_questions(app, &h, "history", 1, "easy").await;
    let c = contest(app, &h, json!({})).await;
    let url = format!("/api/v1/contests/{}/rounds", c["id"].as_str().expect("id"));
    let r = app
        .post(&url, Some(&h.organizer.access), &round_body(1, 24))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let round: Value = r.json().await.expect("json");
    assert_eq!(round["state"], "upcoming");
    assert!(round["pool"].is_object(), "organizers see the pool");
    assert!(round["server_time"].is_string());
    let member = app.member(h.branch).await;
    let seen: Value = app
        .get(
            &format!("/api/v1/rounds/{}", round["id"].as_str().expect("id")),
            Some(&member.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(
        seen.get("pool").is_none(),
        "members do not see the pool: {seen}"
    );
    let list: Value = app
        .get(&url, Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 1);
    // Too small a pool: 5 law questions wanted, 3 exist.
    let mut big = round_body(48, 24);
    big["questions_per_attempt"] = json!(6);
    big["pool"] =
        json!({"quotas": [{"topic": "law", "count": 5}, {"topic": "history", "count": 1}]});
    let problem = assert_problem(
        app.post(&url, Some(&h.organizer.access), &big).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/pool/quotas/0/count"]);
}

async fn round_rules_are_checked_field_by_field(app: &TestApp) {
    let h = host(app).await;
    seed_questions(app, &h, "law", 3, "medium").await;
    let c = contest(app, &h, json!({})).await;
    let url = format!("/api/v1/contests/{}/rounds", c["id"].as_str().expect("id"));
    let mut inverted = round_body(1, 24);
    inverted["closes_at"] = inverted["opens_at"].clone();
    let mut cases = vec![(inverted, "/closes_at")];
    let mut zero = round_body(1, 24);
    zero["attempts_allowed"] = json!(0);
    cases.push((zero, "/attempts_allowed"));
    let mut short = round_body(1, 24);
    short["time_limit_seconds"] = json!(5);
    cases.push((short, "/time_limit_seconds"));
    let mut mismatch = round_body(1, 24);
    mismatch["pool"] = json!({"quotas": [{"topic": "law", "count": 2}]});
    cases.push((mismatch, "/pool/quotas"));
    let mut unknown = round_body(1, 24);
    unknown["pool"] =
        json!({"question_ids": [uuid::Uuid::now_v7(), uuid::Uuid::now_v7(), uuid::Uuid::now_v7()]});
    cases.push((unknown, "/pool/question_ids"));
    for (body, pointer) in cases {
        let problem = assert_problem(
            app.post(&url, Some(&h.organizer.access), &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&problem), vec![pointer], "{body}");
    }
}

async fn rounds_may_not_overlap(app: &TestApp) {
    let h = host(app).await;
    seed_questions(app, &h, "law", 2, "medium").await;
    seed_questions(app, &h, "history", 1, "easy").await;
    let c = contest(app, &h, json!({})).await;
    let url = format!("/api/v1/contests/{}/rounds", c["id"].as_str().expect("id"));
    assert_eq!(
        app.post(&url, Some(&h.organizer.access), &round_body(1, 24))
            .await
            .status(),
        StatusCode::CREATED
    );
    let problem = assert_problem(
        app.post(&url, Some(&h.organizer.access), &round_body(12, 24))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/opens_at"]);
    assert_eq!(
        app.post(&url, Some(&h.organizer.access), &round_body(25, 24))
            .await
            .status(),
        StatusCode::CREATED,
        "back to back is fine"
    );
    let mut practice = round_body(12, 24);
    practice["practice"] = json!(true);
    assert_eq!(
        app.post(&url, Some(&h.organizer.access), &practice)
            .await
            .status(),
        StatusCode::CREATED,
        "practice rounds may overlap"
    );
}

async fn questions_valid_for_only_part_of_the_round_do_not_count(app: &TestApp) {
    let h = host(app).await;
    let until = (Utc::now() + Duration::days(2)).date_naive();
    for i in 0..3 {
        let body = json!({
            "unit_id": h.root.into_uuid(),
            "text": format!("Theo Luật An ninh mạng 2018, điều {i} quy định gì?"),
            "options": [{"text": "A", "correct": true}, {"text": "B"}],
            "topic": {"code": "law", "name": "Luật"},
            "legal_basis": {"document": "Luật An ninh mạng 24/2018/QH14", "valid_until": until},
        });
        assert_eq!(
            app.post("/api/v1/questions", Some(&h.organizer.access), &body)
                .await
                .status(),
            StatusCode::CREATED
        );
    }
    let c = contest(app, &h, json!({})).await;
    let url = format!("/api/v1/contests/{}/rounds", c["id"].as_str().expect("id"));
    let mut body = round_body(1, 24);
    body["pool"] = json!({"quotas": [{"topic": "law", "count": 3}]});
    assert_eq!(
        app.post(&url, Some(&h.organizer.access), &body)
            .await
            .status(),
        StatusCode::CREATED,
        "valid for the whole round"
    );
    let mut later = round_body(24 * 5, 24);
    later["pool"] = json!({"quotas": [{"topic": "law", "count": 3}]});
    let problem = assert_problem(
        app.post(&url, Some(&h.organizer.access), &later).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        pointers(&problem),
        vec!["/pool/quotas/0/count"],
        "the law has expired by then"
    );
}

async fn once_started_only_the_close_time_may_be_extended(app: &TestApp) {
    let h = host(app).await;
    seed_questions(app, &h, "law", 2, "medium").await;
    seed_questions(app, &h, "history", 1, "easy").await;
    let c = contest(app, &h, json!({})).await;
    let created: Value = app
        .post(
            &format!("/api/v1/contests/{}/rounds", c["id"].as_str().expect("id")),
            Some(&h.organizer.access),
            &round_body(-1, 24),
        )
        .await
        .json()
        .await
        .expect("json");
    let id: uuid::Uuid = created["id"].as_str().expect("id").parse().expect("uuid");
    let url = format!("/api/v1/rounds/{id}");
    // Before anyone starts, anything may change.
    let r = app
        .patch(
            &url,
            Some(&h.organizer.access),
            &json!({"time_limit_seconds": 900}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    dautri_api::persistence::contests::mark_started(
        &app.state.db,
        RoundId::from_uuid(id),
        Utc::now(),
    )
    .await
    .expect("start");
    let problem = assert_problem(
        app.patch(
            &url,
            Some(&h.organizer.access),
            &json!({"time_limit_seconds": 1200}),
        )
        .await,
        StatusCode::CONFLICT,
        "round_started",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("close time")
    );
    assert_problem(app.patch(&url, Some(&h.organizer.access), &json!({"pool": {"quotas": [{"topic": "law", "count": 3}]}, "questions_per_attempt": 3})).await, StatusCode::CONFLICT, "round_started").await;
    let earlier = (Utc::now() + Duration::hours(1)).to_rfc3339();
    assert_problem(
        app.patch(
            &url,
            Some(&h.organizer.access),
            &json!({"closes_at": earlier}),
        )
        .await,
        StatusCode::CONFLICT,
        "round_started",
    )
    .await;
    let later = (Utc::now() + Duration::hours(48)).to_rfc3339();
    let r = app
        .patch(
            &url,
            Some(&h.organizer.access),
            &json!({"closes_at": later}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let body: Value = r.json().await.expect("json");
    assert_eq!(
        body["extensions"].as_array().map(Vec::len),
        Some(1),
        "the extension is recorded"
    );
    assert_eq!(body["time_limit_seconds"], 900);
}

/// The `(code, pointer)` of each warning in a round response.
fn warnings(round: &Value) -> Vec<(String, String)> {
    round["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("no warnings array: {round}"))
        .iter()
        .map(|w| {
            assert!(
                w["detail"].as_str().is_some_and(|d| !d.is_empty())
                    && w["detail_vi"]
                        .as_str()
                        .is_some_and(|d| d.contains("Nên bật lại")),
                "{w}"
            );
            (
                w["code"].as_str().expect("code").to_owned(),
                w["pointer"].as_str().expect("pointer").to_owned(),
            )
        })
        .collect()
}

async fn rounds_with_shuffle_off_warn_their_organizers(app: &TestApp) {
    let h = host(app).await;
    seed_questions(app, &h, "law", 3, "medium").await;
    seed_questions(app, &h, "history", 1, "easy").await;
    let c = contest(app, &h, json!({})).await;
    let url = format!("/api/v1/contests/{}/rounds", c["id"].as_str().expect("id"));
    let created = |body: Value| {
        let token = h.organizer.access.clone();
        let url = url.clone();
        async move {
            let r = app.post(&url, Some(&token), &body).await;
            assert_eq!(
                r.status(),
                StatusCode::CREATED,
                "{}",
                r.text().await.unwrap_or_default()
            );
            r.json::<Value>().await.expect("json")
        }
    };

    // Shuffling on (the default): saved, nothing to warn about.
    let shuffled = created(round_body(1, 24)).await;
    assert_eq!(warnings(&shuffled), vec![]);

    // Options in the bank's order: saved as asked, with a warning naming the setting.
    let mut fixed = round_body(48, 24);
    fixed["shuffle_options"] = json!(false);
    let fixed = created(fixed).await;
    assert_eq!(
        fixed["shuffle_options"], false,
        "the round is saved as asked"
    );
    assert_eq!(
        warnings(&fixed),
        vec![("shuffle_off".to_owned(), "/shuffle_options".to_owned())]
    );

    // Editing: turning question shuffling off too adds its own warning; turning both back on
    // clears them.
    let round_url = format!("/api/v1/rounds/{}", fixed["id"].as_str().expect("id"));
    let patch = |body: Value| {
        let token = h.organizer.access.clone();
        let round_url = round_url.clone();
        async move {
            let r = app.patch(&round_url, Some(&token), &body).await;
            assert_eq!(
                r.status(),
                StatusCode::OK,
                "{}",
                r.text().await.unwrap_or_default()
            );
            r.json::<Value>().await.expect("json")
        }
    };
    let both_off = patch(json!({"shuffle_questions": false})).await;
    assert_eq!(
        warnings(&both_off),
        vec![
            ("shuffle_off".to_owned(), "/shuffle_options".to_owned()),
            ("shuffle_off".to_owned(), "/shuffle_questions".to_owned()),
        ]
    );
    // Organizers see the warnings when they come back to the round, too.
    let read: Value = app
        .get(&round_url, Some(&h.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(warnings(&read).len(), 2);
    // Members never see them.
    let member = app.member(h.branch).await;
    let seen: Value = app
        .get(&round_url, Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    assert!(seen.get("warnings").is_none(), "{seen}");
    let on_again = patch(json!({"shuffle_questions": true, "shuffle_options": true})).await;
    assert_eq!(warnings(&on_again), vec![]);
}

/// The contest list is kept in memory (every member opens it as a round opens); an edit of a
/// contest or a round, or a new one, drops the copy, so the next read shows it.
async fn the_contest_list_shows_every_change_at_once(app: &TestApp) {
    let h = host(app).await;
    seed_questions(app, &h, "law", 2, "medium").await;
    seed_questions(app, &h, "history", 1, "easy").await;
    let member = app.member(h.branch).await;
    let list = || {
        let token = member.access.clone();
        async move {
            let list: Value = app
                .get("/api/v1/contests", Some(&token))
                .await
                .json()
                .await
                .expect("json");
            list["items"].as_array().cloned().unwrap_or_default()
        }
    };
    // Read twice before each change: the second read is served from the kept copy.
    assert!(list().await.is_empty());
    assert!(list().await.is_empty());
    let c = contest(app, &h, json!({})).await;
    let id = c["id"].clone();
    let listed = || async {
        let items = list().await;
        items
            .iter()
            .find(|item| item["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("the new contest is listed: {items:?}"))
    };
    assert_eq!(listed().await["round_count"], 0);
    assert_eq!(listed().await["status"], "draft");
    let url = format!("/api/v1/contests/{}", id.as_str().expect("id"));
    let r = app
        .patch(
            &url,
            Some(&h.organizer.access),
            &json!({"title": "Tìm hiểu Nghị quyết Đại hội Đoàn"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(listed().await["title"], "Tìm hiểu Nghị quyết Đại hội Đoàn");
    let r = app
        .post(
            &format!("{url}/rounds"),
            Some(&h.organizer.access),
            &round_body(1, 24),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let round: Value = r.json().await.expect("json");
    let item = listed().await;
    assert_eq!(item["round_count"], 1);
    assert_eq!(
        (at(&item["opens_at"]), at(&item["closes_at"])),
        (at(&round["opens_at"]), at(&round["closes_at"]))
    );
    let closes = Utc::now() + Duration::hours(60);
    let r = app
        .patch(
            &format!("/api/v1/rounds/{}", round["id"].as_str().expect("id")),
            Some(&h.organizer.access),
            &json!({"closes_at": closes.to_rfc3339()}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    assert_eq!(at(&listed().await["closes_at"]), closes.timestamp_millis());
}

/// A time in a response, to the millisecond (the databases keep microseconds at most).
fn at(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_default())
        .unwrap_or_else(|e| panic!("a time, not {v}: {e}"))
        .timestamp_millis()
}
