//! Unit transfer requests (issue #14): a member asks to move to another unit from their account
//! page; a manager of the receiving unit approves (the member's unit changes, the audit log
//! records it, past attempts keep their unit) or rejects with a note. One pending request at a
//! time; the member may cancel it; managers see the requests of their subtree only.

use chrono::Utc;
use dautri_api::domain::ids::AttemptId;
use dautri_api::domain::ids::UnitId;
use dautri_api::domain::role::Role;
use dautri_api::persistence;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both_backends;
use crate::helpers::{TestApp, TestUser, assert_problem, pointers};

both_backends!(
    an_approved_transfer_moves_the_member_and_is_audited,
    a_member_has_one_pending_request_at_a_time_and_may_cancel_it,
    a_rejection_needs_a_note_and_the_member_reads_it,
    managers_outside_the_receiving_unit_cannot_decide,
    bad_transfer_requests_are_problems_naming_the_field,
    a_member_moved_out_of_a_contest_no_longer_sees_its_boards,
    a_unit_newer_than_the_tree_held_in_memory_is_read_from_the_database,
);

/// Starts and board reads place units by the tree held in memory. A unit made behind the
/// server's back (here written straight to the database, as the command line or another
/// instance a moment ago would) is not in that copy yet: a start or a board read that meets it
/// asks the database, so a member of a new unit enters and sees the board at once.
async fn a_unit_newer_than_the_tree_held_in_memory_is_read_from_the_database(app: &TestApp) {
    let t = tree(app).await;
    let round = open_round(app, t.root).await;
    let reader = app.member(t.from).await;
    // The server now holds a copy of the tree, without the unit made below.
    assert_eq!(
        app.get(
            &format!("/api/v1/rounds/{round}/leaderboard"),
            Some(&reader.access)
        )
        .await
        .status(),
        StatusCode::OK
    );
    let newer = app.unit(&code("N"), Some(t.root)).await;
    let member = app.member(newer).await;
    // Hosted by the new unit too (its own bank), and open to it alone.
    let round = open_round_for(app, newer, newer).await;
    attempt(app, &member, &round).await;
    let mine = json_of(
        app.get(
            &format!("/api/v1/rounds/{round}/leaderboard/me"),
            Some(&member.access),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["ranked"], true);
    assert_eq!(mine["total"], 1, "alone on the round's board");
}

/// Who may see a board is decided from a copy of each person's unit kept in memory (read again
/// every few seconds): a member moved out of the contest's eligible subtree loses its boards
/// with the very next read, not when the copy is next read.
async fn a_member_moved_out_of_a_contest_no_longer_sees_its_boards(app: &TestApp) {
    let t = tree(app).await;
    let member = app.member(t.from).await;
    let receiving = app.with_roles(t.to, &[(Role::UnitAdmin, Some(t.to))]).await;
    let round = open_round_for(app, t.root, t.from).await;
    let board = format!("/api/v1/rounds/{round}/leaderboard");
    let place = format!("{board}/me");
    for url in [&board, &place, &board] {
        assert_eq!(
            app.get(url, Some(&member.access)).await.status(),
            StatusCode::OK,
            "{url}"
        );
    }
    let made = json_of(ask(app, &member, t.to, None).await, StatusCode::CREATED).await;
    let id = made["id"].as_str().expect("id").to_owned();
    json_of(
        decide(app, &receiving, &id, "approve", json!({})).await,
        StatusCode::OK,
    )
    .await;
    for url in [&board, &place] {
        assert_problem(
            app.get(url, Some(&member.access)).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
}

fn code(prefix: &str) -> String {
    format!("{prefix}{}", &Uuid::now_v7().simple().to_string()[20..])
}

async fn json_of(r: reqwest::Response, status: StatusCode) -> Value {
    let actual = r.status();
    let body = r.text().await.unwrap_or_default();
    assert_eq!(actual, status, "{body}");
    serde_json::from_str(&body).expect("json")
}

/// Two sibling units under a root: the member's and the one they move to.
struct Tree {
    root: UnitId,
    from: UnitId,
    to: UnitId,
}

async fn tree(app: &TestApp) -> Tree {
    let root = app.unit(&code("R"), None).await;
    let from = app.unit(&code("F"), Some(root)).await;
    let to = app.unit(&code("T"), Some(root)).await;
    Tree { root, from, to }
}

async fn ask(
    app: &TestApp,
    member: &TestUser,
    to: UnitId,
    reason: Option<&str>,
) -> reqwest::Response {
    app.post(
        "/api/v1/me/unit-transfers",
        Some(&member.access),
        &json!({"to_unit_id": to.into_uuid(), "reason": reason}),
    )
    .await
}

async fn decide(
    app: &TestApp,
    who: &TestUser,
    id: &str,
    verb: &str,
    body: Value,
) -> reqwest::Response {
    app.post(
        &format!("/api/v1/unit-transfers/{id}/{verb}"),
        Some(&who.access),
        &body,
    )
    .await
}

async fn unit_of(app: &TestApp, member: &TestUser) -> String {
    let me = json_of(
        app.get("/api/v1/me", Some(&member.access)).await,
        StatusCode::OK,
    )
    .await;
    me["unit_id"].as_str().expect("unit").to_owned()
}

/// A contest open to `root`'s subtree with a round of two questions, three attempts allowed.
async fn open_round(app: &TestApp, root: UnitId) -> String {
    open_round_for(app, root, root).await
}

/// The same, hosted by `root` and open to `eligible`'s subtree only.
async fn open_round_for(app: &TestApp, root: UnitId, eligible: UnitId) -> String {
    let organizer = app.with_roles(root, &[(Role::Organizer, Some(root))]).await;
    for i in 0..2 {
        json_of(
            app.post(
                "/api/v1/questions",
                Some(&organizer.access),
                &json!({
                    "unit_id": root.into_uuid(), "kind": "single",
                    "text": format!("Câu hỏi chuyển đơn vị {i}: đáp án đúng là A?"),
                    "options": [{"text": "A", "correct": true}, {"text": "B"}],
                    "explanation": "Vì A đúng.",
                    "topic": {"code": "law", "name": "Pháp luật"},
                }),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    let contest = json_of(
        app.post(
            "/api/v1/contests",
            Some(&organizer.access),
            &json!({"title": "Cuộc thi chuyển đơn vị", "unit_id": root.into_uuid(),
                    "eligibility": {"unit_id": eligible.into_uuid()}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let now = Utc::now();
    let round = json_of(
        app.post(
            &format!(
                "/api/v1/contests/{}/rounds",
                contest["id"].as_str().expect("id")
            ),
            Some(&organizer.access),
            &json!({
                "name": "Tuần thi thứ 1",
                "opens_at": (now - chrono::Duration::seconds(60)).to_rfc3339(),
                "closes_at": (now + chrono::Duration::seconds(3600)).to_rfc3339(),
                "questions_per_attempt": 2, "time_limit_seconds": 600, "attempts_allowed": 3,
                "pool": {"quotas": [{"topic": "law", "count": 2}]},
                "points_per_question": 10, "review": "score_only",
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    round["id"].as_str().expect("id").to_owned()
}

/// `member` starts an attempt at `round` and hands it in; the attempt's id.
async fn attempt(app: &TestApp, member: &TestUser, round: &str) -> Uuid {
    let started = json_of(
        app.post(
            &format!("/api/v1/rounds/{round}/attempts"),
            Some(&member.access),
            &json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = started["id"].as_str().expect("id").to_owned();
    let finished = app
        .post(
            &format!("/api/v1/attempts/{id}/finish"),
            Some(&member.access),
            &json!({}),
        )
        .await;
    assert_eq!(finished.status(), StatusCode::OK, "finish");
    id.parse().expect("uuid")
}

async fn an_approved_transfer_moves_the_member_and_is_audited(app: &TestApp) {
    // Arrange
    let t = tree(app).await;
    let member = app.member(t.from).await;
    let receiving = app.with_roles(t.to, &[(Role::UnitAdmin, Some(t.to))]).await;
    let sending = app
        .with_roles(t.from, &[(Role::UnitAdmin, Some(t.from))])
        .await;
    let round = open_round(app, t.root).await;
    let before = attempt(app, &member, &round).await;

    // Act: ask
    let made = json_of(
        ask(app, &member, t.to, Some("  Chuyển   nơi công tác ")).await,
        StatusCode::CREATED,
    )
    .await;
    let id = made["id"].as_str().expect("id").to_owned();
    assert_eq!(made["status"], "pending");
    assert_eq!(made["reason"], "Chuyển nơi công tác", "spaces collapsed");
    assert_eq!(made["from_unit"]["id"], t.from.into_uuid().to_string());
    assert_eq!(made["to_unit"]["id"], t.to.into_uuid().to_string());
    assert_eq!(made["to_unit"]["path"].as_array().map(Vec::len), Some(1));
    assert!(
        made["phone"].is_null(),
        "the member's own view has no phone"
    );

    let mine = json_of(
        app.get("/api/v1/me/unit-transfers", Some(&member.access))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], id.as_str());

    // The receiving unit's admin sees it pending and may decide it.
    let listed = json_of(
        app.get(
            &format!(
                "/api/v1/units/{}/unit-transfers?status=pending",
                t.to.into_uuid()
            ),
            Some(&receiving.access),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["total"], 1, "{listed}");
    let item = &listed["items"][0];
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["can_decide"], true);
    assert_eq!(item["phone"], member.phone.as_str());
    assert_eq!(item["full_name"], "Nguyễn Văn Thử");
    // The sending unit's admin sees it too, without the right to decide.
    let outgoing = json_of(
        app.get(
            &format!("/api/v1/units/{}/unit-transfers", t.from.into_uuid()),
            Some(&sending.access),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(outgoing["items"][0]["id"], id.as_str());
    assert_eq!(outgoing["items"][0]["can_decide"], false);

    // Act: approve
    let approved = json_of(
        decide(
            app,
            &receiving,
            &id,
            "approve",
            json!({"note": "Chào mừng"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decision_note"], "Chào mừng");
    assert_eq!(approved["decided_by_name"], "Nguyễn Văn Thử");
    assert!(approved["decided_at"].is_string());
    assert_eq!(unit_of(app, &member).await, t.to.into_uuid().to_string());
    let pending = json_of(
        app.get(
            &format!(
                "/api/v1/units/{}/unit-transfers?status=pending",
                t.to.into_uuid()
            ),
            Some(&receiving.access),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(pending["total"], 0);

    // The audit log has the approval at the receiving unit and the departure at the sending one.
    let log = json_of(
        app.get(
            "/api/v1/audit?action=unit_transfer.approve",
            Some(&receiving.access),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["subject_id"], id.as_str());
    assert_eq!(
        log["items"][0]["actor_id"],
        receiving.id.into_uuid().to_string()
    );
    assert_eq!(
        log["items"][0]["detail"]["to"],
        t.to.into_uuid().to_string()
    );
    let left = json_of(
        app.get(
            "/api/v1/audit?action=user.unit_change",
            Some(&sending.access),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(left["total"], 1, "{left}");
    assert_eq!(
        left["items"][0]["subject_id"],
        member.id.into_uuid().to_string()
    );

    // History is kept: the attempt made before stays with the old unit; the next one counts
    // for the new unit.
    let after = attempt(app, &member, &round).await;
    let old = persistence::attempts::get(&app.state.db, AttemptId::from_uuid(before))
        .await
        .expect("attempt");
    let new = persistence::attempts::get(&app.state.db, AttemptId::from_uuid(after))
        .await
        .expect("attempt");
    assert_eq!(old.unit_id, Some(t.from));
    assert_eq!(new.unit_id, Some(t.to));
}

async fn a_member_has_one_pending_request_at_a_time_and_may_cancel_it(app: &TestApp) {
    let t = tree(app).await;
    let member = app.member(t.from).await;
    let other = app.member(t.from).await;

    // Two requests at the same moment: one is stored, the other is refused.
    let (first, second) = tokio::join!(
        ask(app, &member, t.to, None),
        ask(app, &member, t.root, None)
    );
    let mut statuses = [first.status(), second.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    let conflict = if first.status() == StatusCode::CONFLICT {
        first
    } else {
        second
    };
    assert_problem(conflict, StatusCode::CONFLICT, "transfer_pending").await;
    assert_problem(
        ask(app, &member, t.to, None).await,
        StatusCode::CONFLICT,
        "transfer_pending",
    )
    .await;
    // The database holds the rule itself, whatever the code checks first.
    let second_row =
        persistence::transfers::insert(&app.state.db, member.id, t.from, t.to, None, Utc::now())
            .await;
    assert!(
        matches!(second_row, Err(persistence::PersistenceError::Duplicate(_))),
        "{second_row:?}"
    );

    let mine = json_of(
        app.get("/api/v1/me/unit-transfers", Some(&member.access))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["total"], 1);
    let id = mine["items"][0]["id"].as_str().expect("id").to_owned();
    let cancel = format!("/api/v1/me/unit-transfers/{id}/cancel");

    // Someone else's request reads as missing.
    assert_problem(
        app.post(&cancel, Some(&other.access), &json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let cancelled = json_of(
        app.post(&cancel, Some(&member.access), &json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_problem(
        app.post(&cancel, Some(&member.access), &json!({})).await,
        StatusCode::CONFLICT,
        "transfer_closed",
    )
    .await;
    assert_eq!(unit_of(app, &member).await, t.from.into_uuid().to_string());

    // With nothing pending, a new request is accepted; the history keeps both, newest first.
    let again = json_of(ask(app, &member, t.to, None).await, StatusCode::CREATED).await;
    let mine = json_of(
        app.get("/api/v1/me/unit-transfers", Some(&member.access))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["total"], 2);
    assert_eq!(mine["items"][0]["id"], again["id"]);
    assert_eq!(mine["items"][1]["status"], "cancelled");
}

async fn a_rejection_needs_a_note_and_the_member_reads_it(app: &TestApp) {
    let t = tree(app).await;
    let member = app.member(t.from).await;
    let organizer = app
        .with_roles(t.root, &[(Role::Organizer, Some(t.root))])
        .await;
    let made = json_of(ask(app, &member, t.to, None).await, StatusCode::CREATED).await;
    let id = made["id"].as_str().expect("id").to_owned();

    for body in [json!({}), json!({"note": "  "}), json!({"note": "x"})] {
        let problem = assert_problem(
            decide(app, &organizer, &id, "reject", body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&problem), ["/note"], "{body}");
    }
    let rejected = json_of(
        decide(
            app,
            &organizer,
            &id,
            "reject",
            json!({"note": "Chưa có xác nhận của chi đoàn nơi chuyển đến"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rejected["status"], "rejected");

    let mine = json_of(
        app.get("/api/v1/me/unit-transfers", Some(&member.access))
            .await,
        StatusCode::OK,
    )
    .await;
    let item = &mine["items"][0];
    assert_eq!(item["status"], "rejected");
    assert_eq!(
        item["decision_note"],
        "Chưa có xác nhận của chi đoàn nơi chuyển đến"
    );
    assert_eq!(item["decided_by_name"], "Nguyễn Văn Thử");
    assert_eq!(unit_of(app, &member).await, t.from.into_uuid().to_string());

    // A closed request cannot be decided again, either way.
    for verb in ["approve", "reject"] {
        assert_problem(
            decide(app, &organizer, &id, verb, json!({"note": "Lần nữa"})).await,
            StatusCode::CONFLICT,
            "transfer_closed",
        )
        .await;
    }
    let log = json_of(
        app.get(
            "/api/v1/audit?action=unit_transfer.reject",
            Some(&organizer.access),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(log["total"], 1, "{log}");
}

async fn managers_outside_the_receiving_unit_cannot_decide(app: &TestApp) {
    let t = tree(app).await;
    let elsewhere = app.unit(&code("E"), None).await;
    let member = app.member(t.from).await;
    let outsider = app
        .with_roles(elsewhere, &[(Role::UnitAdmin, Some(elsewhere))])
        .await;
    let sending = app
        .with_roles(t.from, &[(Role::Organizer, Some(t.from))])
        .await;
    let receiving = app.with_roles(t.to, &[(Role::Organizer, Some(t.to))]).await;
    let made = json_of(ask(app, &member, t.to, None).await, StatusCode::CREATED).await;
    let id = made["id"].as_str().expect("id").to_owned();

    // Outside the subtree: the unit's list and the request read as missing.
    assert_problem(
        app.get(
            &format!("/api/v1/units/{}/unit-transfers", t.to.into_uuid()),
            Some(&outsider.access),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let outsider_list = json_of(
        app.get(
            &format!("/api/v1/units/{}/unit-transfers", elsewhere.into_uuid()),
            Some(&outsider.access),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(outsider_list["total"], 0);
    assert_problem(
        decide(app, &outsider, &id, "approve", json!({})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // The sending side sees it but the receiving unit decides.
    assert_problem(
        decide(app, &sending, &id, "approve", json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // Members decide nothing, not even their own request.
    for who in [&member, &app.member(t.to).await] {
        assert_problem(
            app.get(
                &format!("/api/v1/units/{}/unit-transfers", t.to.into_uuid()),
                Some(&who.access),
            )
            .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        assert_problem(
            decide(app, who, &id, "approve", json!({})).await,
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
    }
    assert_eq!(unit_of(app, &member).await, t.from.into_uuid().to_string());
    // A manager does not decide their own request.
    let manager = app
        .with_roles(t.from, &[(Role::UnitAdmin, Some(t.root))])
        .await;
    let own = json_of(ask(app, &manager, t.to, None).await, StatusCode::CREATED).await;
    assert_problem(
        decide(
            app,
            &manager,
            own["id"].as_str().expect("id"),
            "approve",
            json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // The receiving unit's organizer may.
    let approved = json_of(
        decide(app, &receiving, &id, "approve", json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(approved["status"], "approved");
    assert!(approved["decision_note"].is_null());
}

async fn bad_transfer_requests_are_problems_naming_the_field(app: &TestApp) {
    let t = tree(app).await;
    let member = app.member(t.from).await;
    let admin = app.with_roles(t.root, &[(Role::Admin, None)]).await;
    let cases: [(Value, &str, &str); 5] = [
        (
            json!({"to_unit_id": Uuid::now_v7()}),
            "/to_unit_id",
            "an unknown unit",
        ),
        (
            json!({"to_unit_id": t.from.into_uuid()}),
            "/to_unit_id",
            "the member's own unit",
        ),
        (
            json!({"to_unit_id": t.to.into_uuid(), "reason": "a".repeat(501)}),
            "/reason",
            "a reason too long",
        ),
        (json!({}), "/to_unit_id", "no unit"),
        (
            json!({"to_unit_id": "chi-doan-1"}),
            "/to_unit_id",
            "not an id",
        ),
    ];
    for (body, pointer, case) in cases {
        let problem = assert_problem(
            app.post("/api/v1/me/unit-transfers", Some(&member.access), &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(
            pointers(&problem).iter().any(|p| p == pointer),
            "{case}: {problem}"
        );
    }
    let mine = json_of(
        app.get("/api/v1/me/unit-transfers", Some(&member.access))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["total"], 0, "nothing half-written");

    let problem = assert_problem(
        app.get(
            &format!(
                "/api/v1/units/{}/unit-transfers?status=done",
                t.to.into_uuid()
            ),
            Some(&admin.access),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), ["/status"], "{problem}");
    assert_problem(
        app.get(
            &format!("/api/v1/units/{}/unit-transfers?limit=0", t.to.into_uuid()),
            Some(&admin.access),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_problem(
        decide(
            app,
            &admin,
            &Uuid::now_v7().to_string(),
            "approve",
            json!({}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let made = json_of(ask(app, &member, t.to, None).await, StatusCode::CREATED).await;
    let problem = assert_problem(
        decide(
            app,
            &admin,
            made["id"].as_str().expect("id"),
            "approve",
            json!({"note": "b".repeat(501)}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), ["/note"]);
    let problem = assert_problem(
        decide(
            app,
            &admin,
            made["id"].as_str().expect("id"),
            "approve",
            json!({"comment": "?"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(!pointers(&problem).is_empty(), "{problem}");
    assert_eq!(unit_of(app, &member).await, t.from.into_uuid().to_string());
}
