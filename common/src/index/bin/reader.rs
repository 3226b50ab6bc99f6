//! Reading a `.bin` index in place: [`Index`] follows offsets from the root, for exact and
//! wildcard lookups and for dumps. The layout is described in [`super::format`].
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

use super::format::{
    IndexError, IndexValue, CHAR_LIMIT, DUMP_KEY_BYTES_MIN, DUMP_KEY_BYTES_PER_BYTE, FLAG_CHILDS,
    FLAG_PREFIX, FLAG_VALUES, HEADER_LEN, MAGIC, MIN_VALUE_LEN, OFFSET_MASK, VERSION,
};
use crate::pattern::fnmatch;

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

    /// The character child slot `i` stands for (slots never exceed 128, but saturate).
    fn slot_char(&self, i: usize) -> u8 {
        self.first
            .saturating_add(u8::try_from(i).unwrap_or(u8::MAX))
    }
}

/// The offset word in child slot `i` (0 if out of range).
fn slot(children: &[u8], i: usize) -> u32 {
    i.checked_mul(4)
        .and_then(|at| children.get(at..at.checked_add(4)?))
        .and_then(|w| <[u8; 4]>::try_from(w).ok())
        .map_or(0, u32::from_be_bytes)
}

/// A file position as the `u32` an [`IndexError`] reports, saturating (no index reaches 4 GiB).
fn error_offset(pos: usize) -> u32 {
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
            .ok_or(IndexError::Truncated {
                offset: error_offset(pos),
            })
    }

    /// The NUL-terminated string at `pos`, without its NUL.
    fn cstr_at(&self, pos: usize) -> Result<&'a [u8], IndexError> {
        let rest = self.bytes.get(pos..).ok_or(IndexError::Truncated {
            offset: error_offset(pos),
        })?;
        let len = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or(IndexError::Truncated {
                offset: error_offset(pos),
            })?;
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
            let range = self.bytes.get(pos..pos + 2).ok_or(IndexError::Truncated {
                offset: error_offset(pos),
            })?;
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
                .ok_or(IndexError::Truncated {
                    offset: error_offset(pos),
                })?;
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
pub(super) fn is_glob_special(c: u8) -> bool {
    matches!(c, b'*' | b'?' | b'[')
}

/// A child a wildcard walk may enter above the key's first glob character: the character of
/// its slot, and whether it is entered because it is the query's next byte (`literal`) or
/// because a glob character starts a pattern there. Ordered by character, a glob character's
/// pattern visit before its literal one (kmod's order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    byte: u8,
    literal: bool,
}

/// Which children a depth-first walk still has to visit at one node.
enum Pending {
    /// Every child, from slot `next_slot` on (a dump, or a walk below a glob character).
    AllFrom {
        /// The next slot to look at.
        next_slot: usize,
    },
    /// Only `candidates[next..count]` (in ascending order).
    Candidates {
        /// `*`, `?`, `[` and the query's next byte (if any), sorted.
        candidates: [Candidate; 4],
        /// How many of `candidates` are in use (3 when the query has no next byte).
        count: usize,
        /// The next one to look at.
        next: usize,
    },
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
                offset: error_offset(bytes.len()),
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
                            let glob = |byte| Candidate {
                                byte,
                                literal: false,
                            };
                            let mut candidates = [glob(b'*'), glob(b'?'), glob(b'['), glob(0)];
                            let mut count = 3;
                            if let Some(&byte) = q.get(key.len()) {
                                candidates[3] = Candidate {
                                    byte,
                                    literal: true,
                                };
                                count = 4;
                            }
                            candidates[..count].sort_unstable();
                            Pending::Candidates {
                                candidates,
                                count,
                                next: 0,
                            }
                        }
                        _ => Pending::AllFrom { next_slot: 0 },
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
                    Pending::AllFrom { next_slot } => {
                        let mut found = None;
                        while *next_slot < top.node.slots() {
                            let i = *next_slot;
                            *next_slot += 1;
                            let w = slot(top.node.children, i);
                            if w & OFFSET_MASK != 0 {
                                found = Some((top.node.slot_char(i), w, false));
                                break;
                            }
                        }
                        found
                    }
                    Pending::Candidates {
                        candidates,
                        count,
                        next,
                    } => {
                        let mut found = None;
                        while *next < *count {
                            let Candidate { byte, literal } = candidates[*next];
                            *next += 1;
                            let w = top.node.child(byte);
                            if w & OFFSET_MASK != 0 {
                                found = Some((byte, w, literal));
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
pub(super) fn may_match(pattern: &[u8], rest: &[u8]) -> bool {
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
