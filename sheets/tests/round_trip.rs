//! Writes sheets with every kind of cell and reads them back with independent readers: the
//! `csv` crate for CSV, calamine (and a raw look at the XML) for XLSX.

// Helpers outside #[test] functions panic on failure too, as tests should.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;
use std::io::{Cursor, Write};

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDateTime;
use common::{HEADER, SHEET_NAME, date, instant, read_csv, sample_rows, zip_entry};
use quick_xml::events::Event;
use sheets::{Cell, Format, SheetBuilder, SheetError, SheetWriter};

fn write_sample(format: Format) -> Vec<u8> {
    let mut sheet =
        SheetWriter::new(format, Vec::new(), SHEET_NAME, &HEADER).expect("sheet starts");
    for row in sample_rows() {
        sheet.row(&row).expect("row is written");
    }
    sheet.finish().expect("sheet finishes")
}

fn open_xlsx(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(bytes)).expect("calamine opens the workbook")
}

/// What a cell must read back as from the CSV, spelled out by hand.
const EXPECTED_CSV: [[&str; 9]; 5] = [
    [
        "1",
        "Nguyễn Văn Á",
        "Đoàn Khối các cơ quan Trung ương",
        "9.75",
        "0",
        "2003-09-02",
        "2024-03-15 08:30:05",
        "45.5%",
        "",
    ],
    [
        "2",
        "Nguye\u{302}\u{303}n Thi\u{323} O\u{302}\u{309}n",
        "Trường THPT \"Chu Văn An\", Hà Nội\nLớp 12A1",
        "-0.5",
        "-3",
        "1900-01-15",
        "1999-12-31 23:59:59",
        "100%",
        "  lề hai bên  ",
    ],
    [
        "3",
        "'=HYPERLINK(\"http://evil.example\",\"Bấm vào đây\")",
        "'+84 912 345 678",
        "1e20",
        "-2147483648",
        "",
        "",
        "0%",
        "'-1",
    ],
    [
        "4",
        "'@SUM(A1:A9)",
        "'\tTab đầu dòng",
        "123456.789",
        "-1000000",
        "2024-02-29",
        "2024-02-29 00:00:00",
        "12.34%",
        "'\r\nxuống dòng CR",
    ],
    [
        "5",
        "Trần Thị _x000D_ Bé",
        "",
        "",
        "42",
        "9999-12-31",
        "2024-12-31 17:00:00",
        "-5%",
        "chuông\u{7} bị bỏ trong XLSX",
    ],
];

#[test]
fn csv_round_trips_every_cell() {
    let bytes = write_sample(Format::Csv);

    let records = read_csv(&bytes);

    assert_eq!(records.len(), 1 + EXPECTED_CSV.len());
    assert_eq!(records[0], HEADER);
    for (row, (got, expected)) in records[1..].iter().zip(EXPECTED_CSV).enumerate() {
        assert_eq!(got.len(), expected.len(), "width of data row {row}");
        for (col, (got, expected)) in got.iter().zip(expected).enumerate() {
            assert_eq!(got, expected, "data row {row}, column {col}");
        }
    }
}

#[test]
fn csv_uses_crlf_line_ends_and_rfc4180_quoting() {
    let bytes = write_sample(Format::Csv);
    let text = String::from_utf8(common::strip_bom(&bytes).to_vec()).expect("UTF-8");

    assert!(text.starts_with("Hạng,Họ và tên,"), "{text}");
    assert!(text.contains(",9.75,0,2003-09-02,2024-03-15 08:30:05,45.5%,\r\n2,"));
    assert!(text.contains(",\"Trường THPT \"\"Chu Văn An\"\", Hà Nội\nLớp 12A1\","));
    assert!(text.ends_with("\r\n"));
    // Six records end in CRLF; the one other CRLF and the lone LF are inside quoted fields.
    assert_eq!(text.matches("\r\n").count(), 6 + 1);
    assert_eq!(text.matches('\n').count(), 6 + 1 + 1);
    assert!(text.contains(",\"'\r\nxuống dòng CR\"\r\n5,"));
}

