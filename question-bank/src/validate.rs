//! Rules a single question must follow, whatever file it came from.
//!
//! Field names in problems are model paths (`text`, `options[1].text`, `legal_basis.valid_until`);
//! tabular readers translate them to column names. Depends only on the model.

use crate::fold::fold;
use crate::model::{Kind, Question};
use crate::problem::{Problem, Warning};

/// Longest stem, in characters.
pub const MAX_TEXT_CHARS: usize = 2000;
/// Longest option text, in characters.
pub const MAX_OPTION_CHARS: usize = 500;
/// Longest explanation, in characters.
pub const MAX_EXPLANATION_CHARS: usize = 5000;
/// Longest topic name, source title, legal document name, URL or tag, in characters.
pub const MAX_SHORT_CHARS: usize = 500;
/// Most options a question may have (letters A–F in CSV and XLSX).
pub const MAX_OPTIONS: usize = 6;
/// Most tags on one question.
pub const MAX_TAGS: usize = 20;

impl Question {
    /// Checks the question on its own. An empty list means it is valid.
    ///
    /// # Implementation notes
    /// A `multiple` question with a single correct option is allowed (it keeps entrants from
    /// inferring the count) but gets a warning from [`Question::warnings`].
    pub fn validate(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        check_plain(&mut out, "text", &self.text, MAX_TEXT_CHARS, true);
        check_options(&mut out, self);
        if let Some(explanation) = &self.explanation {
            check_plain(
                &mut out,
                "explanation",
                explanation,
                MAX_EXPLANATION_CHARS,
                true,
            );
        }
        if !is_topic_code(&self.topic.code) {
            out.push(
                Problem::new(
                    format!(
                        "topic code {:?} must be lower-case letters, digits and _ separated by dots, like history.youth_union",
                        self.topic.code
                    ),
                    format!(
                        "mã chủ đề {:?} chỉ gồm chữ thường không dấu, chữ số và _, ngăn cách bằng dấu chấm, ví dụ history.youth_union",
                        self.topic.code
                    ),
                )
                .field("topic.code"),
            );
        }
        check_plain(
            &mut out,
            "topic.name",
            &self.topic.name,
            MAX_SHORT_CHARS,
            false,
        );
        if self.tags.len() > MAX_TAGS {
            out.push(
                Problem::new(
                    format!("at most {MAX_TAGS} tags are allowed"),
                    format!("tối đa {MAX_TAGS} thẻ"),
                )
                .field("tags"),
            );
        }
        for (i, tag) in self.tags.iter().enumerate() {
            let field = format!("tags[{i}]");
            check_plain(&mut out, &field, tag, MAX_SHORT_CHARS, false);
            if tag.contains(',') {
                out.push(
                    Problem::new(
                        "a tag cannot contain a comma",
                        "thẻ không được chứa dấu phẩy",
                    )
                    .field(field),
                );
            }
        }
        if let Some(source) = &self.source {
            check_plain(
                &mut out,
                "source.title",
                &source.title,
                MAX_SHORT_CHARS,
                false,
            );
            if let Some(url) = &source.url {
                check_url(&mut out, url);
            }
        }
        if let Some(legal) = &self.legal_basis {
            check_plain(
                &mut out,
                "legal_basis.document",
                &legal.document,
                MAX_SHORT_CHARS,
                false,
            );
            if let (Some(from), Some(until)) = (legal.valid_from, legal.valid_until)
                && from > until
            {
                out.push(
                    Problem::new(
                        format!("valid_until ({until}) is before valid_from ({from})"),
                        format!("ngày hết hiệu lực ({until}) đứng trước ngày có hiệu lực ({from})"),
                    )
                    .field("legal_basis.valid_until"),
                );
            }
        }
        out
    }

    /// Things worth a second look that do not make the question invalid.
    pub fn warnings(&self) -> Vec<Warning> {
        let mut out = Vec::new();
        if self.kind == Kind::Multiple && self.correct_indexes().len() == 1 {
            out.push(
                Problem::new(
                    "multiple-answer question has only one correct option (allowed; use kind single if that is meant)",
                    "câu nhiều đáp án chỉ có một đáp án đúng (được phép; nếu chủ ý thì dùng loại một đáp án)",
                )
                .field("correct"),
            );
        }
        out
    }
}

