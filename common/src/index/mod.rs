//! The index files depmod writes and modprobe reads.
//!
//! - [`bin`]: the binary trie format of `modules.*.bin`, one description shared by the writer and
//!   the reader.
//! - [`mapped`]: an index file's bytes, mapped into memory (the only `unsafe` of `common`).

pub mod bin;
pub mod mapped;
