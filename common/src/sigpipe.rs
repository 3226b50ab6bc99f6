//! A tool's standard output without a reader: kmod's tools are C programs that leave SIGPIPE
//! as they found it, so `depmod -n | head -1` kills them with SIGPIPE at their first write after
//! `head` exits (status 141 in a shell, nothing on stderr; kmod 30 and 34.2, observed). Rust's
//! runtime ignores SIGPIPE before `main`, and a write then fails with EPIPE instead:
//! [`reader_gone`] ends the process the C way. A process started with SIGPIPE ignored (systemd
//! services are) gets EPIPE in kmod too, which goes on unseen: so the disposition the process
//! was started with is noted before the runtime changes it.
//!
//! This module and [`crate::index::mapped`] are the ones of `common` that use `unsafe`: here,
//! three calls into the C library and a function placed in `.init_array`.
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};

/// Whether SIGPIPE was ignored when the process started.
static WAS_IGNORED: AtomicBool = AtomicBool::new(false);

/// Notes SIGPIPE's inherited disposition. Called by the C runtime from `.init_array`, before
/// `main` and so before Rust's runtime sets SIGPIPE to ignored.
extern "C" fn note_inherited() {
    // SAFETY: sigaction with a null new action only reads the current one into `old`, a
    // local owned here, for which all zeroes is a valid value.
    let ignored = unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGPIPE, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    };
    WAS_IGNORED.store(ignored, Ordering::Relaxed);
}

// SAFETY (of the section): `.init_array` holds pointers to functions of no arguments that the
// C runtime calls once before `main` (the System V ABI's initialisation functions; glibc passes
// argc, argv and envp, which a function of no parameters ignores under the C calling
// convention).
#[used]
#[link_section = ".init_array"]
static NOTE_INHERITED: extern "C" fn() = note_inherited;

/// Whether SIGPIPE was ignored when the process started (noted before `main`).
pub fn was_ignored() -> bool {
    WAS_IGNORED.load(Ordering::Relaxed)
}

/// A write to standard output failed with EPIPE: the process dies of SIGPIPE, as a C program
/// does, unless it was started with SIGPIPE ignored (then this returns, and the caller drops
/// what it writes from then on, as C's stdio does for kmod).
pub fn reader_gone() {
    if was_ignored() {
        return;
    }
    // SAFETY: signal and raise take constant arguments; SIGPIPE's default action ends the
    // process, which is the point.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        libc::raise(libc::SIGPIPE);
    }
    // Reached only with SIGPIPE blocked: the status a shell shows for a death by it.
    std::process::exit(128 + libc::SIGPIPE);
}
