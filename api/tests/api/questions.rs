//! The question bank API: CRUD, scope, versions, search, import and export.

use dautri_api::domain::ids::UnitId;
use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, TestUser, assert_problem, pointers};

both_backends!(
    an_organizer_creates_and_reads_a_question_with_its_key,
    each_bad_field_is_named,
    members_cannot_reach_the_bank,
    banks_are_scoped_and_shared_down_the_tree,
    the_same_stem_twice_in_a_bank_is_a_conflict,
    editing_an_active_question_makes_a_new_version,
    editing_a_draft_changes_it_in_place,
    only_never_active_drafts_can_be_deleted,
    search_filters_by_topic_tag_difficulty_kind_status_and_text,
    a_csv_import_is_all_or_nothing,
    a_dry_run_previews_and_writes_nothing,
    an_import_refuses_questions_already_in_the_bank,
    moodle_formats_import_with_warnings_for_what_is_skipped,
    exports_read_back_to_the_same_questions,
    exports_shuffle_options_reproducibly_with_a_seed,
);

struct Bank {
    unit: UnitId,
    organizer: TestUser,
}

async fn bank(app: &TestApp, code: &str) -> Bank {
    let unit = app.unit(code, None).await;
    let organizer = app.with_roles(unit, &[(Role::Organizer, Some(unit))]).await;
    Bank { unit, organizer }
}

fn question(unit: UnitId, text: &str) -> Value {
    json!({
        "unit_id": unit.into_uuid(),
        "text": text,
        "options": [{"text": "26/3/1931", "correct": true}, {"text": "3/2/1930"}, {"text": "19/5/1941"}],
        "topic": {"code": "history.youth_union", "name": "Lịch sử Đoàn"},
        "tags": ["lich-su"],
        "difficulty": "easy",
        "source": {"title": "Điều lệ Đoàn TNCS Hồ Chí Minh"},
        "explanation": "Đại hội Đoàn lần III chọn ngày 26/3/1931.",
    })
}

async fn create(app: &TestApp, b: &Bank, body: &Value) -> Value {
    let response = app
        .post("/api/v1/questions", Some(&b.organizer.access), body)
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap_or_default()
    );
    response.json().await.expect("json")
}

