//! `depmod`: generate modules.dep and the other index files. The work is in `common::depmod`.

use std::ffi::OsString;
use std::path::PathBuf;

use common::cli::{print_text, print_version, Reporter};
use common::context::{running_release, Context};
use common::depmod::{self, CacheMode, DepmodError, Options};
use common::getopt::{Opt, Options as Getopt, Order};
use common::report::ReportExt;

/// What an option does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `-a`.
    All,
    /// `-A`.
    Quick,
    /// `-b DIR`.
    Basedir,
    /// `-m DIR`.
    Moduledir,
    /// `-o DIR`.
    Outdir,
    /// `-C PATH`.
    Config,
    /// `-E FILE`.
    Symvers,
    /// `-F FILE`.
    Filesyms,
    /// `-e`.
    Errsyms,
    /// `-v`.
    Verbose,
    /// `-n`.
    DryRun,
    /// `-P C`.
    SymbolPrefix,
    /// `-w`.
    Warn,
    /// `-V`.
    Version,
    /// `-h`.
    Help,
    /// kmod 30's `-q`, `-r`, `-u`: accepted with a warning, otherwise ignored.
    Deprecated,
    /// `--no-cache` (ours).
    NoCache,
}

/// depmod's options, in kmod 34.2's order, with kmod 30's ignored `-q`, `-r`, `-u` (and their
/// long names) where kmod 30 had them. kmod 30's `-m` (`--map`, ignored) is kmod 34.2's
/// `-m DIR` (`--moduledir`) here.
pub const OPTIONS: Getopt<Key> = Getopt {
    opts: &[
        Opt::flag(
            Some('a'),
            Some("all"),
            Key::All,
            "index every module (the default without FILEs)",
        ),
        Opt::flag(
            Some('A'),
            Some("quick"),
            Key::Quick,
            "do nothing if no module is newer than modules.dep",
        ),
        Opt::value(
            Some('b'),
            Some("basedir"),
            "DIR",
            Key::Basedir,
            "the module tree is an image under DIR",
        ),
        Opt::value(
            Some('m'),
            Some("moduledir"),
            "DIR",
            Key::Moduledir,
            "module trees are in DIR, not /lib/modules",
        ),
        Opt::value(
            Some('o'),
            Some("outdir"),
            "DIR",
            Key::Outdir,
            "write the indexes under DIR, not the base directory",
        ),
        Opt::value(
            Some('C'),
            Some("config"),
            "PATH",
            Key::Config,
            "read configuration from PATH, not depmod.d (repeatable)",
        ),
        Opt::value(
            Some('E'),
            Some("symvers"),
            "FILE",
            Key::Symvers,
            "with -e: the kernel's symbols and CRCs from Module.symvers",
        ),
        Opt::value(
            Some('F'),
            Some("filesyms"),
            "FILE",
            Key::Filesyms,
            "with -e: the kernel's symbols from System.map",
        ),
        Opt::flag(
            Some('e'),
            Some("errsyms"),
            Key::Errsyms,
            "report symbols that nothing provides (with -E or -F)",
        ),
        Opt::flag(Some('u'), Some("unresolved-error"), Key::Deprecated, "").compat(),
        Opt::flag(Some('q'), Some("quiet"), Key::Deprecated, "").compat(),
        Opt::flag(Some('r'), Some("root"), Key::Deprecated, "").compat(),
        Opt::flag(
            Some('v'),
            Some("verbose"),
            Key::Verbose,
            "print what is done",
        ),
        Opt::flag(
            Some('n'),
            Some("show"),
            Key::DryRun,
            "write the text indexes to stdout, no file",
        ),
        Opt::flag(None, Some("dry-run"), Key::DryRun, "the same as --show"),
        Opt::value(
            Some('P'),
            Some("symbol-prefix"),
            "C",
            Key::SymbolPrefix,
            "ignore the architecture's symbol prefix C",
        ),
        Opt::flag(
            Some('w'),
            Some("warn"),
            Key::Warn,
            "warn about duplicate dependencies and aliases",
        ),
        Opt::flag(
            None,
            Some("no-cache"),
            Key::NoCache,
            "neither read nor write the module cache (modules.cache.bin)",
        )
        .extension(),
        Opt::version(Key::Version),
        Opt::help(Key::Help),
    ],
    order: Order::Permute,
};

const USAGE: &[&str] = &[
    "depmod [options] [-a] [VERSION]",
    "depmod [options] VERSION FILE...",
];

/// depmod's command line, validated.
#[derive(Debug, Default)]
struct Args {
    all: bool,
    quick: bool,
    basedir: Option<PathBuf>,
    moduledir: Option<PathBuf>,
    outdir: Option<PathBuf>,
    config: Vec<PathBuf>,
    symvers: Option<PathBuf>,
    filesyms: Option<PathBuf>,
    errsyms: bool,
    verbose: bool,
    dry_run: bool,
    symbol_prefix: Option<String>,
    warn: bool,
    no_cache: bool,
    operands: Vec<OsString>,
}

