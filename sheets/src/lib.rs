//! Streaming CSV and XLSX writers for dautri's reports: rankings, participation tables, prize
//! lists, sized for a round of a million participants.
//!
//! ```
//! use sheets::{Cell, ChunkWriter, Format, SheetWriter};
//!
//! let mut chunks = Vec::new(); // the server sends each chunk into a channel instead
//! let sink = ChunkWriter::new(|chunk| {
//!     chunks.push(chunk);
//!     Ok(())
//! });
//! let mut sheet = SheetWriter::new(Format::Xlsx, sink, "Xếp hạng", &["Hạng", "Họ tên", "Điểm"])?;
//! sheet.row(&[Cell::Int(1), Cell::from("Nguyễn Văn Á"), Cell::Float(9.75)])?;
//! sheet.finish()?.finish()?;
//! assert!(!chunks.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Streaming design
//! A [`SheetWriter`] encodes each row as soon as it is given and passes the bytes to its
//! [`std::io::Write`] sink, so memory stays constant whatever the row count and the first
//! bytes reach the client while the database is still being read. Nothing in either format
//! needs to know the row count or to go back in the output:
//!
//! - CSV is written through the `csv` crate's fixed-size buffer.
//! - XLSX is a zip written with data descriptors (no seeking), with the worksheet as the last
//!   entry and cells as inline strings instead of a shared-string table, which would grow with
//!   the data. Only the first 100 rows are held back, to choose column widths; see the `xlsx`
//!   module's implementation notes.
//!
//! The writers are blocking. In the server, run one on a blocking thread with a
//! [`ChunkWriter`] sink whose callback sends 64 KiB chunks into a bounded channel that the
//! HTTP response body reads; a full channel then pauses the export instead of buffering it.
//!
//! # Formula neutralisation
//! Names and unit names come from participants, so a cell such as `=HYPERLINK(...)` or
//! `@SUM(...)` must never become a live formula in an organizer's Excel. Every text cell
//! starting with `=`, `+`, `-`, `@`, tab or carriage return ([`is_formula_like`]) is
//! protected; numbers, including negative [`Cell::Int`]s, are not text and are left alone.
//!
//! - **CSV** has no cell types, so the text is prefixed with `'`. Excel shows the quote, but
//!   the cell cannot run; this is OWASP's recommendation, and the only protection CSV allows.
//! - **XLSX** inline strings are never formulas, so the text is kept exactly as given. The
//!   cell additionally gets Excel's `quotePrefix` style, the mark Excel itself puts on text
//!   typed with a leading `'`: an organizer who edits the cell and presses Enter keeps text
//!   instead of creating a live formula. The mark is cell formatting, not content, so it does
//!   not travel everywhere: LibreOffice's "save as CSV" writes the bare text (checked), and so
//!   may Excel's. A CSV for other tools should come from [`Format::Csv`], which is prefixed.
//!
//! Dates and times are written in UTC (convert first for local time), and percentages are
//! fractions (`0.455` is 45.5%); see [`Cell`] for how each value is rendered.
//!
//! # Which format to offer
//! XLSX for people. CSV follows RFC 4180 (comma, decimal point), which is right for tools, but
//! Excel opens a double-clicked CSV with the Windows regional list separator and decimal
//! symbol: on a machine set to a decimal-comma region, Vietnamese included, rows may land in
//! one column and `9.75` may not read as a number. CSV is also the way out of XLSX's limit of
//! 1,048,576 rows ([`Format::max_rows`]).

mod cell;
mod chunk;
mod csv_sheet;
mod error;
mod format;
mod neutralise;
pub mod read;
mod render;
mod sheet_name;
mod writer;
mod xlsx;

pub use cell::Cell;
pub use chunk::{ChunkWriter, DEFAULT_CHUNK_SIZE};
pub use error::SheetError;
pub use format::{Format, UnknownFormat};
pub use neutralise::is_formula_like;
pub use sheet_name::sanitize_sheet_name;
pub use writer::{SheetBuilder, SheetWriter};
