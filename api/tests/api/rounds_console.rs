//! What the organizers' round console reads and does over HTTP: the live monitor's activity
//! counters, the entrants with who they are (to void a result), what a republication changed,
//! the join QR code of the big screen, and exports with readable names and Vietnam time.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use dautri_api::domain::ids::UnitId;
use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both_backends;
use crate::helpers::{TestApp, TestUser, assert_problem};

both_backends!(
    the_monitor_counts_attempts_started_running_and_handed_in,
    organizers_see_who_the_entrants_are_and_void_by_them,
    a_republication_says_what_changed_for_whom,
    the_big_screen_qr_code_holds_the_join_address,
    exports_have_readable_names_and_vietnam_time,
);

/// A contest of a fresh unit with one open round of three single-answer questions (option
/// "A" is right), 10 points each, a first and a second prize.
struct Round {
    unit: UnitId,
    organizer: TestUser,
    contest_id: String,
    round_id: String,
    /// question id → correct option id
    key: HashMap<String, String>,
}

async fn open_round(app: &TestApp, title: &str, round_name: &str) -> Round {
    let unit = app
        .unit(
            &format!("R{}", &Uuid::now_v7().simple().to_string()[20..]),
            None,
        )
        .await;
    let organizer = app.with_roles(unit, &[(Role::Organizer, Some(unit))]).await;
    let mut key = HashMap::new();
    for i in 0..3 {
        let q: Value = app
            .post(
                "/api/v1/questions",
                Some(&organizer.access),
                &json!({
                    "unit_id": unit.into_uuid(), "kind": "single",
                    "text": format!("Câu hỏi {i}: chọn A?"),
                    "options": [{"text": "A", "correct": true}, {"text": "B"}],
                    "topic": {"code": "law", "name": "Pháp luật"},
                }),
            )
            .await
            .json()
            .await
            .expect("json");
        let right = q["options"]
            .as_array()
            .expect("options")
            .iter()
            .find(|o| o["correct"] == true)
            .expect("correct")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        key.insert(q["id"].as_str().expect("id").to_owned(), right);
    }
    let contest: Value = app
        .post(
            "/api/v1/contests",
            Some(&organizer.access),
            &json!({
                "title": title, "unit_id": unit.into_uuid(), "eligibility": {"unit_id": unit.into_uuid()},
                "prizes": {"round": [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 1}]},
            }),
        )
        .await
        .json()
        .await
        .expect("json");
    let contest_id = contest["id"].as_str().expect("contest id").to_owned();
    let now = Utc::now();
    let r = app
        .post(
            &format!("/api/v1/contests/{contest_id}/rounds"),
            Some(&organizer.access),
            &json!({
                "name": round_name,
                "opens_at": (now - chrono::Duration::seconds(60)).to_rfc3339(),
                "closes_at": (now + chrono::Duration::hours(1)).to_rfc3339(),
                "questions_per_attempt": 3,
                "time_limit_seconds": 600,
                "attempts_allowed": null,
                "pool": {"quotas": [{"topic": "law", "count": 3}]},
                "points_per_question": 10,
                "review": "score_only",
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
    Round {
        unit,
        organizer,
        contest_id,
        round_id: round["id"].as_str().expect("round id").to_owned(),
        key,
    }
}

/// Starts an attempt and returns it.
async fn start(app: &TestApp, r: &Round, member: &TestUser) -> Value {
    let res = app
        .post(
            &format!("/api/v1/rounds/{}/attempts", r.round_id),
            Some(&member.access),
            &json!({}),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "{}",
        res.text().await.unwrap_or_default()
    );
    res.json().await.expect("json")
}

/// Answers `right` questions of a started attempt correctly, the others wrongly, and hands it in.
async fn hand_in(app: &TestApp, r: &Round, member: &TestUser, attempt: &Value, right: usize) {
    let id = attempt["id"].as_str().expect("id");
    for (i, q) in attempt["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .enumerate()
    {
        let qid = q["id"].as_str().expect("qid");
        let pick = if i < right {
            r.key[qid].clone()
        } else {
            q["options"]
                .as_array()
                .expect("options")
                .iter()
                .filter_map(|o| o["id"].as_str())
                .find(|o| *o != r.key[qid])
                .expect("a wrong option")
                .to_owned()
        };
        let saved = app
            .put(
                &format!("/api/v1/attempts/{id}/answers/{qid}"),
                Some(&member.access),
                &json!({"option_ids": [pick]}),
            )
            .await;
        assert_eq!(saved.status(), StatusCode::OK);
    }
    let done = app
        .post(
            &format!("/api/v1/attempts/{id}/finish"),
            Some(&member.access),
            &json!({}),
        )
        .await;
    assert_eq!(done.status(), StatusCode::OK);
}

async fn take(app: &TestApp, r: &Round, member: &TestUser, right: usize) {
    let attempt = start(app, r, member).await;
    hand_in(app, r, member, &attempt, right).await;
}

/// Closes the round a minute ago (as if its time had run out), so it may be published.
async fn close_now(app: &TestApp, r: &Round) {
    use dautri_api::persistence::entities::rounds;
    rounds::Entity::update_many()
        .col_expr(
            rounds::Column::ClosesAt,
            Expr::value(Utc::now() - chrono::Duration::minutes(1)),
        )
        .filter(rounds::Column::Id.eq(r.round_id.parse::<Uuid>().expect("uuid")))
        .exec(&app.state.db)
        .await
        .expect("close the round");
}

/// Reads the event stream until an event whose data satisfies `want` arrives, or `wait` passes.
async fn event_where(
    response: &mut reqwest::Response,
    buffer: &mut String,
    wait: Duration,
    want: impl Fn(&Value) -> bool,
) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data: ")) {
                let value: Value = serde_json::from_str(data).expect("json data");
                if want(&value) {
                    return Some(value);
                }
            }
        }
        let chunk = tokio::time::timeout_at(deadline, response.chunk())
            .await
            .ok()?;
        let bytes = chunk.expect("stream")?;
        buffer.push_str(std::str::from_utf8(&bytes).expect("utf-8"));
    }
}

