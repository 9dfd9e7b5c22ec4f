//! Shared body of the sheet-reader targets: `read_table` (unit and admission imports) under
//! the default limits or tight ones, and the table's promises checked when it reads.

use sheets::read::{ReadLimits, read_table};

/// Tight limits, so the fuzzer reaches the row, column, size and zip limits with small inputs.
const TIGHT: ReadLimits = ReadLimits {
    max_file_bytes: 200 * 1024,
    max_rows: 10,
    max_columns: 5,
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

pub fn check(file_name: &str, bytes: &[u8]) {
    quiet_caught_panics();
    let limits = if bytes.len() % 2 == 1 { TIGHT } else { ReadLimits::default() };
    let Ok(table) = read_table(bytes, Some(file_name), &limits) else {
        return;
    };
    assert!(table.rows.len() <= limits.max_rows, "{} rows, limit {}", table.rows.len(), limits.max_rows);
    assert!(table.header.len() <= limits.max_columns, "{} header columns", table.header.len());
    let mut last = 0;
    for row in &table.rows {
        assert!(row.cells.len() <= limits.max_columns, "{} cells kept", row.cells.len());
        assert!(row.cells.len() >= table.header.len(), "a row is shorter than the header");
        assert!(row.number > last, "row numbers out of order: {} after {last}", row.number);
        last = row.number;
        assert!(!row.cells.iter().all(String::is_empty), "row {} is empty but kept", row.number);
    }
    assert!(!table.header.iter().all(String::is_empty), "an empty header was taken");
}
