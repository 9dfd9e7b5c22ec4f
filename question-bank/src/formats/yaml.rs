//! The native YAML format: one document per topic, `topic:` then `questions:`.
//!
//! Unknown keys are errors. Each question is decoded on its own so one bad question does not
//! hide the problems of the others.
//!
//! # Implementation notes
//! `yaml_serde` reports a position only for errors of the whole document; for per-question
//! problems the line comes from `item_lines`, a scan of the block-style `questions:` list (the
//! style our files and our writer use). Flow-style lists just get no line.

use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use super::{Context, WriteError};
use crate::model::{
    Difficulty, Kind, LegalBasis, Question, QuestionOption, Source, Status, TopicRef,
};
use crate::problem::{Problem, ReadReport};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileIn {
    topic: TopicIn,
    #[serde(default)]
    questions: Vec<yaml_serde::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TopicIn {
    code: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionIn {
    #[serde(default)]
    kind: Kind,
    #[serde(deserialize_with = "scalar")]
    text: String,
    #[serde(default)]
    options: Vec<OptionIn>,
    #[serde(default, deserialize_with = "opt_scalar")]
    explanation: Option<String>,
    #[serde(default)]
    difficulty: Difficulty,
    #[serde(default, deserialize_with = "scalars")]
    tags: Vec<String>,
    #[serde(default)]
    source: Option<Source>,
    #[serde(default)]
    legal_basis: Option<LegalBasis>,
    #[serde(default)]
    status: Status,
    #[serde(default)]
    id: Option<Uuid>,
    #[serde(default)]
    image: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionIn {
    #[serde(deserialize_with = "scalar")]
    text: String,
    #[serde(default)]
    correct: bool,
    #[serde(default)]
    image: Option<String>,
}

/// Accepts any scalar as text, so `- text: 1945` is the string "1945" rather than an error.
fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let value = yaml_serde::Value::deserialize(d)?;
    scalar_text(&value)
        .ok_or_else(|| serde::de::Error::custom("expected text, found a list or mapping"))
}

fn opt_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let value = yaml_serde::Value::deserialize(d)?;
    if value.is_null() {
        return Ok(None);
    }
    scalar_text(&value)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom("expected text, found a list or mapping"))
}

fn scalars<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let values = Vec::<yaml_serde::Value>::deserialize(d)?;
    values
        .iter()
        .map(|v| scalar_text(v).ok_or_else(|| serde::de::Error::custom("expected a list of texts")))
        .collect()
}

