//! A unit's participation per recent round, for the console's unit page: distinct entrants of
//! the unit's subtree against its recorded member count, finished attempts, and scores only
//! where the round's review policy shows them; scoped like the unit's other manager endpoints.

use std::collections::HashMap;

use chrono::Utc;
use dautri_api::domain::ids::UnitId;
use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both_backends;
use crate::helpers::{TestApp, TestUser, assert_problem};

both_backends!(participation_per_round_counts_a_subtree_and_pages,);

fn code(prefix: &str) -> String {
    format!("{prefix}{}", &Uuid::now_v7().simple().to_string()[20..])
}

async fn ok_json(r: reqwest::Response) -> Value {
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).expect("json")
}

/// A contest open to `unit`'s subtree with one round of two questions (10 points each).
async fn contest_round(
    app: &TestApp,
    organizer: &TestUser,
    unit: UnitId,
    title: &str,
    review: &str,
    opened_s_ago: i64,
) -> String {
    let contest = ok_created(
        app.post(
            "/api/v1/contests",
            Some(&organizer.access),
            &json!({"title": title, "unit_id": unit.into_uuid(), "eligibility": {"unit_id": unit.into_uuid()},
                    "leaderboard_visibility": "public"}),
        )
        .await,
    )
    .await;
    let now = Utc::now();
    let round = ok_created(
        app.post(
            &format!(
                "/api/v1/contests/{}/rounds",
                contest["id"].as_str().expect("id")
            ),
            Some(&organizer.access),
            &json!({
                "name": format!("Vòng của {title}"),
                "opens_at": (now - chrono::Duration::seconds(opened_s_ago)).to_rfc3339(),
                "closes_at": (now + chrono::Duration::seconds(3600)).to_rfc3339(),
                "questions_per_attempt": 2, "time_limit_seconds": 600,
                "pool": {"quotas": [{"topic": "law", "count": 2}]},
                "points_per_question": 10, "review": review,
            }),
        )
        .await,
    )
    .await;
    round["id"].as_str().expect("id").to_owned()
}

async fn ok_created(r: reqwest::Response) -> Value {
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    serde_json::from_str(&body).expect("json")
}

