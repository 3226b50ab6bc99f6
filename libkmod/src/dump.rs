//! `kmod_dump_index`: an index written as text, byte for byte as kmod 34.2 (and kmod 30, on
//! sound indexes) writes it: every key in byte order, one line per value in stored order;
//! `alias KEY VALUE` for modules.alias.bin and modules.symbols.bin, `KEY VALUE` for the others
//! (a built-in module's empty value leaves `KEY ` and the newline). The walk is the one of
//! `modprobe -c` ([`common::index::bin::Index::for_each_entry`]).
//!
//! Observed return values: an unknown index kind is `-ENOENT`; an index that is missing, empty
//! or without a valid header is `-ENOSYS`; otherwise 0, whatever the writes gave (kmod ignores
//! them: an invalid descriptor is still 0). An index damaged past its header is written up to
//! the damage and is 0 (kmod 34.2 wrote nothing and returned 0 for a header followed by a cut
//! root node; kmod 30 loops on it, eating memory).

use std::os::fd::RawFd;

use common::index::bin::{Index, IndexError};
use common::index::files::{
    AliasLine, MODULES_ALIAS_BIN, MODULES_BUILTIN_ALIAS_BIN, MODULES_BUILTIN_BIN, MODULES_DEP_BIN,
    MODULES_SYMBOLS_BIN,
};
use common::index::lookup::MAX_INDEX_SIZE;
use common::index::mapped::IndexBytes;

use crate::ctx::Ctx;
use crate::ffi::{ENOENT, ENOSYS};

/// How much output is gathered before a write.
const CHUNK: usize = 64 * 1024;

/// Writes index `kind` (`enum kmod_index`) of the context's module directory to `fd`: 0, or a
/// negative errno.
pub fn dump_index(ctx: &Ctx, kind: u32, fd: RawFd) -> i32 {
    let (file, alias) = match kind {
        0 => (MODULES_DEP_BIN, false),
        1 => (MODULES_ALIAS_BIN, true),
        2 => (MODULES_SYMBOLS_BIN, true),
        3 => (MODULES_BUILTIN_ALIAS_BIN, false),
        4 => (MODULES_BUILTIN_BIN, false),
        _ => return -ENOENT,
    };
    let bytes = match IndexBytes::open(&ctx.module_dir().join(file), MAX_INDEX_SIZE) {
        Ok(Some(b)) => b,
        _ => return -ENOSYS,
    };
    let Ok(index) = Index::new(&bytes) else {
        return -ENOSYS;
    };
    let mut out = FdWriter {
        fd,
        buf: Vec::with_capacity(CHUNK),
    };
    let _ = index.for_each_entry(|key, values| {
        for v in values {
            let line = if alias {
                format!(
                    "{}\n",
                    AliasLine {
                        pattern: key,
                        module: v.value
                    }
                )
            } else {
                format!("{key} {}\n", v.value)
            };
            out.put(line.as_bytes());
        }
        Ok::<(), IndexError>(())
    });
    out.flush();
    0
}

/// Output to a descriptor the caller owns, in chunks; errors are ignored, as kmod ignores them.
struct FdWriter {
    fd: RawFd,
    buf: Vec<u8>,
}

impl FdWriter {
    fn put(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= CHUNK {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let mut rest = &self.buf[..];
        while !rest.is_empty() {
            // SAFETY: `rest` is a live buffer of rest.len() bytes; a bad descriptor only makes
            // write(2) fail.
            let n = unsafe { libc::write(self.fd, rest.as_ptr().cast(), rest.len()) };
            match usize::try_from(n) {
                Ok(n) if n > 0 => rest = &rest[n..],
                _ if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted => {}
                _ => break,
            }
        }
        self.buf.clear();
    }
}
