//! What the console's theory and report pages stand on: the audit log read by scope (a branch
//! manager never sees another branch's events), the certificates of a subtree, the pending
//! list and coverage as files, the participation report by Vietnamese days as the file units
//! send upward, and exports of personal data recorded.

use calamine::{Data, Reader, Xlsx};
use chrono::{Duration, Utc};
use dautri_api::domain::ids::UnitId;
use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{PASSWORD, TestApp, TestUser, assert_problem, pointers, random_phone};
use crate::theory::{World, lesson_id, short_code, take, test_round, world};

both_backends!(
    audit_log_is_read_by_scope,
    certificates_of_a_subtree_and_their_revocation,
    coverage_and_pending_lists_export_as_files,
    participation_report_counts_vietnamese_days_and_exports,
    exports_of_personal_data_are_audited,
);

/// Vietnam's date today.
fn vn_today() -> chrono::NaiveDate {
    (Utc::now() + Duration::hours(7)).date_naive()
}

/// A root with two branches, each with its own manager (unit admin and organizer).
struct Branches {
    root: UnitId,
    a: UnitId,
    b: UnitId,
    manager_a: TestUser,
    manager_b: TestUser,
}

async fn branches(app: &TestApp, root: Option<UnitId>) -> Branches {
    let root = match root {
        Some(r) => r,
        None => app.unit(&format!("R{}", short_code()), None).await,
    };
    let a = app.unit(&format!("A{}", short_code()), Some(root)).await;
    let b = app.unit(&format!("B{}", short_code()), Some(root)).await;
    let manager = |unit: UnitId| async move {
        app.with_roles(
            unit,
            &[(Role::UnitAdmin, Some(unit)), (Role::Organizer, Some(unit))],
        )
        .await
    };
    Branches {
        root,
        a,
        b,
        manager_a: manager(a).await,
        manager_b: manager(b).await,
    }
}

/// Registers a member of `unit` admitted on `admitted` (ISO) and signs them in.
async fn new_member(app: &TestApp, unit: UnitId, name: &str, admitted: &str) -> TestUser {
    let phone = random_phone();
    let r = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({
                "phone": phone, "password": PASSWORD, "full_name": name,
                "birth_date": "2000-05-19", "unit_id": unit.into_uuid(), "consent": true,
                "admitted_at": admitted,
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
    let tokens = app.login(&phone, PASSWORD).await;
    TestUser {
        id: dautri_api::domain::ids::UserId::from_uuid(
            body["id"].as_str().expect("id").parse().expect("id"),
        ),
        phone,
        access: tokens["access_token"].as_str().expect("a").to_owned(),
        refresh: tokens["refresh_token"].as_str().expect("r").to_owned(),
    }
}

async fn ok_json(r: reqwest::Response) -> Value {
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).expect("json")
}

async fn audit(app: &TestApp, who: &TestUser, query: &str) -> Value {
    ok_json(
        app.get(&format!("/api/v1/audit?{query}"), Some(&who.access))
            .await,
    )
    .await
}

fn actions(page: &Value) -> Vec<(String, Option<String>)> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["action"].as_str().expect("action").to_owned(),
                e["unit_id"].as_str().map(str::to_owned),
            )
        })
        .collect()
}

/// Reads the first sheet of an XLSX answer: its file name and its rows as text.
async fn xlsx(r: reqwest::Response) -> (String, Vec<Vec<String>>) {
    let status = r.status();
    assert_eq!(status, StatusCode::OK);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = r.bytes().await.expect("body");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    let sheet = book.worksheet_range_at(0).expect("a sheet").expect("range");
    let rows = sheet
        .rows()
        .map(|r| r.iter().map(Data::to_string).collect())
        .collect();
    (disposition, rows)
}

fn row_starting<'a>(rows: &'a [Vec<String>], first: &str) -> &'a Vec<String> {
    rows.iter()
        .find(|r| r.first().map(String::as_str) == Some(first))
        .unwrap_or_else(|| panic!("no row starting with {first}: {rows:?}"))
}

