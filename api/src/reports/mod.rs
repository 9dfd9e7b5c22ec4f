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

    #[test]
    fn file_names_survive_in_both_forms() {
        assert_eq!(ascii_name("xếp-hạng tuần 1.xlsx"), "x_p-h_ng_tu_n_1.xlsx");
        assert_eq!(percent_encode("Đ a.csv"), "%C4%90%20a.csv");
    }
}
