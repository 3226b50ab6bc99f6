//! modprobe's command line: kmod's option table, `MODPROBE_OPTIONS`, and the validated
//! [`Args`], with the options modprobe's child commands inherit.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use common::cli::{print_text, print_version, Reporter};
use common::getopt::{parse_c_ulong, Opt, Options, Order};
use common::report::ReportExt;

/// What an option does. Spellings that kmod treats as one option share a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// `-a`.
    All,
    /// `-r`.
    Remove,
    /// `--remove-holders` (and kmod's older `--remove-dependencies`).
    RemoveHolders,
    /// `-w MSEC`.
    Wait,
    /// `-R`.
    ResolveAlias,
    /// `--first-time`.
    FirstTime,
    /// `-i`: `--ignore-install` and `--ignore-remove` are one option, as in kmod.
    IgnoreCommands,
    /// `-b`.
    UseBlacklist,
    /// `-f`.
    Force,
    /// `--force-modversion`.
    ForceModversion,
    /// `--force-vermagic`.
    ForceVermagic,
    /// `-D`.
    ShowDepends,
    /// `-c`.
    ShowConfig,
    /// `--show-modversions`, `--dump-modversions`.
    ShowModversions,
    /// `--show-exports`.
    ShowExports,
    /// `-n`.
    DryRun,
    /// `-C PATH`.
    Config,
    /// `-d DIR`.
    Dirname,
    /// `-S VERSION`.
    SetVersion,
    /// `-s`.
    Syslog,
    /// `-q`.
    Quiet,
    /// `-v`.
    Verbose,
    /// `-V`.
    Version,
    /// `-h`.
    Help,
    /// `--explain` (ours).
    Explain,
    /// `--json` (ours).
    Json,
}

/// modprobe's options, in kmod's table order (the same in kmod 30 and 34.2), and
/// `--show-alias` (upstream's newer spelling of `-R`; not in either table, so it never makes an
/// abbreviation ambiguous), then ours, `--explain` and `--json`, matched after kmod's.
pub const OPTIONS: Options<Key> = Options {
    opts: &[
        Opt::flag(
            Some('a'),
            Some("all"),
            Key::All,
            "treat every argument as a module name",
        ),
        Opt::flag(
            Some('r'),
            Some("remove"),
            Key::Remove,
            "remove modules instead of inserting them",
        ),
        Opt::flag(
            None,
            Some("remove-dependencies"),
            Key::RemoveHolders,
            "old name of --remove-holders",
        ),
        Opt::flag(
            None,
            Some("remove-holders"),
            Key::RemoveHolders,
            "with -r: first remove the modules that use it",
        ),
        Opt::value(
            Some('w'),
            Some("wait"),
            "MSEC",
            Key::Wait,
            "with -r: retry a module in use for up to MSEC ms",
        ),
        Opt::flag(
            Some('R'),
            Some("resolve-alias"),
            Key::ResolveAlias,
            "print the modules a name resolves to, and exit",
        ),
        Opt::flag(
            None,
            Some("first-time"),
            Key::FirstTime,
            "fail if the module is already in (or, with -r, not in) the kernel",
        ),
        Opt::flag(
            Some('i'),
            Some("ignore-install"),
            Key::IgnoreCommands,
            "ignore install and remove commands",
        ),
        Opt::flag(
            None,
            Some("ignore-remove"),
            Key::IgnoreCommands,
            "the same as --ignore-install",
        ),
        Opt::flag(
            Some('b'),
            Some("use-blacklist"),
            Key::UseBlacklist,
            "apply the blacklist to names too, not only to aliases",
        ),
        Opt::flag(
            Some('f'),
            Some("force"),
            Key::Force,
            "--force-modversion and --force-vermagic; with -r, force removal",
        ),
        Opt::flag(
            None,
            Some("force-modversion"),
            Key::ForceModversion,
            "ignore symbol version mismatches",
        ),
        Opt::flag(
            None,
            Some("force-vermagic"),
            Key::ForceVermagic,
            "ignore a version magic mismatch",
        ),
        Opt::flag(
            Some('D'),
            Some("show-depends"),
            Key::ShowDepends,
            "print what would be loaded, and exit",
        ),
        Opt::flag(
            Some('c'),
            Some("showconfig"),
            Key::ShowConfig,
            "print the effective configuration, and exit",
        ),
        Opt::flag(
            None,
            Some("show-config"),
            Key::ShowConfig,
            "the same as --showconfig",
        ),
        Opt::flag(
            None,
            Some("show-modversions"),
            Key::ShowModversions,
            "print the symbol versions a module needs, and exit",
        ),
        Opt::flag(
            None,
            Some("dump-modversions"),
            Key::ShowModversions,
            "the same as --show-modversions",
        ),
        Opt::flag(
            None,
            Some("show-exports"),
            Key::ShowExports,
            "print the symbols a module exports, and exit",
        ),
        Opt::flag(
            Some('n'),
            Some("dry-run"),
            Key::DryRun,
            "do everything but insert or remove",
        ),
        Opt::flag(None, Some("show"), Key::DryRun, "the same as --dry-run"),
        Opt::value(
            Some('C'),
            Some("config"),
            "PATH",
            Key::Config,
            "read configuration from PATH, not modprobe.d (repeatable)",
        ),
        Opt::value(
            Some('d'),
            Some("dirname"),
            "DIR",
            Key::Dirname,
            "modules are in DIR/lib/modules",
        ),
        Opt::value(
            Some('S'),
            Some("set-version"),
            "VERSION",
            Key::SetVersion,
            "use kernel VERSION, not `uname -r`",
        ),
        Opt::syslog(Key::Syslog),
        Opt::flag(Some('q'), Some("quiet"), Key::Quiet, "print no messages"),
        Opt::flag(
            Some('v'),
            Some("verbose"),
            Key::Verbose,
            "print what is done",
        ),
        Opt::version(Key::Version),
        Opt::help(Key::Help),
        Opt::flag(
            None,
            Some("show-alias"),
            Key::ResolveAlias,
            "the same as --resolve-alias",
        )
        .compat(),
        Opt::flag(
            None,
            Some("explain"),
            Key::Explain,
            "say how each name resolves and what loading it takes, and exit",
        )
        .extension(),
        Opt::flag(
            None,
            Some("json"),
            Key::Json,
            "print JSON (docs/json.md) with --show-depends, -c or --explain",
        )
        .extension(),
    ],
    order: Order::Permute,
};

