//! Vietnamese mobile numbers, the login of every account.
//!
//! People type them every way: `0912 345 678`, `+84 912.345.678`, `84912345678`. All of them
//! become the national form `0912345678`, so one phone is one account whatever the spelling.
//! Only today's 10-digit mobile numbers are accepted (prefixes 03, 05, 07, 08, 09); the 11-digit
//! `01x` numbers were converted in 2018.

use std::fmt;

use super::Invalid;

/// A normalised Vietnamese mobile number, `0` and nine digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Normalises and checks `input`.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let mut digits = String::with_capacity(12);
        for (i, c) in input.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '.' | '-' | '(' | ')' => {}
                _ => {
                    return Err(Invalid::new(
                        "phone number may contain only digits, spaces, dots, dashes and a leading +",
                    ));
                }
            }
        }
        let national = if let Some(rest) = digits.strip_prefix("0084") {
            format!("0{rest}")
        } else if digits.len() == 11 && digits.starts_with("84") {
            format!("0{}", &digits[2..])
        } else {
            digits
        };
        let valid_prefix = matches!(
            national.as_bytes().get(1),
            Some(b'3' | b'5' | b'7' | b'8' | b'9')
        );
        if national.len() != 10 || !national.starts_with('0') || !valid_prefix {
            return Err(Invalid::new(
                "enter a Vietnamese mobile number of 10 digits, e.g. 0912 345 678 or +84 912 345 678",
            ));
        }
        Ok(Self(national))
    }

    /// The national form, `0912345678`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The masked form for anything public: `09xx xxx 678`.
    pub fn masked(&self) -> String {
        format!("{}xx xxx {}", &self.0[..2], &self.0[7..])
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_usual_spellings() {
        for input in [
            "0912345678",
            "0912 345 678",
            "+84912345678",
            "+84 912.345.678",
            "84912345678",
            "0084912345678",
            "091-234-5678",
        ] {
            assert_eq!(
                Phone::parse(input).map(|p| p.0),
                Ok("0912345678".to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_what_is_not_a_mobile_number() {
        for input in [
            "",
            "12345",
            "0212345678",
            "01234567890",
            "091234567",
            "09123456789",
            "0912abc678",
            "+84 12",
            "0112345678",
        ] {
            assert!(Phone::parse(input).is_err(), "{input} should be rejected");
        }
    }

    #[test]
    fn masks_all_but_the_prefix_and_last_three_digits() {
        assert_eq!(
            Phone::parse("0912345678").expect("valid").masked(),
            "09xx xxx 678"
        );
    }
}
