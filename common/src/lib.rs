//! `common`: everything the module tools share. The tools' crates (`insmod/`, `modprobe/`, ...)
//! read their command line, call into this crate and print; the work is here.
//!
//! One module per concern, in the order a module's life goes:
//!
//! Module files
//! - [`mod@file`]: opening a module file: its name endings, and xz / gzip / zstd detected by
//!   magic and undone.
//! - [`elf`]: inside a module image: `.modinfo`, `__versions`, exports, undefined symbols, the
//!   edits of forced loads.
//! - [`signature`]: the module signature trailer and its PKCS#7 signer, as modinfo shows them.
//! - [`name`]: module names from paths, '-' and '_' alike, and alias keys.
//!
//! depmod
//! - [`scan`]: finding a tree's module files and reading what depmod needs from each, in
//!   parallel.
//! - [`resolve`]: dependencies between modules: symbol owners, dependency order, cycles.
//! - [`depmod`]: depmod's run: which copies to index, and every index written atomically.
//! - [`index`]: the files of a module directory: the `.bin` trie (`index/bin/`: format, writer,
//!   reader), the text formats with their names (`index/files.rs`), and looking a name up in a
//!   directory's indexes as modprobe and modinfo do (`index/lookup.rs`, `index/mapped.rs`).
//!
//! Configuration and lookup
//! - [`config`]: `depmod.d` and `modprobe.d` directives, the kernel command line, and the
//!   file lister and line joiner both share.
//! - [`pattern`]: glob patterns (`fnmatch`) and extended regular expressions, as glibc matches
//!   them in the C locale, with one table of character classes.
//! - [`modprobe`]: what a name means in kmod's lookup order, and the plans to load or remove it.
//! - [`command_chain`]: `install` / `remove` commands that would run themselves again.
//! - [`params`]: joining module parameters the way the kernel parses them.
//!
//! The kernel
//! - [`kernel`]: the module syscalls, loading a file by the cheapest method, and the state in
//!   `/proc/modules` and `/sys/module`.
//! - [`static_nodes`]: `kmod static-nodes`: `modules.devname`'s nodes in kmod's three formats.
//!
//! Around every tool
//! - [`context`]: the root directory, kernel release and every path derived from them (the
//!   module directory as each tool spells it).
//! - [`getopt`]: command lines read as glibc's `getopt_long` reads them, from each tool's table.
//! - [`cli`]: the version text, the `<tool>: ERROR:` printer, syslog, stdout buffering, closed
//!   pipes.
//! - [`report`]: diagnostics out of the library: the `Report` trait every function that has
//!   something to say takes. No library function ends the process.
//! - [`error`]: error types with context (file, module, errno) and kmod's words for errnos.
//! - `testutil.rs` (tests only): a deterministic random generator and scratch directories.

pub mod cli;
pub mod command_chain;
pub mod config;
pub mod context;
pub mod depmod;
pub mod elf;
pub mod error;
pub mod file;
pub mod getopt;
pub mod hints;
pub mod index;
pub mod json;
pub mod kernel;
pub mod modprobe;
pub mod name;
pub mod params;
pub mod pattern;
pub mod report;
pub mod resolve;
pub mod scan;
pub mod signature;
pub mod sigpipe;
pub mod static_nodes;
#[cfg(test)]
mod testutil;
