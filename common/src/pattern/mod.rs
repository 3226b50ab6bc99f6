//! The two pattern languages kmod takes from glibc, matched as glibc matches them in the C
//! locale.
//!
//! - [`glob`]: shell glob patterns, for modprobe's aliases ([`fnmatch`], as `fnmatch(3)`).
//! - [`ere`]: POSIX extended regular expressions, for the KVER fields of `depmod.d`
//!   (`regcomp(3)` / `regexec(3)`).
//! - [`class`]: the character classes (`[:alpha:]` and the rest), one table for both.
//!
//! # Which locale
//!
//! The C locale, whatever the environment says. Neither kmod 30 nor kmod 34.2 calls
//! `setlocale` (checked with `nm -D` on Debian's `/usr/bin/kmod` and `libkmod.so.2` of both:
//! they import `fnmatch`, `regcomp` and `regexec`, and no `setlocale`), and a C program that
//! doesn't call it runs in the C locale. There a character is a byte, a class holds 7-bit ASCII
//! only, and a byte of 0x80 or above (every byte of a UTF-8 `é`) is in no class; ranges compare
//! byte values. Observed with kmod 30 itself: the alias `x??` matches `xé` and `x?` doesn't; the
//! KVER `1[[:alpha:]]$` doesn't match the release `6.1é`, and `^6\.1..$` does.
//!
//! `common/tests/glibc_patterns.rs` compares both matchers with glibc's functions through FFI,
//! on ASCII and on other bytes; the fuzz target `fnmatch` does so too.
//!
//! # Why our own matchers
//!
//! Each module says why no well-kept crate gives the same answers: in short, glibc's rules for
//! malformed patterns (which kmod's users never see reported: such a pattern just matches
//! nothing, or is read literally) and GNU's back references. Both take their classes from
//! [`class::CharClass`].

pub mod class;
pub mod ere;
pub mod glob;

pub use glob::fnmatch;