fn scalar_text(value: &yaml_serde::Value) -> Option<String> {
    match value {
        yaml_serde::Value::String(s) => Some(s.clone()),
        yaml_serde::Value::Number(n) => Some(n.to_string()),
        yaml_serde::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Deepest `[`/`{` nesting accepted. The YAML parser slows down quadratically on deep flow
/// nesting (100,000 levels took over a minute), so it is refused before parsing.
const MAX_FLOW_DEPTH: usize = 64;

/// The line where `[`/`{` nesting first exceeds [`MAX_FLOW_DEPTH`], if it does.
///
/// A rough YAML lexer that errs towards counting. Outside a flow collection a bracket can open
/// one only where a node can start: at the start of a line or after whitespace (`key: [`,
/// `- [`, `&a [`) or a `:`, so brackets inside plain text (`=[a=[b…`, as a question may well
/// hold) do not count, nor do the lines of a block scalar (`text: |`), which are text. Inside a
/// collection every bracket counts except in quoted scalars (counting their `]` would let
/// `["]]]]", [[[[` hide real nesting). Before this, every bracket counted, and a question
/// whose text held 65 `[` was written out by the bank and then refused on reading back (found
/// by `tests/fuzz.rs`).
fn too_deep(text: &str) -> Option<u32> {
    // Every character that matters is ASCII, and no byte of a multi-byte UTF-8 character is.
    let b = text.as_bytes();
    let mut i = if b.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut depth = 0usize;
    let mut line = 1u32;
    let mut line_start = i;
    // The byte before the current one on this line (`None` at the start of a line).
    let mut prev: Option<u8> = None;
    // Outside collections: whether a node can start here (after indentation, `- `, `? `, `: `
    // or an `&anchor `/`!tag `), and whether an anchor or tag is being read.
    let mut value_position = true;
    let mut in_property = false;
    // While in a block scalar: the column its content must be deeper than, and the content's
    // indentation once its first line has set it.
    let mut block: Option<(usize, Option<usize>)> = None;
    while i < b.len() {
        if i == line_start
            && let Some((parent, content)) = block
        {
            let end = b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p);
            let this = &b[i..end];
            let indent = this.iter().take_while(|&&c| c == b' ').count();
            let blank = this.trim_ascii().is_empty();
            if blank || content.map_or(indent > parent, |content| indent >= content) {
                if !blank && content.is_none() {
                    block = Some((parent, Some(indent)));
                }
                line = line.saturating_add(1);
                i = end + 1;
                line_start = i;
                continue;
            }
            block = None;
        }
        let c = b[i];
        let node_can_start = prev.is_none_or(|p| p.is_ascii_whitespace() || p == b':');
        match c {
            b'\n' => {
                if depth == 0 {
                    block = block_scalar_parent(&b[line_start..i]).map(|parent| (parent, None));
                }
                line = line.saturating_add(1);
                prev = None;
                value_position = true;
                in_property = false;
                i += 1;
                line_start = i;
                continue;
            }
            b'"' | b'\''
                if depth > 0
                    && (node_can_start
                        || prev.is_some_and(|p| matches!(p, b'[' | b'{' | b','))) =>
            {
                let mut j = i + 1;
                loop {
                    match b.get(j) {
                        None => return None,
                        Some(b'\\') if c == b'"' => j += 1,
                        Some(b'\n') => {
                            line = line.saturating_add(1);
                            line_start = j + 1;
                        }
                        // `''` inside single quotes is a quote, not the end.
                        Some(b'\'') if c == b'\'' && b.get(j + 1) == Some(&b'\'') => j += 1,
                        Some(&q) if q == c => break,
                        Some(_) => {}
                    }
                    j += 1;
                }
                i = j;
            }
            b'[' | b'{' if depth > 0 || value_position || in_property => {
                depth += 1;
                if depth > MAX_FLOW_DEPTH {
                    return Some(line);
                }
            }
            b']' | b'}' if depth > 0 => {
                depth -= 1;
                value_position = false;
            }
            _ if depth > 0 => {}
            b' ' | b'\t' | b'\r' => {
                if in_property {
                    in_property = false;
                    value_position = true;
                }
            }
            b'&' | b'!' if value_position => in_property = true,
            b':' if b.get(i + 1).is_none_or(u8::is_ascii_whitespace) => value_position = true,
            // `- `, `? ` and `---` keep a node start a node start; in the middle of a plain
            // scalar (`Q? [`) they are text.
            b'-' | b'?' if value_position => {}
            _ => {
                if !in_property {
                    value_position = false;
                }
            }
        }
        prev = Some(b[i]);
        i += 1;
    }
    None
}

/// When `line` ends in a block scalar header (`key: |`, `- >-`, `text: !!str |2`), the column
/// its content must be deeper than: that of the key or entry the header belongs to.
fn block_scalar_parent(line: &[u8]) -> Option<usize> {
    let line = line.trim_ascii_end();
    let (head, last) = match line.iter().rposition(u8::is_ascii_whitespace) {
        Some(p) => (line[..p].trim_ascii_end(), &line[p + 1..]),
        None => (&b""[..], line),
    };
    let header = matches!(last.first(), Some(b'|' | b'>'))
        && last[1..]
            .iter()
            .all(|c| matches!(c, b'-' | b'+' | b'0'..=b'9'));
    let head_fits = head.is_empty()
        || head.ends_with(b":")
        || head.ends_with(b"-")
        || head
            .rsplit(u8::is_ascii_whitespace)
            .next()
            .is_some_and(|t| t.starts_with(b"!") || t.starts_with(b"&"));
    if !(header && head_fits) {
        return None;
    }
    // The column of the key: past the indentation and any `- ` entry markers.
    let mut column = line.iter().take_while(|&&c| c == b' ').count();
    while line[column..].starts_with(b"- ") {
        column += 2;
        column += line[column..].iter().take_while(|&&c| c == b' ').count();
    }
    Some(column)
}

/// Reads YAML text (one or more `---`-separated documents).
pub fn read(text: &str, ctx: &Context<'_>) -> ReadReport {
    let mut report = ReadReport::default();
    if let Some(line) = too_deep(text) {
        report.problems.push(
            Problem::new(
                format!("the YAML nests [ ] or {{ }} more than {MAX_FLOW_DEPTH} levels deep"),
                format!("YAML lồng [ ] hoặc {{ }} quá {MAX_FLOW_DEPTH} cấp"),
            )
            .at(Some(line)),
        );
        return report;
    }
    let lines = item_lines(text);
    let all_lines: Vec<&str> = text.lines().collect();
    for (doc_index, document) in yaml_serde::Deserializer::from_str(text).enumerate() {
        let file = match FileIn::deserialize(document) {
            Ok(file) => file,
            Err(e) => {
                report.problems.push(yaml_problem(&e));
                // After a syntax error the stream cannot be resynchronised.
                break;
            }
        };
        let doc_lines = lines.get(doc_index);
        let name = file
            .topic
            .name
            .unwrap_or_else(|| crate::checks::name_from_code(&file.topic.code));
        let topic = TopicRef {
            code: file.topic.code,
            name,
        };
        for (i, value) in file.questions.into_iter().enumerate() {
            let item = doc_lines.and_then(|l| l.get(i));
            let line = item.map(|(start, _)| *start);
            if let Some(problem) = ctx.over_limit(report.questions.len() + 1, line) {
                report.problems.push(problem);
                return report;
            }
            match yaml_serde::from_value::<QuestionIn>(value) {
                Ok(q) => report.push(into_question(q, &topic), line),
                Err(e) => {
                    let (field, en) = describe(&e);
                    let line = field
                        .as_deref()
                        .and_then(|f| item.and_then(|(s, end)| key_line(&all_lines, *s, *end, f)))
                        .or(line);
                    let mut p =
                        Problem::new(en.clone(), format!("câu hỏi không đọc được: {en}")).at(line);
                    p.field = field;
                    report.problems.push(p);
                }
            }
        }
    }
    report
}

fn into_question(q: QuestionIn, topic: &TopicRef) -> Question {
    Question {
        id: q.id,
        kind: q.kind,
        text: q.text,
        options: q
            .options
            .into_iter()
            .map(|o| QuestionOption {
                text: o.text,
                correct: o.correct,
                image: o.image,
            })
            .collect(),
        explanation: q.explanation,
        topic: topic.clone(),
        tags: q.tags,
        difficulty: q.difficulty,
        source: q.source,
        legal_basis: q.legal_basis,
        status: q.status,
        image: q.image,
    }
}

fn yaml_problem(e: &yaml_serde::Error) -> Problem {
    let (field, en) = describe(e);
    let line = e.location().and_then(|l| u32::try_from(l.line()).ok());
    let mut p = Problem::new(format!("YAML: {en}"), format!("YAML không hợp lệ: {en}")).at(line);
    p.field = field;
    p
}

/// The field an error is about (from serde's "unknown field `x`" / "missing field `x`"), and the
/// message without yaml_serde's position suffix.
fn describe(e: &yaml_serde::Error) -> (Option<String>, String) {
    let message = e.to_string();
    let message = message
        .split(" at line ")
        .next()
        .unwrap_or(&message)
        .to_owned();
    let field = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|prefix| {
            let rest = message.split_once(prefix)?.1;
            Some(rest.split('`').next()?.to_owned())
        });
    let path = message
        .split_once(": ")
        .filter(|(p, _)| !p.contains(' '))
        .map(|(p, _)| p.to_owned());
    (field.or(path), message)
}

