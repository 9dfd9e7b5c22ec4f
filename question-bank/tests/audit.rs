//! The bank-wide warnings (issue #19) on two fixtures: `biased.yaml`, on which every check fires,
//! and `balanced.yaml`, on which none does. Through the library and through the CLI, with the
//! date fixed by `--today` so the lapsed-law check does not depend on the clock.

// Helpers outside #[test] fns are test code too; clippy.toml only covers the fns themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::NaiveDate;
use question_bank::{Limits, Origin, Warning, audit, read};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

/// Every warning on a fixture: the reader's own (near-duplicate options) and the audit's.
fn warnings_of(name: &str) -> Vec<Warning> {
    let bytes = std::fs::read(fixture(name)).unwrap();
    let report = read(&bytes, name, &Limits::default());
    assert!(report.problems.is_empty(), "{name}: {:#?}", report.problems);
    let origins: Vec<Origin> = report
        .lines
        .iter()
        .map(|line| Origin {
            file: Some(name),
            line: *line,
            is_row: false,
        })
        .collect();
    let mut warnings = report.warnings;
    warnings.extend(audit(&report.questions, &origins, today()));
    warnings
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_question-bank"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn every_check_fires_on_the_biased_file() {
    let warnings = warnings_of("biased.yaml");
    let has = |field: &str, line: Option<u32>, text: &str| {
        warnings.iter().any(|w| {
            w.field.as_deref() == Some(field)
                && w.line_or_row == line
                && w.message_en.contains(text)
        })
    };
    let cases = [
        (
            "key positions",
            "correct",
            None,
            "single-choice answer keys are unevenly placed: A 9 (100%)",
        ),
        (
            "longest option",
            "options",
            None,
            "always picking the longest option scores 100%",
        ),
        (
            "true/false balance",
            "correct",
            None,
            "8 of 8 true/false questions (100%) are answered \"true\"",
        ),
        (
            "lapsed legal basis",
            "legal_basis.valid_until",
            Some(65),
            "held until 2025-12-31 and today is 2026-06-01",
        ),
        (
            "punctuation-only repeat",
            "options[2].text",
            Some(22),
            "option C repeats option B except for punctuation or spacing",
        ),
        (
            "near-duplicate distractors",
            "options[2].text",
            Some(29),
            "distractors B and C are almost the same",
        ),
    ];
    for (name, field, line, text) in cases {
        assert!(
            has(field, line, text),
            "{name}: no warning on {field} at {line:?} containing {text:?} in {warnings:#?}"
        );
    }
    assert_eq!(warnings.len(), cases.len(), "{warnings:#?}");
    for w in &warnings {
        assert!(
            !w.message_vi.is_empty() && w.message_vi != w.message_en,
            "{w:?}"
        );
    }
}

#[test]
fn no_check_fires_on_the_balanced_file() {
    assert_eq!(warnings_of("balanced.yaml"), Vec::<Warning>::new());
}

#[test]
fn validate_prints_warnings_and_fails_on_them_only_when_denied() {
    let biased = fixture("biased.yaml");
    let output = bin()
        .args(["validate", "--today", "2026-06-01"])
        .arg(&biased)
        .output()
        .unwrap();
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "warnings alone pass: {out}");
    assert!(
        out.contains("1 file(s), 17 question(s), 0 problem(s), 6 warning(s)"),
        "{out}"
    );
    assert!(
        out.contains("biased.yaml:65: warning: legal_basis.valid_until: the legal basis held until 2025-12-31"),
        "{out}"
    );

    let denied = bin()
        .args(["validate", "--deny-warnings", "--today", "2026-06-01"])
        .arg(&biased)
        .output()
        .unwrap();
    assert_eq!(denied.status.code(), Some(1), "{}", stdout(&denied));

    let balanced = bin()
        .args(["validate", "--deny-warnings", "--today", "2026-06-01"])
        .arg(fixture("balanced.yaml"))
        .output()
        .unwrap();
    assert_eq!(balanced.status.code(), Some(0), "{}", stdout(&balanced));
    assert!(stdout(&balanced).contains("0 problem(s), 0 warning(s)"));
}

#[test]
fn validate_in_vietnamese() {
    let output = bin()
        .args(["--vi", "validate", "--today", "2026-06-01"])
        .arg(fixture("biased.yaml"))
        .output()
        .unwrap();
    let out = stdout(&output);
    assert!(
        out.contains("cảnh báo: correct: 8/8 câu đúng/sai (100%) có đáp án \"Đúng\""),
        "{out}"
    );
    assert!(
        out.contains("đáp án đúng của câu một lựa chọn phân bố lệch"),
        "{out}"
    );
}

#[test]
fn both_files_together_get_a_bank_wide_check_naming_what_was_given() {
    let output = bin()
        .args(["validate", "--today", "2026-06-01"])
        .arg(fixture("biased.yaml"))
        .arg(fixture("balanced.yaml"))
        .output()
        .unwrap();
    let out = stdout(&output);
    // 18 single-choice questions not retired: 9 + 2 keys on A, 3 on B, 2 on C, 2 on D.
    assert!(
        out.contains("keys are unevenly placed across all 2 files: A 11 (61.1%), B 3 (16.7%), C 2 (11.1%), D 2 (11.1%) of 18; A over 35%, C under 15%, D under 15%"),
        "{out}"
    );
    assert!(
        out.contains("biased.yaml, "),
        "bank-wide warnings name the inputs: {out}"
    );
}

#[test]
fn stats_shows_the_spread_and_the_warnings() {
    let output = bin()
        .args(["stats", "--today", "2026-06-01"])
        .arg(fixture("biased.yaml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let out = stdout(&output);
    assert!(out.contains("A                      9   100%"), "{out}");
    assert!(
        out.contains("true/false answered true: 8 of 8 (100%)"),
        "{out}"
    );
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(err.matches("warning:").count(), 6, "{err}");

    let json = bin()
        .args(["stats", "--json", "--today", "2026-06-01"])
        .arg(fixture("balanced.yaml"))
        .output()
        .unwrap();
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["balance"]["key_positions"]["B"], 3, "{value}");
    assert_eq!(value["balance"]["true_answers"], 4, "{value}");
}
