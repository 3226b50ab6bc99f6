//! The binary trie format of `modules.dep.bin`, `modules.alias.bin`, `modules.symbols.bin`,
//! `modules.builtin.bin` and `modules.builtin.alias.bin`: [`IndexBuilder`] writes it,
//! [`Index`] reads it.
//!
//! # Format
//!
//! All integers are big-endian `u32`. The file starts with a 12-byte header: the magic
//! `0xB007F457`, the version `0x00020001` (readers only insist on the high half being 2) and the
//! *offset word* of the root node.
//!
//! An offset word is `(offset & 0x0FFF_FFFF) | flags`, where the flags say which parts the node
//! at `offset` has: [`FLAG_PREFIX`], [`FLAG_CHILDS`], [`FLAG_VALUES`]. A masked offset of 0 means
//! "no node". The parts of a node follow each other directly, in this order, each present only if
//! its flag is set:
//!
//! - prefix: a NUL-terminated, non-empty string;
//! - children: a byte `first`, a byte `last` (both below 128), then `last - first + 1` offset
//!   words, the one at index `i` leading to the child for character `first + i` (or 0);
//! - values: a count, then per value its priority and a NUL-terminated string.
//!
//! The key of a node is its parent's key, then the character of the child slot that led to it,
//! then the node's own prefix. The root's key is its prefix (kmod never gives the root one).
//! The values of a key are sorted by ascending priority; among equal priorities the value
//! inserted last comes first.
//!
//! # Layout of kmod 30, which [`IndexBuilder`] reproduces byte for byte
//!
//! Observed by running Debian's kmod 30 `depmod` on small trees and on a whole 6.1 kernel tree,
//! dumping the five `.bin` files and rebuilding them from their contents:
//!
//! - The trie is a compressed (radix) trie whose shape depends only on the set of keys, not on the
//!   insertion order. A node other than the root swallows characters into its prefix as long as
//!   no key ends at the current position and all keys below it continue with the same character;
//!   it stops at the first position where a key ends (the node then has values) or where the keys
//!   below it diverge (the node then has children). A leaf's prefix is therefore the whole rest
//!   of its key.
//! - The root never has a prefix, even when all keys start alike (`modules.symbols.bin` has a
//!   root with the single child `s` whose prefix is `ymbol:`).
//! - A child array spans exactly from the smallest to the largest child character; characters in
//!   between without a child get a zero word.
//! - Nodes are written depth-first, children in ascending character order, each node right after
//!   all of its descendants (post-order); the first node starts at offset 12 and the root is the
//!   last thing in the file. There is no padding or alignment anywhere.
//! - An index without keys is the header plus an empty root: the root word is `0x0000000C` (no
//!   flags) and the file is 12 bytes long.
//! - Identical (key, value, priority) triples are all kept (the 6.1 `modules.alias.bin` stores
//!   `nvme` twice under one pattern).
//! - kmod 30 copies bytes >= 128 in keys verbatim into prefixes but writes a broken child array
//!   when keys diverge at such a byte; [`IndexBuilder::try_insert`] therefore refuses keys that
//!   are not 7-bit ASCII (and [`IndexBuilder::insert`] drops them).
//!
//! The layer above (depmod) decides what keys are: e.g. for `modules.alias.bin` the key is the
//! alias pattern with `-` turned into `_` outside `[...]` classes; this module stores keys as
//! given.
//!
//! # Wildcard lookups
//!
//! [`Index::lookup_wildcard`] treats stored keys as `fnmatch(3)` patterns, the way kmod 30's
//! `modprobe` does (checked against `modprobe -R` on real and crafted indexes):
//!
//! - Walking down from the root, a key is compared byte for byte with the query until its first
//!   `*`, `?` or `[`; from there on the rest of the key is matched against the rest of the query
//!   with [`fnmatch`]. A key without those characters must equal the query. So a `\` before
//!   the first wildcard is an ordinary byte, one after it escapes.
//! - At a node with children, the walk follows the child for the query's next byte and,
//!   separately, the `*`, `?` and `[` children. When the query's byte is itself one of those, that
//!   child is visited twice and its matches are reported twice (kmod prints them twice too).
//! - The values found are sorted by priority (stable: key order, then stored order).
//! - Unlike kmod, which calls `fnmatch` on every key below a glob character, the walk skips a
//!   subtree once the literal bytes at the end of its key (after the last `*` or `?`) occur
//!   nowhere in the rest of the query: no key below can match then. A `modules.alias.bin`
//!   search for a PCI modalias visits a fraction of the nodes it would otherwise.
//!
//! kmod's `modprobe -R` finds nothing for queries containing `[` or `]`, even when a key equals
//! the query literally (it seems to reject them before looking up); that check and the `-` to
//! `_` conversion of queries are the caller's business.
//!
//! # Reading hostile files
//!
//! [`Index`] never parses the whole file; it follows offsets from the root. Every walk has a
//! budget of bytes it may read (a little more than the file's size): a well-formed file is a tree
//! whose nodes occupy disjoint bytes, so no lookup or full walk of it reads a byte twice, whereas
//! offsets that form cycles or share nodes exhaust the budget and yield [`IndexError::TooDeep`].
//! Keys may be far longer than the bytes that spell them: a chain of nodes of one character each
//! spells keys of every length, and a 1 MiB file of them holds 2.4 GB of keys. A dump that keeps
//! them all ([`Index::entries`]) therefore has a budget of key bytes, the larger of
//! [`DUMP_KEY_BYTES_PER_BYTE`] per byte of the file and [`DUMP_KEY_BYTES_MIN`] (Debian's real
//! indexes need under one per byte), and fails with [`IndexError::TooDeep`] past it;
//! [`Index::for_each_entry`] hands each key over and keeps none, so it needs no budget (like
//! kmod, it takes as long as its output is big). All reads are bounds-checked and all walks
//! iterative, so no input makes the reader panic, overflow the stack, loop forever or allocate
//! without bound.

use std::collections::BTreeMap;
use std::io;

use crate::pattern::fnmatch;

/// The magic number at the start of every index file.
pub const MAGIC: u32 = 0xB007_F457;
/// The version kmod writes; readers check only the major half (`version >> 16 == 2`).
pub const VERSION: u32 = 0x0002_0001;
/// The offset-word flag: the node has a prefix string.
pub const FLAG_PREFIX: u32 = 0x8000_0000;
/// The offset-word flag: the node has values.
pub const FLAG_VALUES: u32 = 0x4000_0000;
/// The offset-word flag: the node has a child array.
pub const FLAG_CHILDS: u32 = 0x2000_0000;
/// The bits of an offset word that hold the offset.
pub const OFFSET_MASK: u32 = 0x0FFF_FFFF;

/// How many bytes of keys [`Index::entries`] may keep per byte of the file (or
/// [`DUMP_KEY_BYTES_MIN`] if that is more).
pub const DUMP_KEY_BYTES_PER_BYTE: usize = 16;
/// How many bytes of keys [`Index::entries`] may keep whatever the file's size.
pub const DUMP_KEY_BYTES_MIN: usize = 64 << 20;

/// Size of the header: magic, version, root offset word.
const HEADER_LEN: usize = 12;
/// Child characters must be below this (7-bit ASCII).
const CHAR_LIMIT: u8 = 128;
/// Smallest encoding of one value: priority and an empty string's NUL.
const MIN_VALUE_LEN: usize = 5;

