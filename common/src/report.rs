//! Diagnostics out of the library: the one way `common` tells its caller something that is not
//! a result, such as a configuration line it skipped, a module it could not read, or the
//! method it is about to load a module with.
//!
//! A function with something to say takes a `&dyn Report` and says it at a [`Level`]
//! ([`ReportExt`] has a method per level). What stops an operation is its `Err` result instead,
//! and no library function ends the process. (The command-line helpers print for the tools:
//! [`crate::getopt`] glibc's usage errors, [`crate::cli`] the version and help texts; depmod's
//! `-n` and `-v` output goes to standard output.) The tools pass their
//! [`crate::cli::Reporter`], which prints `<tool>: ERROR: ...` as kmod does (or logs to
//! syslog); tests pass a [`Collected`]; a caller that wants nothing passes [`Discard`].

use std::cell::RefCell;
use std::fmt::Display;

/// How serious a message is; the tools print it with kmod's word for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// The tool stops (kmod's `FATAL:`).
    Fatal,
    /// Something failed; the tool may go on (kmod's `ERROR:`).
    Error,
    /// Worth knowing; nothing failed (kmod's `WARNING:`).
    Warning,
    /// What is being done, for `-v` (no prefix).
    Info,
    /// What the user can do about the error just reported: an addition of ours, never in
    /// kmod's output (`HINT:`). Said after kmod's own message, which stays as kmod words it.
    Hint,
}

/// Where the library's diagnostics go.
pub trait Report {
    /// One message, without the `<tool>: ERROR: ` decoration (that is the receiver's to add).
    fn report(&self, level: Level, message: &str);
}

/// A method per [`Level`], for any [`Report`] (a `&dyn Report` too).
pub trait ReportExt: Report {
    /// Reports `msg` at [`Level::Fatal`].
    fn fatal(&self, msg: impl Display) {
        self.report(Level::Fatal, &msg.to_string());
    }

    /// Reports `msg` at [`Level::Error`].
    fn error(&self, msg: impl Display) {
        self.report(Level::Error, &msg.to_string());
    }

    /// Reports `msg` at [`Level::Warning`].
    fn warning(&self, msg: impl Display) {
        self.report(Level::Warning, &msg.to_string());
    }

    /// Reports `msg` at [`Level::Info`].
    fn info(&self, msg: impl Display) {
        self.report(Level::Info, &msg.to_string());
    }

    /// Reports `msg` at [`Level::Hint`].
    fn hint(&self, msg: impl Display) {
        self.report(Level::Hint, &msg.to_string());
    }
}

impl<R: Report + ?Sized> ReportExt for R {}

/// Keeps every message, in order: for tests, and for callers that print them later.
#[derive(Debug, Default)]
pub struct Collected(RefCell<Vec<(Level, String)>>);

impl Collected {
    /// An empty collection.
    pub fn new() -> Collected {
        Collected::default()
    }

    /// The messages so far, with their levels.
    pub fn entries(&self) -> Vec<(Level, String)> {
        self.0.borrow().clone()
    }

    /// The texts of the messages so far.
    pub fn messages(&self) -> Vec<String> {
        self.0.borrow().iter().map(|(_, m)| m.clone()).collect()
    }
}

impl Report for Collected {
    fn report(&self, level: Level, message: &str) {
        self.0.borrow_mut().push((level, message.to_string()));
    }
}

/// Drops every message.
#[derive(Debug, Clone, Copy, Default)]
pub struct Discard;

impl Report for Discard {
    fn report(&self, _: Level, _: &str) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collected_keeps_levels_and_order() {
        let collected = Collected::new();
        let report: &dyn Report = &collected;
        report.warning("w");
        report.error(format_args!("e{}", 1));
        Discard.fatal("dropped");
        assert_eq!(
            collected.entries(),
            [
                (Level::Warning, "w".to_string()),
                (Level::Error, "e1".to_string())
            ]
        );
        assert_eq!(collected.messages(), ["w", "e1"]);
    }
}
