//! What the kernel says about a module: `/sys/module/NAME` (init state, size, refcount,
//! holders, sections) and `/proc/modules` (the loaded list), read as kmod 30 and 34.2 read them
//! (observed with fake `/sys/module` and `/proc/modules` trees; docs/libkmod-info.md):
//!
//! - a sysfs attribute is read up to 31 bytes; a number in it is C's `strtol` (decimal; section
//!   addresses `strtoull` in base 16) and must be followed by white space (the kernel's newline):
//!   `5` without one is refused;
//! - the init state must be exactly `live\n`, `coming\n` or `going\n`; a module built in
//!   (modules.builtin) is `KMOD_MODULE_BUILTIN` without a look at sysfs; a directory without an
//!   `initstate` file is `KMOD_MODULE_COMING`;
//! - the size is `coresize` (0 if unreadable), else the module's line of `/proc/modules`.

use crate::shared::Shared;
use std::ffi::CStr;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use common::name;

use crate::ctx::Ctx;
use crate::ffi::{to_cstring, EINVAL, ENOENT};
use crate::list::Item;
use crate::log::LOG_ERR;
use crate::module::Module;

/// `KMOD_MODULE_BUILTIN`.
const BUILTIN: i32 = 0;
/// `KMOD_MODULE_LIVE`.
const LIVE: i32 = 1;
/// `KMOD_MODULE_COMING`.
const COMING: i32 = 2;
/// `KMOD_MODULE_GOING`.
const GOING: i32 = 3;
/// How much of a sysfs attribute kmod reads.
const ATTR_MAX: usize = 31;

/// `/sys/module/NAME` of a module.
fn sys_dir(m: &Module) -> PathBuf {
    m.ctx.system.sys_module_of(&m.name_str())
}

/// The errno of an I/O error, negative.
fn neg_errno(e: &io::Error) -> i32 {
    -e.raw_os_error().unwrap_or(libc::EIO)
}

/// Text of an errno as C's `strerror` gives it.
fn strerror(errno: i32) -> String {
    common::error::errno_text(nix::errno::Errno::from_raw(errno))
}

/// The first [`ATTR_MAX`] bytes of a file.
fn read_attr(path: &Path) -> io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(ATTR_MAX);
    fs::File::open(path)?
        .take(ATTR_MAX as u64)
        .read_to_end(&mut buf)?;
    Ok(buf)
}

/// C's `isspace`.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// What C's `strtoul` family reads at the start of `s`: leading white space, a sign, an
/// optional `0x` in base 16, digits. Returns (negative, magnitude or `None` past `u64::MAX`,
/// where the number ends: 0 when there is none).
fn c_scan(s: &[u8], base: u32) -> (bool, Option<u64>, usize) {
    let mut i = 0;
    while s.get(i).is_some_and(|&c| is_space(c)) {
        i += 1;
    }
    let negative = s.get(i) == Some(&b'-');
    if matches!(s.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    if base == 16
        && s.get(i) == Some(&b'0')
        && matches!(s.get(i + 1), Some(b'x' | b'X'))
        && s.get(i + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        i += 2;
    }
    let start = i;
    let mut value = Some(0u64);
    while let Some(d) = s.get(i).and_then(|&c| char::from(c).to_digit(base)) {
        value = value
            .and_then(|v| v.checked_mul(u64::from(base)))
            .and_then(|v| v.checked_add(u64::from(d)));
        i += 1;
    }
    if i == start {
        return (false, Some(0), 0);
    }
    (negative, value, i)
}

/// C's `strtoull`: (value, end, overflow); past `u64::MAX` it is `u64::MAX`, a '-' negates in
/// two's complement.
fn c_strtou(s: &[u8], base: u32) -> (u64, usize, bool) {
    match c_scan(s, base) {
        (_, None, end) => (u64::MAX, end, true),
        (negative, Some(v), end) => (if negative { v.wrapping_neg() } else { v }, end, false),
    }
}

/// C's `strtol` in base 10: (value saturated to the `i64` range, end).
fn c_strtol(s: &[u8]) -> (i64, usize) {
    let (negative, magnitude, end) = c_scan(s, 10);
    let magnitude = magnitude.map_or(u128::MAX, u128::from);
    let value = if negative {
        i64::try_from(-(magnitude.min(1 << 63) as i128)).unwrap_or(i64::MIN)
    } else {
        i64::try_from(magnitude).unwrap_or(i64::MAX)
    };
    (value, end)
}

/// A number as kmod reads one from sysfs: it must end at white space.
fn parse_long(buf: &[u8]) -> Option<i64> {
    let (v, end) = c_strtol(buf);
    (end > 0 && buf.get(end).is_some_and(|&c| is_space(c))).then_some(v)
}

/// `kmod_module_get_initstate`: a `KMOD_MODULE_*` state or a negative errno.
pub fn initstate(m: &Module) -> i32 {
    if m.is_builtin() {
        return BUILTIN;
    }
    let dir = sys_dir(m);
    let path = dir.join("initstate");
    let mut buf = Vec::with_capacity(ATTR_MAX);
    let file = match fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            // A module directory without the file: the module is being loaded.
            return if fs::metadata(&dir).is_ok() {
                COMING
            } else {
                neg_errno(&e)
            };
        }
    };
    if let Err(e) = file.take(ATTR_MAX as u64).read_to_end(&mut buf) {
        let errno = neg_errno(&e);
        crate::log!(
            m.ctx,
            LOG_ERR,
            "kmod_module_get_initstate",
            "could not read from '{}': {}\n",
            path.display(),
            strerror(-errno)
        );
        return errno;
    }
    match buf.as_slice() {
        b"live\n" => LIVE,
        b"coming\n" => COMING,
        b"going\n" => GOING,
        other => {
            crate::log!(
                m.ctx,
                LOG_ERR,
                "kmod_module_get_initstate",
                "unknown {}: '{}'\n",
                path.display(),
                String::from_utf8_lossy(other)
            );
            -EINVAL
        }
    }
}

