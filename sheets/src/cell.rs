//! The value of one cell, borrowed from the caller's row so that writing a row allocates nothing.
//!
//! Depends on std and chrono only; how each variant is rendered lives in the format modules.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};

/// One cell of a data row.
///
/// Text is a [`Cow`] so the usual case, a `&str` borrowed from a database row, costs no copy,
/// while computed text (a masked name, say) can be passed as an owned `String`.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// Text, written as text even when it looks like a number or a formula (see the crate docs
    /// on formula neutralisation). Empty text is written as an empty cell.
    Text(Cow<'a, str>),
    /// A whole number. Excel stores every number as a double, so integers beyond ±2^53 lose
    /// precision there; pass identifiers (phone numbers, ID card numbers) as [`Cell::Text`].
    Int(i64),
    /// A decimal number. NaN and infinities have no spreadsheet form and are written as empty.
    Float(f64),
    /// A calendar date: ISO `YYYY-MM-DD` in CSV, a real date formatted `yyyy-mm-dd` in XLSX.
    Date(NaiveDate),
    /// An instant, shown in UTC truncated to whole seconds: `YYYY-MM-DD HH:MM:SS` in CSV, a real
    /// date-time formatted `yyyy-mm-dd hh:mm:ss` in XLSX. Convert to local time before if the
    /// report should show Vietnam time.
    DateTime(DateTime<Utc>),
    /// A fraction shown as a percentage: `0.455` is written `45.5%` in CSV and as the number
    /// 0.455 formatted `0.00%` in XLSX.
    Percent(f64),
    /// No value.
    Empty,
}

impl<'a> Cell<'a> {
    /// A text cell from anything that converts into a `Cow<str>` (`&str` or `String`).
    pub fn text(value: impl Into<Cow<'a, str>>) -> Self {
        Cell::Text(value.into())
    }
}

impl<'a> From<&'a str> for Cell<'a> {
    fn from(value: &'a str) -> Self {
        Cell::Text(Cow::Borrowed(value))
    }
}

impl From<String> for Cell<'_> {
    fn from(value: String) -> Self {
        Cell::Text(Cow::Owned(value))
    }
}

impl From<i64> for Cell<'_> {
    fn from(value: i64) -> Self {
        Cell::Int(value)
    }
}

impl From<i32> for Cell<'_> {
    fn from(value: i32) -> Self {
        Cell::Int(i64::from(value))
    }
}

impl From<u32> for Cell<'_> {
    fn from(value: u32) -> Self {
        Cell::Int(i64::from(value))
    }
}

impl From<f64> for Cell<'_> {
    fn from(value: f64) -> Self {
        Cell::Float(value)
    }
}

impl From<NaiveDate> for Cell<'_> {
    fn from(value: NaiveDate) -> Self {
        Cell::Date(value)
    }
}

impl From<DateTime<Utc>> for Cell<'_> {
    fn from(value: DateTime<Utc>) -> Self {
        Cell::DateTime(value)
    }
}

/// `None` becomes [`Cell::Empty`], so nullable columns convert directly.
impl<'a, T: Into<Cell<'a>>> From<Option<T>> for Cell<'a> {
    fn from(value: Option<T>) -> Self {
        value.map_or(Cell::Empty, Into::into)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_pick_the_matching_variant() {
        assert_eq!(Cell::from("a"), Cell::Text(Cow::Borrowed("a")));
        assert_eq!(Cell::from(String::from("b")), Cell::text("b"));
        assert_eq!(Cell::from(-3_i32), Cell::Int(-3));
        assert_eq!(Cell::from(None::<i64>), Cell::Empty);
        assert_eq!(Cell::from(Some(2.5)), Cell::Float(2.5));
    }
}
