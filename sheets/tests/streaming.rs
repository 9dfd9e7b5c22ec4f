//! Long exports: output is handed over in bounded chunks while rows are still being written,
//! and memory does not grow with the row count.

// Helpers outside #[test] functions panic on failure too, as tests should.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use std::cell::RefCell;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use common::instant;
use sheets::{Cell, ChunkWriter, Format, SheetWriter};

const ROWS: u32 = 200_000;
const CHUNK: usize = 16 * 1024;
const HEADER: [&str; 7] = [
    "Hạng",
    "Họ và tên",
    "Đơn vị",
    "Điểm",
    "Thời gian (ms)",
    "Hoàn thành lúc",
    "Giải",
];

/// Writes one ranking-shaped row numbered `n`.
fn write_row<W: std::io::Write>(sheet: &mut SheetWriter<W>, n: u32, name: &mut String) {
    use std::fmt::Write as _;
    name.clear();
    let _ = write!(name, "Nguyễn V*** {n}");
    let prize = match n {
        1 => "Giải Nhất",
        2..=3 => "Giải Nhì",
        _ => "",
    };
    sheet
        .row(&[
            Cell::Int(i64::from(n)),
            Cell::from(name.as_str()),
            Cell::from(if n.is_multiple_of(2) {
                "Đoàn Khối Doanh nghiệp"
            } else {
                "Tỉnh đoàn Nghệ An"
            }),
            Cell::Float(f64::from(ROWS - n) / 1000.0),
            Cell::Int(i64::from(n % 600_000)),
            Cell::DateTime(
                instant(2024, 3, 15, 8, 0, 0) + chrono::Duration::milliseconds(i64::from(n)),
            ),
            Cell::from(prize),
        ])
        .expect("row is written");
}

/// Bytes handed over so far, sampled every `every` rows, plus the chunk sizes.
struct Trace {
    chunk_sizes: Vec<usize>,
    delivered: usize,
    samples: Vec<usize>,
    output: Vec<u8>,
}

fn stream(format: Format, keep_output: bool) -> Trace {
    let trace = RefCell::new(Trace {
        chunk_sizes: Vec::new(),
        delivered: 0,
        samples: Vec::new(),
        output: Vec::new(),
    });
    let sink = ChunkWriter::with_chunk_size(CHUNK, |chunk: Vec<u8>| {
        let mut trace = trace.borrow_mut();
        trace.chunk_sizes.push(chunk.len());
        trace.delivered += chunk.len();
        if keep_output {
            trace.output.extend_from_slice(&chunk);
        }
        Ok(())
    });
    let mut sheet = SheetWriter::new(format, sink, "Xếp hạng", &HEADER).expect("start");
    let mut name = String::new();
    for n in 1..=ROWS {
        write_row(&mut sheet, n, &mut name);
        if n.is_multiple_of(10_000) {
            let delivered = trace.borrow().delivered;
            trace.borrow_mut().samples.push(delivered);
        }
    }
    let sink = sheet.finish().expect("finish");
    assert!(
        sink.buffered() == 0,
        "finish hands over the last partial chunk"
    );
    drop(sink);
    trace.into_inner()
}

fn assert_streams(format: Format) {
    let trace = stream(format, true);
    let total = trace.delivered;

    assert!(
        trace.chunk_sizes.iter().all(|size| *size <= CHUNK),
        "{format}: a chunk exceeded {CHUNK} bytes"
    );
    let (last, full) = trace.chunk_sizes.split_last().expect("some chunks");
    assert!(
        full.iter().all(|size| *size == CHUNK) && *last > 0,
        "{format}: chunks are full"
    );
    assert_eq!(total, trace.output.len());

    // Output keeps pace with the rows: after k/20 of the rows, about k/20 of the bytes have
    // been handed over. The allowed lag is a constant (compressor state, held-back rows),
    // far below what buffering the sheet would take.
    let lag_limit = 512 * 1024;
    for (k, delivered) in trace.samples.iter().enumerate() {
        let expected = total * (k + 1) / trace.samples.len();
        assert!(
            expected.saturating_sub(*delivered) <= lag_limit,
            "{format}: after {}0k rows only {delivered} of ~{expected} bytes were handed over",
            k + 1
        );
    }
    assert!(
        total > 4 * lag_limit,
        "{format}: test too small to show streaming ({total} bytes)"
    );
    check_content(format, &trace.output);
}

fn check_content(format: Format, bytes: &[u8]) {
    match format {
        Format::Csv => {
            let records = common::read_csv(bytes);
            assert_eq!(records.len(), 1 + ROWS as usize);
            assert_eq!(records[1][1], "Nguyễn V*** 1");
            assert_eq!(records[ROWS as usize][0], ROWS.to_string());
        }
        Format::Xlsx => {
            let mut workbook = Xlsx::new(Cursor::new(bytes.to_vec())).expect("valid xlsx");
            let range = workbook.worksheet_range("Xếp hạng").expect("sheet");
            assert_eq!(range.height(), 1 + ROWS as usize);
            assert_eq!(
                range.get_value((1, 1)),
                Some(&Data::String("Nguyễn V*** 1".into()))
            );
            assert_eq!(
                range.get_value((ROWS, 0)),
                Some(&Data::Float(f64::from(ROWS)))
            );
        }
    }
}

#[test]
fn csv_streams_200k_rows_in_bounded_chunks() {
    assert_streams(Format::Csv);
}

#[test]
fn xlsx_streams_200k_rows_in_bounded_chunks() {
    assert_streams(Format::Xlsx);
}
