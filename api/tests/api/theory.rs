//! Political-theory tests for new members: pass marks, retakes and waiting times, the best
//! attempt, certificates, course versions, admission imports, and units' coverage checked
//! against an independent count.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use dautri_api::domain::ids::UnitId;
use dautri_api::domain::role::Role;
use rand::Rng;
use rand::seq::IndexedRandom;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both_backends;
use crate::helpers::{TestApp, TestUser, assert_problem, pointers};

both_backends!(
    theory_pass_mark_boundaries_retakes_and_the_best_attempt,
    theory_waiting_time_between_attempts,
    theory_certificates_are_issued_verified_and_revoked,
    theory_course_versions_keep_results,
    theory_coverage_matches_an_independent_count,
    theory_admission_dates_import_all_or_nothing,
    theory_rounds_test_a_lesson_without_prediction,
);

pub(crate) fn short_code() -> String {
    Uuid::now_v7().simple().to_string()[20..].to_uppercase()
}

/// A unit tree root with an admin, an organizer, a course of `lessons` lessons, a bank of
/// `per_lesson` true questions per lesson and a theory-test contest (pass mark 80).
pub(crate) struct World {
    pub(crate) root: UnitId,
    pub(crate) admin: TestUser,
    pub(crate) organizer: TestUser,
    pub(crate) course: Value,
    pub(crate) contest_id: String,
    /// question id → correct option id
    pub(crate) key: HashMap<String, String>,
}

