//! The table reader against ordinary files and against the hostile ones a tester sent to the
//! imports: a sheet whose bounding box is the whole grid, zip bombs, sparse sheets past the
//! row limit, formulas and error values, CSV in the encodings Excel writes.
//!
//! Its own test binary, so the resident-memory checks see no other test's allocations.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::io::{Cursor, Write};

use sheets::read::{ReadError, ReadLimits, read_table};
use zip::write::SimpleFileOptions;

/// A minimal workbook whose first sheet's `<sheetData>` is `sheet_data`, with a `<dimension>`
/// that claims `dimension`.
fn workbook(dimension: &str, sheet_data: &str) -> Vec<u8> {
    workbook_with(dimension, sheet_data, "")
}

fn workbook_with(dimension: &str, sheet_data: &str, padding: &str) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_owned(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_owned(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_owned(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData>{padding}</worksheet>"#
            ),
        ),
    ];
    for (name, body) in parts {
        zip.start_file(name, options).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn text_cell(reference: &str, text: &str) -> String {
    format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

fn row(number: u32, cells: &[String]) -> String {
    format!(r#"<row r="{number}">{}</row>"#, cells.concat())
}

/// Resident set size in bytes.
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("procfs is mounted");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .expect("statm has a resident field");
    pages * 4096
}

const MB: usize = 1024 * 1024;

#[test]
fn a_sheet_spanning_the_whole_grid_costs_nothing() {
    // The tester's 1.5 KB file: one cell in A2, one in XFD1048576. Reading it as a Range
    // asked for 512 GiB and aborted the process.
    let bytes = workbook(
        "A2:XFD1048576",
        &[
            row(2, &[text_cell("A2", "code")]),
            row(1_048_576, &[text_cell("XFD1048576", "x")]),
        ]
        .concat(),
    );
    assert!(bytes.len() < 4096);
    let before = rss();
    let table = read_table(&bytes, Some("bomb.xlsx"), &ReadLimits::default()).unwrap();
    assert!(rss().saturating_sub(before) < 32 * MB);
    // XFD is far right of any column an import reads, so it is ignored, not an error.
    assert_eq!(table.header, ["code"]);
    assert!(table.rows.is_empty());

    // The same far cell in a column an import does read is one more row, kept with its number.
    let bytes = workbook(
        "A2:A1048576",
        &[
            row(2, &[text_cell("A2", "code")]),
            row(1_048_576, &[text_cell("A1048576", "x")]),
        ]
        .concat(),
    );
    let table = read_table(&bytes, Some("far.xlsx"), &ReadLimits::default()).unwrap();
    assert_eq!(table.rows.len(), 1);
    assert_eq!(table.rows[0].number, 1_048_576);
}

#[test]
fn a_dense_sheet_stops_at_the_row_limit_before_reading_on() {
    let limits = ReadLimits {
        max_rows: 100,
        ..ReadLimits::default()
    };
    // 52 columns (A…AZ) on 2,000 rows: reading stops at row 102, and columns past the limit
    // are dropped as they stream by.
    let columns: Vec<String> = (0..52)
        .map(|c| {
            if c < 26 {
                char::from(b'A' + c).to_string()
            } else {
                format!("A{}", char::from(b'A' + c - 26))
            }
        })
        .collect();
    let mut data = String::new();
    for r in 1..=2_000u32 {
        let cells: Vec<String> = columns
            .iter()
            .map(|c| text_cell(&format!("{c}{r}"), "v"))
            .collect();
        data.push_str(&row(r, &cells));
    }
    let bytes = workbook("A1:AZ2000", &data);
    assert_eq!(
        read_table(&bytes, None, &limits),
        Err(ReadError::TooManyRows { max_rows: 100 })
    );

    // Exactly at the limit is fine, and every row keeps its spreadsheet number.
    let mut data = row(1, &[text_cell("A1", "code"), text_cell("B1", "name")]);
    for r in 2..=101u32 {
        data.push_str(&row(
            r,
            &[
                text_cell(&format!("A{r}"), &format!("U{r}")),
                text_cell(&format!("BZ{r}"), "far"),
            ],
        ));
    }
    let table = read_table(&workbook("A1:BZ101", &data), Some("ok.xlsx"), &limits).unwrap();
    assert_eq!(table.rows.len(), 100);
    assert_eq!(table.rows[99].number, 101);
    assert_eq!(table.rows[99].cells, ["U101", ""]);
}

#[test]
fn zip_bombs_are_refused_before_parsing() {
    // 48 MiB of spaces inside the sheet deflate to ~50 KB: far past 100 times the file's size.
    let padding = " ".repeat(48 * MB);
    let bytes = workbook_with("A1", &row(1, &[text_cell("A1", "code")]), &padding);
    assert!(bytes.len() < 200 * 1024, "{}", bytes.len());
    let before = rss();
    let err = read_table(&bytes, Some("bomb.xlsx"), &ReadLimits::default()).unwrap_err();
    assert!(matches!(err, ReadError::ZipBomb { .. }), "{err:?}");
    assert!(rss().saturating_sub(before) < 32 * MB);
    drop(padding);

    // The absolute budget holds for a file large enough to pass the ratio.
    let limits = ReadLimits {
        max_uncompressed_bytes: 2 * MB as u64,
        ..ReadLimits::default()
    };
    // Letters from a xorshift generator barely compress, so the ratio is no help here.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let padding: String = (0..3 * MB)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            char::from(b'a' + u8::try_from(state % 26).unwrap())
        })
        .collect();
    let padding = format!("<!--{padding}-->");
    let bytes = workbook_with("A1", &row(1, &[text_cell("A1", "code")]), &padding);
    assert_eq!(
        read_table(&bytes, None, &limits),
        Err(ReadError::ZipBomb {
            max_bytes: 2 * MB as u64
        })
    );

    // Too many parts.
    let limits = ReadLimits {
        max_zip_entries: 3,
        ..ReadLimits::default()
    };
    assert_eq!(
        read_table(&workbook("A1", ""), None, &limits),
        Err(ReadError::TooManyParts {
            parts: 5,
            max_parts: 3
        })
    );
}