fn check_options(out: &mut Vec<Problem>, q: &Question) {
    let n = q.options.len();
    let (min, max) = match q.kind {
        Kind::TrueFalse => (2, 2),
        Kind::Single | Kind::Multiple => (2, MAX_OPTIONS),
    };
    if n < min || n > max {
        let (en, vi) = if min == max {
            (
                format!("a true/false question needs exactly 2 options, found {n}"),
                format!("câu đúng/sai cần đúng 2 phương án, hiện có {n}"),
            )
        } else {
            (
                format!("needs {min} to {max} options, found {n}"),
                format!("cần từ {min} đến {max} phương án, hiện có {n}"),
            )
        };
        out.push(Problem::new(en, vi).field("options"));
    }
    let correct = q.correct_indexes().len();
    match q.kind {
        Kind::Single | Kind::TrueFalse if correct != 1 => out.push(
            Problem::new(
                format!("exactly one option must be correct, found {correct}"),
                format!("phải có đúng một đáp án đúng, hiện có {correct}"),
            )
            .field("correct"),
        ),
        Kind::Multiple if correct == 0 => out.push(
            Problem::new(
                "at least one option must be correct",
                "phải có ít nhất một đáp án đúng",
            )
            .field("correct"),
        ),
        _ => {}
    }
    let mut seen: Vec<(String, usize)> = Vec::new();
    for (i, option) in q.options.iter().enumerate() {
        let field = format!("options[{i}].text");
        check_plain(out, &field, &option.text, MAX_OPTION_CHARS, true);
        let folded = fold(&option.text);
        if folded.is_empty() {
            continue;
        }
        if let Some((_, first)) = seen.iter().find(|(f, _)| *f == folded) {
            let (a, b) = (
                crate::model::option_letter(*first),
                crate::model::option_letter(i),
            );
            out.push(
                Problem::new(
                    format!("option {b} repeats option {a} (ignoring case and accents)"),
                    format!("phương án {b} trùng với phương án {a} (không kể hoa thường và dấu)"),
                )
                .field(field),
            );
        } else {
            seen.push((folded, i));
        }
    }
}

/// Non-empty (after trimming), short enough, no control characters, no HTML tags.
fn check_plain(
    out: &mut Vec<Problem>,
    field: &str,
    value: &str,
    max_chars: usize,
    multiline: bool,
) {
    if value.trim().is_empty() {
        out.push(Problem::new("must not be empty", "không được để trống").field(field));
        return;
    }
    let chars = value.chars().count();
    if chars > max_chars {
        out.push(
            Problem::new(
                format!("is {chars} characters long; at most {max_chars} are allowed"),
                format!("dài {chars} ký tự; tối đa {max_chars} ký tự"),
            )
            .field(field),
        );
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(c == '\t' || (multiline && c == '\n')))
    {
        out.push(
            Problem::new(
                if multiline {
                    "contains control characters other than line breaks"
                } else {
                    "contains line breaks or control characters"
                },
                if multiline {
                    "chứa ký tự điều khiển (ngoài xuống dòng)"
                } else {
                    "chứa xuống dòng hoặc ký tự điều khiển"
                },
            )
            .field(field),
        );
    }
    if let Some(tag) = find_html_tag(value) {
        out.push(
            Problem::new(
                format!("contains an HTML tag {tag}; questions are plain text"),
                format!("chứa thẻ HTML {tag}; câu hỏi chỉ là văn bản thuần"),
            )
            .field(field),
        );
    }
}

fn check_url(out: &mut Vec<Problem>, url: &str) {
    let lower = url.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        && url.len() <= 2000;
    if !ok {
        out.push(
            Problem::new(
                format!("{url:?} is not a web address starting with http:// or https://"),
                format!("{url:?} không phải địa chỉ web bắt đầu bằng http:// hoặc https://"),
            )
            .field("source.url"),
        );
    }
}

/// Whether `code` is a dotted slug path: `[a-z0-9_]+(\.[a-z0-9_]+)*`.
pub fn is_topic_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 200
        && code.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
}

