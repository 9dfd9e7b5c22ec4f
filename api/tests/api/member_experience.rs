//! The member's side of a result (#15): a theory test's verdict and next step, the review
//! policy `after_each_attempt` (who sees the key, and when), which results offer a board, and
//! the names my attempts carry for the home page.

use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, TestUser, assert_problem, pointers, random_phone, registration};
use crate::theory::{World, lesson_id, start, take, topic, world};

both_backends!(
    theory_result_gives_the_verdict_the_wait_and_the_next_lesson,
    review_after_each_attempt_shows_the_key_unless_another_attempt_runs,
    review_after_each_attempt_only_where_nothing_is_ranked,
    registration_and_my_profile_refuse_ages_a_member_cannot_have,
    the_unit_list_gives_each_unit_its_path_and_whether_it_has_children,
);

mod age_settings {
    use crate::helpers::{Backend, run_on_with};

    #[tokio::test]
    async fn embedded() {
        run_on_with(
            Backend::Embedded,
            |s| (s.member_min_age, s.member_max_age) = (18, 40),
            |app| Box::pin(super::the_age_bounds_are_settings(app)),
        )
        .await;
    }

    #[tokio::test]
    async fn services() {
        run_on_with(
            Backend::Services,
            |s| (s.member_min_age, s.member_max_age) = (18, 40),
            |app| Box::pin(super::the_age_bounds_are_settings(app)),
        )
        .await;
    }
}

/// A round of the world's theory contest testing lesson `n` (2 questions, 10 points each).
async fn round(app: &TestApp, w: &World, n: usize, review: &str, theory: Value) -> String {
    let now = Utc::now();
    let r = app
        .post(
            &format!("/api/v1/contests/{}/rounds", w.contest_id),
            Some(&w.organizer.access),
            &json!({
                "name": format!("Kiểm tra bài {n}"),
                "opens_at": (now - chrono::Duration::seconds(60)).to_rfc3339(),
                "closes_at": (now + chrono::Duration::days(300)).to_rfc3339(),
                "questions_per_attempt": 2,
                "time_limit_seconds": 600,
                "attempts_allowed": 3,
                "pool": {"quotas": [{"topic": topic(w, n), "count": 2}]},
                "points_per_question": 10,
                "review": review,
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
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["review"], review);
    body["id"].as_str().expect("id").to_owned()
}

/// My latest attempt in a round, as `GET /attempts/{id}` shows it.
async fn latest(app: &TestApp, round: &str, user: &TestUser) -> Value {
    let list: Value = app
        .get(
            &format!("/api/v1/me/attempts?round_id={round}"),
            Some(&user.access),
        )
        .await
        .json()
        .await
        .expect("json");
    let id = list["items"][0]["id"].as_str().expect("an attempt");
    let r = app
        .get(&format!("/api/v1/attempts/{id}"), Some(&user.access))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.expect("json")
}

/// Moves every finish of `user` `minutes` into the past (the waiting time is then over).
async fn move_finishes_back(app: &TestApp, user: &TestUser, minutes: i64) {
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
                (Utc::now() - chrono::Duration::minutes(minutes)).into(),
                member_id(user).into(),
            ],
        ))
        .await
        .expect("move the finishes back");
}

fn member_id(user: &TestUser) -> uuid::Uuid {
    user.id.into_uuid()
}

