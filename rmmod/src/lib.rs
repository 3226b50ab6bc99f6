//! `rmmod`: remove modules from the kernel, refusing what is built in, not loaded or in use.

use std::ffi::OsString;
use std::path::Path;

use clap::Parser;
use common::cli::{parse_args_from, Reporter, VERSION_TEXT};
use common::context::Context;
use common::error::errno_text;
use common::kernel::state::{holders, initstate, refcnt, InitState};
use common::kernel::syscall::delete_module;
use common::name;

/// Remove modules from the Linux kernel.
#[derive(Parser, Debug)]
#[command(name = "rmmod", version = VERSION_TEXT, disable_version_flag = true)]
struct Args {
    /// Remove even a module in use (needs CONFIG_MODULE_FORCE_UNLOAD; dangerous).
    #[arg(short, long)]
    force: bool,
    /// Report errors to syslog instead of stderr.
    #[arg(short, long)]
    syslog: bool,
    /// Say what is removed.
    #[arg(short, long)]
    verbose: bool,
    /// Print the version and exit.
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: (),
    /// Module names or module file paths.
    modules: Vec<String>,
}

/// The command-line definition (for the `kmod` multi-call binary, man pages and completions).
pub fn command() -> clap::Command {
    <Args as clap::CommandFactory>::command()
}

/// Runs rmmod on `args` (the program name first); returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args: Args = match parse_args_from(args) {
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

/// Removes one module given by name or path; the error is the message to print.
fn remove(ctx: &Context, arg: &str, force: bool, report: &Reporter) -> Result<(), String> {
    let path = Path::new(arg);
    let name = if path.exists() {
        name::from_path(path)
    } else {
        name::from_arg(arg)
    };
    match initstate(ctx, &name).map_err(|e| e.to_string())? {
        None => return Err(format!("Module {name} is not currently loaded")),
        Some(InitState::Builtin) => return Err(format!("Module {name} is builtin.")),
        Some(_) => {}
    }
    if !force {
        let users = holders(ctx, &name).unwrap_or_default();
        if !users.is_empty() {
            return Err(format!("Module {name} is in use by: {}", users.join(" ")));
        }
        if refcnt(ctx, &name).unwrap_or(0) > 0 {
            return Err(format!("Module {name} is in use"));
        }
    }
    report.info(format_args!("removing module {name}"));
    delete_module(&name, force)
        .map_err(|e| format!("could not remove module {name}: {}", errno_text(e)))
}
