//! `common`: everything the module tools share.
//!
//! One module per concern:
//! - [`cli`]: the version text, `<tool>: ERROR:` messages, syslog, closed pipes.
//! - [`getopt`]: command lines read as glibc's `getopt_long` reads them, from each tool's table.
//! - [`command_chain`]: `install` / `remove` commands that would run themselves again.
//! - [`config`]: `depmod.d` configuration.
//! - [`context`]: the root directory, kernel release and every path derived from them.
//! - [`error`]: error types with context (file, module, errno) and kmod's messages.
//! - [`modprobe`]: lookup in kmod's order and load / remove planning.
//! - [`name`]: module names from paths; '-' and '_' are the same.
//! - [`mod@file`]: opening a module file, detecting and undoing xz / gzip / zstd compression.
//! - [`index`]: the `.bin` trie format (one description for reader and writer) and the text indexes.
//! - [`elf`]: `.modinfo`, `__versions`, exports, undefined symbols, signature trailer.
//! - [`kernel`]: the module syscalls, loading and unloading, and `/proc` + `/sys` state.
//! - [`params`]: joining module parameters the way the kernel parses them.
//! - [`pattern`]: glob patterns (`fnmatch`) and extended regular expressions, as glibc matches
//!   them in the C locale, with one table of character classes.
//! - [`report`]: diagnostics out of the library: one `Report` trait, levels, collectors.
//! - [`signature`]: the module signature trailer and its PKCS#7 signer, as modinfo shows them.
//! - [`static_nodes`]: `kmod static-nodes`: `modules.devname`'s nodes in kmod's three formats.

pub mod cli;
pub mod command_chain;
pub mod config;
pub mod context;
pub mod depmod;
pub mod elf;
pub mod error;
pub mod file;
pub mod getopt;
pub mod index;
pub mod kernel;
pub mod modprobe;
pub mod name;
pub mod params;
pub mod pattern;
pub mod report;
pub mod resolve;
pub mod scan;
pub mod signature;
pub mod static_nodes;
#[cfg(test)]
mod testutil;
