//! Spreadsheets built to hurt the server, sent to every endpoint that reads a table: the
//! answer is a 4xx problem naming `/file`, nothing is written, and the server keeps serving.
//! (The reader's own limits are tested in the `sheets` crate; this proves the endpoints use it.)

use std::io::{Cursor, Write};

use dautri_api::domain::role::Role;
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use zip::write::SimpleFileOptions;

use crate::both_backends;
use crate::helpers::{TestApp, assert_problem};

both_backends!(
    a_sheet_spanning_the_whole_grid_is_answered_not_fatal,
    a_zip_bomb_is_refused_by_every_table_import,
    a_sheet_past_the_row_limit_is_refused_by_every_table_import,
);

/// The endpoints that read an uploaded CSV/XLSX table, in dry-run mode.
const IMPORTS: [&str; 2] = [
    "/api/v1/units/import?dry_run=true",
    "/api/v1/users/admission/import?dry_run=true",
];

/// A minimal workbook whose only sheet holds `sheet_data` and claims `dimension`.
fn workbook(dimension: &str, sheet_data: &str, padding: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let ns = "http://schemas.openxmlformats.org";
    let parts = [
        (
            "[Content_Types].xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#
            ),
        ),
        (
            "_rels/.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
            ),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData>{padding}</worksheet>"#
            ),
        ),
    ];
    for (name, body) in parts {
        zip.start_file(name, options).expect("zip entry");
        zip.write_all(body.as_bytes()).expect("zip write");
    }
    zip.finish().expect("zip").into_inner()
}

fn cell(reference: &str, text: &str) -> String {
    format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

fn row(number: u32, cells: &[String]) -> String {
    format!(r#"<row r="{number}">{}</row>"#, cells.concat())
}

async fn send(
    app: &TestApp,
    path: &str,
    token: &str,
    name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()));
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .expect("the server answers")
}

/// The `detail` of the problem's only field error, which must be `/file`.
async fn file_error(response: reqwest::Response) -> String {
    let problem = assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["pointer"], "/file", "{problem}");
    problem["errors"][0]["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn still_serving(app: &TestApp) {
    assert_eq!(app.get("/healthz", None).await.status(), StatusCode::OK);
}

/// A unit admin who is also an organizer may call both imports.
async fn importer(app: &TestApp) -> String {
    let root = app.unit("ROOT", None).await;
    app.with_roles(
        root,
        &[(Role::UnitAdmin, Some(root)), (Role::Organizer, Some(root))],
    )
    .await
    .access
}

async fn a_sheet_spanning_the_whole_grid_is_answered_not_fatal(app: &TestApp) {
    let token = importer(app).await;
    // The tester's 1.5 KB file: a cell in A2 and one in XFD1048576. It used to make the
    // server ask for 512 GiB and abort.
    let bytes = workbook(
        "A2:XFD1048576",
        &[
            row(2, &[cell("A2", "code")]),
            row(1_048_576, &[cell("XFD1048576", "x")]),
        ]
        .concat(),
        "",
    );
    assert!(bytes.len() < 2048);
    for path in IMPORTS {
        let response = send(app, path, &token, "grid.xlsx", bytes.clone()).await;
        // The far cell is ignored; what is left is a header without the import's columns or
        // rows: an ordinary bad file.
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}"
        );
        still_serving(app).await;
    }
}

async fn a_zip_bomb_is_refused_by_every_table_import(app: &TestApp) {
    let token = importer(app).await;
    // 16 MiB of spaces in the sheet deflate to ~16 KB: 1,000 times their size.
    let padding = " ".repeat(16 * 1024 * 1024);
    let bytes = workbook("A1", &row(1, &[cell("A1", "code")]), &padding);
    drop(padding);
    assert!(bytes.len() < 100 * 1024, "{}", bytes.len());
    for path in IMPORTS {
        let response = send(app, path, &token, "bomb.xlsx", bytes.clone()).await;
        let detail = file_error(response).await;
        assert!(detail.contains("zip bomb"), "{path}: {detail}");
        still_serving(app).await;
    }
}

async fn a_sheet_past_the_row_limit_is_refused_by_every_table_import(app: &TestApp) {
    let token = importer(app).await;
    // 50,001 data rows: one past the limit of both imports. Sparse, as in the tester's
    // A1…AZ1048576 sheet: only column A and the far column AZ hold text.
    let mut data = row(1, &[cell("A1", "phone"), cell("B1", "admitted_at")]);
    for r in 2..=50_002u32 {
        data.push_str(&row(
            r,
            &[cell(&format!("A{r}"), "1"), cell(&format!("AZ{r}"), "x")],
        ));
    }
    let bytes = workbook("A1:AZ50002", &data, "");
    for path in IMPORTS {
        let response = send(app, path, &token, "rows.xlsx", bytes.clone()).await;
        let detail = file_error(response).await;
        assert!(detail.contains("at most 50000 rows"), "{path}: {detail}");
    }
    // The same as CSV.
    let mut csv = String::from("phone,admitted_at\n");
    for _ in 0..50_001 {
        csv.push_str("1,x\n");
    }
    for path in IMPORTS {
        let response = send(app, path, &token, "rows.csv", csv.clone().into_bytes()).await;
        let detail = file_error(response).await;
        assert!(detail.contains("at most 50000 rows"), "{path}: {detail}");
    }
    still_serving(app).await;
}
