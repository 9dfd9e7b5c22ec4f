//! The output formats and what the HTTP layer needs to know about them.

use std::fmt;
use std::str::FromStr;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// RFC 4180 CSV in UTF-8 with a byte-order mark; for tools, and for Excel when a sheet
    /// exceeds XLSX's row limit.
    Csv,
    /// An Office Open XML workbook with one sheet; what organizers should get by default.
    Xlsx,
}

impl Format {
    /// The `Content-Type` of a response carrying this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The file-name extension, without the dot.
    pub const fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    /// The most rows (title and header rows included) a sheet can have, if limited. Check it
    /// before starting a response: the writer can only fail once the download is under way.
    pub const fn max_rows(self) -> Option<u32> {
        match self {
            Format::Csv => None,
            Format::Xlsx => Some(crate::xlsx::MAX_ROWS),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// The error of parsing a [`Format`] from text other than `csv` or `xlsx`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown sheet format {0:?}, expected \"csv\" or \"xlsx\"")]
pub struct UnknownFormat(pub String);

/// Parses the extension, case-insensitively, so `?format=xlsx` maps directly.
impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("csv") {
            Ok(Format::Csv)
        } else if s.eq_ignore_ascii_case("xlsx") {
            Ok(Format::Xlsx)
        } else {
            Err(UnknownFormat(s.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_its_own_extension() {
        for format in [Format::Csv, Format::Xlsx] {
            assert_eq!(format.extension().parse(), Ok(format));
            assert_eq!(format.to_string().to_uppercase().parse(), Ok(format));
        }
        assert!("xls".parse::<Format>().is_err());
    }
}
