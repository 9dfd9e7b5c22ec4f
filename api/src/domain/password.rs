//! Password rules, checked when one is chosen (registration, change). Hashing is in `auth`.

use super::Invalid;
use super::phone::Phone;

/// A password that meets the rules; never logged, never serialised.
pub struct NewPassword(String);

/// Passwords so common that a guesser tries them first.
const COMMON: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "password",
    "password1",
    "matkhau123",
    "abc12345",
    "qwerty123",
    "11111111",
    "00000000",
    "iloveyou1",
    "doanvien1",
];

impl NewPassword {
    /// Checks `input` for the account with phone `phone`.
    pub fn parse(input: String, phone: Option<&Phone>) -> Result<Self, Invalid> {
        let len = input.chars().count();
        if len < 8 {
            return Err(Invalid::new("password must be at least 8 characters"));
        }
        if len > 128 {
            return Err(Invalid::new("password must be at most 128 characters"));
        }
        if !input.chars().any(char::is_alphabetic) || !input.chars().any(|c| c.is_ascii_digit()) {
            return Err(Invalid::new(
                "password must contain at least one letter and one digit",
            ));
        }
        if COMMON.contains(&input.to_lowercase().as_str()) {
            return Err(Invalid::new("this password is too common; choose another"));
        }
        if let Some(phone) = phone
            && input.contains(&phone.as_str()[1..])
        {
            return Err(Invalid::new("password must not contain your phone number"));
        }
        Ok(Self(input))
    }

    /// The password, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enforces_the_rules() {
        let phone = Phone::parse("0912345678").ok();
        for (input, ok) in [
            ("short1", false),
            ("onlyletters", false),
            ("1234567890123", false),
            ("Password1", false),
            ("Hoa-sen-99", true),
            ("mật khẩu 2024", true),
            ("abc912345678", false),
            ("Matkhau123", false),
        ] {
            assert_eq!(
                NewPassword::parse(input.into(), phone.as_ref()).is_ok(),
                ok,
                "{input}"
            );
        }
        assert!(NewPassword::parse("a1".repeat(65), None).is_err());
    }
}
