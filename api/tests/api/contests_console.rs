//! What the console's contest pages need from the server: the contest list with paging,
//! sorting, filters and diacritic-insensitive search; the live count of a round's pool; the
//! fields a started round locks; an organizer's preview that never counts; the default
//! eligibility of a new contest.

use chrono::{Duration, Utc};
use dautri_api::domain::ids::UnitId;
use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::contests::host;
use crate::helpers::{TestApp, TestUser, assert_problem, pointers};

both_backends!(
    the_contest_list_pages_sorts_filters_and_searches,
    the_pool_count_matches_what_a_round_may_draw,
    a_started_round_says_which_fields_are_locked,
    a_preview_never_counts,
    a_new_contest_is_for_the_host_units_members_by_default,
);

async fn seed(app: &TestApp, unit: UnitId, by: &TestUser, topic: &str, n: usize, level: &str) {
    for i in 0..n {
        let body = json!({
            "unit_id": unit.into_uuid(),
            "text": format!("Câu hỏi {topic} {level} số {i} của {}?", unit.into_uuid()),
            "options": [{"text": "Đúng", "correct": true}, {"text": "Sai"}],
            "kind": "true_false",
            "topic": {"code": topic, "name": topic},
            "difficulty": level,
        });
        let r = app.post("/api/v1/questions", Some(&by.access), &body).await;
        assert_eq!(
            r.status(),
            StatusCode::CREATED,
            "{}",
            r.text().await.unwrap_or_default()
        );
    }
}

async fn contest(app: &TestApp, by: &TestUser, body: Value) -> Value {
    let r = app.post("/api/v1/contests", Some(&by.access), &body).await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    r.json().await.expect("json")
}

/// A round of 2 `law` questions opening `opens_in_minutes` from now for `hours`.
fn round_body(opens_in_minutes: i64, hours: i64) -> Value {
    let opens = Utc::now() + Duration::minutes(opens_in_minutes);
    json!({
        "name": "Tuần 1",
        "opens_at": opens.to_rfc3339(),
        "closes_at": (opens + Duration::hours(hours)).to_rfc3339(),
        "questions_per_attempt": 2,
        "time_limit_seconds": 600,
        "attempts_allowed": 1,
        "pool": {"quotas": [{"topic": "law", "count": 2}]},
        "review": "score_only",
    })
}

async fn round(app: &TestApp, by: &TestUser, contest: &Value, body: &Value) -> Value {
    let r = app
        .post(
            &format!(
                "/api/v1/contests/{}/rounds",
                contest["id"].as_str().expect("id")
            ),
            Some(&by.access),
            body,
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    r.json().await.expect("json")
}

async fn list(app: &TestApp, who: &TestUser, query: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/contests?{query}"), Some(&who.access))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{query}: {}",
        r.text().await.unwrap_or_default()
    );
    r.json().await.expect("json")
}