async fn live(app: &TestApp, r: &Round, token: Option<&str>) -> reqwest::Response {
    let mut req = app
        .client
        .get(app.url(&format!("/api/v1/rounds/{}/live", r.round_id)));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.expect("connect");
    assert_eq!(res.status(), StatusCode::OK);
    res
}

/// The organizer's stream carries the activity: an attempt started shows as started and
/// running, handing it in moves it to "handed in during the last minute"; a member's stream of
/// the same (public) board has no activity.
async fn the_monitor_counts_attempts_started_running_and_handed_in(app: &TestApp) {
    let r = open_round(app, "Cuộc thi giám sát", "Tuần 1").await;
    let (a, b) = (app.member(r.unit).await, app.member(r.unit).await);
    let wait = Duration::from_secs(15);
    let mut stream = live(app, &r, Some(&r.organizer.access)).await;
    let mut buf = String::new();
    let first = event_where(&mut stream, &mut buf, wait, |_| true)
        .await
        .expect("a first snapshot");
    assert_eq!(
        first["activity"],
        json!({"started_attempts": 0, "in_progress": 0, "finished_last_minute": 0, "counted_at": first["activity"]["counted_at"]}),
        "{first}"
    );
    let running = start(app, &r, &a).await;
    let seen = event_where(&mut stream, &mut buf, wait, |v| {
        v["activity"]["started_attempts"] == 1
    })
    .await
    .expect("the start is counted");
    assert_eq!(
        (
            seen["activity"]["in_progress"].as_u64(),
            seen["participants"].as_i64()
        ),
        (Some(1), Some(0)),
        "{seen}"
    );
    hand_in(app, &r, &a, &running, 2).await;
    take(app, &r, &b, 3).await;
    let seen = event_where(&mut stream, &mut buf, wait, |v| {
        v["activity"]["finished_last_minute"] == 2 && v["participants"] == 2
    })
    .await
    .expect("the finishes are counted");
    assert_eq!(
        (
            seen["activity"]["started_attempts"].as_u64(),
            seen["activity"]["in_progress"].as_u64(),
            seen["finished_attempts"].as_i64(),
            seen["top"][0]["score"].as_i64(),
        ),
        (Some(2), Some(0), Some(2), Some(30)),
        "{seen}"
    );
    drop(stream);
    // A member who may enter sees the board, without the activity.
    let mut member_stream = live(app, &r, Some(&a.access)).await;
    let mut buf = String::new();
    let theirs = event_where(&mut member_stream, &mut buf, wait, |_| true)
        .await
        .expect("a snapshot");
    assert_eq!(
        (theirs["activity"].clone(), theirs["participants"].as_i64()),
        (Value::Null, Some(2))
    );
}

