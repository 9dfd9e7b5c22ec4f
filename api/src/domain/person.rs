//! A person's details as a contest needs them: name, birth date, citizen id, email, and the
//! masks used wherever they are shown publicly.

use chrono::{Datelike, NaiveDate};

use super::Invalid;
use super::text::collapse_spaces;

/// A full name (họ tên): letters, spaces and a few marks; white space collapsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullName(String);

impl FullName {
    /// Checks and tidies `input`.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let name = collapse_spaces(input);
        let len = name.chars().count();
        if len < 2 {
            return Err(Invalid::new("full name must be at least 2 characters"));
        }
        if len > 100 {
            return Err(Invalid::new("full name must be at most 100 characters"));
        }
        if !name.chars().all(|c| {
            c.is_alphabetic()
                || c == ' '
                || c == '\''
                || c == '-'
                || c == '.'
                || unicode_normalization::char::is_combining_mark(c)
        }) {
            return Err(Invalid::new(
                "full name may contain only letters, spaces, apostrophes, dots and dashes",
            ));
        }
        Ok(Self(
            unicode_normalization::UnicodeNormalization::nfc(name.as_str()).collect(),
        ))
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The public form: family name, then initials, `Nguyễn V. A.`.
    pub fn masked(&self) -> String {
        mask_name(&self.0)
    }
}

/// The version of the personal-data notice (Law 91/2025/QH15) that registration asks people
/// to accept; a new notice gets a new version, and `POST /me/consent` records acceptance of it.
pub const CONSENT_VERSION: &str = "2026-01";

/// Masks any full name as `Nguyễn V. A.`: the first word, then the initial of each other word.
pub fn mask_name(name: &str) -> String {
    let mut words = name.split_whitespace();
    let Some(first) = words.next() else {
        return String::new();
    };
    let mut out = first.to_owned();
    for word in words {
        if let Some(initial) = word.chars().next() {
            out.push(' ');
            out.extend(initial.to_uppercase());
            out.push('.');
        }
    }
    out
}

/// A birth date: in the past, and an age between 6 and 120 on `today`.
pub fn parse_birth_date(date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, Invalid> {
    if date > today {
        return Err(Invalid::new("birth date is in the future"));
    }
    let age = age_on(date, today);
    if age < 6 {
        return Err(Invalid::new("you must be at least 6 years old"));
    }
    if age > 120 {
        return Err(Invalid::new("birth date is too far in the past"));
    }
    Ok(date)
}

/// How old a member may be: at least `min_years` on the admission date (or today, without
/// one), at most `max_years` today. The Union's Charter admits young people aged 16 to 30 and
/// lets members and officers stay on past 30, so the upper bound only refuses typing mistakes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgeBounds {
    /// The youngest age at admission (or today when no admission date is given).
    pub min_years: u32,
    /// The oldest plausible age today.
    pub max_years: u32,
}

impl Default for AgeBounds {
    fn default() -> Self {
        Self {
            min_years: 16,
            max_years: 80,
        }
    }
}

/// A birth date outside a member's [`AgeBounds`]: which field is at fault and why, in English
/// and in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgeProblem {
    /// The field at fault: `/birth_date` or `/admitted_at`.
    pub pointer: &'static str,
    /// In English.
    pub detail: String,
    /// In Vietnamese, naming the field.
    pub detail_vi: String,
}

/// Checks `birth` against `bounds`: old enough on `admitted` (when given) or on `today`, not
/// implausibly old on `today`.
pub fn check_member_age(
    birth: NaiveDate,
    admitted: Option<NaiveDate>,
    today: NaiveDate,
    bounds: AgeBounds,
) -> Result<(), AgeProblem> {
    let min = i64::from(bounds.min_years);
    let max = i64::from(bounds.max_years);
    if i64::from(age_on(birth, today)) > max {
        return Err(AgeProblem {
            pointer: "/birth_date",
            detail: format!("birth date gives an age over {max} years"),
            detail_vi: format!(
                "Ngày sinh không hợp lệ: tuổi tính theo ngày sinh này lớn hơn {max}. Vui lòng kiểm tra lại năm sinh."
            ),
        });
    }
    match admitted {
        Some(on) if i64::from(age_on(birth, on)) < min => Err(AgeProblem {
            pointer: "/admitted_at",
            detail: format!("a member must be at least {min} years old on the admission date"),
            detail_vi: format!(
                "Ngày kết nạp không hợp lệ: đoàn viên phải đủ {min} tuổi vào ngày kết nạp. Vui lòng kiểm tra lại ngày kết nạp và ngày sinh."
            ),
        }),
        None if i64::from(age_on(birth, today)) < min => Err(AgeProblem {
            pointer: "/birth_date",
            detail: format!("you must be at least {min} years old"),
            detail_vi: format!(
                "Ngày sinh không hợp lệ: bạn phải đủ {min} tuổi để đăng ký (Điều lệ Đoàn kết nạp thanh niên từ {min} tuổi)."
            ),
        }),
        _ => Ok(()),
    }
}

