//! Writing a `.bin` index: [`IndexBuilder`] collects entries in memory and serialises them in
//! kmod 30's layout, byte for byte (described in [`super::format`]).

use std::collections::BTreeMap;
use std::io;

use super::format::{
    IndexError, CHAR_LIMIT, FLAG_CHILDS, FLAG_PREFIX, FLAG_VALUES, HEADER_LEN, MAGIC, OFFSET_MASK,
    VERSION,
};

/// Builds an index in memory and serialises it in kmod 30's layout.
#[derive(Debug, Clone, Default)]
pub struct IndexBuilder {
    /// Keys in byte order, each with its values in stored order.
    entries: BTreeMap<String, Vec<(u32, String)>>,
    /// Entries [`IndexBuilder::insert`] dropped.
    rejected: usize,
}

/// A key and its values, as [`IndexBuilder::to_bytes`] walks them in key order.
type SortedEntry<'e> = (&'e [u8], &'e [(u32, String)]);

/// A node of the trie being serialised: the keys `keys[lo..hi]`, which all share the node's key
/// `keys[lo][..end]`; the node's own prefix is `keys[lo][start..end]`.
struct BuildFrame {
    lo: usize,
    hi: usize,
    start: usize,
    end: usize,
    /// Whether `keys[lo]` ends at this node (so the node has values).
    has_values: bool,
    /// The first key not yet handed to a child.
    cursor: usize,
    /// Where this node's finished children start in the shared child stack.
    kids_base: usize,
}

impl IndexBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one value under `key` (the same key may get many values, even identical ones).
    ///
    /// The values of a key are kept sorted by ascending `priority`; a value goes before the
    /// existing values of equal priority. An entry the format cannot store (see
    /// [`IndexBuilder::try_insert`]) is dropped and counted in [`IndexBuilder::rejected`].
    pub fn insert(&mut self, key: &str, value: &str, priority: u32) {
        if self.try_insert(key, value, priority).is_err() {
            self.rejected += 1;
        }
    }

    /// Like [`IndexBuilder::insert`], but says why an entry cannot be stored.
    ///
    /// # Errors
    ///
    /// [`IndexError::BadEntry`] if the key is not 7-bit ASCII or contains NUL, or the value
    /// contains NUL.
    pub fn try_insert(&mut self, key: &str, value: &str, priority: u32) -> Result<(), IndexError> {
        if !key.bytes().all(|b| b != 0 && b < CHAR_LIMIT) {
            return Err(IndexError::BadEntry {
                reason: "key is not 7-bit ASCII without NUL",
            });
        }
        if value.as_bytes().contains(&0) {
            return Err(IndexError::BadEntry {
                reason: "value contains NUL",
            });
        }
        let values = self.entries.entry(key.to_owned()).or_default();
        let at = values.partition_point(|&(p, _)| p < priority);
        values.insert(at, (priority, value.to_owned()));
        Ok(())
    }

    /// How many entries [`IndexBuilder::insert`] dropped.
    pub fn rejected(&self) -> usize {
        self.rejected
    }

    /// The number of distinct keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key was inserted.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Serialises in kmod 30's layout (see the module documentation).
    ///
    /// # Errors
    ///
    /// [`IndexError::TooLarge`] if a node would start beyond offset [`OFFSET_MASK`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, IndexError> {
        let entries: Vec<SortedEntry<'_>> = self
            .entries
            .iter()
            .map(|(k, v)| (k.as_bytes(), v.as_slice()))
            .collect();
        let mut out = Vec::with_capacity(
            HEADER_LEN
                + entries
                    .iter()
                    .map(|(k, v)| k.len() + 16 + v.iter().map(|x| x.1.len() + 5).sum::<usize>())
                    .sum::<usize>(),
        );
        out.extend_from_slice(&MAGIC.to_be_bytes());
        out.extend_from_slice(&VERSION.to_be_bytes());
        out.extend_from_slice(&0u32.to_be_bytes());

        // Iterative post-order walk over the implicit trie of the sorted keys.
        let mut kids: Vec<(u8, u32)> = Vec::new();
        let mut stack = vec![BuildFrame::new(&entries, 0, entries.len(), 0, true, 0)];
        let mut root_word = 0;
        while let Some(top) = stack.last_mut() {
            if top.cursor < top.hi {
                // The next child: all keys in cursor..hi whose byte at `end` is the same.
                let (lo, hi, end) = (top.cursor, top.hi, top.end);
                let c = entries[lo].0[end];
                let group = lo + entries[lo..hi].partition_point(|(k, _)| k[end] <= c);
                top.cursor = group;
                let frame = BuildFrame::new(&entries, lo, group, end + 1, false, kids.len());
                stack.push(frame);
                continue;
            }
            // All children written: write the node itself.
            let Some(frame) = stack.pop() else {
                break;
            };
            let word = write_node(&mut out, &entries, &frame, &kids[frame.kids_base..])?;
            kids.truncate(frame.kids_base);
            if stack.is_empty() {
                root_word = word;
            } else {
                kids.push((entries[frame.lo].0[frame.start - 1], word));
            }
        }
        out[8..12].copy_from_slice(&root_word.to_be_bytes());
        Ok(out)
    }

    /// Serialises into `w`.
    ///
    /// # Errors
    ///
    /// The writer's errors, or [`io::ErrorKind::Other`] wrapping [`IndexError::TooLarge`].
    pub fn write_to(&self, w: &mut impl io::Write) -> io::Result<()> {
        let bytes = self.to_bytes().map_err(io::Error::other)?;
        w.write_all(&bytes)
    }
}

