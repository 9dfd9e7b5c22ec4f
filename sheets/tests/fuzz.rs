//! Fuzzes `read_table` (the reader behind unit and admission imports) with CSV and XLSX
//! mutants of `fuzz/corpus/{csv,xlsx}/` and of hostile workbooks built in code: no panic, no
//! input over its time or memory budget, and the limits it promises hold.
//!
//! CI runs a fixed number of inputs with a fixed seed (deterministic). For a long local run,
//! which also saves inputs with new outcomes into the corpus:
//!
//! ```text
//! DAUTRI_FUZZ_SECONDS=300 DAUTRI_FUZZ_SEED=7 cargo test --release -p sheets --test fuzz -- --nocapture
//! ```
//!
//! See `question-bank/FORMATS.md` ("Fuzzing the readers").

// Helpers outside #[test] fns are test code too; clippy.toml only covers the fns themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../fuzz/engine.rs"]
mod engine;

use engine::{Config, Outcome, Target, fuzz, hostile_workbooks, shape, signature};
use sheets::read::{ReadLimits, read_table};

const CSV_DICTIONARY: &[&str] = &[
    "\"",
    "\"\"",
    ",",
    ";",
    "\n",
    "\r\n",
    "\r",
    "=HYPERLINK(\"x\")",
    "+1",
    "@SUM(A1)",
    "\u{feff}",
    "mã,tên\n",
    "\0",
];

const XLSX_DICTIONARY: &[&str] = &[
    "<row r=\"1048576\">",
    "</row>",
    "<c r=\"XFD1048576\" t=\"inlineStr\"><is><t>x</t></is></c>",
    "<c r=\"B2\" t=\"s\"><v>7</v></c>",
    "<c r=\"A3\"><f>1+1</f><v>2</v></c>",
    "<c r=\"C2\" t=\"e\"><v>#N/A</v></c>",
    "<c r=\"D2\" t=\"d\"><v>2024-02-30T00:00:00</v></c>",
    "<c r=\"E2\" t=\"n\"><v>1e308</v></c>",
    "<dimension ref=\"A1:XFD1048576\"/>",
    "<![CDATA[",
    "]]>",
    "&amp;",
    "&#0;",
    "&#x10FFFF;",
    "<!DOCTYPE x [<!ENTITY a \"aaaaaaaa\">]>",
    "&a;",
    "<si><t>s</t></si>",
    " t=\"s\"",
    " t=\"b\"",
    " s=\"99999\"",
    " r=\"\"",
];

fn limits(variant: u64) -> ReadLimits {
    if variant.is_multiple_of(2) {
        ReadLimits::default()
    } else {
        ReadLimits {
            max_file_bytes: 200 * 1024,
            max_rows: 10,
            max_columns: 5,
            max_uncompressed_bytes: 512 * 1024,
            max_compression_ratio: 20,
            max_zip_entries: 20,
        }
    }
}

/// Runs `read_table` and checks what it promises.
fn run(bytes: &[u8], variant: u64, name: Option<&str>) -> Outcome {
    let limits = limits(variant);
    match read_table(bytes, name, &limits) {
        Err(e) => Outcome::Fine(signature(&shape(&e.to_string()))),
        Ok(table) => {
            if table.rows.len() > limits.max_rows {
                return Outcome::Violation(format!(
                    "{} rows, limit {}",
                    table.rows.len(),
                    limits.max_rows
                ));
            }
            if table.header.len() > limits.max_columns
                || table
                    .rows
                    .iter()
                    .any(|r| r.cells.len() > limits.max_columns)
            {
                return Outcome::Violation(format!(
                    "more than {} columns kept",
                    limits.max_columns
                ));
            }
            if table
                .rows
                .iter()
                .any(|r| r.cells.len() < table.header.len())
            {
                return Outcome::Violation("a row is shorter than the header".into());
            }
            if table.header.iter().all(String::is_empty) {
                return Outcome::Violation("an empty header was taken".into());
            }
            let mut last = 0;
            for row in &table.rows {
                if row.number <= last {
                    return Outcome::Violation(format!(
                        "row numbers out of order: {} after {last}",
                        row.number
                    ));
                }
                last = row.number;
                if row.cells.iter().all(String::is_empty) {
                    return Outcome::Violation(format!("row {} is empty but kept", row.number));
                }
            }
            if table
                .header
                .iter()
                .chain(table.rows.iter().flat_map(|r| &r.cells))
                .any(|c| c.trim() != c)
            {
                return Outcome::Violation("a cell is not trimmed".into());
            }
            Outcome::Fine(signature(&(
                "ok",
                table.header.len(),
                table.rows.len().min(12),
                variant % 2,
            )))
        }
    }
}

fn fuzz_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

#[test]
fn read_table_survives_mutated_files() {
    let config = Config::from_env(1500);
    let csv = |bytes: &[u8], variant: u64| {
        let name = [Some("units.csv"), None, Some("units.txt")][(variant / 2 % 3) as usize];
        run(bytes, variant, name)
    };
    let xlsx = |bytes: &[u8], variant: u64| {
        let name = [Some("units.xlsx"), None][(variant / 2 % 2) as usize];
        run(bytes, variant, name)
    };
    let targets = [
        Target {
            name: "csv",
            fuzz_dir: fuzz_dir(),
            seeds: Vec::new(),
            dictionary: CSV_DICTIONARY,
            run: &csv,
        },
        Target {
            name: "xlsx",
            fuzz_dir: fuzz_dir(),
            seeds: hostile_workbooks(
                &["code", "name", "parent_code", "birth_date"],
                &["A1", "Chi đoàn 1", "", "2001-02-03"],
            ),
            dictionary: XLSX_DICTIONARY,
            run: &xlsx,
        },
    ];
    let reports: Vec<_> = targets
        .iter()
        .filter(|t| config.only.as_deref().is_none_or(|o| o == t.name))
        .map(|t| fuzz(t, &config))
        .collect();
    engine::conclude(&reports);
}