/// Reads the command line (program name first); `Err` is the exit code when the run ends here
/// (help, version, usage error). Options act in the order given, as with kmod: `-h` after a
/// deprecated option prints its warning first.
fn parse(argv: &[OsString], report: &Reporter) -> Result<Args, i32> {
    let parsed = OPTIONS.parse_argv(argv, "depmod");
    let mut a = Args::default();
    let path = |v: &Option<OsString>| v.clone().map(PathBuf::from);
    for o in &parsed.options {
        match o.key {
            Key::All => a.all = true,
            Key::Quick => a.quick = true,
            Key::Basedir => a.basedir = path(&o.value),
            Key::Moduledir => a.moduledir = path(&o.value),
            Key::Outdir => a.outdir = path(&o.value),
            Key::Config => a.config.extend(path(&o.value)),
            Key::Symvers => a.symvers = path(&o.value),
            Key::Filesyms => a.filesyms = path(&o.value),
            Key::Errsyms => a.errsyms = true,
            Key::Verbose => a.verbose = true,
            Key::DryRun => a.dry_run = true,
            Key::SymbolPrefix => a.symbol_prefix = Some(o.text()),
            Key::Warn => a.warn = true,
            Key::NoCache => a.no_cache = true,
            Key::Version => return Err(print_version()),
            Key::Help => return Err(print_text(&OPTIONS.help(USAGE))),
            Key::Deprecated => {
                report.warning(format_args!("Ignored deprecated option {}", o.spelling));
            }
        }
    }
    a.operands = parsed.operands()?;
    Ok(a)
}

/// Whether the first operand is a kernel version, as kmod decides it: it must start like
/// `sscanf("%u.%u")` reads a number, a dot and a number (white space and a sign allowed before
/// each number, anything after). `vfat`, `1`, `1.x` are not versions; `6.1.0-56-amd64` is.
fn is_version(s: &str) -> bool {
    /// The rest after a `%u`: white space, a sign, at least one digit.
    fn number(s: &str) -> Option<&str> {
        let s = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
        let s = s.strip_prefix(['+', '-']).unwrap_or(s);
        let digits = s.bytes().take_while(u8::is_ascii_digit).count();
        (digits > 0).then(|| &s[digits..])
    }
    number(s)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(number)
        .is_some()
}

/// The cache mode `MODUTILS_DEPMOD_CACHE` asks for: `0`, `no`, `off` or `false` (any case) turn
/// the module cache off, as `--no-cache` does; `1`, `yes`, `on` or `true` create it with `-b`
/// and `-o` too; unset or anything else, the default ([`CacheMode::Auto`]).
fn cache_mode_from_env() -> CacheMode {
    let Some(v) = std::env::var_os("MODUTILS_DEPMOD_CACHE") else {
        return CacheMode::Auto;
    };
    match v.to_string_lossy().to_ascii_lowercase().as_str() {
        "0" | "no" | "off" | "false" => CacheMode::Off,
        "1" | "yes" | "on" | "true" => CacheMode::Create,
        _ => CacheMode::Auto,
    }
}

/// Runs depmod on `args` (the program name first); returns the exit code. What was read is
/// never freed: the process ends right after, and the OS reclaims it faster.
///
/// Nothing is written, renamed or created when the command line is wrong: the version must look
/// like one (`Bad version passed vfat`), and module files must be absolute paths of existing
/// files, all checked before any work.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let argv: Vec<OsString> = args.into_iter().collect();
    let report = Reporter::new("depmod", false, false);
    let args = match parse(&argv, &report) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let report = Reporter::new("depmod", false, args.verbose);
    let mut operands = args.operands.iter();
    let release = match operands.next() {
        Some(v) => {
            let v = v.to_string_lossy();
            if !is_version(&v) {
                report.error(format_args!("Bad version passed {v}"));
                return 1;
            }
            v.into_owned()
        }
        None => running_release(),
    };
    let files: Vec<PathBuf> = operands.map(PathBuf::from).collect();
    // Without module files, every module (kmod: `-a` is implied); `-a` ignores the files.
    let all = args.all || files.is_empty();
    // kmod makes a relative base directory absolute (its messages show it so).
    let root = args.basedir.clone().unwrap_or_else(|| PathBuf::from("/"));
    let root = std::path::absolute(&root).unwrap_or(root);
    let mut ctx = Context::new(root, release);
    if let Some(m) = &args.moduledir {
        ctx = ctx.with_modules_root(m);
    }
    let opts = Options {
        config: args.config.clone(),
        files: if all { Vec::new() } else { files },
        quick: args.quick && !args.all,
        dry_run: args.dry_run,
        outdir: args.outdir.clone(),
        errsyms: args.errsyms,
        system_map: args.filesyms.clone(),
        symvers: args.symvers.clone(),
        symbol_prefix: args.symbol_prefix.clone(),
        warn: args.warn,
        verbose: args.verbose,
        threads: 0,
        cache: if args.no_cache {
            CacheMode::Off
        } else {
            cache_mode_from_env()
        },
    };
    match depmod::run(&ctx, &opts, &report) {
        // Exit without freeing what was read: the OS reclaims it faster.
        Ok(modules) => {
            std::mem::forget(modules);
            0
        }
        Err(DepmodError::Cycles { count }) => {
            report.error(format_args!("Found {count} modules in dependency cycles!"));
            1
        }
        Err(DepmodError::Fatal(msg)) => {
            report.fatal(msg);
            1
        }
        Err(DepmodError::Io(e)) => {
            report.error(e);
            1
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_version;

    #[test]
    fn versions_as_kmod_reads_them() {
        // Each answer is kmod 30's: "Bad version passed" or not.
        for v in [
            "6.1.0-56-amd64",
            "6.12.117+deb12-amd64",
            "2.6",
            "1.2",
            "1.2x",
            "01.2",
            " 1.2",
            "-1.2",
            "+1.2",
            "1.+2",
            "1.-2",
            "1. 2",
            "4294967296.1",
        ] {
            assert!(is_version(v), "{v:?}");
        }
        for v in [
            "vfat",
            "foo.ko",
            "/lib/modules/x.ko",
            "6",
            "1.x",
            "x1.2",
            "1.",
            ".1",
            "1..2",
            "1.+",
            "1 .2",
            "",
        ] {
            assert!(!is_version(v), "{v:?}");
        }
    }
}
