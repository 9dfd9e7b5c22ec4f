//! Excel workbooks in the shared column layout (`tabular`), questions on the first sheet.
//!
//! # Implementation notes
//! Before calamine sees the bytes, [`check_zip`] opens the zip itself and decompresses every
//! part into a sink with a hard budget: declared sizes can lie, so only the real byte count is
//! trusted. calamine then streams the sheet cell by cell, so a million-row sheet stops at the
//! row limit. Formula cells are rejected (the cached value may be stale or crafted).
//! On export every value is written as a string cell, so nothing is ever evaluated.

use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use rust_xlsxwriter::{Color, DataValidation, Format as CellFormat, FormatAlign, Workbook};

use super::tabular::{
    COLUMNS, Header, MAX_TITLE_ROWS, VI_COLUMNS, is_title_row, question_to_row, row_to_question,
    title_row_skipped,
};
use super::{Context, WriteError};
use crate::limits::Limits;
use crate::model::Question;
use crate::problem::{Problem, ReadReport};

/// Columns beyond this are ignored (nobody's question needs them; a hostile sheet might).
const MAX_COLUMNS: u32 = 64;

/// Name of the data sheet in written workbooks.
pub const SHEET_NAME: &str = "Câu hỏi";

fn not_a_workbook() -> Problem {
    Problem::new(
        "this is not an Excel .xlsx workbook (damaged, or another file renamed to .xlsx); open it in Excel and save as .xlsx",
        "đây không phải bảng tính Excel .xlsx (tệp hỏng hoặc tệp khác bị đổi đuôi); hãy mở bằng Excel và lưu lại dưới dạng .xlsx",
    )
}

/// Refuses zips that are not workbooks or that unpack to too much, before any XML parsing:
/// the same guard as every other table the server reads (`sheets::read::check_zip`).
pub fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), Problem> {
    use sheets::read::ReadError;
    let read_limits = sheets::read::ReadLimits {
        max_file_bytes: limits.max_file_bytes,
        max_uncompressed_bytes: limits.max_uncompressed_bytes,
        max_compression_ratio: limits.max_compression_ratio,
        max_zip_entries: limits.max_zip_entries,
        ..sheets::read::ReadLimits::default()
    };
    sheets::read::check_zip(bytes, &read_limits).map_err(|e| match e {
        ReadError::TooManyParts { parts, max_parts } => Problem::new(
            format!("the workbook has {parts} parts; at most {max_parts} are accepted"),
            format!("bảng tính có {parts} thành phần; tối đa {max_parts}"),
        ),
        ReadError::ZipBomb { max_bytes } => Problem::new(
            format!(
                "the workbook unpacks to more than {} MB (or more than {}× its size); this looks like a zip bomb and was not opened",
                max_bytes / (1024 * 1024),
                limits.max_compression_ratio
            ),
            format!(
                "bảng tính giải nén ra hơn {} MB (hoặc gấp hơn {} lần kích thước tệp); có dấu hiệu \"bom zip\" nên không mở",
                max_bytes / (1024 * 1024),
                limits.max_compression_ratio
            ),
        ),
        _ => not_a_workbook(),
    })
}

/// Reads the first sheet of an XLSX workbook.
pub fn read(bytes: &[u8], ctx: &Context<'_>) -> ReadReport {
    if let Err(problem) = check_zip(bytes, ctx.limits) {
        return ReadReport::failed(problem);
    }
    // calamine's cell-reference and dimension arithmetic overflows on references such as
    // `ZZZZZZZZ1` or `B2:A1` (a panic where overflow checks are on): a damaged file.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_sheet(bytes, ctx)))
        .unwrap_or_else(|_| {
            ReadReport::failed(Problem::new(
                "the first sheet is damaged (a cell reference or dimension out of range)",
                "trang đầu của bảng tính bị hỏng (địa chỉ ô hoặc vùng dữ liệu vượt giới hạn)",
            ))
        })
}

