//! The unit tree: listing, search, reading, creating, editing, moving, importing.

use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, TestUser, assert_problem, pointers};

both_backends!(
    lists_roots_then_children_with_totals,
    search_ignores_case_and_diacritics,
    a_unit_comes_with_its_ancestors,
    creating_needs_a_unit_admin_over_the_parent,
    codes_are_unique,
    renames_and_member_counts_are_checked,
    moving_a_subtree_carries_its_descendants,
    a_unit_cannot_move_under_itself,
    csv_import_creates_a_tree_in_any_row_order,
    xlsx_import_creates_units,
    an_import_with_bad_rows_imports_nothing_and_reports_each,
    a_dry_run_writes_nothing,
    import_refuses_files_that_are_not_csv_or_xlsx,
);

async fn admin(app: &TestApp) -> TestUser {
    let home = app.unit("HOME", None).await;
    app.with_roles(home, &[(Role::Admin, None)]).await
}

async fn lists_roots_then_children_with_totals(app: &TestApp) {
    let root = app.unit("R", None).await;
    for code in ["R-C", "R-A", "R-B"] {
        app.unit(code, Some(root)).await;
    }
    let roots: Value = app
        .get("/api/v1/units", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(roots["total"], 1);
    let page: Value = app
        .get(&format!("/api/v1/units?parent_id={root}&limit=2"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(page["total"], 3);
    let codes: Vec<&str> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|u| u["code"].as_str())
        .collect();
    assert_eq!(codes, vec!["R-A", "R-B"], "sorted by name, first page");
    let rest: Value = app
        .get(
            &format!("/api/v1/units?parent_id={root}&offset=2&limit=2"),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(rest["items"][0]["code"], "R-C");
    assert_eq!(rest["items"][0]["depth"], 1);
}

async fn search_ignores_case_and_diacritics(app: &TestApp) {
    let admin = admin(app).await;
    let root = app
        .post(
            "/api/v1/units",
            Some(&admin.access),
            &json!({"name": "Đoàn Khối Doanh nghiệp", "code": "DK"}),
        )
        .await;
    let root: Value = root.json().await.expect("json");
    for (name, code) in [
        ("Đoàn cơ sở Công ty Điện lực", "DCS-1"),
        ("Chi đoàn Kỹ thuật", "CD-1"),
        ("Ban Tuyên giáo", "BTG"),
    ] {
        let response = app
            .post(
                "/api/v1/units",
                Some(&admin.access),
                &json!({"name": name, "code": code, "parent_id": root["id"]}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    for (q, expected) in [
        ("doan co so", vec!["DCS-1"]),
        ("ĐOÀN CƠ SỞ", vec!["DCS-1"]),
        ("ky thuat", vec!["CD-1"]),
        ("btg", vec!["BTG"]),
        ("khong co", vec![]),
    ] {
        let found: Value = app
            .get(&format!("/api/v1/units?q={}", urlencode(q)), None)
            .await
            .json()
            .await
            .expect("json");
        let codes: Vec<&str> = found["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|u| u["code"].as_str())
            .collect();
        assert_eq!(codes, expected, "search {q:?}");
    }
    // Within a subtree: "doan" under DK finds the two descendants whose names contain it, not DK itself.
    let found: Value = app
        .get(
            &format!(
                "/api/v1/units?q=doan&parent_id={}",
                root["id"].as_str().expect("id")
            ),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(found["total"], 2);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn a_unit_comes_with_its_ancestors(app: &TestApp) {
    let a = app.unit("A", None).await;
    let b = app.unit("A-B", Some(a)).await;
    let c = app.unit("A-B-C", Some(b)).await;
    let body: Value = app
        .get(&format!("/api/v1/units/{c}"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["code"], "A-B-C");
    assert_eq!(body["parent_id"], b.into_uuid().to_string());
    let chain: Vec<&str> = body["ancestors"]
        .as_array()
        .expect("ancestors")
        .iter()
        .filter_map(|u| u["code"].as_str())
        .collect();
    assert_eq!(chain, vec!["A", "A-B"]);
}

async fn creating_needs_a_unit_admin_over_the_parent(app: &TestApp) {
    let a = app.unit("A", None).await;
    let b = app.unit("B", None).await;
    let member = app.member(a).await;
    let body = json!({"name": "Chi đoàn mới", "code": "NEW", "parent_id": a.into_uuid()});
    assert_problem(
        app.post("/api/v1/units", None, &body).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_problem(
        app.post("/api/v1/units", Some(&member.access), &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let admin_a = app.with_roles(a, &[(Role::UnitAdmin, Some(a))]).await;
    let organizer_a = app.with_roles(a, &[(Role::Organizer, Some(a))]).await;
    assert_problem(
        app.post("/api/v1/units", Some(&organizer_a.access), &body)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let response = app
        .post("/api/v1/units", Some(&admin_a.access), &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.expect("json");
    assert_eq!(created["parent_id"], a.into_uuid().to_string());
    assert_eq!(created["depth"], 1);
    let outside = json!({"name": "Chi đoàn khác", "code": "OTHER", "parent_id": b.into_uuid()});
    assert_problem(
        app.post("/api/v1/units", Some(&admin_a.access), &outside)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let root = json!({"name": "Gốc mới", "code": "ROOT2"});
    let problem = assert_problem(
        app.post("/api/v1/units", Some(&admin_a.access), &root)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/parent_id"]);
}

async fn codes_are_unique(app: &TestApp) {
    let admin = admin(app).await;
    let body = json!({"name": "Đơn vị một", "code": "dup-1"});
    assert_eq!(
        app.post("/api/v1/units", Some(&admin.access), &body)
            .await
            .status(),
        StatusCode::CREATED
    );
    let again = json!({"name": "Đơn vị hai", "code": "DUP-1"});
    let problem = assert_problem(
        app.post("/api/v1/units", Some(&admin.access), &again).await,
        StatusCode::CONFLICT,
        "unit_code_taken",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/code"]);
    let bad = json!({"name": "", "code": "có dấu", "member_count": -3});
    let problem = assert_problem(
        app.post("/api/v1/units", Some(&admin.access), &bad).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/code", "/member_count", "/name"]);
}

async fn renames_and_member_counts_are_checked(app: &TestApp) {
    let a = app.unit("A", None).await;
    let admin_a = app.with_roles(a, &[(Role::UnitAdmin, Some(a))]).await;
    let response = app.patch(&format!("/api/v1/units/{a}"), Some(&admin_a.access), &json!({"name": "  Đoàn   Thanh niên  ", "member_count": 120, "member_count_date": "2026-01-15"})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["name"], "Đoàn Thanh niên");
    assert_eq!(body["member_count"], 120);
    assert_eq!(body["member_count_date"], "2026-01-15");
    let future = app
        .patch(
            &format!("/api/v1/units/{a}"),
            Some(&admin_a.access),
            &json!({"member_count": 5, "member_count_date": "2999-01-01"}),
        )
        .await;
    assert_eq!(
        pointers(
            &assert_problem(
                future,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed"
            )
            .await
        ),
        vec!["/member_count"]
    );
    let unchanged: Value = app
        .get(&format!("/api/v1/units/{a}"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        unchanged["member_count"], 120,
        "a refused change writes nothing"
    );
}

async fn moving_a_subtree_carries_its_descendants(app: &TestApp) {
    let root = app.unit("ROOT", None).await;
    let old_parent = app.unit("OLD", Some(root)).await;
    let new_parent = app.unit("NEW", Some(root)).await;
    let moved = app.unit("MOVED", Some(old_parent)).await;
    let child = app.unit("MOVED-CHILD", Some(moved)).await;
    let grandchild = app.unit("MOVED-GRANDCHILD", Some(child)).await;
    let member = app.member(grandchild).await;
    let admin_root = app.with_roles(root, &[(Role::UnitAdmin, Some(root))]).await;
    let response = app
        .patch(
            &format!("/api/v1/units/{moved}"),
            Some(&admin_root.access),
            &json!({"parent_id": new_parent.into_uuid()}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = app
        .get(&format!("/api/v1/units/{grandchild}"), None)
        .await
        .json()
        .await
        .expect("json");
    let chain: Vec<&str> = body["ancestors"]
        .as_array()
        .expect("ancestors")
        .iter()
        .filter_map(|u| u["code"].as_str())
        .collect();
    assert_eq!(chain, vec!["ROOT", "NEW", "MOVED", "MOVED-CHILD"]);
    assert_eq!(body["depth"], 4);
    let old_children: Value = app
        .get(&format!("/api/v1/units?parent_id={old_parent}"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(old_children["total"], 0);
    // The member moved with their unit: an admin of NEW now sees them, an admin of OLD does not.
    let admin_new = app
        .with_roles(new_parent, &[(Role::UnitAdmin, Some(new_parent))])
        .await;
    let admin_old = app
        .with_roles(old_parent, &[(Role::UnitAdmin, Some(old_parent))])
        .await;
    assert_eq!(
        app.get(
            &format!("/api/v1/users/{}", member.id),
            Some(&admin_new.access)
        )
        .await
        .status(),
        StatusCode::OK
    );
    assert_problem(
        app.get(
            &format!("/api/v1/users/{}", member.id),
            Some(&admin_old.access),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn a_unit_cannot_move_under_itself(app: &TestApp) {
    let root = app.unit("ROOT", None).await;
    let a = app.unit("A", Some(root)).await;
    let a_child = app.unit("A-CHILD", Some(a)).await;
    let admin_root = app.with_roles(root, &[(Role::UnitAdmin, Some(root))]).await;
    for target in [a, a_child] {
        let response = app
            .patch(
                &format!("/api/v1/units/{a}"),
                Some(&admin_root.access),
                &json!({"parent_id": target.into_uuid(), "name": "Không được đổi"}),
            )
            .await;
        let problem = assert_problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(pointers(&problem), vec!["/parent_id"]);
    }
    let body: Value = app
        .get(&format!("/api/v1/units/{a}"), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        body["parent_id"],
        root.into_uuid().to_string(),
        "nothing moved"
    );
    assert_eq!(body["name"], "Đơn vị A", "and nothing else changed either");
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
        .post(app.url(&format!("/api/v1/units/import?dry_run={dry_run}")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("request")
}

async fn count_units(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    dautri_api::persistence::entities::units::Entity::find()
        .count(&app.state.db)
        .await
        .expect("count")
}

async fn csv_import_creates_a_tree_in_any_row_order(app: &TestApp) {
    let root = app.unit("ROOT", None).await;
    let admin_root = app.with_roles(root, &[(Role::UnitAdmin, Some(root))]).await;
    // Children before parents, Vietnamese headers, a BOM, DD/MM/YYYY dates.
    let csv = "\u{feff}Mã,Tên,Mã cấp trên,Số đoàn viên,Ngày số liệu\nCD-1,Chi đoàn 1,DCS,25,15/01/2026\nCD-2,Chi đoàn 2,DCS,30,\nDCS,Đoàn cơ sở Nhà máy,ROOT,55,2026-01-15\n";
    let response = import(
        app,
        &admin_root.access,
        "units.csv",
        csv.as_bytes().to_vec(),
        false,
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let children: Value = app
        .get("/api/v1/units?q=chi%20doan", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(children["total"], 2);
    let cd1 = children["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|u| u["code"] == "CD-1")
        .expect("CD-1")
        .clone();
    assert_eq!(cd1["member_count"], 25);
    assert_eq!(cd1["member_count_date"], "2026-01-15");
    let detail: Value = app
        .get(
            &format!("/api/v1/units/{}", cd1["id"].as_str().expect("id")),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    let chain: Vec<&str> = detail["ancestors"]
        .as_array()
        .expect("ancestors")
        .iter()
        .filter_map(|u| u["code"].as_str())
        .collect();
    assert_eq!(chain, vec!["ROOT", "DCS"]);
}

async fn xlsx_import_creates_units(app: &TestApp) {
    let root = app.unit("ROOT", None).await;
    let admin_root = app.with_roles(root, &[(Role::UnitAdmin, Some(root))]).await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, header) in ["code", "name", "parent_code", "member_count"]
        .iter()
        .enumerate()
    {
        sheet
            .write_string(0, u16::try_from(col).expect("col"), *header)
            .expect("write");
    }
    sheet.write_string(1, 0, "X-1").expect("write");
    sheet.write_string(1, 1, "Chi đoàn Xưởng 1").expect("write");
    sheet.write_string(1, 2, "ROOT").expect("write");
    sheet.write_number(1, 3, 42).expect("write");
    let bytes = book.save_to_buffer().expect("xlsx");
    let response = import(app, &admin_root.access, "units.xlsx", bytes, false).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let found: Value = app
        .get("/api/v1/units?q=xuong", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(found["items"][0]["member_count"], 42);
}

async fn an_import_with_bad_rows_imports_nothing_and_reports_each(app: &TestApp) {
    let root = app.unit("ROOT", None).await;
    app.unit("OTHER", None).await;
    app.unit("TAKEN", Some(root)).await;
    let admin_root = app.with_roles(root, &[(Role::UnitAdmin, Some(root))]).await;
    let before = count_units(app).await;
    let csv = [
        "code,name,parent_code,member_count,member_count_date",
        "GOOD-1,Chi đoàn tốt,ROOT,10,", // row 2: fine
        "GOOD-1,Trùng mã,ROOT,,",       // row 3: duplicate code in the file
        "TAKEN,Đã có,ROOT,,",           // row 4: code exists
        "NOPE,Sai cấp trên,MISSING,,",  // row 5: unknown parent
        "OUT,Ngoài phạm vi,OTHER,,",    // row 6: parent outside scope
        "LOOP-A,Vòng A,LOOP-B,,",       // row 7: cycle
        "LOOP-B,Vòng B,LOOP-A,,",       // row 8: cycle
        "BAD-N,Số sai,ROOT,mười,",      // row 9: not a number
        "BAD DATE,X,ROOT,3,31/02/2026", // row 10: bad code, short name is fine? (X is 1 char), bad date
    ]
    .join("\n");
    let response = import(
        app,
        &admin_root.access,
        "units.csv",
        csv.into_bytes(),
        false,
    )
    .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let got = pointers(&problem);
    for expected in [
        "/rows/3/code",
        "/rows/4/code",
        "/rows/5/parent_code",
        "/rows/6/parent_code",
        "/rows/7/parent_code",
        "/rows/8/parent_code",
        "/rows/9/member_count",
        "/rows/10/code",
        "/rows/10/name",
        "/rows/10/member_count_date",
    ] {
        assert!(
            got.contains(&expected.to_owned()),
            "{expected} missing from {got:?}"
        );
    }
    assert!(
        !got.iter().any(|p| p.starts_with("/rows/2/")),
        "row 2 is fine: {got:?}"
    );
    assert_eq!(count_units(app).await, before, "nothing imported");
}

async fn a_dry_run_writes_nothing(app: &TestApp) {
    let root = app.unit("ROOT", None).await;
    let admin_root = app.with_roles(root, &[(Role::UnitAdmin, Some(root))]).await;
    let before = count_units(app).await;
    let response = import(
        app,
        &admin_root.access,
        "units.csv",
        b"code,name,parent_code\nD-1,Chi \xc4\x91o\xc3\xa0n D,ROOT\n".to_vec(),
        true,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["imported"], 0);
    assert_eq!(body["valid_rows"], 1);
    assert_eq!(body["dry_run"], true);
    // The preview names the unit that would be created, row by row.
    assert_eq!(body["rows"][0]["row"], 2);
    assert_eq!(body["rows"][0]["code"], "D-1");
    assert_eq!(body["rows"][0]["parent_code"], "ROOT");
    assert_eq!(count_units(app).await, before);
}

async fn import_refuses_files_that_are_not_csv_or_xlsx(app: &TestApp) {
    let root = app.unit("ROOT", None).await;
    let admin_root = app.with_roles(root, &[(Role::UnitAdmin, Some(root))]).await;
    let response = import(
        app,
        &admin_root.access,
        "units.xlsx",
        b"this is not a zip".to_vec(),
        false,
    )
    .await;
    assert_eq!(
        pointers(
            &assert_problem(
                response,
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed"
            )
            .await
        ),
        vec!["/file"]
    );
    let latin1 = b"code,name,parent_code\nL-1,Chi \xf0o\xe0n,ROOT\n".to_vec();
    let response = import(app, &admin_root.access, "units.csv", latin1, false).await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        problem["errors"][0]["detail"]
            .as_str()
            .unwrap_or("")
            .contains("UTF-8"),
        "{problem}"
    );
    let member = app.member(root).await;
    let response = import(
        app,
        &member.access,
        "units.csv",
        b"code,name\n".to_vec(),
        false,
    )
    .await;
    assert_problem(response, StatusCode::FORBIDDEN, "forbidden").await;
}

/// An upload over the configured limit is refused before it is read whole.
async fn oversized_upload(backend: crate::helpers::Backend) {
    let app = crate::helpers::spawn_app_with(backend, |s| s.max_upload_bytes = 1024).await;
    let root = app.unit("ROOT", None).await;
    let admin_root = app.with_roles(root, &[(Role::UnitAdmin, Some(root))]).await;
    let mut csv = String::from("code,name,parent_code\n");
    for i in 0..100 {
        csv.push_str(&format!("U-{i},Chi đoàn số {i},ROOT\n"));
    }
    let response = import(
        &app,
        &admin_root.access,
        "units.csv",
        csv.into_bytes(),
        false,
    )
    .await;
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    app.cleanup().await;
}

#[tokio::test]
async fn an_upload_over_the_limit_is_a_413_problem_embedded() {
    oversized_upload(crate::helpers::Backend::Embedded).await;
}

#[tokio::test]
async fn an_upload_over_the_limit_is_a_413_problem_services() {
    oversized_upload(crate::helpers::Backend::Services).await;
}
