//! What is read from a module's file: `.modinfo` (with the signature, as modinfo shows it),
//! `__versions`, exported symbols and the symbols it needs. Each returns the list items, or a
//! negative errno as kmod returns it.

use crate::list::Item;
use crate::module::Module;

/// `kmod_module_get_info`.
pub fn info(_m: &Module) -> Result<Vec<Item>, i32> {
    Err(-libc::ENOSYS)
}

/// `kmod_module_get_versions`.
pub fn versions(_m: &Module) -> Result<Vec<Item>, i32> {
    Err(-libc::ENOSYS)
}

/// `kmod_module_get_symbols`.
pub fn symbols(_m: &Module) -> Result<Vec<Item>, i32> {
    Err(-libc::ENOSYS)
}

/// `kmod_module_get_dependency_symbols`.
pub fn dependency_symbols(_m: &Module) -> Result<Vec<Item>, i32> {
    Err(-libc::ENOSYS)
}
