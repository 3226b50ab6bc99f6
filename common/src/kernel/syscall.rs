//! The module syscalls: `init_module(2)`, `finit_module(2)` and `delete_module(2)`.
//!
//! The raw calls are made by `nix::kmod`, whose wrappers hold the only `unsafe` blocks (each
//! passes a pointer/length pair that Rust owns for the duration of the call); this crate itself
//! denies unsafe code. What this module adds is the flag set the kernel knows but nix does not
//! name (`MODULE_INIT_COMPRESSED_FILE`, Linux 6.4+), and one error type carrying the errno.

use std::ffi::{CStr, CString};
use std::os::fd::AsFd;

use nix::errno::Errno;
use nix::kmod::{DeleteModuleFlags, ModuleInitFlags};

/// Flags for [`finit_module`] (`include/uapi/linux/module.h`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InitFlags {
    /// `MODULE_INIT_IGNORE_MODVERSIONS` (1): skip symbol version checks (`--force-modversion`).
    pub ignore_modversions: bool,
    /// `MODULE_INIT_IGNORE_VERMAGIC` (2): skip the vermagic check (`--force-vermagic`).
    pub ignore_vermagic: bool,
    /// `MODULE_INIT_COMPRESSED_FILE` (4): the file is compressed; the kernel decompresses it.
    pub compressed_file: bool,
}

impl InitFlags {
    /// The raw flag word passed to the kernel.
    pub fn bits(self) -> u32 {
        u32::from(self.ignore_modversions)
            | u32::from(self.ignore_vermagic) << 1
            | u32::from(self.compressed_file) << 2
    }
}

/// Loads the module in the open file `fd`; the kernel reads (and, with
/// [`InitFlags::compressed_file`], decompresses) it.
pub fn finit_module(fd: impl AsFd, params: &CStr, flags: InitFlags) -> Result<(), Errno> {
    nix::kmod::finit_module(fd, params, ModuleInitFlags::from_bits_retain(flags.bits()))
}

/// Loads the module image `image` (already decompressed).
pub fn init_module(image: &[u8], params: &CStr) -> Result<(), Errno> {
    nix::kmod::init_module(image, params)
}

/// Unloads module `name`. Always non-blocking (`O_NONBLOCK`), as kmod is; `force` adds `O_TRUNC`,
/// which the kernel honours only with `CONFIG_MODULE_FORCE_UNLOAD`.
pub fn delete_module(name: &str, force: bool) -> Result<(), Errno> {
    let name = CString::new(name).map_err(|_| Errno::EINVAL)?;
    let mut flags = DeleteModuleFlags::O_NONBLOCK;
    if force {
        flags |= DeleteModuleFlags::O_TRUNC;
    }
    nix::kmod::delete_module(&name, flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_bits_match_the_uapi_header() {
        assert_eq!(InitFlags::default().bits(), 0);
        let all = InitFlags {
            ignore_modversions: true,
            ignore_vermagic: true,
            compressed_file: true,
        };
        assert_eq!(all.bits(), 7);
        let c = InitFlags {
            compressed_file: true,
            ..InitFlags::default()
        };
        assert_eq!(c.bits(), 4);
    }

    #[test]
    fn names_with_nul_are_refused_before_the_kernel() {
        assert_eq!(delete_module("a\0b", false), Err(Errno::EINVAL));
    }
}
