//! Shared body of the question-reader targets: `read_with` with the format forced, under the
//! default limits or tight ones (picked by the input's length, so both are reached), and the
//! promises `read_with` makes checked after it returns.

use question_bank::{Format, Limits, ReadOptions, read_with};

/// Tight limits, so the fuzzer reaches the question, size and zip limits with small inputs.
const TIGHT: Limits = Limits {
    max_file_bytes: 200 * 1024,
    max_questions: 3,
    max_uncompressed_bytes: 512 * 1024,
    max_compression_ratio: 20,
    max_zip_entries: 20,
};

/// The readers catch a panic inside calamine and answer an error (`catch_unwind` in
/// `sheets::read`); libfuzzer-sys's panic hook would abort on that caught panic first. A quiet
/// hook lets the reader's own catch work, and a panic that escapes the reader still aborts
/// (libfuzzer-sys turns an unwinding target into a crash).
fn quiet_caught_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| std::panic::set_hook(Box::new(|_| {})));
}

pub fn check(format: Format, bytes: &[u8]) {
    quiet_caught_panics();
    let limits = if bytes.len() % 2 == 1 { TIGHT } else { Limits::default() };
    let options = ReadOptions {
        limits,
        default_topic: None,
        format: Some(format),
    };
    let report = read_with(bytes, &format!("upload.{}", format.extension()), &options);
    assert!(
        report.questions.len() <= limits.max_questions,
        "{} questions read, limit {}",
        report.questions.len(),
        limits.max_questions
    );
    assert_eq!(
        report.questions.len(),
        report.lines.len(),
        "every question keeps its line"
    );
    assert!(
        !(report.questions.is_empty() && report.problems.is_empty()),
        "no questions and no problem"
    );
    if report.problems.is_empty() {
        for q in &report.questions {
            assert!(q.validate().is_empty(), "question {:?} read cleanly but is invalid", q.text);
        }
    }
}
