//! Who may see and do what, where: roles, data scopes, password policy and the lockout rule.

mod role;
mod scope;

pub use role::{Role, RoleError};
pub use scope::{Placement, Scope, ScopeFilter};

use crate::Coded;

/// Failed logins within this window count towards a lockout.
pub const LOCKOUT_WINDOW_MS: i64 = 15 * 60 * 1000;
/// This many failures within the window lock the account.
pub const LOCKOUT_THRESHOLD: i64 = 5;
/// How long the account then stays locked.
pub const LOCKOUT_DURATION_MS: i64 = 15 * 60 * 1000;

/// Whether the failures seen decide a lock, and until when.
pub fn lock_after_failures(failures_in_window: i64, now_ms: i64) -> Option<i64> {
    (failures_in_window >= LOCKOUT_THRESHOLD).then_some(now_ms + LOCKOUT_DURATION_MS)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("password must be at least 8 characters")]
    TooShort,
    #[error("password is too common")]
    TooCommon,
    #[error("password must be at most 128 characters")]
    TooLong,
}

impl Coded for PasswordError {
    fn code(&self) -> &'static str {
        match self {
            Self::TooShort => "PASSWORD_TOO_SHORT",
            Self::TooCommon => "PASSWORD_TOO_COMMON",
            Self::TooLong => "PASSWORD_TOO_LONG",
        }
    }
}

const COMMON: &[&str] = &[
    "12345678",
    "123456789",
    "1234567890",
    "password",
    "password1",
    "11111111",
    "88888888",
    "00000000",
    "66666666",
    "qwertyui",
    "qwerty123",
    "abcd1234",
    "a1234567",
    "iloveyou",
    "admin123",
    "admin1234",
    "woaini1314",
    "5201314a",
    "123123123",
    "aa123456",
    "abc12345",
];

/// Password policy for new passwords (security checklist item 21).
pub fn check_new_password(pw: &str) -> Result<(), PasswordError> {
    let n = pw.chars().count();
    if n < 8 {
        return Err(PasswordError::TooShort);
    }
    if n > 128 {
        return Err(PasswordError::TooLong);
    }
    if COMMON.contains(&pw.to_ascii_lowercase().as_str()) {
        return Err(PasswordError::TooCommon);
    }
    Ok(())
}

/// Usernames: 3–32 of a-z, 0-9, `-`, `_`, `.`.
pub fn check_username(name: &str) -> bool {
    (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockout_rule() {
        assert_eq!(lock_after_failures(4, 0), None);
        assert_eq!(lock_after_failures(5, 10), Some(10 + LOCKOUT_DURATION_MS));
    }

    #[test]
    fn password_policy() {
        assert_eq!(check_new_password("1234567"), Err(PasswordError::TooShort));
        assert_eq!(
            check_new_password("12345678"),
            Err(PasswordError::TooCommon)
        );
        assert!(check_new_password("gongzhi-demo").is_ok());
    }

    #[test]
    fn usernames() {
        assert!(check_username("unit-property1"));
        assert!(!check_username("Admin"));
        assert!(!check_username("ab"));
    }
}