/// For each document, the first line (1-based) of each item of its top-level `questions:` block
/// list and the line where the item ends (exclusive).
fn item_lines(text: &str) -> Vec<Vec<(u32, u32)>> {
    let mut docs: Vec<Vec<(u32, u32)>> = vec![Vec::new()];
    let mut in_list = false;
    let mut item_indent: Option<usize> = None;
    let mut total = 0u32;
    for (n, raw) in text.lines().enumerate() {
        let line_no = u32::try_from(n + 1).unwrap_or(u32::MAX);
        total = line_no;
        if raw.starts_with("---") {
            if docs.last().is_some_and(|d| !d.is_empty()) || in_list {
                docs.push(Vec::new());
            }
            in_list = false;
            item_indent = None;
            continue;
        }
        let trimmed = raw.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let indent = raw.len() - trimmed.len();
        if indent == 0 && trimmed.starts_with("questions:") {
            in_list = true;
            item_indent = None;
            continue;
        }
        if !in_list {
            continue;
        }
        let is_item = trimmed == "-" || trimmed.starts_with("- ");
        match item_indent {
            None if is_item => item_indent = Some(indent),
            None => {
                in_list = false;
                continue;
            }
            Some(k) if indent < k || (indent == k && !is_item) => {
                in_list = false;
                continue;
            }
            Some(_) => {}
        }
        if is_item
            && Some(indent) == item_indent
            && let Some(doc) = docs.last_mut()
        {
            if let Some(last) = doc.last_mut() {
                last.1 = line_no;
            }
            doc.push((line_no, u32::MAX));
        }
    }
    for doc in &mut docs {
        if let Some(last) = doc.last_mut()
            && last.1 == u32::MAX
        {
            last.1 = total + 1;
        }
    }
    docs
}

