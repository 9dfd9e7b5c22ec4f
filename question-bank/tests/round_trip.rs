//! YAML → XLSX → YAML and YAML → CSV → YAML must be lossless, on a rich sample and on every file
//! of the starter bank.

// Helpers outside #[test] fns are test code too; clippy.toml only covers the fns themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use question_bank::{Format, Limits, Question, read, write};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read_ok(bytes: &[u8], name: &str) -> Vec<Question> {
    let report = read(bytes, name, &Limits::default());
    assert!(report.problems.is_empty(), "{name}: {:#?}", report.problems);
    report.questions
}

fn assert_round_trips(questions: &[Question], name: &str) {
    for format in [Format::Xlsx, Format::Csv, Format::Yaml] {
        let bytes = write(questions, format).unwrap();
        let file = format!("{name}.{}", format.extension());
        let again = read_ok(&bytes, &file);
        assert_eq!(again, questions, "{name} through {format}");
        // And back to YAML once more, byte for byte.
        let yaml_before = write(questions, Format::Yaml).unwrap();
        let yaml_after = write(&again, Format::Yaml).unwrap();
        assert_eq!(
            String::from_utf8(yaml_after).unwrap(),
            String::from_utf8(yaml_before).unwrap(),
            "{name} through {format}"
        );
    }
}

#[test]
fn rich_sample_round_trips_through_every_writable_format() {
    let bytes = std::fs::read(fixture("rich.yaml")).unwrap();
    let questions = read_ok(&bytes, "rich.yaml");
    assert_eq!(questions.len(), 4);
    assert_eq!(questions[3].options[4].text, "Tab\tinside");
    assert!(
        questions[3]
            .explanation
            .as_deref()
            .unwrap()
            .contains("\n\nDòng thứ ba")
    );
    assert_round_trips(&questions, "rich");
}

#[test]
fn every_starter_bank_file_round_trips() {
    let bank = Path::new(env!("CARGO_MANIFEST_DIR")).join("bank");
    let Ok(entries) = std::fs::read_dir(&bank) else {
        return;
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    let mut all = Vec::new();
    for file in &files {
        let name = file.display().to_string();
        let questions = read_ok(&std::fs::read(file).unwrap(), &name);
        assert_round_trips(&questions, &name);
        all.extend(questions);
    }
    if !all.is_empty() {
        assert_round_trips(&all, "whole bank");
    }
}

#[test]
fn templates_read_back_without_problems() {
    for format in [Format::Yaml, Format::Csv, Format::Xlsx] {
        let bytes = question_bank::template(format).unwrap();
        let questions = read_ok(&bytes, &format!("template.{}", format.extension()));
        assert_eq!(questions.len(), 1, "{format}");
    }
    for format in [Format::Gift, Format::Aiken, Format::MoodleXml] {
        assert!(question_bank::template(format).is_err());
        assert!(write(&[], format).is_err());
    }
}

#[test]
fn moodle_family_fixtures_read() {
    for (name, count, warnings) in [
        ("sample.gift", 2, 1),
        ("sample.aiken.txt", 2, 1),
        ("sample-moodle.xml", 1, 1),
    ] {
        let report = read(
            &std::fs::read(fixture(name)).unwrap(),
            name,
            &Limits::default(),
        );
        assert!(report.problems.is_empty(), "{name}: {:#?}", report.problems);
        assert_eq!(report.questions.len(), count, "{name}");
        assert_eq!(
            report.warnings.len(),
            warnings,
            "{name}: {:#?}",
            report.warnings
        );
    }
}
