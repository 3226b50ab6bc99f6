//! The layout of a `.bin` index file: what [`Index`](super::Index) reads and
//! [`IndexBuilder`](super::IndexBuilder) writes, its constants, and the error and value types both
//! share.
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
//! # Layouts of kmod 30 and kmod 34, which [`IndexBuilder`](super::IndexBuilder) reproduces byte for byte
//!
//! Observed by running Debian's kmod 30 `depmod` (and Debian 13's kmod 34.2) on small trees and
//! on whole 6.1 and 6.12 kernel trees, dumping the five `.bin` files and rebuilding them from
//! their contents. Both write the same nodes with the same contents; only where each node goes
//! differs (the last two points below). Readers, ours and kmod's, follow offsets and read
//! either.
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
//! - kmod 30 ([`Layout::Kmod30`](super::Layout::Kmod30)): nodes are written depth-first,
//!   children in ascending character order, each node right after all of its descendants
//!   (post-order); the first node starts at offset 12 and the root is the last thing in the file.
//! - kmod 34 ([`Layout::Kmod34`](super::Layout::Kmod34), what depmod writes): depth-first,
//!   children in ascending character order, each node right before its descendants (pre-order):
//!   the root is at offset 12, followed by its first child's whole subtree, then the next
//!   child's. (The header's root word is then always `0x..00000C`.)
//! - There is no padding or alignment anywhere.
//! - An index without keys is the header plus an empty root: the root word is `0x0000000C` (no
//!   flags) and the file is 12 bytes long.
//! - Identical (key, value, priority) triples are all kept (the 6.1 `modules.alias.bin` stores
//!   `nvme` twice under one pattern).
//! - kmod 30 copies bytes >= 128 in keys verbatim into prefixes but writes a broken child array
//!   when keys diverge at such a byte; [`IndexBuilder::try_insert`](super::IndexBuilder::try_insert) therefore refuses keys that
//!   are not 7-bit ASCII (and [`IndexBuilder::insert`](super::IndexBuilder::insert) drops them).
//!
//! The layer above (depmod) decides what keys are: e.g. for `modules.alias.bin` the key is the
//! alias pattern with `-` turned into `_` outside `[...]` classes; this module stores keys as
//! given.
//!

use std::io;

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

/// How many bytes of keys [`Index::entries`](super::Index::entries) may keep per byte of the file (or
/// [`DUMP_KEY_BYTES_MIN`] if that is more).
pub const DUMP_KEY_BYTES_PER_BYTE: usize = 16;
/// How many bytes of keys [`Index::entries`](super::Index::entries) may keep whatever the file's size.
pub const DUMP_KEY_BYTES_MIN: usize = 64 << 20;

/// Size of the header: magic, version, root offset word.
pub(super) const HEADER_LEN: usize = 12;
/// Child characters must be below this (7-bit ASCII).
pub(super) const CHAR_LIMIT: u8 = 128;
/// Smallest encoding of one value: priority and an empty string's NUL.
pub(super) const MIN_VALUE_LEN: usize = 5;

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
    /// An entry given to [`IndexBuilder::insert`](super::IndexBuilder::insert) cannot be stored.
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