impl BuildFrame {
    /// The node for `keys[lo..hi]` whose prefix starts at `start`; the root (`root`) gets no
    /// prefix, any other node extends its prefix while no key ends and no keys diverge.
    fn new(
        keys: &[SortedEntry<'_>],
        lo: usize,
        hi: usize,
        start: usize,
        root: bool,
        kids_base: usize,
    ) -> Self {
        let mut end = start;
        if !root {
            // Sorted keys sharing keys[lo][..end]: if the first and last agree at `end`, all do;
            // a key ending at `end` sorts first.
            let (first, last) = (keys[lo].0, keys[hi - 1].0);
            while first.len() > end && first[end] == last[end] {
                end += 1;
            }
        }
        let has_values = lo < hi && keys[lo].0.len() == end;
        BuildFrame {
            lo,
            hi,
            start,
            end,
            has_values,
            cursor: lo + usize::from(has_values),
            kids_base,
        }
    }
}

/// Appends one node and returns its offset word.
fn write_node(
    out: &mut Vec<u8>,
    keys: &[SortedEntry<'_>],
    frame: &BuildFrame,
    kids: &[(u8, u32)],
) -> Result<u32, IndexError> {
    let offset = u32::try_from(out.len())
        .ok()
        .filter(|&o| o <= OFFSET_MASK)
        .ok_or(IndexError::TooLarge)?;
    let mut word = offset;
    let prefix = keys
        .get(frame.lo)
        .map_or(&[][..], |k| &k.0[frame.start..frame.end]);
    if !prefix.is_empty() {
        word |= FLAG_PREFIX;
        out.extend_from_slice(prefix);
        out.push(0);
    }
    if let (Some(&(first, _)), Some(&(last, _))) = (kids.first(), kids.last()) {
        word |= FLAG_CHILDS;
        out.push(first);
        out.push(last);
        let mut slots = vec![0u32; usize::from(last - first) + 1];
        for &(c, w) in kids {
            slots[usize::from(c - first)] = w;
        }
        for w in slots {
            out.extend_from_slice(&w.to_be_bytes());
        }
    }
    if frame.has_values {
        word |= FLAG_VALUES;
        let values = keys[frame.lo].1;
        let count = u32::try_from(values.len()).map_err(|_| IndexError::TooLarge)?;
        out.extend_from_slice(&count.to_be_bytes());
        for (priority, value) in values {
            out.extend_from_slice(&priority.to_be_bytes());
            out.extend_from_slice(value.as_bytes());
            out.push(0);
        }
    }
    Ok(word)
}
