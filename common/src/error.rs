//! Error types with context, and the kernel's errno mapped to the text kmod prints.
//!
//! Each concern has its own error enum (`file::DecompressError`, `elf::ElfError`); this module's
//! [`Error`] attaches the file or module the failure is about, so every message a tool prints names
//! what failed and why.

use std::io;
use std::path::PathBuf;

use nix::errno::Errno;

use crate::elf::ElfError;
use crate::file::DecompressError;

/// A failure of a `common` operation, with the file or module it concerns.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {}", path.display(), io_text(source))]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: io::Error,
    },
    /// A compressed module could not be decompressed.
    #[error("{}: {source}", path.display())]
    Decompress {
        /// The module file.
        path: PathBuf,
        /// Why.
        #[source]
        source: DecompressError,
    },
    /// A module image is not a valid ELF module.
    #[error("{}: {source}", path.display())]
    Elf {
        /// The module file.
        path: PathBuf,
        /// Why.
        #[source]
        source: ElfError,
    },
    /// A file in `/proc` or `/sys` did not have the expected format.
    #[error("{}: line {line}: {what}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What was wrong.
        what: String,
    },
}

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// What went wrong, without the path (for messages that name the file already).
    pub fn reason(&self) -> String {
        match self {
            Error::Io { source, .. } => io_text(source),
            Error::Decompress { source, .. } => source.to_string(),
            Error::Elf { source, .. } => source.to_string(),
            Error::Format { line, what, .. } => format!("line {line}: {what}"),
        }
    }

    /// The errno behind this error, when it came from the OS.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            Error::Io { source, .. } => source.raw_os_error().map(Errno::from_raw),
            _ => None,
        }
    }
}

/// The text kmod prints for an errno returned by `init_module` / `finit_module`.
///
/// The kernel reuses generic errnos with module-specific meanings; these are the meanings users
/// know from kmod. Anything else is the plain `strerror` text.
pub fn load_errno_text(errno: Errno) -> String {
    match errno {
        Errno::ENOEXEC => "Invalid module format".into(),
        Errno::ENOENT => "Unknown symbol in module".into(),
        Errno::ESRCH => "Module has wrong symbol version".into(),
        Errno::EINVAL => "Invalid parameters".into(),
        other => errno_text(other),
    }
}

/// An I/O error as kmod prints it: `strerror`'s text (`No such file or directory`), without
/// Rust's ` (os error 2)`; other errors as they display.
pub fn io_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => errno_text(Errno::from_raw(code)),
        None => e.to_string(),
    }
}

/// The plain `strerror` text of an errno, without nix's `EXXX: ` prefix.
pub fn errno_text(errno: Errno) -> String {
    io::Error::from_raw_os_error(errno as i32)
        .to_string()
        .split(" (os error")
        .next()
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_leave_out_the_path() {
        let e = Error::io("/x.ko", io::Error::from_raw_os_error(2));
        // strerror's words, as kmod prints them: no "(os error 2)".
        assert_eq!(e.to_string(), "/x.ko: No such file or directory");
        assert_eq!(e.reason(), "No such file or directory");
    }

    #[test]
    fn load_errnos_use_kmod_words() {
        assert_eq!(load_errno_text(Errno::ENOEXEC), "Invalid module format");
        assert_eq!(load_errno_text(Errno::ENOENT), "Unknown symbol in module");
        assert_eq!(
            load_errno_text(Errno::ESRCH),
            "Module has wrong symbol version"
        );
        assert_eq!(load_errno_text(Errno::EINVAL), "Invalid parameters");
        assert_eq!(load_errno_text(Errno::EEXIST), "File exists");
        assert_eq!(load_errno_text(Errno::ENODEV), "No such device");
    }
}
