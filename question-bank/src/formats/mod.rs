//! File formats: one module per format, plus the column layout CSV and XLSX share.
//!
//! Readers return a raw [`ReadReport`] (questions with their lines, format-level problems);
//! `crate::read` then normalises, validates and cross-checks. Writers take validated questions.

pub mod aiken;
pub mod csv;
pub mod gift;
pub mod moodle_xml;
pub mod tabular;
pub mod xlsx;
pub mod yaml;

use crate::format::Format;
use crate::limits::Limits;
use crate::model::{Difficulty, Kind, Question, QuestionOption, Source, TopicRef};
use crate::problem::{Problem, ReadReport};

/// Topic code for GIFT, Aiken and Moodle questions with no category and no default topic.
pub const FALLBACK_TOPIC_CODE: &str = "imported";
/// Name of [`FALLBACK_TOPIC_CODE`].
pub const FALLBACK_TOPIC_NAME: &str = "Câu hỏi nhập từ tệp";
/// Option texts given to true/false questions imported from formats that have none (GIFT, Moodle).
pub const TRUE_FALSE_TEXTS: [&str; 2] = ["Đúng", "Sai"];

/// What readers need besides the bytes.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// Size and count limits.
    pub limits: &'a Limits,
    /// Topic for questions whose format carries none.
    pub default_topic: Option<&'a TopicRef>,
}

impl Context<'_> {
    /// The caller's default topic, or the fallback with a warning added to `report` once.
    pub(crate) fn topic_or_fallback(&self, report: &mut ReadReport) -> TopicRef {
        if let Some(topic) = self.default_topic {
            return topic.clone();
        }
        if !report
            .warnings
            .iter()
            .any(|w| w.field.as_deref() == Some("topic.code") && w.line_or_row.is_none())
        {
            report.warnings.push(
                Problem::new(
                    format!("no category and no default topic given: questions go to topic {FALLBACK_TOPIC_CODE}"),
                    format!("không có chủ đề trong tệp và không chọn chủ đề mặc định: câu hỏi được đưa vào chủ đề {FALLBACK_TOPIC_CODE}"),
                )
                .field("topic.code"),
            );
        }
        TopicRef {
            code: FALLBACK_TOPIC_CODE.into(),
            name: FALLBACK_TOPIC_NAME.into(),
        }
    }

    /// A problem for passing the question limit, or `None` while under it.
    pub(crate) fn over_limit(&self, count: usize, line: Option<u32>) -> Option<Problem> {
        (count > self.limits.max_questions).then(|| {
            let max = self.limits.max_questions;
            Problem::new(
                format!("more than {max} questions; reading stopped here. Split the file"),
                format!("quá {max} câu hỏi; đã dừng đọc tại đây. Hãy chia nhỏ tệp"),
            )
            .at(line)
        })
    }
}

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Only YAML, CSV and XLSX can be written.
    #[error("{0} files can be read but not written")]
    Unsupported(Format),
    /// The YAML serializer failed.
    #[error("could not write YAML: {0}")]
    Yaml(#[from] yaml_serde::Error),
    /// The CSV writer failed.
    #[error("could not write CSV: {0}")]
    Csv(String),
    /// The XLSX writer failed.
    #[error("could not write XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

/// Dispatches to the reader for `format`.
pub(crate) fn read(format: Format, bytes: &[u8], ctx: &Context<'_>) -> ReadReport {
    if format == Format::Xlsx {
        return xlsx::read(bytes, ctx);
    }
    let text = match crate::text::decode(bytes) {
        Ok(text) => text,
        Err(problem) => return ReadReport::failed(problem),
    };
    match format {
        Format::Yaml => yaml::read(&text, ctx),
        Format::Csv => csv::read(&text, ctx),
        Format::Gift => gift::read(&text, ctx),
        Format::Aiken => aiken::read(&text, ctx),
        Format::MoodleXml => moodle_xml::read(&text, ctx),
        Format::Xlsx => xlsx::read(bytes, ctx),
    }
}

/// Dispatches to the writer for `format`.
pub(crate) fn write(questions: &[Question], format: Format) -> Result<Vec<u8>, WriteError> {
    match format {
        Format::Yaml => yaml::write(questions),
        Format::Csv => csv::write(questions),
        Format::Xlsx => xlsx::write(questions),
        other => Err(WriteError::Unsupported(other)),
    }
}

/// A file to fill in: YAML gets a commented skeleton, CSV and XLSX the header (in Vietnamese:
/// the English names stay accepted) and an example.
pub(crate) fn template(format: Format) -> Result<Vec<u8>, WriteError> {
    match format {
        Format::Yaml => Ok(yaml::TEMPLATE.as_bytes().to_vec()),
        Format::Csv => csv::write_with_header(&[example_question()], &tabular::VI_COLUMNS),
        Format::Xlsx => xlsx::write_workbook(&[example_question()], true),
        other => Err(WriteError::Unsupported(other)),
    }
}

/// The example row in templates.
pub fn example_question() -> Question {
    let mut q = Question::new(
        TopicRef {
            code: "history.youth_union".into(),
            name: "Lịch sử Đoàn TNCS Hồ Chí Minh".into(),
        },
        "Đoàn TNCS Hồ Chí Minh được thành lập ngày nào?",
    );
    q.kind = Kind::Single;
    q.options = ["26/3/1931", "3/2/1930", "19/5/1941", "2/9/1945"]
        .iter()
        .enumerate()
        .map(|(i, t)| QuestionOption {
            text: (*t).into(),
            correct: i == 0,
            image: None,
        })
        .collect();
    q.explanation = Some(
        "Đại hội Đoàn toàn quốc lần thứ III (1961) chọn ngày 26/3/1931 làm ngày thành lập Đoàn."
            .into(),
    );
    q.difficulty = Difficulty::Easy;
    q.tags = vec!["lich-su-doan".into()];
    q.source = Some(Source {
        title: "Báo Quân đội nhân dân".into(),
        url: Some("https://www.qdnd.vn/".into()),
    });
    q
}
