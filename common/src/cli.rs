//! What every tool's `main` shares: the version text, messages in kmod's `<tool>: ERROR: ...`
//! form (to stderr or syslog), and quiet exits on a closed pipe. The command line itself is
//! read by [`crate::getopt`].

use std::io::{self, BufWriter, IsTerminal, StdoutLock, Write};
use std::os::unix::net::UnixDatagram;

use crate::report::{Level, Report, ReportExt};

/// The kmod release whose behaviour the tools follow, for the first line of `-V`.
pub const KMOD_VERSION: &str = "34.2";

/// What this build supports, in kmod 34.2's notation (its second line of `-V`): module
/// compression with zstd, xz and gzip (zlib), and signatures read (kmod reads them with
/// OpenSSL).
pub const FEATURES: &str = "+ZSTD +XZ +ZLIB +OPENSSL";

/// `-V` / `--version` of every tool: kmod's two lines (scripts read the version from the first
/// and the features from the second), then our own name and version.
pub fn version_text() -> String {
    format!(
        "kmod version {KMOD_VERSION}\n{FEATURES}\nmodutils-rs {}\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// Prints [`version_text`] to stdout; returns the exit code (see [`print_text`]).
pub fn print_version() -> i32 {
    print_text(&version_text())
}

/// Prints a help or version text to stdout; returns the exit code: 0, 1 on a write error (a
/// reader gone away is [`Stdout`]'s business).
pub fn print_text(text: &str) -> i32 {
    let mut out = stdout();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => 1,
        _ => 0,
    }
}

/// Standard output, unbuffered, for every tool's results (through [`Output`], or directly for
/// help and version texts): when its reader went away, the process dies of SIGPIPE as kmod's
/// tools do ([`crate::sigpipe::reader_gone`]); if it was started with SIGPIPE ignored, what it
/// writes from then on is dropped and the tool goes on. Other write errors are returned.
#[derive(Debug)]
pub struct Stdout {
    out: StdoutLock<'static>,
    gone: bool,
}

/// [`Stdout`].
pub fn stdout() -> Stdout {
    Stdout {
        out: io::stdout().lock(),
        gone: false,
    }
}

impl Stdout {
    /// Whether standard output is a terminal.
    pub fn is_terminal(&self) -> bool {
        self.out.is_terminal()
    }

    fn check<T>(&mut self, r: io::Result<T>, done: T) -> io::Result<T> {
        match r {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                crate::sigpipe::reader_gone();
                self.gone = true;
                Ok(done)
            }
            r => r,
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.gone {
            return Ok(buf.len());
        }
        let r = self.out.write(buf);
        self.check(r, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.gone {
            return Ok(());
        }
        let r = self.out.flush();
        self.check(r, ())
    }
}

/// Prints a tool's messages: `<tool>: ERROR: <msg>` and the like, to stderr, or to syslog with
/// `-s`. It is the tools' [`Report`]: what the library reports goes through it too (say things
/// with [`ReportExt`]'s methods).
#[derive(Debug, Clone)]
pub struct Reporter {
    tool: &'static str,
    syslog: bool,
    verbose: bool,
    quiet: bool,
}

impl Reporter {
    /// A reporter for `tool` (`insmod`, ...), logging to syslog when `syslog` is set and printing
    /// [`Level::Info`] lines only when `verbose` is set.
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

    fn emit(&self, severity: u8, text: &str) {
        let line = format!("{}: {text}", self.tool);
        if self.syslog {
            // LOG_DAEMON facility (3 << 3). With no syslog daemon listening the message is
            // lost, as kmod's syslog(3) loses it: -s asks for nothing on stderr.
            let msg = format!("<{}>{line}", 24 + u32::from(severity));
            let _ = UnixDatagram::unbound().and_then(|s| s.send_to(msg.as_bytes(), "/dev/log"));
            return;
        }
        let _ = writeln!(io::stderr().lock(), "{line}");
    }
}

impl Report for Reporter {
    /// `<tool>: FATAL: <msg>`, `<tool>: ERROR: <msg>`, `<tool>: WARNING: <msg>`,
    /// `<tool>: HINT: <msg>`, or (verbose only) `<tool>: <msg>`; nothing when quiet.
    fn report(&self, level: Level, message: &str) {
        let (severity, prefix) = match level {
            Level::Fatal => (2, "FATAL: "),
            Level::Error => (3, "ERROR: "),
            Level::Warning => (4, "WARNING: "),
            Level::Hint => (5, "HINT: "),
            Level::Info if self.verbose => (6, ""),
            Level::Info => return,
        };
        if !self.quiet {
            self.emit(severity, &format!("{prefix}{message}"));
        }
    }
}

/// Standard output, buffered the way C's stdio buffers it for kmod's tools: in blocks when it is
/// a file or a pipe (one `write` for many lines: `modprobe -a -D` prints thousands), line by
/// line on a terminal. Flush it before [`finish_output`].
#[derive(Debug)]
pub struct Output(OutputKind);

#[derive(Debug)]
enum OutputKind {
    Lines(Stdout),
    Blocks(BufWriter<Stdout>),
}

/// Standard output for a tool's results (see [`Output`]; a reader gone away: [`Stdout`]).
pub fn output() -> Output {
    let out = stdout();
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

/// Ends the process after writing to stdout: 0, or on a write error, that error reported and
/// 1 (a reader gone away is [`Stdout`]'s business: the process doesn't get here).
pub fn finish_output(result: io::Result<()>, reporter: &Reporter) -> i32 {
    match result.and_then(|()| stdout().flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            reporter.error(format_args!(
                "could not write output: {}",
                crate::error::io_text(&e)
            ));
            1
        }
    }
}
