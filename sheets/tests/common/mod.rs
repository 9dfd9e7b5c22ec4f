//! Shared fixtures: a table exercising every cell kind, and readers for both formats.

#![allow(dead_code)] // each test binary uses a different part

use std::io::{Cursor, Read};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use sheets::Cell;

pub const SHEET_NAME: &str = "Xếp hạng";

pub const HEADER: [&str; 9] = [
    "Hạng",
    "Họ và tên",
    "Đơn vị",
    "Điểm",
    "Chênh lệch",
    "Ngày sinh",
    "Nộp lúc",
    "Tỉ lệ đúng",
    "Ghi chú",
];

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub fn instant(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .expect("valid instant")
}

/// Rows covering Vietnamese text (precomposed and combining), quoting, formula-like text,
/// numbers, negatives, dates, percents and empty cells.
pub fn sample_rows() -> Vec<Vec<Cell<'static>>> {
    vec![
        vec![
            Cell::Int(1),
            Cell::from("Nguyễn Văn Á"),
            Cell::from("Đoàn Khối các cơ quan Trung ương"),
            Cell::Float(9.75),
            Cell::Int(0),
            Cell::Date(date(2003, 9, 2)),
            Cell::DateTime(instant(2024, 3, 15, 8, 30, 5)),
            Cell::Percent(0.455),
            Cell::Empty,
        ],
        vec![
            Cell::Int(2),
            // "Nguyễn Thị Ổn" spelled with combining marks (NFD): must not be normalised.
            Cell::from("Nguye\u{302}\u{303}n Thi\u{323} O\u{302}\u{309}n"),
            Cell::from("Trường THPT \"Chu Văn An\", Hà Nội\nLớp 12A1"),
            Cell::Float(-0.5),
            Cell::Int(-3),
            Cell::Date(date(1900, 1, 15)),
            Cell::DateTime(instant(1999, 12, 31, 23, 59, 59)),
            Cell::Percent(1.0),
            Cell::from("  lề hai bên  "),
        ],
        vec![
            Cell::Int(3),
            Cell::from("=HYPERLINK(\"http://evil.example\",\"Bấm vào đây\")"),
            Cell::from("+84 912 345 678"),
            Cell::Float(1e20),
            Cell::Int(i64::from(i32::MIN)),
            Cell::Empty,
            Cell::Empty,
            Cell::Percent(0.0),
            Cell::from("-1"),
        ],
        vec![
            Cell::Int(4),
            Cell::from("@SUM(A1:A9)"),
            Cell::from("\tTab đầu dòng"),
            Cell::Float(123_456.789),
            Cell::Int(-1_000_000),
            Cell::Date(date(2024, 2, 29)),
            Cell::DateTime(instant(2024, 2, 29, 0, 0, 0)),
            Cell::Percent(0.123_4),
            Cell::from("\r\nxuống dòng CR"),
        ],
        vec![
            Cell::Int(5),
            Cell::from("Trần Thị _x000D_ Bé"),
            Cell::from(""),
            Cell::Empty,
            Cell::Int(42),
            Cell::Date(date(9999, 12, 31)),
            Cell::DateTime(instant(2024, 12, 31, 17, 0, 0)),
            Cell::Percent(-0.05),
            Cell::from("chuông\u{7} bị bỏ trong XLSX"),
        ],
    ]
}

/// The bytes after the UTF-8 BOM, or a panic if there is none.
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .expect("CSV starts with a UTF-8 BOM")
}

/// Every record of a CSV written by the crate, as strings.
pub fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(strip_bom(bytes));
    reader
        .records()
        .map(|record| {
            record
                .expect("valid CSV record")
                .iter()
                .map(str::to_owned)
                .collect()
        })
        .collect()
}

/// The text of one entry of a zip.
pub fn zip_entry(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("valid zip");
    let mut entry = archive.by_name(name).expect("entry present");
    let mut text = String::new();
    entry.read_to_string(&mut text).expect("entry is UTF-8");
    text
}
