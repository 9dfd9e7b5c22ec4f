//! The `question-bank` binary, run on temporary files.

// Helpers outside #[test] fns are test code too; clippy.toml only covers the fns themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_question-bank"))
}

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("qb-cli-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, contents: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

const GOOD: &str = "topic:\n  code: law\n  name: Pháp luật\nquestions:\n  - text: Câu một?\n    options:\n      - {text: Có, correct: true}\n      - {text: Không}\n";

#[test]
fn validate_good_directory_exits_zero_with_summary() {
    let dir = TempDir::new();
    dir.write("a/law.yaml", GOOD.as_bytes());
    dir.write(
        "b/history.yml",
        GOOD.replace("law", "history")
            .replace("Câu một", "Câu hai")
            .as_bytes(),
    );
    dir.write("notes.txt", b"ignored in directories");
    let output = bin().arg("validate").arg(&dir.0).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert!(
        stdout(&output).contains("2 file(s), 2 question(s), 0 problem(s)"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn validate_prints_file_line_field_and_exits_one() {
    let dir = TempDir::new();
    let bad = GOOD.replace(
        "      - {text: Có, correct: true}\n",
        "      - {text: Có}\n",
    );
    let file = dir.write("law.yaml", bad.as_bytes());
    let output = bin().arg("validate").arg(&file).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let expected = format!(
        "{}:5: correct: exactly one option must be correct, found 0",
        file.display()
    );
    assert!(stdout(&output).contains(&expected), "{}", stdout(&output));
    let vi = bin()
        .arg("--vi")
        .arg("validate")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        stdout(&vi).contains("phải có đúng một đáp án đúng"),
        "{}",
        stdout(&vi)
    );
}

#[test]
fn duplicates_across_files_name_the_earlier_file() {
    let dir = TempDir::new();
    dir.write("a.yaml", GOOD.as_bytes());
    dir.write("b.yaml", GOOD.replace("code: law", "code: law2").as_bytes());
    let output = bin().arg("validate").arg(&dir.0).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("already appears at"),
        "{}",
        stdout(&output)
    );
    assert!(stdout(&output).contains("a.yaml:5"), "{}", stdout(&output));
}

#[test]
fn empty_directory_is_an_error() {
    let dir = TempDir::new();
    let output = bin().arg("validate").arg(&dir.0).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("no questions found"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn convert_round_trips_and_refuses_bad_input() {
    let dir = TempDir::new();
    let xlsx = dir.0.join("rich.xlsx");
    let output = bin()
        .arg("convert")
        .arg(fixture("rich.yaml"))
        .arg(&xlsx)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let back = dir.0.join("back.yaml");
    let output = bin().arg("convert").arg(&xlsx).arg(&back).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let original = question_bank::read(
        &std::fs::read(fixture("rich.yaml")).unwrap(),
        "rich.yaml",
        &Default::default(),
    );
    let again = question_bank::read(
        &std::fs::read(&back).unwrap(),
        "back.yaml",
        &Default::default(),
    );
    assert_eq!(again.questions, original.questions);

    let bad = dir.write(
        "bad.csv",
        b"topic_code,text,option_a,option_b,correct\nlaw,Q?,a,b,Z\n",
    );
    let out = dir.0.join("out.yaml");
    let output = bin().arg("convert").arg(&bad).arg(&out).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(!out.exists());
    let output = bin()
        .arg("convert")
        .arg(fixture("rich.yaml"))
        .arg(dir.0.join("x.gift"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn convert_gift_with_default_topic() {
    let dir = TempDir::new();
    let file = dir.write("q.txt", b"Q? {=a ~b}\n\nR? {F}\n");
    let out = dir.0.join("q.csv");
    let output = bin()
        .args([
            "--topic-code",
            "law",
            "--topic-name",
            "Pháp luật",
            "convert",
        ])
        .arg(&file)
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert!(
        csv.contains("law,Pháp luật,true_false,R?,Đúng,Sai"),
        "{csv}"
    );
}

#[test]
fn stats_table_and_json() {
    let output = bin()
        .arg("stats")
        .arg(fixture("rich.yaml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("law.cyber"), "{}", stdout(&output));
    let output = bin()
        .args(["stats", "--json"])
        .arg(fixture("rich.yaml"))
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["total"], 4);
    assert_eq!(json["by_kind"]["multiple"], 1);
    assert_eq!(json["by_status"]["retired"], 1);
}

#[test]
fn template_command_writes_a_readable_file() {
    let dir = TempDir::new();
    for name in ["t.xlsx", "t.csv", "t.yaml"] {
        let path = dir.0.join(name);
        let output = bin().arg("template").arg(&path).output().unwrap();
        assert_eq!(output.status.code(), Some(0));
        let output = bin().arg("validate").arg(&path).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{name}: {}", stdout(&output));
    }
}

#[test]
fn starter_bank_validates() {
    let bank = Path::new(env!("CARGO_MANIFEST_DIR")).join("bank");
    let has_files = std::fs::read_dir(&bank)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if !has_files {
        return;
    }
    let output = bin().arg("validate").arg(&bank).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
}

#[test]
fn convert_to_a_directory_writes_one_yaml_per_topic() {
    let dir = TempDir::new();
    let out = dir.0.join("bank");
    let output = bin()
        .arg("convert")
        .arg(fixture("rich.yaml"))
        .arg(format!("{}/", out.display()))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["history.youth_union.yaml", "law.cyber.yaml"]);
    let output = bin().arg("validate").arg(&out).output().unwrap();
    assert!(
        stdout(&output).contains("2 file(s), 4 question(s), 0 problem(s)"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn convert_shuffles_options_reproducibly_with_a_seed() {
    let dir = TempDir::new();
    let convert = |name: &str, seed: &str| {
        let out = dir.0.join(name);
        let output = bin()
            .arg("convert")
            .arg(fixture("biased.yaml"))
            .arg(&out)
            .args(["--shuffle-options", "--seed", seed])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
        assert!(
            stdout(&output).contains(&format!("options shuffled with --seed {seed}")),
            "{}",
            stdout(&output)
        );
        let bytes = std::fs::read(&out).unwrap();
        let report = question_bank::read(&bytes, name, &Default::default());
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        (bytes, report.questions)
    };
    let (first, questions) = convert("a.yaml", "19");
    let (again, _) = convert("b.yaml", "19");
    assert_eq!(first, again, "the same seed gives the same file");
    let (other, _) = convert("c.yaml", "20");
    assert_ne!(first, other);

    // Every key of the biased file is A; shuffled, they are not, and each key kept its text.
    let original = question_bank::read(
        &std::fs::read(fixture("biased.yaml")).unwrap(),
        "biased.yaml",
        &Default::default(),
    );
    let keys_on_a = questions.iter().filter(|q| q.options[0].correct).count();
    assert!(
        keys_on_a < questions.len() / 2,
        "{keys_on_a} keys still on A"
    );
    for (shuffled, before) in questions.iter().zip(&original.questions) {
        let key = |q: &question_bank::Question| {
            q.options
                .iter()
                .filter(|o| o.correct)
                .map(|o| o.text.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(key(shuffled), key(before), "{}", before.text);
    }

    let no_flag = bin()
        .arg("convert")
        .arg(fixture("biased.yaml"))
        .arg(dir.0.join("d.yaml"))
        .args(["--seed", "1"])
        .output()
        .unwrap();
    assert_eq!(
        no_flag.status.code(),
        Some(2),
        "--seed needs --shuffle-options"
    );
}