/// Why an index could not be read or built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// The file does not start with [`MAGIC`].
    #[error("bad index magic")]
    BadMagic,
    /// The file's major version is not 2.
    #[error("unsupported index version {0:#010x}")]
    BadVersion(u32),
    /// A read went past the end of the file.
    #[error("index truncated at offset {offset}")]
    Truncated {
        /// Where the read that failed started.
        offset: u32,
    },
    /// A node is malformed.
    #[error("bad index node at offset {offset}: {reason}")]
    BadNode {
        /// The node's offset.
        offset: u32,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A walk read more than a well-formed file of this size could make it read: the offsets form
    /// a cycle or point at shared nodes.
    #[error("index nodes nest too deeply (offset cycle?)")]
    TooDeep,
    /// An entry given to [`IndexBuilder::insert`] cannot be stored.
    #[error("cannot index entry: {reason}")]
    BadEntry {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The serialised index would need offsets beyond [`OFFSET_MASK`] (256 MiB).
    #[error("index too large")]
    TooLarge,
}

impl From<IndexError> for io::Error {
    fn from(e: IndexError) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e)
    }
}

/// One value stored under a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndexValue<'a> {
    /// Lower sorts first; depmod uses the module's position in `modules.order`.
    pub priority: u32,
    /// The value string (a module name, a `modules.dep` line, ...).
    pub value: &'a str,
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

/// Builds an index in memory and serialises it in kmod 30's layout.
#[derive(Debug, Clone, Default)]
pub struct IndexBuilder {
    /// Keys in byte order, each with its values in stored order.
    entries: BTreeMap<String, Vec<(u32, String)>>,
    /// Entries [`IndexBuilder::insert`] dropped.
    rejected: usize,
}

/// A key and its values, as [`IndexBuilder::try_to_bytes`] walks them in key order.
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
    /// # Panics
    ///
    /// If the index would exceed 256 MiB, which the format cannot address (a kernel's indexes
    /// are a few MiB); [`IndexBuilder::try_to_bytes`] returns an error instead.
    pub fn to_bytes(&self) -> Vec<u8> {
        match self.try_to_bytes() {
            Ok(bytes) => bytes,
            Err(e) => panic!("{e}"),
        }
    }

    /// Serialises in kmod 30's layout (see the module documentation).
    ///
    /// # Errors
    ///
    /// [`IndexError::TooLarge`] if a node would start beyond offset [`OFFSET_MASK`].
    pub fn try_to_bytes(&self) -> Result<Vec<u8>, IndexError> {
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
        let bytes = self.try_to_bytes().map_err(io::Error::other)?;
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

// ---------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------

/// A read-only view of an index file's bytes; follows offsets lazily, never parses the whole
/// file.
#[derive(Debug, Clone, Copy)]
pub struct Index<'a> {
    bytes: &'a [u8],
    root: u32,
}

/// One parsed node header; its values are read on demand.
#[derive(Debug, Clone, Copy)]
struct Node<'a> {
    offset: u32,
    prefix: &'a [u8],
    /// The character of the first child slot.
    first: u8,
    /// The child offset words, 4 bytes each.
    children: &'a [u8],
    /// Number of values and where the first one starts.
    values: Option<(u32, usize)>,
}

impl Node<'_> {
    /// The offset word of the child for `c`, or 0.
    fn child(&self, c: u8) -> u32 {
        let Some(i) = c.checked_sub(self.first) else {
            return 0;
        };
        slot(self.children, usize::from(i))
    }

    /// The number of child slots.
    fn slots(&self) -> usize {
        self.children.len() / 4
    }
}

/// The offset word in child slot `i` (0 if out of range).
fn slot(children: &[u8], i: usize) -> u32 {
    i.checked_mul(4)
        .and_then(|at| children.get(at..at.checked_add(4)?))
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map_or(0, u32::from_be_bytes)
}

/// Saturating conversion of a file position for error messages.
fn pos32(pos: usize) -> u32 {
    u32::try_from(pos).unwrap_or(u32::MAX)
}

/// The state of one walk: the file and the number of bytes the walk may still read.
struct Walk<'a> {
    bytes: &'a [u8],
    budget: usize,
}

impl<'a> Walk<'a> {
    /// A walk that may read each byte of the file once (plus a little).
    fn new(bytes: &'a [u8]) -> Self {
        Self::with_passes(bytes, 1)
    }

    /// A walk that may read the file `passes` times.
    fn with_passes(bytes: &'a [u8], passes: usize) -> Self {
        Walk {
            bytes,
            budget: bytes.len().saturating_add(64).saturating_mul(passes),
        }
    }

    /// Spends `n` bytes (at least 1) of the budget.
    fn charge(&mut self, n: usize) -> Result<(), IndexError> {
        self.budget = self
            .budget
            .checked_sub(n.max(1))
            .ok_or(IndexError::TooDeep)?;
        Ok(())
    }

    fn u32_at(&self, pos: usize) -> Result<u32, IndexError> {
        pos.checked_add(4)
            .and_then(|end| self.bytes.get(pos..end))
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map(u32::from_be_bytes)
            .ok_or(IndexError::Truncated { offset: pos32(pos) })
    }

    /// The NUL-terminated string at `pos`, without its NUL.
    fn cstr_at(&self, pos: usize) -> Result<&'a [u8], IndexError> {
        let rest = self
            .bytes
            .get(pos..)
            .ok_or(IndexError::Truncated { offset: pos32(pos) })?;
        let len = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(IndexError::Truncated { offset: pos32(pos) })?;
        Ok(&rest[..len])
    }

    /// Parses the node an offset word points to (the word must not be 0).
    fn node(&mut self, word: u32) -> Result<Node<'a>, IndexError> {
        let offset = word & OFFSET_MASK;
        let bad = |reason| IndexError::BadNode { offset, reason };
        let start = offset as usize;
        if start < HEADER_LEN {
            return Err(bad("offset points into the header"));
        }
        if start > self.bytes.len() {
            return Err(IndexError::Truncated { offset });
        }
        let mut pos = start;
        let mut prefix: &[u8] = &[];
        if word & FLAG_PREFIX != 0 {
            prefix = self.cstr_at(pos)?;
            pos += prefix.len() + 1;
        }
        let mut first = 0;
        let mut children: &[u8] = &[];
        if word & FLAG_CHILDS != 0 {
            let range = self
                .bytes
                .get(pos..pos + 2)
                .ok_or(IndexError::Truncated { offset: pos32(pos) })?;
            let (f, l) = (range[0], range[1]);
            if f > l {
                return Err(bad("child range is reversed"));
            }
            if l >= CHAR_LIMIT {
                return Err(bad("child character is not 7-bit ASCII"));
            }
            first = f;
            let len = (usize::from(l - f) + 1) * 4;
            children = self
                .bytes
                .get(pos + 2..pos + 2 + len)
                .ok_or(IndexError::Truncated { offset: pos32(pos) })?;
            pos += 2 + len;
        }
        let mut values = None;
        if word & FLAG_VALUES != 0 {
            let count = self.u32_at(pos)?;
            pos += 4;
            if count as usize > self.bytes.len().saturating_sub(pos) / MIN_VALUE_LEN {
                return Err(bad("value count exceeds the file"));
            }
            values = Some((count, pos));
        }
        self.charge(pos - start)?;
        Ok(Node {
            offset,
            prefix,
            first,
            children,
            values,
        })
    }

    /// Reads all values of `node`, in stored order.
    fn values(&mut self, node: &Node<'a>) -> Result<Vec<IndexValue<'a>>, IndexError> {
        let Some((count, mut pos)) = node.values else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(count as usize);
        for _ in 0..count {
            let priority = self.u32_at(pos)?;
            let raw = self.cstr_at(pos + 4)?;
            let value = std::str::from_utf8(raw).map_err(|_| IndexError::BadNode {
                offset: node.offset,
                reason: "value is not UTF-8",
            })?;
            self.charge(raw.len() + MIN_VALUE_LEN)?;
            pos += raw.len() + MIN_VALUE_LEN;
            out.push(IndexValue { priority, value });
        }
        Ok(out)
    }
}

