//! modprobe's standard output, shared by the steps of a run.

use std::cell::{RefCell, RefMut};
use std::io::{self, Write};

use common::cli::{output, Output};

/// Where a load or removal prints its lines: standard output ([`SharedStdout`]), or a recording
/// of a name loaded beside others ([`crate::parallel`]), printed in its turn.
pub(crate) trait Lines {
    /// Writes one line; after a write error, nothing more is written.
    fn line(&self, line: &dyn std::fmt::Display) -> io::Result<()>;

    /// Pushes out what was written so far (before a command prints).
    fn flush(&self) -> io::Result<()>;
}

impl Lines for SharedStdout {
    fn line(&self, line: &dyn std::fmt::Display) -> io::Result<()> {
        SharedStdout::line(self, line)
    }

    fn flush(&self) -> io::Result<()> {
        SharedStdout::flush(self)
    }
}

/// Standard output ([`common::cli::output`]: buffered as C's stdio buffers it), shared by the
/// steps of a run, so that what modprobe prints and what its commands print interleave as they do
/// with kmod; flushed before a `remove` command runs, as kmod does.
pub(crate) struct SharedStdout {
    writer: RefCell<Output>,
    /// The first write error: reported once, at the end.
    error: RefCell<Option<io::Error>>,
}

impl SharedStdout {
    pub(crate) fn new() -> SharedStdout {
        SharedStdout {
            writer: RefCell::new(output()),
            error: RefCell::new(None),
        }
    }

    /// Writes one line; after a write error, nothing more is written.
    pub(crate) fn line(&self, line: impl std::fmt::Display) -> io::Result<()> {
        if self.failed() {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let r = writeln!(self.writer(), "{line}");
        self.keep(r)
    }

    /// The writer itself, for output written in one piece (`-c`, `--show-exports`).
    pub(crate) fn writer(&self) -> RefMut<'_, Output> {
        self.writer.borrow_mut()
    }

    /// Flushes, and hands over the first write error (once).
    pub(crate) fn flush(&self) -> io::Result<()> {
        let r = self.writer().flush();
        let _ = self.keep(r);
        match self.error.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Whether a write failed.
    pub(crate) fn failed(&self) -> bool {
        self.error.borrow().is_some()
    }

    /// Remembers `r`'s error if it is the first; returns `r`.
    pub(crate) fn keep(&self, r: io::Result<()>) -> io::Result<()> {
        if let Err(e) = &r {
            let mut first = self.error.borrow_mut();
            if first.is_none() {
                *first = Some(io::Error::new(e.kind(), e.to_string()));
            }
        }
        r
    }
}
