//! `rmmod`: remove modules from the kernel, refusing what is built in, not loaded or in use.

use std::ffi::OsString;
use std::path::Path;

use common::cli::{print_text, print_version, Reporter};
use common::context::Context;
use common::error::errno_text;
use common::getopt::{Opt, Options, Order};
use common::kernel::state::{holders, initstate, refcnt, InitState};
use common::kernel::syscall::delete_module;
use common::name;
use common::report::ReportExt;

/// What an option does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `-f`.
    Force,
    /// `-s`.
    Syslog,
    /// `-v`.
    Verbose,
    /// `-V`.
    Version,
    /// `-h`.
    Help,
}

/// rmmod's options, in kmod's order (kmod 30's `-w`, which only ever failed, is gone as in
/// kmod 34.2).
pub const OPTIONS: Options<Key> = Options {
    opts: &[
        Opt::flag(
            Some('f'),
            Some("force"),
            Key::Force,
            "remove even a module in use (needs CONFIG_MODULE_FORCE_UNLOAD; dangerous)",
        ),
        Opt::syslog(Key::Syslog),
        Opt::flag(
            Some('v'),
            Some("verbose"),
            Key::Verbose,
            "say what is removed",
        ),
        Opt::version(Key::Version),
        Opt::help(Key::Help),
    ],
    order: Order::Permute,
};

const USAGE: &[&str] = &["rmmod [options] MODULE..."];

/// rmmod's validated command line.
#[derive(Debug, Default)]
struct Args {
    force: bool,
    syslog: bool,
    verbose: bool,
    modules: Vec<String>,
}

/// Reads the command line (program name first); `Err` is the exit code when the run ends here.
fn parse(argv: &[OsString]) -> Result<Args, i32> {
    let parsed = OPTIONS.parse_argv(argv, "rmmod");
    let mut args = Args::default();
    for o in &parsed.options {
        match o.key {
            Key::Force => args.force = true,
            Key::Syslog => args.syslog = true,
            Key::Verbose => args.verbose = true,
            Key::Version => return Err(print_version()),
            Key::Help => return Err(print_text(&OPTIONS.help(USAGE))),
        }
    }
    args.modules = parsed
        .operands()?
        .into_iter()
        .map(|m| m.to_string_lossy().into_owned())
        .collect();
    Ok(args)
}

/// Runs rmmod on `args` (the program name first); returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let argv: Vec<OsString> = args.into_iter().collect();
    let args = match parse(&argv) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let report = Reporter::new("rmmod", args.syslog, args.verbose);
    if args.modules.is_empty() {
        report.error("missing module name.");
        return 1;
    }
    let ctx = Context::system();
    let mut failed = false;
    for arg in &args.modules {
        if let Err(msg) = remove(&ctx, arg, args.force, &report) {
            report.error(msg);
            failed = true;
        }
    }
    i32::from(failed)
}

/// Removes one module given by name or path; the error is the message to print. With `force`,
/// as with kmod, the kernel is asked whatever /sys says (it refuses what it can't remove).
fn remove(ctx: &Context, arg: &str, force: bool, report: &Reporter) -> Result<(), String> {
    let path = Path::new(arg);
    let name = if path.exists() {
        name::from_path(path)
    } else {
        name::from_arg(arg)
    };
    if !force {
        match initstate(ctx, &name).map_err(|e| e.to_string())? {
            None => return Err(format!("Module {name} is not currently loaded")),
            Some(InitState::Builtin) => return Err(format!("Module {name} is builtin.")),
            Some(_) => {}
        }
        let users = holders(ctx, &name).unwrap_or_default();
        if !users.is_empty() {
            return Err(format!("Module {name} is in use by: {}", users.join(" ")));
        }
        if refcnt(ctx, &name).unwrap_or(0) > 0 {
            return Err(format!("Module {name} is in use"));
        }
    }
    report.info(format_args!("removing module {name}"));
    delete_module(&name, force).map_err(|e| {
        // kmod 34.2's two lines: the library's, then the tool's.
        let why = errno_text(e);
        report.error(format_args!("could not remove '{name}': {why}"));
        format!("could not remove module {name}: {why}")
    })
}
