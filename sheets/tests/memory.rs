//! Resident memory stays flat while rows are written: the writer keeps nothing per row.
//!
//! Its own test binary (so no other test allocates meanwhile) and Linux-only (it reads
//! `/proc/self/statm`).

// Helpers outside #[test] functions panic on failure too, as tests should.
#![allow(clippy::expect_used, clippy::unwrap_used)]
#![cfg(target_os = "linux")]

mod common;

use common::instant;
use sheets::{Cell, ChunkWriter, Format, SheetWriter};

/// Resident set size in bytes.
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("procfs is mounted");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|field| field.parse().ok())
        .expect("statm has a resident field");
    pages * 4096
}

#[test]
fn memory_does_not_grow_with_rows() {
    for format in [Format::Xlsx, Format::Csv] {
        let mut delivered = 0usize;
        let sink = ChunkWriter::new(|chunk: Vec<u8>| {
            delivered += chunk.len();
            Ok(())
        });
        let mut sheet = SheetWriter::new(format, sink, "Xếp hạng", &["Hạng", "Họ tên", "Nộp lúc"])
            .expect("start");
        let mut name = String::new();
        let mut write_rows = |sheet: &mut SheetWriter<_>, from: u32, to: u32| {
            for n in from..to {
                name.clear();
                name.push_str("Trần Thị Bé ");
                name.push_str(&n.to_string());
                sheet
                    .row(&[
                        Cell::Int(i64::from(n)),
                        Cell::from(name.as_str()),
                        Cell::DateTime(instant(2024, 1, 1, 0, 0, 0)),
                    ])
                    .expect("row");
            }
        };

        // Warm up so every buffer has reached its working size, then write 10x as many rows.
        write_rows(&mut sheet, 0, 20_000);
        let before = rss();
        write_rows(&mut sheet, 20_000, 220_000);
        let after = rss();
        sheet.finish().expect("finish").finish().expect("hand over");

        // 200k rows are ~15 MB of CSV and ~30 MB of sheet XML; keeping even the compressed
        // XLSX (~3.4 MB) would show. The allowance covers allocator noise only.
        let growth = after.saturating_sub(before);
        assert!(
            growth < 2 * 1024 * 1024,
            "{format}: RSS grew by {growth} bytes over 200k rows"
        );
        assert!(
            delivered > 2_000_000,
            "{format}: only {delivered} bytes written"
        );
    }
}
