//! Field encryption for personal data at rest.
//!
//! One 32-byte master key (held outside the database) is expanded with HKDF-SHA256 into an
//! AES-256-GCM key and an HMAC-SHA256 key. Ciphertexts are `v1.` + base64(nonce ‖ ct ‖ tag)
//! with a random 96-bit nonce; the field name is the associated data, so a ciphertext copied
//! into another column fails to decrypt. The blind index is a keyed hash of the normalised
//! value, so an exact lookup works without the plaintext ever reaching the database.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

pub const KEY_LEN: usize = 32;
const PREFIX: &str = "v1.";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    #[error("ciphertext is not in the v1 format")]
    Format,
    #[error("ciphertext failed authentication (wrong key or altered data)")]
    Auth,
}

/// Encrypts, decrypts and blind-indexes personal-data fields.
#[derive(Clone)]
pub struct Cipher {
    aead: Aes256Gcm,
    index_key: [u8; 32],
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher(..)")
    }
}

impl Cipher {
    pub fn new(master: &[u8; KEY_LEN]) -> Self {
        let hk = hkdf::Hkdf::<Sha256>::new(Some(b"gongzhi-pii-v1"), master);
        let mut enc = [0u8; 32];
        let mut idx = [0u8; 32];
        // Expanding 32 bytes from SHA-256 HKDF cannot fail.
        let _ = hk.expand(b"aead", &mut enc);
        let _ = hk.expand(b"blind-index", &mut idx);
        Self {
            aead: Aes256Gcm::new(&enc.into()),
            index_key: idx,
        }
    }

    /// Encrypts `plain` for the column `field` (e.g. `residents.phone`).
    pub fn encrypt(&self, field: &str, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ct = self
            .aead
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: field.as_bytes(),
                },
            )
            .unwrap_or_default(); // AES-GCM encryption fails only past 64 GiB per message
        let mut buf = nonce.to_vec();
        buf.extend_from_slice(&ct);
        format!("{PREFIX}{}", B64.encode(buf))
    }

    pub fn decrypt(&self, field: &str, stored: &str) -> Result<String, CipherError> {
        let raw = stored.strip_prefix(PREFIX).ok_or(CipherError::Format)?;
        let buf = B64.decode(raw).map_err(|_| CipherError::Format)?;
        if buf.len() < 12 + 16 {
            return Err(CipherError::Format);
        }
        let (nonce, ct) = buf.split_at(12);
        let plain = self
            .aead
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: field.as_bytes(),
                },
            )
            .map_err(|_| CipherError::Auth)?;
        String::from_utf8(plain).map_err(|_| CipherError::Format)
    }

    /// Keyed hash for exact lookup: hex of the first 16 bytes of HMAC(field ‖ 0 ‖ value).
    pub fn blind_index(&self, field: &str, value: &str) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(field.as_bytes());
        mac.update(&[0]);
        mac.update(value.as_bytes());
        let out = mac.finalize().into_bytes();
        out[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_no_plaintext() {
        let c = Cipher::new(&[7; 32]);
        let ct = c.encrypt("residents.phone", "13812341234");
        assert!(!ct.contains("13812341234") && !ct.contains("1234"));
        assert_eq!(c.decrypt("residents.phone", &ct).unwrap(), "13812341234");
        // Fresh nonce each time.
        assert_ne!(ct, c.encrypt("residents.phone", "13812341234"));
    }

    #[test]
    fn wrong_key_or_field_fails() {
        let c = Cipher::new(&[7; 32]);
        let ct = c.encrypt("residents.phone", "13812341234");
        assert_eq!(
            Cipher::new(&[8; 32]).decrypt("residents.phone", &ct),
            Err(CipherError::Auth)
        );
        assert_eq!(
            c.decrypt("residents.id_number", &ct),
            Err(CipherError::Auth)
        );
        assert_eq!(
            c.decrypt("residents.phone", "plain"),
            Err(CipherError::Format)
        );
    }

    #[test]
    fn blind_index_is_keyed_and_deterministic() {
        let a = Cipher::new(&[1; 32]);
        let b = Cipher::new(&[2; 32]);
        assert_eq!(a.blind_index("p", "x"), a.blind_index("p", "x"));
        assert_ne!(a.blind_index("p", "x"), b.blind_index("p", "x"));
        assert_ne!(a.blind_index("p", "x"), a.blind_index("q", "x"));
        assert_eq!(a.blind_index("p", "x").len(), 32);
    }
}
