//! What the organizer console's question bank needs from the API: diacritic-insensitive search
//! and server-side sorting, pictures (upload checked by bytes, content-addressed, cached,
//! carried by zip packages), the Vietnamese template and its headers, and row/column errors.

use std::io::{Cursor, Read, Write};

use dautri_api::domain::ids::UnitId;
use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::{TestApp, TestUser, assert_problem, pointers};

both_backends!(
    search_ignores_case_and_diacritics,
    the_list_sorts_on_the_server,
    pictures_are_checked_by_their_bytes,
    a_question_shows_its_pictures_and_names_only_stored_ones,
    the_template_has_vietnamese_headers_and_imports_back,
    vietnamese_and_english_headers_both_import,
    a_correct_letter_naming_a_missing_option_is_an_error_on_its_row,
    a_zip_package_carries_the_pictures_both_ways,
    a_member_sees_the_pictures_in_the_attempt,
);

// The same picture tests with the pictures in an S3-compatible object store (`s3.rs`).
crate::s3_backends!(
    pictures_are_checked_by_their_bytes,
    a_question_shows_its_pictures_and_names_only_stored_ones,
    a_zip_package_carries_the_pictures_both_ways,
    a_member_sees_the_pictures_in_the_attempt,
);

/// A 1×1 PNG.
pub(crate) const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x56, 0xc7, 0x2f, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// A JPEG whose frame header says 5×3 pixels.
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x03, 0x00,
    0x05, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9,
];

struct Bank {
    unit: UnitId,
    organizer: TestUser,
}

async fn bank(app: &TestApp, code: &str) -> Bank {
    let unit = app.unit(code, None).await;
    let organizer = app.with_roles(unit, &[(Role::Organizer, Some(unit))]).await;
    Bank { unit, organizer }
}

