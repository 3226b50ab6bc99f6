//! modinfo's command line: the options and the entry point the `modinfo` binary (and the `kmod`
//! multi-call binary) calls. The work is in the rest of this library.

use std::ffi::{OsStr, OsString};
use std::io::Write;

use crate::{Modinfo, Options};
use common::cli::{finish_output, output, print_text, print_version, Reporter};
use common::context::{running_release, Context};
use common::getopt::{Opt, Options as Getopt, Order};
use common::report::ReportExt;

/// What an option does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `-a`, `-d`, `-l`, `-p`, `-n` and `-F FIELD`: print one field (the last one given wins).
    Field(&'static str),
    /// `-F FIELD`.
    FieldArg,
    /// `-0`.
    Null,
    /// `-m`.
    Modname,
    /// `-k VERSION`.
    SetVersion,
    /// `-b DIR`.
    Basedir,
    /// `-V`.
    Version,
    /// `-h`.
    Help,
    /// `--json` (ours).
    Json,
}

/// modinfo's options, in kmod's order (the same in kmod 30 and 34.2).
pub const OPTIONS: Getopt<Key> = Getopt {
    opts: &[
        Opt::flag(
            Some('a'),
            Some("author"),
            Key::Field("author"),
            "print only the author",
        ),
        Opt::flag(
            Some('d'),
            Some("description"),
            Key::Field("description"),
            "print only the description",
        ),
        Opt::flag(
            Some('l'),
            Some("license"),
            Key::Field("license"),
            "print only the license",
        ),
        Opt::flag(
            Some('p'),
            Some("parameters"),
            Key::Field("parm"),
            "print only the parameters",
        ),
        Opt::flag(
            Some('n'),
            Some("filename"),
            Key::Field("filename"),
            "print only the file name",
        ),
        Opt::flag(
            Some('0'),
            Some("null"),
            Key::Null,
            "end each value with a NUL byte, not a newline",
        ),
        Opt::flag(
            Some('m'),
            Some("modname"),
            Key::Modname,
            "take arguments as module names, never as aliases or files",
        ),
        Opt::value(
            Some('F'),
            Some("field"),
            "FIELD",
            Key::FieldArg,
            "print only the values of FIELD",
        ),
        Opt::value(
            Some('k'),
            Some("set-version"),
            "VERSION",
            Key::SetVersion,
            "use kernel VERSION, not `uname -r`",
        ),
        Opt::value(
            Some('b'),
            Some("basedir"),
            "DIR",
            Key::Basedir,
            "modules are in DIR/lib/modules",
        ),
        Opt::version(Key::Version),
        Opt::help(Key::Help),
        Opt::flag(
            None,
            Some("json"),
            Key::Json,
            "print JSON (docs/json.md); -F selects the field, -0 is ignored",
        )
        .extension(),
    ],
    order: Order::Permute,
};

const USAGE: &[&str] = &["modinfo [options] MODULE|FILE..."];

/// modinfo's validated command line.
#[derive(Debug, Default)]
struct Args {
    /// The field of the last of `-F`, `-a`, `-d`, `-l`, `-p`, `-n`.
    field: Option<String>,
    null: bool,
    json: bool,
    modname: bool,
    set_version: Option<String>,
    basedir: Option<OsString>,
    modules: Vec<OsString>,
}

/// Reads the command line (program name first); `Err` is the exit code when the run ends here.
fn parse(argv: &[OsString]) -> Result<Args, i32> {
    let parsed = OPTIONS.parse_argv(argv, "modinfo");
    let mut a = Args::default();
    for o in &parsed.options {
        match o.key {
            Key::Field(f) => a.field = Some(f.to_string()),
            Key::FieldArg => a.field = Some(o.text()),
            Key::Null => a.null = true,
            Key::Json => a.json = true,
            Key::Modname => a.modname = true,
            Key::SetVersion => a.set_version = Some(o.text()),
            Key::Basedir => a.basedir = o.value.clone(),
            Key::Version => return Err(print_version()),
            Key::Help => return Err(print_text(&OPTIONS.help(USAGE))),
        }
    }
    a.modules = parsed.operands()?;
    Ok(a)
}

/// The context of `-b DIR` (`None`: not given) and the release: its module directory is
/// spelt as kmod's modinfo spells it ([`Context::with_base_dir`]); an empty DIR is none.
pub(crate) fn context(basedir: Option<&OsStr>, release: &str) -> Context {
    let basedir = basedir.filter(|b| !b.is_empty());
    Context::new("/", release).with_base_dir(basedir)
}

/// Runs modinfo on `args` (the program name first); returns the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let argv: Vec<OsString> = args.into_iter().collect();
    let args = match parse(&argv) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let report = Reporter::new("modinfo", false, false);
    if args.modules.is_empty() {
        report.error("missing module or filename.");
        return 1;
    }
    let options = Options {
        field: args.field,
        null: args.null,
    };
    let release = args.set_version.unwrap_or_else(running_release);
    let ctx = context(args.basedir.as_deref(), &release);
    let modinfo = Modinfo::new(options, args.modname, ctx.module_dir()).with_hints(ctx);
    // In blocks to a file or pipe, by line to a terminal, as kmod's stdio does.
    let mut out = output();
    let result = if args.json {
        modinfo.run_json(&args.modules, &mut out, &report)
    } else {
        modinfo.run(&args.modules, &mut out, &report)
    };
    let result = result.and_then(|code| out.flush().map(|()| code));
    match result {
        Ok(code) => finish_output(Ok(()), &report).max(code),
        Err(e) => finish_output(Err(e), &report),
    }
}
