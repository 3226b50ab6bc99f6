//! Fuzz target `fnmatch`: the body is `common/tests/entry/mod.rs`'s `fnmatch`, plus a comparison
//! with glibc's `fnmatch(3)` (flags 0, C locale), which `common::pattern::fnmatch` follows, on
//! any bytes. The comparison needs FFI, so it lives here and in `common/tests/glibc_patterns.rs`
//! (the stable test that makes it too), not in the shared (unsafe-free) body.
#![no_main]

use std::ffi::CString;

#[path = "../../common/tests/entry/mod.rs"]
#[allow(dead_code)]
mod entry;

fn glibc_fnmatch(pattern: &[u8], s: &[u8]) -> Option<bool> {
    let (pattern, s) = (CString::new(pattern).ok()?, CString::new(s).ok()?);
    // SAFETY: both are valid NUL-terminated strings that outlive the call; fnmatch only reads
    // them.
    let rc = unsafe { nix::libc::fnmatch(pattern.as_ptr(), s.as_ptr(), 0) };
    Some(rc == 0)
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    entry::fnmatch(data);
    let (pattern, s) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    // glibc 2.36 refuses a 'z' in a class name it skips after a member matched
    // (`[a[:xyz:]]` matches nothing, `[a[:xy:]]` and `[a[:bogus:]]` match `a`): a quirk not
    // copied.
    if pattern.windows(2).any(|w| w == b"[:") && pattern.contains(&b'z') {
        return;
    }
    if let Some(expected) = glibc_fnmatch(pattern, s) {
        assert_eq!(
            common::pattern::fnmatch(pattern, s),
            expected,
            "pattern {:?} string {:?}",
            String::from_utf8_lossy(pattern),
            String::from_utf8_lossy(s)
        );
    }
});
