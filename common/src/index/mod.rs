//! The index files depmod writes and modprobe reads.
//!
//! - [`bin`]: the binary trie format of `modules.*.bin`: its layout described once
//!   (`bin/format.rs`), the writer (`bin/builder.rs`) and the reader (`bin/reader.rs`).
//! - [`mapped`]: an index file's bytes, mapped into memory (the only `unsafe` of `common`).

pub mod bin;
pub mod mapped;
