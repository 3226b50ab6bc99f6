//! Inserting a module file into the kernel, choosing the cheapest path the kernel supports:
//!
//! 1. a plain file, or one compressed in the format the kernel decompresses itself
//!    (`/sys/module/compression`): `finit_module` on the open file, so the kernel reads it;
//! 2. otherwise, or when `finit_module` doesn't exist (`ENOSYS`): decompress in user space and
//!    `init_module` the image.
//!
//! Forcing uses the `finit_module` flags; on the `init_module` path a private copy of the image is
//! stripped instead (see [`crate::elf::strip_for_force`]).

use std::ffi::CString;
use std::fmt;

use nix::errno::Errno;

use crate::context::Context;
use crate::elf;
use crate::error::{load_errno_text, Error};
use crate::file::{Compression, ModuleFile};
use crate::kernel::state::kernel_compression;
use crate::kernel::syscall::{finit_module, init_module, InitFlags};
use crate::report::{Report, ReportExt};

/// What to override when loading.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ForceOptions {
    /// Ignore symbol version (modversions) mismatches.
    pub modversions: bool,
    /// Ignore a vermagic mismatch.
    pub vermagic: bool,
}

/// The way a module image was handed to the kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `finit_module` on the file as it is: plain, or compressed in `kernel_decompresses`.
    Finit {
        /// The format the kernel decompresses, if the file is compressed.
        kernel_decompresses: Option<Compression>,
    },
    /// `init_module` on an image read (and decompressed, if `from` is not `None`) in user space.
    Init {
        /// The file's compression.
        from: Compression,
        /// Size of the image handed to the kernel.
        size: usize,
    },
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Method::Finit {
                kernel_decompresses: None,
            } => f.write_str("finit_module"),
            Method::Finit {
                kernel_decompresses: Some(c),
            } => write!(f, "finit_module (in-kernel {c} decompression)"),
            Method::Init {
                from: Compression::None,
                size,
            } => write!(f, "init_module ({size} bytes read in user space)"),
            Method::Init { from, size } => {
                write!(
                    f,
                    "init_module ({from} decompressed in user space, {size} bytes)"
                )
            }
        }
    }
}

/// Why a module could not be inserted.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The module file could not be read or decompressed, or (when forcing) parsed.
    #[error("{}", .0.reason())]
    File(#[from] Error),
    /// The parameters contain a NUL byte.
    #[error("parameters contain a NUL byte")]
    BadParams,
    /// The kernel refused the module.
    #[error("{}", load_errno_text(*.0))]
    Kernel(Errno),
}

impl LoadError {
    /// The kernel's errno, if the kernel refused.
    pub fn errno(&self) -> Option<Errno> {
        match self {
            LoadError::Kernel(e) => Some(*e),
            _ => None,
        }
    }
}

/// Inserts `module` with `params` (already joined, see [`crate::params::join`]). Each method is
/// reported before it is tried, at [`Level::Info`](crate::report::Level::Info) (insmod's `-v`
/// output: `loading PATH via METHOD`). Returns the method that succeeded.
pub fn insert(
    ctx: &Context,
    module: &ModuleFile,
    params: &str,
    force: ForceOptions,
    report: &dyn Report,
) -> Result<Method, LoadError> {
    let trace = |method: &Method| {
        report.info(format_args!(
            "loading {} via {method}",
            module.path().display()
        ));
    };
    let cparams = CString::new(params).map_err(|_| LoadError::BadParams)?;
    let compression = module.compression();
    let kernel_does =
        compression == Compression::None || kernel_compression(ctx) == Some(compression);
    if kernel_does {
        let method = Method::Finit {
            kernel_decompresses: (compression != Compression::None).then_some(compression),
        };
        trace(&method);
        let flags = InitFlags {
            ignore_modversions: force.modversions,
            ignore_vermagic: force.vermagic,
            compressed_file: compression != Compression::None,
        };
        match finit_module(module.file(), &cparams, flags) {
            Ok(()) => return Ok(method),
            Err(Errno::ENOSYS) => {}
            Err(e) => return Err(LoadError::Kernel(e)),
        }
    }
    let mut image = module.read_image()?;
    if force.modversions || force.vermagic {
        elf::strip_for_force(&mut image, force.modversions, force.vermagic).map_err(|source| {
            Error::Elf {
                path: module.path().to_path_buf(),
                source,
            }
        })?;
    }
    let method = Method::Init {
        from: compression,
        size: image.len(),
    };
    trace(&method);
    init_module(&image, &cparams).map_err(LoadError::Kernel)?;
    Ok(method)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_say_which_path_was_taken() {
        let m = Method::Finit {
            kernel_decompresses: Some(Compression::Xz),
        };
        assert_eq!(m.to_string(), "finit_module (in-kernel xz decompression)");
        let m = Method::Init {
            from: Compression::Xz,
            size: 10,
        };
        assert_eq!(
            m.to_string(),
            "init_module (xz decompressed in user space, 10 bytes)"
        );
    }

    #[test]
    fn kernel_errors_use_kmod_words() {
        assert_eq!(
            LoadError::Kernel(Errno::ENOEXEC).to_string(),
            "Invalid module format"
        );
        assert_eq!(LoadError::Kernel(Errno::EEXIST).to_string(), "File exists");
    }
}