async fn theory_result_gives_the_verdict_the_wait_and_the_next_lesson(app: &TestApp) {
    let w = world(app, 2, 2).await;
    let l1 = lesson_id(&w, 1);
    let l2 = lesson_id(&w, 2);
    let r1 = round(
        app,
        &w,
        1,
        "score_only",
        json!({"lesson_id": l1, "retry_wait_minutes": 30}),
    )
    .await;
    let r2 = round(app, &w, 2, "score_only", json!({"lesson_id": l2})).await;
    let member = app.member(w.root).await;

    // Fails lesson 1 (1 of 2 = 50% < 80%): the verdict, the pass mark, attempts and the wait.
    take(app, &w, &r1, &member, 1).await;
    let a = latest(app, &r1, &member).await;
    let t = &a["theory"];
    assert_eq!(t["passed"], false, "{a}");
    assert_eq!(t["pass_mark"], 80);
    assert_eq!(t["lesson"]["lesson_id"], l1.as_str());
    assert_eq!(t["lesson"]["position"], 1);
    assert_eq!(t["lesson_passed"], false);
    assert_eq!(t["attempts_allowed"], 3);
    assert_eq!(t["attempts_used"], 1);
    assert_eq!(t["may_retry"], true);
    let next = chrono::DateTime::parse_from_rfc3339(t["next_attempt_at"].as_str().expect("a wait"))
        .expect("time")
        .with_timezone(&Utc);
    let wait = next - Utc::now();
    assert!(
        wait > chrono::Duration::minutes(29) && wait <= chrono::Duration::minutes(30),
        "{wait}"
    );
    // The same moment the start refuses with.
    let refused = start(app, &r1, &member).await;
    let body = assert_problem(refused, StatusCode::CONFLICT, "retry_too_soon").await;
    assert_eq!(body["allowed_at"], t["next_attempt_at"]);
    assert_eq!(t["next_lesson"]["lesson_id"], l1.as_str(), "still lesson 1");
    assert_eq!(t["passed_lessons"], 0);
    assert_eq!(t["total_lessons"], 2);
    assert!(t["certificate_code"].is_null());
    // No board for a theory test; score_only: no key, and the policy says why.
    assert_eq!(a["has_board"], false);
    assert_eq!(a["review_policy"], "score_only");
    assert!(a.get("review").is_none());

    // After the wait, passes (2 of 2): lesson 1 passed, the next step is lesson 2.
    move_finishes_back(app, &member, 31).await;
    take(app, &w, &r1, &member, 2).await;
    let a = latest(app, &r1, &member).await;
    let t = &a["theory"];
    assert_eq!(t["passed"], true, "{a}");
    assert_eq!(t["lesson_passed"], true);
    assert_eq!(t["attempts_used"], 2);
    assert_eq!(t["may_retry"], false, "nothing to retake once passed");
    assert!(t["next_attempt_at"].is_null());
    assert_eq!(t["next_lesson"]["lesson_id"], l2.as_str());
    assert_eq!(t["next_lesson"]["position"], 2);
    assert_eq!(t["passed_lessons"], 1);
    // An earlier failed attempt still says it failed, while the lesson is passed.
    let list: Value = app
        .get(
            &format!("/api/v1/me/attempts?round_id={r1}"),
            Some(&member.access),
        )
        .await
        .json()
        .await
        .expect("json");
    let first = list["items"][1]["id"].as_str().expect("first attempt");
    let a1: Value = app
        .get(&format!("/api/v1/attempts/{first}"), Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(a1["theory"]["passed"], false);
    assert_eq!(a1["theory"]["lesson_passed"], true);
    // My attempts carry their names and kind, for the home page.
    assert_eq!(list["items"][0]["round_name"], "Kiểm tra bài 1");
    assert_eq!(list["items"][0]["contest_title"], "Kiểm tra lý luận");
    assert_eq!(list["items"][0]["contest_kind"], "theory_test");

    // Passing the last lesson completes the course: the certificate, no next lesson.
    take(app, &w, &r2, &member, 2).await;
    let a = latest(app, &r2, &member).await;
    let t = &a["theory"];
    assert_eq!(t["passed"], true);
    assert!(t["next_lesson"].is_null(), "{a}");
    assert_eq!(t["passed_lessons"], 2);
    let code = t["certificate_code"].as_str().expect("a certificate");
    let mine = crate::theory::my_theory(app, &member, "").await;
    assert_eq!(mine["certificate"]["code"], code);
}

async fn review_after_each_attempt_shows_the_key_unless_another_attempt_runs(app: &TestApp) {
    let w = world(app, 2, 2).await;
    let r1 = round(
        app,
        &w,
        1,
        "after_each_attempt",
        json!({"lesson_id": lesson_id(&w, 1)}),
    )
    .await;
    let r2 = round(
        app,
        &w,
        2,
        "after_close",
        json!({"lesson_id": lesson_id(&w, 2)}),
    )
    .await;
    let member = app.member(w.root).await;

    // While an attempt of r1 runs, nothing of the key goes out.
    let running: Value = start(app, &r1, &member).await.json().await.expect("json");
    assert!(running.get("review").is_none());
    assert!(running.get("theory").is_none());
    for q in running["questions"].as_array().expect("questions") {
        for o in q["options"].as_array().expect("options") {
            assert!(o.get("correct").is_none());
        }
    }
    let id = running["id"].as_str().expect("id");
    let finished = app
        .post(
            &format!("/api/v1/attempts/{id}/finish"),
            Some(&member.access),
            &json!({}),
        )
        .await;
    assert_eq!(finished.status(), StatusCode::OK);

    // Finished, failed, attempts left: the policy shows the key and the explanations at once.
    let a = latest(app, &r1, &member).await;
    assert_eq!(a["theory"]["may_retry"], true);
    let review = a["review"].as_array().expect("the key after the attempt");
    assert_eq!(review.len(), 2);
    for item in review {
        let qid = item["question_id"].as_str().expect("id");
        assert_eq!(item["correct_option_ids"], json!([w.key[qid]]));
        assert_eq!(item["explanation"], "Vì đáp án A đúng.");
    }

    // With another attempt of mine running (r2), the key waits: it may hold questions I may
    // still be asked.
    let other: Value = start(app, &r2, &member).await.json().await.expect("json");
    let a = latest(app, &r1, &member).await;
    assert!(a.get("review").is_none(), "{a}");
    let oid = other["id"].as_str().expect("id");
    app.post(
        &format!("/api/v1/attempts/{oid}/finish"),
        Some(&member.access),
        &json!({}),
    )
    .await;
    assert!(latest(app, &r1, &member).await["review"].is_array());
    // r2 is after_close and still open: its own key stays hidden, though the attempt is over.
    let b = latest(app, &r2, &member).await;
    assert!(b.get("review").is_none());
    assert_eq!(b["review_policy"], "after_close");
}

async fn review_after_each_attempt_only_where_nothing_is_ranked(app: &TestApp) {
    let w = world(app, 1, 3).await;
    let now = Utc::now();
    let contest: Value = app
        .post(
            "/api/v1/contests",
            Some(&w.organizer.access),
            &json!({"title": "Cuộc thi tuần", "unit_id": w.root.into_uuid(), "eligibility": {"unit_id": w.root.into_uuid()}}),
        )
        .await
        .json()
        .await
        .expect("json");
    let cid = contest["id"].as_str().expect("id");
    let body = |review: &str, practice: bool| {
        json!({
            "name": "Tuần 1",
            "opens_at": (now - chrono::Duration::seconds(60)).to_rfc3339(),
            "closes_at": (now + chrono::Duration::days(7)).to_rfc3339(),
            "questions_per_attempt": 2,
            "time_limit_seconds": 600,
            "pool": {"quotas": [{"topic": topic(&w, 1), "count": 2}]},
            "review": review,
            "practice": practice,
        })
    };
    let path = format!("/api/v1/contests/{cid}/rounds");
    // A ranked round: refused, naming the field; nothing written.
    let r = app
        .post(
            &path,
            Some(&w.organizer.access),
            &body("after_each_attempt", false),
        )
        .await;
    let problem = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&problem), vec!["/review"]);
    let rounds: Value = app
        .get(&path, Some(&w.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rounds["total"], 0);
    // An unknown policy is a 422 on the same field.
    let r = app
        .post(&path, Some(&w.organizer.access), &body("sometimes", false))
        .await;
    let problem = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&problem), vec!["/review"]);
    // A practice round of the same contest may teach with the key.
    let r = app
        .post(
            &path,
            Some(&w.organizer.access),
            &body("after_each_attempt", true),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let practice: Value = r.json().await.expect("json");
    // A ranked round cannot be switched to it either.
    let ranked: Value = app
        .post(
            &path,
            Some(&w.organizer.access),
            &json!({
                "name": "Tuần 2",
                "opens_at": (now + chrono::Duration::days(8)).to_rfc3339(),
                "closes_at": (now + chrono::Duration::days(14)).to_rfc3339(),
                "questions_per_attempt": 2,
                "time_limit_seconds": 600,
                "pool": {"quotas": [{"topic": topic(&w, 1), "count": 2}]},
            }),
        )
        .await
        .json()
        .await
        .expect("json");
    let rid = ranked["id"].as_str().expect("id");
    let r = app
        .patch(
            &format!("/api/v1/rounds/{rid}"),
            Some(&w.organizer.access),
            &json!({"review": "after_each_attempt"}),
        )
        .await;
    let problem = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&problem), vec!["/review"]);

    // A practice result: the key at once, no theory verdict, and no board link (never counts).
    let member = app.member(w.root).await;
    let pid = practice["id"].as_str().expect("id");
    let attempt: Value = start(app, pid, &member).await.json().await.expect("json");
    let aid = attempt["id"].as_str().expect("id");
    app.post(
        &format!("/api/v1/attempts/{aid}/finish"),
        Some(&member.access),
        &json!({}),
    )
    .await;
    let a = latest(app, pid, &member).await;
    assert!(a.get("theory").is_none());
    assert!(a["review"].is_array(), "{a}");
    assert_eq!(a["has_board"], false);
    let list: Value = app
        .get(
            &format!("/api/v1/me/attempts?round_id={pid}"),
            Some(&member.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["items"][0]["contest_kind"], "contest");
    assert_eq!(list["items"][0]["contest_title"], "Cuộc thi tuần");
}