fn titles(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["title"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn the_contest_list_pages_sorts_filters_and_searches(app: &TestApp) {
    let h = host(app).await;
    seed(app, h.root, &h.organizer, "law", 2, "easy").await;
    let eligible = json!({"unit_id": h.root.into_uuid()});
    let cyber = contest(app, &h.organizer, json!({"title": "Tìm hiểu Luật An ninh mạng", "unit_id": h.root.into_uuid(), "eligibility": eligible})).await;
    contest(app, &h.organizer, json!({"title": "Rung chuông vàng", "unit_id": h.branch.into_uuid(), "eligibility": {"unit_id": h.branch.into_uuid()}})).await;
    contest(app, &h.organizer, json!({"title": "Ôn tập lịch sử Đoàn", "unit_id": h.root.into_uuid(), "kind": "practice", "eligibility": eligible})).await;
    // The cyber-security contest has a round running now: it is open.
    round(app, &h.organizer, &cyber, &round_body(-5, 24)).await;

    // Newest first by default, a page at a time, with the total.
    let page = list(app, &h.organizer, "limit=2").await;
    assert_eq!(page["total"], 3);
    assert_eq!(
        titles(&page),
        vec!["Ôn tập lịch sử Đoàn", "Rung chuông vàng"]
    );
    let page = list(app, &h.organizer, "limit=2&offset=2").await;
    assert_eq!(titles(&page), vec!["Tìm hiểu Luật An ninh mạng"]);
    assert_eq!(page["items"][0]["status"], "open");
    assert_eq!(page["items"][0]["round_count"], 1);
    assert!(page["items"][0]["opens_at"].is_string());

    // Search ignores case and diacritics.
    for q in ["an%20ninh%20mang", "AN%20NINH", "m%E1%BA%A1ng"] {
        assert_eq!(
            titles(&list(app, &h.organizer, &format!("q={q}")).await),
            vec!["Tìm hiểu Luật An ninh mạng"],
            "{q}"
        );
    }
    assert_eq!(list(app, &h.organizer, "q=khong%20co").await["total"], 0);

    // Filters: status, kind, host unit's subtree, and they combine.
    assert_eq!(
        titles(&list(app, &h.organizer, "status=open").await),
        vec!["Tìm hiểu Luật An ninh mạng"]
    );
    assert_eq!(list(app, &h.organizer, "status=draft").await["total"], 2);
    assert_eq!(list(app, &h.organizer, "status=ended").await["total"], 0);
    assert_eq!(
        titles(&list(app, &h.organizer, "kind=practice").await),
        vec!["Ôn tập lịch sử Đoàn"]
    );
    assert_eq!(
        titles(
            &list(
                app,
                &h.organizer,
                &format!("unit_id={}", h.branch.into_uuid())
            )
            .await
        ),
        vec!["Rung chuông vàng"]
    );
    assert_eq!(
        list(
            app,
            &h.organizer,
            &format!("unit_id={}", h.root.into_uuid())
        )
        .await["total"],
        3
    );
    assert_eq!(
        list(app, &h.organizer, "status=draft&kind=contest").await["total"],
        1
    );

    // Sorting by title follows Vietnamese letters without their marks; order flips it.
    assert_eq!(
        titles(&list(app, &h.organizer, "sort=title").await),
        vec![
            "Ôn tập lịch sử Đoàn",
            "Rung chuông vàng",
            "Tìm hiểu Luật An ninh mạng"
        ]
    );
    assert_eq!(
        titles(&list(app, &h.organizer, "sort=title&order=desc").await)[0],
        "Tìm hiểu Luật An ninh mạng"
    );
    // By first opening: contests without rounds come last.
    assert_eq!(
        titles(&list(app, &h.organizer, "sort=opens_at").await)[0],
        "Tìm hiểu Luật An ninh mạng"
    );

    // A member of the branch sees what they may enter, and manages nothing.
    let member = app.member(h.branch).await;
    assert_eq!(list(app, &member, "").await["total"], 3);
    assert_eq!(list(app, &member, "managed=true").await["total"], 0);
    assert_eq!(list(app, &h.organizer, "managed=true").await["total"], 3);
    // Someone of another tree sees none of them.
    let outsider = app.member(h.other).await;
    assert_eq!(list(app, &outsider, "").await["total"], 0);

    // Bad values are named.
    for (query, pointer) in [
        ("limit=0", "/limit"),
        ("limit=201", "/limit"),
        ("status=running", "/status"),
        ("kind=quiz", "/kind"),
        ("sort=prize", "/sort"),
        ("order=up", "/order"),
        ("unit_id=nope", "/unit_id"),
        ("offset=-1", "/offset"),
        ("q=a%00b", "/q"),
    ] {
        let problem = assert_problem(
            app.get(
                &format!("/api/v1/contests?{query}"),
                Some(&h.organizer.access),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&problem), vec![pointer.to_owned()], "{query}");
    }
    let unknown = uuid::Uuid::now_v7();
    assert_problem(
        app.get(
            &format!("/api/v1/contests?unit_id={unknown}"),
            Some(&h.organizer.access),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

async fn count(app: &TestApp, who: &TestUser, body: &Value) -> reqwest::Response {
    app.post("/api/v1/pool-availability", Some(&who.access), body)
        .await
}

async fn the_pool_count_matches_what_a_round_may_draw(app: &TestApp) {
    let h = host(app).await;
    seed(app, h.root, &h.organizer, "law", 3, "easy").await;
    seed(app, h.root, &h.organizer, "history", 2, "medium").await;
    // Questions of another tree are not in the host's bank.
    let stranger = app
        .with_roles(h.other, &[(Role::Organizer, Some(h.other))])
        .await;
    seed(app, h.other, &stranger, "history", 5, "easy").await;

    let body = json!({"unit_id": h.root.into_uuid(), "pool": {"quotas": [
        {"topic": "law", "count": 3},
        {"topic": "history", "difficulty": "easy", "count": 1},
        {"topic": "history", "difficulty": "medium", "count": 3},
    ]}});
    let r = count(app, &h.organizer, &body).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        v,
        json!({"enough": false, "items": [
            {"requested": 3, "available": 3, "enough": true},
            {"requested": 1, "available": 0, "enough": false},
            {"requested": 3, "available": 2, "enough": false},
        ]})
    );
    let fine = json!({"unit_id": h.root.into_uuid(), "pool": {"quotas": [{"topic": "law", "difficulty": "easy", "count": 2}]}, "opens_at": Utc::now().to_rfc3339(), "closes_at": (Utc::now() + Duration::days(3)).to_rfc3339()});
    let v: Value = count(app, &h.organizer, &fine)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(v["enough"], true);
    assert_eq!(v["items"][0]["available"], 3);

    // A list of questions: unknown ones are not available.
    let mine: Value = app
        .get("/api/v1/questions?topic=law", Some(&h.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    let ids: Vec<Value> = mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|q| q["id"].clone())
        .collect();
    let mut listed = ids.clone();
    listed.push(json!(uuid::Uuid::now_v7()));
    let v: Value = count(
        app,
        &h.organizer,
        &json!({"unit_id": h.root.into_uuid(), "pool": {"question_ids": listed}}),
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(
        v["items"],
        json!([{"requested": 4, "available": 3, "enough": false}])
    );

    // The round's creation refuses exactly what the count says cannot be filled.
    let c = contest(
        app,
        &h.organizer,
        json!({"title": "Cuộc thi đếm câu hỏi", "unit_id": h.root.into_uuid()}),
    )
    .await;
    let mut too_many = round_body(60, 24);
    too_many["questions_per_attempt"] = json!(4);
    too_many["pool"] = json!({"quotas": [{"topic": "law", "count": 3}, {"topic": "history", "difficulty": "easy", "count": 1}]});
    let problem = assert_problem(
        app.post(
            &format!("/api/v1/contests/{}/rounds", c["id"].as_str().expect("id")),
            Some(&h.organizer.access),
            &too_many,
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/pool/quotas/1/count"]);
    too_many["pool"]["quotas"][1]["difficulty"] = json!("medium");
    round(app, &h.organizer, &c, &too_many).await;

    // Only the host's organizers may count: another tree's organizer gets the unit's 404,
    // a member 403.
    let r = count(app, &stranger, &body).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let member = app.member(h.branch).await;
    assert_eq!(
        count(app, &member, &body).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post("/api/v1/pool-availability", None, &body)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // Bad requests are named.
    let quotas: Vec<Value> = (0..201)
        .map(|i| json!({"topic": format!("t{i}"), "count": 1}))
        .collect();
    let problem = assert_problem(
        count(
            app,
            &h.organizer,
            &json!({"unit_id": h.root.into_uuid(), "pool": {"quotas": quotas}}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/pool"]);
    let now = Utc::now().to_rfc3339();
    let problem = assert_problem(count(app, &h.organizer, &json!({"unit_id": h.root.into_uuid(), "pool": {"quotas": []}, "opens_at": now, "closes_at": now})).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&problem), vec!["/closes_at"]);
    let problem = assert_problem(
        count(
            app,
            &h.organizer,
            &json!({"unit_id": h.root.into_uuid(), "pool": {"quotas": []}, "opens_at": now}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/closes_at"]);
    assert_problem(count(app, &h.organizer, &json!({"unit_id": h.root.into_uuid(), "pool": {"quotas": [{"topic": "law", "count": 1, "weight": 2}]}})).await, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

async fn a_started_round_says_which_fields_are_locked(app: &TestApp) {
    let h = host(app).await;
    seed(app, h.root, &h.organizer, "law", 2, "easy").await;
    let c = contest(
        app,
        &h.organizer,
        json!({"title": "Cuộc thi khóa cài đặt", "unit_id": h.root.into_uuid()}),
    )
    .await;
    let created = round(app, &h.organizer, &c, &round_body(-5, 24)).await;
    assert!(
        created.get("locks").is_none(),
        "nothing is locked before anyone starts"
    );
    let url = format!("/api/v1/rounds/{}", created["id"].as_str().expect("id"));

    let member = app.member(h.branch).await;
    let r = app
        .post(&format!("{url}/attempts"), Some(&member.access), &json!({}))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );

    let seen: Value = app
        .get(&url, Some(&h.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    let locks = &seen["locks"];
    assert_eq!(locks["reason"], "round_started");
    assert!(locks["since"].is_string());
    assert_eq!(locks["later_only"], json!(["closes_at"]));
    let fields: Vec<&str> = locks["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for f in [
        "pool",
        "questions_per_attempt",
        "time_limit_seconds",
        "opens_at",
        "review",
        "attempts_allowed",
    ] {
        assert!(fields.contains(&f), "{f} locked");
    }
    assert!(!fields.contains(&"name") && !fields.contains(&"closes_at"));
    // The server refuses every locked field and lets the others through, as it says.
    for f in &fields {
        let change = match *f {
            "opens_at" => json!({"opens_at": (Utc::now() - Duration::hours(2)).to_rfc3339()}),
            "questions_per_attempt" => json!({"questions_per_attempt": 1}),
            "time_limit_seconds" => json!({"time_limit_seconds": 900}),
            "attempts_allowed" => json!({"attempts_allowed": 3}),
            "shuffle_questions" => json!({"shuffle_questions": false}),
            "shuffle_options" => json!({"shuffle_options": false}),
            "pool" => {
                json!({"pool": {"quotas": [{"topic": "law", "difficulty": "easy", "count": 2}]}})
            }
            "prediction" => json!({"prediction": "participants"}),
            "points_per_question" => json!({"points_per_question": 5}),
            "review" => json!({"review": "none"}),
            "practice" => json!({"practice": true}),
            "theory" => continue,
            other => panic!("a locked field without a test: {other}"),
        };
        assert_problem(
            app.patch(&url, Some(&h.organizer.access), &change).await,
            StatusCode::CONFLICT,
            "round_started",
        )
        .await;
    }
    let later = (Utc::now() + Duration::hours(48)).to_rfc3339();
    let r = app
        .patch(
            &url,
            Some(&h.organizer.access),
            &json!({"name": "Tuần 1 (gia hạn)", "closes_at": later}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Members never see the locks (nor the pool).
    let theirs: Value = app
        .get(&url, Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    assert!(theirs.get("locks").is_none() && theirs.get("pool").is_none());
}

async fn a_preview_never_counts(app: &TestApp) {
    let h = host(app).await;
    seed(app, h.root, &h.organizer, "law", 2, "easy").await;
    let c = contest(
        app,
        &h.organizer,
        json!({"title": "Cuộc thi xem thử", "unit_id": h.root.into_uuid()}),
    )
    .await;
    // Before the round opens, an organizer takes it as a member would.
    let upcoming = round(app, &h.organizer, &c, &round_body(120, 24)).await;
    let url = format!("/api/v1/rounds/{}", upcoming["id"].as_str().expect("id"));
    let r = app
        .post(
            &format!("{url}/preview"),
            Some(&h.organizer.access),
            &json!({}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let attempt: Value = r.json().await.expect("json");
    assert_eq!(attempt["practice"], true);
    assert_eq!(attempt["questions"].as_array().map(Vec::len), Some(2));
    let id = attempt["id"].as_str().expect("id");
    for q in attempt["questions"].as_array().expect("questions") {
        let option = &q["options"][0]["id"];
        let r = app
            .put(
                &format!(
                    "/api/v1/attempts/{id}/answers/{}",
                    q["id"].as_str().expect("qid")
                ),
                Some(&h.organizer.access),
                &json!({"option_ids": [option]}),
            )
            .await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "{}",
            r.text().await.unwrap_or_default()
        );
    }
    let r = app
        .post(
            &format!("/api/v1/attempts/{id}/finish"),
            Some(&h.organizer.access),
            &json!({}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let result: Value = r.json().await.expect("json");
    assert_eq!(result["counted"], false, "{result}");
    // Nor do its answers reach the questions' item statistics: an organizer who knows the
    // key (or clicks through) is not an entrant.
    for q in attempt["questions"].as_array().expect("questions") {
        let qid = q["id"].as_str().expect("qid");
        let stats: Value = app
            .get(
                &format!("/api/v1/questions/{qid}/stats"),
                Some(&h.organizer.access),
            )
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(stats["times_shown"], 0, "a preview counted in {stats}");
    }
    // The round is not started: nothing is locked and every setting may still change.
    let seen: Value = app
        .get(&url, Some(&h.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    assert!(
        seen["started_at"].is_null() && seen.get("locks").is_none(),
        "{seen}"
    );
    let r = app
        .patch(
            &url,
            Some(&h.organizer.access),
            &json!({"time_limit_seconds": 900}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    // In a running round: a preview appears on no board and in no result, and leaves the
    // member's own attempt untouched.
    let running = round(app, &h.organizer, &c, &{
        let mut b = round_body(-5, 1);
        b["name"] = json!("Tuần 2");
        b
    })
    .await;
    let rid = running["id"].as_str().expect("id");
    let preview: Value = app
        .post(
            &format!("/api/v1/rounds/{rid}/preview"),
            Some(&h.organizer.access),
            &json!({}),
        )
        .await
        .json()
        .await
        .expect("json");
    let pid = preview["id"].as_str().expect("id");
    let r = app
        .post(
            &format!("/api/v1/attempts/{pid}/finish"),
            Some(&h.organizer.access),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Organizers may still preview again (a preview uses no attempt).
    let again = app
        .post(
            &format!("/api/v1/rounds/{rid}/preview"),
            Some(&h.organizer.access),
            &json!({}),
        )
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    let board: Value = app
        .get(
            &format!("/api/v1/rounds/{rid}/leaderboard"),
            Some(&h.organizer.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(board["total"], 0, "{board}");
    let seen: Value = app
        .get(&format!("/api/v1/rounds/{rid}"), Some(&h.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    assert!(
        seen["started_at"].is_null(),
        "a preview does not start the round"
    );

    let member = app.member(h.branch).await;
    let mine: Value = app
        .post(
            &format!("/api/v1/rounds/{rid}/attempts"),
            Some(&member.access),
            &json!({}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(mine["practice"], false);
    let mid = mine["id"].as_str().expect("id");
    let r = app
        .post(
            &format!("/api/v1/attempts/{mid}/finish"),
            Some(&member.access),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let board: Value = app
        .get(
            &format!("/api/v1/rounds/{rid}/leaderboard"),
            Some(&h.organizer.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(board["total"], 1, "only the member's attempt: {board}");

    // A member may not preview (403: they may enter, not organise); an outsider gets 404.
    assert_problem(
        app.post(
            &format!("/api/v1/rounds/{rid}/preview"),
            Some(&member.access),
            &json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let outsider = app.member(h.other).await;
    assert_eq!(
        app.post(
            &format!("/api/v1/rounds/{rid}/preview"),
            Some(&outsider.access),
            &json!({})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.post(
            &format!("/api/v1/rounds/{}/preview", uuid::Uuid::now_v7()),
            Some(&h.organizer.access),
            &json!({})
        )
        .await
        .status(),
        StatusCode::NOT_FOUND
    );
}

async fn a_new_contest_is_for_the_host_units_members_by_default(app: &TestApp) {
    let h = host(app).await;
    let c = contest(
        app,
        &h.organizer,
        json!({"title": "Cuộc thi mặc định", "unit_id": h.branch.into_uuid()}),
    )
    .await;
    assert_eq!(c["eligibility"]["unit_id"], json!(h.branch.into_uuid()));
    assert_eq!(c["eligibility"]["managers_may_enter"], false);
    assert_eq!(c["status"], "draft");
    let inside = app.member(h.branch).await;
    let beside = app.member(h.root).await;
    let id = c["id"].as_str().expect("id");
    assert_eq!(
        app.get(&format!("/api/v1/contests/{id}"), Some(&inside.access))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/api/v1/contests/{id}"), Some(&beside.access))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Saying so opens it to anyone registered.
    let open = contest(
        app,
        &h.organizer,
        json!({"title": "Cuộc thi mở", "unit_id": h.root.into_uuid(), "eligibility": {"unit_id": null}}),
    )
    .await;
    assert!(open["eligibility"]["unit_id"].is_null());
    // A branch may not open its contest beyond every subtree (issue #11, 10), whoever hosts it
    // there; nor may an edit.
    let branch_organizer = app
        .with_roles(h.branch, &[(Role::Organizer, Some(h.branch))])
        .await;
    for who in [&branch_organizer, &h.organizer] {
        let problem = assert_problem(
            app.post(
                "/api/v1/contests",
                Some(&who.access),
                &json!({"title": "Cuộc thi mở rộng", "unit_id": h.branch.into_uuid(), "eligibility": {"unit_id": null}}),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&problem), vec!["/eligibility/unit_id"]);
    }
    let problem = assert_problem(
        app.patch(
            &format!("/api/v1/contests/{id}"),
            Some(&branch_organizer.access),
            &json!({"eligibility": {"unit_id": null}}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/eligibility/unit_id"]);
    // Nor beyond its own subtree.
    let problem = assert_problem(
        app.post(
            "/api/v1/contests",
            Some(&branch_organizer.access),
            &json!({"title": "Cuộc thi của chi đoàn", "unit_id": h.branch.into_uuid(), "eligibility": {"unit_id": h.root.into_uuid()}}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/eligibility/unit_id"]);
}
