//! Fuzzes every question reader (GIFT, Aiken, Moodle XML, CSV, XLSX, YAML) through
//! `read_with` with mutants of `fuzz/corpus/<reader>/` and of hostile workbooks built in code:
//! no panic, no input over its time or memory budget, the question limit holds, and a file
//! read without problems writes out and reads back.
//!
//! CI runs a fixed number of inputs per reader with a fixed seed (deterministic). For a long
//! local run, which also saves inputs with new outcomes into the corpus:
//!
//! ```text
//! DAUTRI_FUZZ_SECONDS=300 DAUTRI_FUZZ_SEED=7 cargo test --release -p question-bank --test fuzz -- --nocapture
//! ```
//!
//! See FORMATS.md ("Fuzzing the readers"). The engine is shared with `sheets`.

// Helpers outside #[test] fns are test code too; clippy.toml only covers the fns themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../sheets/fuzz/engine.rs"]
mod engine;

use std::collections::BTreeSet;

use engine::{Config, Outcome, Target, fuzz, hostile_workbooks, shape, signature};
use question_bank::{Format, Limits, ReadOptions, TopicRef, read, read_with, write};

const GIFT: &[&str] = &[
    "::",
    "{",
    "}",
    "=",
    "~",
    "#",
    "->",
    "%50%",
    "%-100%",
    "$CATEGORY:",
    "//",
    "\\",
    "\\{",
    "[html]",
    "[markdown]",
    "{T}",
    "{FALSE}",
    "{#1..2}",
    "\n\n",
];
const AIKEN: &[&str] = &[
    "A. ",
    "B) ",
    "ANSWER: ",
    "ANSWER: A",
    "\n\n",
    "Z. ",
    "ANSWER: A,B",
];
const MOODLE: &[&str] = &[
    "<question type=\"multichoice\">",
    "<question type=\"truefalse\">",
    "<question type=\"category\"><category><text>$course$/a/b</text></category></question>",
    "</question>",
    "<questiontext format=\"html\"><text>",
    "</text></questiontext>",
    "<answer fraction=\"100\"><text>",
    "<answer fraction=\"-33.33333\"><text>",
    "</text></answer>",
    "<single>false</single>",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&#0;",
    "&#x1F600;",
    "&nbsp;",
    "<!DOCTYPE quiz>",
    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>",
    "<!--",
    "-->",
];
const CSV: &[&str] = &[
    "\"",
    "\"\"",
    ",",
    ";",
    "\n",
    "\r\n",
    "topic_code",
    "option_e",
    "correct",
    "A,B",
    "=1+1",
    "\u{feff}",
    "chủ đề",
];
const XLSX: &[&str] = &[
    "<row r=\"1048576\">",
    "</row>",
    "<c r=\"XFD1048576\" t=\"inlineStr\"><is><t>x</t></is></c>",
    "<c r=\"E2\" t=\"s\"><v>7</v></c>",
    "<c r=\"A3\"><f>1+1</f><v>2</v></c>",
    "<c r=\"C2\" t=\"e\"><v>#N/A</v></c>",
    "<c r=\"D2\" t=\"n\"><v>1e308</v></c>",
    "<dimension ref=\"A1:XFD1048576\"/>",
    "<![CDATA[",
    "&amp;",
    "&#0;",
    "<si><t>s</t></si>",
    " t=\"s\"",
    " t=\"b\"",
    " r=\"\"",
];
const YAML: &[&str] = &[
    "questions:",
    "- ",
    "  ",
    "text: ",
    "options:",
    "correct: true",
    "&a ",
    "*a",
    "!!binary ",
    "---\n",
    "{",
    "}",
    "[",
    "]",
    "? ",
    "|\n",
    ">\n",
    "~",
    "null",
    "0x7fffffffffffffff",
    "2024-02-30",
    "topic:",
];

fn limits(variant: u64) -> Limits {
    if variant.is_multiple_of(2) {
        Limits::default()
    } else {
        Limits {
            max_file_bytes: 200 * 1024,
            max_questions: 3,
            max_uncompressed_bytes: 512 * 1024,
            max_compression_ratio: 20,
            max_zip_entries: 20,
        }
    }
}