/// The line of `key:` within lines `[start, end)` (1-based), searching the item's own lines.
/// Takes the lines pre-split so many failing questions do not rescan the file each time.
fn key_line(lines: &[&str], start: u32, end: u32, key: &str) -> Option<u32> {
    let wanted = format!("{key}:");
    let first = usize::try_from(start).ok()?.saturating_sub(1);
    let last = usize::try_from(end)
        .ok()?
        .saturating_sub(1)
        .min(lines.len());
    lines
        .get(first..last)?
        .iter()
        .position(|l| {
            l.trim_start()
                .trim_start_matches("- ")
                .trim_start()
                .starts_with(&wanted)
        })
        .and_then(|n| u32::try_from(first + n + 1).ok())
}

#[derive(Serialize)]
struct FileOut<'a> {
    topic: &'a TopicRef,
    questions: Vec<QuestionOut<'a>>,
}

#[derive(Serialize)]
struct QuestionOut<'a> {
    kind: Kind,
    text: &'a str,
    options: Vec<OptionOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explanation: Option<&'a str>,
    difficulty: Difficulty,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    legal_basis: Option<&'a LegalBasis>,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<Uuid>,
}

#[derive(Serialize)]
struct OptionOut<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    correct: bool,
}

/// Writes one YAML document per topic, topics in order of first appearance.
pub fn write(questions: &[Question]) -> Result<Vec<u8>, WriteError> {
    let mut out = Vec::new();
    for (i, (_, bytes)) in write_per_topic(questions)?.into_iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b"---\n");
        }
        out.extend(bytes);
    }
    Ok(out)
}

/// One YAML file per topic, as the bank keeps them: `(file name, contents)` with file names
/// `<topic code>.yaml`, topics in order of first appearance.
pub fn write_per_topic(questions: &[Question]) -> Result<Vec<(String, Vec<u8>)>, WriteError> {
    let mut order: Vec<&TopicRef> = Vec::new();
    for q in questions {
        if !order.iter().any(|t| t.code == q.topic.code) {
            order.push(&q.topic);
        }
    }
    order
        .into_iter()
        .map(|topic| {
            let file = FileOut {
                topic,
                questions: questions
                    .iter()
                    .filter(|q| q.topic.code == topic.code)
                    .map(question_out)
                    .collect(),
            };
            Ok((
                format!("{}.yaml", topic.code),
                yaml_serde::to_string(&file)?.into_bytes(),
            ))
        })
        .collect()
}

