//! CSV in the shared column layout (`tabular`): UTF-8 (BOM optional) or UTF-16 with BOM in,
//! UTF-8 with BOM out so Excel shows Vietnamese diacritics.
//!
//! Cells starting with `=`, `+`, `-`, `@`, tab or carriage return are written with a leading `'`
//! so spreadsheet programs do not run them as formulas (CSV injection); the reader removes
//! exactly that prefix again, so a round trip is lossless.

use super::tabular::{
    COLUMNS, Header, MAX_TITLE_ROWS, is_title_row, question_to_row, row_to_question,
    title_row_skipped,
};
use super::{Context, WriteError};
use crate::model::Question;
use crate::problem::{Problem, ReadReport};

/// First characters that make a spreadsheet treat a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Prefixes `'` to a value a spreadsheet would run as a formula.
pub fn neutralize(value: &str) -> String {
    if value.starts_with(FORMULA_STARTS) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

/// Undoes [`neutralize`].
fn unneutralize(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => value,
    }
}

/// Reads CSV text (already decoded). Delimiter `,`, or `;` when the header has more of those
/// (Excel in some locales saves with `;`).
pub fn read(text: &str, ctx: &Context<'_>) -> ReadReport {
    let mut report = ReadReport::default();
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut header: Option<Header> = None;
    for (index, record) in reader.records().enumerate() {
        let row = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                report.problems.push(
                    Problem::new(
                        format!("CSV cannot be read here: {e}"),
                        format!("không đọc được CSV tại đây: {e}"),
                    )
                    .at(Some(row)),
                );
                break;
            }
        };
        let cells: Vec<String> = record.iter().map(|c| unneutralize(c).to_owned()).collect();
        let Some(h) = &header else {
            if index < MAX_TITLE_ROWS && is_title_row(&cells) {
                if cells.iter().any(|c| !c.trim().is_empty()) {
                    report.warnings.push(title_row_skipped(row));
                }
                continue;
            }
            let (h, problems, warnings) = Header::parse(&cells);
            let fatal = !problems.is_empty();
            report.problems.extend(problems);
            report.warnings.extend(warnings);
            if fatal {
                return report;
            }
            header = Some(h);
            continue;
        };
        if let Some(problem) = ctx.over_limit(index, Some(row)) {
            report.problems.push(problem);
            break;
        }
        if let Some(q) = row_to_question(h, &cells, row, &mut report.problems) {
            report.push(q, Some(row));
        }
    }
    report
}

/// Writes UTF-8 CSV with a BOM, header row first, formula-like cells neutralised.
pub fn write(questions: &[Question]) -> Result<Vec<u8>, WriteError> {
    write_with_header(questions, &COLUMNS)
}

/// Writes questions under the given header row (the template uses the Vietnamese names,
/// [`super::tabular::VI_COLUMNS`]).
pub fn write_with_header(
    questions: &[Question],
    header: &[&str; COLUMNS.len()],
) -> Result<Vec<u8>, WriteError> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer
            .write_record(header)
            .map_err(|e| WriteError::Csv(e.to_string()))?;
        for q in questions {
            let row: Vec<String> = question_to_row(q).iter().map(|c| neutralize(c)).collect();
            writer
                .write_record(&row)
                .map_err(|e| WriteError::Csv(e.to_string()))?;
        }
        writer.flush().map_err(|e| WriteError::Csv(e.to_string()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::example_question;
    use crate::limits::Limits;
    use crate::model::Kind;

    fn read_bytes(bytes: &[u8]) -> ReadReport {
        crate::read(bytes, "bank.csv", &Limits::default())
    }

    #[test]
    fn writes_bom_and_reads_back() {
        let mut q = example_question();
        q.options[3].text = "=HYPERLINK(\"http://evil\")".into();
        q.options[2].text = "-5".into();
        q.text = "Dòng 1\nDòng 2, có \"ngoặc\"?".into();
        let bytes = write(std::slice::from_ref(&q)).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.contains("\"'=HYPERLINK") && !text.contains(",=HYPERLINK"),
            "{text}"
        );
        assert!(text.contains(",'-5,"), "{text}");
        let report = read_bytes(&bytes);
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.questions, vec![q]);
    }

    #[test]
    fn reads_minimal_file_without_bom_and_semicolons() {
        let csv = "topic_code;text;option_a;option_b;option_c;correct\nlaw;Câu 1?;Có;Không;Chưa rõ;A\nlaw;Câu 2?;X;Y;;A;B\n";
        let report = read_bytes(csv.as_bytes());
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.questions.len(), 2);
        assert_eq!(report.lines, vec![Some(2), Some(3)]);
    }

    #[test]
    fn title_rows_above_the_header_are_skipped() {
        let csv = "NGÂN HÀNG CÂU HỎI,,,,\n,,,,\ntopic_code,text,option_a,option_b,correct\nlaw,Câu 1?,Có,Không,A\n";
        let report = read_bytes(csv.as_bytes());
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.lines, vec![Some(4)]);
        assert_eq!(report.warnings.len(), 1);
    }

    #[test]
    fn blank_kind_with_two_letters_is_multiple() {
        let csv = "topic_code,text,option_a,option_b,option_c,correct\nlaw,Chọn các ý đúng?,X,Y,Z,\"A,C\"\n";
        let report = read_bytes(csv.as_bytes());
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.questions[0].kind, Kind::Multiple);
    }

    #[test]
    fn problems_name_row_and_column() {
        let csv = "topic_code,text,option_a,option_b,correct\n\
                   law,Câu 1?,Có,Không,A\n\
                   law,Câu 2?,Có,Không,C\n\
                   law,Câu 3?,Có,có,A\n\
                   law,câu 1?,X,Y,A\n\
                   Law!,Câu 5?,X,Y,A\n";
        let report = read_bytes(csv.as_bytes());
        let got: Vec<_> = report
            .problems
            .iter()
            .map(|p| (p.line_or_row, p.field.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(3), "correct".to_owned()),
                (Some(4), "option_b".to_owned()),
                (Some(5), "text".to_owned()),
                (Some(6), "topic_code".to_owned()),
            ]
        );
        assert!(
            report.problems[2].message_en.contains("row 2"),
            "{}",
            report.problems[2]
        );
        assert!(
            report
                .problems
                .iter()
                .all(|p| p.file.as_deref() == Some("bank.csv"))
        );
    }

    #[test]
    fn legacy_encoding_is_a_clear_error() {
        let report = read_bytes(b"topic_code,text\nlaw,\xD0o\xCCn\n");
        assert_eq!(report.problems.len(), 1);
        assert!(report.problems[0].message_en.contains("UTF-8"));
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let csv = "topic_code,text,option_a,option_b,correct\nlaw,Đoàn?,Có,Không,A\n";
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(csv.encode_utf16().flat_map(u16::to_le_bytes));
        let report = read_bytes(&bytes);
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.questions[0].text, "Đoàn?");
    }

    #[test]
    fn row_limit_stops_reading() {
        let mut csv = String::from("topic_code,text,option_a,option_b,correct\n");
        for i in 0..50 {
            csv.push_str(&format!("law,Câu {i}?,Có,Không,A\n"));
        }
        let limits = Limits {
            max_questions: 10,
            ..Limits::default()
        };
        let report = crate::read(csv.as_bytes(), "x.csv", &limits);
        assert_eq!(report.questions.len(), 10);
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.message_en.contains("more than 10"))
        );
    }
}
