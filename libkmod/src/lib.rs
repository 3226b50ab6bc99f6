//! `libkmod.so.2`: kmod's C library (kmod 34.2's API and symbol versions), built on `common` so
//! that udev, systemd, dracut and `lspci -k` run on the same code as the tools.
//!
//! Layout:
//! - [`api`]: every exported function, one per line of `symbols.txt`, in the order of kmod's
//!   header; each checks its pointers, catches panics ([`ffi::guard`]) and calls the safe code.
//! - [`ffi`]: the C boundary: panics caught, C strings in and out, errno values.
//! - [`list`]: `struct kmod_list`, the lists handed to C.
//! - [`ctx`]: `struct kmod_ctx`: module directory, configuration, indexes, log, module pool.
//! - [`log`]: the log function and priorities.
//! - [`config`]: `struct kmod_config_iter` over the configuration.
//! - [`module`]: `struct kmod_module`: lookups, paths, options, dependencies, filters.
//! - [`info`]: what is read from a module's file: modinfo, versions, symbols.
//! - [`state`]: what the kernel says about a module: init state, size, refcount, holders,
//!   sections, the loaded list.
//! - [`insert`]: inserting, probing and removing.
//!
//! Ownership follows kmod's documentation: a context and each module are reference counted
//! ([`shared::Shared`], an `Rc` whose C pointer is the start of its allocation); a module holds a reference to its context; lists
//! are one allocation each, freed by the function the documentation names.
//!
//! The exported symbols are defined in assembly by `build.rs` (see there why), each a jump to
//! the function of the same name in [`api`].

// The C boundary needs raw pointers: `unsafe` is allowed in this crate, and every block says
// why it is sound (`// SAFETY:`).
#![allow(unsafe_code)]

mod api;
pub mod config;
pub mod ctx;
pub mod dump;
pub mod ffi;
pub mod info;
pub mod insert;
pub mod list;
pub mod log;
pub mod module;
pub mod shared;
pub mod state;

include!(concat!(env!("OUT_DIR"), "/exports.rs"));
