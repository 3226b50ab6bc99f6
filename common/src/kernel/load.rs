//! Inserting a module file into the kernel, choosing the cheapest path the kernel supports:
//!
//! 1. a plain file, or one compressed in the format the kernel decompresses itself
//!    (`/sys/module/compression`): `finit_module` on the open file, so the kernel reads it;
//! 2. otherwise, or when `finit_module` doesn't exist (`ENOSYS`): decompress in user space and
//!    `init_module` the image;
//! 3. when the kernel fails a compressed file in a way its own decompressor may have caused
//!    (see [`judge_finit`]): once more as in 2, and that second answer is the one reported. The
//!    kernel's decoders are narrower than user space's: Linux's xz decoder has no CRC64 (`xz`'s
//!    default check, which DKMS and hand-compressed modules have), and fails the whole call with
//!    `EINVAL`; kmod 30, decompressing in user space, loads such a module.
//!
//! Forcing uses the `finit_module` flags; on the `init_module` path a private copy of the image is
//! stripped instead (see [`crate::elf::strip_for_force`]).

use std::ffi::CString;
use std::fmt;

use nix::errno::Errno;

use crate::context::Context;
use crate::elf;
use crate::error::{errno_text, load_errno_text, Error};
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

/// Which [`Level::Info`](crate::report::Level::Info) lines [`insert`] reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Trace {
    /// Each method before it is tried (`loading PATH via METHOD`), and a fallback to user-space
    /// decompression: insmod's `-v`.
    #[default]
    Methods,
    /// Only a fallback to user-space decompression: modprobe's `-v`, whose other lines are kmod's.
    FallbackOnly,
}

/// How to load: what to override, and what to say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// What to override.
    pub force: ForceOptions,
    /// What to report at info level.
    pub trace: Trace,
}

/// What the kernel's answer to `finit_module` means for the load (see [`judge_finit`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinitOutcome {
    /// The module is in the kernel.
    Loaded,
    /// The kernel has no `finit_module` (`ENOSYS`): read the image in user space and
    /// `init_module` it, silently (this is how old kernels are).
    NoFinit,
    /// The kernel failed a compressed file with an errno its decompressor returns: decompress in
    /// user space and `init_module` once more, saying so; report the second answer, or this
    /// errno if the file can't be decompressed in user space either.
    RetryInUserSpace(Errno),
    /// The kernel refused the module: report this errno.
    Failed(Errno),
}

/// Judges the answer of `finit_module`, given whether the kernel was asked to decompress the file
/// (`MODULE_INIT_COMPRESSED_FILE`). No syscall: this is the whole fallback decision.
///
/// The kernel's module decompressor (`kernel/module/decompress.c`, Linux 6.4 to 6.12) fails with:
/// - `EINVAL`: the stream isn't the configured format, or the decoder stopped: an unsupported
///   check (CRC64, SHA-256) or filter, or corrupt data. Ambiguous: a bad parameter value, some
///   ELF checks and a module init returning `-EINVAL` give `EINVAL` too. We retry anyway: a
///   module that really is bad fails the second time with the same errno (the user sees it once,
///   as before); a refused decoder no longer strands a good module. The cost: when the module's
///   own init returned `-EINVAL`, it runs a second time, as if the command were run twice (the
///   kernel has undone the first load entirely), and the kernel logs the failure twice.
/// - `ENOMEM`: the decoder's dictionary or window (sized by the file's header, up to the full
///   xz dictionary or zstd window) or the output pages could not be allocated; the image in user
///   space needs none of the decoder's memory in the kernel. Same ambiguity, same reasoning.
/// - `EOPNOTSUPP`: the kernel has no decompressor (`CONFIG_MODULE_DECOMPRESS` off), although
///   `/sys/module/compression` said otherwise (a stale or foreign sysfs).
///
/// Every other errno is the module's, not the decompressor's (`ENOENT` unknown symbol, `ENOEXEC`
/// bad ELF, `EEXIST`, `EKEYREJECTED`, `EPERM`, an init's `-ENODEV`, ...): the kernel got as far
/// as the image. Notably not `ENOPKG`: the kernel returns it for a signature whose algorithm it
/// lacks, and the signature covers the decompressed image, which user space would hand over
/// unchanged. A plain file is never retried: user space would hand the kernel the same bytes.
pub fn judge_finit(result: Result<(), Errno>, kernel_decompresses: bool) -> FinitOutcome {
    match result {
        Ok(()) => FinitOutcome::Loaded,
        Err(Errno::ENOSYS) => FinitOutcome::NoFinit,
        Err(e @ (Errno::EINVAL | Errno::ENOMEM | Errno::EOPNOTSUPP)) if kernel_decompresses => {
            FinitOutcome::RetryInUserSpace(e)
        }
        Err(e) => FinitOutcome::Failed(e),
    }
}