/// Characters that make a stored key a pattern. Like kmod, the wildcard search compares a key
/// byte for byte with the query up to its first such character, and hands only the rest of the
/// key and the rest of the query to [`fnmatch`]. So a backslash before the first wildcard is an
/// ordinary byte (`L\*` matches `L\x`), while one after it escapes (`N*\*` matches `Nab*`
/// only); a key without wildcards must equal the query.
fn is_glob_special(c: u8) -> bool {
    matches!(c, b'*' | b'?' | b'[')
}

/// Which children a depth-first walk still has to visit at one node.
enum Pending {
    /// Every slot from this index on.
    All(usize),
    /// These characters (ascending), from index `.2` on; `.1` is how many there are. The flag
    /// says whether the child matches the query's byte literally.
    Some([(u8, bool); 4], usize, usize),
}

/// One node on the stack of a depth-first walk.
struct WalkFrame<'a> {
    node: Node<'a>,
    /// Length of the node's key.
    key_len: usize,
    /// Where the key's first glob character is (`None`: none so far, the walk may prune).
    glob: Option<usize>,
    pending: Pending,
}

impl<'a> Index<'a> {
    /// Checks the header of `bytes`.
    ///
    /// # Errors
    ///
    /// [`IndexError::Truncated`] for a file shorter than the header, [`IndexError::BadMagic`],
    /// [`IndexError::BadVersion`].
    pub fn new(bytes: &'a [u8]) -> Result<Index<'a>, IndexError> {
        let walk = Walk::new(bytes);
        if bytes.len() < HEADER_LEN {
            return Err(IndexError::Truncated {
                offset: pos32(bytes.len()),
            });
        }
        if walk.u32_at(0)? != MAGIC {
            return Err(IndexError::BadMagic);
        }
        let version = walk.u32_at(4)?;
        if version >> 16 != VERSION >> 16 {
            return Err(IndexError::BadVersion(version));
        }
        let root = walk.u32_at(8)?;
        Ok(Index { bytes, root })
    }

    /// The node `key` ends at, if any.
    fn find(&self, walk: &mut Walk<'a>, key: &[u8]) -> Result<Option<Node<'a>>, IndexError> {
        let mut word = self.root;
        let mut pos = 0;
        loop {
            if word & OFFSET_MASK == 0 {
                return Ok(None);
            }
            let node = walk.node(word)?;
            let Some(rest) = key.get(pos..) else {
                return Ok(None);
            };
            if !rest.starts_with(node.prefix) {
                return Ok(None);
            }
            pos += node.prefix.len();
            match key.get(pos) {
                None => return Ok(Some(node)),
                Some(&c) => {
                    word = node.child(c);
                    pos += 1;
                }
            }
        }
    }

    /// The first (lowest-priority) value stored under exactly `key`.
    ///
    /// # Errors
    ///
    /// An [`IndexError`] if a node on the way is malformed.
    pub fn lookup_exact(&self, key: &str) -> Result<Option<&'a str>, IndexError> {
        let mut walk = Walk::new(self.bytes);
        let Some(node) = self.find(&mut walk, key.as_bytes())? else {
            return Ok(None);
        };
        let Some((count, pos)) = node.values else {
            return Ok(None);
        };
        if count == 0 {
            return Ok(None);
        }
        let first = Node {
            values: Some((1, pos)),
            ..node
        };
        Ok(walk.values(&first)?.first().map(|v| v.value))
    }

    /// All values stored under exactly `key`, in stored order.
    ///
    /// # Errors
    ///
    /// An [`IndexError`] if a node on the way is malformed.
    pub fn values_exact(&self, key: &str) -> Result<Vec<IndexValue<'a>>, IndexError> {
        let mut walk = Walk::new(self.bytes);
        match self.find(&mut walk, key.as_bytes())? {
            Some(node) => walk.values(&node),
            None => Ok(Vec::new()),
        }
    }

