//! What every tool's `main` shares: argument parsing with kmod's exit codes, messages in kmod's
//! `<tool>: ERROR: ...` form (to stderr or syslog), and quiet exits on a closed pipe.

use std::fmt::Display;
use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};
use std::os::unix::net::UnixDatagram;

/// The project's name and version, for `-V` / `--version`.
pub const VERSION_TEXT: &str = concat!("modutils-rs ", env!("CARGO_PKG_VERSION"));

/// Parses the process arguments into `T`. Usage errors print clap's message and exit 1 (kmod's
/// code for every failure); `--help` and `--version` print and exit 0.
pub fn parse_args<T: clap::Parser>() -> T {
    parse_args_from(std::env::args_os()).unwrap_or_else(|code| std::process::exit(code))
}

/// Parses `args` (the program name first) into `T`. On a usage error, `--help` or `--version`,
/// prints clap's text and returns the exit code to end with: 1 for an error (kmod's code for
/// every failure), 0 otherwise. Each tool's library entry point uses it, so the tools can run
/// in-process (the `kmod` multi-call binary) without exiting from inside a library.
pub fn parse_args_from<T, I>(args: I) -> Result<T, i32>
where
    T: clap::Parser,
    I: IntoIterator,
    I::Item: Into<std::ffi::OsString> + Clone,
{
    T::try_parse_from(args).map_err(|e| {
        // Printing help to a closed pipe is not worth a second error.
        let _ = e.print();
        i32::from(e.use_stderr())
    })
}

/// Prints a tool's messages: `<tool>: ERROR: <msg>` and the like, to stderr, or to syslog with
/// `-s`.
#[derive(Debug, Clone)]
pub struct Reporter {
    tool: &'static str,
    syslog: bool,
    verbose: bool,
    quiet: bool,
}

impl Reporter {
    /// A reporter for `tool` (`insmod`, ...), logging to syslog when `syslog` is set and printing
    /// [`Reporter::info`] lines only when `verbose` is set.
    pub fn new(tool: &'static str, syslog: bool, verbose: bool) -> Reporter {
        Reporter {
            tool,
            syslog,
            verbose,
            quiet: false,
        }
    }

    /// The same reporter, printing nothing at all when `quiet` is set (`modprobe -q`: kmod 30
    /// reports no error then, only the exit status).
    pub fn quiet(mut self, quiet: bool) -> Reporter {
        self.quiet = quiet;
        self
    }

    /// `<tool>: ERROR: <msg>`.
    pub fn error(&self, msg: impl Display) {
        self.emit(3, &format!("ERROR: {msg}"));
    }

    /// `<tool>: FATAL: <msg>`.
    pub fn fatal(&self, msg: impl Display) {
        self.emit(2, &format!("FATAL: {msg}"));
    }

    /// `<tool>: WARNING: <msg>`.
    pub fn warning(&self, msg: impl Display) {
        self.emit(4, &format!("WARNING: {msg}"));
    }

    /// `<tool>: <msg>`, only in verbose mode.
    pub fn info(&self, msg: impl Display) {
        if self.verbose {
            self.emit(6, &msg.to_string());
        }
    }

    fn emit(&self, severity: u8, text: &str) {
        if self.quiet {
            return;
        }
        let line = format!("{}: {text}", self.tool);
        if self.syslog {
            // LOG_DAEMON facility (3 << 3); fall back to stderr when no syslog daemon listens.
            let msg = format!("<{}>{line}", 24 + u32::from(severity));
            let sent = UnixDatagram::unbound().and_then(|s| s.send_to(msg.as_bytes(), "/dev/log"));
            if sent.is_ok() {
                return;
            }
        }
        let _ = writeln!(io::stderr().lock(), "{line}");
    }
}

/// Standard output, buffered the way C's stdio buffers it for kmod's tools: in blocks when it is
/// a file or a pipe (one `write` for many lines: `modprobe -a -D` prints thousands), line by
/// line on a terminal. Flush it before [`finish_output`].
#[derive(Debug)]
pub struct Output(OutputKind);

#[derive(Debug)]
enum OutputKind {
    Lines(StdoutLock<'static>),
    Blocks(BufWriter<StdoutLock<'static>>),
}

/// Standard output for a tool's results (see [`Output`]).
pub fn output() -> Output {
    let out = io::stdout().lock();
    if out.is_terminal() {
        Output(OutputKind::Lines(out))
    } else {
        Output(OutputKind::Blocks(BufWriter::with_capacity(64 * 1024, out)))
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.0 {
            OutputKind::Lines(w) => w.write(buf),
            OutputKind::Blocks(w) => w.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.0 {
            OutputKind::Lines(w) => w.write_all(buf),
            OutputKind::Blocks(w) => w.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.0 {
            OutputKind::Lines(w) => w.flush(),
            OutputKind::Blocks(w) => w.flush(),
        }
    }
}

/// Ends the process after writing to stdout: exit quietly with 0 when the reader went away
/// (`lsmod | head -1`), otherwise report the write error and exit 1.
pub fn finish_output(result: io::Result<()>, reporter: &Reporter) -> i32 {
    match result.and_then(|()| io::stdout().lock().flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            reporter.error(format_args!("could not write output: {e}"));
            1
        }
    }
}
