//! Resident ID numbers (居民身份证号码) per GB 11643-1999: 6-digit region, 8-digit birth
//! date, 3-digit sequence (odd = male), and an ISO 7064 MOD 11-2 check character.

use crate::Coded;

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// A valid 18-character ID number (check character upper-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("ID number must be 17 digits followed by a digit or X")]
    Format,
    #[error("ID number contains an impossible birth date")]
    BirthDate,
    #[error("ID number check character does not match (GB 11643)")]
    Checksum,
}

impl Coded for IdNumberError {
    fn code(&self) -> &'static str {
        match self {
            Self::Format => "ID_NUMBER_FORMAT",
            Self::BirthDate => "ID_NUMBER_BIRTH_DATE",
            Self::Checksum => "ID_NUMBER_CHECKSUM",
        }
    }
}

/// The GB 11643 check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> char {
    let sum: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize] as char
}

impl IdNumber {
    pub fn parse(raw: &str) -> Result<Self, IdNumberError> {
        let s = raw.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(b[17].is_ascii_digit() || b[17] == b'X')
        {
            return Err(IdNumberError::Format);
        }
        let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().unwrap_or(0);
        let (y, m, d) = (num(6..10), num(10..12), num(12..14));
        if !(1900..=2100).contains(&y)
            || !(1..=12).contains(&m)
            || d == 0
            || d > crate::cases::calendar::days_in_month(y as i32, m)
        {
            return Err(IdNumberError::BirthDate);
        }
        if check_char(&b[..17]) != b[17] as char {
            return Err(IdNumberError::Checksum);
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Birth date as (year, month, day).
    pub fn birth_date(&self) -> (u32, u32, u32) {
        let n = |r: std::ops::Range<usize>| self.0[r].parse::<u32>().unwrap_or(0);
        (n(6..10), n(10..12), n(12..14))
    }

    /// `110**************X`
    pub fn masked(&self) -> String {
        super::mask_id_number(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_standard_example() {
        // The worked example of GB 11643-1999 appendix.
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), (1949, 12, 31));
        assert_eq!(id.masked(), "110**************X");
    }

    #[test]
    fn rejects_checksum_format_and_date() {
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err(IdNumberError::Checksum)
        );
        assert_eq!(
            IdNumber::parse("11010519491231002"),
            Err(IdNumberError::Format)
        );
        assert_eq!(
            IdNumber::parse("11010519491231002Y"),
            Err(IdNumberError::Format)
        );
        let mut bad_date = b"11010519490230002".to_vec();
        bad_date.push(check_char(&bad_date) as u8);
        assert_eq!(
            IdNumber::parse(std::str::from_utf8(&bad_date).unwrap()),
            Err(IdNumberError::BirthDate)
        );
    }

    #[test]
    fn check_char_roundtrip() {
        let first = b"31019919900101123";
        let mut full = String::from_utf8(first.to_vec()).unwrap();
        full.push(check_char(first));
        assert!(IdNumber::parse(&full).is_ok());
    }
}
