//! Why a table could not be read. Each message tells an organizer what to do about it.

/// A file that cannot be read as a table. Nothing of it should be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// Larger than [`super::ReadLimits::max_file_bytes`].
    #[error("the file is larger than {} MB", max_bytes / (1024 * 1024))]
    FileTooLarge {
        /// The limit in bytes.
        max_bytes: usize,
    },
    /// Named `.xlsx` but not a zip, or a zip without a workbook.
    #[error(
        "this file is not a valid .xlsx workbook (save it from Excel as .xlsx or as CSV UTF-8)"
    )]
    NotAWorkbook,
    /// Neither CSV nor XLSX.
    #[error("send a .csv or .xlsx file")]
    UnsupportedType,
    /// The zip has more parts than any workbook needs.
    #[error("the workbook has {parts} parts; at most {max_parts} are accepted")]
    TooManyParts {
        /// Parts found.
        parts: usize,
        /// The limit.
        max_parts: usize,
    },
    /// The parts decompress to more than the budget: a zip bomb, or a workbook far larger
    /// than an import needs.
    #[error(
        "the workbook unpacks to more than {} MB; this looks like a zip bomb and was not opened (split the file or save it as CSV)",
        max_bytes / (1024 * 1024)
    )]
    ZipBomb {
        /// The budget that was exceeded, in bytes.
        max_bytes: u64,
    },
    /// More data rows than [`super::ReadLimits::max_rows`].
    #[error("an import may hold at most {max_rows} rows; split the file")]
    TooManyRows {
        /// The limit.
        max_rows: usize,
    },
    /// calamine could not open the workbook or its first sheet.
    #[error("this .xlsx workbook cannot be read: {0}")]
    Damaged(String),
    /// A formula cell: its cached value may be stale or crafted.
    #[error("cell {cell} contains a formula; paste values only")]
    Formula {
        /// The cell's reference, e.g. `B7`.
        cell: String,
    },
    /// A cell holding an error value such as `#REF!`.
    #[error("cell {cell} holds the error value {value}")]
    ErrorValue {
        /// The cell's reference.
        cell: String,
        /// The error as Excel shows it.
        value: String,
    },
    /// A CSV file in an encoding other than UTF-8 or UTF-16 with a byte-order mark.
    #[error("the CSV file is not UTF-8; in Excel choose \"CSV UTF-8\" when saving")]
    NotUtf8,
    /// A CSV record that cannot be parsed.
    #[error("unreadable CSV line {line}: {message}")]
    Csv {
        /// The line (1-based) where the record starts.
        line: u64,
        /// What the parser said.
        message: String,
    },
    /// No cell with text at all.
    #[error("the file is empty")]
    Empty,
}
