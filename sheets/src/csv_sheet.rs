//! The CSV writer: UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting.
//!
//! # Implementation notes
//! The BOM is there only for Excel, which otherwise opens UTF-8 as the ANSI code page and
//! mangles every Vietnamese diacritic; other readers (the `csv` crate, pandas with
//! `encoding="utf-8-sig"`) skip it. Quoting is left to the `csv` crate. Memory is the crate's
//! fixed output buffer plus one scratch field, whatever the row count.

use std::io::Write;

use crate::cell::Cell;
use crate::error::SheetError;
use crate::neutralise::is_formula_like;
use crate::render;

/// UTF-8 byte-order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Output buffer of the `csv` writer; larger than its 8 KiB default to make fewer, bigger
/// writes into the sink.
const BUFFER_BYTES: usize = 32 * 1024;

/// A CSV sheet being written.
pub(crate) struct CsvSheet<W: Write> {
    out: csv::Writer<W>,
    /// Scratch space for a field that needs rendering or a quote prefix; reused across cells.
    field: Vec<u8>,
}

impl<W: Write> CsvSheet<W> {
    /// Writes the BOM, the title rows (one field each) and the header.
    pub(crate) fn new(mut sink: W, titles: &[&str], header: &[&str]) -> Result<Self, SheetError> {
        sink.write_all(BOM)?;
        let out = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            // Title rows have one field while data rows have the header's width; the row width
            // is checked by `SheetWriter` instead.
            .flexible(true)
            .buffer_capacity(BUFFER_BYTES)
            .from_writer(sink);
        let mut sheet = Self {
            out,
            field: Vec::new(),
        };
        for title in titles {
            sheet.text(title)?;
            sheet.end_record()?;
        }
        for name in header {
            sheet.text(name)?;
        }
        sheet.end_record()?;
        Ok(sheet)
    }

    /// Writes one data row.
    pub(crate) fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), SheetError> {
        for cell in cells {
            self.cell(cell)?;
        }
        self.end_record()
    }

    /// Flushes everything into the sink and returns it.
    pub(crate) fn finish(self) -> Result<W, SheetError> {
        let mut sink = self
            .out
            .into_inner()
            .map_err(|failed| SheetError::Io(failed.into_error()))?;
        sink.flush()?;
        Ok(sink)
    }

    fn cell(&mut self, cell: &Cell<'_>) -> Result<(), SheetError> {
        self.field.clear();
        match cell {
            Cell::Text(text) => return self.text(text),
            Cell::Int(n) => render::push_i64(&mut self.field, *n),
            Cell::Float(x) if x.is_finite() => render::push_f64(&mut self.field, *x),
            Cell::Percent(x) if x.is_finite() => render::push_percent(&mut self.field, *x),
            Cell::Date(date) => {
                render::push_iso_date(&mut self.field, *date);
                self.neutralise_field();
            }
            Cell::DateTime(at) => {
                render::push_iso_datetime(&mut self.field, *at);
                self.neutralise_field();
            }
            Cell::Float(_) | Cell::Percent(_) | Cell::Empty => {}
        }
        self.out.write_field(&self.field)?;
        Ok(())
    }

    /// Writes `text` as one field, prefixed with `'` when a spreadsheet would take it for a
    /// formula.
    fn text(&mut self, text: &str) -> Result<(), SheetError> {
        if is_formula_like(text) {
            self.field.clear();
            self.field.push(b'\'');
            self.field.extend_from_slice(text.as_bytes());
            self.out.write_field(&self.field)?;
        } else {
            self.out.write_field(text)?;
        }
        Ok(())
    }

    /// Dates before year 0 render with a leading `-` (and after 9999 with `+`); they are text,
    /// so they get the same protection as text.
    fn neutralise_field(&mut self) {
        if matches!(self.field.first(), Some(b'-' | b'+')) {
            self.field.insert(0, b'\'');
        }
    }

    fn end_record(&mut self) -> Result<(), SheetError> {
        self.out.write_record(None::<&[u8]>)?;
        Ok(())
    }
}