fn question_out(q: &Question) -> QuestionOut<'_> {
    QuestionOut {
        kind: q.kind,
        text: &q.text,
        options: q
            .options
            .iter()
            .map(|o| OptionOut {
                text: &o.text,
                correct: o.correct,
            })
            .collect(),
        explanation: q.explanation.as_deref(),
        difficulty: q.difficulty,
        tags: &q.tags,
        source: q.source.as_ref(),
        legal_basis: q.legal_basis.as_ref(),
        status: q.status,
        id: q.id,
    }
}

/// The YAML template: every key, with comments saying what it takes.
pub const TEMPLATE: &str = r#"# Ngân hàng câu hỏi dautri: một tệp cho mỗi chủ đề.
# dautri question bank: one file per topic.
topic:
  code: history.youth_union        # chữ thường không dấu, số, _ ; cấp con sau dấu chấm
  name: Lịch sử Đoàn TNCS Hồ Chí Minh
questions:
  - kind: single                   # single | multiple | true_false (mặc định single)
    text: |
      Đoàn TNCS Hồ Chí Minh được thành lập ngày nào?
    options:
      - text: 26/3/1931
        correct: true
      - text: 3/2/1930
      - text: 19/5/1941
      - text: 2/9/1945
    explanation: Đại hội Đoàn toàn quốc lần thứ III (1961) chọn ngày 26/3/1931 làm ngày thành lập Đoàn.
    difficulty: easy               # easy | medium | hard (mặc định medium)
    tags: [lich-su-doan]
    source: {title: "Báo Quân đội nhân dân", url: "https://www.qdnd.vn/"}
    # legal_basis:                 # cho câu hỏi pháp luật / for law questions
    #   document: Luật An ninh mạng 24/2018/QH14
    #   valid_from: 2019-01-01
    #   valid_until: 2026-06-30
    status: active                 # draft | active | retired (mặc định active)
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;

    fn read_str(text: &str) -> ReadReport {
        crate::read(text.as_bytes(), "t.yaml", &Limits::default())
    }

    const GOOD: &str = r#"topic:
  code: history.youth_union
  name: Lịch sử Đoàn TNCS Hồ Chí Minh
questions:
  - kind: single
    text: |
      Đoàn TNCS Hồ Chí Minh được thành lập ngày nào?
    options:
      - text: 26/3/1931
        correct: true
      - text: 3/2/1930
      - text: 1941
    explanation: Đại hội III chọn ngày này.
    difficulty: easy
    tags: [lich-su-doan]
    source: {title: "VnExpress", url: "https://vnexpress.net/"}
    legal_basis:
      document: Luật An ninh mạng 24/2018/QH14
      valid_from: 2019-01-01
      valid_until: 2026-06-30
    status: active
    id: 0192e7a4-4b1c-7c3e-9a51-3f2b9c1d2e4f
  - text: Câu đúng sai?
    kind: true_false
    options:
      - {text: Đúng, correct: true}
      - {text: Sai}
