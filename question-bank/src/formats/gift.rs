//! GIFT, Moodle's text format: its multiple-choice and true/false questions.
//!
//! ```text
//! $CATEGORY: $course$/top/Lịch sử/Đoàn
//! // a comment
//! ::Q1:: Đoàn được thành lập năm nào? {=1931 ~1930 ~1941 ####Đại hội III chọn ngày 26/3/1931.}
//! Chọn các ý đúng {~%50%A ~%50%B ~%-100%C}
//! Hà Nội là thủ đô. {T}
//! ```
//! Other GIFT question types (essay `{}`, short answer `{=a =b}`, matching `->`, numeric `{#}`,
//! several answer sets in one question, descriptions without answers) are skipped with a warning
//! naming their line. Per-answer feedback is dropped; general feedback `####…` becomes the
//! explanation.

use super::{Context, TRUE_FALSE_TEXTS};
use crate::fold::fold;
use crate::model::{Kind, Question, QuestionOption, TopicRef};
use crate::problem::{Problem, ReadReport};
use crate::text::html_to_text;

/// Reads GIFT text.
pub fn read(text: &str, ctx: &Context<'_>) -> ReadReport {
    let mut report = ReadReport::default();
    let mut topic: Option<TopicRef> = None;
    for (start, block) in blocks(text) {
        let mut body = block.as_str();
        if let Some(rest) = body.strip_prefix("$CATEGORY:") {
            let (path, after) = rest.split_once('\n').unwrap_or((rest, ""));
            topic = topic_from_category(path);
            if topic.is_none() {
                report.warnings.push(
                    Problem::new(
                        format!(
                            "category {:?} gives no topic; the default topic is used",
                            path.trim()
                        ),
                        format!(
                            "danh mục {:?} không cho ra chủ đề; dùng chủ đề mặc định",
                            path.trim()
                        ),
                    )
                    .at(Some(start)),
                );
            }
            body = after;
            if body.trim().is_empty() {
                continue;
            }
        }
        if let Some(problem) = ctx.over_limit(report.questions.len() + 1, Some(start)) {
            report.problems.push(problem);
            return report;
        }
        match parse_question(body) {
            Parsed::Question(mut q) => {
                q.topic = match &topic {
                    Some(t) => t.clone(),
                    None => ctx.topic_or_fallback(&mut report),
                };
                report.push(*q, Some(start));
            }
            Parsed::Skipped(what_en, what_vi) => {
                report.warnings.push(skipped(start, what_en, what_vi))
            }
            Parsed::Broken(en, vi) => report.problems.push(Problem::new(en, vi).at(Some(start))),
        }
    }
    report
}

/// Warning for a question type dautri does not import.
pub(crate) fn skipped(line: u32, what_en: &str, what_vi: &str) -> Problem {
    Problem::new(
        format!("{what_en} at line {line} skipped: dautri only imports multiple-choice and true/false questions"),
        format!("bỏ qua {what_vi} ở dòng {line}: dautri chỉ nhập câu trắc nghiệm và câu đúng/sai"),
    )
    .at(Some(line))
}

/// Questions separated by blank lines, with `//` comment lines removed; each with its first line.
fn blocks(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0u32;
    for (n, line) in text.lines().enumerate() {
        let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        let trimmed = line.trim();
        if trimmed.starts_with("//") {
            continue;
        }
        if trimmed.is_empty() {
            if !current.is_empty() {
                out.push((start, std::mem::take(&mut current)));
            }
            continue;
        }
        if current.is_empty() {
            start = line_no;
        } else {
            current.push('\n');
        }
        current.push_str(trimmed);
    }
    if !current.is_empty() {
        out.push((start, current));
    }
    out
}

/// `$course$/top/Lịch sử/Đoàn TNCS` → code `lich_su.doan_tncs`, name "Đoàn TNCS".
pub(crate) fn topic_from_category(path: &str) -> Option<TopicRef> {
    let segments: Vec<&str> = path
        .split('/')
        .map(str::trim)
        .filter(|s| {
            !s.is_empty() && !s.starts_with('$') && *s != "top" && !s.starts_with("Default for")
        })
        .collect();
    let codes: Vec<String> = segments
        .iter()
        .map(|s| slug(s))
        .filter(|s| !s.is_empty())
        .collect();
    if codes.is_empty() || codes.len() != segments.len() {
        return None;
    }
    Some(TopicRef {
        code: codes.join("."),
        name: segments.last()?.to_string(),
    })
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in fold(text).chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_owned()
}

enum Parsed {
    Question(Box<Question>),
    Skipped(&'static str, &'static str),
    Broken(String, String),
}

