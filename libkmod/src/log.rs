//! Logging: kmod's priorities (syslog's), the client's log function or stderr.

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};
use std::io::Write;

/// `LOG_ERR`, kmod's default priority.
pub const LOG_ERR: c_int = 3;
/// `LOG_WARNING`.
pub const LOG_WARNING: c_int = 4;
/// `LOG_NOTICE`.
pub const LOG_NOTICE: c_int = 5;
/// `LOG_INFO`.
pub const LOG_INFO: c_int = 6;
/// `LOG_DEBUG`.
pub const LOG_DEBUG: c_int = 7;

/// A client's log function (`kmod_set_log_fn`); its last parameter is a `va_list`, passed as an
/// opaque pointer-sized value.
pub type LogFn = unsafe extern "C" fn(
    data: *mut c_void,
    priority: c_int,
    file: *const c_char,
    line: c_int,
    func: *const c_char,
    format: *const c_char,
    args: *mut c_void,
);

unsafe extern "C" {
    /// `src/log_shim.c`: calls `log_fn` with the format `"%s"` and a `va_list` of `message`.
    fn kmod_rs_call_log_fn(
        log_fn: LogFn,
        data: *mut c_void,
        priority: c_int,
        file: *const c_char,
        line: c_int,
        func: *const c_char,
        message: *const c_char,
    );
}

/// A context's logging state.
#[derive(Debug)]
pub struct Logger {
    priority: Cell<c_int>,
    func: Cell<Option<LogFn>>,
    data: Cell<*mut c_void>,
    /// Whether kmod_set_log_fn was called (before that, stderr).
    installed: Cell<bool>,
}

impl Default for Logger {
    fn default() -> Self {
        Logger {
            priority: Cell::new(priority_from_env(std::env::var("KMOD_LOG").ok().as_deref())),
            func: Cell::new(None),
            data: Cell::new(std::ptr::null_mut()),
            installed: Cell::new(false),
        }
    }
}

/// The priority `KMOD_LOG` asks for: a number, or `err`, `info`, `debug`; else `LOG_ERR`.
pub fn priority_from_env(value: Option<&str>) -> c_int {
    match value.map(str::trim) {
        Some("err") => LOG_ERR,
        Some("info") => LOG_INFO,
        Some("debug") => LOG_DEBUG,
        Some(v) => v.parse().unwrap_or(LOG_ERR),
        None => LOG_ERR,
    }
}

impl Logger {
    /// `kmod_get_log_priority`.
    pub fn priority(&self) -> c_int {
        self.priority.get()
    }

    /// `kmod_set_log_priority`.
    pub fn set_priority(&self, priority: c_int) {
        self.priority.set(priority);
    }

    /// `kmod_set_log_fn`: `None` sends messages nowhere (as kmod does with a NULL function).
    pub fn set_fn(&self, func: Option<LogFn>, data: *mut c_void) {
        self.func.set(func);
        self.data.set(data);
        self.installed.set(true);
    }

    /// Logs `message` (a line, with its `\n`) from function `func` at `priority`, if the
    /// priority is enabled.
    pub fn log(&self, priority: c_int, func: &str, message: &str) {
        if priority > self.priority.get() {
            return;
        }
        match (self.installed.get(), self.func.get()) {
            (true, Some(f)) => {
                let file = c"libkmod";
                let func = crate::ffi::to_cstring(func);
                let message = crate::ffi::to_cstring(message);
                // SAFETY: f is the client's log function, set with kmod_set_log_fn together
                // with its data; every string lives until the call returns.
                unsafe {
                    kmod_rs_call_log_fn(
                        f,
                        self.data.get(),
                        priority,
                        file.as_ptr(),
                        0,
                        func.as_ptr(),
                        message.as_ptr(),
                    );
                }
            }
            (true, None) => {}
            (false, _) => {
                let _ = write!(std::io::stderr(), "libkmod: {func}: {message}");
            }
        }
    }
}

/// Logs through a context: `log!(ctx, LOG_ERR, "text {}\n", x)`, with the calling function's
/// name as kmod passes it.
#[macro_export]
macro_rules! log {
    ($ctx:expr, $prio:expr, $func:expr, $($arg:tt)*) => {
        $ctx.logger.log($prio, $func, &format!($($arg)*))
    };
}