fn read_sheet(bytes: &[u8], ctx: &Context<'_>) -> ReadReport {
    let mut workbook = match Xlsx::new(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(e) => {
            return ReadReport::failed(Problem::new(
                format!("the workbook cannot be read: {e}"),
                format!("không đọc được bảng tính: {e}"),
            ));
        }
    };
    let Some(sheet) = workbook.sheet_names().first().cloned() else {
        return ReadReport::failed(Problem::new(
            "the workbook has no sheets",
            "bảng tính không có trang nào",
        ));
    };
    let mut report = ReadReport::default();
    let mut cells = match workbook.worksheet_cells_reader(&sheet) {
        Ok(cells) => cells,
        Err(e) => {
            return ReadReport::failed(Problem::new(
                format!("sheet {sheet:?} cannot be read: {e}"),
                format!("không đọc được trang {sheet:?}: {e}"),
            ));
        }
    };
    let mut rows = RowBuilder::default();
    loop {
        let cell = match cells.next_cell_with_formula() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => {
                report.problems.push(Problem::new(
                    format!("sheet {sheet:?} is damaged: {e}"),
                    format!("trang {sheet:?} bị hỏng: {e}"),
                ));
                break;
            }
        };
        let (row, col) = cell.pos;
        if col >= MAX_COLUMNS {
            continue;
        }
        if rows.current != Some(row) {
            if !rows.finish(&mut report, ctx) {
                return report;
            }
            rows.current = Some(row);
        }
        let reference = cell_reference(row, col);
        if let Some(formula) = &cell.formula {
            report.problems.push(
                Problem::new(
                    format!("cell {reference} contains a formula (={formula}); paste values only"),
                    format!(
                        "ô {reference} chứa công thức (={formula}); hãy dán giá trị (Paste Values)"
                    ),
                )
                .field(reference)
                .at(Some(row.saturating_add(1))),
            );
            rows.broken = true;
            continue;
        }
        match cell_text(&cell.value) {
            Ok(text) => rows.set(col, text),
            Err(error) => {
                rows.broken = true;
                report.problems.push(
                    Problem::new(
                        format!("cell {reference} holds the error value {error}"),
                        format!("ô {reference} chứa giá trị lỗi {error}"),
                    )
                    .field(reference)
                    .at(Some(row.saturating_add(1))),
                );
            }
        }
    }
    rows.finish(&mut report, ctx);
    report
}

/// Collects the cells of one row at a time; the first row with cells is the header.
#[derive(Default)]
struct RowBuilder {
    current: Option<u32>,
    cells: Vec<String>,
    header: Option<Header>,
    header_failed: bool,
    data_rows: usize,
    /// A cell of the current row was rejected (formula, error value): the row is not built.
    broken: bool,
    /// Rows above the header skipped as titles.
    title_rows: usize,
}

impl RowBuilder {
    fn set(&mut self, col: u32, text: String) {
        let col = col as usize;
        if self.cells.len() <= col {
            self.cells.resize(col + 1, String::new());
        }
        self.cells[col] = text;
    }

    /// Processes the collected row. Returns false when reading must stop.
    fn finish(&mut self, report: &mut ReadReport, ctx: &Context<'_>) -> bool {
        let Some(row0) = self.current else {
            return true;
        };
        let cells = std::mem::take(&mut self.cells);
        let broken = std::mem::take(&mut self.broken);
        let row = row0.saturating_add(1);
        if self.header_failed {
            return false;
        }
        match &self.header {
            None => {
                if cells.iter().all(|c| c.trim().is_empty()) {
                    return true;
                }
                if self.title_rows < MAX_TITLE_ROWS && is_title_row(&cells) {
                    self.title_rows += 1;
                    report.warnings.push(title_row_skipped(row));
                    return true;
                }
                let (header, problems, warnings) = Header::parse(&cells);
                // Header problems are reported on row 1 by `Header::parse`; use the real row.
                report
                    .problems
                    .extend(problems.into_iter().map(|p| p.at(Some(row))));
                report
                    .warnings
                    .extend(warnings.into_iter().map(|p| p.at(Some(row))));
                self.header_failed = !report.problems.is_empty();
                self.header = Some(header);
                !self.header_failed
            }
            Some(header) => {
                if cells.iter().all(|c| c.trim().is_empty()) {
                    return true;
                }
                self.data_rows += 1;
                if let Some(problem) = ctx.over_limit(self.data_rows, Some(row)) {
                    report.problems.push(problem);
                    return false;
                }
                if broken {
                    return true;
                }
                if let Some(q) = row_to_question(header, &cells, row, &mut report.problems) {
                    report.push(q, Some(row));
                }
                true
            }
        }
    }
}

/// `(0, 0)` → `A1`.
pub fn cell_reference(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(u64::from(row) + 1).to_string()
}

