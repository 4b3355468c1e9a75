//! The second factor: RFC 6238 TOTP (HMAC-SHA1, 6 digits, 30-second steps — what every
//! authenticator app reads from an `otpauth://` link) and one-time recovery codes.
//!
//! A code is accepted for the current step or one step either side (clock drift), and only
//! for a step later than the last one accepted, so that no code works twice.

use rand::RngCore;
use totp_rs::{Algorithm, TOTP};

/// Seconds per time step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// Steps accepted either side of the current one.
pub const SKEW: u64 = 1;
/// Recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// A new random secret (160 bits, RFC 4226's recommendation), base32 without padding.
pub fn new_secret() -> String {
    let mut b = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base32_encode(&b)
}

fn base32_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buf: u64 = 0;
    let mut bits = 0;
    for &b in bytes {
        buf = (buf << 8) | u64::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buf >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(ALPHABET[((buf << (5 - bits)) & 31) as usize] as char);
    }
    out
}

fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let mut buf: u64 = 0;
    let mut bits = 0;
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u64 - 'A' as u64,
            c @ '2'..='7' => c as u64 - '2' as u64 + 26,
            _ => return None,
        };
        buf = (buf << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    Some(out)
}

fn totp(secret_b32: &str) -> Option<TOTP> {
    let raw = base32_decode(secret_b32)?;
    TOTP::new(Algorithm::SHA1, DIGITS, 0, STEP_SECONDS, raw).ok()
}

/// The time step of a moment (ms since the epoch).
pub fn step_of(now_ms: i64) -> i64 {
    now_ms.max(0) / 1000 / STEP_SECONDS as i64
}

/// The code of one time step (for tests and for showing the enrolment works).
pub fn code_at_step(secret_b32: &str, step: i64) -> Option<String> {
    Some(totp(secret_b32)?.generate(step.max(0) as u64 * STEP_SECONDS))
}

/// Checks a typed code: returns the step it matched if that step is within the skew of
/// `now_ms` and later than `last_step` (a code used once is refused after).
pub fn verify(secret_b32: &str, typed: &str, now_ms: i64, last_step: Option<i64>) -> Option<i64> {
    let typed: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret_b32)?;
    let now = step_of(now_ms);
    let skew = SKEW as i64;
    let mut found = None;
    for step in (now - skew)..=(now + skew) {
        if step < 0 || last_step.is_some_and(|l| step <= l) {
            continue;
        }
        let code = t.generate(step as u64 * STEP_SECONDS);
        // Constant-time comparison of equal-length strings.
        let same = code
            .bytes()
            .zip(typed.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
        if same && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// The `otpauth://` link an authenticator app reads (as a QR code or typed in).
pub fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    fn enc(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        enc(issuer),
        enc(account),
        enc(issuer)
    )
}

/// New recovery codes: `xxxxx-xxxxx` in an alphabet without look-alikes (50 bits each).
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz23456789z";
    let mut rng = rand::rngs::OsRng;
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut b = [0u8; 10];
            rng.fill_bytes(&mut b);
            let s: String = b
                .iter()
                .map(|x| ALPHABET[(x & 31) as usize] as char)
                .collect();
            format!("{}-{}", &s[..5], &s[5..])
        })
        .collect()
}

/// Whether typed text has the shape of a recovery code (rather than a TOTP code).
pub fn looks_like_recovery(typed: &str) -> bool {
    let t = normalise_recovery(typed);
    t.len() == 11 && t.as_bytes()[5] == b'-'
}

/// A recovery code as stored and compared: trimmed, lower case.
pub fn normalise_recovery(typed: &str) -> String {
    typed.trim().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1: the secret is ASCII "12345678901234567890"; the RFC
    /// prints 8 digits, whose last 6 are the 6-digit code.
    #[test]
    fn rfc6238_vectors() {
        let secret = base32_encode(b"12345678901234567890");
        assert_eq!(secret, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        for (t, eight) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let step = (t / STEP_SECONDS) as i64;
            assert_eq!(code_at_step(&secret, step).unwrap(), &eight[2..], "t={t}");
        }
    }

    #[test]
    fn a_code_works_once_and_only_near_its_time() {
        let secret = new_secret();
        let now = 1_700_000_000_000;
        let step = step_of(now);
        let code = code_at_step(&secret, step).unwrap();
        assert_eq!(verify(&secret, &code, now, None), Some(step));
        // Used: the same code (and any earlier step) is refused.
        assert_eq!(verify(&secret, &code, now, Some(step)), None);
        // One step of drift either way is accepted; two are not.
        let next = code_at_step(&secret, step + 1).unwrap();
        assert_eq!(verify(&secret, &next, now, Some(step)), Some(step + 1));
        let far = code_at_step(&secret, step + 2).unwrap();
        assert_eq!(verify(&secret, &far, now, None), None);
        let old = code_at_step(&secret, step - 2).unwrap();
        assert_eq!(verify(&secret, &old, now, None), None);
        // Not digits, or the wrong length.
        assert_eq!(verify(&secret, "12345", now, None), None);
        assert_eq!(verify(&secret, "abcdef", now, None), None);
    }

    #[test]
    fn base32_round_trips_and_links_are_well_formed() {
        let s = new_secret();
        assert_eq!(s.len(), 32);
        assert_eq!(base32_encode(&base32_decode(&s).unwrap()), s);
        let uri = otpauth_uri("共治", "admin", &s);
        assert!(uri.starts_with("otpauth://totp/%E5%85%B1%E6%B2%BB:admin?secret="));
        assert!(uri.ends_with("&digits=6&period=30"));
    }

    #[test]
    fn recovery_codes_are_distinct_and_recognised() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut d = codes.clone();
        d.sort();
        d.dedup();
        assert_eq!(d.len(), codes.len());
        assert!(codes.iter().all(|c| looks_like_recovery(c)));
        assert!(looks_like_recovery(&codes[0].to_uppercase()));
        assert!(!looks_like_recovery("123456"));
    }
}
