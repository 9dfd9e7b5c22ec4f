//! Instants written as RFC 3339 text, digit by digit, for the answer path.
//!
//! chrono writes an instant through `core::fmt`, and its `format("…")` parses the pattern
//! again each time: together about 5,000 instructions of every answer save (the response's
//! `saved_at` and the journal's line), counted by `loadtest/instructions.sh`. The text here is
//! byte for byte what chrono writes (the tests compare them); an instant chrono would write
//! otherwise (a year outside 0–9999, a leap second) is left to chrono.

use chrono::{DateTime, Datelike, SecondsFormat, Timelike, Utc};

/// How many digits of the second's fraction to write.
#[derive(Debug, Clone, Copy)]
enum Fraction {
    /// As chrono's `SecondsFormat::AutoSi`: none, 3, 6 or 9, the fewest that keep it exact.
    Auto,
    /// Always 6 (microseconds, cut, not rounded), as `%.6f`.
    Micros,
}

/// `YYYY-MM-DDTHH:MM:SS.fffffffffZ` at most.
const LONGEST: usize = 30;

/// The text of `at`, or `None` where chrono must write it.
fn write(at: &DateTime<Utc>, fraction: Fraction) -> Option<([u8; LONGEST], usize)> {
    let year = at.year();
    let nanos = at.nanosecond();
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        return None;
    }
    let mut out = *b"0000-00-00T00:00:00.000000000Z";
    let (date, time) = (at.date_naive(), at.time());
    put(&mut out, 0, year as u32, 4);
    put(&mut out, 5, date.month(), 2);
    put(&mut out, 8, date.day(), 2);
    put(&mut out, 11, time.hour(), 2);
    put(&mut out, 14, time.minute(), 2);
    put(&mut out, 17, time.second(), 2);
    let (value, width) = match fraction {
        Fraction::Micros => (nanos / 1_000, 6),
        Fraction::Auto if nanos == 0 => (0, 0),
        Fraction::Auto if nanos.is_multiple_of(1_000_000) => (nanos / 1_000_000, 3),
        Fraction::Auto if nanos.is_multiple_of(1_000) => (nanos / 1_000, 6),
        Fraction::Auto => (nanos, 9),
    };
    // `.` and the fraction's digits after the seconds, or nothing; then `Z`.
    let end = if width == 0 { 19 } else { 20 + width };
    put(&mut out, 20, value, width);
    out[end] = b'Z';
    Some((out, end + 1))
}

/// Writes `value`'s last `width` decimal digits at `at`.
fn put(out: &mut [u8; LONGEST], at: usize, mut value: u32, width: usize) {
    for place in (at..at + width).rev() {
        out[place] = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

fn serialize<S: serde::Serializer>(
    at: &DateTime<Utc>,
    fraction: Fraction,
    to: S,
) -> Result<S::Ok, S::Error> {
    match write(at, fraction) {
        // Only ASCII digits and separators were written.
        Some((text, len)) => to.serialize_str(std::str::from_utf8(&text[..len]).unwrap_or("")),
        None => match fraction {
            Fraction::Auto => to.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
            Fraction::Micros => to.collect_str(&at.format("%Y-%m-%dT%H:%M:%S%.6fZ")),
        },
    }
}

/// `serialize_with` for a `DateTime<Utc>`: the same text as its own `Serialize`.
pub fn auto<S: serde::Serializer>(at: &DateTime<Utc>, to: S) -> Result<S::Ok, S::Error> {
    serialize(at, Fraction::Auto, to)
}

/// `serialize_with` for a `DateTime<Utc>` with exactly six digits of fraction
/// (`%Y-%m-%dT%H:%M:%S%.6fZ`).
pub fn micros<S: serde::Serializer>(at: &DateTime<Utc>, to: S) -> Result<S::Ok, S::Error> {
    serialize(at, Fraction::Micros, to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use rand::Rng;

    #[derive(serde::Serialize)]
    struct Both {
        #[serde(serialize_with = "auto")]
        auto: DateTime<Utc>,
        #[serde(serialize_with = "micros")]
        micros: DateTime<Utc>,
        chrono: DateTime<Utc>,
    }

    fn text_of(at: DateTime<Utc>) -> (String, String) {
        let json = serde_json::to_value(Both {
            auto: at,
            micros: at,
            chrono: at,
        })
        .unwrap_or_default();
        assert_eq!(json["auto"], json["chrono"], "auto for {at:?}");
        (
            json["auto"].as_str().unwrap_or_default().to_owned(),
            json["micros"].as_str().unwrap_or_default().to_owned(),
        )
    }

    #[test]
    fn writes_what_chrono_writes() {
        let mut rng = rand::rng();
        let mut cases: Vec<DateTime<Utc>> = vec![
            Utc.timestamp_opt(0, 0).unwrap(),
            Utc.timestamp_opt(1_796_610_000, 0).unwrap(),
            Utc.timestamp_opt(1_796_610_000, 7_000_000).unwrap(),
            Utc.timestamp_opt(1_796_610_000, 7_000).unwrap(),
            Utc.timestamp_opt(1_796_610_000, 7).unwrap(),
            Utc.timestamp_opt(1_796_610_000, 999_999_999).unwrap(),
            Utc.with_ymd_and_hms(2024, 2, 29, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            // Outside 0–9999 and a leap second: chrono writes them.
            Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 1, 1, 0, 0, 0).unwrap(),
            Utc.timestamp_opt(1_483_228_799, 1_500_000_000).unwrap(),
        ];
        for _ in 0..20_000 {
            let seconds = rng.random_range(-62_167_219_200..253_402_300_800_i64);
            let nanos = match rng.random_range(0..4) {
                0 => 0,
                1 => rng.random_range(0..1_000) * 1_000_000,
                2 => rng.random_range(0..1_000_000) * 1_000,
                _ => rng.random_range(0..1_000_000_000),
            };
            cases.extend(Utc.timestamp_opt(seconds, nanos).single());
        }
        for at in cases {
            let (_, micros) = text_of(at);
            assert_eq!(
                micros,
                at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
                "micros for {at:?}"
            );
        }
    }

    #[test]
    fn a_millisecond_instant_reads_back_the_same() {
        let at = crate::domain::time::from_ms(1_796_610_123_456);
        let (auto, _) = text_of(at);
        assert_eq!(auto, "2026-12-07T02:22:03.456Z");
        assert_eq!(
            DateTime::parse_from_rfc3339(&auto).map(|t| t.to_utc()),
            Ok(at)
        );
    }
}
