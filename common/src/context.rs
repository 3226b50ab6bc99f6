//! Where things are: the root directory, the kernel release, and every path derived from them.
//!
//! All tools resolve paths through a [`Context`], so a test (or `depmod -b`) can point the whole
//! tool at another tree: `root` prefixes `/lib/modules`, `/proc`, `/sys` and `/etc`.
//!
//! The module directory is spelt two ways, each as kmod spells it in that tool's messages:
//! - depmod's (`-b ROOT`, `-m DIR`) and the default: paths joined, `<root>/lib/modules/<release>`;
//! - modprobe's `-d DIR` and modinfo's `-b DIR` ([`Context::with_base_dir`]): DIR made absolute
//!   as [`absolute`] spells it, then `/lib/modules/<release>` appended as text, nothing
//!   normalised (`-d ./t/` gives `$PWD/./t//lib/modules/<release>`); only the module directory
//!   moves, the root stays `/`.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The root and kernel release every path is resolved against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    root: PathBuf,
    release: String,
    modules_root: PathBuf,
    /// [`Context::with_base_dir`]'s text prefix of the module directory, when set.
    base_dir: Option<OsString>,
}

impl Context {
    /// A context for `root` (use `/` for the running system) and kernel `release`.
    pub fn new(root: impl Into<PathBuf>, release: impl Into<String>) -> Context {
        Context {
            root: root.into(),
            release: release.into(),
            modules_root: PathBuf::from("/lib/modules"),
            base_dir: None,
        }
    }

    /// The same context with module trees under `dir` (absolute, inside the root) instead of
    /// `/lib/modules` (`depmod -m`).
    pub fn with_modules_root(mut self, dir: impl Into<PathBuf>) -> Context {
        self.modules_root = dir.into();
        self
    }

    /// The same context with the module directory of modprobe's `-d DIR` and modinfo's `-b DIR`
    /// (`None`: the option not given): `DIR/lib/modules/<release>`, or `/lib/modules/<release>`,
    /// spelt as those tools of kmod spell it: DIR made absolute by [`absolute`] and the rest
    /// appended as text, so nothing is normalised (`-d /s/` gives `/s//lib/modules/<release>`,
    /// `-S /x` gives `/lib/modules//x`). The root, which the configuration and the kernel's state
    /// are read under, stays as it is.
    pub fn with_base_dir(mut self, dir: Option<&OsStr>) -> Context {
        self.base_dir = Some(dir.map(absolute).unwrap_or_default());
        self
    }

    /// modprobe's `-d DIR` or modinfo's `-b DIR` as given to [`Context::with_base_dir`] (made
    /// absolute), when one was.
    pub fn base_dir(&self) -> Option<&OsStr> {
        self.base_dir.as_deref().filter(|d| !d.is_empty())
    }

    /// The running system: root `/` and the release from `uname -r`.
    pub fn system() -> Context {
        Context::new("/", running_release())
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where module trees are, inside the root: `/lib/modules`, or what
    /// [`Context::with_modules_root`] set.
    pub fn modules_root(&self) -> &Path {
        &self.modules_root
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
    /// [`Context::with_modules_root`]), or as [`Context::with_base_dir`] spells it.
    pub fn module_dir(&self) -> PathBuf {
        match &self.base_dir {
            Some(base) => {
                let mut dir = base.clone();
                dir.push(&self.modules_root);
                dir.push("/");
                dir.push(&self.release);
                PathBuf::from(dir)
            }
            None => self.path(&self.modules_root).join(&self.release),
        }
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

/// `path` made absolute as kmod's modprobe and modinfo spell it: unchanged when it starts with
/// `/`, else the working directory, `/` and the path, without normalisation (`./x.ko` in `/tmp`
/// is `/tmp/./x.ko`); unchanged too when the working directory is unknown (removed).
pub fn absolute(path: &OsStr) -> OsString {
    if path.as_bytes().starts_with(b"/") {
        return path.to_os_string();
    }
    match std::env::current_dir() {
        Ok(cwd) => {
            let mut out = cwd.into_os_string();
            out.push("/");
            out.push(path);
            out
        }
        Err(_) => path.to_os_string(),
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
    fn base_dirs_are_spelt_like_kmod() {
        let dir = |base: Option<&str>, release: &str| {
            Context::new("/", release)
                .with_base_dir(base.map(OsStr::new))
                .module_dir()
                .into_os_string()
        };
        assert_eq!(dir(None, "v"), "/lib/modules/v");
        assert_eq!(dir(None, "/x"), "/lib/modules//x");
        assert_eq!(dir(Some("/r/"), "6.1"), "/r//lib/modules/6.1");
        assert_eq!(dir(Some("/"), "v"), "//lib/modules/v");
        let cwd = std::env::current_dir().expect("cwd").into_os_string();
        let mut want = cwd.clone();
        want.push("/./t//lib/modules/v");
        assert_eq!(dir(Some("./t/"), "v"), want);
        let mut want = cwd.clone();
        want.push("//lib/modules/v");
        assert_eq!(dir(Some(""), "v"), want);
        assert_eq!(absolute(OsStr::new("/a/./b.ko")), "/a/./b.ko");
        let mut want = cwd;
        want.push("/./x.ko");
        assert_eq!(absolute(OsStr::new("./x.ko")), want);
        // The root stays; only the module directory moves.
        let c = Context::new("/", "v").with_base_dir(Some(OsStr::new("/r")));
        assert_eq!(c.proc_modules(), Path::new("/proc/modules"));
    }

    #[test]
    fn system_release_is_known() {
        assert!(!Context::system().release().is_empty());
    }
}
