//! `kmod_dump_index`: an index written as text.

use std::os::fd::BorrowedFd;

use crate::ctx::Ctx;

/// Writes index `kind` (`enum kmod_index`) of the context's module directory to `fd`: 0, or a
/// negative errno.
pub fn dump_index(_ctx: &Ctx, _kind: u32, _fd: BorrowedFd<'_>) -> i32 {
    -libc::ENOSYS
}
