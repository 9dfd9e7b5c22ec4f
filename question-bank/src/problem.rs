//! What readers and checks report: problems (the input is rejected) and warnings (reported, not
//! fatal), each in plain English and Vietnamese, pointing at a file, line or row, and field.

use serde::Serialize;
use std::fmt;

use crate::model::Question;

/// Something wrong with the input, pointing as precisely as the format allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// File name as given by the caller.
    pub file: Option<String>,
    /// 1-based line (text formats) or spreadsheet row (CSV, XLSX; the header is row 1).
    pub line_or_row: Option<u32>,
    /// Field or column, e.g. `text`, `options[2].text`, `option_b`, `correct`.
    pub field: Option<String>,
    /// Plain-English message.
    pub message_en: String,
    /// Plain-Vietnamese message.
    pub message_vi: String,
}

/// A note that does not stop an import (e.g. an essay question skipped in a GIFT file).
/// Same shape as [`Problem`].
pub type Warning = Problem;

impl Problem {
    /// A problem with only messages; locate it with the builder methods.
    pub fn new(message_en: impl Into<String>, message_vi: impl Into<String>) -> Self {
        Self {
            file: None,
            line_or_row: None,
            field: None,
            message_en: message_en.into(),
            message_vi: message_vi.into(),
        }
    }

    /// Sets the field.
    #[must_use]
    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Sets the line or row.
    #[must_use]
    pub fn at(mut self, line_or_row: Option<u32>) -> Self {
        self.line_or_row = line_or_row;
        self
    }

    /// Sets the file name unless one is set already.
    #[must_use]
    pub fn in_file(mut self, file: Option<&str>) -> Self {
        if self.file.is_none() {
            self.file = file.map(str::to_owned);
        }
        self
    }

    /// Formats as `file:line: field: message` in the chosen language, as the CLI prints it.
    pub fn display(&self, vietnamese: bool) -> String {
        let mut out = String::new();
        if let Some(file) = &self.file {
            out.push_str(file);
            out.push(':');
        }
        if let Some(line) = self.line_or_row {
            out.push_str(&line.to_string());
            out.push(':');
        }
        if !out.is_empty() {
            out.push(' ');
        }
        if let Some(field) = &self.field {
            out.push_str(field);
            out.push_str(": ");
        }
        out.push_str(if vietnamese {
            &self.message_vi
        } else {
            &self.message_en
        });
        out
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display(false))
    }
}

/// Everything one read produced. The input is acceptable only if `problems` is empty; callers
/// that import must not keep `questions` otherwise (they are returned so a preview can show them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadReport {
    /// Questions read, in input order (those with problems included, for previews).
    pub questions: Vec<Question>,
    /// 1-based line or row of each question in `questions`, when known.
    pub lines: Vec<Option<u32>>,
    /// Reasons to reject the input.
    pub problems: Vec<Problem>,
    /// Reported, not fatal.
    pub warnings: Vec<Warning>,
}

impl ReadReport {
    /// A report holding a single file-level problem.
    pub fn failed(problem: Problem) -> Self {
        Self {
            problems: vec![problem],
            ..Self::default()
        }
    }

    /// Whether the input can be imported as is.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// `Ok(questions)` if there were no problems, otherwise `Err(problems)`.
    pub fn into_result(self) -> Result<Vec<Question>, Vec<Problem>> {
        if self.problems.is_empty() {
            Ok(self.questions)
        } else {
            Err(self.problems)
        }
    }

    /// Adds a question read at `line`.
    pub fn push(&mut self, question: Question, line: Option<u32>) {
        self.questions.push(question);
        self.lines.push(line);
    }

    /// Stamps `file` on every problem and warning that has none.
    pub fn set_file(&mut self, file: &str) {
        for p in self.problems.iter_mut().chain(self.warnings.iter_mut()) {
            if p.file.is_none() {
                p.file = Some(file.to_owned());
            }
        }
    }
}
