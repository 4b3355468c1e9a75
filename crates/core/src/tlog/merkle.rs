//! RFC 6962 §2.1 hashing and proofs (= RFC 9162 §2.1), SHA-256.

use sha2::{Digest, Sha256};

pub type Hash = [u8; 32];

/// MTH of the empty tree: SHA-256 of the empty string (not the hash of an empty leaf).
pub const EMPTY_ROOT: Hash = [
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
];

/// SHA-256(0x00 ‖ data).
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// SHA-256(0x01 ‖ left ‖ right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    node_hash_bytes(left, right)
}

/// [`node_hash`] of children of any length (the hasher's definition, for its vectors).
pub fn node_hash_bytes(left: &[u8], right: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// MTH over leaf hashes (the tree of `leaves.len()` entries).
pub fn root_of(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => EMPTY_ROOT,
        1 => leaves[0],
        n => {
            let k = split(n as u64) as usize;
            node_hash(&root_of(&leaves[..k]), &root_of(&leaves[k..]))
        }
    }
}

/// Where proofs get their subtree hashes: MTH(D[start:end]) for the ranges a proof needs
/// (always a perfect subtree, or the right edge of the tree).
pub trait Subtrees {
    type Error;
    fn subtree(&self, start: u64, end: u64) -> Result<Hash, Self::Error>;
}

/// A log held in memory as its leaf hashes.
impl Subtrees for [Hash] {
    type Error = std::convert::Infallible;
    fn subtree(&self, start: u64, end: u64) -> Result<Hash, Self::Error> {
        Ok(root_of(&self[start as usize..end as usize]))
    }
}

/// Why a proof was not produced or did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("index or size out of range")]
    OutOfRange,
    #[error("the proof has the wrong number of hashes")]
    WrongLength,
    #[error("the proof does not lead to the root")]
    Mismatch,
}

/// PATH(m, D[lo:hi]) with m relative to lo.
fn path<S: Subtrees + ?Sized>(
    m: u64,
    lo: u64,
    hi: u64,
    src: &S,
    out: &mut Vec<Hash>,
) -> Result<(), S::Error> {
    let n = hi - lo;
    if n <= 1 {
        return Ok(());
    }
    let k = split(n);
    if m < k {
        path(m, lo, lo + k, src, out)?;
        out.push(src.subtree(lo + k, hi)?);
    } else {
        path(m - k, lo + k, hi, src, out)?;
        out.push(src.subtree(lo, lo + k)?);
    }
    Ok(())
}

/// The audit path of leaf `index` in the tree of `size` leaves (leaf's sibling first).
pub fn inclusion_proof<S: Subtrees + ?Sized>(
    index: u64,
    size: u64,
    src: &S,
) -> Result<Result<Vec<Hash>, ProofError>, S::Error> {
    if index >= size {
        return Ok(Err(ProofError::OutOfRange));
    }
    let mut out = vec![];
    path(index, 0, size, src, &mut out)?;
    Ok(Ok(out))
}

/// SUBPROOF(m, D[lo:hi], b).
fn subproof<S: Subtrees + ?Sized>(
    m: u64,
    lo: u64,
    hi: u64,
    whole: bool,
    src: &S,
    out: &mut Vec<Hash>,
) -> Result<(), S::Error> {
    let n = hi - lo;
    if m == n {
        if !whole {
            out.push(src.subtree(lo, hi)?);
        }
        return Ok(());
    }
    let k = split(n);
    if m <= k {
        subproof(m, lo, lo + k, whole, src, out)?;
        out.push(src.subtree(lo + k, hi)?);
    } else {
        subproof(m - k, lo + k, hi, false, src, out)?;
        out.push(src.subtree(lo, lo + k)?);
    }
    Ok(())
}

/// The consistency proof from the tree of `size1` leaves to the tree of `size2`
/// (0 < size1 ≤ size2; empty when they are equal).
pub fn consistency_proof<S: Subtrees + ?Sized>(
    size1: u64,
    size2: u64,
    src: &S,
) -> Result<Result<Vec<Hash>, ProofError>, S::Error> {
    if size1 == 0 || size1 > size2 {
        return Ok(Err(ProofError::OutOfRange));
    }
    let mut out = vec![];
    if size1 < size2 {
        subproof(size1, 0, size2, true, src, &mut out)?;
    }
    Ok(Ok(out))
}

