//! 公开存证: the tamper-evident log, the Certificate Transparency way — RFC 6962 / RFC 9162
//! Merkle tree hashing, inclusion and consistency proofs and their verification, C2SP
//! `tlog-checkpoint` text signed as a C2SP `signed-note` (Ed25519, through the
//! `signed_note` crate), and C2SP `tlog-tiles` paths.
//!
//! Proofs are built from subtree hashes supplied by a [`Subtrees`] source, so that the same
//! code serves a log held in memory (tests) and one stored as tiles in a database.

pub mod checkpoint;
pub mod merkle;
pub mod store;
pub mod tiles;

pub use checkpoint::{Checkpoint, CheckpointError, key_from_seed, key_name};
pub use merkle::{
    EMPTY_ROOT, Hash, ProofError, Subtrees, consistency_proof, inclusion_proof, leaf_hash,
    node_hash, root_of, verify_consistency, verify_inclusion,
};
pub use tiles::{
    TILE_HEIGHT, TILE_WIDTH, TilePathError, entries_path, parse_tile_index, tile_path,
};

#[cfg(test)]
mod vectors;