/// `kmod_module_initstate_str`.
pub fn initstate_str(state: i32) -> Option<&'static CStr> {
    match state {
        BUILTIN => Some(c"builtin"),
        LIVE => Some(c"live"),
        COMING => Some(c"coming"),
        GOING => Some(c"going"),
        _ => None,
    }
}

/// `kmod_module_get_size`: `coresize` (0 when it can't be read), else the size of the module's
/// line of `/proc/modules`, or a negative errno.
pub fn size(m: &Module) -> i64 {
    let dir = sys_dir(m);
    if let Err(e) = fs::File::open(&dir) {
        return i64::from(neg_errno(&e));
    }
    match fs::File::open(dir.join("coresize")) {
        Ok(_) => {
            let value = read_attr(&dir.join("coresize"))
                .ok()
                .and_then(|b| parse_long(&b));
            value.unwrap_or_else(|| {
                crate::log!(
                    m.ctx,
                    LOG_ERR,
                    "kmod_module_get_size",
                    "failed to read coresize from {}\n",
                    dir.display()
                );
                0
            })
        }
        Err(_) => proc_modules_size(m),
    }
}

/// The size `/proc/modules` gives for the module: the first line whose first word is its name.
fn proc_modules_size(m: &Module) -> i64 {
    let path = m.ctx.system.proc_modules();
    let text = match fs::read(&path) {
        Ok(t) => t,
        Err(e) => {
            crate::log!(
                m.ctx,
                LOG_ERR,
                "kmod_module_get_size",
                "could not open /proc/modules: {}\n",
                strerror(-neg_errno(&e))
            );
            return i64::from(neg_errno(&e));
        }
    };
    let name = m.name_str();
    for (i, line) in text.split_inclusive(|&b| b == b'\n').enumerate() {
        let mut words = c_words(line);
        if words.next() != Some(name.as_bytes()) {
            continue;
        }
        let size = words.next().and_then(|w| {
            let (v, end) = c_strtol(w);
            (end > 0 && end == w.len()).then_some(v)
        });
        return match size {
            Some(v) => v,
            None => {
                crate::log!(
                    m.ctx,
                    LOG_ERR,
                    "kmod_module_get_size",
                    "invalid line format at /proc/modules:{}\n",
                    i + 1
                );
                i64::from(-ENOENT)
            }
        };
    }
    i64::from(-ENOENT)
}

/// The words of a line as C's `strtok` with " \t" finds them (a newline stays in its word).
fn c_words(line: &[u8]) -> impl Iterator<Item = &[u8]> {
    line.split(|&c| c == b' ' || c == b'\t')
        .filter(|w| !w.is_empty())
}

/// `kmod_module_get_refcnt`: or a negative errno.
pub fn refcnt(m: &Module) -> i32 {
    let path = sys_dir(m).join("refcnt");
    if let Err(e) = fs::File::open(&path) {
        return neg_errno(&e);
    }
    let errno = match read_attr(&path) {
        // C's int from a long: the low 32 bits.
        Ok(buf) => match parse_long(&buf) {
            Some(v) => return v as i32,
            None => -EINVAL,
        },
        Err(e) => neg_errno(&e),
    };
    crate::log!(
        m.ctx,
        LOG_ERR,
        "kmod_module_get_refcnt",
        "could not read integer from '{}': '{}'\n",
        path.display(),
        strerror(-errno)
    );
    errno
}