const USAGE: &[&str] = &[
    "modprobe [options] [-i] [-b] MODULE [PARAM=VALUE ...]",
    "modprobe [options] -a [-i] [-b] MODULE...",
    "modprobe [options] -r [-i] MODULE...",
    "modprobe [options] -c",
    "modprobe [options] --explain [-a|-r] MODULE...",
    "modprobe [options] --show-modversions|--show-exports FILE",
];

/// modprobe's validated command line.
#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) all: bool,
    pub(crate) remove: bool,
    pub(crate) remove_holders: bool,
    pub(crate) wait: Option<u64>,
    pub(crate) resolve_alias: bool,
    pub(crate) first_time: bool,
    pub(crate) ignore_commands: bool,
    pub(crate) use_blacklist: bool,
    pub(crate) force: bool,
    pub(crate) force_modversion: bool,
    pub(crate) force_vermagic: bool,
    pub(crate) show_depends: bool,
    pub(crate) show_config: bool,
    pub(crate) show_modversions: bool,
    pub(crate) show_exports: bool,
    pub(crate) explain: bool,
    pub(crate) json: bool,
    pub(crate) dry_run: bool,
    pub(crate) config: Vec<PathBuf>,
    pub(crate) dirname: Option<PathBuf>,
    pub(crate) set_version: Option<String>,
    pub(crate) syslog: bool,
    pub(crate) quiet: bool,
    pub(crate) verbose: u32,
    /// Module names, then (without -a and -r) the first one's parameters.
    pub(crate) rest: Vec<String>,
    /// `MODPROBE_OPTIONS` for the commands modprobe runs (`install`, `remove`).
    pub(crate) child_options: String,
}

/// The arguments with `MODPROBE_OPTIONS` from the environment inserted after the program name,
/// split as kmod splits it: at every space (tabs and quotes are part of a word), so a leading
/// or doubled space makes an empty argument; a trailing one does not.
pub(crate) fn with_env_options(mut args: Vec<OsString>, env: Option<&OsStr>) -> Vec<OsString> {
    if let Some(extra) = env.filter(|e| !e.is_empty()) {
        let mut words: Vec<&[u8]> = extra.as_bytes().split(|&b| b == b' ').collect();
        if words.last().is_some_and(|w| w.is_empty()) {
            words.pop();
        }
        let at = args.len().min(1);
        args.splice(
            at..at,
            words.into_iter().map(|w| OsString::from_vec(w.to_vec())),
        );
    }
    args
}

