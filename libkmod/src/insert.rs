//! Inserting, probing (a module with its dependencies, softdeps, install commands and the
//! blacklist) and removing.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::rc::Rc;

use crate::module::Module;

/// `run_install` of `kmod_module_probe_insert_module`.
pub type RunInstallFn =
    unsafe extern "C" fn(m: *mut Module, cmdline: *const c_char, data: *mut c_void) -> c_int;
/// `print_action` of `kmod_module_probe_insert_module`.
pub type PrintActionFn =
    unsafe extern "C" fn(m: *mut Module, install: bool, options: *const c_char);

/// The client's callbacks of a probe.
#[derive(Debug, Clone, Copy)]
pub struct Callbacks {
    /// Runs an install command instead of `system()`.
    pub run_install: Option<RunInstallFn>,
    /// `run_install`'s data.
    pub data: *mut c_void,
    /// Told each action (dry run or not).
    pub print_action: Option<PrintActionFn>,
}

/// `kmod_module_insert_module`: 0 or a negative errno.
pub fn insert(_m: &Module, _flags: u32, _options: Option<&CStr>) -> i32 {
    -libc::ENOSYS
}

/// `kmod_module_remove_module`: 0 or a negative errno.
pub fn remove(_m: &Module, _flags: u32) -> i32 {
    -libc::ENOSYS
}

/// `kmod_module_probe_insert_module`: 0, a negative errno, or the `KMOD_PROBE_APPLY_BLACKLIST*`
/// flag that stopped it.
pub fn probe(_m: &Rc<Module>, _flags: u32, _extra: Option<&CStr>, _cb: &Callbacks) -> i32 {
    -libc::ENOSYS
}
