//! Hostile input: random bytes and truncated files fed to every reader must give problems,
//! never a panic or a hang.

// Helpers outside #[test] fns are test code too; clippy.toml only covers the fns themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use question_bank::{Format, Limits, ReadOptions, read, read_with};

/// Small deterministic PRNG (xorshift64*), so failures reproduce without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, len: usize, alphabet: &[u8]) -> Vec<u8> {
        (0..len)
            .map(|_| {
                let r = self.next();
                if alphabet.is_empty() {
                    r as u8
                } else {
                    alphabet[(r % alphabet.len() as u64) as usize]
                }
            })
            .collect()
    }
}

fn read_as_every_format(bytes: &[u8]) {
    for format in Format::ALL {
        let options = ReadOptions {
            format: Some(format),
            ..ReadOptions::default()
        };
        let _ = read_with(bytes, "input", &options);
    }
    for name in ["x.yaml", "x.csv", "x.xlsx", "x.gift", "x.txt", "x.xml", "x"] {
        let _ = read(bytes, name, &Limits::default());
    }
}

/// Valid samples of every format, to truncate and mutate.
fn samples() -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let rich = std::fs::read(dir.join("rich.yaml")).unwrap();
    let questions = read(&rich, "rich.yaml", &Limits::default()).questions;
    let mut out = vec![
        rich,
        question_bank::write(&questions, Format::Csv).unwrap(),
        question_bank::write(&questions, Format::Xlsx).unwrap(),
    ];
    for name in ["sample.gift", "sample.aiken.txt", "sample-moodle.xml"] {
        out.push(std::fs::read(dir.join(name)).unwrap());
    }
    out
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let syntax = b"{}[]<>=~#:-,;\"'\\/\n\t &!$%ABCxyz01 \xC3\xA0";
    for round in 0..150 {
        let len = (rng.next() % 600) as usize;
        let alphabet: &[u8] = if round % 2 == 0 { &[] } else { syntax };
        read_as_every_format(&rng.bytes(len, alphabet));
    }
}

#[test]
fn truncated_and_mutated_files_never_panic() {
    let mut rng = Rng(42);
    for sample in samples() {
        let step = (sample.len() / 60).max(1);
        for cut in (0..sample.len()).step_by(step) {
            read_as_every_format(&sample[..cut]);
        }
        for _ in 0..30 {
            let mut mutated = sample.clone();
            for _ in 0..4 {
                let at = (rng.next() % mutated.len() as u64) as usize;
                mutated[at] = rng.next() as u8;
            }
            read_as_every_format(&mutated);
        }
    }
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let limits = Limits {
        max_file_bytes: 1000,
        ..Limits::default()
    };
    let report = read(&vec![b'a'; 1001], "big.yaml", &limits);
    assert_eq!(report.problems.len(), 1);
    assert!(report.problems[0].message_en.contains("at most 1000"));
}

#[test]
fn deep_yaml_nesting_is_refused_quickly() {
    let deep = format!(
        "topic: {{code: x}}\nquestions: {}{}\n",
        "[".repeat(200_000),
        "]".repeat(200_000)
    );
    let started = std::time::Instant::now();
    let report = read(deep.as_bytes(), "deep.yaml", &Limits::default());
    assert!(
        report.problems[0].message_en.contains("levels deep"),
        "{:?}",
        report.problems
    );
    assert!(started.elapsed().as_secs() < 5);
}

/// Found by the fuzzer (`tests/fuzz.rs`): a GIFT question with thousands of options compared
/// every pair of options (an edit distance each) for near-duplicates, 2.6 s for a 50 KB file
/// in a release build. Over the option limit that check is skipped (the count is a problem
/// already) and exact repeats are found with a map.
#[test]
fn a_question_with_thousands_of_options_is_read_quickly() {
    let mut gift = String::from("::Q:: Câu hỏi? {\n=đúng\n");
    for i in 0..4000 {
        gift.push_str(&format!("~phương án sai số {}\n~trùng\n", i % 7));
    }
    gift.push_str("}\n");
    let started = std::time::Instant::now();
    let report = read(gift.as_bytes(), "many.gift", &Limits::default());
    let took = started.elapsed();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.to_string().contains("options, found 8001")),
        "{:?}",
        report.problems.first()
    );
    assert!(took < std::time::Duration::from_secs(5), "took {took:?}");
}
