//! Configuration files: `depmod.d` (and, later, `modprobe.d` and the kernel command line).

pub mod depmod;