/// A branch manager reads the events about their branch and nothing of the other branch; the
/// manager above both reads both; a system admin reads everything. Filters by action (or
/// area), actor, unit and Vietnamese days; bad filters are 422 naming the field.
async fn audit_log_is_read_by_scope(app: &TestApp) {
    let t = branches(app, None).await;
    let admin = app.with_roles(t.root, &[(Role::Admin, None)]).await;
    let over_both = app
        .with_roles(t.root, &[(Role::UnitAdmin, Some(t.root))])
        .await;
    // Branch A: its manager sets the theory date and makes a member an organizer.
    let set = |unit: UnitId, who: &TestUser, date: &'static str| {
        let path = format!("/api/v1/units/{}/theory-since", unit.into_uuid());
        let token = who.access.clone();
        async move {
            ok_json(
                app.put(&path, Some(&token), &json!({"theory_since": date}))
                    .await,
            )
            .await
        }
    };
    set(t.a, &t.manager_a, "2025-01-01").await;
    let member_a = app.member(t.a).await;
    ok_json(
        app.put(
            &format!("/api/v1/users/{}/roles", member_a.id.into_uuid()),
            Some(&t.manager_a.access),
            &json!({"roles": [{"role": "organizer", "unit_id": t.a.into_uuid()}]}),
        )
        .await,
    )
    .await;
    // Branch B: its manager sets its date and creates a contest.
    set(t.b, &t.manager_b, "2024-06-01").await;
    let r = app
        .post(
            "/api/v1/contests",
            Some(&t.manager_b.access),
            &json!({"title": "Tìm hiểu lịch sử Đoàn", "unit_id": t.b.into_uuid(), "eligibility": {"unit_id": t.b.into_uuid()}}),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);

    let a_id = t.a.into_uuid().to_string();
    let b_id = t.b.into_uuid().to_string();
    let seen_a = actions(&audit(app, &t.manager_a, "").await);
    assert!(seen_a.contains(&("unit.theory_since".into(), Some(a_id.clone()))));
    assert!(seen_a.contains(&("user.roles".into(), Some(a_id.clone()))));
    assert!(
        seen_a.iter().all(|(_, u)| u.as_deref() == Some(&a_id)),
        "branch A's manager reads only A's events: {seen_a:?}"
    );
    let seen_b = actions(&audit(app, &t.manager_b, "").await);
    assert!(seen_b.contains(&("contest.create".into(), Some(b_id.clone()))));
    assert!(seen_b.contains(&("unit.theory_since".into(), Some(b_id.clone()))));
    assert!(
        seen_b.iter().all(|(_, u)| u.as_deref() == Some(&b_id)),
        "branch B's manager reads only B's events: {seen_b:?}"
    );
    let above = audit(app, &over_both, "").await;
    assert_eq!(
        above["total"].as_u64(),
        Some((seen_a.len() + seen_b.len()) as u64),
        "the manager above both reads both: {above}"
    );
    let all = audit(app, &admin, "limit=200").await;
    assert!(all["total"].as_u64().expect("total") >= above["total"].as_u64().expect("t"));

    // Each event names who did it.
    let page = audit(app, &t.manager_a, "action=user.roles").await;
    assert_eq!(page["total"], 1, "{page}");
    assert_eq!(
        page["items"][0]["actor_id"],
        json!(t.manager_a.id.into_uuid())
    );
    assert_eq!(page["items"][0]["actor_name"], "Nguyễn Văn Thử");
    assert_eq!(
        page["items"][0]["subject_id"],
        json!(member_a.id.into_uuid())
    );
    assert!(
        page["items"][0]["unit_name"]
            .as_str()
            .expect("unit")
            .starts_with("Đơn vị A")
    );

    // Filters: an area, an actor, a unit, Vietnamese days; paging.
    let area = audit(app, &over_both, "action=unit").await;
    assert_eq!(area["total"], 2, "both theory dates: {area}");
    let by_b = audit(
        app,
        &over_both,
        &format!("actor_id={}", t.manager_b.id.into_uuid()),
    )
    .await;
    assert_eq!(by_b["total"], 2, "{by_b}");
    let only_b = audit(app, &over_both, &format!("unit_id={b_id}")).await;
    assert_eq!(only_b["total"].as_u64(), Some(seen_b.len() as u64));
    let today = vn_today();
    let tomorrow = today + Duration::days(1);
    let yesterday = today - Duration::days(1);
    assert_eq!(
        audit(app, &over_both, &format!("from={today}&to={today}")).await["total"],
        above["total"]
    );
    assert_eq!(
        audit(app, &over_both, &format!("from={tomorrow}")).await["total"],
        0
    );
    assert_eq!(
        audit(app, &over_both, &format!("to={yesterday}")).await["total"],
        0
    );
    let first = audit(app, &over_both, "limit=1").await;
    let second = audit(app, &over_both, "limit=1&offset=1").await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(1));
    assert_ne!(first["items"][0]["id"], second["items"][0]["id"]);
    assert!(
        first["items"][0]["at"].as_str() >= second["items"][0]["at"].as_str(),
        "newest first"
    );

    // A branch manager cannot ask for the other branch; a member cannot read the log at all.
    let r = app
        .get(
            &format!("/api/v1/audit?unit_id={b_id}"),
            Some(&t.manager_a.access),
        )
        .await;
    assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = app.get("/api/v1/audit", Some(&member_a.access)).await;
    // member_a is now an organizer of A: reads A only.
    assert_eq!(r.status(), StatusCode::OK);
    let plain = app.member(t.a).await;
    let r = app.get("/api/v1/audit", Some(&plain.access)).await;
    assert_problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = app.get("/api/v1/audit", None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Bad filters name their field.
    for (query, pointer) in [
        ("action=DROP%20TABLE", "/action"),
        (&*format!("from={today}&to={yesterday}"), "/to"),
        ("limit=0", "/limit"),
    ] {
        let r = app
            .get(&format!("/api/v1/audit?{query}"), Some(&over_both.access))
            .await;
        let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(pointers(&p), vec![pointer.to_owned()], "{query}");
    }
    for query in ["from=2026-13-01", "actor_id=nope", "whatever=1"] {
        let r = app
            .get(&format!("/api/v1/audit?{query}"), Some(&over_both.access))
            .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
    }
}

