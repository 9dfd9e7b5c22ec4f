//! Which file format an input is, from its name and a look at its first bytes.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::problem::Problem;

/// A supported file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Native format: one topic per document (read + write).
    Yaml,
    /// Comma-separated, UTF-8, one question per row (read + write).
    Csv,
    /// Excel workbook, one question per row on the first sheet (read + write).
    Xlsx,
    /// Moodle GIFT text (read only: multiple choice and true/false).
    Gift,
    /// Aiken text (read only: single-answer multiple choice).
    Aiken,
    /// Moodle XML (read only: multiple choice and true/false).
    MoodleXml,
}

impl Format {
    /// Every format.
    pub const ALL: [Format; 6] = [
        Format::Yaml,
        Format::Csv,
        Format::Xlsx,
        Format::Gift,
        Format::Aiken,
        Format::MoodleXml,
    ];

    /// Whether [`crate::write`] and [`crate::template`] support this format.
    pub fn can_write(self) -> bool {
        matches!(self, Format::Yaml | Format::Csv | Format::Xlsx)
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Gift => "gift",
            Format::Aiken => "txt",
            Format::MoodleXml => "xml",
        }
    }

    /// The MIME type to serve a written file with.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Yaml => "application/yaml",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Gift | Format::Aiken => "text/plain; charset=utf-8",
            Format::MoodleXml => "application/xml",
        }
    }

    /// The format a file name's extension names, if it names exactly one. `.txt` is ambiguous
    /// (GIFT or Aiken) and returns `None`, as does an unknown extension.
    pub fn from_file_name(name: &str) -> Option<Format> {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
        match ext.as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            "gift" => Some(Format::Gift),
            "aiken" => Some(Format::Aiken),
            "xml" => Some(Format::MoodleXml),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Yaml => "YAML",
            Format::Csv => "CSV",
            Format::Xlsx => "XLSX",
            Format::Gift => "GIFT",
            Format::Aiken => "Aiken",
            Format::MoodleXml => "Moodle XML",
        })
    }
}

/// What the first bytes say a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sniffed {
    Zip,
    /// OLE2 compound file: old .xls or .doc.
    Ole,
    Pdf,
    Xml,
    Text,
}

fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Sniffed::Zip
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        Sniffed::Ole
    } else if bytes.starts_with(b"%PDF") {
        Sniffed::Pdf
    } else {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]);
        let head = head.trim_start_matches('\u{feff}').trim_start();
        if head.starts_with("<?xml") || head.starts_with("<quiz") {
            Sniffed::Xml
        } else {
            Sniffed::Text
        }
    }
}

/// Picks the format of `bytes` named `file_name`: the extension decides, checked against the
/// content; `.txt` and unknown extensions are sniffed. Errors explain what the file seems to be.
pub fn detect(bytes: &[u8], file_name: &str) -> Result<Format, Problem> {
    let sniffed = sniff(bytes);
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".xls") || (sniffed == Sniffed::Ole) {
        return Err(Problem::new(
            "this is an old Excel (.xls) or other Office 97 file; open it in Excel and save it as .xlsx",
            "đây là tệp Excel cũ (.xls) hoặc Office 97; hãy mở bằng Excel và lưu lại dưới dạng .xlsx",
        ));
    }
    if sniffed == Sniffed::Pdf {
        return Err(Problem::new(
            "this is a PDF file, not a question bank file",
            "đây là tệp PDF, không phải tệp ngân hàng câu hỏi",
        ));
    }
    match (Format::from_file_name(file_name), sniffed) {
        (Some(Format::Xlsx), Sniffed::Zip) => Ok(Format::Xlsx),
        (Some(Format::Xlsx), _) => Err(Problem::new(
            "this file is named .xlsx but is not an Excel workbook (perhaps a renamed text or .xls file); open it in Excel and save as .xlsx",
            "tệp có đuôi .xlsx nhưng không phải bảng tính Excel (có thể là tệp văn bản hoặc .xls bị đổi tên); hãy mở bằng Excel và lưu lại dưới dạng .xlsx",
        )),
        (_, Sniffed::Zip) => Ok(Format::Xlsx),
        (_, Sniffed::Xml) => Ok(Format::MoodleXml),
        (Some(format), _) => Ok(format),
        (None, _) => sniff_text(bytes).ok_or_else(|| {
            Problem::new(
                "cannot tell the file's format; use .yaml, .csv, .xlsx, .gift, .txt (Aiken or GIFT) or .xml (Moodle XML)",
                "không nhận ra định dạng tệp; hãy dùng .yaml, .csv, .xlsx, .gift, .txt (Aiken hoặc GIFT) hoặc .xml (Moodle XML)",
            )
        }),
    }
}

/// Tells the text formats apart by their marks: YAML's `questions:`, Aiken's `ANSWER:` lines,
/// GIFT's `{…}` answers, a CSV header naming our columns.
fn sniff_text(bytes: &[u8]) -> Option<Format> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let lines = || head.lines().map(str::trim);
    if lines().any(|l| l.starts_with("questions:")) {
        return Some(Format::Yaml);
    }
    if lines().any(|l| l.starts_with("ANSWER:") || l.starts_with("ANSWER :")) {
        return Some(Format::Aiken);
    }
    if lines().any(|l| {
        l.starts_with("::")
            || l.starts_with("$CATEGORY:")
            || l.ends_with('{')
            || l.contains("{=")
            || l.contains("{~")
            || l.ends_with('}')
    }) {
        return Some(Format::Gift);
    }
    let first = lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches('\u{feff}')
        .to_ascii_lowercase();
    if first.contains(',') && (first.contains("text") || first.contains("option_a")) {
        return Some(Format::Csv);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_wins_when_content_agrees() {
        assert_eq!(detect(b"topic:\n", "a.yaml").unwrap(), Format::Yaml);
        assert_eq!(detect(b"PK\x03\x04rest", "a.xlsx").unwrap(), Format::Xlsx);
        assert_eq!(
            detect(b"<?xml version='1.0'?><quiz/>", "x.xml").unwrap(),
            Format::MoodleXml
        );
    }

    #[test]
    fn renamed_files_are_caught() {
        assert!(
            detect(b"hello", "a.xlsx")
                .unwrap_err()
                .message_en
                .contains("renamed")
        );
        assert!(
            detect(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0], "a.xlsx")
                .unwrap_err()
                .message_en
                .contains(".xls")
        );
        assert!(detect(b"%PDF-1.4", "a.csv").is_err());
    }

    #[test]
    fn txt_is_sniffed() {
        assert_eq!(
            detect(b"Q?\nA. x\nB. y\nANSWER: A\n", "q.txt").unwrap(),
            Format::Aiken
        );
        assert_eq!(detect(b"Q? {=a ~b}\n", "q.txt").unwrap(), Format::Gift);
        assert_eq!(
            detect(b"topic:\n  code: a\nquestions: []\n", "q.txt").unwrap(),
            Format::Yaml
        );
        assert_eq!(
            detect(b"topic_code,text,option_a\n", "q").unwrap(),
            Format::Csv
        );
        assert!(detect(b"just words", "q.txt").is_err());
    }
}