/// Reads the XLSX back and compares every cell with what was written.
#[test]
fn xlsx_round_trips_every_cell() {
    let rows = sample_rows();
    let mut workbook = open_xlsx(write_sample(Format::Xlsx));

    assert_eq!(workbook.sheet_names(), [SHEET_NAME]);
    let range = workbook
        .worksheet_range(SHEET_NAME)
        .expect("sheet is readable");

    for (col, name) in HEADER.iter().enumerate() {
        assert_eq!(
            range.get_value((0, col as u32)),
            Some(&Data::String((*name).to_owned())),
            "header column {col}"
        );
    }
    for (row, cells) in rows.iter().enumerate() {
        for (col, cell) in cells.iter().enumerate() {
            let position = (row as u32 + 1, col as u32);
            let got = range
                .get_value(position)
                .filter(|data| **data != Data::Empty);
            let context = format!("data row {row}, column {col}: {got:?}");
            match cell {
                Cell::Text(text) if text.is_empty() => assert_eq!(got, None, "{context}"),
                Cell::Text(text) => {
                    // XML cannot carry U+0007; the writer drops it and keeps the rest.
                    let expected = text.replace('\u{7}', "");
                    assert_eq!(got, Some(&Data::String(expected)), "{context}");
                }
                Cell::Int(n) => assert_eq!(got, Some(&Data::Float(*n as f64)), "{context}"),
                Cell::Float(x) | Cell::Percent(x) => {
                    assert_eq!(got, Some(&Data::Float(*x)), "{context}");
                }
                Cell::Date(day) => {
                    let expected = day.and_hms_opt(0, 0, 0).expect("midnight");
                    assert_eq!(as_datetime(got), Some(expected), "{context}");
                }
                Cell::DateTime(at) => {
                    assert_eq!(as_datetime(got), Some(at.naive_utc()), "{context}");
                }
                Cell::Empty => assert_eq!(got, None, "{context}"),
            }
        }
    }
}

fn as_datetime(data: Option<&Data>) -> Option<NaiveDateTime> {
    match data {
        Some(Data::DateTime(serial)) => serial.as_datetime(),
        _ => None,
    }
}

