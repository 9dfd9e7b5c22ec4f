//! The XLSX writer: one worksheet streamed row by row into a deflated zip.
//!
//! # Implementation notes
//! - The zip is written with `ZipWriter::new_stream`, which needs no `Seek`: each entry's sizes
//!   and CRC follow its data in a data descriptor, and the central directory is written at the
//!   end from a few bytes of bookkeeping per entry. So the sink can be a pipe, a socket or a
//!   [`crate::ChunkWriter`].
//! - Cells use inline strings (`t="inlineStr"`). The usual shared-string table would have to
//!   hold every distinct string until the end, i.e. memory growing with the row count; inline
//!   strings cost some file size, which deflate mostly takes back.
//! - The small parts (content types, relationships, workbook, styles) are written first; the
//!   worksheet is the last entry, so rows go straight into the compressor as they arrive.
//! - Column widths must appear before the rows. Unless the caller fixes them all, the writer
//!   holds back the first [`SAMPLE_ROWS`] rows (as XML, a bounded amount) and sizes the columns
//!   from the header and those rows, so a date-time column is not shown as `#####`.

mod parts;
mod serial;
mod xml;

use std::io::Write;

use zip::ZipWriter;
use zip::write::{SimpleFileOptions, StreamWriter};

use crate::cell::Cell;
use crate::error::SheetError;
use crate::neutralise::is_formula_like;
use crate::render;
use parts::style;

/// Excel's row limit per sheet.
pub(crate) const MAX_ROWS: u32 = 1_048_576;

/// Excel's column limit per sheet.
pub(crate) const MAX_COLUMNS: usize = 16_384;

/// Data rows held back to size the columns.
pub(crate) const SAMPLE_ROWS: usize = 100;

/// Deflate level of every entry. Measured with `examples/throughput.rs` (1M ranking rows):
/// level 1 is no faster and its output is half as large again (55 MB against 36 MB), while
/// level 6 saves another 6% at well over twice the CPU time.
const DEFLATE_LEVEL: i64 = 3;

/// Column width bounds, in Excel's unit (the width of a `0` in the default font).
const MIN_WIDTH: f64 = 6.0;
const MAX_WIDTH: f64 = 60.0;

/// An XLSX sheet being written.
pub(crate) struct XlsxSheet<W: Write> {
    zip: ZipWriter<StreamWriter<W>>,
    /// XML of the row being written; reused, so it stays as large as the widest row.
    row: Vec<u8>,
    /// `A`, `B`, … for each column of the header.
    columns: Vec<String>,
    /// 1-based number of the next row.
    next_row: u32,
    /// Until the worksheet's start is written: what is needed to write it.
    pending: Option<Pending>,
}

/// The sheet's beginning while column widths are still being measured.
struct Pending {
    /// Rows above the data (titles and header), frozen when scrolling.
    frozen_rows: u32,
    /// Width of each column in characters; `fixed` ones were set by the caller.
    widths: Vec<f64>,
    fixed: Vec<bool>,
    /// XML of the rows written so far, titles and header included.
    rows_xml: Vec<u8>,
    /// Data rows among them.
    data_rows: usize,
}

impl<W: Write> XlsxSheet<W> {
    /// Writes the package's fixed parts and buffers the title and header rows.
    pub(crate) fn new(
        sink: W,
        sheet_name: &str,
        titles: &[&str],
        header: &[&str],
        widths: &[f64],
    ) -> Result<Self, SheetError> {
        if header.len() > MAX_COLUMNS {
            return Err(SheetError::TooManyColumns {
                limit: MAX_COLUMNS,
                got: header.len(),
            });
        }
        // No Zip64: the plain format is the one every reader handles, and its 4 GiB limit on
        // the sheet XML is out of reach within Excel's row limit unless rows average 4 KiB.
        // Past it, the zip crate fails the write (an `Io` error), not the file.
        let mut zip = ZipWriter::new_stream(sink);
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(DEFLATE_LEVEL));
        let workbook = parts::workbook(&crate::sanitize_sheet_name(sheet_name));
        for (path, content) in [
            ("[Content_Types].xml", parts::CONTENT_TYPES),
            ("_rels/.rels", parts::ROOT_RELS),
            ("xl/workbook.xml", workbook.as_str()),
            ("xl/_rels/workbook.xml.rels", parts::WORKBOOK_RELS),
            ("xl/styles.xml", parts::STYLES),
        ] {
            zip.start_file(path, options)?;
            zip.write_all(content.as_bytes())?;
        }
        zip.start_file(parts::SHEET_PATH, options)?;