/// The entrants list names people (full name, masked phone, id) to the organizers only; a
/// void takes the entrant off it and a restore brings them back.
async fn organizers_see_who_the_entrants_are_and_void_by_them(app: &TestApp) {
    let r = open_round(app, "Cuộc thi danh sách", "Tuần 1").await;
    let (a, b) = (app.member(r.unit).await, app.member(r.unit).await);
    take(app, &r, &a, 3).await;
    take(app, &r, &b, 1).await;
    let url = format!("/api/v1/rounds/{}/entrants", r.round_id);
    let org = Some(r.organizer.access.as_str());
    let list: Value = app.get(&url, org).await.json().await.expect("json");
    assert_eq!(list["total"], 2, "{list}");
    let first = &list["items"][0];
    assert_eq!(
        (
            first["rank"].as_u64(),
            first["user_id"].as_str(),
            first["score"].as_i64()
        ),
        (
            Some(1),
            Some(a.id.into_uuid().to_string().as_str()),
            Some(30)
        ),
        "{list}"
    );
    assert_eq!(first["full_name"], "Nguyễn Văn Thử");
    let masked = first["phone_masked"].as_str().expect("masked");
    assert!(
        masked.contains("xx xxx") && !list.to_string().contains(&a.phone),
        "{list}"
    );
    // Members may not list entrants; paging and units are checked.
    let member = app.get(&url, Some(&a.access)).await;
    assert_problem(member, StatusCode::FORBIDDEN, "forbidden").await;
    let bad = app.get(&format!("{url}?limit=0"), org).await;
    assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let unknown = app
        .get(&format!("/api/v1/rounds/{}/entrants", Uuid::now_v7()), org)
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // Voided: off the list (and the board); restored: back.
    let void = app
        .post(
            &format!(
                "/api/v1/rounds/{}/results/{}/void",
                r.round_id,
                a.id.into_uuid()
            ),
            org,
            &json!({"reason": "Thi hộ (đã xác minh)"}),
        )
        .await;
    assert_eq!(void.status(), StatusCode::CREATED);
    let list: Value = app.get(&url, org).await.json().await.expect("json");
    assert_eq!(
        (list["total"].as_u64(), list["items"][0]["user_id"].as_str()),
        (Some(1), Some(b.id.into_uuid().to_string().as_str()))
    );
    let restore = app
        .post(
            &format!(
                "/api/v1/rounds/{}/results/{}/restore",
                r.round_id,
                a.id.into_uuid()
            ),
            org,
            &json!({"reason": "Xác minh lại: không thi hộ"}),
        )
        .await;
    assert_eq!(restore.status(), StatusCode::OK);
    let list: Value = app.get(&url, org).await.json().await.expect("json");
    assert_eq!(
        (list["total"].as_u64(), list["items"][0]["user_id"].as_str()),
        (Some(2), Some(a.id.into_uuid().to_string().as_str()))
    );
}

