//! Writes a small prize list as `sample.xlsx` and `sample.csv`, to open in Excel or
//! LibreOffice by hand when changing the writers.
//!
//! ```text
//! cargo run -p sheets --example sample_report -- /tmp
//! ```

use std::error::Error;
use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;

use chrono::{NaiveDate, TimeZone, Utc};
use sheets::{Cell, Format, SheetBuilder};

const HEADER: [&str; 8] = [
    "Hạng",
    "Họ và tên",
    "Đơn vị",
    "Điểm",
    "Thời gian (ms)",
    "Ngày sinh",
    "Hoàn thành lúc",
    "Tỉ lệ đúng",
];

fn main() -> Result<(), Box<dyn Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let finished = Utc
        .with_ymd_and_hms(2024, 3, 15, 8, 30, 5)
        .single()
        .ok_or("invalid time")?;
    let born = NaiveDate::from_ymd_opt(2003, 9, 2).ok_or("invalid date")?;
    let rows: [[Cell<'_>; 8]; 4] = [
        [
            Cell::Int(1),
            Cell::from("Nguyễn Văn Á"),
            Cell::from("Đoàn Khối các cơ quan Trung ương"),
            Cell::Float(9.75),
            Cell::Int(312_450),
            Cell::Date(born),
            Cell::DateTime(finished),
            Cell::Percent(0.975),
        ],
        [
            Cell::Int(2),
            Cell::from("=HYPERLINK(\"http://example.com\",\"Bấm vào đây\")"),
            Cell::from("Trường THPT \"Chu Văn An\", Hà Nội"),
            Cell::Float(9.5),
            Cell::Int(-1),
            Cell::Empty,
            Cell::DateTime(finished),
            Cell::Percent(0.95),
        ],
        [
            Cell::Int(3),
            Cell::from("@SUM(1+1)"),
            Cell::from("+84 912 345 678"),
            Cell::Float(9.25),
            Cell::Int(401_000),
            Cell::Date(born),
            Cell::DateTime(finished),
            Cell::Percent(0.925),
        ],
        [
            Cell::Int(4),
            Cell::from("-2+3"),
            Cell::from("Tỉnh đoàn Nghệ An\nHuyện đoàn Nam Đàn"),
            Cell::Float(9.0),
            Cell::Int(450_000),
            Cell::Date(born),
            Cell::DateTime(finished),
            Cell::Percent(0.9),
        ],
    ];

    for format in [Format::Xlsx, Format::Csv] {
        let path = dir.join(format!("sample.{}", format.extension()));
        let sink = BufWriter::new(File::create(&path)?);
        let mut sheet = SheetBuilder::new(format, "Danh sách đạt giải", &HEADER)
            .title_row("DANH SÁCH ĐẠT GIẢI CUỘC THI TÌM HIỂU LỊCH SỬ ĐOÀN")
            .title_row("Vòng 1: 01/03/2024 – 15/03/2024")
            .build(sink)?;
        for row in &rows {
            sheet.row(row)?;
        }
        sheet.finish()?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
