//! `insmod`: insert one module file into the kernel. The work is in `common::kernel::load`.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;
use common::cli::{parse_args_from, Reporter, VERSION_TEXT};
use common::context::Context;
use common::file::ModuleFile;
use common::kernel::load::{insert, ForceOptions};
use nix::errno::Errno;

/// Insert a module into the Linux kernel.
#[derive(Parser, Debug)]
#[command(name = "insmod", version = VERSION_TEXT, disable_version_flag = true)]
struct Args {
    /// Force the load: ignore version magic and symbol version mismatches.
    #[arg(short, long)]
    force: bool,
    /// Report errors to syslog instead of stderr.
    #[arg(short, long)]
    syslog: bool,
    /// Say how the module is handed to the kernel.
    #[arg(short, long)]
    verbose: bool,
    /// Print the version and exit.
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: (),
    /// The module file (plain, .xz, .gz or .zst; detected by content).
    filename: Option<PathBuf>,
    /// Module parameters, `name=value`.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    params: Vec<String>,
}

/// The command-line definition (for the `kmod` multi-call binary, man pages and completions).
pub fn command() -> clap::Command {
    <Args as clap::CommandFactory>::command()
}

/// Runs insmod on `args` (the program name first); returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let args: Args = match parse_args_from(args) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let report = Reporter::new("insmod", args.syslog, args.verbose);
    run(&args, &report)
}

fn run(args: &Args, report: &Reporter) -> i32 {
    let Some(path) = &args.filename else {
        report.error("missing filename.");
        return 1;
    };
    let shown = path.display();
    let module = match ModuleFile::open(path) {
        Ok(m) => m,
        Err(e) => {
            let why = e.reason();
            // kmod's words: "load" when the path can't be found, "insert" when it can't be read.
            let verb = if path.metadata().is_err() {
                "load"
            } else {
                "insert"
            };
            report.error(format_args!("could not {verb} module {shown}: {why}"));
            return 1;
        }
    };
    let force = ForceOptions {
        modversions: args.force,
        vermagic: args.force,
    };
    let params = common::params::join(&args.params);
    let mut trace = |m: &_| report.info(format_args!("loading {shown} via {m}"));
    match insert(&Context::system(), &module, &params, force, &mut trace) {
        Ok(_) => 0,
        Err(e) => {
            if e.errno() == Some(Errno::ENOENT) {
                report.info("the kernel log (dmesg) names the missing symbols");
            }
            report.error(format_args!("could not insert module {shown}: {e}"));
            1
        }
    }
}
