//! Moodle XML: its `multichoice` and `truefalse` questions.
//!
//! `<question type="category">` sets the topic of the questions after it. Question and answer
//! text (usually HTML) is converted to plain text; embedded images are dropped with a warning.
//! Other question types are skipped with a warning naming their line.
//!
//! # Implementation notes
//! A `<!DOCTYPE>` is refused outright and only the five predefined XML entities and character
//! references are resolved, so entity-expansion attacks ("billion laughs") cannot happen.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::gift::{skipped, topic_from_category};
use super::{Context, TRUE_FALSE_TEXTS};
use crate::model::{Kind, Question, QuestionOption, TopicRef};
use crate::problem::{Problem, ReadReport};
use crate::text::html_to_text;

/// Elements nested deeper than this are refused (nothing legitimate comes close).
const MAX_DEPTH: usize = 64;

/// One `<question>` as collected from the stream.
#[derive(Default)]
struct Raw {
    kind: String,
    line: u32,
    question_text: String,
    question_format: String,
    feedback: String,
    feedback_format: String,
    single: Option<String>,
    category: String,
    tags: Vec<String>,
    answers: Vec<RawAnswer>,
}

#[derive(Default)]
struct RawAnswer {
    fraction: String,
    format: String,
    text: String,
}

fn attribute(e: &BytesStart<'_>, name: &str) -> String {
    e.try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
        .unwrap_or_default()
}

/// Turns byte positions into 1-based lines, counting only the bytes since the last call
/// (positions only grow while reading), so a large file is not rescanned per element.
struct Lines<'a> {
    text: &'a [u8],
    position: usize,
    line: u32,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text: text.as_bytes(),
            position: 0,
            line: 1,
        }
    }

    fn at(&mut self, position: u64) -> u32 {
        let end = usize::try_from(position)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        if end < self.position {
            // Only error positions may go back; count those from the start.
            let newlines = self.text[..end].iter().filter(|b| **b == b'\n').count();
            return u32::try_from(newlines + 1).unwrap_or(u32::MAX);
        }
        let newlines = self.text[self.position..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.line = self
            .line
            .saturating_add(u32::try_from(newlines).unwrap_or(u32::MAX));
        self.position = end;
        self.line
    }
}

