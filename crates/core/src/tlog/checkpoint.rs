//! C2SP tlog-checkpoint text (origin, size, base64 root, no extension lines written), and
//! its signature as a C2SP signed note with Ed25519 (the `signed_note` crate).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::merkle::Hash;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("malformed checkpoint text")]
    Malformed,
    #[error("signature: {0}")]
    Signature(String),
}

impl Checkpoint {
    /// The note text: `origin\nsize\nbase64(root)\n`.
    pub fn text(&self) -> String {
        checkpoint_text(&self.origin, self.size, &self.root)
    }

    /// Parses a checkpoint's text (extension lines are allowed and ignored).
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text.strip_suffix('\n').ok_or(CheckpointError::Malformed)?;
        let mut lines = body.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(CheckpointError::Malformed)?;
        let size = lines.next().ok_or(CheckpointError::Malformed)?;
        if size.is_empty()
            || (size.len() > 1 && size.starts_with('0'))
            || !size.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(CheckpointError::Malformed);
        }
        let size: u64 = size.parse().map_err(|_| CheckpointError::Malformed)?;
        let root = STANDARD
            .decode(lines.next().ok_or(CheckpointError::Malformed)?)
            .map_err(|_| CheckpointError::Malformed)?;
        let root: Hash = root.try_into().map_err(|_| CheckpointError::Malformed)?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
        })
    }

    /// The checkpoint as a signed note, signed with `skey` (`PRIVATE+KEY+name+id+key`).
    pub fn sign(&self, skey: &str) -> Result<String, CheckpointError> {
        sign_note(&self.text(), skey)
    }

    /// Opens a signed checkpoint with the verifier key `vkey` (`name+id+key`): the
    /// signature of that key must be present and valid.
    pub fn open(note: &str, vkey: &str) -> Result<Checkpoint, CheckpointError> {
        Checkpoint::parse(&open_note(note, vkey)?)
    }
}

/// Checkpoint text for a root of any length (C2SP marshals whatever hash the log uses;
/// this log's are 32 bytes, and [`Checkpoint::parse`] accepts only those).
pub fn checkpoint_text(origin: &str, size: u64, root: &[u8]) -> String {
    format!("{origin}\n{size}\n{}\n", STANDARD.encode(root))
}

fn err(e: impl std::fmt::Debug) -> CheckpointError {
    CheckpointError::Signature(format!("{e:?}"))
}

/// Signs `text` as a C2SP signed note.
pub fn sign_note(text: &str, skey: &str) -> Result<String, CheckpointError> {
    let signer = signed_note::StandardSigner::new(skey).map_err(err)?;
    let mut n = signed_note::Note::new(text.as_bytes(), &[]).map_err(err)?;
    n.add_sigs(&[&signer]).map_err(err)?;
    String::from_utf8(n.to_bytes()).map_err(err)
}

/// The text of a signed note if `vkey`'s signature on it verifies.
pub fn open_note(note: &str, vkey: &str) -> Result<String, CheckpointError> {
    let v = signed_note::StandardVerifier::new(vkey).map_err(err)?;
    let verifiers = signed_note::VerifierList::new(vec![Box::new(v)]);
    let n = signed_note::Note::from_bytes(note.as_bytes()).map_err(err)?;
    let (verified, _unverified) = n.verify(&verifiers).map_err(err)?;
    if verified.is_empty() {
        return Err(CheckpointError::Signature("no signature of the key".into()));
    }
    String::from_utf8(n.text().to_vec()).map_err(err)
}

/// A new Ed25519 key pair for `name`: (signer key, verifier key) in the Go x/mod forms.
pub fn generate_key(name: &str) -> Result<(String, String), CheckpointError> {
    if !signed_note::is_key_name_valid(name) {
        return Err(CheckpointError::Signature(format!(
            "invalid key name {name}"
        )));
    }
    Ok(signed_note::generate_key(&mut rand::rngs::OsRng, name))
}

/// The Ed25519 key pair for `name` from a 32-byte seed: (signer key, verifier key) in the
/// Go x/mod forms `PRIVATE+KEY+name+id+key` and `name+id+key` (key id per C2SP signed-note:
/// the first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)).
pub fn key_from_seed(name: &str, seed: &[u8; 32]) -> Result<(String, String), CheckpointError> {
    use sha2::{Digest, Sha256};
    if !signed_note::is_key_name_valid(name) {
        return Err(CheckpointError::Signature(format!(
            "invalid key name {name}"
        )));
    }
    let public = ed25519_dalek::SigningKey::from_bytes(seed)
        .verifying_key()
        .to_bytes();
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([0x0A, 0x01]);
    h.update(public);
    let id = hex8(&h.finalize()[..4]);
    let with_alg = |k: &[u8]| STANDARD.encode([&[0x01u8][..], k].concat());
    Ok((
        format!("PRIVATE+KEY+{name}+{id}+{}", with_alg(seed)),
        format!("{name}+{id}+{}", with_alg(&public)),
    ))
}

fn hex8(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The key name of a verifier key (`name+id+key`).
pub fn key_name(vkey: &str) -> Option<&str> {
    vkey.split('+').next().filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_from_a_seed_sign_and_verify_like_generated_ones() {
        let (skey, vkey) = key_from_seed("example.com/log", &[7; 32]).expect("key");
        assert!(skey.starts_with("PRIVATE+KEY+example.com/log+"));
        // The signed_note crate accepts both forms and they belong together.
        let cp = Checkpoint {
            origin: "example.com/log".into(),
            size: 3,
            root: [1; 32],
        };
        let note = cp.sign(&skey).expect("sign");
        assert_eq!(Checkpoint::open(&note, &vkey).expect("open"), cp);
        let (_, other) = key_from_seed("example.com/log", &[8; 32]).expect("key");
        assert!(Checkpoint::open(&note, &other).is_err());
        assert_eq!(key_name(&vkey), Some("example.com/log"));
        assert!(key_from_seed("bad name", &[7; 32]).is_err());
    }
}