pub(crate) async fn world(app: &TestApp, lessons: usize, per_lesson: usize) -> World {
    let root = app.unit(&format!("R{}", short_code()), None).await;
    let admin = app.with_roles(root, &[(Role::Admin, None)]).await;
    let organizer = app
        .with_roles(
            root,
            &[(Role::Organizer, Some(root)), (Role::UnitAdmin, Some(root))],
        )
        .await;
    let tag = short_code().to_lowercase();
    let lesson_bodies: Vec<Value> = (1..=lessons)
        .map(|n| {
            json!({
                "title": format!("Bài {n}"),
                "summary": format!("Tóm tắt bài {n}"),
                "materials": [{"title": "Tài liệu", "url": "https://doanthanhnien.vn"}],
                "topic": format!("t{tag}.lesson{n}"),
            })
        })
        .collect();
    let r = app
        .post(
            "/api/v1/courses",
            Some(&admin.access),
            &json!({"code": format!("C-{tag}"), "title": "Học tập lý luận chính trị", "lessons": lesson_bodies}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let course: Value = r.json().await.expect("json");
    let mut key = HashMap::new();
    for n in 1..=lessons {
        for i in 0..per_lesson {
            let body = json!({
                "unit_id": root.into_uuid(), "kind": "single",
                "text": format!("Bài {n}, câu {i}: đáp án đúng là A?"),
                "options": [{"text": "A", "correct": true}, {"text": "B"}, {"text": "C"}],
                "explanation": "Vì đáp án A đúng.",
                "topic": {"code": format!("t{tag}.lesson{n}"), "name": format!("Bài {n}")},
            });
            let q: Value = app
                .post("/api/v1/questions", Some(&organizer.access), &body)
                .await
                .json()
                .await
                .expect("json");
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
    }
    let r = app
        .post(
            "/api/v1/contests",
            Some(&organizer.access),
            &json!({"title": "Kiểm tra lý luận", "unit_id": root.into_uuid(), "kind": "theory_test", "pass_mark": 80, "eligibility": {"unit_id": root.into_uuid()}}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let contest: Value = r.json().await.expect("json");
    World {
        root,
        admin,
        organizer,
        course,
        contest_id: contest["id"].as_str().expect("id").to_owned(),
        key,
    }
}

pub(crate) fn lesson_id(w: &World, n: usize) -> String {
    w.course["lessons"][n - 1]["id"]
        .as_str()
        .expect("lesson")
        .to_owned()
}

pub(crate) fn topic(w: &World, n: usize) -> String {
    w.course["lessons"][n - 1]["topic"]
        .as_str()
        .expect("topic")
        .to_owned()
}

/// Adds a round testing lesson `n` with `questions` questions (10 points each).
pub(crate) async fn test_round(
    app: &TestApp,
    w: &World,
    n: usize,
    questions: u32,
    attempts: Option<u32>,
    theory: Value,
) -> String {
    let now = Utc::now();
    let r = app
        .post(
            &format!("/api/v1/contests/{}/rounds", w.contest_id),
            Some(&w.organizer.access),
            &json!({
                "name": format!("Bài {n}"),
                "opens_at": (now - chrono::Duration::seconds(60)).to_rfc3339(),
                "closes_at": (now + chrono::Duration::days(30)).to_rfc3339(),
                "questions_per_attempt": questions,
                "time_limit_seconds": 600,
                "attempts_allowed": attempts,
                "pool": {"quotas": [{"topic": topic(w, n), "count": questions}]},
                "points_per_question": 10,
                "theory": theory,
            }),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let round: Value = r.json().await.expect("json");
    assert_eq!(round["theory"]["lesson_id"], theory["lesson_id"]);
    round["id"].as_str().expect("id").to_owned()
}

pub(crate) async fn start(app: &TestApp, round: &str, user: &TestUser) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/rounds/{round}/attempts")))
        .bearer_auth(&user.access)
        .send()
        .await
        .expect("request")
}

/// Takes an attempt answering `correct` questions right and the rest wrong; returns the result.
pub(crate) async fn take(
    app: &TestApp,
    w: &World,
    round: &str,
    user: &TestUser,
    correct: usize,
) -> Value {
    let r = start(app, round, user).await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let attempt: Value = r.json().await.expect("json");
    let id = attempt["id"].as_str().expect("id");
    for (i, q) in attempt["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .enumerate()
    {
        let qid = q["id"].as_str().expect("id");
        let right = w.key[qid].clone();
        let choice = if i < correct {
            right
        } else {
            q["options"]
                .as_array()
                .expect("options")
                .iter()
                .map(|o| o["id"].as_str().expect("id").to_owned())
                .find(|o| *o != right)
                .expect("wrong")
        };
        let saved = app
            .put(
                &format!("/api/v1/attempts/{id}/answers/{qid}"),
                Some(&user.access),
                &json!({"option_ids": [choice]}),
            )
            .await;
        assert_eq!(saved.status(), StatusCode::OK);
    }
    let r = app
        .post(
            &format!("/api/v1/attempts/{id}/finish"),
            Some(&user.access),
            &json!({}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    r.json().await.expect("json")
}

pub(crate) async fn my_theory(app: &TestApp, user: &TestUser, query: &str) -> Value {
    let r = app
        .get(&format!("/api/v1/me/theory{query}"), Some(&user.access))
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    r.json().await.expect("json")
}

async fn theory_pass_mark_boundaries_retakes_and_the_best_attempt(app: &TestApp) {
    let w = world(app, 2, 5).await;
    let r1 = test_round(
        app,
        &w,
        1,
        5,
        Some(3),
        json!({"lesson_id": lesson_id(&w, 1)}),
    )
    .await;
    // The second lesson's test sets its own pass mark: 60%.
    let r2 = test_round(
        app,
        &w,
        2,
        5,
        Some(3),
        json!({"lesson_id": lesson_id(&w, 2), "pass_mark": 60}),
    )
    .await;
    let member = app.member(w.root).await;

    let before = my_theory(app, &member, "").await;
    assert_eq!(before["lessons"][0]["status"], "not_tested");
    assert_eq!(before["lessons"][0]["tests"][0]["round_id"], r1.as_str());
    assert_eq!(before["lessons"][0]["tests"][0]["pass_mark"], 80);
    assert_eq!(before["lessons"][1]["tests"][0]["pass_mark"], 60);
    assert!(before["certificate"].is_null());

    // 3/5 = 60% < 80%: tested, not passed.
    let first = take(app, &w, &r1, &member, 3).await;
    assert_eq!(
        (first["score"].clone(), first["max_score"].clone()),
        (json!(30), json!(50))
    );
    let now = my_theory(app, &member, "").await;
    assert_eq!(now["lessons"][0]["status"], "tested");
    assert_eq!(now["lessons"][0]["best_score"], 30);
    assert_eq!(now["lessons"][0]["best_percent"], 60.0);
    assert!(now["lessons"][0]["passed_at"].is_null());

    // 4/5 = exactly 80%: passes.
    take(app, &w, &r1, &member, 4).await;
    let now = my_theory(app, &member, "").await;
    assert_eq!(now["lessons"][0]["status"], "passed");
    let passed_at = now["lessons"][0]["passed_at"].clone();
    assert!(passed_at.is_string());

    // A better retake raises the best score; the pass keeps its first date.
    take(app, &w, &r1, &member, 5).await;
    let now = my_theory(app, &member, "").await;
    assert_eq!(now["lessons"][0]["best_score"], 50);
    assert_eq!(now["lessons"][0]["attempts"], 3);
    assert_eq!(now["lessons"][0]["passed_at"], passed_at);
    assert_eq!(now["lessons"][0]["tests"][0]["attempts_used"], 3);
    assert_problem(
        start(app, &r1, &member).await,
        StatusCode::CONFLICT,
        "attempts_exhausted",
    )
    .await;

    // Lesson 2 at its own mark: 2/5 = 40% fails, 3/5 = 60% passes, a worse retake keeps the best.
    take(app, &w, &r2, &member, 2).await;
    assert_eq!(
        my_theory(app, &member, "").await["lessons"][1]["status"],
        "tested"
    );
    take(app, &w, &r2, &member, 3).await;
    take(app, &w, &r2, &member, 1).await;
    let done = my_theory(app, &member, "").await;
    assert_eq!(done["lessons"][1]["status"], "passed");
    assert_eq!(done["lessons"][1]["best_score"], 30);
    assert_eq!(done["passed_lessons"], 2);
    assert!(done["certificate"]["code"].is_string(), "{done}");

    // Theory tests have no boards.
    let board = app
        .get(
            &format!("/api/v1/rounds/{r1}/leaderboard"),
            Some(&member.access),
        )
        .await;
    assert_problem(board, StatusCode::NOT_FOUND, "not_found").await;
}

async fn theory_waiting_time_between_attempts(app: &TestApp) {
    let w = world(app, 1, 3).await;
    let round = test_round(
        app,
        &w,
        1,
        3,
        None,
        json!({"lesson_id": lesson_id(&w, 1), "retry_wait_minutes": 30}),
    )
    .await;
    let member = app.member(w.root).await;
    take(app, &w, &round, &member, 1).await;
    let refused = start(app, &round, &member).await;
    assert!(refused.headers().get("retry-after").is_some());
    let body = assert_problem(refused, StatusCode::CONFLICT, "retry_too_soon").await;
    let allowed_at =
        chrono::DateTime::parse_from_rfc3339(body["allowed_at"].as_str().expect("allowed_at"))
            .expect("time");
    let wait = allowed_at.with_timezone(&Utc) - Utc::now();
    assert!(
        wait > chrono::Duration::minutes(29) && wait <= chrono::Duration::minutes(30),
        "{wait}"
    );
    let status = my_theory(app, &member, "").await;
    assert_eq!(
        status["lessons"][0]["tests"][0]["next_attempt_at"],
        body["allowed_at"]
    );

    // Once the wait is over (the last finish moved 31 minutes back), the next attempt starts.
    use sea_orm::{ConnectionTrait, Statement};
    let backend = app.state.db.get_database_backend();
    app.state
        .db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DatabaseBackend::Postgres => {
                    "UPDATE attempts SET finished_at = $1 WHERE user_id = $2"
                }
                _ => "UPDATE attempts SET finished_at = ? WHERE user_id = ?",
            },
            [
                (Utc::now() - chrono::Duration::minutes(31)).into(),
                member.id.into_uuid().into(),
            ],
        ))
        .await
        .expect("move the finish back");
    assert_eq!(
        start(app, &round, &member).await.status(),
        StatusCode::CREATED
    );
}

async fn theory_certificates_are_issued_verified_and_revoked(app: &TestApp) {
    let w = world(app, 2, 2).await;
    let r1 = test_round(app, &w, 1, 2, None, json!({"lesson_id": lesson_id(&w, 1)})).await;
    let r2 = test_round(app, &w, 2, 2, None, json!({"lesson_id": lesson_id(&w, 2)})).await;
    let member = app.member(w.root).await;
    take(app, &w, &r1, &member, 2).await;
    assert!(my_theory(app, &member, "").await["certificate"].is_null());
    take(app, &w, &r2, &member, 2).await;
    // Issued by the finish that completed the course.
    let certs: Vec<String> = {
        use sea_orm::EntityTrait;
        dautri_api::persistence::entities::certificates::Entity::find()
            .all(&app.state.db)
            .await
            .expect("certificates")
            .into_iter()
            .filter(|c| c.user_id == member.id)
            .map(|c| c.code)
            .collect()
    };
    assert_eq!(certs.len(), 1);
    let mine = my_theory(app, &member, "").await;
    let code = mine["certificate"]["code"]
        .as_str()
        .expect("code")
        .to_owned();
    assert_eq!(code, certs[0], "asking again does not issue another");
    assert_eq!(
        my_theory(app, &member, "").await["certificate"]["code"],
        code.as_str()
    );
    assert_eq!(code.len(), 10);

    // Anyone can verify it, typed as printed or not.
    let display = mine["certificate"]["display_code"]
        .as_str()
        .expect("display")
        .to_lowercase();
    for typed in [code.clone(), display] {
        let r = app
            .get(&format!("/api/v1/certificates/{typed}"), None)
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.expect("json");
        assert_eq!(v["valid"], true);
        assert_eq!(v["status"], "valid");
        assert_eq!(v["holder"], "Nguyễn V. T.");
        assert!(v["unit_name"].as_str().expect("unit").starts_with("Đơn vị"));
        assert_eq!(v["course"]["version"], 1);
        assert!(v.get("revoked_reason").is_none());
        assert!(!v.to_string().contains(&member.phone));
    }
    for unknown in ["ABCDE-FGHJK", "nonsense", "0000000000"] {
        let r = app
            .get(&format!("/api/v1/certificates/{unknown}"), None)
            .await;
        assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
    }
    let qr = app
        .get(&format!("/api/v1/certificates/{code}/qr.svg"), None)
        .await;
    assert_eq!(qr.status(), StatusCode::OK);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.expect("svg").contains("<svg"));

    // Revoking: not the member, not an organizer elsewhere; the organizer over the holder may.
    let revoke = |token: String| {
        let path = format!("/api/v1/certificates/{code}/revoke");
        async move {
            app.post(
                &path,
                Some(&token),
                &json!({"reason": "Thi hộ, đã xác minh"}),
            )
            .await
        }
    };
    assert_problem(
        revoke(member.access.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let other = app.unit(&format!("O{}", short_code()), None).await;
    let stranger = app
        .with_roles(other, &[(Role::Organizer, Some(other))])
        .await;
    assert_problem(
        revoke(stranger.access.clone()).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let short = app
        .post(
            &format!("/api/v1/certificates/{code}/revoke"),
            Some(&w.organizer.access),
            &json!({"reason": " "}),
        )
        .await;
    assert_eq!(
        pointers(
            &assert_problem(short, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await
        ),
        vec!["/reason"]
    );
    let r = revoke(w.organizer.access.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.expect("json");
    assert_eq!(
        (v["valid"].clone(), v["revoked_reason"].clone()),
        (json!(false), json!("Thi hộ, đã xác minh"))
    );
    assert_problem(
        revoke(w.organizer.access.clone()).await,
        StatusCode::CONFLICT,
        "certificate_revoked",
    )
    .await;
    let v: Value = app
        .get(&format!("/api/v1/certificates/{code}"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (v["valid"].clone(), v["status"].clone()),
        (json!(false), json!("revoked"))
    );
    assert!(v["revoked_at"].is_string());
    assert!(
        v.get("revoked_reason").is_none(),
        "the reason is not public"
    );
    let mine = my_theory(app, &member, "").await;
    assert_eq!(mine["certificate"]["revoked"], true);
    assert_eq!(
        mine["certificate"]["code"],
        code.as_str(),
        "a revoked certificate is not silently replaced"
    );
}

async fn theory_course_versions_keep_results(app: &TestApp) {
    let w = world(app, 1, 2).await;
    let r1 = test_round(app, &w, 1, 2, None, json!({"lesson_id": lesson_id(&w, 1)})).await;
    let member = app.member(w.root).await;
    take(app, &w, &r1, &member, 2).await;
    let v1 = my_theory(app, &member, "").await;
    let v1_code = v1["certificate"]["code"]
        .as_str()
        .expect("certificate")
        .to_owned();
    let v1_id = w.course["id"].as_str().expect("id").to_owned();

    // A new version of the course: two lessons now.
    let organizer_refused = app
        .post(
            "/api/v1/courses",
            Some(&w.organizer.access),
            &json!({"code": w.course["code"], "title": "Bản mới", "lessons": [{"title": "Bài 1"}]}),
        )
        .await;
    assert_problem(organizer_refused, StatusCode::FORBIDDEN, "forbidden").await;
    let r = app
        .post(
            "/api/v1/courses",
            Some(&w.admin.access),
            &json!({"code": w.course["code"], "title": "Học tập lý luận chính trị (bản 2)", "lessons": [{"title": "Bài 1 mới"}, {"title": "Bài 2 mới"}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v2: Value = r.json().await.expect("json");
    assert_eq!(v2["version"], 2);
    let duplicate = app
        .post("/api/v1/courses", Some(&w.admin.access), &json!({"code": w.course["code"], "version": 2, "title": "Trùng phiên bản", "lessons": [{"title": "Bài 1"}]}))
        .await;
    assert_problem(duplicate, StatusCode::CONFLICT, "course_version_exists").await;
    let courses: Value = app
        .get("/api/v1/courses", Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    let mine: Vec<&Value> = courses["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|c| c["code"] == w.course["code"])
        .collect();
    assert_eq!(mine.len(), 2);
    assert_eq!(
        (mine[0]["version"].clone(), mine[0]["active"].clone()),
        (json!(2), json!(true))
    );
    assert_eq!(
        (mine[1]["version"].clone(), mine[1]["active"].clone()),
        (json!(1), json!(false))
    );

    // The member now sees the new version, untested; the old result stays with the old version.
    let now = my_theory(app, &member, "").await;
    assert_eq!(now["course"]["version"], 2);
    assert_eq!(now["total_lessons"], 2);
    assert!(
        now["lessons"]
            .as_array()
            .expect("lessons")
            .iter()
            .all(|l| l["status"] == "not_tested")
    );
    assert!(now["certificate"].is_null());
    let old = my_theory(app, &member, &format!("?course_id={v1_id}")).await;
    assert_eq!(old["lessons"][0]["status"], "passed");
    assert_eq!(old["certificate"]["code"], v1_code.as_str());
    let v: Value = app
        .get(&format!("/api/v1/certificates/{v1_code}"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (v["valid"].clone(), v["course"]["version"].clone()),
        (json!(true), json!(1))
    );

    // A lesson added to a version.
    let added = app
        .post(
            &format!("/api/v1/courses/{}/lessons", v2["id"].as_str().expect("id")),
            Some(&w.admin.access),
            &json!({"title": "Bài 3 mới", "materials": [{"title": "x", "url": "ftp://x"}]}),
        )
        .await;
    assert_eq!(
        pointers(
            &assert_problem(added, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await
        ),
        vec!["/materials/0/url"]
    );
    let added: Value = app
        .post(
            &format!("/api/v1/courses/{}/lessons", v2["id"].as_str().expect("id")),
            Some(&w.admin.access),
            &json!({"title": "Bài 3 mới"}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(added["lessons"][2]["position"], 3);

    // Coverage of the new version counts the member as certified (any version of the course).
    app.put(
        &format!("/api/v1/units/{}/theory-since", w.root.into_uuid()),
        Some(&w.organizer.access),
        &json!({"theory_since": "2020-01-01"}),
    )
    .await;
    set_admitted(app, &w.organizer, &[(&member.phone, "2024-05-19")]).await;
    let c: Value = app
        .get(
            &format!("/api/v1/units/{}/theory-coverage", w.root.into_uuid()),
            Some(&w.organizer.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(c["course"]["version"], 2);
    assert_eq!(
        (
            c["summary"]["total"].clone(),
            c["summary"]["passed"].clone()
        ),
        (json!(1), json!(1))
    );
    assert_eq!(c["summary"]["lessons"][0]["tested"], 0);
}

async fn set_admitted(app: &TestApp, by: &TestUser, rows: &[(&str, &str)]) {
    let mut csv = String::from("Số điện thoại,Ngày kết nạp\n");
    for (phone, date) in rows {
        csv.push_str(&format!("{phone},{date}\n"));
    }
    let r = import(app, &by.access, "ket-nap.csv", csv.into_bytes(), false).await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
}

async fn import(
    app: &TestApp,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
    dry_run: bool,
) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.client
        .post(app.url(&format!("/api/v1/users/admission/import?dry_run={dry_run}")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("request")
}

async fn admitted_at(app: &TestApp, user: &TestUser) -> Option<chrono::NaiveDate> {
    dautri_api::persistence::users::get(&app.state.db, user.id)
        .await
        .expect("user")
        .admitted_at
}

async fn theory_admission_dates_import_all_or_nothing(app: &TestApp) {
    let root = app.unit(&format!("R{}", short_code()), None).await;
    let organizer = app.with_roles(root, &[(Role::Organizer, Some(root))]).await;
    let a = app.member(root).await;
    let b = app.member(root).await;
    let other = app.unit(&format!("O{}", short_code()), None).await;
    let outsider = app.member(other).await;
    let bad = format!(
        "phone,admitted_at\n{},2025-03-26\n{},26/13/2025\n0911000000,2025-01-01\n{},2025-03-26\n{},2099-01-01\n{},2025-03-26\n",
        a.phone, b.phone, a.phone, b.phone, outsider.phone
    );
    let r = import(app, &organizer.access, "a.csv", bad.into_bytes(), false).await;
    let problem = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(
        pointers(&problem),
        vec![
            "/rows/3/admitted_at",
            "/rows/4/phone",
            "/rows/5/phone",
            "/rows/6/admitted_at",
            "/rows/6/phone",
            "/rows/7/phone"
        ],
        "{problem}"
    );
    assert_eq!(
        admitted_at(app, &a).await,
        None,
        "nothing is imported when a row fails"
    );

    let good = format!(
        "SĐT;Ngày kết nạp\n{};26/03/2025\n{};2024-10-15\n",
        a.phone, b.phone
    )
    .replace("SĐT", "Số điện thoại");
    let dry: Value = import(
        app,
        &organizer.access,
        "a.csv",
        good.clone().into_bytes(),
        true,
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(
        (
            dry["updated"].clone(),
            dry["valid_rows"].clone(),
            dry["dry_run"].clone()
        ),
        (json!(0), json!(2), json!(true))
    );
    assert_eq!(admitted_at(app, &a).await, None);
    let done: Value = import(app, &organizer.access, "a.csv", good.into_bytes(), false)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(done["updated"], 2);
    assert_eq!(
        admitted_at(app, &a).await,
        chrono::NaiveDate::from_ymd_opt(2025, 3, 26)
    );
    assert_eq!(
        admitted_at(app, &b).await,
        chrono::NaiveDate::from_ymd_opt(2024, 10, 15)
    );

    // The same from a workbook.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "phone").expect("cell");
    sheet.write_string(0, 1, "admitted_at").expect("cell");
    sheet.write_string(1, 0, &a.phone).expect("cell");
    sheet.write_string(1, 1, "2025-06-01").expect("cell");
    let bytes = book.save_to_buffer().expect("xlsx");
    let done: Value = import(app, &organizer.access, "a.xlsx", bytes, false)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(done["updated"], 1);
    assert_eq!(
        admitted_at(app, &a).await,
        chrono::NaiveDate::from_ymd_opt(2025, 6, 1)
    );
    // Members may not import.
    let r = import(
        app,
        &a.access,
        "a.csv",
        b"phone,admitted_at\n".to_vec(),
        false,
    )
    .await;
    assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
}

async fn theory_rounds_test_a_lesson_without_prediction(app: &TestApp) {
    let w = world(app, 1, 2).await;
    let now = Utc::now();
    let round = |extra: Value| {
        let mut body = json!({
            "name": "Bài 1",
            "opens_at": (now - chrono::Duration::seconds(60)).to_rfc3339(),
            "closes_at": (now + chrono::Duration::days(3)).to_rfc3339(),
            "questions_per_attempt": 2,
            "time_limit_seconds": 600,
            "pool": {"quotas": [{"topic": topic(&w, 1), "count": 2}]},
        });
        for (k, v) in extra.as_object().expect("object") {
            body[k] = v.clone();
        }
        body
    };
    let path = format!("/api/v1/contests/{}/rounds", w.contest_id);
    let missing = app
        .post(&path, Some(&w.organizer.access), &round(json!({})))
        .await;
    assert_eq!(
        pointers(
            &assert_problem(
                missing,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed"
            )
            .await
        ),
        vec!["/theory"]
    );
    let prediction = app
        .post(
            &path,
            Some(&w.organizer.access),
            &round(json!({"prediction": "all_correct", "theory": {"lesson_id": lesson_id(&w, 1)}})),
        )
        .await;
    assert_eq!(
        pointers(
            &assert_problem(
                prediction,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed"
            )
            .await
        ),
        vec!["/prediction"]
    );
    let unknown = app
        .post(
            &path,
            Some(&w.organizer.access),
            &round(json!({"theory": {"lesson_id": Uuid::now_v7(), "pass_mark": 0}})),
        )
        .await;
    assert_eq!(
        pointers(
            &assert_problem(
                unknown,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed"
            )
            .await
        ),
        vec!["/theory/lesson_id", "/theory/pass_mark"]
    );
    // Lessons are taken side by side: a second round of the same contest may overlap the first.
    for _ in 0..2 {
        let r = app
            .post(
                &path,
                Some(&w.organizer.access),
                &round(json!({"theory": {"lesson_id": lesson_id(&w, 1)}})),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    // An ordinary contest's round cannot test a lesson.
    let contest: Value = app
        .post(
            "/api/v1/contests",
            Some(&w.organizer.access),
            &json!({"title": "Cuộc thi thường", "unit_id": w.root.into_uuid()}),
        )
        .await
        .json()
        .await
        .expect("json");
    let r = app
        .post(
            &format!(
                "/api/v1/contests/{}/rounds",
                contest["id"].as_str().expect("id")
            ),
            Some(&w.organizer.access),
            &round(json!({"theory": {"lesson_id": lesson_id(&w, 1)}})),
        )
        .await;
    assert_eq!(
        pointers(&assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await),
        vec!["/theory"]
    );
}

/// What the test knows about one member.
struct Known {
    user: TestUser,
    /// Index of the child unit (None: placed in the root itself).
    child: Option<usize>,
    required: bool,
    tested: [bool; 2],
    passed: [bool; 2],
}

async fn theory_coverage_matches_an_independent_count(app: &TestApp) {
    let w = world(app, 2, 2).await;
    let rounds = [
        test_round(
            app,
            &w,
            1,
            2,
            None,
            json!({"lesson_id": lesson_id(&w, 1), "pass_mark": 50}),
        )
        .await,
        test_round(
            app,
            &w,
            2,
            2,
            None,
            json!({"lesson_id": lesson_id(&w, 2), "pass_mark": 50}),
        )
        .await,
    ];
    // root → 3 children → 2 grandchildren each; child 1 requires a later date than the root.
    let mut children = Vec::new();
    let mut places: Vec<(Option<usize>, UnitId)> = vec![(None, w.root)];
    for c in 0..3 {
        let child = app
            .unit(&format!("C{c}{}", short_code()), Some(w.root))
            .await;
        children.push(child);
        places.push((Some(c), child));
        for g in 0..2 {
            let grandchild = app
                .unit(&format!("G{c}{g}{}", short_code()), Some(child))
                .await;
            places.push((Some(c), grandchild));
        }
    }
    let r = app
        .put(
            &format!("/api/v1/units/{}/theory-since", w.root.into_uuid()),
            Some(&w.organizer.access),
            &json!({"theory_since": "2025-01-01"}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r: Value = app
        .put(
            &format!("/api/v1/units/{}/theory-since", children[1].into_uuid()),
            Some(&w.organizer.access),
            &json!({"theory_since": "2026-01-01"}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(r["effective_since"], "2026-01-01");
    let since = |child: Option<usize>| {
        if child == Some(1) {
            "2026-01-01"
        } else {
            "2025-01-01"
        }
    };

    let mut rng = rand::rng();
    let dates = [
        None,
        Some("2024-06-01"),
        Some("2025-01-01"),
        Some("2025-06-01"),
        Some("2026-03-01"),
    ];
    let mut known = Vec::new();
    let mut admissions = Vec::new();
    for _ in 0..22 {
        let (child, unit) = *places.choose(&mut rng).expect("place");
        let user = app.member(unit).await;
        let date = *dates.choose(&mut rng).expect("date");
        if let Some(d) = date {
            admissions.push((user.phone.clone(), d.to_owned()));
        }
        let mut k = Known {
            user,
            child,
            required: date.is_some_and(|d| d >= since(child)),
            tested: [false; 2],
            passed: [false; 2],
        };
        for (lesson, round) in rounds.iter().enumerate() {
            // None, one failing, one passing, or a failure then a pass.
            let plan: &[usize] = [&[][..], &[0], &[1], &[0, 2]][rng.random_range(0..4)];
            for correct in plan {
                take(app, &w, round, &k.user, *correct).await;
                k.tested[lesson] = true;
                k.passed[lesson] |= *correct >= 1;
            }
        }
        known.push(k);
    }
    let rows: Vec<(&str, &str)> = admissions
        .iter()
        .map(|(p, d)| (p.as_str(), d.as_str()))
        .collect();
    if !rows.is_empty() {
        set_admitted(app, &w.organizer, &rows).await;
    }

    let expect = |members: &[&Known]| -> Value {
        let new: Vec<&&Known> = members.iter().filter(|k| k.required).collect();
        let total = new.len() as i64;
        let certified = new.iter().filter(|k| k.passed[0] && k.passed[1]).count() as i64;
        let tested = new.iter().filter(|k| k.tested[0] || k.tested[1]).count() as i64;
        let lessons: Vec<Value> = (0..2)
            .map(|l| {
                json!([
                    new.iter().filter(|k| k.tested[l]).count(),
                    new.iter().filter(|k| k.passed[l]).count()
                ])
            })
            .collect();
        json!({"total": total, "tested": tested, "passed": certified, "lessons": lessons})
    };
    let actual = |line: &Value| -> Value {
        json!({
            "total": line["total"], "tested": line["tested"], "passed": line["passed"],
            "lessons": line["lessons"].as_array().expect("lessons").iter().map(|l| json!([l["tested"], l["passed"]])).collect::<Vec<_>>(),
        })
    };
    let c: Value = app
        .get(
            &format!("/api/v1/units/{}/theory-coverage", w.root.into_uuid()),
            Some(&w.organizer.access),
        )
        .await
        .json()
        .await
        .expect("json");
    let all: Vec<&Known> = known.iter().collect();
    assert_eq!(actual(&c["summary"]), expect(&all), "whole tree: {c}");
    let total = c["summary"]["total"].as_i64().expect("total");
    let passed = c["summary"]["passed"].as_i64().expect("passed");
    if total > 0 {
        assert!(
            c["summary"]["rate_text"]
                .as_str()
                .expect("rate")
                .starts_with(&format!("{passed}/{total} = "))
        );
    }
    for (i, child) in children.iter().enumerate() {
        let line = c["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|l| l["unit_id"] == child.into_uuid().to_string())
            .expect("a line per child");
        let mine: Vec<&Known> = known.iter().filter(|k| k.child == Some(i)).collect();
        assert_eq!(actual(line), expect(&mine), "child {i}: {c}");
    }
    let direct: Vec<&Known> = known.iter().filter(|k| k.child.is_none()).collect();
    let direct_line = c["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|l| l["direct"] == true);
    match direct_line {
        Some(line) => assert_eq!(actual(line), expect(&direct)),
        None => assert_eq!(expect(&direct)["total"], 0),
    }

    // The pending list: required and not certified, within the asked subtree only.
    let pending_ids = |body: &Value| -> HashSet<String> {
        body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|p| p["user_id"].as_str().expect("id").to_owned())
            .collect()
    };
    let p: Value = app
        .get(
            &format!(
                "/api/v1/units/{}/theory-pending?limit=200",
                w.root.into_uuid()
            ),
            Some(&w.organizer.access),
        )
        .await
        .json()
        .await
        .expect("json");
    let want: HashSet<String> = known
        .iter()
        .filter(|k| k.required && !(k.passed[0] && k.passed[1]))
        .map(|k| k.user.id.into_uuid().to_string())
        .collect();
    assert_eq!(pending_ids(&p), want);
    assert_eq!(p["total"], want.len());
    if let Some(first) = p["items"].as_array().and_then(|a| a.first()) {
        assert_eq!(first["full_name"], "Nguyễn Văn Thử");
        assert!(first["phone"].as_str().expect("phone").contains("xx xxx"));
    }

    // Scope: the organizer of child 0 sees child 0's subtree and nothing above or beside it.
    let local = app
        .with_roles(children[0], &[(Role::Organizer, Some(children[0]))])
        .await;
    let mine: Value = app
        .get(
            &format!("/api/v1/units/{}/theory-coverage", children[0].into_uuid()),
            Some(&local.access),
        )
        .await
        .json()
        .await
        .expect("json");
    let child0: Vec<&Known> = known.iter().filter(|k| k.child == Some(0)).collect();
    assert_eq!(actual(&mine["summary"]), expect(&child0));
    let p: Value = app
        .get(
            &format!(
                "/api/v1/units/{}/theory-pending?limit=200",
                children[0].into_uuid()
            ),
            Some(&local.access),
        )
        .await
        .json()
        .await
        .expect("json");
    let want0: HashSet<String> = child0
        .iter()
        .filter(|k| k.required && !(k.passed[0] && k.passed[1]))
        .map(|k| k.user.id.into_uuid().to_string())
        .collect();
    assert_eq!(pending_ids(&p), want0);
    for unit in [w.root, children[1]] {
        for what in ["theory-coverage", "theory-pending"] {
            let r = app
                .get(
                    &format!("/api/v1/units/{}/{what}", unit.into_uuid()),
                    Some(&local.access),
                )
                .await;
            assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
        }
    }
    let member = &known[0].user;
    let r = app
        .get(
            &format!("/api/v1/units/{}/theory-coverage", children[0].into_uuid()),
            Some(&member.access),
        )
        .await;
    assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;

    // The export: a line per child and the total, as units write it.
    let r = app
        .get(
            &format!(
                "/api/v1/units/{}/theory-coverage?format=csv",
                w.root.into_uuid()
            ),
            Some(&w.organizer.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.expect("csv");
    let total_line = text
        .lines()
        .find(|l| l.contains("Tổng cộng"))
        .expect("total line");
    assert!(
        total_line.contains(c["summary"]["rate_text"].as_str().expect("rate")),
        "{text}"
    );
    assert!(text.contains("Bài 2: đạt"));
    let r = app
        .get(
            &format!(
                "/api/v1/units/{}/theory-coverage?format=xlsx",
                w.root.into_uuid()
            ),
            Some(&w.organizer.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.expect("xlsx").starts_with(b"PK"));
    let r = app
        .get(
            &format!(
                "/api/v1/units/{}/theory-coverage?format=pdf",
                w.root.into_uuid()
            ),
            Some(&w.organizer.access),
        )
        .await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}