/// RFC 9162 §2.1.3.2: does `proof` show the leaf `leaf` at `index` in the tree of `size`
/// leaves with root `root`?
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange);
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        if f % 2 == 1 || f == s {
            r = node_hash(p, &r);
            if f % 2 == 0 {
                while f % 2 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if r == *root {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

/// RFC 9162 §2.1.4.2 with the edge-case policy of transparency-dev/merkle: size1 = 0 is
/// meaningless; equal sizes need an empty proof and equal roots; a growing tree needs a
/// non-empty proof.
pub fn verify_consistency(
    size1: u64,
    size2: u64,
    root1: &Hash,
    root2: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if size1 == 0 || size2 < size1 {
        return Err(ProofError::OutOfRange);
    }
    if size1 == size2 {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if root1 == root2 {
            Ok(())
        } else {
            Err(ProofError::Mismatch)
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if size1.is_power_of_two() {
        path.push(*root1);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (size1 - 1, size2 - 1);
    while f % 2 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        if f % 2 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f % 2 == 0 {
                while f % 2 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr == *root1 && sr == *root2 {
        Ok(())
    } else {
        Err(ProofError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(n: u64) -> Vec<Hash> {
        (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
    }

    #[test]
    fn every_proof_of_small_trees_verifies_and_a_flipped_bit_fails() {
        for n in 1..=40u64 {
            let l = leaves(n);
            let root = root_of(&l);
            for i in 0..n {
                let p = inclusion_proof(i, n, l.as_slice()).unwrap().unwrap();
                assert_eq!(verify_inclusion(i, n, &l[i as usize], &p, &root), Ok(()));
                if let Some(first) = p.first() {
                    let mut bad = p.clone();
                    bad[0][7] ^= 1;
                    assert!(verify_inclusion(i, n, &l[i as usize], &bad, &root).is_err());
                    let _ = first;
                }
            }
            for m in 1..=n {
                let p = consistency_proof(m, n, l.as_slice()).unwrap().unwrap();
                let r1 = root_of(&l[..m as usize]);
                assert_eq!(verify_consistency(m, n, &r1, &root, &p), Ok(()), "{m} {n}");
                if !p.is_empty() {
                    let mut bad = p.clone();
                    let last = bad.len() - 1;
                    bad[last][0] ^= 0x80;
                    assert!(verify_consistency(m, n, &r1, &root, &bad).is_err());
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Random trees: every proof verifies, and flipping any bit of any byte of the
        /// proof, the leaf or either root makes it fail.
        #[test]
        fn random_trees_proofs_verify_and_any_flipped_byte_fails(
            n in 1u64..3000,
            a in proptest::num::u64::ANY,
            b in proptest::num::u64::ANY,
            pick in proptest::num::usize::ANY,
            byte in 0usize..32,
            bit in 0u8..8,
        ) {
            let l: Vec<Hash> = (0..n).map(|i| leaf_hash(&(i ^ a).to_le_bytes())).collect();
            let root = root_of(&l);
            let i = a % n;
            let p = inclusion_proof(i, n, l.as_slice()).unwrap().unwrap();
            proptest::prop_assert_eq!(verify_inclusion(i, n, &l[i as usize], &p, &root), Ok(()));
            // Flip one bit in one of: the path's elements, the leaf, the root.
            let mut parts: Vec<Hash> = p.clone();
            parts.push(l[i as usize]);
            parts.push(root);
            let k = pick % parts.len();
            parts[k][byte] ^= 1 << bit;
            let (bp, rest) = parts.split_at(p.len());
            proptest::prop_assert!(verify_inclusion(i, n, &rest[0], bp, &rest[1]).is_err());

            let m = 1 + b % n;
            let p = consistency_proof(m, n, l.as_slice()).unwrap().unwrap();
            let r1 = root_of(&l[..m as usize]);
            proptest::prop_assert_eq!(verify_consistency(m, n, &r1, &root, &p), Ok(()));
            let mut parts: Vec<Hash> = p.clone();
            parts.push(r1);
            parts.push(root);
            let k = pick % parts.len();
            parts[k][byte] ^= 1 << bit;
            let (bp, rest) = parts.split_at(p.len());
            // With m == n the proof is empty and the roots equal: a flipped root must fail.
            proptest::prop_assert!(verify_consistency(m, n, &rest[0], &rest[1], bp).is_err());
        }
    }
}
