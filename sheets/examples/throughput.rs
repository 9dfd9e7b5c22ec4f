//! Rows per second of the XLSX and CSV writers on ranking-shaped rows, against a baseline
//! that only formats the same values with `write!`.
//!
//! ```text
//! cargo run --release -p sheets --example throughput -- 1000000
//! ```
//!
//! Everything runs on one thread and writes into a byte-counting `io::sink`, so the figures
//! are the CPU cost of encoding (and, for XLSX, compressing) alone.

use std::error::Error;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use sheets::{Cell, Format, SheetWriter};

const HEADER: [&str; 7] = [
    "Hạng",
    "Họ và tên",
    "Đơn vị",
    "Điểm",
    "Thời gian làm bài (ms)",
    "Hoàn thành lúc",
    "Giải",
];

const UNITS: [&str; 4] = [
    "Đoàn Khối các cơ quan Trung ương",
    "Tỉnh đoàn Nghệ An",
    "Thành đoàn Hà Nội",
    "Đoàn Thanh niên Bộ Công an",
];

/// `io::sink` that remembers how many bytes it swallowed.
#[derive(Default)]
struct CountingSink {
    bytes: u64,
}

impl Write for CountingSink {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.bytes += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One ranking row, built the same way for every contender.
struct Row<'a> {
    rank: i64,
    name: &'a str,
    unit: &'static str,
    score: f64,
    time_ms: i64,
    finished_at: DateTime<Utc>,
    prize: &'static str,
}

/// Calls `each` with row `n` for `n` in `0..rows`, reusing one name buffer.
fn for_each_row(
    rows: u64,
    start: DateTime<Utc>,
    mut each: impl FnMut(&Row<'_>) -> Result<(), Box<dyn Error>>,
) -> Result<(), Box<dyn Error>> {
    let mut name = String::new();
    for n in 0..rows {
        name.clear();
        write!(name, "Nguyễn V*** {}", n % 9_973)?;
        let rank = n as i64 + 1;
        let row = Row {
            rank,
            name: &name,
            unit: UNITS[(n % 4) as usize],
            score: 100.0 - (n % 10_000) as f64 / 100.0,
            time_ms: 300_000 + (n % 900_000) as i64,
            finished_at: start + chrono::Duration::milliseconds(n as i64 * 37),
            prize: match rank {
                1 => "Giải Nhất",
                2..=4 => "Giải Nhì",
                5..=10 => "Giải Ba",
                11..=40 => "Giải Khuyến khích",
                _ => "",
            },
        };
        each(&row)?;
    }
    Ok(())
}

fn run_sheet(
    format: Format,
    rows: u64,
    start: DateTime<Utc>,
) -> Result<(Duration, u64), Box<dyn Error>> {
    let began = Instant::now();
    let mut sheet = SheetWriter::new(format, CountingSink::default(), "Xếp hạng", &HEADER)?;
    for_each_row(rows, start, |row| {
        sheet.row(&[
            Cell::Int(row.rank),
            Cell::from(row.name),
            Cell::from(row.unit),
            Cell::Float(row.score),
            Cell::Int(row.time_ms),
            Cell::DateTime(row.finished_at),
            Cell::from(row.prize),
        ])?;
        Ok(())
    })?;
    let sink = sheet.finish()?;
    Ok((began.elapsed(), sink.bytes))
}

fn run_baseline(rows: u64, start: DateTime<Utc>) -> Result<(Duration, u64), Box<dyn Error>> {
    let began = Instant::now();
    let mut sink = CountingSink::default();
    for_each_row(rows, start, |row| {
        writeln!(
            sink,
            "{},{},{},{},{},{},{}",
            row.rank,
            row.name,
            row.unit,
            row.score,
            row.time_ms,
            row.finished_at.format("%Y-%m-%d %H:%M:%S"),
            row.prize
        )?;
        Ok(())
    })?;
    Ok((began.elapsed(), sink.bytes))
}

fn main() -> Result<(), Box<dyn Error>> {
    let rows: u64 = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 1_000_000,
    };
    let start = Utc
        .with_ymd_and_hms(2024, 3, 15, 8, 0, 0)
        .single()
        .ok_or("invalid start time")?;

    let (baseline, baseline_bytes) = run_baseline(rows, start)?;
    let rate = |elapsed: Duration| rows as f64 / elapsed.as_secs_f64();
    println!("{rows} ranking rows, one thread, into io::sink");
    println!(
        "{:<10} {:>12.0} rows/s  {:>8.3} s  {:>12} bytes",
        "baseline",
        rate(baseline),
        baseline.as_secs_f64(),
        baseline_bytes
    );
    for format in [Format::Xlsx, Format::Csv] {
        let (elapsed, bytes) = run_sheet(format, rows, start)?;
        println!(
            "{:<10} {:>12.0} rows/s  {:>8.3} s  {:>12} bytes  {:.2}x baseline time",
            format.extension(),
            rate(elapsed),
            elapsed.as_secs_f64(),
            bytes,
            elapsed.as_secs_f64() / baseline.as_secs_f64()
        );
    }
    Ok(())
}
