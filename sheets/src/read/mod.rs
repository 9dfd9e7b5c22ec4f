//! Reading an uploaded table (CSV or XLSX) into rows of text, within hard limits.
//!
//! Unit imports, admission imports and the load tool read their spreadsheets here, so a
//! hostile file meets the same guards whichever endpoint it is sent to:
//!
//! - the file size is checked first ([`ReadLimits::max_file_bytes`]);
//! - an XLSX zip is opened and every part decompressed into a sink before calamine sees it,
//!   counting real bytes against a budget (the headers' declared sizes can lie) and against a
//!   ratio to the file's size, with a cap on the number of parts ([`check_zip`]);
//! - the sheet is then streamed cell by cell, never as a `Range`: calamine's `Range` allocates
//!   the sheet's bounding box, so one cell in A2 and one in XFD1048576 would ask for 512 GiB.
//!   Cells right of [`ReadLimits::max_columns`] are ignored and reading stops with
//!   [`ReadError::TooManyRows`] at the first row with text past the limit, so what is kept is
//!   bounded by rows × columns whatever the sheet claims;
//! - CSV is decoded (UTF-8, or UTF-16 with its byte-order mark) and read record by record with
//!   the same row limit.
//!
//! Reading is blocking and CPU-bound; a server runs [`read_table`] on a blocking thread.
//!
//! ```
//! use sheets::read::{ReadLimits, read_table};
//!
//! let table = read_table(b"code,name\nA1,Chi \xC4\x91o\xC3\xA0n 1\n", Some("units.csv"), &ReadLimits::default())?;
//! assert_eq!(table.header, ["code", "name"]);
//! assert_eq!(table.rows[0].number, 2);
//! assert_eq!(table.rows[0].cells, ["A1", "Chi đoàn 1"]);
//! # Ok::<(), sheets::read::ReadError>(())
//! ```

mod csv_table;
mod date;
mod error;
mod xlsx_table;
mod zip_guard;

pub use date::parse_date;
pub use error::ReadError;
pub use zip_guard::check_zip;

/// Caps applied to one uploaded table. The defaults suit imports from unit offices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Largest file accepted, in bytes (compressed, for XLSX).
    pub max_file_bytes: usize,
    /// Most data rows after the header. Reading stops at the first row past it.
    pub max_rows: usize,
    /// Columns beyond this many are ignored.
    pub max_columns: usize,
    /// Largest total size of an XLSX file's parts once decompressed, counted while
    /// decompressing.
    pub max_uncompressed_bytes: u64,
    /// Largest ratio of decompressed to compressed size (zip bombs exceed it by far; real
    /// workbooks stay under 20).
    pub max_compression_ratio: u64,
    /// Most parts inside an XLSX zip.
    pub max_zip_entries: usize,
}

impl Default for ReadLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 20 * 1024 * 1024,
            max_rows: 50_000,
            max_columns: 64,
            // 50,000 rows of a dozen short cells unpack to about 15 MB of sheet XML.
            max_uncompressed_bytes: 64 * 1024 * 1024,
            max_compression_ratio: 100,
            max_zip_entries: 1000,
        }
    }
}

/// A table read from a file: the header (the first row with any text) and the data rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// The header's cells, trimmed.
    pub header: Vec<String>,
    /// The rows below the header that have any text, in order.
    pub rows: Vec<Row>,
}

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row's number as the spreadsheet shows it (1 = the first line of the file), so an
    /// error can point at it.
    pub number: usize,
    /// The row's cells, trimmed, aligned with [`Table::header`] (missing cells are empty).
    pub cells: Vec<String>,
}

/// Which reader a file needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Csv,
    Xlsx,
}

fn kind_of(bytes: &[u8], file_name: Option<&str>) -> Result<Kind, ReadError> {
    let lower = file_name.unwrap_or("").to_ascii_lowercase();
    let looks_zip = bytes.starts_with(b"PK\x03\x04");
    if lower.ends_with(".xlsx") || (looks_zip && !lower.ends_with(".csv")) {
        return if looks_zip {
            Ok(Kind::Xlsx)
        } else {
            Err(ReadError::NotAWorkbook)
        };
    }
    if lower.is_empty() || lower.ends_with(".csv") || lower.ends_with(".txt") {
        Ok(Kind::Csv)
    } else {
        Err(ReadError::UnsupportedType)
    }
}

/// Reads the first sheet of an XLSX workbook or a CSV file, chosen by the file's name and
/// first bytes.
pub fn read_table(
    bytes: &[u8],
    file_name: Option<&str>,
    limits: &ReadLimits,
) -> Result<Table, ReadError> {
    if bytes.len() > limits.max_file_bytes {
        return Err(ReadError::FileTooLarge {
            max_bytes: limits.max_file_bytes,
        });
    }
    let mut builder = TableBuilder::new(limits);
    match kind_of(bytes, file_name)? {
        Kind::Csv => csv_table::read(bytes, &mut builder)?,
        Kind::Xlsx => xlsx_table::read(bytes, limits, &mut builder)?,
    }
    builder.finish()
}

/// Collects cells row by row; shared by both readers so they agree on what a row is.
struct TableBuilder {
    max_rows: usize,
    max_columns: usize,
    header: Option<Vec<String>>,
    rows: Vec<Row>,
    current: Option<(usize, Vec<String>)>,
}

impl TableBuilder {
    fn new(limits: &ReadLimits) -> Self {
        Self {
            max_rows: limits.max_rows,
            max_columns: limits.max_columns,
            header: None,
            rows: Vec::new(),
            current: None,
        }
    }

    /// Sets the cell at `column` (0-based) of row `number` (1-based). Rows must come in order
    /// (a row that goes back is [`ReadError::Damaged`]); cells of one row in any order.
    fn cell(&mut self, number: usize, column: usize, text: &str) -> Result<(), ReadError> {
        if column >= self.max_columns {
            return Ok(());
        }
        let text = text.trim();
        if text.is_empty() {
            return Ok(());
        }
        if let Some((current, _)) = &self.current
            && number < *current
        {
            // Excel writes rows in order; a sheet that goes back would split a row in two.
            return Err(ReadError::Damaged(format!(
                "row {number} comes after row {current}"
            )));
        }
        if self.current.as_ref().is_none_or(|(n, _)| *n != number) {
            // Only rows with text are counted and kept, so a sparse sheet costs what it holds,
            // wherever its cells sit.
            self.end_row()?;
            self.current = Some((number, Vec::new()));
        }
        if let Some((_, cells)) = &mut self.current {
            if cells.len() <= column {
                cells.resize(column + 1, String::new());
            }
            cells[column] = text.to_owned();
        }
        Ok(())
    }

    fn end_row(&mut self) -> Result<(), ReadError> {
        let Some((number, cells)) = self.current.take() else {
            return Ok(());
        };
        if self.header.is_none() {
            self.header = Some(cells);
            return Ok(());
        }
        if self.rows.len() >= self.max_rows {
            return Err(ReadError::TooManyRows {
                max_rows: self.max_rows,
            });
        }
        self.rows.push(Row { number, cells });
        Ok(())
    }

    fn finish(mut self) -> Result<Table, ReadError> {
        self.end_row()?;
        let header = self.header.ok_or(ReadError::Empty)?;
        let width = header.len();
        let rows = self
            .rows
            .into_iter()
            .map(|mut row| {
                row.cells.resize(width.max(row.cells.len()), String::new());
                row
            })
            .collect();
        Ok(Table { header, rows })
    }
}