/// The cells of the worksheet XML whose style has `quotePrefix="1"`.
fn quote_prefixed_cells(xlsx: &[u8]) -> BTreeSet<String> {
    let styles = zip_entry(xlsx, "xl/styles.xml");
    let mut quoted_styles = BTreeSet::new();
    let mut reader = quick_xml::Reader::from_str(&styles);
    let (mut in_cell_xfs, mut index) = (false, 0);
    loop {
        match reader.read_event().expect("styles.xml is well-formed") {
            Event::Start(e) if e.name().as_ref() == "cellXfs" => in_cell_xfs = true,
            Event::End(e) if e.name().as_ref() == "cellXfs" => in_cell_xfs = false,
            Event::Start(e) | Event::Empty(e) if in_cell_xfs && e.name().as_ref() == "xf" => {
                let quoted = e.attributes().any(|a| {
                    let a = a.expect("attribute");
                    a.key.as_ref() == "quotePrefix" && a.value.as_ref() == "1"
                });
                if quoted {
                    quoted_styles.insert(index.to_string());
                }
                index += 1;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(
        !quoted_styles.is_empty(),
        "styles.xml defines a quotePrefix style"
    );

    let sheet = zip_entry(xlsx, "xl/worksheets/sheet1.xml");
    let mut quoted_cells = BTreeSet::new();
    let mut reader = quick_xml::Reader::from_str(&sheet);
    loop {
        match reader.read_event().expect("sheet1.xml is well-formed") {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "c" => {
                let (mut reference, mut style) = (String::new(), String::new());
                for a in e.attributes() {
                    let a = a.expect("attribute");
                    let value = a.value.to_string();
                    match a.key.as_ref() {
                        "r" => reference = value,
                        "s" => style = value,
                        _ => {}
                    }
                }
                if quoted_styles.contains(&style) {
                    quoted_cells.insert(reference);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    quoted_cells
}

#[test]
fn xlsx_marks_exactly_the_formula_like_text_with_quote_prefix() {
    let xlsx = write_sample(Format::Xlsx);

    let quoted = quote_prefixed_cells(&xlsx);

    // Row 1 is the header; the formula-like texts are in sample rows 3 and 4. The negative
    // numbers in column E are numbers, not text, and stay unmarked.
    let expected: BTreeSet<String> = ["B4", "C4", "I4", "B5", "C5", "I5"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(quoted, expected);
}

#[test]
fn xlsx_keeps_formula_like_text_unchanged_and_never_writes_formulas() {
    let xlsx = write_sample(Format::Xlsx);
    let sheet = zip_entry(&xlsx, "xl/worksheets/sheet1.xml");

    assert!(
        !sheet.contains("<f>") && !sheet.contains("<f "),
        "no formula elements"
    );
    let mut workbook = open_xlsx(xlsx);
    let range = workbook.worksheet_range(SHEET_NAME).expect("sheet");
    assert_eq!(
        range.get_value((3, 1)),
        Some(&Data::String(
            "=HYPERLINK(\"http://evil.example\",\"Bấm vào đây\")".into()
        ))
    );
}

#[test]
fn xlsx_header_is_bold_and_frozen() {
    let xlsx = write_sample(Format::Xlsx);
    let sheet = zip_entry(&xlsx, "xl/worksheets/sheet1.xml");
    let styles = zip_entry(&xlsx, "xl/styles.xml");

    assert!(
        sheet.contains(
            r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#
        )
    );
    assert!(sheet.contains(r#"<c r="A1" s="2" t="inlineStr"><is><t>Hạng</t></is></c>"#));
    assert!(styles.contains(r#"<font><b/>"#));
}

/// A sink that is only `Write`, like a socket or a pipe.
struct Pipe {
    bytes: Vec<u8>,
    writes: usize,
}

impl Write for Pipe {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.writes += 1;
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn xlsx_streamed_into_a_non_seekable_sink_is_a_valid_zip() {
    let pipe = Pipe {
        bytes: Vec::new(),
        writes: 0,
    };
    let mut sheet = SheetWriter::new(Format::Xlsx, pipe, SHEET_NAME, &HEADER).expect("start");
    for _ in 0..50 {
        for row in sample_rows() {
            sheet.row(&row).expect("row");
        }
    }
    let pipe = sheet.finish().expect("finish");

    assert!(pipe.writes > 1);
    let bytes = pipe.bytes;
    assert_eq!(
        &bytes[..4],
        b"PK\x03\x04",
        "starts with a local file header"
    );
    let flags = u16::from_le_bytes([bytes[6], bytes[7]]);
    assert_ne!(
        flags & 0x08,
        0,
        "sizes follow the data in a data descriptor"
    );

    let mut archive = zip::ZipArchive::new(Cursor::new(&bytes)).expect("valid zip");
    let names: Vec<String> = archive
        .file_names()
        .map(|name| name.expect("entry name").into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "[Content_Types].xml",
            "_rels/.rels",
            "xl/workbook.xml",
            "xl/_rels/workbook.xml.rels",
            "xl/styles.xml",
            "xl/worksheets/sheet1.xml",
        ]
    );
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("entry");
        assert_eq!(entry.compression(), zip::CompressionMethod::Deflated);
        // Reading to the end checks the CRC.
        std::io::copy(&mut entry, &mut std::io::sink()).expect("entry decompresses, CRC ok");
    }

    let mut workbook = open_xlsx(bytes);
    let range = workbook.worksheet_range(SHEET_NAME).expect("sheet");
    assert_eq!(range.height(), 1 + 50 * 5);
}

#[test]
fn title_rows_sit_above_the_header_in_both_formats() {
    let titles = ["KẾT QUẢ CUỘC THI TÌM HIỂU LỊCH SỬ ĐOÀN", "=Vòng 1"];
    let build = |format| {
        let mut sheet = SheetBuilder::new(format, SHEET_NAME, &HEADER)
            .title_row(titles[0])
            .title_row(String::from(titles[1]))
            .build(Vec::new())
            .expect("start");
        sheet.row(&sample_rows()[0]).expect("row");
        sheet.finish().expect("finish")
    };

    let records = read_csv(&build(Format::Csv));
    assert_eq!(records[0], [titles[0]]);
    assert_eq!(records[1], ["'=Vòng 1"]);
    assert_eq!(records[2], HEADER);
    assert_eq!(records[3][1], "Nguyễn Văn Á");

    let xlsx = build(Format::Xlsx);
    let sheet = zip_entry(&xlsx, "xl/worksheets/sheet1.xml");
    assert!(
        sheet.contains(r#"<pane ySplit="3" topLeftCell="A4""#),
        "{sheet}"
    );
    assert_eq!(
        quote_prefixed_cells(&xlsx),
        BTreeSet::from(["A2".to_owned()])
    );
    let mut workbook = open_xlsx(xlsx);
    let range = workbook.worksheet_range(SHEET_NAME).expect("sheet");
    assert_eq!(
        range.get_value((0, 0)),
        Some(&Data::String(titles[0].into()))
    );
    assert_eq!(
        range.get_value((1, 0)),
        Some(&Data::String(titles[1].into()))
    );
    assert_eq!(
        range.get_value((2, 0)),
        Some(&Data::String(HEADER[0].into()))
    );
    assert_eq!(range.get_value((3, 0)), Some(&Data::Float(1.0)));
}

#[test]
fn xlsx_column_widths_come_from_the_caller_or_the_content() {
    let header = ["Hạng", "Nộp lúc"];
    let row = [Cell::Int(1), Cell::DateTime(instant(2024, 3, 15, 8, 30, 5))];

    let mut fixed = SheetBuilder::new(Format::Xlsx, "s", &header)
        .column_widths(&[5.0, 22.5])
        .build(Vec::new())
        .expect("start");
    fixed.row(&row).expect("row");
    let sheet = zip_entry(&fixed.finish().expect("finish"), "xl/worksheets/sheet1.xml");
    assert!(sheet.contains(r#"<col min="1" max="1" width="5.0" customWidth="1"/>"#));
    assert!(sheet.contains(r#"<col min="2" max="2" width="22.5" customWidth="1"/>"#));

    let mut measured = SheetWriter::new(Format::Xlsx, Vec::new(), "s", &header).expect("start");
    measured.row(&row).expect("row");
    let sheet = zip_entry(
        &measured.finish().expect("finish"),
        "xl/worksheets/sheet1.xml",
    );
    // "2024-03-15 08:30:05" is 19 characters, plus padding.
    assert!(
        sheet.contains(r#"<col min="2" max="2" width="21.0" customWidth="1"/>"#),
        "{sheet}"
    );
}

#[test]
fn sheet_names_are_made_valid() {
    let mut sheet = SheetWriter::new(
        Format::Xlsx,
        Vec::new(),
        "Kết quả [vòng 1]: 2024/03 — Đoàn Thanh niên",
        &["A"],
    )
    .expect("start");
    sheet.row(&[Cell::Int(1)]).expect("row");
    let workbook = open_xlsx(sheet.finish().expect("finish"));

    assert_eq!(workbook.sheet_names(), ["Kết quả _vòng 1__ 2024_03 — Đoà"]);
}

#[test]
fn rows_must_match_the_header_width() {
    for format in [Format::Csv, Format::Xlsx] {
        let mut sheet = SheetWriter::new(format, Vec::new(), "s", &["a", "b"]).expect("start");

        let err = sheet
            .row(&[Cell::Int(1)])
            .expect_err("short row is refused");

        assert!(
            matches!(
                err,
                SheetError::RowWidth {
                    expected: 2,
                    got: 1
                }
            ),
            "{format}: {err:?}"
        );
        assert_eq!(sheet.rows(), 0);
    }
}

#[test]
fn an_empty_sheet_is_still_a_valid_file() {
    let csv = SheetWriter::new(Format::Csv, Vec::new(), "s", &HEADER)
        .expect("start")
        .finish()
        .expect("finish");
    assert_eq!(read_csv(&csv), [HEADER]);

    let xlsx = SheetWriter::new(Format::Xlsx, Vec::new(), SHEET_NAME, &HEADER)
        .expect("start")
        .finish()
        .expect("finish");
    let mut workbook = open_xlsx(xlsx);
    let range = workbook.worksheet_range(SHEET_NAME).expect("sheet");
    assert_eq!(range.height(), 1);
}

#[test]
fn dates_excel_cannot_represent_become_text() {
    let mut sheet = SheetWriter::new(Format::Xlsx, Vec::new(), "s", &["Ngày"]).expect("start");
    sheet.row(&[Cell::Date(date(1800, 1, 1))]).expect("row");
    let mut workbook = open_xlsx(sheet.finish().expect("finish"));
    let range = workbook.worksheet_range("s").expect("sheet");

    assert_eq!(
        range.get_value((1, 0)),
        Some(&Data::String("1800-01-01".into()))
    );
}