async fn an_organizer_creates_and_reads_a_question_with_its_key(app: &TestApp) {
    let b = bank(app, "A").await;
    let created = create(
        app,
        &b,
        &question(b.unit, "Đoàn TNCS Hồ Chí Minh được thành lập ngày nào?"),
    )
    .await;
    assert_eq!(created["version"], 1);
    assert_eq!(created["status"], "active");
    assert_eq!(created["kind"], "single");
    assert_eq!(
        created["topic"],
        json!({"code": "history.youth_union", "name": "Lịch sử Đoàn"})
    );
    assert_eq!(created["options"][0]["correct"], true);
    assert!(created["options"][0]["id"].is_string());
    let got: Value = app
        .get(
            &format!("/api/v1/questions/{}", created["id"].as_str().expect("id")),
            Some(&b.organizer.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(got["text"], created["text"]);
    let topics: Value = app
        .get("/api/v1/topics", Some(&b.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    let codes: Vec<&str> = topics["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|t| t["code"].as_str())
        .collect();
    assert_eq!(
        codes,
        vec!["history", "history.youth_union"],
        "the parent topic is created too"
    );
}

async fn each_bad_field_is_named(app: &TestApp) {
    let b = bank(app, "A").await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("text", json!(""), "/text"),
        ("text", json!("<b>Đậm</b> là gì?"), "/text"),
        (
            "options",
            json!([{"text": "Một", "correct": true}]),
            "/options",
        ),
        (
            "options",
            json!([{"text": "Một", "correct": true}, {"text": "Hai", "correct": true}]),
            "/options",
        ),
        (
            "options",
            json!([{"text": "Một"}, {"text": "Hai"}]),
            "/options",
        ),
        (
            "topic",
            json!({"code": "Not A Code", "name": "X"}),
            "/topic/code",
        ),
        ("topic", json!({"code": "brand.new"}), "/topic/name"),
    ];
    for (field, value, pointer) in cases {
        let mut body = question(b.unit, "Câu hỏi kiểm tra?");
        body[field] = value.clone();
        let problem = assert_problem(
            app.post("/api/v1/questions", Some(&b.organizer.access), &body)
                .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert!(
            pointers(&problem).iter().any(|p| p.starts_with(pointer)),
            "{field}={value}: expected {pointer} in {problem}"
        );
        assert!(
            problem["errors"][0]["detail_vi"].is_string() || pointer == "/topic/name",
            "Vietnamese text: {problem}"
        );
    }
    let mut body = question(b.unit, "Loại không tồn tại?");
    body["kind"] = json!("essay");
    let problem = assert_problem(
        app.post("/api/v1/questions", Some(&b.organizer.access), &body)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/kind"]);
}

async fn members_cannot_reach_the_bank(app: &TestApp) {
    let b = bank(app, "A").await;
    let created = create(app, &b, &question(b.unit, "Câu hỏi bí mật?")).await;
    let member = app.member(b.unit).await;
    assert_problem(
        app.get("/api/v1/questions", Some(&member.access)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get(
            &format!("/api/v1/questions/{}", created["id"].as_str().expect("id")),
            Some(&member.access),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get("/api/v1/questions/export", Some(&member.access))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    assert_problem(
        app.get("/api/v1/questions", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
}

async fn banks_are_scoped_and_shared_down_the_tree(app: &TestApp) {
    let a = bank(app, "A").await;
    let b = bank(app, "B").await;
    let a_child = app.unit("A-1", Some(a.unit)).await;
    let organizer_child = app
        .with_roles(a_child, &[(Role::Organizer, Some(a_child))])
        .await;
    let private = create(app, &a, &question(a.unit, "Câu riêng của A?")).await;
    let mut shared_body = question(a.unit, "Câu A chia sẻ xuống?");
    shared_body["shared"] = json!(true);
    let shared = create(app, &a, &shared_body).await;
    let id = |q: &Value| q["id"].as_str().expect("id").to_owned();
    // B sees neither.
    assert_problem(
        app.get(
            &format!("/api/v1/questions/{}", id(&private)),
            Some(&b.organizer.access),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let list: Value = app
        .get("/api/v1/questions", Some(&b.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 0);
    // A's child sees only the shared one, and cannot edit it.
    let list: Value = app
        .get("/api/v1/questions", Some(&organizer_child.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], shared["id"]);
    assert_problem(
        app.get(
            &format!("/api/v1/questions/{}", id(&private)),
            Some(&organizer_child.access),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.patch(
            &format!("/api/v1/questions/{}", id(&shared)),
            Some(&organizer_child.access),
            &json!({"text": "Sửa?"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    // B cannot create in A's bank.
    assert_problem(
        app.post(
            "/api/v1/questions",
            Some(&b.organizer.access),
            &question(a.unit, "Chen vào?"),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn the_same_stem_twice_in_a_bank_is_a_conflict(app: &TestApp) {
    let a = bank(app, "A").await;
    let b = bank(app, "B").await;
    create(app, &a, &question(a.unit, "Đoàn được thành lập ngày nào?")).await;
    let again = question(a.unit, "  ĐOÀN được   thanh lap ngày nào? ");
    let problem = assert_problem(
        app.post("/api/v1/questions", Some(&a.organizer.access), &again)
            .await,
        StatusCode::CONFLICT,
        "duplicate_question",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/text"]);
    create(app, &b, &question(b.unit, "Đoàn được thành lập ngày nào?")).await;
}

async fn editing_an_active_question_makes_a_new_version(app: &TestApp) {
    let a = bank(app, "A").await;
    let created = create(app, &a, &question(a.unit, "Câu hỏi phiên bản một?")).await;
    let url = format!("/api/v1/questions/{}", created["id"].as_str().expect("id"));
    let response = app
        .patch(
            &url,
            Some(&a.organizer.access),
            &json!({"text": "Câu hỏi phiên bản hai?"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let edited: Value = response.json().await.expect("json");
    assert_eq!(edited["version"], 2);
    assert_ne!(edited["version_id"], created["version_id"]);
    assert_eq!(edited["id"], created["id"]);
    // Classification changes do not make a version; retiring hides it from active filters only.
    let retired: Value = app
        .patch(
            &url,
            Some(&a.organizer.access),
            &json!({"status": "retired", "difficulty": "hard"}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (retired["version"].clone(), retired["status"].clone()),
        (json!(2), json!("retired"))
    );
    let back = app
        .patch(&url, Some(&a.organizer.access), &json!({"status": "draft"}))
        .await;
    assert_eq!(
        pointers(
            &assert_problem(back, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await
        ),
        vec!["/status"]
    );
    // The first version is still stored for the attempts that showed it.
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let versions = dautri_api::persistence::entities::question_versions::Entity::find()
        .filter(
            dautri_api::persistence::entities::question_versions::Column::QuestionId.eq(
                created["id"]
                    .as_str()
                    .expect("id")
                    .parse::<uuid::Uuid>()
                    .expect("uuid"),
            ),
        )
        .all(&app.state.db)
        .await
        .expect("versions");
    let mut texts: Vec<String> = versions.into_iter().map(|v| v.text).collect();
    texts.sort();
    assert_eq!(
        texts,
        vec!["Câu hỏi phiên bản hai?", "Câu hỏi phiên bản một?"]
    );
}

async fn editing_a_draft_changes_it_in_place(app: &TestApp) {
    let a = bank(app, "A").await;
    let mut body = question(a.unit, "Bản nháp?");
    body["status"] = json!("draft");
    let created = create(app, &a, &body).await;
    let url = format!("/api/v1/questions/{}", created["id"].as_str().expect("id"));
    let edited: Value = app
        .patch(
            &url,
            Some(&a.organizer.access),
            &json!({"text": "Bản nháp đã sửa?"}),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(edited["version"], 1);
    let bad = app
        .patch(
            &url,
            Some(&a.organizer.access),
            &json!({"options": [{"text": "Chỉ một", "correct": true}]}),
        )
        .await;
    assert!(
        pointers(&assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await)
            .iter()
            .any(|p| p.starts_with("/options"))
    );
    let unchanged: Value = app
        .get(&url, Some(&a.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        unchanged["options"].as_array().map(Vec::len),
        Some(3),
        "a refused edit writes nothing"
    );
}

async fn only_never_active_drafts_can_be_deleted(app: &TestApp) {
    let a = bank(app, "A").await;
    let active = create(app, &a, &question(a.unit, "Câu đang dùng?")).await;
    let mut draft_body = question(a.unit, "Câu nháp để xoá?");
    draft_body["status"] = json!("draft");
    let draft = create(app, &a, &draft_body).await;
    let delete = |q: &Value| {
        app.client
            .delete(app.url(&format!(
                "/api/v1/questions/{}",
                q["id"].as_str().expect("id")
            )))
            .bearer_auth(&a.organizer.access)
            .send()
    };
    assert_problem(
        delete(&active).await.expect("request"),
        StatusCode::CONFLICT,
        "question_in_use",
    )
    .await;
    assert_eq!(
        delete(&draft).await.expect("request").status(),
        StatusCode::NO_CONTENT
    );
    assert_problem(
        app.get(
            &format!("/api/v1/questions/{}", draft["id"].as_str().expect("id")),
            Some(&a.organizer.access),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

async fn search_filters_by_topic_tag_difficulty_kind_status_and_text(app: &TestApp) {
    let a = bank(app, "A").await;
    create(app, &a, &question(a.unit, "Ngày thành lập Đoàn?")).await;
    let mut law = question(a.unit, "Luật An ninh mạng có hiệu lực từ ngày nào?");
    law["topic"] = json!({"code": "cyber.law", "name": "Pháp luật không gian mạng"});
    law["tags"] = json!(["luat"]);
    law["difficulty"] = json!("hard");
    create(app, &a, &law).await;
    let mut tf = question(a.unit, "Đoàn viên phải gương mẫu?");
    tf["kind"] = json!("true_false");
    tf["options"] = json!([{"text": "Đúng", "correct": true}, {"text": "Sai"}]);
    tf["status"] = json!("draft");
    create(app, &a, &tf).await;
    for (query, expected) in [
        ("", 3),
        ("topic=history", 2),
        ("topic=cyber", 1),
        ("tag=luat", 1),
        ("difficulty=hard", 1),
        ("kind=true_false", 1),
        ("status=draft", 1),
        ("q=AN%20NINH%20MANG", 1),
        ("q=doan", 2),
        ("topic=history&status=active", 1),
    ] {
        let list: Value = app
            .get(
                &format!("/api/v1/questions?{query}"),
                Some(&a.organizer.access),
            )
            .await
            .json()
            .await
            .expect("json");
        assert_eq!(list["total"], expected, "{query}: {list}");
    }
    let page: Value = app
        .get(
            "/api/v1/questions?limit=2&offset=2",
            Some(&a.organizer.access),
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        (
            page["total"].clone(),
            page["items"].as_array().map(Vec::len)
        ),
        (json!(3), Some(1))
    );
    let bad = app
        .get(
            "/api/v1/questions?difficulty=extreme",
            Some(&a.organizer.access),
        )
        .await;
    assert_eq!(
        pointers(&assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await),
        vec!["/difficulty"]
    );
}

async fn upload(
    app: &TestApp,
    b: &Bank,
    name: &str,
    bytes: Vec<u8>,
    query: &str,
) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.client
        .post(app.url(&format!(
            "/api/v1/questions/import?unit_id={}&{query}",
            b.unit
        )))
        .bearer_auth(&b.organizer.access)
        .multipart(form)
        .send()
        .await
        .expect("request")
}

async fn count(app: &TestApp, b: &Bank) -> u64 {
    let list: Value = app
        .get("/api/v1/questions", Some(&b.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    list["total"].as_u64().expect("total")
}

const GOOD_CSV: &str = "topic_code,topic_name,text,option_a,option_b,option_c,correct,difficulty\n\
law,Pháp luật,Luật An ninh mạng 2018 có bao nhiêu điều?,43,45,50,A,easy\n\
law,Pháp luật,Luật An ninh mạng 2018 có bao nhiêu chương?,7,9,11,A,medium\n";

async fn a_csv_import_is_all_or_nothing(app: &TestApp) {
    let a = bank(app, "A").await;
    let response = upload(app, &a, "bank.csv", GOOD_CSV.as_bytes().to_vec(), "").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["imported"], 2);
    assert_eq!(count(app, &a).await, 2);
    let bad = "topic_code,text,option_a,option_b,correct\n\
x,Câu tốt một?,A1,B1,A\n\
x,Câu thiếu đáp án?,A2,B2,\n\
x,Câu đáp án sai?,A3,B3,D\n\
x,Câu tốt một?,A4,B4,B\n";
    let response = upload(app, &a, "bad.csv", bad.as_bytes().to_vec(), "").await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let got = pointers(&problem);
    for row in ["/rows/3/", "/rows/4/", "/rows/5/"] {
        assert!(
            got.iter().any(|p| p.starts_with(row)),
            "{row} missing in {got:?}"
        );
    }
    assert!(!got.iter().any(|p| p.starts_with("/rows/2/")), "{got:?}");
    assert_eq!(count(app, &a).await, 2, "nothing imported");
}

async fn a_dry_run_previews_and_writes_nothing(app: &TestApp) {
    let a = bank(app, "A").await;
    let response = upload(
        app,
        &a,
        "bank.csv",
        GOOD_CSV.as_bytes().to_vec(),
        "dry_run=true",
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["imported"], 0);
    assert_eq!(body["dry_run"], true);
    assert_eq!(body["questions"].as_array().map(Vec::len), Some(2));
    assert_eq!(body["questions"][0]["row"], 2);
    assert_eq!(count(app, &a).await, 0);
}

async fn an_import_refuses_questions_already_in_the_bank(app: &TestApp) {
    let a = bank(app, "A").await;
    assert_eq!(
        upload(app, &a, "bank.csv", GOOD_CSV.as_bytes().to_vec(), "")
            .await
            .status(),
        StatusCode::OK
    );
    let response = upload(app, &a, "again.csv", GOOD_CSV.as_bytes().to_vec(), "").await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/rows/2/text", "/rows/3/text"]);
    assert_eq!(count(app, &a).await, 2);
    let renamed_zip = upload(
        app,
        &a,
        "bank.xlsx",
        b"PK\x03\x04 not really a workbook".to_vec(),
        "",
    )
    .await;
    assert_problem(
        renamed_zip,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

async fn moodle_formats_import_with_warnings_for_what_is_skipped(app: &TestApp) {
    let a = bank(app, "A").await;
    let gift = "::Q1:: Thủ đô của Việt Nam là? {=Hà Nội ~Huế ~Đà Nẵng}\n\n::Q2:: Viết cảm nghĩ về Đoàn. {}\n";
    let response = upload(
        app,
        &a,
        "bank.gift",
        gift.as_bytes().to_vec(),
        "topic_code=geo&topic_name=Địa%20lý",
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["imported"], 1);
    assert_eq!(body["warnings"].as_array().map(Vec::len), Some(1), "{body}");
    let aiken = "Luật Thanh niên được thông qua năm nào?\nA. 2020\nB. 2015\nANSWER: A\n";
    let response = upload(
        app,
        &a,
        "bank.txt",
        aiken.as_bytes().to_vec(),
        "topic_code=law&topic_name=Pháp%20luật",
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
}

async fn exports_read_back_to_the_same_questions(app: &TestApp) {
    let a = bank(app, "A").await;
    assert_eq!(
        upload(app, &a, "bank.csv", GOOD_CSV.as_bytes().to_vec(), "")
            .await
            .status(),
        StatusCode::OK
    );
    create(app, &a, &question(a.unit, "=1+1 là công thức hay câu hỏi?")).await;
    let original: Value = app
        .get("/api/v1/questions?limit=200", Some(&a.organizer.access))
        .await
        .json()
        .await
        .expect("json");
    let mut expected: Vec<String> = original["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|q| q["text"].as_str().map(str::to_owned))
        .collect();
    expected.sort();
    for format in ["xlsx", "csv", "yaml"] {
        let response = app
            .get(
                &format!("/api/v1/questions/export?format={format}"),
                Some(&a.organizer.access),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{format}");
        assert!(
            response
                .headers()
                .get("content-disposition")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .contains(&format!(".{format}"))
        );
        let bytes = response.bytes().await.expect("bytes").to_vec();
        if format == "csv" {
            let text = String::from_utf8(bytes.clone()).expect("utf-8");
            assert!(text.starts_with('\u{feff}'), "BOM for Excel");
            assert!(text.contains("'=1+1"), "formula-looking cell neutralised");
        }
        let report = question_bank::read(
            &bytes,
            &format!("export.{format}"),
            &question_bank::Limits::default(),
        );
        assert!(
            report.problems.is_empty(),
            "{format}: {:?}",
            report.problems
        );
        let mut texts: Vec<String> = report.questions.iter().map(|q| q.text.clone()).collect();
        texts.sort();
        assert_eq!(texts, expected, "{format}");
        assert!(
            report
                .questions
                .iter()
                .all(|q| q.options.iter().any(|o| o.correct)),
            "{format}: the key is exported"
        );
    }
    let bad = app
        .get(
            "/api/v1/questions/export?format=pdf",
            Some(&a.organizer.access),
        )
        .await;
    assert_eq!(
        pointers(&assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await),
        vec!["/format"]
    );
    let template = app
        .get(
            "/api/v1/questions/template?format=xlsx",
            Some(&a.organizer.access),
        )
        .await;
    assert_eq!(template.status(), StatusCode::OK);
}

async fn exports_shuffle_options_reproducibly_with_a_seed(app: &TestApp) {
    let b = bank(app, "A").await;
    // Twenty questions, every key written first ("26/3/1931").
    for i in 0..20 {
        create(
            app,
            &b,
            &question(b.unit, &format!("Câu hỏi số {i}: Đoàn thành lập ngày nào?")),
        )
        .await;
    }
    let export = |query: String| {
        let token = b.organizer.access.clone();
        async move {
            let response = app
                .get(
                    &format!("/api/v1/questions/export?format=yaml{query}"),
                    Some(&token),
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK, "{query}");
            let seed = response
                .headers()
                .get("x-shuffle-seed")
                .map(|v| v.to_str().expect("ascii").to_owned());
            let bytes = response.bytes().await.expect("bytes").to_vec();
            let report =
                question_bank::read(&bytes, "export.yaml", &question_bank::Limits::default());
            assert!(report.problems.is_empty(), "{query}: {:?}", report.problems);
            (bytes, seed, report.questions)
        }
    };
    let key_first = |questions: &[question_bank::Question]| {
        questions.iter().filter(|q| q.options[0].correct).count()
    };

    // By default the bank's order: every key first.
    let (_, seed, stored) = export(String::new()).await;
    assert_eq!(seed, None, "no seed header without shuffling");
    assert_eq!(key_first(&stored), 20);

    // Shuffled with a seed: keys move, each keeps its text, and the same seed gives the same file.
    let (first, seed, shuffled) = export("&shuffle_options=true&seed=2026".into()).await;
    assert_eq!(seed.as_deref(), Some("2026"));
    assert!(
        key_first(&shuffled) < 15,
        "{} of 20 keys still first",
        key_first(&shuffled)
    );
    assert!(
        shuffled
            .iter()
            .all(|q| q.options.iter().any(|o| o.correct && o.text == "26/3/1931"))
    );
    let (again, _, _) = export("&shuffle_options=true&seed=2026".into()).await;
    assert_eq!(first, again, "the same seed gives the same file");

    // Without a seed one is chosen and returned, and exporting with it again gives the same file.
    let (random, seed, _) = export("&shuffle_options=true".into()).await;
    let seed: u64 = seed.expect("seed header").parse().expect("a number");
    let (replayed, _, _) = export(format!("&shuffle_options=true&seed={seed}")).await;
    assert_eq!(random, replayed);

    // A seed alone is a mistake worth naming.
    let bad = app
        .get(
            "/api/v1/questions/export?format=yaml&seed=1",
            Some(&b.organizer.access),
        )
        .await;
    assert_eq!(
        pointers(&assert_problem(bad, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await),
        vec!["/seed"]
    );
}
