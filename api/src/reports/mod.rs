//! Reports and exports: rankings, participation by unit and prize lists as XLSX or CSV, written
//! row by row into the HTTP response (the `sheets` crate), so a round of a million entrants is
//! never held in memory.
//!
//! # Implementation notes
//! The writers are blocking, so a report runs on a blocking thread: it fetches its rows page by
//! page (blocking on the async reads through the runtime handle) and hands each 64 KiB chunk to
//! a bounded channel that the response body drains. A slow client therefore pauses the report
//! instead of buffering it. Once the first bytes are out the status is sent: a failure later
//! is logged and cuts the download short, which a spreadsheet program reports as a damaged file
//! rather than a silently incomplete one.

pub mod participation;

use std::collections::VecDeque;
use std::future::Future;
use std::io;

use actix_web::HttpResponse;
use actix_web::web::Bytes;
use sheets::{ChunkWriter, Format, SheetBuilder, SheetWriter};
use tokio::sync::mpsc;

use crate::error::ApiError;

/// Where a report's bytes go.
pub type Sink = ChunkWriter<Box<dyn FnMut(Vec<u8>) -> io::Result<()> + Send>>;

/// A report being written.
pub type Sheet = SheetWriter<Sink>;

/// What a report looks like before its rows.
pub struct Layout {
    /// Spreadsheet or CSV.
    pub format: Format,
    /// File name without extension (ASCII is safest; diacritics are sent in `filename*`).
    pub file_stem: String,
    /// Worksheet name.
    pub sheet_name: String,
    /// Lines above the header (title, unit, date range).
    pub title_rows: Vec<String>,
    /// Column headers.
    pub header: Vec<&'static str>,
}

/// Streams a report: `fill` runs on a blocking thread and writes the rows; the response starts
/// as soon as the first chunk is ready.
pub fn stream<F>(layout: Layout, fill: F) -> HttpResponse
where
    F: FnOnce(&mut Sheet, &tokio::runtime::Handle) -> Result<(), ApiError> + Send + 'static,
{
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(8);
    let handle = tokio::runtime::Handle::current();
    let format = layout.format;
    let file = format!("{}.{}", layout.file_stem, format.extension());
    let error_tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let deliver: Box<dyn FnMut(Vec<u8>) -> io::Result<()> + Send> = Box::new(move |chunk| {
            tx.blocking_send(Ok(Bytes::from(chunk)))
                .map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
        });
        let outcome = (|| {
            let header: Vec<&str> = layout.header.clone();
            let mut builder = SheetBuilder::new(format, &layout.sheet_name, &header);
            for line in &layout.title_rows {
                builder = builder.title_row(line.as_str());
            }
            let mut sheet = builder
                .build(ChunkWriter::new(deliver))
                .map_err(sheet_error)?;
            fill(&mut sheet, &handle)?;
            sheet
                .finish()
                .map_err(sheet_error)?
                .finish()
                .map_err(|e| sheet_error(e.into()))
        })();
        if let Err(e) = outcome {
            tracing::error!(error = %crate::error::cause_chain(&e), "export failed part-way");
            let _ = error_tx.blocking_send(Err(io::Error::other("export failed")));
        }
    });
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"{}\"; filename*=UTF-8''{}",
                ascii_name(&file),
                percent_encode(&file)
            ),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .streaming(body)
}

/// Page reads kept in flight while the writer works through the earliest one.
///
/// A page of a large export costs a few milliseconds of waiting on Redis and the database and
/// little CPU here, so with one read ahead the writer mostly waits; a few concurrent reads keep
/// it busy. Four pages of a thousand rows is a few megabytes at most.
pub const READ_AHEAD: usize = 4;

/// Feeds `write` the pages `fetch(0)`, `fetch(size)`, `fetch(2 × size)`, … in order, with up to
/// [`READ_AHEAD`] reads running concurrently on the runtime, until a page comes back with fewer
/// than `size` rows (that page is still written). Reads already started past the end are
/// cancelled.
pub fn paged<T, Fut>(
    rt: &tokio::runtime::Handle,
    size: u64,
    mut fetch: impl FnMut(u64) -> Fut,
    mut write: impl FnMut(Vec<T>) -> Result<(), ApiError>,
) -> Result<(), ApiError>
where
    T: Send + 'static,
    Fut: Future<Output = Result<Vec<T>, ApiError>> + Send + 'static,
{
    let mut next = 0;
    let mut in_flight = VecDeque::with_capacity(READ_AHEAD);
    let mut start = |in_flight: &mut VecDeque<tokio::task::JoinHandle<_>>| {
        in_flight.push_back(rt.spawn(fetch(next)));
        next += size;
    };
    for _ in 0..READ_AHEAD {
        start(&mut in_flight);
    }
    let outcome = (|| {
        while let Some(read) = in_flight.pop_front() {
            let rows = rt
                .block_on(read)
                .map_err(|e| ApiError::Unexpected(anyhow::Error::new(e)))??;
            let last = (rows.len() as u64) < size;
            if !last {
                start(&mut in_flight);
            }
            write(rows)?;
            if last {
                break;
            }
        }
        Ok(())
    })();
    for read in in_flight {
        read.abort();
    }
    outcome
}

