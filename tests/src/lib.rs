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
    /// Exit code (`-1` when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `bin` with `args` and collects its outcome. argv\[0\] is `bin`'s file name, so that
/// messages that show it (getopt's) read the same for our tool and kmod's. Panics (failing the
/// test) if it can't start or dies from a signal: a tool must always exit.
pub fn run(bin: &Path, args: &[&str]) -> Outcome {
    let out = Command::new(bin)
        .arg0(bin.file_name().unwrap_or(bin.as_os_str()))
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", bin.display()));
    let code = out
        .status
        .code()
        .unwrap_or_else(|| panic!("{} {args:?} was killed: {:?}", bin.display(), out.status));
    Outcome {
        code,
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
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
        assert_eq!(mine.stderr, theirs.stderr, "{tool} {args:?}: stderr");
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
