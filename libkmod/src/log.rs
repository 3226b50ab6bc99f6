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

/// The priority `KMOD_LOG` asks for, read as kmod 30 and 34.2 read it (observed): a decimal
/// number (leading blanks and a sign allowed, ended by the end of the text or a blank; taken
/// modulo 2^32 as C's `int`), else a text starting with `err`, `info` or `debug` (3, 6, 7);
/// anything else, the empty text included, is 0. Unset: `LOG_ERR`.
pub fn priority_from_env(value: Option<&str>) -> c_int {
    let Some(v) = value else {
        return LOG_ERR;
    };
    let b = v.as_bytes();
    let blank = |c: u8| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r');
    let mut i = b.iter().take_while(|&&c| blank(c)).count();
    let negative = b.get(i) == Some(&b'-');
    if matches!(b.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    // Where the number ends: after its digits, or (none) at the start of the text.
    let end = if digits == 0 { 0 } else { i + digits };
    if b.get(end).is_none_or(|&c| blank(c)) {
        if digits == 0 {
            return 0;
        }
        // strtol: saturated to the range of a 64-bit long, then cut to an int.
        let mut n: i128 = 0;
        for &c in &b[i..i + digits] {
            n = (n * 10 + i128::from(c - b'0')).min(i128::from(i64::MAX) + 1);
        }
        let n = if negative { -n } else { n };
        let long = n.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64;
        return long as c_int;
    }
    if v.starts_with("err") {
        LOG_ERR
    } else if v.starts_with("info") {
        LOG_INFO
    } else if v.starts_with("debug") {
        LOG_DEBUG
    } else {
        0
    }
}

/// The name kmod's own log function (stderr) gives a priority: syslog's levels spelled out.
fn priority_name(priority: c_int) -> String {
    match priority {
        0 => "EMERGENCY".into(),
        1 => "ALERT".into(),
        2 => "CRITICAL".into(),
        3 => "ERROR".into(),
        4 => "WARNING".into(),
        5 => "NOTICE".into(),
        6 => "INFO".into(),
        7 => "DEBUG".into(),
        p => format!("L:{p}"),
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

    /// Whether messages of `priority` are logged.
    pub fn enabled(&self, priority: c_int) -> bool {
        priority <= self.priority.get()
    }

    /// Logs `message` (a line, with its `\n`) from function `func` at `priority`, if the
    /// priority is enabled.
    pub fn log(&self, priority: c_int, func: &str, message: &str) {
        if !self.enabled(priority) {
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
                let _ = write!(
                    std::io::stderr(),
                    "libkmod: {}: {func}: {message}",
                    priority_name(priority)
                );
            }
        }
    }
}

/// Logs through a context: `log!(ctx, LOG_ERR, "text {}\n", x)`, with the calling function's
/// name as kmod passes it.
#[macro_export]
macro_rules! log {
    ($ctx:expr, $prio:expr, $func:expr, $($arg:tt)*) => {{
        let priority = $prio;
        // The message is made only when it will be logged (kmod_new and each context's end
        // have an info line, off by default).
        if $ctx.logger.enabled(priority) {
            $ctx.logger.log(priority, $func, &format!($($arg)*))
        }
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmod_log_values() {
        // What kmod 30 and 34.2 make of these (tests/diff/libkmod.sh compares them too).
        let cases: &[(Option<&str>, c_int)] = &[
            (None, 3),
            (Some("err"), 3),
            (Some("info"), 6),
            (Some("debug"), 7),
            (Some("7"), 7),
            (Some("garbage"), 0),
            (Some("6x"), 0),
            (Some(" 5"), 5),
            (Some("5 "), 5),
            (Some("5 x"), 5),
            (Some("-1"), -1),
            (Some("+4"), 4),
            (Some("notice"), 0),
            (Some(""), 0),
            (Some("error"), 3),
            (Some("debugging"), 7),
            (Some("Err"), 0),
            (Some(" err"), 0),
            (Some("0x5"), 0),
            (Some("99999999999"), 1215752191),
        ];
        for &(v, want) in cases {
            assert_eq!(priority_from_env(v), want, "KMOD_LOG={v:?}");
        }
    }

    #[test]
    fn priority_names() {
        assert_eq!(priority_name(3), "ERROR");
        assert_eq!(priority_name(6), "INFO");
        assert_eq!(priority_name(9), "L:9");
    }
}
