//! The public writer: one type for both formats, configured through a small builder.

use std::borrow::Cow;
use std::io::Write;

use crate::cell::Cell;
use crate::csv_sheet::CsvSheet;
use crate::error::SheetError;
use crate::format::Format;
use crate::xlsx::XlsxSheet;

/// Writes one sheet, row by row, into a [`Write`] sink.
///
/// Memory use does not depend on the number of rows: each row is encoded and passed on before
/// the next one is accepted (XLSX holds back only the first rows, to size its columns). Call
/// [`SheetWriter::finish`]: without it the file is incomplete.
///
/// # Examples
/// ```
/// use sheets::{Cell, Format, SheetWriter};
///
/// let mut sheet = SheetWriter::new(Format::Csv, Vec::new(), "Xếp hạng", &["Hạng", "Họ tên"])?;
/// sheet.row(&[Cell::Int(1), Cell::from("Nguyễn Văn Á")])?;
/// let bytes = sheet.finish()?;
/// assert_eq!(bytes, "\u{feff}Hạng,Họ tên\r\n1,Nguyễn Văn Á\r\n".as_bytes());
/// # Ok::<(), sheets::SheetError>(())
/// ```
pub struct SheetWriter<W: Write> {
    backend: Backend<W>,
    columns: usize,
    rows: u64,
}

enum Backend<W: Write> {
    // Both boxed: the zip writer is several KiB, the CSV one a few hundred bytes, and
    // `SheetWriter` is moved around by value.
    Csv(Box<CsvSheet<W>>),
    Xlsx(Box<XlsxSheet<W>>),
}

impl<W: Write> SheetWriter<W> {
    /// Starts a sheet with just a header row; use a [`SheetBuilder`] for title rows and column
    /// widths. `sheet_name` is made valid with [`crate::sanitize_sheet_name`] (XLSX
    /// only; CSV has no sheet name).
    pub fn new(
        format: Format,
        sink: W,
        sheet_name: &str,
        header: &[&str],
    ) -> Result<Self, SheetError> {
        SheetBuilder::new(format, sheet_name, header).build(sink)
    }

    /// Writes one data row; it must have exactly one cell per header column.
    pub fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), SheetError> {
        if cells.len() != self.columns {
            return Err(SheetError::RowWidth {
                expected: self.columns,
                got: cells.len(),
            });
        }
        match &mut self.backend {
            Backend::Csv(sheet) => sheet.row(cells)?,
            Backend::Xlsx(sheet) => sheet.row(cells)?,
        }
        self.rows += 1;
        Ok(())
    }

    /// Data rows written so far (title and header rows not counted).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Completes the file, flushes the sink and returns it.
    pub fn finish(self) -> Result<W, SheetError> {
        match self.backend {
            Backend::Csv(sheet) => sheet.finish(),
            Backend::Xlsx(sheet) => sheet.finish(),
        }
    }
}

/// Options of a sheet beyond its header: title rows above it and column widths.
///
/// # Examples
/// ```
/// use sheets::{Format, SheetBuilder};
///
/// let header = ["Hạng", "Họ tên", "Đơn vị"];
/// let sheet = SheetBuilder::new(Format::Xlsx, "Xếp hạng", &header)
///     .title_row("KẾT QUẢ CUỘC THI TÌM HIỂU LỊCH SỬ ĐOÀN")
///     .title_row("Vòng 1: 01/03/2024 – 15/03/2024")
///     .column_widths(&[6.0, 28.0, 40.0])
///     .build(Vec::new())?;
/// let xlsx_bytes = sheet.finish()?;
/// # Ok::<(), sheets::SheetError>(())
/// ```
#[derive(Debug, Clone)]
pub struct SheetBuilder<'a> {
    format: Format,
    sheet_name: &'a str,
    header: &'a [&'a str],
    titles: Vec<Cow<'a, str>>,
    widths: &'a [f64],
}

impl<'a> SheetBuilder<'a> {
    /// A sheet with the given header and no other options.
    pub fn new(format: Format, sheet_name: &'a str, header: &'a [&'a str]) -> Self {
        Self {
            format,
            sheet_name,
            header,
            titles: Vec::new(),
            widths: &[],
        }
    }

    /// Adds a line above the header (report title, unit, date range), in order. In CSV it is a
    /// record with one field; in XLSX the first title is bold and larger. Titles are text and
    /// are neutralised like any text cell.
    pub fn title_row(mut self, text: impl Into<Cow<'a, str>>) -> Self {
        self.titles.push(text.into());
        self
    }

    /// Sets XLSX column widths, in Excel's unit (about one digit of the default font), from
    /// the first column on. Columns without a width are sized from the header and the first
    /// data rows. Ignored by CSV.
    pub fn column_widths(mut self, widths: &'a [f64]) -> Self {
        self.widths = widths;
        self
    }

    /// Writes the beginning of the file (and the title and header rows) into `sink`.
    pub fn build<W: Write>(self, sink: W) -> Result<SheetWriter<W>, SheetError> {
        let titles: Vec<&str> = self.titles.iter().map(AsRef::as_ref).collect();
        let backend = match self.format {
            Format::Csv => Backend::Csv(Box::new(CsvSheet::new(sink, &titles, self.header)?)),
            Format::Xlsx => Backend::Xlsx(Box::new(XlsxSheet::new(
                sink,
                self.sheet_name,
                &titles,
                self.header,
                self.widths,
            )?)),
        };
        Ok(SheetWriter {
            backend,
            columns: self.header.len(),
            rows: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ChunkWriter;

    fn assert_send<T: Send>() {}

    #[test]
    fn writers_can_move_to_a_blocking_thread() {
        assert_send::<SheetWriter<Vec<u8>>>();
        assert_send::<SheetWriter<ChunkWriter<fn(Vec<u8>) -> std::io::Result<()>>>>();
    }
}
