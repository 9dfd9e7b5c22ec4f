//! Caps applied to every input before and while it is parsed, so a hostile or broken file costs
//! bounded time and memory.

/// Limits on one input file. [`Limits::default`] suits uploads from unit offices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file accepted, in bytes (as uploaded; compressed for XLSX).
    pub max_file_bytes: usize,
    /// Most questions (or data rows) read from one file; reading stops with a problem past it.
    pub max_questions: usize,
    /// Largest total uncompressed size of the parts of an XLSX file (counted while
    /// decompressing, not taken from the zip headers, which can lie).
    pub max_uncompressed_bytes: u64,
    /// Largest ratio of uncompressed to compressed size of an XLSX file (zip bombs exceed it).
    pub max_compression_ratio: u64,
    /// Most parts (files) inside an XLSX zip.
    pub max_zip_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_file_bytes: 20 * 1024 * 1024,
            max_questions: 20_000,
            // A 20,000-question workbook unpacks to about 12 MB; 100 MB leaves room for long texts.
            max_uncompressed_bytes: 100 * 1024 * 1024,
            max_compression_ratio: 100,
            max_zip_entries: 1000,
        }
    }
}