"#;

    #[test]
    fn reads_the_documented_shape() {
        let report = read_str(GOOD);
        assert!(report.is_ok(), "{:?}", report.problems);
        let q = &report.questions[0];
        assert_eq!(q.text, "Đoàn TNCS Hồ Chí Minh được thành lập ngày nào?");
        assert_eq!(q.options[2].text, "1941");
        assert_eq!(q.topic.name, "Lịch sử Đoàn TNCS Hồ Chí Minh");
        assert_eq!(
            q.legal_basis
                .as_ref()
                .unwrap()
                .valid_until
                .unwrap()
                .to_string(),
            "2026-06-30"
        );
        assert_eq!(report.lines, vec![Some(5), Some(23)]);
        assert_eq!(report.questions[1].kind, Kind::TrueFalse);
        assert_eq!(report.questions[1].difficulty, Difficulty::Medium);
    }

    #[test]
    fn unknown_key_is_an_error_with_its_line() {
        let text = GOOD.replace("    difficulty: easy", "    dificulty: easy");
        let report = read_str(&text);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        let p = &report.problems[0];
        assert_eq!(p.field.as_deref(), Some("dificulty"));
        assert_eq!(p.line_or_row, Some(14));
        // The other question is still read.
        assert_eq!(report.questions.len(), 1);
    }

    #[test]
    fn unknown_top_level_key_and_syntax_errors_have_lines() {
        let report = read_str("topic:\n  code: a\n  nam: x\nquestions: []\n");
        assert_eq!(
            report.problems[0].line_or_row,
            Some(3),
            "{:?}",
            report.problems
        );
        let report = read_str("topic:\n  code: a\nquestions:\n  - text: [unclosed\n");
        assert!(
            report.problems[0].line_or_row.is_some(),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn validation_problems_point_at_the_question() {
        let text = GOOD.replace(
            "        correct: true\n      - text: 3/2/1930",
            "      - text: 3/2/1930",
        );
        let report = read_str(&text);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert_eq!(report.problems[0].line_or_row, Some(5));
        assert_eq!(report.problems[0].field.as_deref(), Some("correct"));
    }

    #[test]
    fn brackets_inside_text_are_not_nesting() {
        assert_eq!(too_deep(&format!("text: {}\n", "=[a".repeat(200))), None);
        assert_eq!(too_deep(&format!("text: \"{}\"\n", "x[".repeat(200))), None);
        assert_eq!(
            too_deep(&format!("text: a [b {}\n", "=[".repeat(200))),
            None
        );
        assert_eq!(
            too_deep(&format!(
                "- text: |-\n    a\n    {}\n  b: 1\n",
                "[".repeat(200)
            )),
            None
        );
        for deep in [
            format!("a: {}", "[".repeat(65)),
            format!("- {}", "{".repeat(65)),
            format!("--- {}", "[".repeat(65)),
            format!("- - ? {}", "[".repeat(65)),
            format!("a: &x !!seq {}", "[".repeat(65)),
            format!("\u{feff}{}", "[".repeat(65)),
            format!("a: [\"]\", {}", "[".repeat(64)),
            format!("a: [ '[]]'' ]]', {}", "[".repeat(64)),
            format!("- key: |\n    x\n  b: {}", "[".repeat(65)),
            format!("- key: |\n      x\n    b: {}", "[".repeat(65)),
        ] {
            assert!(too_deep(&deep).is_some(), "{deep}");
        }
    }

    #[test]
    fn several_documents_and_round_trip() {
        let report = read_str(GOOD);
        let mut questions = report.questions.clone();
        let mut other = questions[1].clone();
        other.topic = TopicRef {
            code: "law".into(),
            name: "Pháp luật".into(),
        };
        other.text = "Câu khác?".into();
        questions.push(other);
        let bytes = write(&questions).unwrap();
        let again = crate::read(&bytes, "x.yaml", &Limits::default());
        assert!(
            again.is_ok(),
            "{:?}\n{}",
            again.problems,
            String::from_utf8_lossy(&bytes)
        );
        assert_eq!(again.questions, questions);
        assert_eq!(
            again.lines,
            vec![Some(5), Some(25), Some(38)],
            "{}",
            String::from_utf8_lossy(&bytes)
        );
    }

    #[test]
    fn template_reads_back() {
        let report = read_str(TEMPLATE);
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.questions.len(), 1);
    }

    #[test]
    fn alias_bombs_and_deep_nesting_fail_fast() {
        let mut bomb = String::from("a: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for i in 1..12 {
            bomb.push_str(&format!(
                "{}: &{} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n",
                (b'a' + i) as char,
                (b'a' + i) as char,
                p = (b'a' + i - 1) as char
            ));
        }
        bomb.push_str("topic: {code: x}\nquestions: []\n");
        assert!(!read_str(&bomb).is_ok());
        let deep = format!(
            "topic: {{code: x}}\nquestions: {}{}\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(!read_str(&deep).is_ok());
    }
}
