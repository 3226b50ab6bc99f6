//! Module state as the kernel publishes it: `/proc/modules` and `/sys/module/<name>/...`.

use std::fs;
use std::io;
use std::path::Path;

use crate::context::Context;
use crate::error::Error;
use crate::file::Compression;

/// One line of `/proc/modules`: `name size refcnt holders state address`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedModule {
    /// Module name.
    pub name: String,
    /// Memory used, in bytes.
    pub size: u64,
    /// Use count; `None` where the kernel prints `-` (no unload support).
    pub refcnt: Option<u32>,
    /// Modules that use this one, in the kernel's order.
    pub holders: Vec<String>,
    /// `Live`, `Loading` or `Unloading`.
    pub state: String,
    /// Load address as printed (`0x0000000000000000` when hidden from the reader).
    pub address: String,
}

/// A module's `/sys/module/<name>/initstate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitState {
    /// Loaded and initialised.
    Live,
    /// Its init function is running.
    Coming,
    /// Being removed.
    Going,
    /// Compiled into the kernel (`/sys/module/<name>` exists without `initstate`).
    Builtin,
}

/// Parses the text of `/proc/modules`; `path` only names the file in errors.
pub fn parse_proc_modules(text: &str, path: &Path) -> Result<Vec<LoadedModule>, Error> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |what: &str| Error::Format {
            path: path.to_path_buf(),
            line: i + 1,
            what: what.to_string(),
        };
        let mut f = line.split_ascii_whitespace();
        let name = f.next().ok_or_else(|| bad("missing name"))?;
        let size = f
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("bad size"))?;
        let refcnt = match f.next() {
            Some("-") => None,
            Some(s) => Some(s.parse().map_err(|_| bad("bad use count"))?),
            None => return Err(bad("missing use count")),
        };
        let holders = match f.next() {
            Some("-") | None => Vec::new(),
            Some(s) => s
                .split(',')
                .filter(|h| !h.is_empty())
                .map(String::from)
                .collect(),
        };
        out.push(LoadedModule {
            name: name.to_string(),
            size,
            refcnt,
            holders,
            state: f.next().unwrap_or_default().to_string(),
            address: f.next().unwrap_or_default().to_string(),
        });
    }
    Ok(out)
}

/// Reads and parses `/proc/modules`.
pub fn loaded_modules(ctx: &Context) -> Result<Vec<LoadedModule>, Error> {
    let path = ctx.proc_modules();
    let text = fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    parse_proc_modules(&text, &path)
}

fn read_trimmed(path: &Path) -> io::Result<String> {
    fs::read_to_string(path).map(|s| s.trim_end().to_string())
}

/// The module's init state, or `None` when the kernel knows no module of that name (a name
/// with a '/' is never a module).
pub fn initstate(ctx: &Context, name: &str) -> Result<Option<InitState>, Error> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return Ok(None);
    }
    let dir = ctx.sys_module_of(name);
    let path = dir.join("initstate");
    match read_trimmed(&path) {
        Ok(s) => Ok(match s.as_str() {
            "live" => Some(InitState::Live),
            "coming" => Some(InitState::Coming),
            "going" => Some(InitState::Going),
            other => {
                return Err(Error::Format {
                    path,
                    line: 1,
                    what: format!("unknown init state '{other}'"),
                })
            }
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            Ok(dir.is_dir().then_some(InitState::Builtin))
        }
        Err(e) => Err(Error::io(path, e)),
    }
}

/// `/sys/module/<name>/refcnt`.
pub fn refcnt(ctx: &Context, name: &str) -> Result<u32, Error> {
    read_number(ctx, name, "refcnt", "use count")
}

/// `/sys/module/<name>/coresize`.
pub fn coresize(ctx: &Context, name: &str) -> Result<u64, Error> {
    read_number(ctx, name, "coresize", "size")
}

/// A number in `/sys/module/<name>/<file>`; `what` names it in errors.
fn read_number<T: std::str::FromStr>(
    ctx: &Context,
    name: &str,
    file: &str,
    what: &str,
) -> Result<T, Error> {
    let path = ctx.sys_module_of(name).join(file);
    let s = read_trimmed(&path).map_err(|e| Error::io(&path, e))?;
    s.parse().map_err(|_| Error::Format {
        path,
        line: 1,
        what: format!("bad {what} '{s}'"),
    })
}

/// The entries of `/sys/module/<name>/holders`, in directory order (as kmod lists them).
pub fn holders(ctx: &Context, name: &str) -> Result<Vec<String>, Error> {
    let path = ctx.sys_module_of(name).join("holders");
    let rd = fs::read_dir(&path).map_err(|e| Error::io(&path, e))?;
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(&path, e))?;
        out.push(entry.file_name().to_string_lossy().into_owned());
    }
    Ok(out)
}

