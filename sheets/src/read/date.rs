//! Dates as Vietnamese spreadsheets hold them.

use chrono::NaiveDate;

/// Reads a date written day first (`26/3/2024`, `26-03-2024`, `26.03.2024`, the way dates are
/// written in Vietnam) or ISO (`2024-03-26`, also with a time after it, as an XLSX date cell
/// reads). Surrounding spaces are ignored; two-digit years are refused (which century?).
pub fn parse_date(input: &str) -> Option<NaiveDate> {
    let s = input.trim();
    let s = s.split_once([' ', 'T']).map_or(s, |(date, _)| date);
    let parts: Vec<&str> = s.split(['/', '-', '.']).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if ![a, b, c]
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let (year, month, day) = if a.len() == 4 {
        (a, b, c)
    } else if c.len() == 4 {
        (c, b, a)
    } else {
        return None;
    };
    if month.len() > 2 || day.len() > 2 {
        return None;
    }
    NaiveDate::from_ymd_opt(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
}

#[cfg(test)]
mod tests {
    use super::parse_date;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, day)
    }

    #[test]
    fn reads_what_vietnamese_sheets_hold() {
        for s in [
            "2024-03-26",
            "26/03/2024",
            "26/3/2024",
            " 26-03-2024 ",
            "26.03.2024",
            "2024-03-26 00:00:00",
            "2024-03-26T00:00:00",
            "2024/3/26",
        ] {
            assert_eq!(parse_date(s), d(2024, 3, 26), "{s}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for s in [
            "",
            "26/03/24",
            "03/26/2024",
            "31/02/2024",
            "2024-3",
            "26//2024",
            "x/3/2024",
            "2024-03-26-1",
            "+26/03/2024",
            "026/03/2024",
        ] {
            assert_eq!(parse_date(s), None, "{s:?}");
        }
    }
}
