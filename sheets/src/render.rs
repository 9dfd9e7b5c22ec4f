//! Plain-text renderings of numbers and dates shared by the CSV and XLSX writers.
//!
//! Everything appends to a reused `Vec<u8>` so a row costs no allocation once the buffer has
//! grown to the widest row.

use std::fmt::Display;
use std::io::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

/// Appends `value` through its `Display` impl.
fn push_display(buf: &mut Vec<u8>, value: impl Display) {
    // Writing into a Vec cannot fail; the Result only exists for other sinks.
    let _ = write!(buf, "{value}");
}

/// Appends the decimal digits of `value`.
///
/// Hand-rolled because integers are the most common cell and this avoids the formatting
/// machinery; `push_display` would be correct too.
pub(crate) fn push_i64(buf: &mut Vec<u8>, value: i64) {
    let mut digits = [0u8; 20];
    let mut n = value.unsigned_abs();
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if value < 0 {
        buf.push(b'-');
    }
    buf.extend_from_slice(&digits[start..]);
}

/// Appends `n` zero-padded to `width` digits (`n` must fit).
fn push_padded(buf: &mut Vec<u8>, n: u32, width: usize) {
    let mut digits = [b'0'; 4];
    let mut n = n;
    for slot in digits[..width].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    buf.extend_from_slice(&digits[..width]);
}

/// Appends the shortest text that reads back as exactly `value`, which must be finite.
///
/// Very large or small magnitudes use exponent notation (`1e20`), which both Excel and CSV
/// readers accept, instead of Rust's `Display` that would spell out hundreds of digits.
pub(crate) fn push_f64(buf: &mut Vec<u8>, value: f64) {
    let magnitude = value.abs();
    if value == 0.0 {
        // Also turns -0.0 into "0": a negative zero only confuses readers.
        buf.push(b'0');
    } else if (1e-9..1e16).contains(&magnitude) {
        push_display(buf, value);
    } else {
        push_display(buf, format_args!("{value:e}"));
    }
}

/// Appends `fraction` as a percentage with at most four decimals and no trailing zeros,
/// e.g. `0.455` → `45.5%`; `fraction` must be finite. Excel reads this form back as the
/// number 0.455 with a percent format.
pub(crate) fn push_percent(buf: &mut Vec<u8>, fraction: f64) {
    let start = buf.len();
    push_display(buf, format_args!("{:.4}", fraction * 100.0));
    while buf.last() == Some(&b'0') {
        buf.pop();
    }
    if buf.last() == Some(&b'.') {
        buf.pop();
    }
    if &buf[start..] == b"-0" {
        buf.truncate(start);
        buf.push(b'0');
    }
    buf.push(b'%');
}

/// Appends `date` as ISO 8601 `YYYY-MM-DD`. Years outside 0..=9999 get chrono's signed form
/// (`+10000-01-01`), which the text neutralisation then treats like any text.
pub(crate) fn push_iso_date(buf: &mut Vec<u8>, date: NaiveDate) {
    match u32::try_from(date.year()) {
        Ok(year) if year <= 9999 => {
            push_padded(buf, year, 4);
            buf.push(b'-');
            push_padded(buf, date.month(), 2);
            buf.push(b'-');
            push_padded(buf, date.day(), 2);
        }
        _ => push_display(buf, date),
    }
}

/// Appends `at` in UTC as `YYYY-MM-DD HH:MM:SS`, dropping fractions of a second. The space
/// (not ISO's `T`) is what Excel recognises as a date-time when it opens a CSV.
pub(crate) fn push_iso_datetime(buf: &mut Vec<u8>, at: DateTime<Utc>) {
    push_iso_date(buf, at.date_naive());
    buf.push(b' ');
    push_padded(buf, at.hour(), 2);
    buf.push(b':');
    push_padded(buf, at.minute(), 2);
    buf.push(b':');
    push_padded(buf, at.second(), 2);
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn render(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut buf = Vec::new();
        f(&mut buf);
        String::from_utf8(buf).expect("renderers write UTF-8")
    }

    #[test]
    fn integers_match_display() {
        for n in [0, 7, -7, 10, 1_000_000, i64::MAX, i64::MIN] {
            assert_eq!(render(|b| push_i64(b, n)), n.to_string());
        }
    }

    #[test]
    fn floats_round_trip() {
        for x in [
            0.1,
            -2.5,
            1e20,
            1.5e-12,
            123_456.789,
            f64::MAX,
            f64::MIN_POSITIVE,
        ] {
            let text = render(|b| push_f64(b, x));
            assert_eq!(text.parse::<f64>().ok(), Some(x), "{text}");
        }
        assert_eq!(render(|b| push_f64(b, -0.0)), "0");
    }

    #[test]
    fn percents_drop_trailing_zeros() {
        let cases = [
            (0.455, "45.5%"),
            (1.0, "100%"),
            (0.0, "0%"),
            (-0.05, "-5%"),
            (1.0 / 3.0, "33.3333%"),
            (-0.000_000_1, "0%"),
        ];
        for (fraction, expected) in cases {
            assert_eq!(render(|b| push_percent(b, fraction)), expected);
        }
    }

    #[test]
    fn dates_are_iso() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 9).expect("valid date");
        assert_eq!(render(|b| push_iso_date(b, date)), "2024-03-09");
        let far = NaiveDate::from_ymd_opt(12345, 1, 2).expect("valid date");
        assert_eq!(render(|b| push_iso_date(b, far)), "+12345-01-02");
        let at = Utc
            .with_ymd_and_hms(2024, 12, 31, 23, 5, 9)
            .single()
            .expect("valid instant")
            + chrono::Duration::milliseconds(999);
        assert_eq!(render(|b| push_iso_datetime(b, at)), "2024-12-31 23:05:09");
    }
}
