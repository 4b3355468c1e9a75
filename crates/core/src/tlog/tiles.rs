//! C2SP tlog-tiles paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, tile
//! height 8 (256 hashes a tile), N in 3-digit groups with an `x` before all but the last.

/// Hashes (or entries) in a full tile.
pub const TILE_WIDTH: u64 = 256;
/// log2 of [`TILE_WIDTH`].
pub const TILE_HEIGHT: u32 = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TilePathError {
    #[error("malformed tile path")]
    Malformed,
}

fn encode_index(n: u64) -> String {
    let mut groups = vec![format!("{:03}", n % 1000)];
    let mut rest = n / 1000;
    while rest > 0 {
        groups.push(format!("x{:03}", rest % 1000));
        rest /= 1000;
    }
    groups.reverse();
    groups.join("/")
}

fn suffix(width: u64) -> String {
    if width == 0 || width == TILE_WIDTH {
        String::new()
    } else {
        format!(".p/{width}")
    }
}

/// `tile/<level>/<index>[.p/<width>]` (width 0 or 256: a full tile).
pub fn tile_path(level: u8, index: u64, width: u64) -> String {
    format!("tile/{level}/{}{}", encode_index(index), suffix(width))
}

/// `tile/entries/<index>[.p/<width>]`.
pub fn entries_path(index: u64, width: u64) -> String {
    format!("tile/entries/{}{}", encode_index(index), suffix(width))
}

/// Parses the `<N>[.p/<W>]` part of a tile path: (index, width; 0 for a full tile).
pub fn parse_tile_index(s: &str) -> Result<(u64, u64), TilePathError> {
    let (n, w) = match s.split_once(".p/") {
        Some((n, w)) => {
            let ok = !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()) && !w.starts_with('0');
            let w: u64 = if ok {
                w.parse().map_err(|_| TilePathError::Malformed)?
            } else {
                0
            };
            if !(1..TILE_WIDTH).contains(&w) {
                return Err(TilePathError::Malformed);
            }
            (n, w)
        }
        None => (s, 0),
    };
    let groups: Vec<&str> = n.split('/').collect();
    let mut index: u64 = 0;
    for (i, g) in groups.iter().enumerate() {
        let last = i + 1 == groups.len();
        let digits = if last {
            *g
        } else {
            g.strip_prefix('x').ok_or(TilePathError::Malformed)?
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(TilePathError::Malformed);
        }
        let v: u64 = digits.parse().map_err(|_| TilePathError::Malformed)?;
        index = index
            .checked_mul(1000)
            .and_then(|x| x.checked_add(v))
            .ok_or(TilePathError::Malformed)?;
    }
    Ok((index, w))
}

/// Whether tile `index` at `level` (`None`: an entry bundle, whose leaves are level 0's)
/// starts at a leaf a log can hold: its first leaf, index × 256^(level+1), must fit in an
/// i64 (the databases' integer). Larger indices would overflow and name another tile.
pub fn tile_in_range(level: Option<u8>, index: u64) -> bool {
    let span_bits = TILE_HEIGHT * (u32::from(level.unwrap_or(0)) + 1);
    span_bits < 63
        && index
            .checked_mul(1u64 << span_bits)
            .is_some_and(|first| first <= i64::MAX as u64)
}

/// Parses a level: 0–63, decimal, no leading zeros.
pub fn parse_level(s: &str) -> Result<u8, TilePathError> {
    if s.is_empty()
        || s.len() > 2
        || (s.len() > 1 && s.starts_with('0'))
        || !s.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(TilePathError::Malformed);
    }
    let l: u8 = s.parse().map_err(|_| TilePathError::Malformed)?;
    if l > 63 {
        return Err(TilePathError::Malformed);
    }
    Ok(l)
}

/// The width of the partial tile at `level` for a tree of `size` leaves (0: none).
pub fn partial_width(level: u8, size: u64) -> u64 {
    (size >> (u32::from(level) * TILE_HEIGHT)) % TILE_WIDTH
}

/// The number of full tiles at `level` for a tree of `size` leaves.
pub fn full_tiles(level: u8, size: u64) -> u64 {
    (size >> (u32::from(level) * TILE_HEIGHT)) / TILE_WIDTH
}

#[cfg(test)]
mod range_tests {
    use super::*;

    #[test]
    fn indices_past_what_a_log_holds_are_out_of_range() {
        assert!(tile_in_range(None, 0));
        assert!(tile_in_range(None, (1 << 55) - 1));
        assert!(!tile_in_range(None, 1 << 56), "2^56 × 256 overflows u64");
        assert!(!tile_in_range(None, 1 << 55), "past i64");
        assert!(tile_in_range(Some(1), 1 << 40));
        assert!(!tile_in_range(Some(7), 1), "256^8 leaves");
        assert!(!tile_in_range(Some(63), 0));
    }
}
