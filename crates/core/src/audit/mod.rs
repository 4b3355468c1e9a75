//! The audit trail's hash chain: each record's hash covers the previous record's hash and
//! the record's canonical content, so an edited record breaks every hash after it and a
//! removed one leaves a gap in the sequence.

use sha2::{Digest, Sha256};

/// The hash that precedes the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one audit record that the chain protects.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditFields {
    pub seq: i64,
    pub at_ms: i64,
    pub actor_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub ip: Option<String>,
    pub result: String,
    pub detail: String,
}

impl AuditFields {
    /// Canonical bytes: every field length-prefixed, so no two records share an encoding.
    fn canonical(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        let mut put = |s: &str| {
            out.extend_from_slice(&(s.len() as u64).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        };
        put(&self.seq.to_string());
        put(&self.at_ms.to_string());
        put(&self.actor_id.map(|v| v.to_string()).unwrap_or_default());
        put(&self.actor);
        put(&self.action);
        put(&self.object_type);
        put(self.object_id.as_deref().unwrap_or(""));
        put(self.ip.as_deref().unwrap_or(""));
        put(&self.result);
        put(&self.detail);
        out
    }

    /// hash = hex(SHA-256(prev_hash ‖ canonical(record))).
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        h.update(prev_hash.as_bytes());
        h.update(self.canonical());
        hex(&h.finalize())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why verification stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The record with this sequence number was altered (its hash does not match).
    Altered { seq: i64 },
    /// Records are missing before this sequence number (expected `expected`).
    Missing { expected: i64, found: i64 },
}

/// Incremental verifier: feed records in sequence order.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    prev: String,
    next_seq: i64,
    checked: u64,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            prev: GENESIS.to_string(),
            next_seq: 1,
            checked: 0,
        }
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks one record with its stored `prev_hash` and `hash`.
    pub fn check(
        &mut self,
        rec: &AuditFields,
        stored_prev: &str,
        stored_hash: &str,
    ) -> Result<(), ChainBreak> {
        if rec.seq != self.next_seq {
            return Err(ChainBreak::Missing {
                expected: self.next_seq,
                found: rec.seq,
            });
        }
        if stored_prev != self.prev || rec.chain_hash(&self.prev) != stored_hash {
            return Err(ChainBreak::Altered { seq: rec.seq });
        }
        self.prev = stored_hash.to_string();
        self.next_seq += 1;
        self.checked += 1;
        Ok(())
    }

    pub fn checked(&self) -> u64 {
        self.checked
    }

    pub fn head(&self) -> &str {
        &self.prev
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(seq: i64, action: &str) -> AuditFields {
        AuditFields {
            seq,
            at_ms: 1000 + seq,
            actor_id: Some(1),
            actor: "admin".into(),
            action: action.into(),
            object_type: "user".into(),
            object_id: Some("7".into()),
            ip: Some("127.0.0.1".into()),
            result: "ok".into(),
            detail: "{}".into(),
        }
    }

    fn chain(n: i64) -> Vec<(AuditFields, String, String)> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|s| {
                let r = rec(s, "login");
                let h = r.chain_hash(&prev);
                let out = (r, prev.clone(), h.clone());
                prev = h;
                out
            })
            .collect()
    }

    fn verify(c: &[(AuditFields, String, String)]) -> Result<u64, ChainBreak> {
        let mut v = ChainVerifier::new();
        for (r, p, h) in c {
            v.check(r, p, h)?;
        }
        Ok(v.checked())
    }

    #[test]
    fn intact_chain_verifies() {
        assert_eq!(verify(&chain(10)), Ok(10));
    }

    #[test]
    fn altered_record_is_named() {
        let mut c = chain(10);
        c[4].0.action = "logout".into();
        assert_eq!(verify(&c), Err(ChainBreak::Altered { seq: 5 }));
    }

    #[test]
    fn removed_record_is_named() {
        let mut c = chain(10);
        c.remove(6);
        assert_eq!(
            verify(&c),
            Err(ChainBreak::Missing {
                expected: 7,
                found: 8
            })
        );
    }

    #[test]
    fn field_boundaries_matter() {
        let mut a = rec(1, "ab");
        a.object_type = "c".into();
        let mut b = rec(1, "a");
        b.object_type = "bc".into();
        assert_ne!(a.chain_hash(GENESIS), b.chain_hash(GENESIS));
    }
}
