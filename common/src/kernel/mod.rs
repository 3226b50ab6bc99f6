//! Talking to the kernel: the module syscalls ([`syscall`]) and the module state the kernel
//! publishes in `/proc/modules` and `/sys/module` ([`state`]).
//!
//! Formats: `Documentation/ABI/testing/sysfs-module` and `proc(5)` in the kernel and man-pages.

pub mod load;
pub mod state;
pub mod syscall;
