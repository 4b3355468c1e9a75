//! A log kept as C2SP tiles: appending leaf hashes updates the level-0 tile and, whenever a
//! tile fills, adds its root as the next entry of the level above; any subtree hash a proof
//! needs is read from the tiles. Storage is the caller's (a map in tests, database rows in
//! the app), through [`TileReader`].

use std::collections::BTreeMap;

use super::merkle::{Hash, Subtrees, node_hash, root_of};
use super::tiles::{TILE_HEIGHT, TILE_WIDTH};

/// Reads the hashes of the tile at (level, index): the full 256, or the partial tile's
/// hashes, or none if it does not exist yet.
pub trait TileReader {
    type Error;
    fn tile(&self, level: u8, index: u64) -> Result<Option<Vec<Hash>>, Self::Error>;
}

/// Tiles written by an append: (level, index) → the tile's hashes after it.
pub type TileWrites = BTreeMap<(u8, u64), Vec<Hash>>;

/// Tiles held in memory are a log too (an empty map: the empty log).
impl TileReader for TileWrites {
    type Error = std::convert::Infallible;
    fn tile(&self, level: u8, index: u64) -> Result<Option<Vec<Hash>>, Self::Error> {
        Ok(self.get(&(level, index)).cloned())
    }
}

/// Appends `leaves` to a log of `size` entries; returns every tile that changed, whole.
pub fn append<R: TileReader + ?Sized>(
    reader: &R,
    size: u64,
    leaves: &[Hash],
) -> Result<TileWrites, R::Error> {
    let mut writes = TileWrites::new();
    // Per level: the hashes to add, starting at which position of that level.
    let mut pending: Vec<Hash> = leaves.to_vec();
    let mut start = size;
    let mut level: u8 = 0;
    while !pending.is_empty() {
        let mut next = vec![];
        let mut next_start = None;
        for (i, h) in pending.iter().enumerate() {
            let pos = start + i as u64;
            let (index, slot) = (pos / TILE_WIDTH, (pos % TILE_WIDTH) as usize);
            let tile = match writes.entry((level, index)) {
                std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::btree_map::Entry::Vacant(e) => {
                    e.insert(reader.tile(level, index)?.unwrap_or_default())
                }
            };
            tile.truncate(slot);
            tile.push(*h);
            if tile.len() as u64 == TILE_WIDTH {
                next_start.get_or_insert(index);
                next.push(root_of(tile));
            }
        }
        if let Some(s) = next_start {
            start = s;
        }
        pending = next;
        level += 1;
    }
    Ok(writes)
}

/// The log's subtree hashes, read from its tiles (`size` entries).
pub struct TileSubtrees<'a, R: ?Sized> {
    pub reader: &'a R,
    pub size: u64,
}

/// Why a subtree hash could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TileError<E> {
    #[error("tile {level}/{index} is missing or too short")]
    Missing { level: u8, index: u64 },
    #[error(transparent)]
    Read(E),
}

impl<R: TileReader + ?Sized> TileSubtrees<'_, R> {
    /// MTH of the perfect, aligned range [start, start + 2^height).
    fn perfect(&self, start: u64, height: u32) -> Result<Hash, TileError<R::Error>> {
        let level = height / TILE_HEIGHT;
        let span = 1u64 << (height - level * TILE_HEIGHT);
        let first = start >> (level * TILE_HEIGHT);
        let (index, slot) = (first / TILE_WIDTH, (first % TILE_WIDTH) as usize);
        let level = level as u8;
        let tile = self
            .reader
            .tile(level, index)
            .map_err(TileError::Read)?
            .ok_or(TileError::Missing { level, index })?;
        let hashes = tile
            .get(slot..slot + span as usize)
            .ok_or(TileError::Missing { level, index })?;
        Ok(root_of(hashes))
    }
}

impl<R: TileReader + ?Sized> Subtrees for TileSubtrees<'_, R> {
    type Error = TileError<R::Error>;

    fn subtree(&self, start: u64, end: u64) -> Result<Hash, Self::Error> {
        let n = end - start;
        if n.is_power_of_two() && start.is_multiple_of(n) {
            return self.perfect(start, n.trailing_zeros());
        }
        // The right edge of the tree: a perfect left part and the rest.
        let k = 1u64 << (63 - (n - 1).leading_zeros());
        Ok(node_hash(
            &self.subtree(start, start + k)?,
            &self.subtree(start + k, end)?,
        ))
    }
}

impl<R: TileReader + ?Sized> TileSubtrees<'_, R> {
    /// The tree head of the whole log.
    pub fn root(&self) -> Result<Hash, TileError<R::Error>> {
        if self.size == 0 {
            return Ok(super::merkle::EMPTY_ROOT);
        }
        self.subtree(0, self.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::{consistency_proof, inclusion_proof, leaf_hash};

    #[test]
    fn tiles_give_the_same_roots_and_proofs_as_the_leaves() {
        let mut mem = TileWrites::new();
        let mut leaves: Vec<Hash> = vec![];
        let mut size = 0u64;
        // Batches of awkward sizes across tile and level boundaries (256, 65,536).
        for (b, n) in [1usize, 2, 253, 256, 1000, 3, 64_000, 1_100]
            .into_iter()
            .enumerate()
        {
            let batch: Vec<Hash> = (0..n)
                .map(|i| leaf_hash(format!("{b}-{i}").as_bytes()))
                .collect();
            let writes = append(&mem, size, &batch).expect("append");
            mem.extend(writes);
            leaves.extend(batch);
            size = leaves.len() as u64;
            let t = TileSubtrees { reader: &mem, size };
            assert_eq!(t.root().expect("root"), root_of(&leaves), "size {size}");
        }
        let t = TileSubtrees { reader: &mem, size };
        for i in [0, 1, 255, 256, 65_535, 65_536, size - 1] {
            assert_eq!(
                inclusion_proof(i, size, &t).expect("tiles").expect("proof"),
                inclusion_proof(i, size, leaves.as_slice())
                    .expect("mem")
                    .expect("proof"),
                "inclusion {i}"
            );
        }
        for m in [1, 3, 256, 257, 65_536, 66_000, size] {
            assert_eq!(
                consistency_proof(m, size, &t)
                    .expect("tiles")
                    .expect("proof"),
                consistency_proof(m, size, leaves.as_slice())
                    .expect("mem")
                    .expect("proof"),
                "consistency {m}"
            );
        }
        // Level 1 holds the roots of full level-0 tiles; level 2 one full level-1 tile's.
        let l1 = mem.get(&(1, 0)).cloned().expect("level 1");
        assert_eq!(l1[0], root_of(&leaves[..256]));
        assert!(mem.contains_key(&(2, 0)));
    }
}
