//! The crate's one error type.

use std::io;

/// Everything that can go wrong while writing a sheet.
///
/// Most failures come from the sink (the client went away); the others are limits of the
/// format or a row that does not match its header, which are bugs in the caller.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The sink refused bytes, e.g. the HTTP client disconnected.
    #[error("failed to write the sheet")]
    Io(#[from] io::Error),
    /// The XLSX container could not be written.
    #[error("failed to write the xlsx container")]
    Zip(#[from] zip::result::ZipError),
    /// The CSV encoder failed (in practice only through its sink).
    #[error("failed to write the csv")]
    Csv(#[from] csv::Error),
    /// A data row has a different number of cells than the header has columns.
    #[error("row has {got} cells but the header has {expected} columns")]
    RowWidth {
        /// Columns in the header.
        expected: usize,
        /// Cells in the offending row.
        got: usize,
    },
    /// The sheet would exceed the format's row limit (1,048,576 in XLSX); use CSV instead.
    #[error("the sheet is limited to {limit} rows")]
    TooManyRows {
        /// The format's limit, title and header rows included.
        limit: u32,
    },
    /// The header has more columns than the format allows (16,384 in XLSX).
    #[error("the sheet is limited to {limit} columns, the header has {got}")]
    TooManyColumns {
        /// The format's limit.
        limit: usize,
        /// Columns in the header.
        got: usize,
    },
}
