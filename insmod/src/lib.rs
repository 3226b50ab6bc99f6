//! `insmod`: insert one module file into the kernel. The work is in `common::kernel::load`.

use std::ffi::OsString;
use std::path::PathBuf;

use common::cli::{print_text, print_version, Reporter};
use common::context::Context;
use common::file::ModuleFile;
use common::getopt::{Opt, Options, Order};
use common::kernel::load::{insert, ForceOptions, LoadOptions, Trace};
use common::report::ReportExt;
use nix::errno::Errno;

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
    /// kmod 30's `-p`, accepted and ignored.
    Ignored,
}

/// insmod's options, in kmod 34.2's order (kmod 30's `-p` kept, ignored, as kmod 30 ignores it).
pub const OPTIONS: Options<Key> = Options {
    opts: &[
        Opt::flag(
            Some('f'),
            Some("force"),
            Key::Force,
            "load even when the version magic or symbol versions don't match (dangerous)",
        ),
        Opt::syslog(Key::Syslog),
        Opt::flag(
            Some('v'),
            Some("verbose"),
            Key::Verbose,
            "say how the module is handed to the kernel",
        ),
        Opt::version(Key::Version),
        Opt::help(Key::Help),
        Opt::flag(Some('p'), None, Key::Ignored, "").compat(),
    ],
    order: Order::Permute,
};

const USAGE: &[&str] = &["insmod [options] FILE [PARAM=VALUE ...]"];

/// insmod's validated command line.
#[derive(Debug, Default)]
struct Args {
    force: bool,
    syslog: bool,
    verbose: bool,
    filename: Option<PathBuf>,
    params: Vec<String>,
}

/// Reads the command line (program name first); `Err` is the exit code when the run ends here
/// (help, version, usage error).
fn parse(argv: &[OsString]) -> Result<Args, i32> {
    let parsed = OPTIONS.parse_argv(argv, "insmod");
    let mut args = Args::default();
    for o in &parsed.options {
        match o.key {
            Key::Force => args.force = true,
            Key::Syslog => args.syslog = true,
            Key::Verbose => args.verbose = true,
            Key::Version => return Err(print_version()),
            Key::Help => return Err(print_text(&OPTIONS.help(USAGE))),
            Key::Ignored => {}
        }
    }
    let mut operands = parsed.operands()?.into_iter();
    args.filename = operands.next().map(PathBuf::from);
    args.params = operands.map(|p| p.to_string_lossy().into_owned()).collect();
    Ok(args)
}

/// Runs insmod on `args` (the program name first); returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let argv: Vec<OsString> = args.into_iter().collect();
    let args = match parse(&argv) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let report = Reporter::new("insmod", args.syslog, args.verbose);
    run(&args, &report)
}
/// For a file that isn't there, given without a directory (`insmod dummy`, `insmod dummy.ko`):
/// insmod takes a file, modprobe a module name (with the same parameters).
fn name_hint(path: &std::path::Path, params: &[String]) -> Option<String> {
    let arg = path.to_str()?;
    if arg.contains('/') || arg.is_empty() {
        return None;
    }
    let mut command = format!("modprobe {}", common::name::from_arg(arg));
    for p in params {
        command.push(' ');
        command.push_str(&common::hints::shell_word(p));
    }
    Some(format!(
        "insmod takes the path of a module file; to load a module by its name, with what it \
         depends on, run: {command}"
    ))
}

fn run(args: &Args, report: &Reporter) -> i32 {
    let Some(path) = &args.filename else {
        report.error("missing filename.");
        return 1;
    };
    if path.as_os_str() == "-" {
        report.error("this tool does not support loading from stdin!");
        return 1;
    }
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
            if verb == "load" {
                if let Some(hint) = name_hint(path, &args.params) {
                    report.hint(hint);
                }
            }
            return 1;
        }
    };
    let opts = LoadOptions {
        force: ForceOptions {
            modversions: args.force,
            vermagic: args.force,
        },
        trace: Trace::Methods,
    };
    let params = common::params::join(&args.params);
    match insert(&Context::system(), &module, &params, opts, report) {
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