/// The entries of a directory in the order the kernel lists them, without `.` and `..`; logs
/// and returns `None` when it can't be opened.
fn dir_entries(m: &Module, path: &Path, func: &str) -> Option<Vec<std::ffi::OsString>> {
    match fs::read_dir(path) {
        Ok(rd) => Some(rd.flatten().map(|e| e.file_name()).collect()),
        Err(e) => {
            crate::log!(
                m.ctx,
                LOG_ERR,
                func,
                "could not open '{}': {}\n",
                path.display(),
                strerror(-neg_errno(&e))
            );
            None
        }
    }
}

/// `kmod_module_get_holders`: a module for each entry of `holders/`, named as
/// `kmod_module_new_from_name` names it (cut at the first '.', '-' as '_').
pub fn holders(m: &Module) -> Vec<Shared<Module>> {
    let path = sys_dir(m).join("holders");
    dir_entries(m, &path, "kmod_module_get_holders")
        .unwrap_or_default()
        .iter()
        .map(|n| Module::from_name(&m.ctx, &name::from_arg(&n.to_string_lossy())))
        .collect()
}

/// `kmod_module_get_sections`: each file of `sections/` with the address it holds. A file that
/// can't be read or parsed empties the list (kmod then frees it with the wrong function and
/// crashes, unless it was still empty).
pub fn sections(m: &Module) -> Vec<Item> {
    let path = sys_dir(m).join("sections");
    let Some(entries) = dir_entries(m, &path, "kmod_module_get_sections") else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let file = path.join(&entry);
        let address = match read_attr(&file) {
            Ok(buf) => {
                let (v, end, overflow) = c_strtou(&buf, 16);
                if end > 0 && buf.get(end).is_some_and(|&c| is_space(c)) {
                    Ok(v)
                } else {
                    Err(if overflow { libc::ERANGE } else { 0 })
                }
            }
            Err(e) => Err(-neg_errno(&e)),
        };
        match address {
            Ok(address) => out.push(Item::Section {
                name: to_cstring(std::os::unix::ffi::OsStrExt::as_bytes(entry.as_os_str())),
                address,
            }),
            Err(errno) => {
                crate::log!(
                    m.ctx,
                    LOG_ERR,
                    "kmod_module_get_sections",
                    "could not read long from '{}': {}\n",
                    file.display(),
                    strerror(errno)
                );
                return Vec::new();
            }
        }
    }
    out
}

/// `kmod_module_new_from_loaded`: the modules of `/proc/modules`, in its order: each line's
/// first word (split at spaces and tabs), named as `kmod_module_new_from_name` names it.
pub fn loaded(ctx: &Shared<Ctx>) -> Result<Vec<Shared<Module>>, i32> {
    let text = fs::read(ctx.system.proc_modules()).map_err(|e| {
        crate::log!(
            ctx,
            LOG_ERR,
            "kmod_module_new_from_loaded",
            "could not open /proc/modules: {}\n",
            strerror(-neg_errno(&e))
        );
        neg_errno(&e)
    })?;
    Ok(text
        .split_inclusive(|&b| b == b'\n')
        .filter_map(|line| c_words(line).next())
        .map(|w| Module::from_name(ctx, &name::from_arg(&String::from_utf8_lossy(w))))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_c_reads_them() {
        assert_eq!(parse_long(b"12\n"), Some(12));
        assert_eq!(parse_long(b" +4\n"), Some(4));
        assert_eq!(parse_long(b"-3\n"), Some(-3));
        assert_eq!(parse_long(b"010\n"), Some(10));
        assert_eq!(parse_long(b"12 x\n"), Some(12));
        assert_eq!(parse_long(b"123"), None);
        assert_eq!(parse_long(b"12x\n"), None);
        assert_eq!(parse_long(b"0x10\n"), None);
        assert_eq!(parse_long(b"\n"), None);
        assert_eq!(parse_long(b"99999999999999999999\n"), Some(i64::MAX));
        assert_eq!(parse_long(b"-99999999999999999999\n"), Some(i64::MIN));
        assert_eq!(c_strtou(b"0x10\n", 16).0, 0x10);
        assert_eq!(c_strtou(b"16\n", 16).0, 0x16);
        assert_eq!(c_strtou(b"-1\n", 16).0, u64::MAX);
        assert_eq!(c_strtou(b"0x\n", 16).1, 1);
        assert_eq!(c_strtou(b"x\n", 16).1, 0);
    }

    #[test]
    fn words_as_strtok_splits() {
        let w: Vec<&[u8]> = c_words(b"  a\tb  c\n").collect();
        assert_eq!(w, vec![&b"a"[..], b"b", b"c\n"]);
        assert_eq!(c_words(b" \t").next(), None);
    }
}