/// Reads `bytes` as `format` (forced, or detected from a name) and checks what `read_with`
/// promises.
fn run(format: Format, bytes: &[u8], variant: u64) -> Outcome {
    let limits = limits(variant);
    let detect = variant / 2 % 2 == 1;
    let name = if format == Format::Aiken {
        "upload.txt".to_owned()
    } else {
        format!("upload.{}", format.extension())
    };
    let options = ReadOptions {
        limits,
        default_topic: (variant / 4 % 2 == 1).then(|| TopicRef {
            code: "law".into(),
            name: "Pháp luật".into(),
        }),
        format: (!detect).then_some(format),
    };
    let report = read_with(bytes, &name, &options);
    if report.questions.len() > limits.max_questions {
        return Outcome::Violation(format!(
            "{} questions, limit {}",
            report.questions.len(),
            limits.max_questions
        ));
    }
    if report.questions.len() != report.lines.len() {
        return Outcome::Violation("a question without its line".into());
    }
    if report.questions.is_empty() && report.problems.is_empty() {
        return Outcome::Violation("no questions and no problem".into());
    }
    if report.problems.is_empty() {
        // Clean questions are valid, and the bank's own formats keep them.
        if let Some(q) = report.questions.iter().find(|q| !q.validate().is_empty()) {
            return Outcome::Violation(format!(
                "question {:?} read cleanly but is invalid",
                q.text
            ));
        }
        for out in [Format::Yaml, Format::Csv] {
            let Ok(written) = write(&report.questions, out) else {
                return Outcome::Violation(format!(
                    "clean questions could not be written as {out}"
                ));
            };
            let again = read(
                &written,
                &format!("again.{}", out.extension()),
                &Limits::default(),
            );
            if !again.problems.is_empty() || again.questions.len() != report.questions.len() {
                return Outcome::Violation(format!(
                    "written as {out} and read back: {} of {} questions, problems {:?}",
                    again.questions.len(),
                    report.questions.len(),
                    again
                        .problems
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    let problems: BTreeSet<String> = report
        .problems
        .iter()
        .take(8)
        .map(|p| shape(&p.to_string()))
        .collect();
    Outcome::Fine(signature(&(
        problems,
        report.questions.len().min(8),
        report.warnings.len().min(4),
        variant % 2,
    )))
}

fn fuzz_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

/// Workbooks written by the bank itself, and hostile ones in the question layout.
fn xlsx_seeds() -> Vec<Vec<u8>> {
    let rich = std::fs::read(fuzz_dir().join("corpus/yaml/rich.yaml")).unwrap();
    let questions = read(&rich, "rich.yaml", &Limits::default()).questions;
    let mut seeds = vec![
        write(&questions, Format::Xlsx).unwrap(),
        question_bank::template(Format::Xlsx).unwrap(),
    ];
    seeds.extend(hostile_workbooks(
        &["topic_code", "text", "option_a", "option_b", "correct"],
        &[
            "law",
            "Luật An ninh mạng 2018 có bao nhiêu điều?",
            "43",
            "45",
            "A",
        ],
    ));
    seeds
}

#[test]
fn every_reader_survives_mutated_files() {
    let config = Config::from_env(800);
    let gift = |b: &[u8], v: u64| run(Format::Gift, b, v);
    let aiken = |b: &[u8], v: u64| run(Format::Aiken, b, v);
    let moodle = |b: &[u8], v: u64| run(Format::MoodleXml, b, v);
    let csv = |b: &[u8], v: u64| run(Format::Csv, b, v);
    let xlsx = |b: &[u8], v: u64| run(Format::Xlsx, b, v);
    let yaml = |b: &[u8], v: u64| run(Format::Yaml, b, v);
    let target = |name, dictionary, seeds, run| Target {
        name,
        fuzz_dir: fuzz_dir(),
        seeds,
        dictionary,
        run,
    };
    let targets = [
        target(
            "gift",
            GIFT,
            Vec::new(),
            &gift as &dyn Fn(&[u8], u64) -> Outcome,
        ),
        target("aiken", AIKEN, Vec::new(), &aiken),
        target("moodle_xml", MOODLE, Vec::new(), &moodle),
        target("csv", CSV, Vec::new(), &csv),
        target("xlsx", XLSX, xlsx_seeds(), &xlsx),
        target("yaml", YAML, Vec::new(), &yaml),
    ];
    let reports: Vec<_> = targets
        .iter()
        .filter(|t| config.only.as_deref().is_none_or(|o| o == t.name))
        .map(|t| fuzz(t, &config))
        .collect();
    engine::conclude(&reports);
}