fn question(unit: UnitId, text: &str, difficulty: &str) -> Value {
    json!({
        "unit_id": unit.into_uuid(),
        "text": text,
        "options": [{"text": "Đúng là vậy", "correct": true}, {"text": "Không phải"}],
        "topic": {"code": "law", "name": "Pháp luật"},
        "difficulty": difficulty,
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

async fn list(app: &TestApp, b: &Bank, query: &str) -> Value {
    let response = app
        .get(
            &format!("/api/v1/questions?{query}"),
            Some(&b.organizer.access),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.expect("json")
}

fn texts(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|q| q["text"].as_str().expect("text").to_owned())
        .collect()
}

async fn search_ignores_case_and_diacritics(app: &TestApp) {
    let b = bank(app, "A").await;
    create(
        app,
        &b,
        &question(b.unit, "Quốc hội là cơ quan nào?", "easy"),
    )
    .await;
    create(
        app,
        &b,
        &question(b.unit, "Đoàn thanh niên ra đời năm nào?", "hard"),
    )
    .await;
    for q in [
        "quoc%20hoi",
        "QUOC%20HOI",
        "Qu%E1%BB%91c%20h%E1%BB%99i",
        "quốc",
    ] {
        let found = list(app, &b, &format!("q={q}")).await;
        assert_eq!(texts(&found), vec!["Quốc hội là cơ quan nào?"], "q={q}");
        assert_eq!(found["total"], 1);
    }
    // "doan" finds "Đoàn": đ folds to d.
    assert_eq!(
        texts(&list(app, &b, "q=doan%20thanh").await),
        vec!["Đoàn thanh niên ra đời năm nào?"]
    );
    assert_eq!(list(app, &b, "q=khong%20co%20dau").await["total"], 0);
}

async fn the_list_sorts_on_the_server(app: &TestApp) {
    let b = bank(app, "A").await;
    create(app, &b, &question(b.unit, "Bình đẳng giới là gì?", "hard")).await;
    create(app, &b, &question(b.unit, "Ánh sáng có màu gì?", "easy")).await;
    create(
        app,
        &b,
        &question(b.unit, "Đoàn viên cần làm gì?", "medium"),
    )
    .await;
    // Default: newest first.
    assert_eq!(
        texts(&list(app, &b, "").await),
        vec![
            "Đoàn viên cần làm gì?",
            "Ánh sáng có màu gì?",
            "Bình đẳng giới là gì?"
        ]
    );
    // By text, folded: Á with A, Đ with D.
    assert_eq!(
        texts(&list(app, &b, "sort=text").await),
        vec![
            "Ánh sáng có màu gì?",
            "Bình đẳng giới là gì?",
            "Đoàn viên cần làm gì?"
        ]
    );
    assert_eq!(
        texts(&list(app, &b, "sort=text&order=desc").await)[0],
        "Đoàn viên cần làm gì?"
    );
    // By difficulty in its own order (easy < medium < hard), not alphabetically.
    assert_eq!(
        texts(&list(app, &b, "sort=difficulty&order=desc").await),
        vec![
            "Bình đẳng giới là gì?",
            "Đoàn viên cần làm gì?",
            "Ánh sáng có màu gì?"
        ]
    );
    // Sorting pages: the second page of one continues the first.
    assert_eq!(
        texts(&list(app, &b, "sort=text&limit=1&offset=1").await),
        vec!["Bình đẳng giới là gì?"]
    );
    let response = app
        .get("/api/v1/questions?sort=colour", Some(&b.organizer.access))
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(pointers(&problem).iter().any(|p| p == "/sort"), "{problem}");
}

/// Uploads a picture as `file_name` with the content type `mime`.
pub(crate) async fn upload_image(
    app: &TestApp,
    token: &str,
    bytes: &[u8],
    file_name: &str,
    mime: &str,
) -> reqwest::Response {
    let part = Part::bytes(bytes.to_vec())
        .file_name(file_name.to_owned())
        .mime_str(mime)
        .expect("mime");
    app.client
        .post(app.url("/api/v1/images"))
        .bearer_auth(token)
        .multipart(Form::new().part("file", part))
        .send()
        .await
        .expect("request")
}

async fn pictures_are_checked_by_their_bytes(app: &TestApp) {
    let b = bank(app, "A").await;
    let token = b.organizer.access.as_str();

    let response = upload_image(app, token, PNG, "hinh.png", "image/png").await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let stored: Value = response.json().await.expect("json");
    let name = stored["name"].as_str().expect("name").to_owned();
    assert_eq!(
        name,
        question_bank::image_name(PNG, question_bank::ImageType::Png)
    );
    assert_eq!(
        (stored["width"].as_u64(), stored["height"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(stored["content_type"], "image/png");

    // Served as what its bytes are, cached for good.
    let served = app.get(&format!("/api/v1/images/{name}"), None).await;
    assert_eq!(served.status(), StatusCode::OK);
    let headers = served.headers().clone();
    assert_eq!(headers["content-type"], "image/png");
    let cache = headers["cache-control"].to_str().expect("ascii");
    assert!(
        cache.contains("immutable") && cache.contains("max-age=31536000"),
        "{cache}"
    );
    assert_eq!(served.bytes().await.expect("bytes").as_ref(), PNG);

    // The same picture again is the same name.
    let again: Value = upload_image(app, token, PNG, "khac.png", "image/png")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(again["name"], name.as_str());

    // A JPEG is told by its bytes even when sent as octet-stream.
    let jpeg: Value = upload_image(app, token, JPEG, "anh", "application/octet-stream")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(jpeg["content_type"], "image/jpeg");
    assert_eq!(
        (jpeg["width"].as_u64(), jpeg["height"].as_u64()),
        (Some(5), Some(3))
    );

    // PNG bytes sent as a JPEG: the declared type lies.
    let response = upload_image(app, token, PNG, "hinh.jpg", "image/jpeg").await;
    assert_problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    // A PNG signature over something that is not a PNG.
    let mut lying = b"\x89PNG\r\n\x1a\n".to_vec();
    lying.extend_from_slice(&[b'x'; 200]);
    let response = upload_image(app, token, &lying, "hinh.png", "image/png").await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/file"]);
    // GIF, SVG and text are not accepted at all.
    for (bytes, mime) in [
        (&b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"[..], "image/gif"),
        (
            &b"<svg xmlns='http://www.w3.org/2000/svg'/>"[..],
            "image/svg+xml",
        ),
        (&b"hello"[..], "text/plain"),
    ] {
        let response = upload_image(app, token, bytes, "x", mime).await;
        assert_problem(
            response,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
    // Too large in pixels: a PNG header claiming 5000×1 (checksum recomputed).
    let mut huge = PNG.to_vec();
    huge[16..20].copy_from_slice(&5000u32.to_be_bytes());
    let crc = crc32(&huge[12..29]);
    huge[29..33].copy_from_slice(&crc.to_be_bytes());
    let response = upload_image(app, token, &huge, "to.png", "image/png").await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Too large in bytes.
    let mut heavy = PNG.to_vec();
    heavy.resize(3 * 1024 * 1024, 0);
    let response = upload_image(app, token, &heavy, "nang.png", "image/png").await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Someone who manages no bank may not upload.
    let member = app.member(b.unit).await;
    let response = upload_image(app, &member.access, PNG, "hinh.png", "image/png").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Unknown and malformed names are 404, never a path.
    let unknown = format!("{}.png", "0".repeat(64));
    for bad in [unknown.as_str(), "..%2F..%2Fetc%2Fpasswd", "hinh.png"] {
        let response = app.get(&format!("/api/v1/images/{bad}"), None).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{bad}");
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

async fn a_question_shows_its_pictures_and_names_only_stored_ones(app: &TestApp) {
    let b = bank(app, "A").await;
    let stored: Value = upload_image(app, &b.organizer.access, PNG, "h.png", "image/png")
        .await
        .json()
        .await
        .expect("json");
    let name = stored["name"].as_str().expect("name");
    let mut body = question(b.unit, "Lá cờ này là của tổ chức nào?", "easy");
    body["image"] = json!(name);
    body["options"][1]["image"] = json!(name);
    let created = create(app, &b, &body).await;
    assert_eq!(created["image"], name);
    assert_eq!(created["options"][1]["image"], name);
    assert_eq!(created["options"][0]["image"], Value::Null);

    // Changing the picture of a question that is active makes a new version.
    let id = created["id"].as_str().expect("id");
    let response = app
        .patch(
            &format!("/api/v1/questions/{id}"),
            Some(&b.organizer.access),
            &json!({"image": ""}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let edited: Value = response.json().await.expect("json");
    assert_eq!(edited["image"], Value::Null);
    assert_eq!(edited["version"], 2);

    // Both versions are kept, newest first, each with what it showed.
    let response = app
        .get(
            &format!("/api/v1/questions/{id}/versions"),
            Some(&b.organizer.access),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let versions: Value = response.json().await.expect("json");
    let items = versions["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{versions}");
    assert_eq!(
        (items[0]["version"].as_i64(), items[0]["current"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(items[0]["image"], Value::Null);
    assert_eq!(
        (items[1]["version"].as_i64(), items[1]["current"].as_bool()),
        (Some(1), Some(false))
    );
    assert_eq!(items[1]["image"], name);
    assert_eq!(items[1]["options"][0]["correct"], true);
    // Another bank's organizer does not see them.
    let other = bank(app, "B").await;
    let response = app
        .get(
            &format!("/api/v1/questions/{id}/versions"),
            Some(&other.organizer.access),
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // A name nobody uploaded, and a path or URL, are field errors.
    let mut body = question(b.unit, "Câu có ảnh lạ?", "easy");
    body["image"] = json!(format!("{}.png", "0".repeat(64)));
    body["options"][0]["image"] = json!("../../etc/passwd");
    let response = app
        .post("/api/v1/questions", Some(&b.organizer.access), &body)
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/options/0/image"], "{problem}");
    body["options"][0]["image"] = Value::Null;
    let response = app
        .post("/api/v1/questions", Some(&b.organizer.access), &body)
        .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/image"], "{problem}");
}

async fn import(
    app: &TestApp,
    b: &Bank,
    name: &str,
    bytes: Vec<u8>,
    query: &str,
) -> reqwest::Response {
    import_file(app, &b.organizer.access, b.unit, name, bytes, query).await
}

/// Sends a question file to `POST /questions/import` for `unit`, with `query` added.
pub(crate) async fn import_file(
    app: &TestApp,
    token: &str,
    unit: UnitId,
    name: &str,
    bytes: Vec<u8>,
    query: &str,
) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.client
        .post(app.url(&format!("/api/v1/questions/import?unit_id={unit}&{query}")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("request")
}

async fn the_template_has_vietnamese_headers_and_imports_back(app: &TestApp) {
    let b = bank(app, "A").await;
    let response = app
        .get(
            "/api/v1/questions/template?format=xlsx",
            Some(&b.organizer.access),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.expect("bytes").to_vec();
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).expect("xlsx");
    use calamine::Reader as _;
    let sheet = workbook
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    let header: Vec<String> = sheet
        .rows()
        .next()
        .expect("header row")
        .iter()
        .map(ToString::to_string)
        .collect();
    for expected in [
        "Mã chủ đề",
        "Nội dung câu hỏi",
        "Phương án A",
        "Đáp án đúng",
        "Độ khó",
        "Ảnh câu hỏi",
    ] {
        assert!(
            header.iter().any(|h| h == expected),
            "{expected} not in {header:?}"
        );
    }
    let response = import(app, &b, "mau-cau-hoi.xlsx", bytes, "dry_run=true").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["questions"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        body["questions"][0]["topic_name"],
        "Lịch sử Đoàn TNCS Hồ Chí Minh"
    );

    let csv = app
        .get(
            "/api/v1/questions/template?format=csv",
            Some(&b.organizer.access),
        )
        .await
        .text()
        .await
        .expect("text");
    assert!(
        csv.trim_start_matches('\u{feff}')
            .starts_with("Mã câu hỏi,Mã chủ đề,Tên chủ đề"),
        "{csv}"
    );
}

async fn vietnamese_and_english_headers_both_import(app: &TestApp) {
    let b = bank(app, "A").await;
    let vietnamese = "Mã chủ đề,Nội dung câu hỏi,Phương án A,Phương án B,Phương án C,Đáp án đúng,Độ khó\n\
law,Luật Thanh niên có hiệu lực năm nào?,2021,2020,2019,A,Dễ\n";
    let response = import(app, &b, "cau-hoi.csv", vietnamese.as_bytes().to_vec(), "").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let english = "topic_code,text,option_a,option_b,correct,difficulty\n\
law,Tuổi đoàn viên từ bao nhiêu?,16,18,A,easy\n";
    let response = import(app, &b, "bank.csv", english.as_bytes().to_vec(), "").await;
    assert_eq!(response.status(), StatusCode::OK);
    let found = list(app, &b, "sort=text").await;
    assert_eq!(
        texts(&found),
        vec![
            "Luật Thanh niên có hiệu lực năm nào?",
            "Tuổi đoàn viên từ bao nhiêu?"
        ]
    );
    assert_eq!(found["items"][0]["difficulty"], "easy");
}

async fn a_correct_letter_naming_a_missing_option_is_an_error_on_its_row(app: &TestApp) {
    let b = bank(app, "A").await;
    let csv = "Mã chủ đề,Nội dung câu hỏi,Phương án A,Phương án B,Đáp án đúng\n\
law,Câu đúng?,Có,Không,A\n\
law,Câu trỏ tới phương án C?,Có,Không,C\n";
    let response = import(
        app,
        &b,
        "cau-hoi.csv",
        csv.as_bytes().to_vec(),
        "dry_run=true",
    )
    .await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(pointers(&problem), vec!["/rows/3/correct"], "{problem}");
    let vi = problem["errors"][0]["detail_vi"]
        .as_str()
        .expect("detail_vi");
    assert!(vi.contains("phương án"), "{vi}");
    assert_eq!(list(app, &b, "").await["total"], 0, "nothing imported");
}

/// A zip archive of `entries` (name, bytes).
pub(crate) fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut buffer = Vec::new();
    {
        let mut zip = zip::ZipWriter::new(Cursor::new(&mut buffer));
        for (name, bytes) in entries {
            zip.start_file(*name, zip::write::SimpleFileOptions::default())
                .expect("entry");
            zip.write_all(bytes).expect("write");
        }
        zip.finish().expect("finish");
    }
    buffer
}

async fn a_zip_package_carries_the_pictures_both_ways(app: &TestApp) {
    let a = bank(app, "A").await;
    let b = bank(app, "B").await;
    // Import: a sheet naming a picture that only the zip holds.
    let jpeg_name = question_bank::image_name(JPEG, question_bank::ImageType::Jpeg);
    let csv = format!(
        "Mã chủ đề,Nội dung câu hỏi,Phương án A,Phương án B,Đáp án đúng,Ảnh câu hỏi,Ảnh B\n\
law,Biểu tượng này là gì?,Huy hiệu Đoàn,Cờ Đội,A,{jpeg_name},{jpeg_name}\n"
    );
    // Without the picture, the row says which column names a missing one.
    let response = import(app, &a, "cau-hoi.csv", csv.clone().into_bytes(), "").await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        pointers(&problem),
        vec!["/rows/2/image", "/rows/2/image_b"],
        "{problem}"
    );
    // A picture in the zip under another name than its content's is refused.
    let zip = zip_of(&[("cau-hoi.csv", csv.as_bytes()), ("anh/huy-hieu.jpg", JPEG)]);
    let response = import(app, &a, "goi.zip", zip, "").await;
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        pointers(&problem),
        vec!["/file/anh/huy-hieu.jpg"],
        "{problem}"
    );
    let picture_path = format!("anh/{jpeg_name}");
    let zip = zip_of(&[
        ("cau-hoi.csv", csv.as_bytes()),
        (picture_path.as_str(), JPEG),
    ]);
    // A dry run stores nothing.
    let response = import(app, &a, "goi.zip", zip.clone(), "dry_run=true").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let served = app.get(&format!("/api/v1/images/{jpeg_name}"), None).await;
    assert_eq!(served.status(), StatusCode::NOT_FOUND);
    let response = import(app, &a, "goi.zip", zip, "").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let served = app.get(&format!("/api/v1/images/{jpeg_name}"), None).await;
    assert_eq!(served.status(), StatusCode::OK);
    let found = list(app, &a, "").await;
    assert_eq!(found["items"][0]["image"], jpeg_name.as_str());
    assert_eq!(found["items"][0]["options"][1]["image"], jpeg_name.as_str());

    // Export: the zip holds the sheet and the pictures it names; it imports into another bank.
    let response = app
        .get(
            "/api/v1/questions/export?format=zip",
            Some(&a.organizer.access),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        disposition.contains("filename=\"ngan-hang-cau-hoi-") && disposition.ends_with(".zip\""),
        "{disposition}"
    );
    let exported = response.bytes().await.expect("bytes").to_vec();
    let mut archive = zip::ZipArchive::new(Cursor::new(exported.clone())).expect("zip");
    let mut names: Vec<String> = archive
        .file_names()
        .map(|n| n.expect("utf-8 name").into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec![picture_path.clone(), "cau-hoi.xlsx".to_owned()]);
    let mut picture = Vec::new();
    archive
        .by_name(&picture_path)
        .expect("picture")
        .read_to_end(&mut picture)
        .expect("read");
    assert_eq!(picture, JPEG);
    let response = import(app, &b, "ngan-hang.zip", exported, "").await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap_or_default()
    );
    assert_eq!(
        list(app, &b, "").await["items"][0]["image"],
        jpeg_name.as_str()
    );
}

async fn a_member_sees_the_pictures_in_the_attempt(app: &TestApp) {
    let b = bank(app, "A").await;
    let stored: Value = upload_image(app, &b.organizer.access, PNG, "h.png", "image/png")
        .await
        .json()
        .await
        .expect("json");
    let name = stored["name"].as_str().expect("name");
    let mut body = question(b.unit, "Lá cờ trong hình là cờ gì?", "easy");
    body["image"] = json!(name);
    body["options"][0]["image"] = json!(name);
    create(app, &b, &body).await;
    let contest: Value = app
        .post(
            "/api/v1/contests",
            Some(&b.organizer.access),
            &json!({"title": "Cuộc thi có ảnh", "unit_id": b.unit.into_uuid(), "eligibility": {"unit_id": b.unit.into_uuid()}}),
        )
        .await
        .json()
        .await
        .expect("json");
    let now = chrono::Utc::now();
    let response = app
        .post(
            &format!(
                "/api/v1/contests/{}/rounds",
                contest["id"].as_str().expect("id")
            ),
            Some(&b.organizer.access),
            &json!({
                "name": "Vòng 1",
                "opens_at": (now - chrono::Duration::seconds(5)).to_rfc3339(),
                "closes_at": (now + chrono::Duration::seconds(600)).to_rfc3339(),
                "questions_per_attempt": 1,
                "time_limit_seconds": 300,
                "pool": {"quotas": [{"topic": "law", "count": 1}]},
                "review": "score_only",
            }),
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let round: Value = response.json().await.expect("json");
    let member = app.member(b.unit).await;
    let response = app
        .client
        .post(app.url(&format!(
            "/api/v1/rounds/{}/attempts",
            round["id"].as_str().expect("id")
        )))
        .bearer_auth(&member.access)
        .send()
        .await
        .expect("request");
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let attempt: Value = response.json().await.expect("json");
    let q = &attempt["questions"][0];
    assert_eq!(q["image"], name, "{attempt}");
    let pictured: Vec<&Value> = q["options"]
        .as_array()
        .expect("options")
        .iter()
        .filter(|o| o["image"] == name)
        .collect();
    assert_eq!(pictured.len(), 1, "{attempt}");
    // The member's view never says which option is right, picture or not.
    assert!(pictured[0].get("correct").is_none(), "{attempt}");
}