/// Full years between `birth` and `today`.
pub fn age_on(birth: NaiveDate, today: NaiveDate) -> i32 {
    let mut age = today.year() - birth.year();
    if (today.month(), today.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// The date a member was admitted to the Union: not in the future, not before birth, not
/// before the Union existed (26/3/1931).
pub fn parse_admitted_at(
    date: NaiveDate,
    birth: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, Invalid> {
    if date > today {
        return Err(Invalid::new("admission date is in the future"));
    }
    if date <= birth {
        return Err(Invalid::new("admission date must be after the birth date"));
    }
    let founded = NaiveDate::from_ymd_opt(1931, 3, 26).unwrap_or(NaiveDate::MIN);
    if date < founded {
        return Err(Invalid::new(
            "admission date is before the Union was founded (26/3/1931)",
        ));
    }
    Ok(date)
}

/// A citizen identity number (CCCD): 12 digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CitizenId(String);

impl CitizenId {
    /// Checks `input` (spaces are ignored).
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 12 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(Invalid::new("citizen id (CCCD) must be exactly 12 digits"));
        }
        Ok(Self(digits))
    }

    /// The 12 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
    }

    #[test]
    fn member_age_bounds_hold_on_the_birthday_edges() {
        let b = AgeBounds::default();
        let today = d(2026, 12, 4);
        // Sixteen today, and one day short of it.
        assert!(check_member_age(d(2010, 12, 4), None, today, b).is_ok());
        let e = check_member_age(d(2010, 12, 5), None, today, b).expect_err("15");
        assert_eq!(e.pointer, "/birth_date");
        // Admitted the day before the sixteenth birthday: the admission date is at fault.
        let e = check_member_age(d(2000, 3, 26), Some(d(2016, 3, 25)), today, b).expect_err("15");
        assert_eq!(e.pointer, "/admitted_at");
        assert!(check_member_age(d(2000, 3, 26), Some(d(2016, 3, 26)), today, b).is_ok());
        // Eighty today is fine, eighty-one is not.
        assert!(check_member_age(d(1946, 12, 4), None, today, b).is_ok());
        let e = check_member_age(d(1945, 12, 4), None, today, b).expect_err("81");
        assert_eq!(e.pointer, "/birth_date");
        assert!(e.detail_vi.contains("80"));
    }

    #[test]
    fn masks_names() {
        assert_eq!(mask_name("Nguyễn Văn An"), "Nguyễn V. A.");
        assert_eq!(mask_name("Lê  Thị   Ánh Tuyết"), "Lê T. Á. T.");
        assert_eq!(mask_name("Hùng"), "Hùng");
    }

    #[test]
    fn full_names_are_tidied_and_checked() {
        assert_eq!(
            FullName::parse("  Nguyễn   Văn An ").map(|n| n.0),
            Ok("Nguyễn Văn An".to_owned())
        );
        assert!(FullName::parse("A").is_err());
        assert!(FullName::parse("Nguyen Van 2").is_err());
        assert!(FullName::parse("<script>").is_err());
    }

    #[test]
    fn birth_dates_must_give_a_plausible_age() {
        let today = d(2026, 11, 28);
        assert!(parse_birth_date(d(2000, 1, 1), today).is_ok());
        assert!(parse_birth_date(d(2027, 1, 1), today).is_err());
        assert!(parse_birth_date(d(2021, 1, 1), today).is_err());
        assert!(parse_birth_date(d(1900, 1, 1), today).is_err());
        assert_eq!(age_on(d(2000, 11, 29), today), 25);
        assert_eq!(age_on(d(2000, 11, 28), today), 26);
    }

    #[test]
    fn admission_dates_follow_birth() {
        let today = d(2026, 11, 28);
        assert!(parse_admitted_at(d(2016, 3, 26), d(2000, 1, 1), today).is_ok());
        assert!(parse_admitted_at(d(1999, 3, 26), d(2000, 1, 1), today).is_err());
        assert!(parse_admitted_at(d(2027, 3, 26), d(2000, 1, 1), today).is_err());
    }

    #[test]
    fn citizen_ids_have_twelve_digits() {
        assert!(CitizenId::parse("001 200 012 345").is_ok());
        assert!(CitizenId::parse("12345678").is_err());
        assert!(CitizenId::parse("00120001234a").is_err());
    }
}