/// Finds something that looks like an HTML tag (`<b>`, `</p>`, `<script src=…>`, `<!-- -->`),
/// returning it. A lone `<` as in "a < b" or "<3" is fine.
pub fn find_html_tag(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(offset) = text[i..].find('<') {
        let start = i + offset;
        let mut j = start + 1;
        if bytes.get(j) == Some(&b'/') {
            j += 1;
        }
        let starts_tag = bytes
            .get(j)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'!' || *b == b'?');
        if starts_tag {
            // A tag closes with '>' before the next '<' or line break.
            let tail = &text[j..];
            let end = tail.find(['>', '<', '\n']);
            if let Some(e) = end
                && tail.as_bytes()[e] == b'>'
            {
                return Some(&text[start..j + e + 1]);
            }
        }
        i = start + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{LegalBasis, QuestionOption, Source, TopicRef};
    use chrono::NaiveDate;

    fn good() -> Question {
        let mut q = Question::new(
            TopicRef {
                code: "history.youth_union".into(),
                name: "Lịch sử Đoàn".into(),
            },
            "Đoàn TNCS Hồ Chí Minh được thành lập ngày nào?",
        );
        q.options = ["26/3/1931", "3/2/1930", "19/5/1941"]
            .iter()
            .enumerate()
            .map(|(i, t)| QuestionOption {
                text: (*t).into(),
                correct: i == 0,
            })
            .collect();
        q
    }

    fn fields(q: &Question) -> Vec<String> {
        q.validate()
            .into_iter()
            .map(|p| p.field.unwrap_or_default())
            .collect()
    }

    #[test]
    fn good_question_is_valid() {
        assert!(good().validate().is_empty());
        assert!(good().warnings().is_empty());
    }

    #[test]
    fn each_rule_reports_its_field() {
        type Edit = fn(&mut Question);
        let cases: Vec<(&str, Edit, &str)> = vec![
            ("empty text", |q| q.text = "  ".into(), "text"),
            ("long text", |q| q.text = "a".repeat(2001), "text"),
            (
                "html in text",
                |q| q.text = "Chọn <b>đúng</b>".into(),
                "text",
            ),
            (
                "script in option",
                |q| q.options[1].text = "<script>alert(1)</script>".into(),
                "options[1].text",
            ),
            ("one option", |q| q.options.truncate(1), "options"),
            (
                "seven options",
                |q| {
                    for i in 0..4 {
                        q.options.push(QuestionOption {
                            text: format!("x{i}"),
                            correct: false,
                        });
                    }
                },
                "options",
            ),
            (
                "two correct in single",
                |q| q.options[1].correct = true,
                "correct",
            ),
            ("none correct", |q| q.options[0].correct = false, "correct"),
            ("tf with three", |q| q.kind = Kind::TrueFalse, "options"),
            (
                "same options folded",
                |q| q.options[2].text = "26/3/1931 ".into(),
                "options[2].text",
            ),
            (
                "empty option",
                |q| q.options[2].text = String::new(),
                "options[2].text",
            ),
            (
                "bad topic",
                |q| q.topic.code = "Lich-su".into(),
                "topic.code",
            ),
            (
                "bad url",
                |q| {
                    q.source = Some(Source {
                        title: "x".into(),
                        url: Some("javascript:alert(1)".into()),
                    })
                },
                "source.url",
            ),
            (
                "dates reversed",
                |q| {
                    q.legal_basis = Some(LegalBasis {
                        document: "Luật".into(),
                        valid_from: NaiveDate::from_ymd_opt(2026, 1, 1),
                        valid_until: NaiveDate::from_ymd_opt(2025, 1, 1),
                    })
                },
                "legal_basis.valid_until",
            ),
            ("comma tag", |q| q.tags = vec!["a,b".into()], "tags[0]"),
        ];
        for (name, edit, field) in cases {
            let mut q = good();
            edit(&mut q);
            assert!(
                fields(&q).iter().any(|f| f == field),
                "{name}: expected a problem on {field}, got {:?}",
                q.validate()
            );
        }
    }

    #[test]
    fn multiple_with_one_correct_is_valid_with_a_warning() {
        let mut q = good();
        q.kind = Kind::Multiple;
        assert!(q.validate().is_empty());
        assert_eq!(q.warnings().len(), 1);
        q.options[0].correct = false;
        assert_eq!(fields(&q), vec!["correct"]);
    }

    #[test]
    fn html_detection_leaves_comparisons_alone() {
        assert_eq!(find_html_tag("a < b và c > d"), None);
        assert_eq!(find_html_tag("I <3 Đoàn"), None);
        assert_eq!(find_html_tag("x <br/> y"), Some("<br/>"));
        assert_eq!(find_html_tag("</p>"), Some("</p>"));
        assert_eq!(find_html_tag("<!-- c -->"), Some("<!-- c -->"));
    }

    #[test]
    fn topic_codes() {
        for ok in ["history", "history.youth_union", "law.cyber_2018", "a.b.c"] {
            assert!(is_topic_code(ok), "{ok}");
        }
        for bad in ["", "History", "a..b", ".a", "a.", "lịch_sử", "a-b", "a b"] {
            assert!(!is_topic_code(bad), "{bad}");
        }
    }
}