/// Publishing, voiding the winner and publishing again reports who moved: the winner left the
/// ranking, the second became first and took the first prize; the publications keep it.
async fn a_republication_says_what_changed_for_whom(app: &TestApp) {
    let r = open_round(app, "Cuộc thi công bố", "Tuần 1").await;
    let (a, b, c) = (
        app.member(r.unit).await,
        app.member(r.unit).await,
        app.member(r.unit).await,
    );
    take(app, &r, &a, 3).await;
    take(app, &r, &b, 2).await;
    take(app, &r, &c, 1).await;
    close_now(app, &r).await;
    let org = Some(r.organizer.access.as_str());
    let publish = format!("/api/v1/rounds/{}/publish", r.round_id);
    let first: Value = app
        .post(&publish, org, &json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (
            first["ranked"].as_u64(),
            first["republished"].as_bool(),
            first["changed"].as_u64()
        ),
        (Some(3), Some(false), Some(0)),
        "{first}"
    );
    assert_eq!(first["changes"], json!([]));
    let void = app
        .post(
            &format!(
                "/api/v1/rounds/{}/results/{}/void",
                r.round_id,
                a.id.into_uuid()
            ),
            org,
            &json!({"reason": "Dùng hai tài khoản"}),
        )
        .await;
    assert_eq!(void.status(), StatusCode::CREATED);
    let again: Value = app
        .post(&publish, org, &json!({}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (
            again["ranked"].as_u64(),
            again["republished"].as_bool(),
            again["changed"].as_u64()
        ),
        (Some(2), Some(true), Some(3)),
        "{again}"
    );
    let who = |u: &TestUser| u.id.into_uuid().to_string();
    let changes: Vec<(String, Value, Value)> = again["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["user_id"].as_str().expect("id").to_owned(),
                c["before"].clone(),
                c["after"].clone(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (
                who(&b),
                json!({"rank": 2, "prize": "Giải Nhì"}),
                json!({"rank": 1, "prize": "Giải Nhất"})
            ),
            (
                who(&c),
                json!({"rank": 3, "prize": null}),
                json!({"rank": 2, "prize": "Giải Nhì"})
            ),
            (
                who(&a),
                json!({"rank": 1, "prize": "Giải Nhất"}),
                Value::Null
            ),
        ]
    );
    assert_eq!(again["changes"][0]["full_name"], "Nguyễn Văn Thử");
    // The record of publications, newest first, keeps what changed.
    let list: Value = app
        .get(&format!("/api/v1/rounds/{}/publications", r.round_id), org)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 2, "{list}");
    assert_eq!(
        (
            list["items"][0]["republished"].as_bool(),
            list["items"][0]["changed"].as_u64(),
            list["items"][1]["republished"].as_bool()
        ),
        (Some(true), Some(3), Some(false))
    );
    assert_eq!(list["items"][0]["changes"], again["changes"]);
    assert_eq!(list["items"][0]["published_at"], again["published_at"]);
    let member = app
        .get(
            &format!("/api/v1/rounds/{}/publications", r.round_id),
            Some(&b.access),
        )
        .await;
    assert_problem(member, StatusCode::FORBIDDEN, "forbidden").await;
}