#[test]
fn files_that_are_not_workbooks_are_refused() {
    let limits = ReadLimits::default();
    assert_eq!(
        read_table(b"code,name\n", Some("units.xlsx"), &limits),
        Err(ReadError::NotAWorkbook)
    );
    assert_eq!(
        read_table(b"PK\x03\x04garbage", Some("units.xlsx"), &limits),
        Err(ReadError::NotAWorkbook)
    );
    assert_eq!(
        read_table(b"%PDF-1.4", Some("units.pdf"), &limits),
        Err(ReadError::UnsupportedType)
    );
    let small = ReadLimits {
        max_file_bytes: 4,
        ..limits
    };
    assert_eq!(
        read_table(b"code\n", None, &small),
        Err(ReadError::FileTooLarge { max_bytes: 4 })
    );
    assert_eq!(read_table(b" , \n\n", None, &limits), Err(ReadError::Empty));
}

#[test]
fn formulas_and_error_values_name_their_cell() {
    let formula = workbook(
        "A1:B2",
        &[
            row(1, &[text_cell("A1", "code")]),
            row(
                2,
                &[r#"<c r="B2"><f>HYPERLINK("x")</f><v>1</v></c>"#.to_owned()],
            ),
        ]
        .concat(),
    );
    assert_eq!(
        read_table(&formula, None, &ReadLimits::default()),
        Err(ReadError::Formula { cell: "B2".into() })
    );
    let error = workbook(
        "A1:A3",
        &[
            row(1, &[text_cell("A1", "code")]),
            row(3, &[r##"<c r="A3" t="e"><v>#REF!</v></c>"##.to_owned()]),
        ]
        .concat(),
    );
    assert_eq!(
        read_table(&error, None, &ReadLimits::default()),
        Err(ReadError::ErrorValue {
            cell: "A3".into(),
            value: "#REF!".into()
        })
    );
}

#[test]
fn a_workbook_saved_by_a_spreadsheet_program_reads_as_typed() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    sheet.write_string(2, 0, "Số điện thoại").unwrap();
    sheet.write_string(2, 1, "Ngày kết nạp").unwrap();
    sheet.write_number(3, 0, 912_345_678.0).unwrap();
    sheet
        .write_datetime_with_format(3, 1, ExcelDateTime::from_ymd(2024, 3, 26).unwrap(), &date)
        .unwrap();
    // A blank line between the rows is skipped, and numbers keep their row.
    sheet.write_string(5, 0, " 0987654321 ").unwrap();
    sheet.write_string(5, 1, "26/3/2024").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let table = read_table(&bytes, Some("Danh sách.XLSX"), &ReadLimits::default()).unwrap();
    assert_eq!(table.header, ["Số điện thoại", "Ngày kết nạp"]);
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[0].number, 4);
    assert_eq!(table.rows[0].cells, ["912345678", "2024-03-26"]);
    assert_eq!(table.rows[1].number, 6);
    assert_eq!(table.rows[1].cells, ["0987654321", "26/3/2024"]);
}

#[test]
fn csv_in_the_encodings_excel_writes() {
    let limits = ReadLimits::default();
    let expected = vec![vec!["DN1".to_owned(), "Chi đoàn Kỹ thuật".to_owned()]];
    let cells = |t: sheets::read::Table| t.rows.into_iter().map(|r| r.cells).collect::<Vec<_>>();

    let utf8 = "mã;tên\nDN1;Chi đoàn Kỹ thuật\n";
    assert_eq!(
        cells(read_table(utf8.as_bytes(), None, &limits).unwrap()),
        expected
    );
    let bom = [b"\xEF\xBB\xBF".as_slice(), utf8.as_bytes()].concat();
    assert_eq!(
        cells(read_table(&bom, Some("a.csv"), &limits).unwrap()),
        expected
    );
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(utf8.encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let table = read_table(&utf16, Some("a.txt"), &limits).unwrap();
    assert_eq!(table.header, ["mã", "tên"]);
    assert_eq!(cells(table), expected);

    // Windows-1258 (Excel's plain "CSV" on a Vietnamese Windows) is not UTF-8: said plainly.
    assert_eq!(
        read_table(b"code,name\nA,Chi \xF0oan\n", None, &limits),
        Err(ReadError::NotUtf8)
    );
    assert_eq!(
        read_table(b"c\x00o\x00d\x00e\x00", None, &limits),
        Err(ReadError::NotUtf8)
    );
}

#[test]
fn csv_rows_keep_their_line_numbers_and_the_limit() {
    let limits = ReadLimits {
        max_rows: 3,
        ..ReadLimits::default()
    };
    let text = "code,name\n\nA,\"two\nlines\"\nB,b\n";
    let table = read_table(text.as_bytes(), None, &limits).unwrap();
    assert_eq!(table.rows.len(), 2);
    assert_eq!(table.rows[0].number, 3);
    assert_eq!(table.rows[0].cells, ["A", "two\nlines"]);
    assert_eq!(table.rows[1].number, 5);

    let text = "code\n1\n2\n3\n4\n";
    assert_eq!(
        read_table(text.as_bytes(), None, &limits),
        Err(ReadError::TooManyRows { max_rows: 3 })
    );
    let bad = "code,name\n\"unclosed,x\n";
    // The csv crate accepts an unclosed quote at the end of input as the rest of the file,
    // so this reads; what matters is that nothing panics and the cell holds the text.
    assert!(read_table(bad.as_bytes(), None, &limits).is_ok());
}

/// Found by the fuzzer (`tests/fuzz.rs`): calamine reserved `uniqueCount` shared strings
/// before reading one, so a 2 KB file asked for 96 GiB and aborted the process.
#[test]
fn a_shared_strings_count_larger_than_its_part_is_refused() {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default();
    let base = workbook("A1:A2", &row(1, &[text_cell("A1", "code")]));
    let mut archive = zip::ZipArchive::new(Cursor::new(base)).unwrap();
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).unwrap();
        let name = part.name().unwrap().into_owned();
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut part, &mut body).unwrap();
        zip.start_file(name, options).unwrap();
        zip.write_all(&body).unwrap();
    }
    zip.start_file("xl/sharedStrings.xml", options).unwrap();
    zip.write_all(br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="4294967295" uniqueCount = '4294967295'><si><t>a</t></si></sst>"#)
        .unwrap();
    let bytes = zip.finish().unwrap().into_inner();
    let error = read_table(&bytes, Some("units.xlsx"), &ReadLimits::default()).unwrap_err();
    assert!(
        matches!(&error, ReadError::Damaged(m) if m.contains("4294967295 strings")),
        "{error:?}"
    );
}

/// Found by the fuzzer: rows that go back (`r="5"` then `r="2"`) would split or duplicate a
/// row; cell references that overflow made calamine panic.
#[test]
fn rows_that_go_back_and_overflowing_references_are_damage() {
    let back = workbook(
        "A1:A5",
        &[
            row(1, &[text_cell("A1", "code")]),
            row(5, &[text_cell("A5", "late")]),
            row(2, &[text_cell("A2", "early")]),
        ]
        .concat(),
    );
    let error = read_table(&back, Some("units.xlsx"), &ReadLimits::default()).unwrap_err();
    assert!(
        matches!(&error, ReadError::Damaged(m) if m.contains("row 2 comes after row 5")),
        "{error:?}"
    );
    let overflow = workbook(
        "A1:A2",
        &[
            row(1, &[text_cell("A1", "code")]),
            row(2, &[text_cell("A99999999999", "x")]),
        ]
        .concat(),
    );
    let error = read_table(&overflow, Some("units.xlsx"), &ReadLimits::default()).unwrap_err();
    assert!(matches!(error, ReadError::Damaged(_)), "{error:?}");
}
