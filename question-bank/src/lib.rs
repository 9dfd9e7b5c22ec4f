//! dautri's question bank: the model of a question, its file formats, importers and checks.
//! Usable without the server; the `api` crate builds on it.
//!
//! # Public surface
//! - [`read`] / [`read_with`]: bytes + file name → [`ReadReport`] `{ questions, problems, warnings }`.
//!   Never panics; every failure, from a zip bomb to a missing option, is a [`Problem`] with
//!   English and Vietnamese text and, where possible, a line/row and field.
//! - [`write()`]: questions → bytes in YAML, CSV or XLSX; [`template`]: a file to fill in.
//! - [`Question::validate`] / [`Question::warnings`] / [`Question::is_drawable_on`].
//! - [`check_batch`]: duplicates and conflicts across questions; [`topics`]: the topic tree.
//! - [`audit()`]: warnings over a file or bank (key positions, longest option, true/false
//!   balance, lapsed legal basis); [`audit::Balance`] holds the counts behind them.
//! - [`shuffle_options`]: reorder every question's options reproducibly from a seed (exports).
//! - [`fold()`]: text folding used for duplicate detection and search.
//! - [`Format`]: `from_file_name`, `mime_type`, `can_write`; [`Limits`] and [`ReadOptions`]
//!   (default topic for GIFT/Aiken/Moodle, forced format).
//! - [`formats::yaml::write_per_topic`]: one `<topic code>.yaml` per topic, as the bank keeps them;
//!   [`stats::Stats`]: counts by topic, difficulty, kind and status.
//!
//! [`ReadReport::into_result`] gives the `Result<Vec<Question>, Vec<Problem>>` view. Problems in
//! CSV/XLSX name the column (`option_b`); in other formats the model path (`options[1].text`).
//!
//! Formats and their column layout are documented in `question-bank/FORMATS.md`.
//!
//! ```
//! use question_bank::{Format, Limits, read, write};
//!
//! let csv = "topic_code,text,option_a,option_b,correct\nlaw,Luật An ninh mạng 2018 có bao nhiêu điều?,43,45,A\n";
//! let report = read(csv.as_bytes(), "upload.csv", &Limits::default());
//! assert!(report.problems.is_empty());
//! let xlsx = write(&report.questions, Format::Xlsx).unwrap();
//! let again = read(&xlsx, "export.xlsx", &Limits::default());
//! assert_eq!(again.questions, report.questions);
//!
//! let broken = read(b"topic_code,text,option_a,option_b,correct\nlaw,Q?,a,b,C\n", "bad.csv", &Limits::default());
//! assert_eq!(broken.problems[0].to_string(), "bad.csv:2: correct: answer C names an empty option");
//! ```

pub mod audit;
pub mod checks;
pub mod fold;
pub mod format;
pub mod formats;
pub mod images;
pub mod limits;
pub mod model;
pub mod package;
pub mod problem;
pub mod shuffle;
pub mod stats;
pub mod text;
pub mod validate;

pub use audit::audit;
pub use checks::{Origin, check_across_files, check_batch, topics};
pub use fold::fold;
pub use format::Format;
pub use formats::WriteError;
pub use images::{ImageError, ImageInfo, ImageType, image_name, parse_image_name, sniff};
pub use limits::Limits;
pub use model::{Difficulty, Kind, LegalBasis, Question, QuestionOption, Source, Status, TopicRef};
pub use problem::{Problem, ReadReport, Warning};
pub use shuffle::shuffle_options;

/// Options for [`read_with`].
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Size and count limits.
    pub limits: Limits,
    /// Topic for GIFT, Aiken and Moodle XML questions that have no category. Without one,
    /// such questions go to [`formats::FALLBACK_TOPIC_CODE`] with a warning.
    pub default_topic: Option<TopicRef>,
    /// Force a format instead of detecting it from the name and content.
    pub format: Option<Format>,
}

/// Reads a question file of any supported format (detected from `file_name` and the content).
/// Problems name `file_name`. See [`read_with`] to pass a default topic or force a format.
pub fn read(bytes: &[u8], file_name: &str, limits: &Limits) -> ReadReport {
    read_with(
        bytes,
        file_name,
        &ReadOptions {
            limits: *limits,
            ..ReadOptions::default()
        },
    )
}

/// [`read`] with options.
pub fn read_with(bytes: &[u8], file_name: &str, options: &ReadOptions) -> ReadReport {
    let mut report = read_unchecked(bytes, file_name, options);
    report.set_file(file_name);
    report
}

fn read_unchecked(bytes: &[u8], file_name: &str, options: &ReadOptions) -> ReadReport {
    let limits = &options.limits;
    if bytes.len() > limits.max_file_bytes {
        return ReadReport::failed(Problem::new(
            format!(
                "the file is {} bytes; at most {} are accepted",
                bytes.len(),
                limits.max_file_bytes
            ),
            format!(
                "tệp dài {} byte; tối đa {} byte",
                bytes.len(),
                limits.max_file_bytes
            ),
        ));
    }
    let format = match options.format {
        Some(format) => format,
        None => match format::detect(bytes, file_name) {
            Ok(format) => format,
            Err(problem) => return ReadReport::failed(problem),
        },
    };
    let ctx = formats::Context {
        limits,
        default_topic: options.default_topic.as_ref(),
    };
    let mut report = formats::read(format, bytes, &ctx);
    finish(&mut report, format);
    report
}

/// Normalises and validates each question and runs the batch checks, locating every problem.
fn finish(report: &mut ReadReport, format: Format) {
    let tabular = matches!(format, Format::Csv | Format::Xlsx);
    let mut found = Vec::new();
    for (i, q) in report.questions.iter_mut().enumerate() {
        q.normalize();
        let line = report.lines.get(i).copied().flatten();
        let locate = |p: Problem| {
            let field = p.field.clone().map(|f| {
                if tabular {
                    formats::tabular::column_for_field(&f)
                } else {
                    f
                }
            });
            Problem { field, ..p }.at(line)
        };
        found.extend(q.validate().into_iter().map(locate));
        report.warnings.extend(q.warnings().into_iter().map(locate));
    }
    let origins: Vec<Origin> = report
        .lines
        .iter()
        .map(|l| Origin {
            file: None,
            line: *l,
            is_row: tabular,
        })
        .collect();
    found.extend(
        check_batch(&report.questions, &origins)
            .into_iter()
            .map(|p| {
                let field = p.field.clone().map(|f| {
                    if tabular {
                        formats::tabular::column_for_field(&f)
                    } else {
                        f
                    }
                });
                Problem { field, ..p }
            }),
    );
    if report.questions.is_empty() && report.problems.is_empty() {
        found.push(Problem::new(
            "no questions found",
            "không tìm thấy câu hỏi nào",
        ));
    }
    report.problems.extend(found);
    report.problems.sort_by_key(|p| p.line_or_row.unwrap_or(0));
}

/// Writes questions as YAML (one document per topic), CSV (UTF-8 with BOM) or XLSX.
pub fn write(questions: &[Question], format: Format) -> Result<Vec<u8>, WriteError> {
    formats::write(questions, format)
}

/// A file to fill in for `format`: the header (or YAML skeleton) with one example question.
/// Only YAML, CSV and XLSX have templates; other formats give [`WriteError::Unsupported`].
pub fn template(format: Format) -> Result<Vec<u8>, WriteError> {
    formats::template(format)
}