/// A cell's value as text; `Err` with the Excel error (`#N/A`…) for error cells.
fn cell_text(value: &DataRef<'_>) -> Result<String, String> {
    Ok(match value {
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        // Whole numbers typed into Excel (e.g. the year 1945) come back as floats.
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => match dt.as_datetime() {
            Some(d) if d.time() == chrono::NaiveTime::MIN => d.date().to_string(),
            Some(d) => d.to_string(),
            None => dt.as_f64().to_string(),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => return Err(e.to_string()),
        DataRef::Empty => String::new(),
    })
}

/// Writes questions to a one-sheet workbook.
pub fn write(questions: &[Question]) -> Result<Vec<u8>, WriteError> {
    write_workbook(questions, false)
}

/// Writes questions; with `guide`, adds dropdowns and a second sheet explaining each column
/// (the downloadable template).
pub fn write_workbook(questions: &[Question], guide: bool) -> Result<Vec<u8>, WriteError> {
    let mut workbook = Workbook::new();
    let header_format = CellFormat::new()
        .set_bold()
        .set_background_color(Color::RGB(0x00D9_E1F2))
        .set_align(FormatAlign::Top);
    let body_format = CellFormat::new()
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET_NAME)?;
    for (col, name) in COLUMNS.iter().enumerate() {
        // The template speaks the organizer's language; an export keeps the English names
        // scripts rely on. Both read back.
        let label = if guide { VI_COLUMNS[col] } else { *name };
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, label, &header_format)?;
        let width = match *name {
            "text" | "explanation" => 50.0,
            n if n.starts_with("option_") => 24.0,
            "topic_name" | "source_title" | "legal_document" => 30.0,
            "id" => 38.0,
            n if n.starts_with("image") => 20.0,
            _ => 14.0,
        };
        sheet.set_column_width(col, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, q) in questions.iter().enumerate() {
        let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
        for (col, value) in question_to_row(q).iter().enumerate() {
            if !value.is_empty() {
                // Always a string cell: "=1+1" stays text and is never evaluated.
                sheet.write_string_with_format(
                    row,
                    u16::try_from(col).unwrap_or(u16::MAX),
                    value,
                    &body_format,
                )?;
            }
        }
    }
    if guide {
        let last = 5000;
        for (column, values) in [
            ("kind", &["single", "multiple", "true_false"][..]),
            ("difficulty", &["easy", "medium", "hard"][..]),
            ("status", &["draft", "active", "retired"][..]),
        ] {
            let col =
                u16::try_from(COLUMNS.iter().position(|c| *c == column).unwrap_or(0)).unwrap_or(0);
            sheet.add_data_validation(
                1,
                col,
                last,
                col,
                &DataValidation::new().allow_list_strings(values)?,
            )?;
        }
        let help = workbook.add_worksheet();
        help.set_name("Hướng dẫn")?;
        help.set_column_width(0, 16.0)?;
        help.set_column_width(1, 90.0)?;
        help.write_string_with_format(0, 0, "Cột / Column", &header_format)?;
        help.write_string_with_format(0, 1, "Ý nghĩa / Meaning", &header_format)?;
        for (i, (column, meaning)) in COLUMN_GUIDE.iter().enumerate() {
            let row = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let label = COLUMNS
                .iter()
                .position(|c| c == column)
                .map_or(*column, |p| VI_COLUMNS[p]);
            help.write_string(row, 0, format!("{label} ({column})"))?;
            help.write_string_with_format(row, 1, *meaning, &body_format)?;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

/// One line per column for the template's guide sheet (mirrors FORMATS.md).
const COLUMN_GUIDE: [(&str, &str); 23] = [
    (
        "id",
        "Để trống với câu hỏi mới. / Leave empty for new questions (UUID of an existing one).",
    ),
    (
        "topic_code",
        "BẮT BUỘC. Mã chủ đề: chữ thường không dấu, số, _; cấp con sau dấu chấm, vd. history.youth_union. / REQUIRED topic code.",
    ),
    (
        "topic_name",
        "Tên chủ đề, vd. Lịch sử Đoàn. Trống thì lấy theo mã. / Topic name; defaults from the code.",
    ),
    (
        "kind",
        "single (một đáp án, mặc định) | multiple (nhiều đáp án) | true_false (đúng/sai).",
    ),
    (
        "text",
        "BẮT BUỘC. Nội dung câu hỏi, văn bản thuần, tối đa 2000 ký tự. / REQUIRED plain-text stem.",
    ),
    ("option_a", "BẮT BUỘC. Phương án A. / REQUIRED option A."),
    ("option_b", "BẮT BUỘC. Phương án B. / REQUIRED option B."),
    (
        "option_c",
        "Phương án C (không bỏ trống giữa các phương án). / Option C; no gaps.",
    ),
    ("option_d", "Phương án D."),
    ("option_e", "Phương án E."),
    ("option_f", "Phương án F."),
    (
        "correct",
        "BẮT BUỘC. Chữ cái đáp án đúng: A, hoặc A,C với câu nhiều đáp án. / REQUIRED letters of correct options.",
    ),
    (
        "explanation",
        "Giải thích hiện sau khi trả lời. / Explanation shown after answering.",
    ),
    (
        "difficulty",
        "easy (dễ) | medium (trung bình, mặc định) | hard (khó).",
    ),
    (
        "tags",
        "Thẻ, ngăn cách bằng dấu phẩy. / Tags, comma-separated.",
    ),
    (
        "source_title",
        "Tên nguồn (văn bản, bài báo). / Source title.",
    ),
    (
        "source_url",
        "Đường dẫn nguồn, bắt đầu bằng http:// hoặc https://. / Source URL.",
    ),
    (
        "legal_document",
        "Văn bản pháp lý làm căn cứ, vd. Luật An ninh mạng 24/2018/QH14. / Legal basis.",
    ),
    (
        "valid_from",
        "Ngày câu hỏi bắt đầu đúng (2019-01-01 hoặc 1/1/2019). / First valid day.",
    ),
    (
        "valid_until",
        "Ngày cuối câu hỏi còn đúng; sau ngày này câu hỏi không được rút. / Last valid day.",
    ),
    (
        "status",
        "draft (nháp) | active (đang dùng, mặc định) | retired (ngừng dùng).",
    ),
    (
        "image",
        "Tên ảnh của câu hỏi (do máy chủ đặt khi tải ảnh lên; tệp .zip xuất kèm ảnh trong thư mục anh/). / Picture name.",
    ),
    (
        "image_a",
        "Ảnh A … Ảnh F: tên ảnh của từng phương án, như cột Ảnh câu hỏi. / Option pictures.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::example_question;
    use crate::model::{LegalBasis, Source};
    use std::io::Write;

    fn read_bytes(bytes: &[u8], limits: &Limits) -> ReadReport {
        crate::read(bytes, "bank.xlsx", limits)
    }

    fn rich() -> Vec<Question> {
        let mut a = example_question();
        a.id = Some(uuid::Uuid::now_v7());
        a.text = "Dòng 1\nDòng 2".into();
        a.options[1].text = "=1+1".into();
        a.options[2].text = "1945".into();
        a.legal_basis = Some(LegalBasis {
            document: "Luật An ninh mạng 24/2018/QH14".into(),
            valid_from: chrono::NaiveDate::from_ymd_opt(2019, 1, 1),
            valid_until: chrono::NaiveDate::from_ymd_opt(2026, 6, 30),
        });
        let mut b = example_question();
        b.text = "Chọn các ý đúng".into();
        b.kind = crate::model::Kind::Multiple;
        b.options[2].correct = true;
        b.source = Some(Source {
            title: "Báo".into(),
            url: None,
        });
        b.tags = vec!["a".into(), "b c".into()];
        b.explanation = None;
        vec![a, b]
    }

    #[test]
    fn round_trip_is_lossless_and_formulas_stay_text() {
        let questions = rich();
        let bytes = write(&questions).unwrap();
        let report = read_bytes(&bytes, &Limits::default());
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.questions, questions);
        assert_eq!(report.lines, vec![Some(2), Some(3)]);
    }

    #[test]
    fn template_reads_back() {
        let bytes = crate::template(crate::Format::Xlsx).unwrap();
        let report = read_bytes(&bytes, &Limits::default());
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.questions, vec![example_question()]);
    }

    #[test]
    fn formula_and_number_cells() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, name) in ["topic_code", "text", "option_a", "option_b", "correct"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, col as u16, *name).unwrap();
        }
        sheet.write_string(1, 0, "law").unwrap();
        sheet.write_string(1, 1, "Năm nào?").unwrap();
        sheet.write_number(1, 2, 1945.0).unwrap();
        sheet.write_number(1, 3, 1946.0).unwrap();
        sheet.write_string(1, 4, "A").unwrap();
        sheet.write_string(2, 0, "law").unwrap();
        sheet.write_string(2, 1, "Công thức?").unwrap();
        sheet
            .write_formula(2, 2, "=HYPERLINK(\"http://x\",\"y\")")
            .unwrap();
        sheet.write_string(2, 3, "z").unwrap();
        sheet.write_string(2, 4, "A").unwrap();
        let bytes = workbook.save_to_buffer().unwrap();
        let report = read_bytes(&bytes, &Limits::default());
        assert_eq!(report.questions[0].options[0].text, "1945");
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let p = &report.problems[0];
        assert_eq!((p.line_or_row, p.field.as_deref()), (Some(3), Some("C3")));
        assert!(p.message_en.contains("formula"));
    }

    #[test]
    fn zip_bomb_is_refused_before_parsing() {
        let mut buffer = Vec::new();
        {
            let mut zip = zip::ZipWriter::new(Cursor::new(&mut buffer));
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("xl/workbook.xml", options).unwrap();
            zip.write_all(b"<workbook/>").unwrap();
            zip.start_file("xl/worksheets/sheet1.xml", options).unwrap();
            let zeros = vec![0u8; 1024 * 1024];
            for _ in 0..30 {
                zip.write_all(&zeros).unwrap();
            }
            zip.finish().unwrap();
        }
        assert!(
            buffer.len() < 2 * 1024 * 1024,
            "compressed to {}",
            buffer.len()
        );
        let report = read_bytes(&buffer, &Limits::default());
        assert_eq!(report.problems.len(), 1);
        assert!(
            report.problems[0].message_en.contains("zip bomb"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn renamed_or_foreign_zip_is_refused() {
        let report = read_bytes(b"id,text\n1,2\n", &Limits::default());
        assert!(
            report.problems[0].message_en.contains("not an Excel"),
            "{:?}",
            report.problems
        );
        let mut buffer = Vec::new();
        {
            let mut zip = zip::ZipWriter::new(Cursor::new(&mut buffer));
            zip.start_file(
                "word/document.xml",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            zip.write_all(b"<w/>").unwrap();
            zip.finish().unwrap();
        }
        let report = read_bytes(&buffer, &Limits::default());
        assert!(
            report.problems[0].message_en.contains("not an Excel"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn large_sheet_stops_at_the_row_limit() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        for (col, name) in ["topic_code", "text", "option_a", "option_b", "correct"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, col as u16, *name).unwrap();
        }
        for row in 1..20_000u32 {
            sheet.write_string(row, 0, "law").unwrap();
            sheet.write_string(row, 1, format!("Câu {row}?")).unwrap();
            sheet.write_string(row, 2, "Có").unwrap();
            sheet.write_string(row, 3, "Không").unwrap();
            sheet.write_string(row, 4, "A").unwrap();
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let limits = Limits {
            max_questions: 100,
            ..Limits::default()
        };
        let report = read_bytes(&bytes, &limits);
        assert_eq!(report.questions.len(), 100);
        assert_eq!(report.problems.len(), 1);
        assert_eq!(report.problems[0].line_or_row, Some(102));
    }

    #[test]
    fn title_row_above_header_is_skipped() {
        let mut workbook = Workbook::new();
        let sheet = workbook.add_worksheet();
        sheet
            .write_string(0, 0, "NGÂN HÀNG CÂU HỎI HỘI THI")
            .unwrap();
        for (col, name) in ["topic_code", "text", "option_a", "option_b", "correct"]
            .iter()
            .enumerate()
        {
            sheet.write_string(2, col as u16, *name).unwrap();
        }
        for (col, value) in ["law", "Câu?", "Có", "Không", "B"].iter().enumerate() {
            sheet.write_string(3, col as u16, *value).unwrap();
        }
        let report = read_bytes(&workbook.save_to_buffer().unwrap(), &Limits::default());
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.lines, vec![Some(4)]);
        assert_eq!(report.warnings[0].line_or_row, Some(1));
    }

    #[test]
    fn cell_references() {
        assert_eq!(cell_reference(0, 0), "A1");
        assert_eq!(cell_reference(9, 25), "Z10");
        assert_eq!(cell_reference(0, 26), "AA1");
    }
}
