//! Password hashing with Argon2id (PHC string format, so each hash carries its parameters).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::config::PasswordCost;

fn hasher(cost: PasswordCost) -> Argon2<'static> {
    let params = match cost {
        // OWASP's first recommended Argon2id configuration: 19 MiB, 2 passes, 1 lane.
        PasswordCost::Standard => Params::new(19 * 1024, 2, 1, None),
        PasswordCost::Test => Params::new(256, 1, 1, None),
    }
    .unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash(cost: PasswordCost, password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    hasher(cost)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// Verifies against a stored PHC string using the parameters it records.
pub fn verify(stored: &str, password: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the user does not exist, so timing does not reveal it.
pub fn dummy_verify(password: &str) {
    static DUMMY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        hash(PasswordCost::Standard, "dummy-password-x").unwrap_or_default()
    });
    let _ = verify(&DUMMY, password);
}