/// `/sys/module/<name>/parameters/*`: each parameter with its value, or `None` where the file is
/// not readable (write-only parameters). Sorted by name.
pub fn parameters(ctx: &Context, name: &str) -> Result<Vec<(String, Option<String>)>, Error> {
    let dir = ctx.sys_module_of(name).join("parameters");
    let rd = match fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&dir, e)),
    };
    let mut out = Vec::new();
    for entry in rd {
        let entry = entry.map_err(|e| Error::io(&dir, e))?;
        let value = read_trimmed(&entry.path()).ok();
        out.push((entry.file_name().to_string_lossy().into_owned(), value));
    }
    out.sort();
    Ok(out)
}

/// The format the running kernel decompresses itself (`/sys/module/compression`, Linux 6.4+ with
/// `CONFIG_MODULE_DECOMPRESS`); `None` when it decompresses nothing.
pub fn kernel_compression(ctx: &Context) -> Option<Compression> {
    read_trimmed(&ctx.sys_module().join("compression"))
        .ok()
        .and_then(|s| Compression::from_name(&s))
        .filter(|c| *c != Compression::None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    const PROC: &str = "mt_dep 16384 1 mt_user, Live 0xffffffffc0a00000\n\
                        mt_user 12288 0 - Live 0x0000000000000000\n\
                        old 4096 - - Unloading 0x0\n\
                        two 8192 2 a,b, Live 0x1 (OE)\n";

    #[test]
    fn parses_proc_modules() {
        let m = parse_proc_modules(PROC, Path::new("/proc/modules")).expect("parse");
        assert_eq!(m.len(), 4);
        assert_eq!(m[0].name, "mt_dep");
        assert_eq!(m[0].size, 16384);
        assert_eq!(m[0].refcnt, Some(1));
        assert_eq!(m[0].holders, vec!["mt_user"]);
        assert_eq!(m[0].state, "Live");
        assert!(m[1].holders.is_empty());
        assert_eq!(m[2].refcnt, None);
        assert_eq!(m[2].state, "Unloading");
        assert_eq!(m[3].holders, vec!["a", "b"]);
    }

    #[test]
    fn bad_proc_modules_names_file_and_line() {
        let err = parse_proc_modules("ok 1 0 - Live 0x0\nbroken notanumber 0\n", Path::new("/p"))
            .expect_err("bad size");
        assert_eq!(err.to_string(), "/p: line 2: bad size");
    }

    fn fake_root(tag: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("common-state-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        let m = root.join("sys/module");
        fs::create_dir_all(m.join("loop/holders/xfs")).expect("mkdir");
        fs::create_dir_all(m.join("loop/parameters")).expect("mkdir");
        fs::write(m.join("loop/initstate"), "live\n").expect("w");
        fs::write(m.join("loop/refcnt"), "1\n").expect("w");
        fs::write(m.join("loop/coresize"), "32768\n").expect("w");
        fs::write(m.join("loop/parameters/max_loop"), "8\n").expect("w");
        fs::write(m.join("loop/parameters/max_part"), "0\n").expect("w");
        fs::create_dir_all(m.join("printk/parameters")).expect("mkdir");
        root
    }

    #[test]
    fn reads_sysfs_state() {
        let root = fake_root("sysfs");
        let ctx = Context::new(&root, "x");
        assert_eq!(
            initstate(&ctx, "loop").expect("loop"),
            Some(InitState::Live)
        );
        assert_eq!(
            initstate(&ctx, "printk").expect("printk"),
            Some(InitState::Builtin)
        );
        assert_eq!(initstate(&ctx, "absent").expect("absent"), None);
        assert_eq!(initstate(&ctx, "/loop").expect("slash"), None);
        assert_eq!(initstate(&ctx, "..").expect("dots"), None);
        assert_eq!(refcnt(&ctx, "loop").expect("refcnt"), 1);
        assert_eq!(coresize(&ctx, "loop").expect("coresize"), 32768);
        assert_eq!(holders(&ctx, "loop").expect("holders"), vec!["xfs"]);
        assert_eq!(
            parameters(&ctx, "loop").expect("params"),
            vec![
                ("max_loop".to_string(), Some("8".to_string())),
                ("max_part".to_string(), Some("0".to_string()))
            ]
        );
        assert!(refcnt(&ctx, "absent").is_err());
        assert_eq!(kernel_compression(&ctx), None);
        fs::write(root.join("sys/module/compression"), "xz\n").expect("w");
        assert_eq!(kernel_compression(&ctx), Some(Compression::Xz));
        fs::remove_dir_all(&root).expect("cleanup");
    }
}