        let mut widths_chars = Vec::with_capacity(header.len());
        let mut fixed = Vec::with_capacity(header.len());
        for (index, name) in header.iter().enumerate() {
            match widths.get(index) {
                Some(width) => {
                    widths_chars.push(*width);
                    fixed.push(true);
                }
                // Bold text is about a tenth wider.
                None => {
                    widths_chars.push(text_width(name) * 1.1);
                    fixed.push(false);
                }
            }
        }
        let mut sheet = Self {
            zip,
            row: Vec::new(),
            columns: (0..header.len()).map(xml::column_letters).collect(),
            next_row: 1,
            pending: Some(Pending {
                frozen_rows: 0,
                widths: widths_chars,
                fixed,
                rows_xml: Vec::new(),
                data_rows: 0,
            }),
        };

        for (index, title) in titles.iter().enumerate() {
            let (plain, quoted) = if index == 0 {
                (Some(style::TITLE), style::TITLE_QUOTED)
            } else {
                (None, style::QUOTED)
            };
            sheet.start_row()?;
            sheet.text_cell(0, title, plain, quoted);
            sheet.end_row();
            sheet.hold_row();
        }
        sheet.start_row()?;
        for (index, name) in header.iter().enumerate() {
            sheet.text_cell(index, name, Some(style::HEADER), style::HEADER_QUOTED);
        }
        sheet.end_row();
        sheet.hold_row();
        if let Some(pending) = sheet.pending.as_mut() {
            pending.frozen_rows = sheet.next_row - 1;
        }
        if sheet
            .pending
            .as_ref()
            .is_some_and(|p| p.fixed.iter().all(|f| *f))
        {
            sheet.write_pending()?;
        }
        Ok(sheet)
    }

    /// Writes one data row (already checked to have one cell per column).
    pub(crate) fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), SheetError> {
        self.start_row()?;
        for (index, cell) in cells.iter().enumerate() {
            self.cell(index, cell);
        }
        self.end_row();

        let Some(pending) = self.pending.as_mut() else {
            self.zip.write_all(&self.row)?;
            return Ok(());
        };
        measure(pending, cells);
        pending.data_rows += 1;
        let sampled_enough = pending.data_rows >= SAMPLE_ROWS;
        self.hold_row();
        if sampled_enough {
            self.write_pending()?;
        }
        Ok(())
    }

    /// Ends the worksheet and the zip, and returns the flushed sink.
    pub(crate) fn finish(mut self) -> Result<W, SheetError> {
        self.write_pending()?;
        self.zip.write_all(parts::SHEET_END.as_bytes())?;
        let mut sink = self.zip.finish()?.into_inner();
        sink.flush()?;
        Ok(sink)
    }

    /// Writes the worksheet's start and the held-back rows, once.
    fn write_pending(&mut self) -> Result<(), SheetError> {
        let Some(pending) = self.pending.take() else {
            return Ok(());
        };
        let widths: Vec<f64> = pending
            .widths
            .iter()
            .zip(&pending.fixed)
            .map(|(width, fixed)| {
                if *fixed {
                    *width
                } else {
                    (width + 2.0).clamp(MIN_WIDTH, MAX_WIDTH)
                }
            })
            .collect();
        self.zip
            .write_all(parts::sheet_start(pending.frozen_rows, &widths).as_bytes())?;
        self.zip.write_all(&pending.rows_xml)?;
        Ok(())
    }

    /// Copies the current row's XML to the held-back rows.
    fn hold_row(&mut self) {
        if let Some(pending) = self.pending.as_mut() {
            pending.rows_xml.extend_from_slice(&self.row);
        }
    }

    fn start_row(&mut self) -> Result<(), SheetError> {
        if self.next_row > MAX_ROWS {
            return Err(SheetError::TooManyRows { limit: MAX_ROWS });
        }
        self.row.clear();
        self.row.extend_from_slice(b"<row r=\"");
        render::push_i64(&mut self.row, i64::from(self.next_row));
        self.row.extend_from_slice(b"\">");
        Ok(())
    }

    fn end_row(&mut self) {
        self.row.extend_from_slice(b"</row>");
        self.next_row += 1;
    }

    fn cell(&mut self, column: usize, cell: &Cell<'_>) {
        match cell {
            Cell::Text(text) => self.text_cell(column, text, None, style::QUOTED),
            Cell::Int(n) => {
                self.open_number(column, None);
                render::push_i64(&mut self.row, *n);
                self.close_number();
            }
            Cell::Float(x) if x.is_finite() => {
                self.open_number(column, None);
                render::push_f64(&mut self.row, *x);
                self.close_number();
            }
            Cell::Percent(x) if x.is_finite() => {
                self.open_number(column, Some(style::PERCENT));
                render::push_f64(&mut self.row, *x);
                self.close_number();
            }
            Cell::Date(date) => match serial::date_serial(*date) {
                Some(day) => {
                    self.open_number(column, Some(style::DATE));
                    render::push_i64(&mut self.row, day);
                    self.close_number();
                }
                None => self.text_fallback(column, |buf| render::push_iso_date(buf, *date)),
            },
            Cell::DateTime(at) => match serial::datetime_serial(*at) {
                Some(serial) => {
                    self.open_number(column, Some(style::DATETIME));
                    render::push_f64(&mut self.row, serial);
                    self.close_number();
                }
                None => self.text_fallback(column, |buf| render::push_iso_datetime(buf, *at)),
            },
            // An absent `<c>` is an empty cell; the `r` attributes keep the others in place.
            Cell::Float(_) | Cell::Percent(_) | Cell::Empty => {}
        }
    }

    /// Writes `<c r="B7"` plus the style attribute; the caller adds the rest.
    fn open_cell(&mut self, column: usize, style: Option<u8>) {
        self.row.extend_from_slice(b"<c r=\"");
        if let Some(letters) = self.columns.get(column) {
            self.row.extend_from_slice(letters.as_bytes());
        }
        render::push_i64(&mut self.row, i64::from(self.next_row));
        self.row.push(b'"');
        if let Some(style) = style {
            self.row.extend_from_slice(b" s=\"");
            render::push_i64(&mut self.row, i64::from(style));
            self.row.push(b'"');
        }
    }

    /// Writes `<c r="B7" s="6"><v>`; the caller pushes the number and calls
    /// [`Self::close_number`].
    fn open_number(&mut self, column: usize, style: Option<u8>) {
        self.open_cell(column, style);
        self.row.extend_from_slice(b"><v>");
    }

    fn close_number(&mut self) {
        self.row.extend_from_slice(b"</v></c>");
    }

    /// Writes a text cell in `plain` style, or `quoted` when it looks like a formula.
    fn text_cell(&mut self, column: usize, text: &str, plain: Option<u8>, quoted: u8) {
        if text.is_empty() {
            return;
        }
        let style = if is_formula_like(text) {
            Some(quoted)
        } else {
            plain
        };
        self.open_cell(column, style);
        self.row.extend_from_slice(b" t=\"inlineStr\"><is><t");
        if xml::has_edge_whitespace(text) {
            self.row.extend_from_slice(b" xml:space=\"preserve\"");
        }
        self.row.push(b'>');
        xml::push_text(&mut self.row, text);
        self.row.extend_from_slice(b"</t></is></c>");
    }

    /// Writes a date Excel cannot represent as the text CSV would show.
    fn text_fallback(&mut self, column: usize, render: impl FnOnce(&mut Vec<u8>)) {
        let mut text = Vec::new();
        render(&mut text);
        // The renderers only write ASCII.
        let text = String::from_utf8_lossy(&text);
        self.text_cell(column, &text, None, style::QUOTED);
    }
}

