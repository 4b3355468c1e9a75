//! Mainland mobile phone numbers (11 digits, 1[3-9]xxxxxxxxx).

use crate::Coded;

/// A valid mainland mobile number; built only through [`PhoneNumber::parse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("phone number must be 11 digits starting with 13-19")]
    Invalid,
}

impl Coded for PhoneError {
    fn code(&self) -> &'static str {
        "PHONE_INVALID"
    }
}

impl PhoneNumber {
    /// Accepts spaces and dashes between digits and an optional +86 prefix.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        let mut digits: String = raw.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if let Some(rest) = digits.strip_prefix("+86") {
            digits = rest.to_string();
        }
        let b = digits.as_bytes();
        let ok = b.len() == 11
            && b.iter().all(u8::is_ascii_digit)
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1]);
        if ok {
            Ok(Self(digits))
        } else {
            Err(PhoneError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****1234`
    pub fn masked(&self) -> String {
        super::mask_phone(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        assert_eq!(
            PhoneNumber::parse("138-0013 8000").unwrap().as_str(),
            "13800138000"
        );
        assert_eq!(
            PhoneNumber::parse("+8613800138000").unwrap().as_str(),
            "13800138000"
        );
        assert_eq!(
            PhoneNumber::parse("13800138000").unwrap().masked(),
            "138****8000"
        );
    }

    #[test]
    fn rejects_bad_numbers() {
        for bad in [
            "",
            "1380013800",
            "12800138000",
            "138001380001",
            "1380013800a",
            "23800138000",
        ] {
            assert_eq!(PhoneNumber::parse(bad), Err(PhoneError::Invalid), "{bad}");
        }
    }
}
