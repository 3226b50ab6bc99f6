//! The index files depmod writes and modprobe and modinfo read.
//!
//! - [`bin`]: the binary trie format of `modules.*.bin`: its layout described once
//!   (`bin/format.rs`), the writer (`bin/builder.rs`) and the reader (`bin/reader.rs`).
//! - [`files`]: every file's name, and the line format of each text file (`modules.dep`,
//!   `modules.alias`, `modules.devname`, ...): one writer and one parser each.
//! - [`lookup`]: a module directory's indexes as modprobe and modinfo read them: each `.bin`
//!   file mapped on first use and looked up in place, the text file when it is missing.
//! - [`mapped`]: an index file's bytes, mapped into memory (the only `unsafe` of `common`).

pub mod bin;
pub mod files;
pub mod lookup;
pub mod mapped;