/// Members of two branches complete a one-lesson course (each holds a certificate). A branch
/// manager lists, looks up and revokes their own branch's certificates only; the revoked list
/// says why and by whom; the public page says revoked; the audit log of that branch (and not
/// of the other) records it.
async fn certificates_of_a_subtree_and_their_revocation(app: &TestApp) {
    let w = world(app, 1, 2).await;
    let t = branches(app, Some(w.root)).await;
    let round = test_round(app, &w, 1, 2, None, json!({"lesson_id": lesson_id(&w, 1)})).await;
    let in_a = new_member(app, t.a, "Trần Thị Lan", "2025-03-26").await;
    let in_b = new_member(app, t.b, "Lê Văn Hùng", "2025-03-26").await;
    take(app, &w, &round, &in_a, 2).await;
    take(app, &w, &round, &in_b, 2).await;
    let list = |who: &TestUser, unit: UnitId, query: &str| {
        let path = format!("/api/v1/units/{}/certificates?{query}", unit.into_uuid());
        let token = who.access.clone();
        async move { app.get(&path, Some(&token)).await }
    };
    let a_list = ok_json(list(&t.manager_a, t.a, "").await).await;
    assert_eq!(a_list["total"], 1, "{a_list}");
    let cert = &a_list["items"][0];
    assert_eq!(cert["full_name"], "Trần Thị Lan");
    assert_eq!(cert["valid"], true);
    assert_eq!(cert["unit_id"], json!(t.a.into_uuid()));
    let code = cert["code"].as_str().expect("code").to_owned();
    let display = cert["display_code"].as_str().expect("display").to_owned();
    // The other branch's certificates are not there, by list or by code.
    let b_code = ok_json(list(&t.manager_b, t.b, "").await).await["items"][0]["code"]
        .as_str()
        .expect("b code")
        .to_owned();
    assert_ne!(b_code, code);
    let looked = ok_json(list(&t.manager_a, t.a, &format!("code={b_code}")).await).await;
    assert_eq!(looked["total"], 0, "{looked}");
    let looked = ok_json(
        list(
            &t.manager_a,
            t.a,
            &format!("code={}", display.to_lowercase()),
        )
        .await,
    )
    .await;
    assert_eq!(looked["total"], 1, "typed as printed, any case");
    assert_problem(
        list(&t.manager_a, t.b, "").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let p = assert_problem(
        list(&t.manager_a, t.a, "code=abc").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&p), vec!["/code".to_owned()]);
    assert_eq!(
        list(&t.manager_a, t.a, "status=lost").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // The root's organizer sees both.
    assert_eq!(
        ok_json(list(&w.organizer, w.root, "").await).await["total"],
        2
    );

    // Branch B's manager cannot revoke A's certificate; A's manager can.
    let revoke = |who: &TestUser, code: &str| {
        let path = format!("/api/v1/certificates/{code}/revoke");
        let token = who.access.clone();
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
        revoke(&t.manager_b, &code).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    ok_json(revoke(&t.manager_a, &code).await).await;
    let revoked = ok_json(list(&t.manager_a, t.a, "status=revoked").await).await;
    assert_eq!(revoked["total"], 1);
    assert_eq!(revoked["items"][0]["revoked_reason"], "Thi hộ, đã xác minh");
    assert_eq!(revoked["items"][0]["revoked_by_name"], "Nguyễn Văn Thử");
    assert_eq!(revoked["items"][0]["valid"], false);
    assert_eq!(
        ok_json(list(&t.manager_a, t.a, "status=valid").await).await["total"],
        0
    );
    assert_eq!(
        ok_json(list(&w.organizer, w.root, "status=valid").await).await["total"],
        1,
        "B's is still in force"
    );
    let public = ok_json(app.get(&format!("/api/v1/certificates/{code}"), None).await).await;
    assert_eq!(public["status"], "revoked");

    let a_log = audit(app, &t.manager_a, "action=certificate").await;
    assert_eq!(a_log["total"], 1, "{a_log}");
    assert_eq!(a_log["items"][0]["action"], "certificate.revoke");
    assert_eq!(a_log["items"][0]["detail"]["reason"], "Thi hộ, đã xác minh");
    assert_eq!(
        audit(app, &t.manager_b, "action=certificate").await["total"],
        0,
        "B's manager never sees A's revocation"
    );
}

/// Coverage counts new members (admitted on or after the unit's date) and who passed,
/// `x/y = z%`, and exports as XLSX with Vietnamese headers; the pending list pages as JSON
/// and downloads whole (recorded in the audit log).
async fn coverage_and_pending_lists_export_as_files(app: &TestApp) {
    let w = world(app, 2, 1).await;
    let t = branches(app, Some(w.root)).await;
    let r1 = test_round(app, &w, 1, 1, None, json!({"lesson_id": lesson_id(&w, 1)})).await;
    let r2 = test_round(app, &w, 2, 1, None, json!({"lesson_id": lesson_id(&w, 2)})).await;
    ok_json(
        app.put(
            &format!("/api/v1/units/{}/theory-since", t.a.into_uuid()),
            Some(&t.manager_a.access),
            &json!({"theory_since": "2025-01-01"}),
        )
        .await,
    )
    .await;
    let passing = [
        new_member(app, t.a, "Phạm Minh Anh", "2025-02-03").await,
        new_member(app, t.a, "Võ Thị Bình", "2025-04-30").await,
    ];
    let tested = new_member(app, t.a, "Đặng Quốc Cường", "2025-09-02").await;
    let _untouched = new_member(app, t.a, "Hoàng Thu Dung", "2025-10-15").await;
    let _old = new_member(app, t.a, "Bùi Văn Em", "2019-03-26").await;
    for m in &passing {
        take(app, &w, &r1, m, 1).await;
        take(app, &w, &r2, m, 1).await;
    }
    take(app, &w, &r1, &tested, 0).await;

    let coverage = ok_json(
        app.get(
            &format!("/api/v1/units/{}/theory-coverage", t.a.into_uuid()),
            Some(&t.manager_a.access),
        )
        .await,
    )
    .await;
    assert_eq!(coverage["theory_since"], "2025-01-01");
    assert_eq!(coverage["summary"]["total"], 4, "{coverage}");
    assert_eq!(coverage["summary"]["passed"], 2);
    assert_eq!(coverage["summary"]["tested"], 3);
    assert_eq!(coverage["summary"]["rate_text"], "2/4 = 50.0%");
    assert_eq!(coverage["summary"]["lessons"][0]["tested"], 3);
    // Branch B's manager sees none of it.
    let r = app
        .get(
            &format!("/api/v1/units/{}/theory-coverage", t.a.into_uuid()),
            Some(&t.manager_b.access),
        )
        .await;
    assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;

    let (name, rows) = xlsx(
        app.get(
            &format!(
                "/api/v1/units/{}/theory-coverage?format=xlsx",
                t.a.into_uuid()
            ),
            Some(&t.manager_a.access),
        )
        .await,
    )
    .await;
    assert!(name.contains("ket-qua-hoc-ly-luan-a"), "{name}");
    assert!(
        rows[0][0].starts_with("Kết quả học lý luận chính trị"),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r[0].starts_with("Xuất lúc:") && r[0].ends_with("(giờ Việt Nam)"))
    );
    let header = row_starting(&rows, "STT");
    assert_eq!(
        &header[..5],
        ["STT", "Đơn vị", "Đoàn viên mới", "Đã kiểm tra", "Đạt"]
    );
    let total = row_starting(&rows, "Tổng cộng");
    assert_eq!(
        (total[2].as_str(), total[4].as_str(), total[5].as_str()),
        ("4", "2", "2/4 = 50.0%")
    );

    // Pending: the two who have not passed, paged; then the whole list as a file.
    let page = ok_json(
        app.get(
            &format!("/api/v1/units/{}/theory-pending?limit=1", t.a.into_uuid()),
            Some(&t.manager_a.access),
        )
        .await,
    )
    .await;
    assert_eq!(page["total"], 2, "{page}");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    let (name, rows) = xlsx(
        app.get(
            &format!(
                "/api/v1/units/{}/theory-pending?format=xlsx",
                t.a.into_uuid()
            ),
            Some(&t.manager_a.access),
        )
        .await,
    )
    .await;
    assert!(name.contains("doan-vien-moi-chua-dat-ly-luan-a"), "{name}");
    assert!(name.contains(".xlsx"));
    assert_eq!(
        rows[0][0],
        "DANH SÁCH ĐOÀN VIÊN MỚI CHƯA HOÀN THÀNH HỌC LÝ LUẬN CHÍNH TRỊ"
    );
    assert!(
        rows.iter()
            .any(|r| r[0] == "Đoàn viên kết nạp từ ngày: 01/01/2025")
    );
    let header = row_starting(&rows, "STT");
    assert_eq!(
        header,
        &[
            "STT",
            "Họ và tên",
            "Số điện thoại",
            "Đơn vị",
            "Ngày kết nạp",
            "Số bài đã đạt",
            "Tình trạng"
        ]
    );
    let start = rows.iter().position(|r| r[0] == "STT").expect("header") + 1;
    let lines = &rows[start..];
    assert_eq!(lines.len(), 2, "{lines:?}");
    let cuong = lines
        .iter()
        .find(|l| l[1] == "Đặng Quốc Cường")
        .expect("Cường");
    assert_eq!(
        (cuong[4].as_str(), cuong[5].as_str(), cuong[6].as_str()),
        ("02/09/2025", "0/2", "Đã kiểm tra, chưa đạt")
    );
    assert!(cuong[2].contains("xx xxx"), "masked phone: {cuong:?}");
    let dung = lines
        .iter()
        .find(|l| l[1] == "Hoàng Thu Dung")
        .expect("Dung");
    assert_eq!(dung[6], "Chưa học");
    let csv = app
        .get(
            &format!(
                "/api/v1/units/{}/theory-pending?format=csv",
                t.a.into_uuid()
            ),
            Some(&t.manager_a.access),
        )
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.text().await.expect("csv").contains("Hoàng Thu Dung"));
    let bad = app
        .get(
            &format!(
                "/api/v1/units/{}/theory-pending?format=pdf",
                t.a.into_uuid()
            ),
            Some(&t.manager_a.access),
        )
        .await;
    let p = assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&p), vec!["/format".to_owned()]);
    let r = app
        .get(
            &format!(
                "/api/v1/units/{}/theory-pending?format=xlsx",
                t.a.into_uuid()
            ),
            Some(&t.manager_b.access),
        )
        .await;
    assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;

    let log = audit(app, &t.manager_a, "action=export").await;
    assert_eq!(log["total"], 2, "the XLSX and the CSV: {log}");
    assert_eq!(log["items"][0]["action"], "export.theory_pending");
    assert_eq!(log["items"][0]["detail"]["rows"], 2);
    assert_eq!(audit(app, &t.manager_b, "action=export").await["total"], 0);
}