/// Byte offsets of unescaped occurrences of `c` (a `\` escapes the next character).
fn unescaped(text: &str, wanted: impl Fn(char) -> bool) -> Vec<usize> {
    let mut out = Vec::new();
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if wanted(c) {
            out.push(i);
        }
    }
    out
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(next) => out.push(next),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Text with an optional `[html]`/`[markdown]`/`[plain]`/`[moodle]` marker, unescaped.
fn plain(text: &str) -> String {
    let text = text.trim();
    for marker in ["[html]", "[markdown]", "[plain]", "[moodle]"] {
        if let Some(rest) = text.strip_prefix(marker) {
            let value = unescape(rest);
            return if marker == "[html]" {
                html_to_text(&value).0
            } else {
                value
            };
        }
    }
    unescape(text)
}

fn parse_question(body: &str) -> Parsed {
    // Optional ::title::
    let mut body = body;
    if body.starts_with("::") {
        let colons = unescaped(body, |c| c == ':');
        let close = colons
            .windows(2)
            .skip(2)
            .find(|w| w[1] == w[0] + 1)
            .map(|w| w[1] + 1);
        match close {
            Some(end) => body = &body[end..],
            None => {
                return Parsed::Broken(
                    "the ::title:: is not closed".into(),
                    "tiêu đề ::…:: chưa được đóng".into(),
                );
            }
        }
    }
    let opens = unescaped(body, |c| c == '{');
    let closes = unescaped(body, |c| c == '}');
    if opens.is_empty() && closes.is_empty() {
        return Parsed::Skipped(
            "description (text without answers)",
            "một đoạn mô tả (không có đáp án)",
        );
    }
    if opens.len() > 1 || closes.len() > 1 {
        return Parsed::Skipped(
            "question with several answer sets (cloze)",
            "câu hỏi có nhiều chỗ điền đáp án (cloze)",
        );
    }
    let (Some(&open), Some(&close)) = (opens.first(), closes.first()) else {
        return Parsed::Broken(
            "the answers' { } braces do not match".into(),
            "dấu ngoặc { } của đáp án không khớp".into(),
        );
    };
    if close < open {
        return Parsed::Broken(
            "the answers' { } braces do not match".into(),
            "dấu ngoặc { } của đáp án không khớp".into(),
        );
    }
    let before = plain(&body[..open]);
    let after = plain(&body[close + 1..]);
    let stem = if after.is_empty() {
        before
    } else {
        format!("{before} _____ {after}")
    };
    let answers = body[open + 1..close].trim();
    let mut q = Question::new(
        TopicRef {
            code: String::new(),
            name: String::new(),
        },
        stem,
    );

    if answers.is_empty() {
        return Parsed::Skipped("essay question", "câu tự luận");
    }
    if answers.starts_with('#') {
        return Parsed::Skipped("numeric question", "câu trả lời bằng số");
    }
    let (head, feedback) = split_general_feedback(answers);
    let head_word = head
        .split('#')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_uppercase();
    if matches!(head_word.as_str(), "T" | "TRUE" | "F" | "FALSE") {
        let truth = head_word.starts_with('T');
        q.kind = Kind::TrueFalse;
        q.options = vec![
            QuestionOption {
                text: TRUE_FALSE_TEXTS[0].into(),
                correct: truth,
                image: None,
            },
            QuestionOption {
                text: TRUE_FALSE_TEXTS[1].into(),
                correct: !truth,
                image: None,
            },
        ];
        q.explanation = feedback;
        return Parsed::Question(Box::new(q));
    }
    if unescaped(head, |c| c == '-')
        .iter()
        .any(|&i| head[i..].starts_with("->"))
    {
        return Parsed::Skipped("matching question", "câu ghép đôi");
    }
    let marks = unescaped(head, |c| c == '=' || c == '~');
    if marks.first() != Some(&0) {
        return Parsed::Broken(
            "answers must start with = (correct) or ~ (wrong)".into(),
            "đáp án phải bắt đầu bằng = (đúng) hoặc ~ (sai)".into(),
        );
    }
    if marks.iter().all(|&m| head[m..].starts_with('=')) {
        return Parsed::Skipped("short-answer question", "câu trả lời ngắn");
    }
    let mut weighted = false;
    for (i, &m) in marks.iter().enumerate() {
        let end = marks.get(i + 1).copied().unwrap_or(head.len());
        let token = &head[m..end];
        let is_equals = token.starts_with('=');
        let mut rest = &token[1..];
        let mut correct = is_equals;
        if let Some(after_pct) = rest.strip_prefix('%')
            && let Some((weight, text)) = after_pct.split_once('%')
        {
            weighted = true;
            correct = weight.trim().parse::<f64>().is_ok_and(|w| w > 0.0);
            rest = text;
        }
        // Per-answer feedback after an unescaped '#' is dropped.
        let text = match unescaped(rest, |c| c == '#').first() {
            Some(&hash) => &rest[..hash],
            None => rest,
        };
        q.options.push(QuestionOption {
            text: plain(text),
            correct,
            image: None,
        });
    }
    q.kind = if weighted {
        Kind::Multiple
    } else {
        Kind::Single
    };
    q.explanation = feedback;
    Parsed::Question(Box::new(q))
}