/// `member` takes an attempt at `round` with `right` correct answers and finishes it.
async fn take(
    app: &TestApp,
    key: &HashMap<String, String>,
    round: &str,
    member: &TestUser,
    right: usize,
) {
    let attempt = ok_created(
        app.post(
            &format!("/api/v1/rounds/{round}/attempts"),
            Some(&member.access),
            &json!({}),
        )
        .await,
    )
    .await;
    let id = attempt["id"].as_str().expect("id").to_owned();
    for (i, q) in attempt["questions"]
        .as_array()
        .expect("q")
        .iter()
        .enumerate()
    {
        let qid = q["id"].as_str().expect("id");
        let pick = if i < right {
            key[qid].clone()
        } else {
            q["options"]
                .as_array()
                .expect("options")
                .iter()
                .map(|o| o["id"].as_str().expect("id").to_owned())
                .find(|o| *o != key[qid])
                .expect("a wrong option")
        };
        let r = app
            .put(
                &format!("/api/v1/attempts/{id}/answers/{qid}"),
                Some(&member.access),
                &json!({"option_ids": [pick]}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = app
        .post(
            &format!("/api/v1/attempts/{id}/finish"),
            Some(&member.access),
            &json!({}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

fn url(unit: UnitId, query: &str) -> String {
    format!(
        "/api/v1/units/{}/participation/contests{query}",
        unit.into_uuid()
    )
}

async fn participation_per_round_counts_a_subtree_and_pages(app: &TestApp) {
    let root = app.unit(&code("R"), None).await;
    let a = app.unit(&code("A"), Some(root)).await;
    let b = app.unit(&code("B"), Some(root)).await;
    let organizer = app
        .with_roles(
            root,
            &[(Role::UnitAdmin, Some(root)), (Role::Organizer, Some(root))],
        )
        .await;
    let manager = |unit: UnitId| async move {
        app.with_roles(
            unit,
            &[(Role::UnitAdmin, Some(unit)), (Role::Organizer, Some(unit))],
        )
        .await
    };
    let (manager_a, manager_b) = (manager(a).await, manager(b).await);
    let mut key = HashMap::new();
    for i in 0..2 {
        let q = ok_created(
            app.post(
                "/api/v1/questions",
                Some(&organizer.access),
                &json!({
                    "unit_id": root.into_uuid(), "kind": "single",
                    "text": format!("Câu hỏi số {i}: đáp án đúng là A?"),
                    "options": [{"text": "A", "correct": true}, {"text": "B"}, {"text": "C"}],
                    "topic": {"code": "law", "name": "Pháp luật"},
                }),
            )
            .await,
        )
        .await;
        let correct = q["options"]
            .as_array()
            .expect("options")
            .iter()
            .find(|o| o["correct"] == true)
            .expect("correct")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        key.insert(q["id"].as_str().expect("id").to_owned(), correct);
    }
    // The older round shows scores; the newer one hides them.
    let shown = contest_round(
        app,
        &organizer,
        root,
        "Tìm hiểu Hiến pháp",
        "score_only",
        600,
    )
    .await;
    let hidden = contest_round(app, &organizer, root, "Tìm hiểu lịch sử Đoàn", "none", 60).await;
    let (a1, a2, a3) = (
        app.member(a).await,
        app.member(a).await,
        app.member(a).await,
    );
    let b1 = app.member(b).await;
    // In the shown round: a1 twice (20 and 10), a2 once (0), a3 not at all, b1 once (20).
    take(app, &key, &shown, &a1, 2).await;
    take(app, &key, &shown, &a1, 1).await;
    take(app, &key, &shown, &a2, 0).await;
    take(app, &key, &shown, &b1, 2).await;
    // In the hidden round: a3 only.
    take(app, &key, &hidden, &a3, 2).await;
    drop(a3);
    ok_json(
        app.patch(
            &format!("/api/v1/units/{}", a.into_uuid()),
            Some(&organizer.access),
            &json!({"member_count": 8, "member_count_date": "2026-01-01"}),
        )
        .await,
    )
    .await;

    let page = ok_json(app.get(&url(a, ""), Some(&manager_a.access)).await).await;
    assert_eq!(page["total"], 2, "{page}");
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    // Newest first: the hidden round, with counts but no scores.
    assert_eq!(items[0]["round_id"], json!(hidden));
    assert_eq!(items[0]["contest_title"], "Tìm hiểu lịch sử Đoàn");
    assert_eq!(items[0]["entrants"], 1);
    assert_eq!(items[0]["attempts"], 1);
    assert_eq!(items[0]["scores_shown"], false);
    assert_eq!(items[0]["average_score"], Value::Null);
    assert_eq!(items[0]["best_score"], Value::Null);
    let s = &items[1];
    assert_eq!(s["round_id"], json!(shown));
    assert_eq!(s["entrants"], 2, "{s}");
    assert_eq!(s["members"], 8);
    assert_eq!(s["attempts"], 3);
    assert_eq!(s["rate_text"], "2/8 = 25.0%");
    assert_eq!(s["rate_percent"], 25.0);
    assert_eq!(s["scores_shown"], true);
    assert_eq!(s["average_score"], 10.0, "{s}");
    assert_eq!(s["best_score"], 20);

    // The root counts both branches, and without a member count has no rate.
    let page = ok_json(app.get(&url(root, ""), Some(&organizer.access)).await).await;
    let s = &page["items"][1];
    assert_eq!(s["entrants"], 3, "{s}");
    assert_eq!(s["attempts"], 4);
    assert_eq!(s["rate_percent"], Value::Null);
    assert_eq!(s["rate_text"], "3/–");
    assert_eq!(s["best_score"], 20);

    // Paging, newest first.
    let first = ok_json(app.get(&url(a, "?limit=1"), Some(&manager_a.access)).await).await;
    assert_eq!(first["total"], 2);
    assert_eq!(first["items"].as_array().expect("items").len(), 1);
    assert_eq!(first["items"][0]["round_id"], json!(hidden));
    let second = ok_json(
        app.get(&url(a, "?limit=1&offset=1"), Some(&manager_a.access))
            .await,
    )
    .await;
    assert_eq!(second["items"][0]["round_id"], json!(shown));
    let r = app.get(&url(a, "?limit=0"), Some(&manager_a.access)).await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // Another branch's manager does not see A; a plain member may not ask at all.
    let r = app.get(&url(a, ""), Some(&manager_b.access)).await;
    assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = app.get(&url(a, ""), Some(&b1.access)).await;
    assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = app.get(&url(a, ""), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