/// The participation report counts attempts by Vietnamese days and downloads in the layout
/// units send upward: a title block naming the unit and the period, Vietnamese headers, a
/// total line, a readable file name. Another branch's manager cannot have it.
async fn participation_report_counts_vietnamese_days_and_exports(app: &TestApp) {
    let w: World = world(app, 1, 1).await;
    let t = branches(app, Some(w.root)).await;
    let round = test_round(app, &w, 1, 1, None, json!({"lesson_id": lesson_id(&w, 1)})).await;
    let m = new_member(app, t.a, "Ngô Thị Giang", "2025-05-01").await;
    take(app, &w, &round, &m, 1).await;
    // Branch A declares 40 members as of four days ago: the rate is against them, dated.
    let today = vn_today();
    let declared = today - Duration::days(4);
    ok_json(
        app.patch(
            &format!("/api/v1/units/{}", t.a.into_uuid()),
            Some(&w.organizer.access),
            &json!({"member_count": 40, "member_count_date": declared}),
        )
        .await,
    )
    .await;
    let url = |unit: UnitId, from: chrono::NaiveDate, to: chrono::NaiveDate, format: &str| {
        format!(
            "/api/v1/units/{}/participation?from={from}&to={to}{format}",
            unit.into_uuid()
        )
    };
    let report = ok_json(
        app.get(&url(w.root, today, today, ""), Some(&w.organizer.access))
            .await,
    )
    .await;
    assert_eq!(report["total"]["participants"], 1, "{report}");
    let a_line = report["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|l| l["unit_id"] == json!(t.a.into_uuid()))
        .expect("A's line");
    assert_eq!(a_line["attempts"], 1);
    assert_eq!(a_line["members_as_of"], json!(declared));
    assert_eq!(a_line["rate_text"], "1/40 = 2.5%");
    // Yesterday in Vietnam saw nothing.
    let yesterday = today - Duration::days(1);
    let before = ok_json(
        app.get(
            &url(w.root, yesterday, yesterday, ""),
            Some(&w.organizer.access),
        )
        .await,
    )
    .await;
    assert_eq!(before["total"]["participants"], 0);

    let (name, rows) = xlsx(
        app.get(
            &url(t.a, today, today, "&format=xlsx"),
            Some(&t.manager_a.access),
        )
        .await,
    )
    .await;
    let d = today.format("%d-%m-%Y").to_string();
    assert!(name.contains("bao-cao-tham-gia-a"), "{name}");
    assert!(name.contains(&format!("-tu-{d}-den-{d}.xlsx")), "{name}");
    assert_eq!(
        rows[0][0],
        "BÁO CÁO KẾT QUẢ THAM GIA CÁC CUỘC THI TRỰC TUYẾN"
    );
    assert!(rows[1][0].starts_with("Đơn vị: Đơn vị A"), "{rows:?}");
    let period = today.format("%d/%m/%Y").to_string();
    assert_eq!(
        rows[2][0],
        format!("Thời gian: từ ngày {period} đến hết ngày {period} (giờ Việt Nam)")
    );
    assert!(rows[3][0].starts_with("Xuất lúc: ") && rows[3][0].ends_with("(giờ Việt Nam)"));
    let header = row_starting(&rows, "STT");
    assert_eq!(
        header,
        &[
            "STT",
            "Đơn vị",
            "Mã",
            "Số đoàn viên",
            "Tính đến ngày",
            "Số người tham gia",
            "Số lượt thi",
            "Tỷ lệ tham gia"
        ]
    );
    let total = row_starting(&rows, "Tổng cộng");
    let declared_text = declared.format("%d/%m/%Y").to_string();
    assert_eq!(
        total[3..].to_vec(),
        ["40", declared_text.as_str(), "1", "1", "1/40 = 2.5%"],
        "{rows:?}"
    );

    let r = app
        .get(
            &url(t.a, today, today, "&format=xlsx"),
            Some(&t.manager_b.access),
        )
        .await;
    assert_problem(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = app
        .get(&url(t.a, today, yesterday, ""), Some(&t.manager_a.access))
        .await;
    let p = assert_problem(r, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(pointers(&p), vec!["/to".to_owned()]);
}

/// Exporting a round's ranking (names and phones) is recorded under the subtree exported, for
/// that subtree's managers and not for another branch's.
async fn exports_of_personal_data_are_audited(app: &TestApp) {
    let w = world(app, 1, 1).await;
    let t = branches(app, Some(w.root)).await;
    let round = test_round(app, &w, 1, 1, None, json!({"lesson_id": lesson_id(&w, 1)})).await;
    let m = new_member(app, t.a, "Lý Thị Hoa", "2025-05-01").await;
    take(app, &w, &round, &m, 1).await;
    let r = app
        .get(
            &format!(
                "/api/v1/rounds/{round}/export?format=csv&unit_id={}",
                t.a.into_uuid()
            ),
            Some(&t.manager_a.access),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "{}",
        r.text().await.unwrap_or_default()
    );
    let log = audit(app, &t.manager_a, "action=export.round").await;
    assert_eq!(log["total"], 1, "{log}");
    assert_eq!(log["items"][0]["unit_id"], json!(t.a.into_uuid()));
    assert_eq!(log["items"][0]["detail"]["report"], "ranking");
    assert_eq!(log["items"][0]["detail"]["format"], "csv");
    assert_eq!(audit(app, &t.manager_b, "action=export").await["total"], 0);
    // Participation by unit carries no names: not recorded.
    let r = app
        .get(
            &format!("/api/v1/rounds/{round}/export?format=csv&report=units"),
            Some(&w.organizer.access),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(audit(app, &w.admin, "action=export").await["total"], 1);
}
