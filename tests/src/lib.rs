//! Test support shared by the tools' integration tests (`<tool>/tests/*.rs`): run one of our
//! binaries and Debian's kmod tool of the same name on the same arguments and compare.
//!
//! The real-kernel tests (QEMU) live in `tests/vm/`; see `tests/vm/README.md`.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What a finished process printed and returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// The same, with standard output as the bytes printed (modinfo prints a module's strings as
/// they are, not necessarily UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawOutcome {
    /// Exit code.
    pub code: i32,
    /// Standard output, byte for byte.
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: String,
}

impl RawOutcome {
    /// The outcome with standard output as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Outcome {
        Outcome {
            code: self.code,
            stdout: String::from_utf8_lossy(&self.stdout).into_owned(),
            stderr: self.stderr.clone(),
        }
    }
}

/// How to run a tool: `Runner::new(bin)`, optionally `.in_dir(dir)`, then `.outcome(args)` or
/// `.raw(args)`. argv\[0\] is `bin`'s file name, so that messages that show it (getopt's) read
/// the same for our tool and kmod's; the environment has `LC_ALL=C`. A process that can't start
/// or dies from a signal fails the test: a tool must always exit.
#[derive(Debug, Clone, Copy)]
pub struct Runner<'a> {
    bin: &'a Path,
    dir: Option<&'a Path>,
}

impl<'a> Runner<'a> {
    /// Runs `bin` in the test's working directory.
    pub fn new(bin: &'a Path) -> Self {
        Runner { bin, dir: None }
    }

    /// Runs it in `dir` instead.
    pub fn in_dir(self, dir: &'a Path) -> Self {
        Runner {
            dir: Some(dir),
            ..self
        }
    }

    /// Runs it with `args`; standard output as bytes.
    pub fn raw(&self, args: &[&str]) -> RawOutcome {
        let bin = self.bin;
        let mut cmd = Command::new(bin);
        cmd.arg0(bin.file_name().unwrap_or(bin.as_os_str()))
            .args(args)
            .env("LC_ALL", "C");
        if let Some(dir) = self.dir {
            cmd.current_dir(dir);
        }
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
        let code = out
            .status
            .code()
            .unwrap_or_else(|| panic!("{} {args:?} was killed: {:?}", bin.display(), out.status));
        RawOutcome {
            code,
            stdout: out.stdout,
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs it with `args`; standard output as text (invalid UTF-8 replaced).
    pub fn outcome(&self, args: &[&str]) -> Outcome {
        self.raw(args).text()
    }
}

/// Runs `bin` with `args` and collects its outcome: `Runner::new(bin).outcome(args)`.
pub fn run(bin: &Path, args: &[&str]) -> Outcome {
    Runner::new(bin).outcome(args)
}

/// Debian kmod's tool `name` (`insmod`, `rmmod`, ...). Fails the test when kmod is missing: the
/// oracle is required (`apt-get install kmod`), never silently skipped.
pub fn kmod_tool(name: &str) -> PathBuf {
    ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        .iter()
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("kmod's {name} is not installed (apt-get install kmod)"))
}

/// `stderr` without the lines we add to kmod's messages: `<tool>: HINT: ...` after an error,
/// and modprobe -v's `modprobe: skipping NAME: <why>` (tests/diff/hints.sh checks them).
pub fn without_hints(stderr: &str) -> String {
    stderr
        .split_inclusive('\n')
        .filter(|line| !is_added_line(line.trim_end_matches('\n')))
        .collect()
}

/// Whether `line` is one of ours that kmod never prints (see [`without_hints`]).
pub fn is_added_line(line: &str) -> bool {
    let Some((tool, rest)) = line.split_once(": ") else {
        return false;
    };
    if tool.contains(' ') {
        return false;
    }
    rest.starts_with("HINT: ")
        || rest.strip_prefix("skipping ").is_some_and(|r| {
            r.split_once(": ").is_some_and(|(name, why)| {
                !name.contains(' ')
                    && ["blacklisted", "built into the kernel", "already loaded"].contains(&why)
            })
        })
}

/// Runs our `ours` and kmod's `tool` on `args`; asserts equal exit codes and, when
/// `compare_stderr`, equal standard error. Returns our outcome for further checks.
pub fn assert_like_kmod(ours: &Path, tool: &str, args: &[&str], compare_stderr: bool) -> Outcome {
    let mine = run(ours, args);
    let theirs = run(&kmod_tool(tool), args);
    assert_eq!(
        mine.code, theirs.code,
        "{tool} {args:?}: exit code\nours: {mine:?}\nkmod: {theirs:?}"
    );
    if compare_stderr {
        assert_eq!(
            without_hints(&mine.stderr),
            theirs.stderr,
            "{tool} {args:?}: stderr"
        );
    }
    assert!(
        !mine.stderr.contains("panicked"),
        "{tool} {args:?} panicked: {}",
        mine.stderr
    );
    mine
}

/// A fresh, empty directory under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates `<tmp>/<tag>-<pid>-<n>`.
    pub fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir {}: {e}", dir.display()));
        TempDir(dir)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
