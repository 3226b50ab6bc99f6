//! The binary trie format of `modules.dep.bin`, `modules.alias.bin`, `modules.symbols.bin`,
//! `modules.builtin.bin` and `modules.builtin.alias.bin`: [`IndexBuilder`] writes it,
//! [`Index`] reads it.
//!
//! - [`format`](mod@format): the layout, described once for both sides, and the types they share;
//! - `builder.rs`: [`IndexBuilder`], the writer (depmod);
//! - `reader.rs`: [`Index`], the reader (modprobe, modinfo), with its wildcard lookups.

mod builder;
pub mod format;
mod reader;
#[cfg(test)]
mod tests;

pub use builder::{IndexBuilder, Layout};
pub use format::{
    IndexError, IndexValue, DUMP_KEY_BYTES_MIN, DUMP_KEY_BYTES_PER_BYTE, FLAG_CHILDS, FLAG_PREFIX,
    FLAG_VALUES, MAGIC, OFFSET_MASK, VERSION,
};
pub use reader::Index;
