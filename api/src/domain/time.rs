//! Instants as the scoring store keeps them: milliseconds since the epoch.
//!
//! Shared by the attempt service and the standings (which both convert between
//! `DateTime<Utc>` and store milliseconds), so neither has to import the other for it.

use chrono::{DateTime, TimeZone, Utc};

/// Milliseconds since the epoch.
pub fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A time from milliseconds since the epoch.
pub fn from_ms(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// Now, to the millisecond, as the scoring store keeps time: what the database records then
/// says exactly what the store judged by (a start's deadline, a save in the deadline's own
/// millisecond).
pub fn now_ms() -> DateTime<Utc> {
    from_ms(ms(Utc::now()))
}

/// Vietnam's offset from UTC (UTC+7 all year: no daylight saving).
const VIETNAM_OFFSET_SECONDS: i32 = 7 * 3600;

fn vietnam() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(VIETNAM_OFFSET_SECONDS)
        .unwrap_or_else(|| chrono::Offset::fix(&Utc))
}

/// The instant a day begins in Vietnam: reports over "from 01/12 to 31/12" mean Vietnamese
/// days, which begin at 17:00 UTC the evening before.
pub fn vietnam_day_start(day: chrono::NaiveDate) -> DateTime<Utc> {
    day.and_time(chrono::NaiveTime::MIN)
        .and_local_timezone(vietnam())
        .single()
        .map_or_else(
            || day.and_time(chrono::NaiveTime::MIN).and_utc(),
            |t| t.with_timezone(&Utc),
        )
}

/// The day it is in Vietnam at `at`.
pub fn vietnam_date(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.with_timezone(&vietnam()).date_naive()
}

/// `at` as Vietnamese offices write it: `dd/mm/yyyy HH:MM`, Vietnam time.
pub fn vietnam_text(at: DateTime<Utc>) -> String {
    at.with_timezone(&vietnam())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// `at` moved to Vietnam's wall clock, for spreadsheet cells that hold a date-time without a
/// zone (the column header then says "(giờ Việt Nam)").
pub fn vietnam_wall_clock(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_timezone(&vietnam()).naive_local().and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vietnamese_day_starts_at_five_in_the_afternoon_utc_the_day_before() {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).expect("date");
        assert_eq!(
            vietnam_day_start(day).to_rfc3339(),
            "2026-12-03T17:00:00+00:00"
        );
        let late = Utc
            .with_ymd_and_hms(2026, 12, 4, 17, 30, 0)
            .single()
            .expect("t");
        assert_eq!(vietnam_date(late).to_string(), "2026-12-05");
        assert_eq!(vietnam_text(late), "05/12/2026 00:30");
        assert_eq!(
            vietnam_wall_clock(late).to_rfc3339(),
            "2026-12-05T00:30:00+00:00"
        );
    }
}
