//! Configuration files: `depmod.d`, `modprobe.d` and the kernel command line.

pub mod depmod;
pub mod modprobe;
