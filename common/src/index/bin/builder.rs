//! Writing a `.bin` index: [`IndexBuilder`] collects entries in memory and serialises them in
//! kmod 34's layout (or kmod 30's), byte for byte (both described in [`super::format`]).

use std::collections::BTreeMap;
use std::io;

use super::format::{
    IndexError, CHAR_LIMIT, FLAG_CHILDS, FLAG_PREFIX, FLAG_VALUES, HEADER_LEN, MAGIC, OFFSET_MASK,
    VERSION,
};

/// Where the nodes of the trie go in the file (the nodes themselves are the same in both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// kmod 34's: each node before its descendants (pre-order), the root first at offset 12.
    #[default]
    Kmod34,
    /// kmod 30's: each node after its descendants (post-order), the root last.
    Kmod30,
}

/// Builds an index in memory and serialises it in kmod 34's layout (or kmod 30's).
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

    /// Serialises in kmod 34's layout (see the module documentation), what depmod writes.
    ///
    /// # Errors
    ///
    /// [`IndexError::TooLarge`] if a node would start beyond offset [`OFFSET_MASK`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, IndexError> {
        self.to_bytes_in(Layout::Kmod34)
    }

    /// Serialises in the given layout.
    ///
    /// # Errors
    ///
    /// [`IndexError::TooLarge`] if a node would start beyond offset [`OFFSET_MASK`].
    pub fn to_bytes_in(&self, layout: Layout) -> Result<Vec<u8>, IndexError> {
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
        let root_word = match layout {
            Layout::Kmod34 => write_pre_order(&mut out, &entries)?,
            Layout::Kmod30 => write_post_order(&mut out, &entries)?,
        };
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

/// Writes the trie of `entries` node before descendants, children in ascending character order;
/// returns the root's offset word. A node's child words are patched in as each child is written.
fn write_pre_order(out: &mut Vec<u8>, entries: &[SortedEntry<'_>]) -> Result<u32, IndexError> {
    let mut root_word = 0;
    // A node still to write, and where its parent's word for it is (None: the root).
    let mut stack = vec![(BuildFrame::new(entries, 0, entries.len(), 0, true, 0), None)];
    let mut groups: Vec<(u8, usize, usize)> = Vec::new();
    while let Some((frame, slot)) = stack.pop() {
        // The children: the keys in cursor..hi grouped by their byte at `end`.
        groups.clear();
        let mut lo = frame.cursor;
        while lo < frame.hi {
            let c = entries[lo].0[frame.end];
            let hi = lo + entries[lo..frame.hi].partition_point(|(k, _)| k[frame.end] <= c);
            groups.push((c, lo, hi));
            lo = hi;
        }
        let kids: Vec<(u8, u32)> = groups.iter().map(|&(c, _, _)| (c, 0)).collect();
        let (word, slots) = write_node(out, entries, &frame, &kids)?;
        match slot {
            Some(at) => out[at..at + 4].copy_from_slice(&word.to_be_bytes()),
            None => root_word = word,
        }
        let first = kids.first().map_or(0, |k| k.0);
        for &(c, lo, hi) in groups.iter().rev() {
            let at = slots + 4 * usize::from(c - first);
            let child = BuildFrame::new(entries, lo, hi, frame.end + 1, false, 0);
            stack.push((child, Some(at)));
        }
    }
    Ok(root_word)
}

/// Writes the trie of `entries` node after descendants, children in ascending character order;
/// returns the root's offset word.
fn write_post_order(out: &mut Vec<u8>, entries: &[SortedEntry<'_>]) -> Result<u32, IndexError> {
    let mut kids: Vec<(u8, u32)> = Vec::new();
    let mut stack = vec![BuildFrame::new(entries, 0, entries.len(), 0, true, 0)];
    let mut root_word = 0;
    while let Some(top) = stack.last_mut() {
        if top.cursor < top.hi {
            // The next child: all keys in cursor..hi whose byte at `end` is the same.
            let (lo, hi, end) = (top.cursor, top.hi, top.end);
            let c = entries[lo].0[end];
            let group = lo + entries[lo..hi].partition_point(|(k, _)| k[end] <= c);
            top.cursor = group;
            let frame = BuildFrame::new(entries, lo, group, end + 1, false, kids.len());
            stack.push(frame);
            continue;
        }
        // All children written: write the node itself.
        let Some(frame) = stack.pop() else {
            break;
        };
        let (word, _) = write_node(out, entries, &frame, &kids[frame.kids_base..])?;
        kids.truncate(frame.kids_base);
        if stack.is_empty() {
            root_word = word;
        } else {
            kids.push((entries[frame.lo].0[frame.start - 1], word));
        }
    }
    Ok(root_word)
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

/// Appends one node; returns its offset word and where its child words start in `out`.
fn write_node(
    out: &mut Vec<u8>,
    keys: &[SortedEntry<'_>],
    frame: &BuildFrame,
    kids: &[(u8, u32)],
) -> Result<(u32, usize), IndexError> {
    let offset = u32::try_from(out.len())
        .ok()
        .filter(|&o| o <= OFFSET_MASK)
        .ok_or(IndexError::TooLarge)?;
    let mut word = offset;
    let mut slots_at = out.len();
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
        slots_at = out.len();
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
    Ok((word, slots_at))
}
