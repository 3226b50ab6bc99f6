//! The C boundary: no panic crosses it, C strings in and out, errno values.

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

pub use libc::{EEXIST, EINVAL, ENOENT, ENOMEM, ENOSYS};

/// Runs `f`, returning `on_panic` if it panics: a Rust panic must never unwind into C. The
/// panic message has been printed to stderr by the default hook.
pub fn guard<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// The string behind a C pointer, or `None` for NULL. Not UTF-8 is kept as bytes in the
/// [`CStr`].
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives `'a`.
pub unsafe fn cstr<'a>(p: *const c_char) -> Option<&'a CStr> {
    if p.is_null() {
        None
    } else {
        // SAFETY: not NULL, and the caller promises a NUL-terminated string living for 'a.
        Some(unsafe { CStr::from_ptr(p) })
    }
}

/// `s` as a C string: cut at the first NUL byte (C could not see past it anyway).
pub fn to_cstring(s: impl Into<Vec<u8>>) -> CString {
    let mut bytes = s.into();
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        bytes.truncate(nul);
    }
    CString::new(bytes).unwrap_or_default()
}

/// The pointer of an optional C string (NULL for `None`).
pub fn ptr_of(s: Option<&CStr>) -> *const c_char {
    s.map_or(std::ptr::null(), CStr::as_ptr)
}

/// The text C's `strerror` gives for an I/O error (Rust's without its `(os error N)`).
pub fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
