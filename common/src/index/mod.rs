//! The index files depmod writes and modprobe reads.
//!
//! - [`bin`]: the binary trie format of `modules.*.bin`, one description shared by the writer and
//!   the reader.

pub mod bin;