/// The installable offline shell: the service worker and the manifest are served with the
/// types a browser insists on, the worker and the pages are revalidated on every load, the
/// hashed files cached for good, the pages' policy lets the worker and the manifest load, and
/// the API is never cacheable (so no worker or proxy may keep answers or personal data).
#[tokio::test]
async fn the_offline_shell_is_served_with_its_types_and_headers() {
    use crate::helpers::{Backend, spawn_app_with};
    let dist = std::env::temp_dir().join(format!("dautri-dist-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(dist.join("assets")).expect("dir");
    std::fs::create_dir_all(dist.join("icons")).expect("dir");
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><div id=\"app\"></div>",
    )
    .expect("file");
    std::fs::write(
        dist.join("sw.js"),
        "self.addEventListener('fetch', () => {});",
    )
    .expect("file");
    std::fs::write(
        dist.join("manifest.webmanifest"),
        "{\"name\":\"Thi trực tuyến\"}",
    )
    .expect("file");
    std::fs::write(dist.join("assets/index-abc123.js"), "console.log(1)").expect("file");
    std::fs::write(dist.join("icons/icon-192.png"), [0x89, b'P', b'N', b'G']).expect("file");
    let dir = dist.clone();
    let app = spawn_app_with(Backend::Embedded, move |s| s.static_dir = Some(dir)).await;
    let check = async |path: &str| {
        let r = app.get(path, None).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let h = |name: &str| {
            r.headers()
                .get(name)
                .map(|v| v.to_str().expect("ascii").to_owned())
                .unwrap_or_default()
        };
        (
            h("content-type"),
            h("cache-control"),
            h("content-security-policy"),
        )
    };

    let (kind, cache, csp) = check("/sw.js").await;
    assert_eq!(kind, "text/javascript; charset=utf-8");
    assert_eq!(cache, "no-cache", "a new build must take over at once");
    assert!(csp.contains("worker-src 'self'"), "{csp}");
    let (kind, cache, csp) = check("/manifest.webmanifest").await;
    assert_eq!(kind, "application/manifest+json");
    assert_eq!(cache, "no-cache");
    assert!(csp.contains("manifest-src 'self'"), "{csp}");
    let (kind, cache, _) = check("/assets/index-abc123.js").await;
    assert!(kind.contains("javascript"), "{kind}");
    assert!(cache.contains("immutable"), "{cache}");
    let (kind, _, _) = check("/icons/icon-192.png").await;
    assert_eq!(kind, "image/png");
    // Any page of the app, the attempt screen included, is the shell's index.html.
    let (kind, cache, csp) = check(&format!("/lam-bai/{}", uuid::Uuid::now_v7())).await;
    assert!(kind.starts_with("text/html"), "{kind}");
    assert_eq!(cache, "no-cache");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    // The API is never stored by anyone, answered or refused.
    let r = app.get("/api/v1/me", None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["cache-control"], "no-store");

    app.cleanup().await;
    std::fs::remove_dir_all(&dist).ok();
}

/// The date `years` years and `days` days before today (UTC, as the server counts).
fn born(years: i32, days: i64) -> String {
    use chrono::Datelike;
    let today = Utc::now().date_naive();
    let back = today
        .with_year(today.year() - years)
        .unwrap_or_else(|| today - chrono::Duration::days(365 * i64::from(years)));
    (back - chrono::Duration::days(days)).to_string()
}

/// Registers with `fields` changed; the problem's (pointer, Vietnamese detail) on refusal.
async fn register_with(app: &TestApp, fields: Value) -> Result<(), Vec<(String, String)>> {
    let unit = app
        .unit(&format!("AGE-{}", &random_phone()[4..]), None)
        .await;
    let mut body = registration(&random_phone(), unit);
    for (k, v) in fields.as_object().expect("object") {
        body[k] = v.clone();
    }
    let r = app.post("/api/v1/auth/register", None, &body).await;
    if r.status().is_success() {
        return Ok(());
    }
    let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    Err(p["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["pointer"].as_str().unwrap_or_default().to_owned(),
                e["detail_vi"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect())
}

/// Under 16 on the admission date (or today, without one) and implausibly old birth dates
/// are refused at registration and on `PATCH /me`, naming the field, in Vietnamese.
async fn registration_and_my_profile_refuse_ages_a_member_cannot_have(app: &TestApp) {
    // Fifteen today: refused on the birth date.
    let e = register_with(app, json!({"birth_date": born(15, 30)}))
        .await
        .expect_err("15 is too young");
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].0, "/birth_date");
    assert!(
        e[0].1.starts_with("Ngày sinh") && e[0].1.contains("16 tuổi"),
        "{e:?}"
    );
    // Sixteen today: welcome.
    register_with(app, json!({"birth_date": born(16, 1)}))
        .await
        .expect("16 is old enough");
    // Twenty today but admitted at fifteen: refused on the admission date.
    let birth = born(20, 0);
    let admitted = {
        let b = chrono::NaiveDate::parse_from_str(&birth, "%Y-%m-%d").expect("date");
        (b + chrono::Duration::days(365 * 15 + 30)).to_string()
    };
    let e = register_with(app, json!({"birth_date": birth, "admitted_at": admitted}))
        .await
        .expect_err("admitted at 15");
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].0, "/admitted_at");
    assert!(
        e[0].1.starts_with("Ngày kết nạp") && e[0].1.contains("16 tuổi"),
        "{e:?}"
    );
    // Admitted at seventeen: welcome.
    let admitted = {
        let b = chrono::NaiveDate::parse_from_str(&birth, "%Y-%m-%d").expect("date");
        (b + chrono::Duration::days(365 * 17 + 30)).to_string()
    };
    register_with(app, json!({"birth_date": birth, "admitted_at": admitted}))
        .await
        .expect("admitted at 17");
    // Eighty-one: a mistyped year.
    let e = register_with(app, json!({"birth_date": born(81, 10)}))
        .await
        .expect_err("81 is implausible");
    assert_eq!(e[0].0, "/birth_date");
    assert!(e[0].1.contains("80"), "{e:?}");
    register_with(app, json!({"birth_date": born(79, 10)}))
        .await
        .expect("79 is fine");

    // The same rules on PATCH /me.
    let unit = app.unit("AGE-ME", None).await;
    let me = app.member(unit).await;
    for birth in [born(15, 30), born(81, 10)] {
        let r = app
            .patch(
                "/api/v1/me",
                Some(&me.access),
                &json!({"birth_date": birth}),
            )
            .await;
        let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(pointers(&p), vec!["/birth_date"], "{birth}");
        let vi = p["errors"][0]["detail_vi"].as_str().unwrap_or_default();
        assert!(vi.starts_with("Ngày sinh"), "{p}");
    }
    let r = app
        .patch(
            "/api/v1/me",
            Some(&me.access),
            &json!({"birth_date": born(30, 0)}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

/// With the bounds set to 18 and 40, the server holds members to them.
async fn the_age_bounds_are_settings(app: &TestApp) {
    let e = register_with(app, json!({"birth_date": born(17, 30)}))
        .await
        .expect_err("17 is under the setting");
    assert_eq!(e[0].0, "/birth_date");
    assert!(e[0].1.contains("18 tuổi"), "{e:?}");
    let e = register_with(app, json!({"birth_date": born(41, 30)}))
        .await
        .expect_err("41 is over the setting");
    assert!(e[0].1.contains("40"), "{e:?}");
    register_with(app, json!({"birth_date": born(18, 1)}))
        .await
        .expect("18 is fine");
}

/// `GET /units` (public: registration browses it) gives each unit the names above it and
/// whether it has children, for the children of a unit and for a search alike.
async fn the_unit_list_gives_each_unit_its_path_and_whether_it_has_children(app: &TestApp) {
    let root = app.unit("TREE-R", None).await;
    let a = app.unit("TREE-A", Some(root)).await;
    let b = app.unit("TREE-B", Some(root)).await;
    let a1 = app.unit("TREE-A1", Some(a)).await;
    let _b1 = app.unit("TREE-B1", Some(b)).await;

    let roots: Value = app
        .get("/api/v1/units", None)
        .await
        .json()
        .await
        .expect("json");
    let r = roots["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["code"] == "TREE-R")
        .expect("root listed")
        .clone();
    assert_eq!(r["path"], json!([]));
    assert_eq!(r["has_children"], true);

    let children: Value = app
        .get(&format!("/api/v1/units?parent_id={}", a.into_uuid()), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(children["total"], 1);
    assert_eq!(children["items"][0]["id"], json!(a1.into_uuid()));
    assert_eq!(
        children["items"][0]["path"],
        json!(["Đơn vị TREE-R", "Đơn vị TREE-A"])
    );
    assert_eq!(children["items"][0]["has_children"], false);

    // A search finds both "…1" units, each with its own branch.
    let found: Value = app
        .get("/api/v1/units?q=tree-", None)
        .await
        .json()
        .await
        .expect("json");
    let items = found["items"].as_array().expect("items");
    let b1 = items
        .iter()
        .find(|u| u["code"] == "TREE-B1")
        .expect("B1 found");
    assert_eq!(b1["path"], json!(["Đơn vị TREE-R", "Đơn vị TREE-B"]));
    let a_row = items.iter().find(|u| u["code"] == "TREE-A").expect("A");
    assert_eq!(a_row["path"], json!(["Đơn vị TREE-R"]));
    assert_eq!(a_row["has_children"], true);
}