fn sheet_error(e: sheets::SheetError) -> ApiError {
    ApiError::Unexpected(anyhow::Error::new(e))
}

/// The file name with anything but safe ASCII replaced, for old clients.
fn ascii_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// RFC 5987 encoding of a UTF-8 file name.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `x/y = z%` as units report participation (`x/–` without a member count).
pub fn rate_text(participants: i64, members: Option<i32>) -> String {
    match members.filter(|m| *m > 0) {
        #[allow(clippy::cast_precision_loss)]
        Some(m) => format!(
            "{participants}/{m} = {:.1}%",
            participants as f64 * 100.0 / f64::from(m)
        ),
        None => format!("{participants}/–"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_read_as_units_write_them() {
        assert_eq!(rate_text(45, Some(60)), "45/60 = 75.0%");
        assert_eq!(rate_text(1, Some(3)), "1/3 = 33.3%");
        assert_eq!(rate_text(5, Some(0)), "5/–");
        assert_eq!(rate_text(0, None), "0/–");
    }

    /// Runs `paged` over `total` numbered rows in pages of `size`, the reads finishing in a
    /// shuffled order; a read at `fail_at` fails. Returns the outcome, the rows written in
    /// order, the reads started and the most reads ever started but not yet written.
    fn run_paged(
        total: u64,
        size: u64,
        fail_at: Option<u64>,
    ) -> (Result<(), ApiError>, Vec<u64>, usize, usize) {
        use rand::Rng;
        use std::cell::Cell;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .expect("runtime");
        let (started, written, most) = (Cell::new(0usize), Cell::new(0usize), Cell::new(0usize));
        let mut rows = Vec::new();
        let outcome = paged(
            rt.handle(),
            size,
            |offset| {
                started.set(started.get() + 1);
                most.set(most.get().max(started.get() - written.get()));
                let delay = rand::rng().random_range(0..3_000);
                async move {
                    tokio::time::sleep(std::time::Duration::from_micros(delay)).await;
                    if fail_at == Some(offset) {
                        return Err(ApiError::Unexpected(anyhow::anyhow!("read failed")));
                    }
                    Ok((offset..total.min(offset + size)).collect::<Vec<u64>>())
                }
            },
            |page| {
                written.set(written.get() + 1);
                rows.extend(page);
                Ok(())
            },
        );
        (outcome, rows, started.get(), most.get())
    }

    #[test]
    fn pages_are_written_in_order_with_reads_ahead() {
        for (total, size) in [
            (0, 5),
            (3, 5),
            (5, 5),
            (10, 5),
            (23, 5),
            (1_000, 7),
            (64, 1),
        ] {
            let (outcome, rows, started, most) = run_paged(total, size, None);
            assert!(outcome.is_ok(), "{total}/{size}");
            assert_eq!(rows, (0..total).collect::<Vec<_>>(), "{total}/{size}");
            // Every page is full but the last; each full page written starts one more read.
            let pages = usize::try_from(total / size + 1).expect("small");
            assert_eq!(started, pages - 1 + READ_AHEAD, "{total}/{size}");
            // The next read starts before a full page is written: that page and READ_AHEAD
            // reads are then outstanding.
            let full = total >= size;
            assert_eq!(most, READ_AHEAD + usize::from(full), "{total}/{size}");
        }
    }

    #[test]
    fn a_failed_read_stops_the_report_after_the_pages_before_it() {
        let (outcome, rows, _, _) = run_paged(100, 10, Some(30));
        assert!(outcome.is_err());
        assert_eq!(rows, (0..30).collect::<Vec<_>>());
    }

    #[test]
    fn file_names_survive_in_both_forms() {
        assert_eq!(ascii_name("xếp-hạng tuần 1.xlsx"), "x_p-h_ng_tu_n_1.xlsx");
        assert_eq!(percent_encode("Đ a.csv"), "%C4%90%20a.csv");
    }
}
