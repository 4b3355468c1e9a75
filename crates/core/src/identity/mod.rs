//! Who may see and do what, where: roles, data scopes, password policy and the lockout rule.

mod role;
mod scope;
pub mod throttle;
pub mod totp;

pub use role::{Role, RoleError};
pub use scope::{Placement, Scope, ScopeFilter};

use crate::Coded;

/// Failed logins within this window count towards a lockout.
pub const LOCKOUT_WINDOW_MS: i64 = 15 * 60 * 1000;
/// This many failures within the window lock the account.
pub const LOCKOUT_THRESHOLD: i64 = 5;
/// How long the account then stays locked.
pub const LOCKOUT_DURATION_MS: i64 = 15 * 60 * 1000;
/// Staff passwords expire after 90 days.
pub const PASSWORD_MAX_AGE_MS: i64 = 90 * 86_400_000;

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

/// Passwords common in China that the general list below does not know (pinyin, lucky
/// numbers, dates of love); compared in lower case.
const COMMON_CN: &[&str] = &[
    "woaini1314",
    "5201314a",
    "5201314520",
    "woaini520",
    "woaini123",
    "aa123456",
    "abc12345",
    "a5201314",
    "1314520a",
    "qq123456",
    "zhang123",
    "wang1234",
    "li123456",
    "liu123456",
    "chen123456",
    "zhongguo",
    "zhangwei",
    "wangwei1",
    "admin12345",
    "admin123",
    "gongzhi123",
];

/// Password policy for new passwords (security checklist item 21): 8–128 characters, not
/// a password from the lists attackers try first, and not guessable in under a million
/// guesses by zxcvbn (its lists of 30,000 common passwords and of words and names, keyboard
/// walks, repeats, sequences, dates, l33t), counting `related` words (the user name, the
/// person's name) as known to the attacker.
pub fn check_new_password(pw: &str, related: &[&str]) -> Result<(), PasswordError> {
    let n = pw.chars().count();
    if n < 8 {
        return Err(PasswordError::TooShort);
    }
    if n > 128 {
        return Err(PasswordError::TooLong);
    }
    if COMMON_CN.contains(&pw.to_lowercase().as_str()) {
        return Err(PasswordError::TooCommon);
    }
    if zxcvbn::zxcvbn(pw, related).score() < zxcvbn::Score::Two {
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
    fn password_policy() {
        assert_eq!(
            check_new_password("1234567", &[]),
            Err(PasswordError::TooShort)
        );
        for common in [
            "12345678",
            "aaaaaaaa",
            "qwertyuiop",
            "admin12345",
            "password1",
            "iloveyou",
            "woaini1314",
            "P@ssw0rd",
            "1qaz2wsx",
        ] {
            assert_eq!(
                check_new_password(common, &[]),
                Err(PasswordError::TooCommon),
                "{common}"
            );
        }
        assert_eq!(
            check_new_password("wangxiaoming88", &["wangxiaoming"]),
            Err(PasswordError::TooCommon)
        );
        assert!(check_new_password("gongzhi-demo", &[]).is_ok());
        assert!(check_new_password("翠竹社区的老槐树", &[]).is_ok());
    }

    #[test]
    fn usernames() {
        assert!(check_username("unit-property1"));
        assert!(!check_username("Admin"));
        assert!(!check_username("ab"));
    }
}