/// Reads Moodle XML text.
pub fn read(text: &str, ctx: &Context<'_>) -> ReadReport {
    let mut report = ReadReport::default();
    let mut reader = Reader::from_str(text);
    let mut lines = Lines::new(text);
    let mut path: Vec<String> = Vec::new();
    let mut current: Option<Raw> = None;
    let mut topic: Option<TopicRef> = None;
    loop {
        let position = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let line = lines.at(reader.error_position());
                report.problems.push(
                    Problem::new(
                        format!("the XML is malformed: {e}"),
                        format!("XML bị lỗi cấu trúc: {e}"),
                    )
                    .at(Some(line)),
                );
                break;
            }
        };
        match event {
            Event::DocType(_) => {
                report.problems.push(
                    Problem::new(
                        "the XML has a <!DOCTYPE>, which is not allowed (it can define entities)",
                        "XML có khai báo <!DOCTYPE>, không được phép (có thể định nghĩa thực thể)",
                    )
                    .at(Some(lines.at(position))),
                );
                break;
            }
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_owned();
                if path.len() >= MAX_DEPTH {
                    report.problems.push(
                        Problem::new("the XML is nested too deeply", "XML lồng nhau quá sâu")
                            .at(Some(lines.at(position))),
                    );
                    break;
                }
                start_element(&mut current, &path, &name, &e, lines.at(position));
                path.push(name);
            }
            Event::Empty(e) => {
                let name = e.local_name().as_ref().to_owned();
                start_element(&mut current, &path, &name, &e, lines.at(position));
                if name == "question"
                    && let Some(raw) = current.take()
                {
                    finish(raw, &mut topic, &mut report, ctx);
                }
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                if name == "question"
                    && let Some(raw) = current.take()
                {
                    if let Some(problem) =
                        ctx.over_limit(report.questions.len() + 1, Some(raw.line))
                    {
                        report.problems.push(problem);
                        return report;
                    }
                    finish(raw, &mut topic, &mut report, ctx);
                }
            }
            Event::Text(t) => push_text(&mut current, &path, &t.xml10_content()),
            Event::CData(t) => push_text(&mut current, &path, t.as_ref()),
            Event::GeneralRef(r) => {
                let name = r.into_inner();
                let resolved = match name.as_ref() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    other => other
                        .strip_prefix('#')
                        .and_then(|n| match n.strip_prefix('x') {
                            Some(hex) => u32::from_str_radix(hex, 16).ok(),
                            None => n.parse().ok(),
                        })
                        .and_then(char::from_u32),
                };
                match resolved {
                    // XML-level escapes are undone here; HTML-level ones (`&amp;lt;`) are then
                    // decoded by html_to_text after tags are removed.
                    Some(c) => push_text(&mut current, &path, c.encode_utf8(&mut [0; 4])),
                    None => {
                        report.problems.push(
                            Problem::new(
                                format!("unknown XML entity &{name};"),
                                format!("thực thể XML lạ &{name};"),
                            )
                            .at(Some(lines.at(position))),
                        );
                        break;
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    report
}

fn start_element(
    current: &mut Option<Raw>,
    path: &[String],
    name: &str,
    e: &BytesStart<'_>,
    line: u32,
) {
    if name == "question" {
        *current = Some(Raw {
            kind: attribute(e, "type"),
            line,
            ..Raw::default()
        });
        return;
    }
    let Some(raw) = current else { return };
    let parent = path.last().map(String::as_str);
    match (parent, name) {
        (Some("question"), "questiontext") => raw.question_format = attribute(e, "format"),
        (Some("question"), "generalfeedback") => raw.feedback_format = attribute(e, "format"),
        (Some("question"), "answer") => {
            raw.answers.push(RawAnswer {
                fraction: attribute(e, "fraction"),
                format: attribute(e, "format"),
                text: String::new(),
            });
        }
        (Some("tags"), "tag") => raw.tags.push(String::new()),
        _ => {}
    }
}

fn push_text(current: &mut Option<Raw>, path: &[String], text: &str) {
    let Some(raw) = current else { return };
    let n = path.len();
    if n < 2 || path[n - 1] != "text" {
        if n >= 1 && path[n - 1] == "single" {
            raw.single.get_or_insert_with(String::new).push_str(text);
        }
        return;
    }
    let target = match path[n - 2].as_str() {
        "questiontext" => &mut raw.question_text,
        "generalfeedback" => &mut raw.feedback,
        "category" => &mut raw.category,
        "answer" if n >= 3 && path[n - 3] == "question" => match raw.answers.last_mut() {
            Some(answer) => &mut answer.text,
            None => return,
        },
        "tag" => match raw.tags.last_mut() {
            Some(tag) => tag,
            None => return,
        },
        _ => return,
    };
    target.push_str(text);
}

/// Text in a Moodle text format as plain text; `true` if an image was dropped.
fn to_plain(text: &str, format: &str) -> (String, bool) {
    match format {
        "plain_text" | "markdown" | "moodle_auto_format" => (text.to_owned(), false),
        _ => html_to_text(text),
    }
}

fn finish(raw: Raw, topic: &mut Option<TopicRef>, report: &mut ReadReport, ctx: &Context<'_>) {
    let line = raw.line;
    match raw.kind.as_str() {
        "category" => {
            *topic = topic_from_category(&raw.category);
            return;
        }
        "multichoice" | "truefalse" => {}
        other => {
            let (en, vi) = match other {
                "essay" => ("essay question", "câu tự luận"),
                "shortanswer" => ("short-answer question", "câu trả lời ngắn"),
                "numerical" => ("numeric question", "câu trả lời bằng số"),
                "matching" => ("matching question", "câu ghép đôi"),
                "cloze" | "multianswer" => (
                    "embedded-answers (cloze) question",
                    "câu điền khuyết nhiều chỗ (cloze)",
                ),
                "description" => ("description", "đoạn mô tả"),
                _ => ("question of another type", "câu hỏi loại khác"),
            };
            let mut warning = skipped(line, en, vi);
            if !matches!(
                other,
                "essay"
                    | "shortanswer"
                    | "numerical"
                    | "matching"
                    | "cloze"
                    | "multianswer"
                    | "description"
            ) {
                warning.field = Some(format!("type={other}"));
            }
            report.warnings.push(warning);
            return;
        }
    }
    let (stem, mut image) = to_plain(&raw.question_text, &raw.question_format);
    let mut q = Question::new(
        match topic {
            Some(t) => t.clone(),
            None => ctx.topic_or_fallback(report),
        },
        stem,
    );
    q.tags = raw
        .tags
        .iter()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty() && !t.contains(','))
        .collect();
    let (feedback, feedback_image) = to_plain(&raw.feedback, &raw.feedback_format);
    image |= feedback_image;
    q.explanation = Some(feedback).filter(|f| !f.is_empty());
    let correct = |fraction: &str| fraction.trim().parse::<f64>().is_ok_and(|f| f > 0.0);
    if raw.kind == "truefalse" {
        let truth = raw
            .answers
            .iter()
            .find(|a| a.text.trim().eq_ignore_ascii_case("true"))
            .is_some_and(|a| correct(&a.fraction));
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
    } else {
        let single = raw
            .single
            .as_deref()
            .map(str::trim)
            .is_none_or(|s| s == "true" || s == "1");
        q.kind = if single { Kind::Single } else { Kind::Multiple };
        for answer in &raw.answers {
            let (text, answer_image) = to_plain(&answer.text, &answer.format);
            image |= answer_image;
            q.options.push(QuestionOption {
                text,
                correct: correct(&answer.fraction),
                image: None,
            });
        }
    }
    if image {
        report.warnings.push(
            Problem::new(
                format!("question at line {line} contains images that were dropped; check it still makes sense"),
                format!("câu hỏi ở dòng {line} có hình ảnh đã bị bỏ; hãy kiểm tra câu hỏi còn đủ nghĩa"),
            )
            .at(Some(line)),
        );
    }
    report.push(q, Some(line));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="category">
    <category><text>$course$/top/Pháp luật/An ninh mạng</text></category>
  </question>
  <question type="multichoice">
    <name><text>Q1</text></name>
    <questiontext format="html"><text><![CDATA[<p>Luật An ninh mạng số <b>24/2018/QH14</b> có hiệu lực từ ngày nào?</p><img src="@@PLUGINFILE@@/a.png">]]></text></questiontext>
    <generalfeedback format="html"><text>Có hiệu lực từ 01/01/2019.</text></generalfeedback>
    <single>true</single>
    <answer fraction="100" format="html"><text>01/01/2019</text><feedback><text>Đúng</text></feedback></answer>
    <answer fraction="0" format="html"><text>&amp;lt;i&amp;gt;12/6/2018&amp;lt;/i&amp;gt;</text></answer>
    <answer fraction="0" format="html"><text>&lt;b&gt;01/7/2018&lt;/b&gt;</text></answer>
    <tags><tag><text>an-ninh-mang</text></tag></tags>
  </question>
  <question type="multichoice">
    <questiontext format="plain_text"><text>Chọn các ý đúng &amp; đủ</text></questiontext>
    <single>false</single>
    <answer fraction="50"><text>A</text></answer>
    <answer fraction="50"><text>B</text></answer>
    <answer fraction="-100"><text>C</text></answer>
  </question>
  <question type="truefalse">
    <questiontext format="html"><text>Hà Nội là thủ đô.</text></questiontext>
    <answer fraction="0"><text>true</text></answer>
    <answer fraction="100"><text>false</text></answer>
  </question>
  <question type="essay">
    <questiontext format="html"><text>Viết cảm nghĩ.</text></questiontext>
  </question>
  <question type="ddwtos">
    <questiontext format="html"><text>Kéo thả.</text></questiontext>
  </question>
</quiz>
"#;

    #[test]
    fn reads_multichoice_and_truefalse() {
        let report = crate::read(SAMPLE.as_bytes(), "quiz.xml", &Limits::default());
        let q = &report.questions;
        assert_eq!(q.len(), 3);
        assert_eq!(
            q[0].text,
            "Luật An ninh mạng số 24/2018/QH14 có hiệu lực từ ngày nào?"
        );
        assert_eq!(
            q[0].topic,
            TopicRef {
                code: "phap_luat.an_ninh_mang".into(),
                name: "An ninh mạng".into()
            }
        );
        assert_eq!(
            q[0].explanation.as_deref(),
            Some("Có hiệu lực từ 01/01/2019.")
        );
        assert_eq!(q[0].tags, vec!["an-ninh-mang"]);
        assert_eq!(q[0].correct_indexes(), vec![0]);
        assert_eq!(q[1].text, "Chọn các ý đúng & đủ");
        assert_eq!(q[1].kind, Kind::Multiple);
        assert_eq!(q[1].correct_indexes(), vec![0, 1]);
        assert_eq!(q[2].kind, Kind::TrueFalse);
        assert_eq!(q[2].correct_indexes(), vec![1]);
        assert_eq!(report.lines, vec![Some(6), Some(16), Some(23)]);
        // HTML escaped at the XML level is still HTML; HTML-escaped tags survive as text and
        // are then refused by validation.
        assert_eq!(q[0].options[2].text, "01/7/2018");
        assert_eq!(q[0].options[1].text, "<i>12/6/2018</i>");
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert_eq!(report.problems[0].field.as_deref(), Some("options[1].text"));
        let warnings: Vec<_> = report.warnings.iter().map(|w| w.line_or_row).collect();
        assert_eq!(
            warnings,
            vec![Some(6), Some(28), Some(31)],
            "{:?}",
            report.warnings
        );
        assert!(
            report.warnings[1]
                .message_en
                .starts_with("essay question at line 28 skipped")
        );
    }

    #[test]
    fn doctype_and_entities_are_refused() {
        let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>
<quiz><question type="truefalse"><questiontext><text>&lol2;</text></questiontext></question></quiz>"#;
        let report = crate::read(bomb.as_bytes(), "quiz.xml", &Limits::default());
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(report.problems[0].message_en.contains("DOCTYPE"));
        let report = crate::read(b"<quiz><question type=\"truefalse\"><questiontext><text>&x;</text></questiontext></question></quiz>", "q.xml", &Limits::default());
        assert!(
            report.problems[0].message_en.contains("entity"),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn malformed_xml_has_a_line() {
        let report = crate::read(
            b"<quiz>\n<question type=\"multichoice\">\n</quiz>",
            "q.xml",
            &Limits::default(),
        );
        assert!(
            report.problems[0].line_or_row.is_some(),
            "{:?}",
            report.problems
        );
    }
}