/// Widens the measured columns to fit `cells`.
fn measure(pending: &mut Pending, cells: &[Cell<'_>]) {
    // Only the sampled rows are measured, so a scratch buffer per row is no concern.
    let mut scratch = Vec::new();
    let columns = pending.widths.iter_mut().zip(&pending.fixed);
    for ((width, fixed), cell) in columns.zip(cells) {
        if *fixed {
            continue;
        }
        scratch.clear();
        let needed = match cell {
            Cell::Text(text) => text_width(text),
            Cell::Int(n) => {
                render::push_i64(&mut scratch, *n);
                scratch.len() as f64
            }
            // The General format shows at most 11 characters of a number.
            Cell::Float(x) if x.is_finite() => {
                render::push_f64(&mut scratch, *x);
                scratch.len().min(11) as f64
            }
            Cell::Date(_) => 10.0,
            Cell::DateTime(_) => 19.0,
            Cell::Percent(_) => 8.0,
            Cell::Float(_) | Cell::Empty => 0.0,
        };
        *width = width.max(needed);
    }
}

/// Rough display width of `text` in characters, capped at the widest column. Line breaks are
/// counted as characters: without the wrap style Excel shows the text on one line.
fn text_width(text: &str) -> f64 {
    text.chars().take(MAX_WIDTH as usize).count() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_rows_past_excel_limit() {
        let mut sheet = XlsxSheet::new(Vec::new(), "s", &[], &["n"], &[]).expect("start");
        // Skip ahead rather than write a million rows.
        sheet.next_row = MAX_ROWS;

        sheet.row(&[Cell::Int(1)]).expect("the last row fits");
        let err = sheet.row(&[Cell::Int(2)]).expect_err("one row too many");

        assert!(
            matches!(err, SheetError::TooManyRows { limit: MAX_ROWS }),
            "{err:?}"
        );
        sheet.finish().expect("the sheet still finishes");
    }

    #[test]
    fn refuses_more_columns_than_excel_has() {
        let header = vec!["c"; MAX_COLUMNS + 1];
        let result = XlsxSheet::new(Vec::new(), "s", &[], &header, &[]);
        assert!(matches!(result, Err(SheetError::TooManyColumns { .. })));
    }
}
