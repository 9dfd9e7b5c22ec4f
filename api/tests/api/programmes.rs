//! Study programmes (#20): audiences (all members, officers, an imported list, limited to a
//! subtree) counted in the database and checked against an independent count on a random tree;
//! a member who moves unit moves their coverage; a programme's period decides which tests count;
//! "Học tập" lists what applies to me.

use std::collections::HashSet;

use chrono::Utc;
use dautri_api::domain::ids::UnitId;
use dautri_api::domain::role::Role;
use rand::Rng;
use rand::seq::IndexedRandom;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, TestUser, assert_problem};
use crate::theory::{World, short_code, take, topic, world};

both_backends!(
    programme_audiences_match_an_independent_count,
    a_programme_period_decides_what_counts_and_what_members_see,
    a_listed_audience_is_imported_all_or_nothing,
    lesson_materials_are_uploaded_files_or_links,
);

/// Creates a two-lesson programme over the world's bank topics with `audience`.
async fn programme(app: &TestApp, w: &World, audience: Value, certificate: bool) -> Value {
    let tag = short_code();
    let lessons: Vec<Value> = (1..=2)
        .map(|n| json!({"title": format!("Chuyên đề {n}"), "topic": topic(w, n)}))
        .collect();
    let r = app
        .post(
            "/api/v1/courses",
            Some(&w.admin.access),
            &json!({"code": format!("P-{tag}"), "title": format!("Chuyên đề {tag}"),
                    "audience": audience, "issues_certificate": certificate, "lessons": lessons}),
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

/// A round of the world's contest testing lesson `n` of `programme` (2 questions, pass 50%).
async fn round(app: &TestApp, w: &World, programme: &Value, n: usize) -> String {
    let now = Utc::now();
    let lesson = programme["lessons"][n - 1]["id"].clone();
    let r = app
        .post(
            &format!("/api/v1/contests/{}/rounds", w.contest_id),
            Some(&w.organizer.access),
            &json!({
                "name": format!("{} – bài {n}", programme["code"].as_str().unwrap_or("")),
                "opens_at": (now - chrono::Duration::seconds(60)).to_rfc3339(),
                "closes_at": (now + chrono::Duration::days(30)).to_rfc3339(),
                "questions_per_attempt": 2,
                "time_limit_seconds": 600,
                "pool": {"quotas": [{"topic": topic(w, n), "count": 2}]},
                "points_per_question": 10,
                "theory": {"lesson_id": lesson, "pass_mark": 50},
            }),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    r.json::<Value>().await.expect("json")["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

async fn coverage(app: &TestApp, w: &World, unit: UnitId, programme: &Value) -> Value {
    let r = app
        .get(
            &format!(
                "/api/v1/units/{}/theory-coverage?course_id={}",
                unit.into_uuid(),
                programme["id"].as_str().expect("id")
            ),
            Some(&w.organizer.access),
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

async fn pending_total(app: &TestApp, w: &World, unit: UnitId, programme: &Value) -> i64 {
    let r: Value = app
        .get(
            &format!(
                "/api/v1/units/{}/theory-pending?course_id={}&limit=2",
                unit.into_uuid(),
                programme["id"].as_str().expect("id")
            ),
            Some(&w.organizer.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert!(r["items"].as_array().expect("items").len() <= 2, "{r}");
    r["total"].as_i64().expect("total")
}

/// `[members, tested, passed, [[tested, passed] per lesson]]` of a coverage line.
fn numbers(line: &Value) -> Value {
    json!([
        line["total"],
        line["tested"],
        line["passed"],
        line["lessons"]
            .as_array()
            .expect("lessons")
            .iter()
            .map(|l| json!([l["tested"], l["passed"]]))
            .collect::<Vec<_>>()
    ])
}

/// Whether a member is in a programme's audience, by what we know of them.
type InAudience = dyn Fn(&Known) -> bool;

/// What we know of one member, independently of the server.
struct Known {
    user: TestUser,
    /// Index of the root's child they are under; `None` when placed in the root itself.
    child: Option<usize>,
    officer: bool,
    listed: bool,
    /// Per programme (all, listed), per lesson.
    tested: [[bool; 2]; 2],
    passed: [[bool; 2]; 2],
}

fn expected(members: &[&Known], programme: usize, in_audience: impl Fn(&Known) -> bool) -> Value {
    let aud: Vec<&&Known> = members.iter().filter(|k| in_audience(k)).collect();
    let count = |f: &dyn Fn(&Known) -> bool| aud.iter().filter(|k| f(k)).count();
    let (tested, passed) = if programme < 2 {
        (
            count(&|k| k.tested[programme].iter().any(|t| *t)),
            count(&|k| k.passed[programme].iter().all(|p| *p)),
        )
    } else {
        (0, 0)
    };
    let lessons: Vec<Value> = (0..2)
        .map(|l| {
            if programme < 2 {
                json!([
                    count(&|k| k.tested[programme][l]),
                    count(&|k| k.passed[programme][l])
                ])
            } else {
                json!([0, 0])
            }
        })
        .collect();
    json!([aud.len(), tested, passed, lessons])
}

async fn programme_audiences_match_an_independent_count(app: &TestApp) {
    let w = world(app, 2, 2).await;
    // Officers manage a unit of another tree: they may enter this tree's contests.
    let elsewhere = app.unit(&format!("E{}", short_code()), None).await;
    let all = programme(app, &w, json!({"kind": "all_members"}), false).await;
    let listed = programme(app, &w, json!({"kind": "listed"}), true).await;
    let officers = programme(app, &w, json!({"kind": "officers"}), false).await;
    let rounds = [
        [round(app, &w, &all, 1).await, round(app, &w, &all, 2).await],
        [
            round(app, &w, &listed, 1).await,
            round(app, &w, &listed, 2).await,
        ],
    ];
    // root → 3 children → 2 grandchildren each.
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
    // The world's own admin and organizer are members of the root too.
    let mut known = vec![
        Known {
            user: w.admin.clone(),
            child: None,
            officer: true,
            listed: false,
            tested: [[false; 2]; 2],
            passed: [[false; 2]; 2],
        },
        Known {
            user: w.organizer.clone(),
            child: None,
            officer: true,
            listed: false,
            tested: [[false; 2]; 2],
            passed: [[false; 2]; 2],
        },
    ];
    let mut rng = rand::rng();
    for _ in 0..14 {
        let (child, unit) = *places.choose(&mut rng).expect("place");
        let officer = rng.random_bool(0.3);
        let user = if officer {
            app.with_roles(unit, &[(Role::UnitAdmin, Some(elsewhere))])
                .await
        } else {
            app.member(unit).await
        };
        let mut k = Known {
            user,
            child,
            officer,
            listed: rng.random_bool(0.5),
            tested: [[false; 2]; 2],
            passed: [[false; 2]; 2],
        };
        for (p, lessons) in rounds.iter().enumerate() {
            for (lesson, round) in lessons.iter().enumerate() {
                // None, one failing, one passing, or a failure then a pass.
                let plan: &[usize] = [&[][..], &[0], &[1], &[0, 2]][rng.random_range(0..4)];
                for correct in plan {
                    take(app, &w, round, &k.user, *correct).await;
                    k.tested[p][lesson] = true;
                    k.passed[p][lesson] |= *correct >= 1;
                }
            }
        }
        known.push(k);
    }
    // The list: the members drawn for it, imported as a spreadsheet (one of them twice).
    let mut csv = String::from("Số điện thoại\n");
    for k in known.iter().filter(|k| k.listed) {
        csv.push_str(&format!("{}\n", k.user.phone));
    }
    if let Some(k) = known.iter().find(|k| k.listed) {
        csv.push_str(&format!("{}\n", k.user.phone));
    }
    let listed_count = known.iter().filter(|k| k.listed).count();
    if listed_count > 0 {
        let r = import_list(app, &w.admin, &listed, csv).await;
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.expect("json");
        assert_eq!(body["listed"], listed_count);
    }
    // Members on the list who passed both lessons hold a certificate once they look.
    for k in known
        .iter()
        .filter(|k| k.listed && k.passed[1] == [true, true])
    {
        let mine: Value = app
            .get("/api/v1/me/programmes", Some(&k.user.access))
            .await
            .json()
            .await
            .expect("json");
        let p = mine["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|p| p["course"]["id"] == listed["id"])
            .expect("the listed programme applies");
        assert_eq!(p["completed"], true);
        assert!(p["certificate"]["code"].is_string(), "{p}");
    }

    let everyone: Vec<&Known> = known.iter().collect();
    let audiences: [(&Value, usize, &InAudience); 3] = [
        (&all, 0, &|_| true),
        (&listed, 1, &|k| k.listed),
        (&officers, 2, &|k| k.officer),
    ];
    for (programme, index, in_audience) in audiences {
        let c = coverage(app, &w, w.root, programme).await;
        assert_eq!(
            numbers(&c["summary"]),
            expected(&everyone, index, in_audience),
            "whole tree, programme {index}: {c}"
        );
        for (i, child) in children.iter().enumerate() {
            let line = c["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|l| l["unit_id"] == child.into_uuid().to_string())
                .expect("a line per child");
            let under: Vec<&Known> = known.iter().filter(|k| k.child == Some(i)).collect();
            assert_eq!(
                numbers(line),
                expected(&under, index, in_audience),
                "child {i}, programme {index}"
            );
            // The child's own report counts the same members.
            let own = coverage(app, &w, *child, programme).await;
            assert_eq!(numbers(&own["summary"]), numbers(line));
        }
        let direct: Vec<&Known> = known.iter().filter(|k| k.child.is_none()).collect();
        let direct_line = c["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|l| l["direct"] == true);
        match direct_line {
            Some(line) => assert_eq!(numbers(line), expected(&direct, index, in_audience)),
            None => assert_eq!(expected(&direct, index, in_audience)[0], 0),
        }
        // Week by week: everyone counted as passed completed today, in this week.
        let weeks = c["weekly"].as_array().expect("weekly");
        let passed = c["summary"]["passed"].as_i64().expect("passed");
        if passed == 0 {
            assert!(weeks.is_empty(), "{c}");
        } else {
            let today = dautri_api::domain::time::vietnam_date(Utc::now());
            let monday = today
                - chrono::Duration::days(i64::from(
                    chrono::Datelike::weekday(&today).num_days_from_monday(),
                ));
            assert_eq!(weeks.len(), 1, "{c}");
            assert_eq!(weeks[0]["starts_on"], monday.to_string());
            assert_eq!(weeks[0]["completed"], passed);
            assert_eq!(weeks[0]["cumulative"], passed);
        }
        let summary = &c["summary"];
        let unfinished =
            summary["total"].as_i64().expect("total") - summary["passed"].as_i64().expect("passed");
        assert_eq!(pending_total(app, &w, w.root, programme).await, unfinished);
    }

    // A programme limited to child 0's subtree counts only there.
    let limited = programme(
        app,
        &w,
        json!({"kind": "all_members", "unit_id": children[0].into_uuid()}),
        false,
    )
    .await;
    let c = coverage(app, &w, w.root, &limited).await;
    let under0 = known.iter().filter(|k| k.child == Some(0)).count();
    assert_eq!(c["summary"]["total"], under0);

    // A member moves from child 1 to child 2: both children's counts of "all" follow.
    let before = coverage(app, &w, w.root, &all).await;
    let line = |c: &Value, i: usize| -> i64 {
        c["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|l| l["unit_id"] == children[i].into_uuid().to_string())
            .expect("line")["total"]
            .as_i64()
            .expect("total")
    };
    let mover = app.member(children[1]).await;
    let after_join = coverage(app, &w, w.root, &all).await;
    assert_eq!(line(&after_join, 1), line(&before, 1) + 1);
    let r = app
        .post(
            "/api/v1/me/unit-transfers",
            Some(&mover.access),
            &json!({"to_unit_id": children[2].into_uuid(), "reason": "Chuyển công tác"}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let request: Value = r.json().await.expect("json");
    let r = app
        .post(
            &format!(
                "/api/v1/unit-transfers/{}/approve",
                request["id"].as_str().expect("id")
            ),
            Some(&w.organizer.access),
            &json!({}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let moved = coverage(app, &w, w.root, &all).await;
    assert_eq!(line(&moved, 1), line(&before, 1));
    assert_eq!(line(&moved, 2), line(&before, 2) + 1);
    assert_eq!(moved["summary"]["total"], after_join["summary"]["total"]);
}

async fn import_list(
    app: &TestApp,
    who: &TestUser,
    programme: &Value,
    csv: String,
) -> reqwest::Response {
    let part = Part::bytes(csv.into_bytes())
        .file_name("danh-sach.csv")
        .mime_str("text/csv")
        .expect("mime");
    app.client
        .post(app.url(&format!(
            "/api/v1/courses/{}/audience",
            programme["id"].as_str().expect("id")
        )))
        .bearer_auth(&who.access)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .expect("request")
}

async fn sees_course(app: &TestApp, member: &TestUser, programme: &Value) -> bool {
    let mine: Value = app
        .get("/api/v1/me/programmes", Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    mine["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|p| p["course"]["id"] == programme["id"])
}

async fn a_listed_audience_is_imported_all_or_nothing(app: &TestApp) {
    let w = world(app, 2, 2).await;
    let listed = programme(app, &w, json!({"kind": "listed"}), false).await;
    let a = app.member(w.root).await;
    let b = app.member(w.root).await;
    let r = import_list(app, &w.admin, &listed, format!("phone\n{}\n", a.phone)).await;
    assert_eq!(r.status(), StatusCode::OK);
    // An unknown phone: nothing changes, the row is named.
    let r = import_list(
        app,
        &w.admin,
        &listed,
        format!("phone\n{}\n0999999999\n", b.phone),
    )
    .await;
    let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(body.to_string().contains("/rows/3/phone"), "{body}");
    assert!(sees_course(app, &a, &listed).await);
    assert!(!sees_course(app, &b, &listed).await);
    // An organizer does not manage a programme for the whole country; a programme that is not
    // listed refuses a list.
    let r = import_list(app, &w.organizer, &listed, format!("phone\n{}\n", b.phone)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = import_list(app, &a, &listed, format!("phone\n{}\n", b.phone)).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An organizer makes a listed programme for their own unit and imports its list...
    let own = app
        .post(
            "/api/v1/courses",
            Some(&w.organizer.access),
            &json!({"code": format!("O-{}", short_code()), "title": "Học tập nghị quyết",
                    "audience": {"kind": "listed", "unit_id": w.root.into_uuid()},
                    "lessons": [{"title": "Bài 1", "topic": topic(&w, 1)}]}),
        )
        .await;
    assert_eq!(own.status(), StatusCode::CREATED);
    let own: Value = own.json().await.expect("json");
    let r = import_list(app, &w.organizer, &own, format!("phone\n{}\n", b.phone)).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(sees_course(app, &b, &own).await);
    // ...but not one for new members (the theory course is the admins'), nor everywhere, nor
    // for a unit outside their scope.
    let r = app
        .post(
            "/api/v1/courses",
            Some(&w.organizer.access),
            &json!({"code": format!("O-{}", short_code()), "title": "Học tập lý luận",
                    "audience": {"kind": "new_members", "unit_id": w.root.into_uuid()},
                    "lessons": [{"title": "Bài 1"}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let elsewhere = app.unit(&format!("E{}", short_code()), None).await;
    for audience in [
        json!({"kind": "all_members"}),
        json!({"kind": "all_members", "unit_id": elsewhere.into_uuid()}),
    ] {
        let r = app
            .post(
                "/api/v1/courses",
                Some(&w.organizer.access),
                &json!({"code": format!("O-{}", short_code()), "title": "Học tập nghị quyết",
                        "audience": audience, "lessons": [{"title": "Bài 1"}]}),
            )
            .await;
        let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert!(
            body.to_string().contains("/audience/unit_id"),
            "{audience}: {body}"
        );
    }
    // A member manages nothing.
    let r = app
        .post(
            "/api/v1/courses",
            Some(&a.access),
            &json!({"code": format!("O-{}", short_code()), "title": "Học tập nghị quyết",
                    "audience": {"kind": "all_members", "unit_id": w.root.into_uuid()},
                    "lessons": [{"title": "Bài 1"}]}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let all = programme(app, &w, json!({"kind": "all_members"}), false).await;
    let r = import_list(app, &w.admin, &all, format!("phone\n{}\n", b.phone)).await;
    assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // A bad audience is refused with the field named.
    let r = app
        .post(
            "/api/v1/courses",
            Some(&w.admin.access),
            &json!({"code": format!("X-{}", short_code()), "title": "Nghị quyết",
                    "audience": {"kind": "all_members", "opens_on": "2026-06-01", "due_on": "2026-05-01"},
                    "lessons": [{"title": "Bài 1"}]}),
        )
        .await;
    let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(body.to_string().contains("/audience/due_on"), "{body}");
    let r = app
        .post(
            "/api/v1/courses",
            Some(&w.admin.access),
            &json!({"code": format!("X-{}", short_code()), "title": "Nghị quyết",
                    "audience": {"kind": "all_members", "unit_id": uuid::Uuid::now_v7()},
                    "lessons": [{"title": "Bài 1"}]}),
        )
        .await;
    let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(body.to_string().contains("/audience/unit_id"), "{body}");
}

async fn a_programme_period_decides_what_counts_and_what_members_see(app: &TestApp) {
    let w = world(app, 2, 2).await;
    let today = dautri_api::domain::time::vietnam_date(Utc::now());
    let day = |d: i64| (today + chrono::Duration::days(d)).to_string();
    // Ended yesterday: tests taken now do not count.
    let ended = programme(
        app,
        &w,
        json!({"kind": "all_members", "opens_on": day(-30), "due_on": day(-1)}),
        false,
    )
    .await;
    let running = programme(
        app,
        &w,
        json!({"kind": "all_members", "opens_on": day(-30), "due_on": day(30)}),
        false,
    )
    .await;
    let upcoming = programme(
        app,
        &w,
        json!({"kind": "all_members", "opens_on": day(2)}),
        false,
    )
    .await;
    let member = app.member(w.root).await;
    for p in [&ended, &running] {
        for n in 1..=2 {
            let r = round(app, &w, p, n).await;
            take(app, &w, &r, &member, 2).await;
        }
    }
    let c = coverage(app, &w, w.root, &ended).await;
    assert_eq!(c["summary"]["tested"], 0, "{c}");
    assert_eq!(c["summary"]["passed"], 0);
    let c = coverage(app, &w, w.root, &running).await;
    assert_eq!(c["summary"]["passed"], 1, "{c}");
    assert_eq!(c["summary"]["tested"], 1);

    let mine: Value = app
        .get("/api/v1/me/programmes", Some(&member.access))
        .await
        .json()
        .await
        .expect("json");
    let items = mine["items"].as_array().expect("items");
    let find = |p: &Value| {
        items
            .iter()
            .find(|i| i["course"]["id"] == p["id"])
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(find(&running)["phase"], "open");
    assert_eq!(find(&running)["completed"], true);
    assert_eq!(
        find(&running)["certificate"],
        Value::Null,
        "no certificate issued"
    );
    assert_eq!(find(&ended)["phase"], "ended");
    assert_eq!(find(&ended)["completed"], false);
    assert_eq!(find(&upcoming)["phase"], "upcoming");
    // Open first, then upcoming, then ended.
    let order: Vec<&str> = items.iter().filter_map(|i| i["phase"].as_str()).collect();
    let mut sorted = order.clone();
    sorted.sort_by_key(|p| match *p {
        "open" => 0,
        "upcoming" => 1,
        _ => 2,
    });
    assert_eq!(order, sorted);
    // The new members' theory course does not apply to a member without an admission date.
    let ids: HashSet<&Value> = items.iter().map(|i| &i["course"]["id"]).collect();
    assert!(!ids.contains(&w.course["id"]));
    let my = crate::theory::my_theory(
        app,
        &member,
        &format!("?course_id={}", running["id"].as_str().expect("id")),
    )
    .await;
    assert_eq!(my["required"], true);
}

/// A small but whole PDF.
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";

async fn upload_material(
    app: &TestApp,
    who: &TestUser,
    bytes: &[u8],
    mime: &str,
) -> reqwest::Response {
    let part = Part::bytes(bytes.to_vec())
        .file_name("tai-lieu")
        .mime_str(mime)
        .expect("mime");
    app.client
        .post(app.url("/api/v1/materials"))
        .bearer_auth(&who.access)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .expect("request")
}

/// A member's view of lesson `n` of `programme`.
async fn my_lesson(app: &TestApp, member: &TestUser, programme: &Value, n: usize) -> Value {
    let mine: Value = app
        .get(
            &format!(
                "/api/v1/me/theory?course_id={}",
                programme["id"].as_str().expect("id")
            ),
            Some(&member.access),
        )
        .await
        .json()
        .await
        .expect("json");
    mine["lessons"][n - 1].clone()
}

async fn lesson_materials_are_uploaded_files_or_links(app: &TestApp) {
    let w = world(app, 2, 2).await;
    let all = programme(app, &w, json!({"kind": "all_members"}), false).await;
    let member = app.member(w.root).await;

    // A PDF is stored by its content and served as one, inline and for good, to anyone.
    let r = upload_material(app, &w.organizer, PDF, "application/pdf").await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let stored: Value = r.json().await.expect("json");
    assert_eq!(stored["content_type"], "application/pdf");
    assert_eq!(stored["bytes"], PDF.len());
    let url = stored["url"].as_str().expect("url").to_owned();
    assert!(
        url.starts_with("/api/v1/materials/") && url.ends_with(".pdf"),
        "{url}"
    );
    let served = app.get(&url, None).await;
    assert_eq!(served.status(), StatusCode::OK);
    let headers = served.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(
        headers["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("inline")
    );
    assert!(
        headers["cache-control"]
            .to_str()
            .expect("ascii")
            .contains("immutable")
    );
    assert_eq!(served.bytes().await.expect("bytes").as_ref(), PDF);
    // Uploading it again names the same file.
    let again: Value = upload_material(app, &w.organizer, PDF, "application/octet-stream")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["url"], url.as_str());

    // A PDF cut off before its end, or a file that is neither PDF nor picture, is refused;
    // and so is a PDF declared as a picture.
    let cut = &PDF[..PDF.len() - 8];
    let body = assert_problem(
        upload_material(app, &w.organizer, cut, "application/pdf").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(body.to_string().contains("\"/file\""), "{body}");
    for (bytes, mime) in [
        (&b"<html><script>alert(1)</script></html>"[..], "text/html"),
        (&b"PK\x03\x04 a zip"[..], "application/zip"),
        (PDF, "image/png"),
    ] {
        assert_problem(
            upload_material(app, &w.organizer, bytes, mime).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
    // A member cannot upload; more than 20 MiB is too large.
    assert_eq!(
        upload_material(app, &member, PDF, "application/pdf")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let mut heavy = PDF.to_vec();
    heavy.resize(21 * 1024 * 1024, b' ');
    assert_eq!(
        upload_material(app, &w.organizer, &heavy, "application/pdf")
            .await
            .status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // A lesson's materials: the uploaded PDF and a link, in that order; members see them.
    let lesson = all["lessons"][0]["id"]
        .as_str()
        .expect("lesson id")
        .to_owned();
    let path = format!(
        "/api/v1/courses/{}/lessons/{lesson}/materials",
        all["id"].as_str().expect("id")
    );
    let materials = json!([
        {"title": "Toàn văn Nghị quyết (PDF)", "url": url},
        {"title": "Bài viết trên báo", "url": "https://doanthanhnien.vn/tin-tuc"}
    ]);
    let r = app
        .put(
            &path,
            Some(&w.admin.access),
            &json!({"materials": materials}),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let seen = my_lesson(app, &member, &all, 1).await;
    assert_eq!(seen["materials"], materials, "{seen}");
    assert_eq!(
        my_lesson(app, &member, &all, 2).await["materials"],
        json!([])
    );

    // A file nobody uploaded, a path outside the store or a script link is named and nothing
    // changes.
    let unknown = format!("/api/v1/materials/{}.pdf", "0".repeat(64));
    let r = app
        .put(
            &path,
            Some(&w.admin.access),
            &json!({"materials": [{"title": "Mất", "url": unknown}]}),
        )
        .await;
    let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(body.to_string().contains("/materials/0/url"), "{body}");
    let r = app
        .put(
            &path,
            Some(&w.admin.access),
            &json!({"materials": [
                {"title": "Ngoài kho", "url": "/api/v1/materials/../../etc/passwd"},
                {"title": "Mã độc", "url": "javascript:alert(1)"}
            ]}),
        )
        .await;
    let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    for pointer in ["/materials/0/url", "/materials/1/url"] {
        assert!(body.to_string().contains(pointer), "{pointer}: {body}");
    }
    assert_eq!(
        my_lesson(app, &member, &all, 1).await["materials"],
        materials
    );

    // A new programme may name the uploaded file at once; not a missing one.
    let tag = short_code();
    let r = app
        .post(
            "/api/v1/courses",
            Some(&w.admin.access),
            &json!({"code": format!("M-{tag}"), "title": "Nghị quyết", "audience": {"kind": "all_members"},
                    "lessons": [{"title": "Bài 1", "topic": topic(&w, 1), "materials": [{"title": "Văn bản", "url": url}]},
                                {"title": "Bài 2", "topic": topic(&w, 2), "materials": [{"title": "Mất", "url": unknown}]}]}),
        )
        .await;
    let body = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(
        body.to_string().contains("/lessons/1/materials/0/url"),
        "{body}"
    );

    // Someone who does not manage the programme cannot change its materials (an organizer
    // manages only programmes limited to a unit of theirs); a lesson of another programme is
    // not found.
    for who in [&member, &w.organizer] {
        let r = app
            .put(&path, Some(&who.access), &json!({"materials": []}))
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let other = w.course["lessons"][0]["id"].as_str().expect("lesson id");
    let r = app
        .put(
            &format!(
                "/api/v1/courses/{}/lessons/{other}/materials",
                all["id"].as_str().expect("id")
            ),
            Some(&w.admin.access),
            &json!({"materials": []}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // Unknown and malformed names are 404, never a path.
    let missing = format!("{}.pdf", "1".repeat(64));
    for bad in [missing.as_str(), "..%2F..%2Fetc%2Fpasswd", "tai-lieu.pdf"] {
        let response = app.get(&format!("/api/v1/materials/{bad}"), None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{bad}");
    }
}
