//! Excel serial dates: days since 1899-12-30, with the time of day as the fraction.
//!
//! # Implementation notes
//! Excel (copying Lotus 1-2-3) believes 1900 was a leap year, so its serial 60 is the
//! non-existent 1900-02-29 and dates before 1900-03-01 are one less than the day count from
//! 1899-12-30. Dates outside 1900-01-01..=9999-12-31 have no serial at all; the writer shows
//! them as text instead.

use chrono::{DateTime, NaiveDate, Timelike, Utc};

const SECONDS_PER_DAY: f64 = 86_400.0;

/// The serial number of `date`, or `None` when Excel cannot show it as a date.
pub(crate) fn date_serial(date: NaiveDate) -> Option<i64> {
    let first = NaiveDate::from_ymd_opt(1900, 1, 1)?;
    let last = NaiveDate::from_ymd_opt(9999, 12, 31)?;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let leap_bug = NaiveDate::from_ymd_opt(1900, 3, 1)?;
    if date < first || date > last {
        return None;
    }
    let days = (date - epoch).num_days();
    Some(if date < leap_bug { days - 1 } else { days })
}

/// The serial number of `at` (UTC, whole seconds), or `None` outside Excel's date range.
pub(crate) fn datetime_serial(at: DateTime<Utc>) -> Option<f64> {
    let day = date_serial(at.date_naive())?;
    let seconds = f64::from(at.num_seconds_from_midnight());
    Some(day as f64 + seconds / SECONDS_PER_DAY)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn serials_match_excel() {
        // Values as Excel shows them for =DATEVALUE(...).
        let cases = [
            (date(1900, 1, 1), 1),
            (date(1900, 2, 28), 59),
            (date(1900, 3, 1), 61),
            (date(2024, 1, 1), 45_292),
            (date(9999, 12, 31), 2_958_465),
        ];
        for (day, serial) in cases {
            assert_eq!(date_serial(day), Some(serial), "{day}");
        }
        assert_eq!(date_serial(date(1899, 12, 31)), None);
        assert_eq!(date_serial(date(10_000, 1, 1)), None);
    }

    #[test]
    fn time_of_day_is_the_fraction() {
        let noon = Utc
            .with_ymd_and_hms(2024, 1, 1, 12, 0, 0)
            .single()
            .expect("valid instant");
        assert_eq!(datetime_serial(noon), Some(45_292.5));
    }
}
