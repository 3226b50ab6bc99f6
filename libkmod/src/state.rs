//! What the kernel says about a module: `/sys/module/NAME` (init state, size, refcount,
//! holders, sections) and `/proc/modules` (the loaded list).

use std::ffi::CStr;
use std::rc::Rc;

use crate::ctx::Ctx;
use crate::list::Item;
use crate::module::Module;

/// `kmod_module_get_initstate`: a `KMOD_MODULE_*` state or a negative errno.
pub fn initstate(_m: &Module) -> i32 {
    -libc::ENOSYS
}

/// `kmod_module_initstate_str`.
pub fn initstate_str(state: i32) -> Option<&'static CStr> {
    match state {
        0 => Some(c"builtin"),
        1 => Some(c"live"),
        2 => Some(c"coming"),
        3 => Some(c"going"),
        _ => None,
    }
}

/// `kmod_module_get_size`: the core size, or a negative errno.
pub fn size(_m: &Module) -> i64 {
    -i64::from(libc::ENOSYS)
}

/// `kmod_module_get_refcnt`: or a negative errno.
pub fn refcnt(_m: &Module) -> i32 {
    -libc::ENOSYS
}

/// `kmod_module_get_holders`.
pub fn holders(_m: &Module) -> Vec<Rc<Module>> {
    Vec::new()
}

/// `kmod_module_get_sections`.
pub fn sections(_m: &Module) -> Vec<Item> {
    Vec::new()
}

/// `kmod_module_new_from_loaded`: the modules of `/proc/modules`, in its order.
pub fn loaded(_ctx: &Rc<Ctx>) -> Result<Vec<Rc<Module>>, i32> {
    Err(-libc::ENOSYS)
}
