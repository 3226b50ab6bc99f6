//! modinfo's command line: the clap definition and the entry point the `modinfo` binary (and
//! the `kmod` multi-call binary) calls. The work is in the rest of this library.

use std::ffi::OsString;
use std::io::Write;

use crate::{module_dir, Modinfo, Options};
use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser};
use common::cli::{finish_output, output, Reporter, VERSION_TEXT};
use common::context::running_release;

/// Show information about Linux kernel modules.
#[derive(Parser, Debug)]
#[command(name = "modinfo", version = VERSION_TEXT, disable_version_flag = true)]
struct Args {
    /// Print only 'author'.
    #[arg(short = 'a', long = "author", action = clap::ArgAction::Count)]
    author: u8,
    /// Print only 'description'.
    #[arg(short = 'd', long = "description", action = clap::ArgAction::Count)]
    description: u8,
    /// Print only 'license'.
    #[arg(short = 'l', long = "license", action = clap::ArgAction::Count)]
    license: u8,
    /// Print only 'parm'.
    #[arg(short = 'p', long = "parameters", action = clap::ArgAction::Count)]
    parameters: u8,
    /// Print only 'filename'.
    #[arg(short = 'n', long = "filename", action = clap::ArgAction::Count)]
    filename: u8,
    /// End lines with '\0' instead of '\n'.
    #[arg(short = '0', long = "null")]
    null: bool,
    /// Take arguments as module names only, never as aliases or files.
    #[arg(short = 'm', long = "modname")]
    modname: bool,
    /// Print only the values of FIELD (the last of -F, -a, -d, -l, -p, -n wins).
    #[arg(short = 'F', long = "field", value_name = "FIELD", action = clap::ArgAction::Append)]
    field: Vec<String>,
    /// Use VERSION instead of `uname -r`.
    #[arg(short = 'k', long = "set-version", value_name = "VERSION")]
    set_version: Option<String>,
    /// Use DIR as the file system root for /lib/modules.
    #[arg(short = 'b', long = "basedir", value_name = "DIR")]
    basedir: Option<OsString>,
    /// Print the version and exit.
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: (),
    /// Module names, aliases or module files.
    #[arg(value_name = "MODULE|FILE")]
    modules: Vec<OsString>,
}

/// The field chosen by the last of `-F`, `-a`, `-d`, `-l`, `-p`, `-n`.
fn chosen_field(args: &Args, matches: &ArgMatches) -> Option<String> {
    let last = |id: &str| {
        (matches.value_source(id) == Some(ValueSource::CommandLine))
            .then(|| matches.indices_of(id).and_then(Iterator::max))
            .flatten()
    };
    let shorthands = [
        ("author", "author"),
        ("description", "description"),
        ("license", "license"),
        ("parameters", "parm"),
        ("filename", "filename"),
    ];
    let mut best: Option<(usize, String)> = None;
    for (id, field) in shorthands {
        if let Some(i) = last(id) {
            if best.as_ref().is_none_or(|(b, _)| i > *b) {
                best = Some((i, field.to_string()));
            }
        }
    }
    if let (Some(i), Some(field)) = (last("field"), args.field.last()) {
        if best.as_ref().is_none_or(|(b, _)| i > *b) {
            best = Some((i, field.clone()));
        }
    }
    best.map(|(_, f)| f)
}

/// Parses the command line; on a usage error (exit code 1, kmod's), `--help` or `--version`
/// (exit code 0) prints and returns the code.
fn parse(args: impl IntoIterator<Item = OsString>) -> Result<(Args, ArgMatches), i32> {
    Args::command()
        .try_get_matches_from(args)
        .and_then(|m| Args::from_arg_matches(&m).map(|a| (a, m)))
        .map_err(|e| {
            let _ = e.print();
            i32::from(e.use_stderr())
        })
}

/// The command-line definition (for the `kmod` multi-call binary, man pages and completions).
pub fn command() -> clap::Command {
    Args::command()
}

/// Runs modinfo on `args` (the program name first); returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let (args, matches) = match parse(args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let report = Reporter::new("modinfo", false, false);
    if args.modules.is_empty() {
        report.error("missing module or filename.");
        return 1;
    }
    let options = Options {
        field: chosen_field(&args, &matches),
        null: args.null,
    };
    let release = args.set_version.clone().unwrap_or_else(running_release);
    let dir = module_dir(args.basedir.as_deref(), &release);
    let modinfo = Modinfo::new(options, args.modname, dir);
    // In blocks to a file or pipe, by line to a terminal, as kmod's stdio does.
    let mut out = output();
    let result = modinfo
        .run(&args.modules, &mut out, &report)
        .and_then(|code| out.flush().map(|()| code));
    match result {
        Ok(code) => finish_output(Ok(()), &report).max(code),
        Err(e) => finish_output(Err(e), &report),
    }
}
