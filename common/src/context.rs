//! Where things are: the root directory, the kernel release, and every path derived from them.
//!
//! All tools resolve paths through a [`Context`], so a test (or `depmod -b`) can point the whole
//! tool at another tree: `root` prefixes `/lib/modules`, `/proc`, `/sys` and `/etc`.

use std::path::{Path, PathBuf};

/// The root and kernel release every path is resolved against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    root: PathBuf,
    release: String,
    modules_root: PathBuf,
}

impl Context {
    /// A context for `root` (use `/` for the running system) and kernel `release`.
    pub fn new(root: impl Into<PathBuf>, release: impl Into<String>) -> Context {
        Context {
            root: root.into(),
            release: release.into(),
            modules_root: PathBuf::from("/lib/modules"),
        }
    }

    /// The same context with module trees under `dir` (absolute, inside the root) instead of
    /// `/lib/modules` (`depmod -m`).
    pub fn with_modules_root(mut self, dir: impl Into<PathBuf>) -> Context {
        self.modules_root = dir.into();
        self
    }

    /// The running system: root `/` and the release from `uname -r`.
    pub fn system() -> Context {
        Context::new("/", running_release())
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The kernel release (`uname -r`, or whatever the caller chose).
    pub fn release(&self) -> &str {
        &self.release
    }

    /// `<root>/<path>` for an absolute system path such as `/etc/modprobe.d`.
    pub fn path(&self, system_path: impl AsRef<Path>) -> PathBuf {
        let p = system_path.as_ref();
        self.root.join(p.strip_prefix("/").unwrap_or(p))
    }

    /// `<root>/lib/modules/<release>` (or the modules root given to
    /// [`Context::with_modules_root`]).
    pub fn module_dir(&self) -> PathBuf {
        self.path(&self.modules_root).join(&self.release)
    }

    /// `<root>/proc/modules`.
    pub fn proc_modules(&self) -> PathBuf {
        self.path("/proc/modules")
    }

    /// `<root>/sys/module`.
    pub fn sys_module(&self) -> PathBuf {
        self.path("/sys/module")
    }

    /// `<root>/sys/module/<name>`.
    pub fn sys_module_of(&self, name: &str) -> PathBuf {
        self.sys_module().join(name)
    }
}

/// The running kernel's release, as `uname -r` prints it (empty if uname fails, which it doesn't
/// on Linux).
pub fn running_release() -> String {
    nix::sys::utsname::uname()
        .map(|u| u.release().to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_live_under_root() {
        let c = Context::new("/tmp/r", "6.1.0-1-amd64");
        assert_eq!(
            c.module_dir(),
            Path::new("/tmp/r/lib/modules/6.1.0-1-amd64")
        );
        assert_eq!(c.proc_modules(), Path::new("/tmp/r/proc/modules"));
        assert_eq!(c.sys_module_of("loop"), Path::new("/tmp/r/sys/module/loop"));
        assert_eq!(
            c.path("/etc/modprobe.d"),
            Path::new("/tmp/r/etc/modprobe.d")
        );
        let m = Context::new("/tmp/r", "v").with_modules_root("/usr/lib/modules");
        assert_eq!(m.module_dir(), Path::new("/tmp/r/usr/lib/modules/v"));
        let s = Context::new("/", "x");
        assert_eq!(s.proc_modules(), Path::new("/proc/modules"));
    }

    #[test]
    fn system_release_is_known() {
        assert!(!Context::system().release().is_empty());
    }
}