    /// The values of every stored key that, read as an `fnmatch(3)` pattern (no flags), matches
    /// `query`; sorted by priority, ties in key order and then stored order.
    ///
    /// # Errors
    ///
    /// An [`IndexError`] if a node the search visits is malformed.
    pub fn lookup_wildcard(&self, query: &str) -> Result<Vec<IndexValue<'a>>, IndexError> {
        let query = query.as_bytes();
        let mut out = Vec::new();
        self.walk(Some(query), |walk, key, glob, node| {
            let matched = match glob {
                None => key == query,
                Some(at) => match (key.get(at..), query.get(at..)) {
                    (Some(pattern), Some(rest)) => fnmatch(pattern, rest),
                    _ => false,
                },
            };
            if matched {
                out.extend(walk.values(node)?);
            }
            Ok(())
        })?;
        out.sort_by_key(|v| v.priority);
        Ok(out)
    }

    /// Every key in key order with its values in stored order (for dumps and tests). Bytes of a
    /// key that are not UTF-8 are replaced by U+FFFD.
    ///
    /// # Errors
    ///
    /// An [`IndexError`] if any node is malformed, or [`IndexError::TooDeep`] if the keys add up
    /// to more than [`DUMP_KEY_BYTES_PER_BYTE`] bytes per byte of the file (at least
    /// [`DUMP_KEY_BYTES_MIN`]).
    pub fn entries(&self) -> Result<Vec<(String, Vec<IndexValue<'a>>)>, IndexError> {
        let mut out = Vec::new();
        let mut key_budget = self
            .bytes
            .len()
            .saturating_mul(DUMP_KEY_BYTES_PER_BYTE)
            .max(DUMP_KEY_BYTES_MIN);
        self.walk(None, |walk, key, _, node| {
            key_budget = key_budget
                .checked_sub(key.len())
                .ok_or(IndexError::TooDeep)?;
            let values = walk.values(node)?;
            out.push((String::from_utf8_lossy(key).into_owned(), values));
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `visit` with every key in key order (bytes that are not UTF-8 replaced by U+FFFD)
    /// and its values in stored order, keeping nothing: for dumps of any size in constant
    /// memory (`modprobe -c`). Stops at the first error, `visit`'s or the index's.
    ///
    /// # Errors
    ///
    /// What `visit` returned, or an [`IndexError`] (converted) if a node is malformed; the keys
    /// before the bad node have been visited.
    pub fn for_each_entry<E: From<IndexError>>(
        &self,
        mut visit: impl FnMut(&str, &[IndexValue<'a>]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut stopped: Option<E> = None;
        let walked = self.walk(None, |walk, key, _, node| {
            let values = walk.values(node)?;
            visit(&String::from_utf8_lossy(key), &values).map_err(|e| {
                stopped = Some(e);
                // Only ends the walk; `stopped` is what is returned.
                IndexError::TooDeep
            })
        });
        match (stopped, walked) {
            (Some(e), _) => Err(e),
            (None, Err(e)) => Err(e.into()),
            (None, Ok(())) => Ok(()),
        }
    }

    /// Depth-first, in key order, calls `visit` for every node with values whose key could match
    /// `query` as a pattern (every node with values when `query` is `None`), with the key and the
    /// position of its first glob character (up to which it equals `query`; `None` if it has
    /// none, then it is a prefix of `query`).
    fn walk(
        &self,
        query: Option<&[u8]>,
        mut visit: impl FnMut(&mut Walk<'a>, &[u8], Option<usize>, &Node<'a>) -> Result<(), IndexError>,
    ) -> Result<(), IndexError> {
        // A query byte that is a wildcard character makes the walk visit the matching child
        // twice (see the module documentation), so such queries get more passes.
        let passes = 1 + query.map_or(0, |q| q.iter().filter(|&&c| is_glob_special(c)).count());
        let mut walk = Walk::with_passes(self.bytes, passes);
        let mut key: Vec<u8> = Vec::new();
        let mut stack: Vec<WalkFrame<'a>> = Vec::new();
        let mut word = self.root;
        // Without a query nothing is pruned, as if the key started with a glob character.
        let mut glob = if query.is_some() { None } else { Some(0) };
        loop {
            // Enter the node `word`, whose key so far is `key`.
            if word & OFFSET_MASK != 0 {
                let node = walk.node(word)?;
                let mut keep = true;
                for &c in node.prefix {
                    if glob.is_none() {
                        if is_glob_special(c) {
                            glob = Some(key.len());
                        } else if query.and_then(|q| q.get(key.len())) != Some(&c) {
                            keep = false;
                            break;
                        }
                    }
                    key.push(c);
                }
                if let (true, Some(q), Some(at)) = (keep, query, glob) {
                    // Below a glob character: skip subtrees no key of which can match.
                    keep = q.get(at..).is_some_and(|rest| may_match(&key[at..], rest));
                }
                if keep {
                    if node.values.is_some() {
                        visit(&mut walk, &key, glob, &node)?;
                    }
                    let pending = match query {
                        Some(q) if glob.is_none() => {
                            // The wildcard children start a pattern; the child for the
                            // query's next byte goes on literally, even when that byte is a
                            // wildcard character too (kmod then visits that child twice and
                            // reports its matches twice).
                            let mut chars =
                                [(b'*', false), (b'?', false), (b'[', false), (0, true)];
                            let mut n = 3;
                            if let Some(&c) = q.get(key.len()) {
                                chars[3].0 = c;
                                n = 4;
                            }
                            chars[..n].sort_unstable();
                            Pending::Some(chars, n, 0)
                        }
                        _ => Pending::All(0),
                    };
                    stack.push(WalkFrame {
                        node,
                        key_len: key.len(),
                        glob,
                        pending,
                    });
                }
            }
            // Find the next child to enter, popping finished nodes.
            loop {
                let Some(top) = stack.last_mut() else {
                    return Ok(());
                };
                let next = match &mut top.pending {
                    Pending::All(i) => {
                        let mut found = None;
                        while *i < top.node.slots() {
                            let w = slot(top.node.children, *i);
                            *i += 1;
                            if w & OFFSET_MASK != 0 {
                                let c = top.node.first.saturating_add(pos8(*i - 1));
                                found = Some((c, w, false));
                                break;
                            }
                        }
                        found
                    }
                    Pending::Some(chars, n, i) => {
                        let mut found = None;
                        while *i < *n {
                            let (c, literal) = chars[*i];
                            *i += 1;
                            let w = top.node.child(c);
                            if w & OFFSET_MASK != 0 {
                                found = Some((c, w, literal));
                                break;
                            }
                        }
                        found
                    }
                };
                match next {
                    Some((c, w, literal)) => {
                        key.truncate(top.key_len);
                        key.push(c);
                        glob = match top.glob {
                            None if !literal && is_glob_special(c) => Some(top.key_len),
                            g => g,
                        };
                        word = w;
                        break;
                    }
                    None => {
                        stack.pop();
                    }
                }
            }
        }
    }
}

/// Whether a key starting with `pattern` (the part from its first glob character on) could
/// match `rest` (the query from the same position), for pruning a wildcard search. Outside
/// brackets and escapes, a pattern's literal bytes between `*` and `?` must occur in what it
/// matches, so if the last run of them does not occur in `rest`, neither the key nor any key
/// below it matches. Patterns with `[` or `\` are not judged: always `true`.
fn may_match(pattern: &[u8], rest: &[u8]) -> bool {
    if pattern.iter().any(|&c| c == b'[' || c == b'\\') {
        return true;
    }
    let start = pattern
        .iter()
        .rposition(|&c| c == b'*' || c == b'?')
        .map_or(0, |i| i + 1);
    let literal = &pattern[start..];
    literal.is_empty() || memchr::memmem::find(rest, literal).is_some()
}

/// A child slot index as a character offset (slots never exceed 128).
fn pos8(i: usize) -> u8 {
    u8::try_from(i).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testutil::XorShift as Rng;

    /// The reference model: every inserted (key, value, priority) in insertion order.
    type Model = Vec<(String, String, u32)>;

    /// What `entries()` must return for `model`: keys sorted; values by ascending priority,
    /// equal priorities newest first.
    fn expected_entries(model: &Model) -> Vec<(String, Vec<(u32, String)>)> {
        let mut map: BTreeMap<String, Vec<(u32, String)>> = BTreeMap::new();
        for (k, v, p) in model.iter().rev() {
            map.entry(k.clone()).or_default().push((*p, v.clone()));
        }
        map.into_iter()
            .map(|(k, mut vs)| {
                vs.sort_by_key(|v| v.0); // stable: newest first among equals
                (k, vs)
            })
            .collect()
    }

    fn owned(entries: Vec<(String, Vec<IndexValue<'_>>)>) -> Vec<(String, Vec<(u32, String)>)> {
        entries
            .into_iter()
            .map(|(k, vs)| {
                let vs = vs
                    .iter()
                    .map(|v| (v.priority, v.value.to_owned()))
                    .collect();
                (k, vs)
            })
            .collect()
    }

    fn build(model: &Model) -> Vec<u8> {
        let mut b = IndexBuilder::new();
        for (k, v, p) in model {
            b.try_insert(k, v, *p).expect("valid entry");
        }
        b.to_bytes()
    }

    /// Random keys over a small alphabet, so that prefixes are shared, keys are prefixes of
    /// others, and patterns appear.
    fn random_model(rng: &mut Rng, n: usize, alphabet: &[u8], prios: u32) -> Model {
        let mut model: Model = Vec::new();
        for i in 0..n {
            let key = if !model.is_empty() && rng.below(3) == 0 {
                // Extend, shorten or reuse an existing key.
                let base = rng.pick(&model).0.clone();
                match rng.below(3) {
                    0 => base[..rng.below(base.len() + 1)].to_owned(),
                    1 => base.clone(),
                    _ => format!("{base}{}", char::from(*rng.pick(alphabet))),
                }
            } else {
                let len = rng.below(8);
                (0..len).map(|_| char::from(*rng.pick(alphabet))).collect()
            };
            let value = format!("v{i}");
            model.push((key, value, rng.next() as u32 % prios));
        }
        model
    }

    /// `lookup_wildcard` by brute force over `entries`: a key equals the query up to its first
    /// `*`, `?` or `[`; the rests are compared with `fnmatch`.
    fn brute_wildcard(entries: &[(String, Vec<(u32, String)>)], query: &str) -> Vec<(u32, String)> {
        let q = query.as_bytes();
        let mut out = Vec::new();
        for (k, vs) in entries {
            let k = k.as_bytes();
            let matched = match k.iter().position(|&c| is_glob_special(c)) {
                None => k == q,
                Some(g) => q.len() >= g && k[..g] == q[..g] && fnmatch(&k[g..], &q[g..]),
            };
            if matched {
                out.extend(vs.iter().cloned());
            }
        }
        out.sort_by_key(|v| v.0);
        out
    }

    /// Runs every read operation; they may fail but must not panic or hang.
    fn exercise(bytes: &[u8], probes: &[&str]) {
        let Ok(idx) = Index::new(bytes) else {
            return;
        };
        let _ = idx.entries();
        for p in probes {
            let _ = idx.lookup_exact(p);
            let _ = idx.values_exact(p);
            let _ = idx.lookup_wildcard(p);
        }
    }

    #[test]
    fn value_order_ascending_priority_newest_first() {
        let mut b = IndexBuilder::new();
        for (v, p) in [("a", 5), ("b", 1), ("c", 5), ("d", 1), ("e", 3)] {
            b.insert("k", v, p);
        }
        let bytes = b.to_bytes();
        let idx = Index::new(&bytes).expect("header");
        let got: Vec<_> = idx
            .values_exact("k")
            .expect("ok")
            .iter()
            .map(|v| (v.priority, v.value))
            .collect();
        assert_eq!(got, [(1, "d"), (1, "b"), (3, "e"), (5, "c"), (5, "a")]);
        assert_eq!(idx.lookup_exact("k").expect("ok"), Some("d"));
    }

    #[test]
    fn hand_checked_layout() {
        // Keys "a" -> "z", "ab" -> "x", "ac" -> "y": root --'a'--> node(values "z", children
        // b, c) whose children are leaves with empty prefixes. Post-order: leaf b, leaf c, the
        // 'a' node, the root.
        let mut b = IndexBuilder::new();
        b.insert("ab", "x", 0);
        b.insert("ac", "y", 7);
        b.insert("a", "z", 2);
        let mut want: Vec<u8> = vec![0xb0, 0x07, 0xf4, 0x57, 0, 2, 0, 1];
        // The root word.
        want.extend_from_slice(&(FLAG_CHILDS | 52).to_be_bytes());
        // 12: leaf "ab": values only
        want.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, b'x', 0]);
        // 22: leaf "ac"
        want.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 7, b'y', 0]);
        // 32: node "a": children 'b'..'c', then values
        want.extend_from_slice(b"bc");
        want.extend_from_slice(&(FLAG_VALUES | 12).to_be_bytes());
        want.extend_from_slice(&(FLAG_VALUES | 22).to_be_bytes());
        want.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2, b'z', 0]);
        // 52: root: children 'a'..'a'
        want.extend_from_slice(b"aa");
        want.extend_from_slice(&(FLAG_CHILDS | FLAG_VALUES | 32).to_be_bytes());
        assert_eq!(b.to_bytes(), want);

        // A lone key: the root keeps no prefix, its child takes the rest as prefix.
        let mut b = IndexBuilder::new();
        b.insert("net_pf_15", "af_key", 0);
        let mut want: Vec<u8> = vec![0xb0, 0x07, 0xf4, 0x57, 0, 2, 0, 1];
        want.extend_from_slice(&(FLAG_CHILDS | 36).to_be_bytes());
        want.extend_from_slice(b"et_pf_15\0");
        want.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0]);
        want.extend_from_slice(b"af_key\0");
        want.extend_from_slice(b"nn");
        want.extend_from_slice(&(FLAG_PREFIX | FLAG_VALUES | 12).to_be_bytes());
        assert_eq!(b.to_bytes(), want);
    }

    // The golden files: see tests-data/index/README.md. Produced by Debian's kmod 30:
    // `depmod -b /tmp/gold 6.1.0-56-amd64` on a tree of five modules copied from Debian's
    // 6.1.0-56-amd64 kernel, with the modules.order and modules.builtin kept next to them.
    const GOLD_ORDER: &str = include_str!("../../tests-data/index/modules.order");
    const GOLD_DEP: &str = include_str!("../../tests-data/index/modules.dep");
    const GOLD_ALIAS: &str = include_str!("../../tests-data/index/modules.alias");
    const GOLD_SYMBOLS: &str = include_str!("../../tests-data/index/modules.symbols");
    const GOLD_BUILTIN: &str = include_str!("../../tests-data/index/modules.builtin");
    const GOLD_DEP_BIN: &[u8] = include_bytes!("../../tests-data/index/modules.dep.bin");
    const GOLD_ALIAS_BIN: &[u8] = include_bytes!("../../tests-data/index/modules.alias.bin");
    const GOLD_SYMBOLS_BIN: &[u8] = include_bytes!("../../tests-data/index/modules.symbols.bin");
    const GOLD_BUILTIN_BIN: &[u8] = include_bytes!("../../tests-data/index/modules.builtin.bin");
    // kmod's modules.symbols.bin for a tree whose only module exports nothing.
    const GOLD_EMPTY_BIN: &[u8] = include_bytes!("../../tests-data/index/empty.bin");

    /// Module name of a path: basename up to the first '.', '-' -> '_'.
    fn modname(path: &str) -> String {
        let base = path.rsplit('/').next().unwrap_or(path);
        base.split('.').next().unwrap_or(base).replace('-', "_")
    }

    /// depmod's alias key: '-' -> '_' outside `[...]`.
    fn alias_key(alias: &str) -> String {
        let mut in_class = false;
        alias
            .chars()
            .map(|c| match c {
                '[' => {
                    in_class = true;
                    c
                }
                ']' => {
                    in_class = false;
                    c
                }
                '-' if !in_class => '_',
                _ => c,
            })
            .collect()
    }

    /// The golden text files as models, in the order depmod inserts them.
    fn gold_models() -> [(Model, &'static [u8]); 4] {
        let prio = |name: &str| -> u32 {
            GOLD_ORDER
                .lines()
                .position(|l| modname(l) == name)
                .expect("module in modules.order") as u32
        };
        let dep = GOLD_DEP
            .lines()
            .map(|l| {
                let name = modname(l.split(':').next().unwrap_or(l));
                (name.clone(), l.to_owned(), prio(&name))
            })
            .collect();
        let aliases = |text: &str, convert: bool| -> Model {
            text.lines()
                .filter_map(|l| l.strip_prefix("alias "))
                .map(|l| {
                    let (a, m) = l.split_once(' ').expect("alias line");
                    let key = if convert { alias_key(a) } else { a.to_owned() };
                    (key, m.to_owned(), prio(m))
                })
                .collect()
        };
        let builtin = GOLD_BUILTIN
            .lines()
            .map(|l| (modname(l), String::new(), 0))
            .collect();
        [
            (dep, GOLD_DEP_BIN),
            (aliases(GOLD_ALIAS, true), GOLD_ALIAS_BIN),
            (aliases(GOLD_SYMBOLS, false), GOLD_SYMBOLS_BIN),
            (builtin, GOLD_BUILTIN_BIN),
        ]
    }

    #[test]
    fn golden_kmod_bytes() {
        for (model, kmod) in gold_models() {
            assert_eq!(build(&model), kmod);
            let idx = Index::new(kmod).expect("header");
            assert_eq!(
                owned(idx.entries().expect("entries")),
                expected_entries(&model)
            );
        }
        assert_eq!(IndexBuilder::new().to_bytes(), GOLD_EMPTY_BIN);
    }

    #[test]
    fn golden_lookups() {
        let dep = Index::new(GOLD_DEP_BIN).expect("header");
        assert_eq!(
            dep.lookup_exact("af_key").expect("ok"),
            Some("kernel/net/key/af_key.ko: kernel/net/xfrm/xfrm_algo.ko")
        );
        assert_eq!(dep.lookup_exact("af_ke").expect("ok"), None);
        assert_eq!(dep.lookup_exact("af_key_").expect("ok"), None);
        assert_eq!(dep.lookup_exact("af-key").expect("ok"), None);

        let alias = Index::new(GOLD_ALIAS_BIN).expect("header");
        let names = |q: &str| -> Vec<&str> {
            let vs = alias.lookup_wildcard(q).expect("ok");
            vs.iter().map(|v| v.value).collect()
        };
        assert_eq!(names("net_pf_15"), ["af_key"]);
        // acpi*:BMA222E:* is claimed by both bus glue modules, i2c first in modules.order.
        assert_eq!(
            names("acpi:BMA222E:"),
            ["bmc150_accel_i2c", "bmc150_accel_spi"]
        );
        assert_eq!(
            names("acpiXYZ:BMA222E:whatever"),
            ["bmc150_accel_i2c", "bmc150_accel_spi"]
        );
        assert!(names("acpi:BMA222F:").is_empty());
        assert!(names("net_pf_1").is_empty());

        let symbols = Index::new(GOLD_SYMBOLS_BIN).expect("header");
        let found = symbols
            .lookup_wildcard("symbol:xfrm_aalg_get_byid")
            .expect("ok");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].value, "xfrm_algo");

        let empty = Index::new(GOLD_EMPTY_BIN).expect("header");
        assert!(empty.entries().expect("ok").is_empty());
        assert_eq!(empty.lookup_exact("").expect("ok"), None);
        assert!(empty.lookup_wildcard("x").expect("ok").is_empty());
    }

    #[test]
    fn round_trip_random() {
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..60 {
            let n = 1 + rng.below(if round < 50 { 40 } else { 1500 });
            let model = random_model(&mut rng, n, b"abc_:0", 4);
            let bytes = build(&model);
            let idx = Index::new(&bytes).expect("header");
            let want = expected_entries(&model);
            assert_eq!(owned(idx.entries().expect("entries")), want);
            for (k, vs) in &want {
                let got = idx.values_exact(k).expect("ok");
                let got: Vec<_> = got
                    .iter()
                    .map(|v| (v.priority, v.value.to_owned()))
                    .collect();
                assert_eq!(&got, vs);
                assert_eq!(idx.lookup_exact(k).expect("ok"), Some(vs[0].1.as_str()));
                // Neighbours that are not keys find nothing.
                for probe in [
                    format!("{k}z"),
                    format!("{k}a"),
                    k[..k.len() / 2].to_owned(),
                ] {
                    if !want.iter().any(|(key, _)| *key == probe) {
                        assert_eq!(idx.lookup_exact(&probe).expect("ok"), None, "{probe}");
                        assert!(idx.values_exact(&probe).expect("ok").is_empty());
                    }
                }
            }
            // Rebuilding from the entries (values re-inserted oldest first) is byte-identical.
            let mut again = IndexBuilder::new();
            for (k, vs) in idx.entries().expect("entries") {
                for v in vs.iter().rev() {
                    again.insert(&k, v.value, v.priority);
                }
            }
            assert_eq!(again.to_bytes(), bytes);
        }
    }

    #[test]
    fn empty_key_and_empty_values() {
        let mut b = IndexBuilder::new();
        b.insert("", "root", 1);
        b.insert("x", "", 0);
        let bytes = b.to_bytes();
        let idx = Index::new(&bytes).expect("header");
        assert_eq!(idx.lookup_exact("").expect("ok"), Some("root"));
        assert_eq!(idx.lookup_exact("x").expect("ok"), Some(""));
        assert_eq!(owned(idx.entries().expect("ok")).len(), 2);
        assert_eq!(idx.lookup_wildcard("").expect("ok")[0].value, "root");
    }

    #[test]
    fn rejects_unstorable_entries() {
        let mut b = IndexBuilder::new();
        assert!(b.try_insert("caf\u{e9}", "m", 0).is_err());
        assert!(b.try_insert("a\0b", "m", 0).is_err());
        assert!(b.try_insert("a", "m\0", 0).is_err());
        assert!(b.try_insert("a", "m\u{e9}", 0).is_ok());
        b.insert("\u{7f}\u{80}", "m", 0);
        assert_eq!(b.rejected(), 1);
        assert_eq!(b.len(), 1);
        let bytes = b.to_bytes();
        let idx = Index::new(&bytes).expect("header");
        assert_eq!(idx.lookup_exact("a").expect("ok"), Some("m\u{e9}"));
    }

    #[test]
    fn write_to_matches_to_bytes() {
        let mut b = IndexBuilder::new();
        b.insert("pci:v*", "m", 3);
        let mut out = Vec::new();
        b.write_to(&mut out).expect("write");
        assert_eq!(out, b.to_bytes());
    }

    #[test]
    fn long_and_deeply_nested_keys() {
        // A chain of 3000 nested keys (each the previous plus one char) and one 100k-char key:
        // neither the builder nor the reader recurse.
        let mut b = IndexBuilder::new();
        let mut key = String::new();
        for i in 0..3000 {
            key.push(if i % 2 == 0 { 'a' } else { 'b' });
            b.insert(&key, "v", i);
        }
        let long = "x".repeat(100_000);
        b.insert(&long, "long", 0);
        let bytes = b.to_bytes();
        let idx = Index::new(&bytes).expect("header");
        assert_eq!(idx.entries().expect("ok").len(), 3001);
        assert_eq!(idx.lookup_exact(&key).expect("ok"), Some("v"));
        assert_eq!(idx.lookup_exact(&long).expect("ok"), Some("long"));
        assert_eq!(idx.lookup_wildcard(&key).expect("ok").len(), 1);
    }

    #[test]
    fn wildcard_lookups() {
        let mut b = IndexBuilder::new();
        let entries = [
            ("usb:v1234p*d*", "generic", 5),
            ("usb:v1234p5678d*", "specific", 2),
            ("usb:v1234p567[0-9]d*", "range", 3),
            ("usb:v1234p567[!0-7]d*", "negated", 4),
            ("usb:v1234p567?d01", "question", 1),
            ("usb:v1234p5678d01", "literal", 6),
            ("pci:*", "pci", 0),
            ("*", "everything", 9),
            ("a\\*", "escaped_literal", 0),
            ("b*\\*", "escaped_star", 0),
        ];
        for (k, v, p) in entries {
            b.insert(k, v, p);
        }
        let bytes = b.to_bytes();
        let idx = Index::new(&bytes).expect("header");
        let names = |q: &str| -> Vec<&str> {
            let vs = idx.lookup_wildcard(q).expect("ok");
            vs.iter().map(|v| v.value).collect()
        };
        assert_eq!(
            names("usb:v1234p5678d01"),
            [
                "question",
                "specific",
                "range",
                "negated",
                "generic",
                "literal",
                "everything"
            ]
        );
        assert_eq!(
            names("usb:v1234p5679d02"),
            ["range", "negated", "generic", "everything"]
        );
        assert_eq!(
            names("usb:v1234p567xd01"),
            ["question", "negated", "generic", "everything"]
        );
        assert_eq!(names("pci:v1"), ["pci", "everything"]);
        assert_eq!(names(""), ["everything"]);
        // Before the first wildcard a backslash is an ordinary byte (as in kmod) ...
        assert_eq!(names("a\\*"), ["escaped_literal", "everything"]);
        assert_eq!(names("a*"), ["everything"]);
        // ... after it, it escapes.
        assert_eq!(names("bxx*"), ["escaped_star", "everything"]);
        assert_eq!(names("bxx\\*"), ["escaped_star", "everything"]);
        assert_eq!(names("bxx\\y"), ["everything"]);
    }

    #[test]
    fn wildcard_query_containing_wildcards_like_kmod() {
        // Observed with kmod 30's `modprobe -R` on this index built by IndexBuilder: a child
        // whose character is a wildcard and equals the query's byte is visited twice (as a
        // pattern and literally), a wildcard inside a prefix only once.
        let mut b = IndexBuilder::new();
        for (i, k) in ["ab*", "abc", "xy*z", "qq*", "qq*a*", "rr?", "rrs"]
            .iter()
            .enumerate()
        {
            b.insert(k, &format!("m{}", i + 1), i as u32);
        }
        let bytes = b.to_bytes();
        let idx = Index::new(&bytes).expect("header");
        let names = |q: &str| -> Vec<&str> {
            let vs = idx.lookup_wildcard(q).expect("ok");
            vs.iter().map(|v| v.value).collect()
        };
        assert_eq!(names("ab*"), ["m1", "m1"]);
        assert_eq!(names("abc"), ["m1", "m2"]);
        assert_eq!(names("xy*z"), ["m3"]);
        assert_eq!(names("qq*"), ["m4"]);
        assert_eq!(names("qq*a*"), ["m4", "m5"]);
        assert_eq!(names("qq*ab"), ["m4", "m5"]);
        assert_eq!(names("rr?"), ["m6", "m6"]);
        assert_eq!(names("rrs"), ["m6", "m7"]);

        // Each child-level `*` the query repeats doubles the visits; that is no cycle.
        let mut b = IndexBuilder::new();
        let mut key = String::new();
        for i in 0..6 {
            key.push('*');
            b.insert(&key, "star", i);
            b.insert(&format!("{key}x"), "x", i);
        }
        let bytes = b.to_bytes();
        let idx = Index::new(&bytes).expect("header");
        let found = idx.lookup_wildcard("******").expect("not a cycle");
        assert!(found.len() > 6);
        assert!(found.iter().all(|v| v.value == "star"));
    }

    #[test]
    fn wildcard_random_against_brute_force() {
        let mut rng = Rng(12345);
        let alphabet = b"ab*?[]!-0";
        for _ in 0..40 {
            let n = 1 + rng.below(60);
            let model = random_model(&mut rng, n, alphabet, 3);
            let bytes = build(&model);
            let idx = Index::new(&bytes).expect("header");
            let want = expected_entries(&model);
            for _ in 0..40 {
                let len = rng.below(7);
                let q: String = (0..len).map(|_| char::from(*rng.pick(b"ab0-!]"))).collect();
                let got = idx.lookup_wildcard(&q).expect("ok");
                let got: Vec<_> = got
                    .iter()
                    .map(|v| (v.priority, v.value.to_owned()))
                    .collect();
                assert_eq!(got, brute_wildcard(&want, &q), "query {q:?}");
            }
        }
    }

    /// Patterns without `[` and `\\`, whose subtrees the search prunes by their literal runs
    /// (`may_match`): still exactly the brute-force answer.
    #[test]
    fn wildcard_pruning_against_brute_force() {
        let mut rng = Rng(777);
        for _ in 0..60 {
            let n = 1 + rng.below(80);
            let model = random_model(&mut rng, n, b"abcab*?", 3);
            let bytes = build(&model);
            let idx = Index::new(&bytes).expect("header");
            let want = expected_entries(&model);
            for _ in 0..60 {
                let len = rng.below(9);
                let q: String = (0..len).map(|_| char::from(*rng.pick(b"abc"))).collect();
                let got: Vec<_> = idx
                    .lookup_wildcard(&q)
                    .expect("ok")
                    .iter()
                    .map(|v| (v.priority, v.value.to_owned()))
                    .collect();
                assert_eq!(got, brute_wildcard(&want, &q), "query {q:?}");
            }
        }
        assert!(may_match(b"*sd*bc02", b"00sd01bc02sc"));
        assert!(!may_match(b"*sd*bc01", b"00sd01bc02sc"));
        assert!(may_match(b"?x", b"ax"));
        assert!(!may_match(b"?x", b"ab"));
        assert!(may_match(b"[!a]*zz", b"b"));
        assert!(may_match(b"\\*zz", b"b"));
        assert!(may_match(b"*", b""));
    }

    #[test]
    fn header_errors() {
        assert_eq!(
            Index::new(&[]).err(),
            Some(IndexError::Truncated { offset: 0 })
        );
        let good = build(&vec![("k".into(), "v".into(), 0)]);
        let mut bad = good.clone();
        bad[0] ^= 1;
        assert_eq!(Index::new(&bad).err(), Some(IndexError::BadMagic));
        let mut bad = good.clone();
        bad[5] = 3;
        assert_eq!(
            Index::new(&bad).err(),
            Some(IndexError::BadVersion(0x0003_0001))
        );
        // Only the major version matters.
        let mut minor = good.clone();
        minor[6..8].copy_from_slice(&[0xff, 0xff]);
        let idx = Index::new(&minor).expect("header");
        assert_eq!(idx.lookup_exact("k").expect("ok"), Some("v"));
        for n in 0..HEADER_LEN {
            assert!(matches!(
                Index::new(&good[..n]),
                Err(IndexError::Truncated { .. })
            ));
        }
    }

    /// An index as a byte vector with the given root word and body (starting at offset 12).
    fn raw(root: u32, body: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&MAGIC.to_be_bytes());
        v.extend_from_slice(&VERSION.to_be_bytes());
        v.extend_from_slice(&root.to_be_bytes());
        v.extend_from_slice(body);
        v
    }

    #[test]
    fn malformed_nodes() {
        // Root with a child 'a' pointing back at the root: a cycle.
        let mut body = vec![b'a', b'a'];
        body.extend_from_slice(&(FLAG_CHILDS | 12).to_be_bytes());
        let cyclic = raw(FLAG_CHILDS | 12, &body);
        let idx = Index::new(&cyclic).expect("header");
        assert_eq!(idx.entries().err(), Some(IndexError::TooDeep));
        assert_eq!(idx.lookup_wildcard("aaaa").expect("short query"), []);
        assert_eq!(idx.lookup_wildcard("*").expect("query ends"), []);
        assert_eq!(idx.lookup_exact("aaaa").expect("short key"), None);
        let long = "a".repeat(cyclic.len() * 2);
        assert_eq!(idx.lookup_exact(&long).err(), Some(IndexError::TooDeep));

        // A DAG: 40 nodes, each with children 'a' and 'b' both pointing to the next one; a
        // naive walk would visit 2^40 paths.
        let mut body = Vec::new();
        for i in 0..40u32 {
            let next = 12 + (i + 1) * 10;
            let flags = if i == 39 { FLAG_VALUES } else { FLAG_CHILDS };
            body.extend_from_slice(b"ab");
            body.extend_from_slice(&(flags | next).to_be_bytes());
            body.extend_from_slice(&(flags | next).to_be_bytes());
        }
        body.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, b'v', 0]);
        let dag = raw(FLAG_CHILDS | 12, &body);
        let idx = Index::new(&dag).expect("header");
        assert_eq!(idx.entries().err(), Some(IndexError::TooDeep));
        // A literal query follows one path only; a pattern-free walk would be fine too.
        let q = "a".repeat(40);
        let found = idx.lookup_wildcard(&q).expect("one path");
        assert_eq!(
            found,
            [IndexValue {
                priority: 0,
                value: "v"
            }]
        );
        assert_eq!(idx.lookup_exact(&q).expect("one path"), Some("v"));

        // Huge value count.
        let mut body = Vec::new();
        body.extend_from_slice(&u32::MAX.to_be_bytes());
        body.extend_from_slice(&[0, 0, 0, 0, b'v', 0]);
        let huge = raw(FLAG_VALUES | 12, &body);
        let idx = Index::new(&huge).expect("header");
        assert!(matches!(
            idx.values_exact(""),
            Err(IndexError::BadNode { .. })
        ));

        // Offsets into the header, reversed and non-ASCII child ranges, missing NUL.
        for (root, body) in [
            (FLAG_VALUES | 4, vec![]),
            (FLAG_CHILDS | 12, vec![b'b', b'a', 0, 0, 0, 0]),
            (FLAG_CHILDS | 12, vec![0x80, 0x80, 0, 0, 0, 0]),
            (FLAG_PREFIX | 12, b"abc".to_vec()),
            (FLAG_VALUES | 12, vec![0, 0, 0, 1, 0, 0, 0, 0, b'v']),
            (FLAG_VALUES | 12, vec![0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0]),
            (FLAG_CHILDS | 12, vec![b'a', b'z']),
        ] {
            let bytes = raw(root, &body);
            let idx = Index::new(&bytes).expect("header");
            assert!(idx.entries().is_err(), "{root:#x} {body:?}");
        }

        // A root word of 0 is an empty index.
        let bytes = raw(0, &[]);
        let idx = Index::new(&bytes).expect("header");
        assert!(idx.entries().expect("ok").is_empty());
        assert_eq!(idx.lookup_exact("").expect("ok"), None);
    }

    /// A chain of `depth` nodes, each with one value and one child `c` (the first one `first`):
    /// 15 bytes a node, keys of every length up to `depth`.
    pub(crate) fn chain(depth: usize, first: u8, c: u8) -> Vec<u8> {
        let mut body = Vec::new();
        for i in 0..depth {
            let next = HEADER_LEN as u32 + (i as u32 + 1) * 15;
            let ch = if i == 0 { first } else { c };
            body.extend_from_slice(&[ch, ch]);
            let word = if i + 1 < depth {
                next | FLAG_CHILDS | FLAG_VALUES
            } else {
                0
            };
            body.extend_from_slice(&word.to_be_bytes());
            body.extend_from_slice(&1u32.to_be_bytes()); // one value
            body.extend_from_slice(&7u32.to_be_bytes()); // priority 7, empty string
            body.push(0);
        }
        raw(HEADER_LEN as u32 | FLAG_CHILDS, &body)
    }

    #[test]
    fn deep_chains_have_a_dump_budget() {
        // 240 KB whose keys add up to 128 MB: the dump stops at its budget...
        let bytes = chain(16_000, b'a', b'a');
        let index = Index::new(&bytes).expect("header");
        assert_eq!(index.entries(), Err(IndexError::TooDeep));
        // ...the streaming dump sees every key, keeping none...
        let (mut n, mut longest) = (0, 0);
        let streamed = index.for_each_entry(|key, values| {
            n += 1;
            longest = longest.max(key.len());
            assert_eq!(
                values,
                [IndexValue {
                    priority: 7,
                    value: ""
                }]
            );
            Ok::<(), IndexError>(())
        });
        assert_eq!((streamed, n, longest), (Ok(()), 15_999, 15_999));
        // ...lookups work (one path each)...
        let key = "a".repeat(12_000);
        assert_eq!(index.lookup_exact(&key), Ok(Some("")));
        assert_eq!(index.lookup_wildcard(&key).map(|v| v.len()), Ok(1));
        // ...and stops at the visitor's error.
        let mut seen = 0;
        let stopped = index.for_each_entry(|_, _| {
            seen += 1;
            if seen == 3 {
                return Err(io::Error::other("enough"));
            }
            Ok(())
        });
        assert_eq!(stopped.map_err(|e| e.to_string()), Err("enough".into()));
        assert_eq!(seen, 3);
        // A malformed node: the error, as io::Error too.
        let mut broken = bytes.clone();
        broken.truncate(bytes.len() / 2);
        let err = Index::new(&broken)
            .expect("header")
            .for_each_entry(|_, _| Ok::<(), io::Error>(()))
            .expect_err("truncated");
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        // A chain within the budget dumps completely.
        let bytes = chain(300, b'*', b'x');
        let index = Index::new(&bytes).expect("header");
        let entries = index.entries().expect("within the budget");
        assert_eq!(entries.len(), 299);
        assert_eq!(entries[298].0.len(), 299);
        // Keys `*`, `*x`, `*xx`, ...: those with at most three x's match `xxx`.
        assert_eq!(index.lookup_wildcard("xxx").map(|v| v.len()), Ok(4));
    }

    #[test]
    fn truncations_and_bit_flips_never_panic() {
        let mut rng = Rng(777);
        let mut model = random_model(&mut rng, 50, b"ab*?[]!-_:", 5);
        model.push(("usb:v*p*".into(), "m".into(), 1));
        let bytes = build(&model);
        let probes = ["", "a", "ab", "usb:v1p2", "*", "a?b", "ba_:", "[", "aaaa"];
        for n in 0..=bytes.len() {
            exercise(&bytes[..n], &probes);
        }
        for _ in 0..3000 {
            let mut bad = bytes.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bad.len());
                bad[at] ^= 1 << rng.below(8);
            }
            exercise(&bad, &probes);
        }
        for _ in 0..2000 {
            let mut bad = bytes.clone();
            let at = HEADER_LEN + rng.below(bad.len() - HEADER_LEN);
            bad[at] = rng.next() as u8;
            exercise(&bad, &probes);
        }
        // Random bodies behind a valid header, random root words.
        for _ in 0..2000 {
            let len = rng.below(200);
            let body: Vec<u8> = (0..len).map(|_| rng.next() as u8 & 0xa7).collect();
            let root = (rng.next() as u32 & 0xE000_0000) | (12 + rng.below(len + 1) as u32);
            exercise(&raw(root, &body), &probes);
        }
    }
}