/// Splits off general feedback (`####text`) from the answers.
fn split_general_feedback(answers: &str) -> (&str, Option<String>) {
    let hashes = unescaped(answers, |c| c == '#');
    let start = hashes.windows(4).find(|w| w[3] == w[0] + 3).map(|w| w[0]);
    match start {
        Some(s) => (
            &answers[..s],
            Some(plain(&answers[s + 4..])).filter(|f| !f.is_empty()),
        ),
        None => (answers, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, ReadOptions};

    const SAMPLE: &str = "// Ngân hàng mẫu
$CATEGORY: $course$/top/Lịch sử/Đoàn TNCS

::Q1:: Đoàn TNCS Hồ Chí Minh được thành lập năm nào? {
=1931 # Đúng
~1930
~1941
####Đại hội III chọn ngày 26/3/1931.
}

Chọn các ý đúng {~%50%Ý A ~%50%Ý B ~%-100%Ý C}

Hà Nội là thủ đô của Việt Nam. {T}

Viết cảm nghĩ của bạn. {}

Thủ đô của Pháp là? {=Paris =paris}

Ghép đôi {=a -> 1 =b -> 2 =c -> 3}

Năm thành lập? {#1931}

Phần giới thiệu không có câu hỏi.

Đoàn được thành lập năm {~1930 =1931 ~1941}.

Giá \\{ 1 \\} đồng\\: {=1 \\= 1 ~2}
";

    fn read_str(text: &str) -> ReadReport {
        crate::read(text.as_bytes(), "bank.gift", &Limits::default())
    }

    #[test]
    fn reads_multiple_choice_and_true_false_and_warns_on_the_rest() {
        let report = read_str(SAMPLE);
        assert!(report.is_ok(), "{:?}", report.problems);
        let q = &report.questions;
        assert_eq!(q.len(), 5, "{q:#?}");
        assert_eq!(q[0].text, "Đoàn TNCS Hồ Chí Minh được thành lập năm nào?");
        assert_eq!(
            q[0].options
                .iter()
                .map(|o| o.text.as_str())
                .collect::<Vec<_>>(),
            vec!["1931", "1930", "1941"]
        );
        assert!(q[0].options[0].correct);
        assert_eq!(
            q[0].explanation.as_deref(),
            Some("Đại hội III chọn ngày 26/3/1931.")
        );
        assert_eq!(
            q[0].topic,
            TopicRef {
                code: "lich_su.doan_tncs".into(),
                name: "Đoàn TNCS".into()
            }
        );
        assert_eq!(q[1].kind, Kind::Multiple);
        assert_eq!(q[1].correct_indexes(), vec![0, 1]);
        assert_eq!(q[2].kind, Kind::TrueFalse);
        assert!(q[2].options[0].correct);
        assert_eq!(q[3].text, "Đoàn được thành lập năm _____ .");
        assert_eq!(q[4].text, "Giá { 1 } đồng:");
        assert_eq!(q[4].options[0].text, "1 = 1");
        let lines: Vec<_> = report.warnings.iter().map(|w| w.line_or_row).collect();
        assert_eq!(
            lines,
            vec![Some(15), Some(17), Some(19), Some(21), Some(23)]
        );
        assert!(
            report.warnings[0]
                .message_en
                .starts_with("essay question at line 15 skipped"),
            "{}",
            report.warnings[0]
        );
        assert_eq!(report.lines[0], Some(4));
    }

    #[test]
    fn default_topic_applies_without_category() {
        let options = ReadOptions {
            default_topic: Some(TopicRef {
                code: "law".into(),
                name: "Pháp luật".into(),
            }),
            ..ReadOptions::default()
        };
        let report = crate::read_with(b"Q? {=a ~b}\n", "x.gift", &options);
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.questions[0].topic.code, "law");
    }

    #[test]
    fn broken_questions_are_problems() {
        let report = read_str("Q1 {=a ~b\n\nQ2 {a ~b}\n");
        let lines: Vec<_> = report.problems.iter().map(|p| p.line_or_row).collect();
        assert_eq!(lines, vec![Some(1), Some(3)], "{:?}", report.problems);
    }
}
