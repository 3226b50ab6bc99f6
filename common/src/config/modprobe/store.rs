//! Where a [`super::ModprobeConfig`] keeps its numbers: in vectors when it was parsed, or in the
//! mapped cache file (`cache.rs`) when it was loaded from one, then read in place so that a
//! lookup touches only the pages it needs.

use std::sync::Arc;

use super::Rec;

/// A cache file's bytes (mapped: [`crate::index::mapped::IndexBytes`]), shared by everything
/// loaded from it.
pub(crate) type Map = Arc<crate::index::mapped::IndexBytes>;

/// An array of `u32`: a vector, or `len` little-endian values at `start` of a mapping.
#[derive(Clone)]
pub(super) enum U32s {
    Owned(Vec<u32>),
    Mapped { map: Map, start: usize, len: usize },
}

impl Default for U32s {
    fn default() -> U32s {
        U32s::Owned(Vec::new())
    }
}

impl From<Vec<u32>> for U32s {
    fn from(v: Vec<u32>) -> U32s {
        U32s::Owned(v)
    }
}

impl U32s {
    /// The number of values.
    pub(super) fn len(&self) -> usize {
        match self {
            U32s::Owned(v) => v.len(),
            U32s::Mapped { len, .. } => *len,
        }
    }

    /// Value `i` (`None` past the end, or if a mapping is shorter than it said).
    pub(super) fn get(&self, i: usize) -> Option<u32> {
        match self {
            U32s::Owned(v) => v.get(i).copied(),
            U32s::Mapped { map, start, len } if i < *len => {
                let at = start.checked_add(i.checked_mul(4)?)?;
                let bytes: [u8; 4] = map.get(at..at.checked_add(4)?)?.try_into().ok()?;
                Some(u32::from_le_bytes(bytes))
            }
            U32s::Mapped { .. } => None,
        }
    }

    /// Appends a value (a mapped array is copied first: only when a cached configuration is
    /// added to).
    pub(super) fn push(&mut self, v: u32) {
        if let U32s::Mapped { .. } = self {
            *self = U32s::Owned(self.iter().collect());
        }
        if let U32s::Owned(values) = self {
            values.push(v);
        }
    }

    /// The values in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.len()).map_while(|i| self.get(i))
    }

    /// Appends the values, little-endian, to `out` (the cache file's layout).
    pub(super) fn write_to(&self, out: &mut Vec<u8>) {
        for v in self.iter() {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
}

/// The records of one list: those of a cache file (four `u32` each, [`Rec`]'s fields in order),
/// then those added since (the kernel command line's, or everything for a parsed
/// configuration).
#[derive(Clone, Default)]
pub(super) struct Recs {
    cached: U32s,
    owned: Vec<Rec>,
}

impl Recs {
    /// The records of a cache file: `words` holds four values per record.
    pub(super) fn cached(words: U32s) -> Recs {
        Recs {
            cached: words,
            owned: Vec::new(),
        }
    }

    fn cached_len(&self) -> usize {
        self.cached.len() / 4
    }

    /// The number of records.
    pub(super) fn len(&self) -> usize {
        self.cached_len() + self.owned.len()
    }

    /// Whether there are none.
    pub(super) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Record `i`.
    pub(super) fn get(&self, i: usize) -> Option<Rec> {
        let n = self.cached_len();
        if i >= n {
            return self.owned.get(i - n).copied();
        }
        let word = |k: usize| self.cached.get(4 * i + k);
        Some(Rec {
            hash: word(0)?,
            text: word(1)?,
            start: word(2)?,
            line: word(3)?,
        })
    }

    /// The hash of record `i`.
    pub(super) fn hash(&self, i: usize) -> Option<u32> {
        let n = self.cached_len();
        if i >= n {
            return self.owned.get(i - n).map(|r| r.hash);
        }
        self.cached.get(4 * i)
    }

    /// Adds a record after the others.
    pub(super) fn push(&mut self, rec: Rec) {
        self.owned.push(rec);
    }

    /// The records in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = Rec> + '_ {
        (0..self.len()).map_while(|i| self.get(i))
    }

    /// Appends the records' fields, little-endian, to `out` (the cache file's layout).
    pub(super) fn write_to(&self, out: &mut Vec<u8>) {
        for r in self.iter() {
            for v in [r.hash, r.text, r.start, r.line] {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
}
