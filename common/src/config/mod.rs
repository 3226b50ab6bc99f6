//! Configuration files: `depmod.d`, `modprobe.d` and the kernel command line.
//!
//! - [`depmod`]: the `depmod.d` directives and which copy of a module they select.
//! - [`modprobe`]: the `modprobe.d` directives and the kernel command line.
//! - `files.rs`: what both share: listing a location's `*.conf` files and joining lines.

pub mod depmod;
pub(crate) mod files;
pub mod modprobe;