/// The big screen's QR code is an SVG whose code holds the round's join address; an unknown
/// round is a 404 problem.
async fn the_big_screen_qr_code_holds_the_join_address(app: &TestApp) {
    let r = open_round(app, "Cuộc thi màn hình", "Tuần 1").await;
    let res = app
        .get(&format!("/api/v1/rounds/{}/qr.svg", r.round_id), None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/svg+xml");
    let svg = res.text().await.expect("svg");
    assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{svg}");
    // The same address makes the same code: compare with the join address encoded directly.
    let host = app.address.trim_start_matches("http://");
    let expected = dautri_api::app::theory::certificates::qr_svg(&format!(
        "http://{host}/vao-thi/{}",
        r.round_id
    ))
    .expect("qr");
    assert_eq!(svg, expected);
    let unknown = app
        .get(&format!("/api/v1/rounds/{}/qr.svg", Uuid::now_v7()), None)
        .await;
    assert_problem(unknown, StatusCode::NOT_FOUND, "not_found").await;
}

fn file_name(res: &reqwest::Response) -> String {
    let cd = res.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    cd.split("filename=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("file name")
        .to_owned()
}

/// Every export of the round and the contest is named for the contest, the round, what it
/// is and the day (Vietnam time), and writes times in Vietnam time saying so in the header:
/// parsed back, the prize list's hand-in time is the finish plus seven hours.
async fn exports_have_readable_names_and_vietnam_time(app: &TestApp) {
    use calamine::{Data, Reader, Xlsx};
    let r = open_round(app, "Cuộc thi “Tìm hiểu Luật An ninh mạng”", "Tuần thứ 2").await;
    let a = app.member(r.unit).await;
    take(app, &r, &a, 3).await;
    let finished: Value = app
        .get(
            &format!("/api/v1/me/attempts?round_id={}", r.round_id),
            Some(&a.access),
        )
        .await
        .json()
        .await
        .expect("json");
    let finished_at = chrono::DateTime::parse_from_rfc3339(
        finished["items"][0]["result"]["finished_at"]
            .as_str()
            .expect("finished_at"),
    )
    .expect("time")
    .with_timezone(&Utc);
    close_now(app, &r).await;
    let org = Some(r.organizer.access.as_str());
    assert_eq!(
        app.post(
            &format!("/api/v1/rounds/{}/publish", r.round_id),
            org,
            &json!({})
        )
        .await
        .status(),
        StatusCode::OK
    );
    let day = (Utc::now() + chrono::Duration::hours(7))
        .format("%Y-%m-%d")
        .to_string();
    let stem = "cuoc-thi-tim-hieu-luat-an-ninh-mang_tuan-thu-2";
    let cases = [
        (
            format!(
                "/api/v1/rounds/{}/export?format=xlsx&report=prizes",
                r.round_id
            ),
            format!("{stem}_giai-thuong_{day}.xlsx"),
        ),
        (
            format!("/api/v1/rounds/{}/export?format=csv", r.round_id),
            format!("{stem}_ket-qua_{day}.csv"),
        ),
        (
            format!(
                "/api/v1/rounds/{}/export?format=csv&report=units",
                r.round_id
            ),
            format!("{stem}_tham-gia_{day}.csv"),
        ),
        (
            format!("/api/v1/contests/{}/export?format=csv", r.contest_id),
            format!("cuoc-thi-tim-hieu-luat-an-ninh-mang_xep-hang_{day}.csv"),
        ),
    ];
    for (url, name) in &cases {
        let res = app.get(url, org).await;
        assert_eq!(res.status(), StatusCode::OK, "{url}");
        assert_eq!(&file_name(&res), name, "{url}");
        let body = res.bytes().await.expect("body");
        if name.ends_with(".csv") {
            let text = String::from_utf8(body.to_vec()).expect("utf-8");
            assert!(text.contains("(giờ Việt Nam, UTC+7)"), "{url}: {text}");
        }
    }
    // The prize list, parsed back: the header names the zone, the time is Vietnam time.
    let res = app.get(&cases[0].0, org).await;
    let bytes = res.bytes().await.expect("body");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("range");
    let rows: Vec<Vec<Data>> = sheet.rows().map(<[Data]>::to_vec).collect();
    assert!(
        rows.iter().any(|r| r
            .first()
            .is_some_and(|c| c.to_string().starts_with("Xuất lúc: ")
                && c.to_string().ends_with("(giờ Việt Nam, UTC+7)"))),
        "{rows:?}"
    );
    let header = rows
        .iter()
        .position(|r| r.first() == Some(&Data::String("Hạng".into())))
        .expect("header row");
    let column = rows[header]
        .iter()
        .position(|c| *c == Data::String("Nộp bài lúc (giờ Việt Nam, UTC+7)".into()))
        .expect("the time column says its zone");
    let line = &rows[header + 1];
    assert_eq!(line[11].to_string(), "Giải Nhất");
    let written = match &line[column] {
        Data::DateTime(d) => d.as_datetime().expect("a date-time"),
        other => panic!("not a date-time: {other:?}"),
    };
    let expected = (finished_at + chrono::Duration::hours(7)).naive_utc();
    let gap = (written - expected).num_milliseconds().abs();
    assert!(gap < 1_000, "written {written}, expected {expected}");
}
