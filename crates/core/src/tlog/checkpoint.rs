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
        format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            STANDARD.encode(self.root)
        )
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