/// The `-v` line of a fallback: the kernel failed `path` (compressed in `format`) with `errno`,
/// and the file is decompressed in user space for a second try.
pub fn fallback_note(path: &std::path::Path, format: Compression, errno: Errno) -> String {
    format!(
        "finit_module (in-kernel {format} decompression) failed for {}: {}; \
         retrying with {format} decompressed in user space",
        path.display(),
        errno_text(errno)
    )
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

/// Inserts `module` with `params` (already joined, see [`crate::params::join`]). With
/// [`Trace::Methods`], each method is reported before it is tried, at
/// [`Level::Info`](crate::report::Level::Info) (insmod's `-v` output: `loading PATH via
/// METHOD`); a fallback to user-space decompression ([`judge_finit`]) is reported at that level
/// with either [`Trace`]. Returns the method that succeeded.
pub fn insert(
    ctx: &Context,
    module: &ModuleFile,
    params: &str,
    opts: LoadOptions,
    report: &dyn Report,
) -> Result<Method, LoadError> {
    let trace = |method: &Method| {
        if opts.trace == Trace::Methods {
            report.info(format_args!(
                "loading {} via {method}",
                module.path().display()
            ));
        }
    };
    let force = opts.force;
    let cparams = CString::new(params).map_err(|_| LoadError::BadParams)?;
    let compression = module.compression();
    let compressed = compression != Compression::None;
    let kernel_does = !compressed || kernel_compression(ctx) == Some(compression);
    // The kernel's errno when it failed a compressed file and user space tries again.
    let mut refused = None;
    if kernel_does {
        let method = Method::Finit {
            kernel_decompresses: compressed.then_some(compression),
        };
        trace(&method);
        let flags = InitFlags {
            ignore_modversions: force.modversions,
            ignore_vermagic: force.vermagic,
            compressed_file: compressed,
        };
        match judge_finit(finit_module(module.file(), &cparams, flags), compressed) {
            FinitOutcome::Loaded => return Ok(method),
            FinitOutcome::NoFinit => {}
            FinitOutcome::Failed(e) => return Err(LoadError::Kernel(e)),
            FinitOutcome::RetryInUserSpace(e) => {
                report.info(fallback_note(module.path(), compression, e));
                refused = Some(e);
            }
        }
    }
    let image = match user_space_image(module, force) {
        Ok(image) => image,
        // User space can't make an image of it either (a corrupt stream): the kernel's answer
        // stands, reported as it would have been without the fallback.
        Err(err) => match refused {
            Some(e) => {
                report.info(format_args!(
                    "{}: not decompressed in user space either: {err}",
                    module.path().display()
                ));
                return Err(LoadError::Kernel(e));
            }
            None => return Err(err),
        },
    };
    let method = Method::Init {
        from: compression,
        size: image.len(),
    };
    trace(&method);
    init_module(&image, &cparams).map_err(LoadError::Kernel)?;
    Ok(method)
}

/// The module image, read and decompressed in user space (and, when forcing, stripped of what
/// the kernel would check).
fn user_space_image(module: &ModuleFile, force: ForceOptions) -> Result<Vec<u8>, LoadError> {
    let mut image = module.read_image()?;
    if force.modversions || force.vermagic {
        elf::strip_for_force(&mut image, force.modversions, force.vermagic).map_err(|source| {
            Error::Elf {
                path: module.path().to_path_buf(),
                source,
            }
        })?;
    }
    Ok(image)
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
    fn compressed_files_are_retried_on_the_decompressors_errnos() {
        // What kernel/module/decompress.c returns, and the stub without CONFIG_MODULE_DECOMPRESS.
        for e in [Errno::EINVAL, Errno::ENOMEM, Errno::EOPNOTSUPP] {
            assert_eq!(
                judge_finit(Err(e), true),
                FinitOutcome::RetryInUserSpace(e),
                "{e}"
            );
        }
    }

    #[test]
    fn the_modules_own_errors_are_final() {
        // Unknown symbol, bad ELF, already loaded, bad or missing signature, not allowed, an
        // init's error, busy: the kernel got past decompressing; user space can't do better.
        for e in [
            Errno::ENOENT,
            Errno::ENOEXEC,
            Errno::EEXIST,
            Errno::EKEYREJECTED,
            Errno::ENOKEY,
            Errno::EBADMSG,
            Errno::ENOPKG,
            Errno::EPERM,
            Errno::ENODEV,
            Errno::EBUSY,
        ] {
            assert_eq!(judge_finit(Err(e), true), FinitOutcome::Failed(e), "{e}");
            assert_eq!(judge_finit(Err(e), false), FinitOutcome::Failed(e), "{e}");
        }
    }

    #[test]
    fn plain_files_are_never_retried() {
        for e in [Errno::EINVAL, Errno::ENOMEM, Errno::EOPNOTSUPP] {
            assert_eq!(judge_finit(Err(e), false), FinitOutcome::Failed(e), "{e}");
        }
    }

    #[test]
    fn success_and_missing_finit_module() {
        assert_eq!(judge_finit(Ok(()), true), FinitOutcome::Loaded);
        assert_eq!(judge_finit(Ok(()), false), FinitOutcome::Loaded);
        // No finit_module at all: user space, for plain and compressed files alike.
        assert_eq!(judge_finit(Err(Errno::ENOSYS), true), FinitOutcome::NoFinit);
        assert_eq!(
            judge_finit(Err(Errno::ENOSYS), false),
            FinitOutcome::NoFinit
        );
    }

    #[test]
    fn the_fallback_says_what_failed_and_what_comes_next() {
        let note = fallback_note(
            std::path::Path::new("/m/dummy.ko.xz"),
            Compression::Xz,
            Errno::EINVAL,
        );
        assert_eq!(
            note,
            "finit_module (in-kernel xz decompression) failed for /m/dummy.ko.xz: \
             Invalid argument; retrying with xz decompressed in user space"
        );
        assert!(!note.contains('\n'));
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