/// Reads the command line (program name first, `MODPROBE_OPTIONS` already in it, and
/// `inherited` its value); `Err` is the exit code when the run ends here (help, version, usage
/// error).
///
/// The options for child commands are kmod 30's (observed with `install m echo
/// $MODPROBE_OPTIONS`): the inherited `MODPROBE_OPTIONS`, then this run's `-C PATH`, `-v`, `-q`
/// and `-s` in the order given, wherever they stood; the inherited options are in `argv` too,
/// so they count twice, as with kmod.
pub(crate) fn parse(argv: &[OsString], inherited: &str) -> Result<Args, i32> {
    let parsed = OPTIONS.parse_argv(argv, "modprobe");
    let mut a = Args::default();
    let mut child = vec![inherited.to_string()];
    for o in &parsed.options {
        match o.key {
            Key::All => a.all = true,
            Key::Remove => a.remove = true,
            Key::RemoveHolders => a.remove_holders = true,
            Key::Wait => match parse_c_ulong(&o.text()) {
                Some(ms) => a.wait = Some(ms),
                None => {
                    Reporter::new("modprobe", false, false)
                        .error(format_args!("unexpected wait value '{}'.", o.text()));
                    return Err(1);
                }
            },
            Key::ResolveAlias => a.resolve_alias = true,
            Key::FirstTime => a.first_time = true,
            Key::IgnoreCommands => a.ignore_commands = true,
            Key::UseBlacklist => a.use_blacklist = true,
            Key::Force => a.force = true,
            Key::ForceModversion => a.force_modversion = true,
            Key::ForceVermagic => a.force_vermagic = true,
            Key::ShowDepends => a.show_depends = true,
            Key::ShowConfig => a.show_config = true,
            Key::ShowModversions => a.show_modversions = true,
            Key::ShowExports => a.show_exports = true,
            Key::DryRun => a.dry_run = true,
            Key::Config => {
                child.push(format!("-C {}", o.text()));
                a.config
                    .push(PathBuf::from(o.value.clone().unwrap_or_default()));
            }
            Key::Dirname => a.dirname = o.value.clone().map(PathBuf::from),
            Key::SetVersion => a.set_version = Some(o.text()),
            Key::Syslog => {
                child.push("-s".into());
                a.syslog = true;
            }
            Key::Quiet => {
                child.push("-q".into());
                a.quiet = true;
            }
            Key::Verbose => {
                child.push("-v".into());
                a.verbose += 1;
            }
            Key::Explain => a.explain = true,
            Key::Json => a.json = true,
            Key::Version => return Err(print_version()),
            Key::Help => return Err(print_text(&OPTIONS.help(USAGE))),
        }
    }
    a.rest = parsed
        .operands()?
        .into_iter()
        .map(|o| o.to_string_lossy().into_owned())
        .collect();
    child.retain(|o| !o.is_empty());
    a.child_options = child.join(" ");
    // -q silences -v too (kmod 30: `-vq` and `-qv` print nothing).
    if a.quiet {
        a.verbose = 0;
    }
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<OsString> {
        std::iter::once("modprobe")
            .chain(args.iter().copied())
            .map(OsString::from)
            .collect()
    }

    /// `MODPROBE_OPTIONS` for child commands after `modprobe ARGS` with `env` in the
    /// environment.
    fn children(env: &str, args: &[&str]) -> String {
        let argv = with_env_options(argv(args), Some(OsStr::new(env)));
        parse(&argv, env).expect("parse").child_options
    }

    #[test]
    fn children_get_config_verbosity_and_syslog_in_order() {
        // Each expectation is what kmod 30 put in MODPROBE_OPTIONS for an install command.
        assert_eq!(
            children("", &["-C", "/tmp/c4", "dummy", "a=1"]),
            "-C /tmp/c4"
        );
        assert_eq!(
            children("", &["-C", "/tmp/c4", "-vq", "dummy"]),
            "-C /tmp/c4 -v -q"
        );
        assert_eq!(
            children(
                "",
                &["-C", "/c", "-d", "/t", "-S", "6.1", "-s", "-v", "-v", "m"]
            ),
            "-C /c -s -v -v"
        );
        assert_eq!(
            children(
                "",
                &[
                    "-C",
                    "/c",
                    "--syslog",
                    "--verbose",
                    "--quiet",
                    "--config=/c",
                    "m"
                ]
            ),
            "-C /c -s -v -q -C /c"
        );
        assert_eq!(children("", &["-C", "c4", "m"]), "-C c4");
        // Options after the module name are options too (getopt permutes).
        assert_eq!(
            children(
                "",
                &[
                    "-C",
                    "/c",
                    "m",
                    "-v",
                    "-s",
                    "-q",
                    "--config=/c",
                    "--verbose"
                ]
            ),
            "-C /c -v -s -q -C /c -v"
        );
        // The inherited options count twice: once as inherited, once as parsed.
        assert_eq!(children("-v", &["-v", "-C", "/c", "m"]), "-v -v -v -C /c");
        assert_eq!(children("-v -q", &["m"]), "-v -q -v -q");
    }

    #[test]
    fn env_options_split_at_every_space() {
        let words = |env: &str| {
            with_env_options(argv(&["m"]), Some(OsStr::new(env)))
                .into_iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(words(""), ["modprobe", "m"]);
        assert_eq!(words("-v "), ["modprobe", "-v", "m"]);
        assert_eq!(words(" -v"), ["modprobe", "", "-v", "m"]);
        assert_eq!(words("-v  -v"), ["modprobe", "-v", "", "-v", "m"]);
        assert_eq!(words("-v\t-v"), ["modprobe", "-v\t-v", "m"]);
    }
}
