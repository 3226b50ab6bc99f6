//! `modprobe`: add and remove modules with their dependencies. The lookup and planning are in
//! `common::modprobe`; this file parses arguments, carries the plan out and prints.

use std::cell::RefCell;
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::io::{self, Write};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use common::cli::{finish_output, output, print_text, print_version, Output, Reporter};
use common::command_chain::{CommandChain, CommandKind};
use common::config::modprobe::{default_locations, ModprobeConfig, INDEX_DUMP_HEADER};
use common::context::{running_release, Context};
use common::elf::{ElfError, ModuleElf};
use common::error::{errno_text, io_text};
use common::file::ModuleFile;
use common::getopt::{parse_c_ulong, Opt, Options, Order};
use common::index::bin::Index;
use common::index::files::{AliasLine, MODULES_ALIAS_BIN, MODULES_SYMBOLS_BIN};
use common::kernel::load::{insert, ForceOptions, LoadError};
use common::kernel::state::{holders, initstate, refcnt, InitState};
use common::kernel::syscall::delete_module;
use common::modprobe::indexes::Indexes;
use common::modprobe::{Lookup, Modprobe, PlanOptions, Step, Target};
use common::name;
use common::report::{Discard, ReportExt};
use nix::errno::Errno;

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
}

/// modprobe's options, in kmod's table order (the same in kmod 30 and 34.2), and
/// `--show-alias` (upstream's newer spelling of `-R`; not in either table, so it never makes an
/// abbreviation ambiguous).
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
        Opt::flag(
            Some('s'),
            Some("syslog"),
            Key::Syslog,
            "report errors to syslog, not stderr",
        ),
        Opt::flag(Some('q'), Some("quiet"), Key::Quiet, "print no messages"),
        Opt::flag(
            Some('v'),
            Some("verbose"),
            Key::Verbose,
            "print what is done",
        ),
        Opt::flag(
            Some('V'),
            Some("version"),
            Key::Version,
            "print the version and exit",
        ),
        Opt::flag(
            Some('h'),
            Some("help"),
            Key::Help,
            "print this help and exit",
        ),
        Opt::flag(
            None,
            Some("show-alias"),
            Key::ResolveAlias,
            "the same as --resolve-alias",
        )
        .compat(),
    ],
    order: Order::Permute,
};

const USAGE: &[&str] = &[
    "modprobe [options] [-i] [-b] MODULE [PARAM=VALUE ...]",
    "modprobe [options] -a [-i] [-b] MODULE...",
    "modprobe [options] -r [-i] MODULE...",
    "modprobe [options] -c",
    "modprobe [options] --show-modversions|--show-exports FILE",
];

/// modprobe's validated command line.
#[derive(Debug, Default)]
struct Args {
    all: bool,
    remove: bool,
    remove_holders: bool,
    wait: Option<u64>,
    resolve_alias: bool,
    first_time: bool,
    ignore_commands: bool,
    use_blacklist: bool,
    force: bool,
    force_modversion: bool,
    force_vermagic: bool,
    show_depends: bool,
    show_config: bool,
    show_modversions: bool,
    show_exports: bool,
    dry_run: bool,
    config: Vec<PathBuf>,
    dirname: Option<PathBuf>,
    set_version: Option<String>,
    syslog: bool,
    quiet: bool,
    verbose: u32,
    /// Module names, then (without -a and -r) the first one's parameters.
    rest: Vec<String>,
    /// `MODPROBE_OPTIONS` for the commands modprobe runs (`install`, `remove`).
    child_options: String,
}

/// The arguments with `MODPROBE_OPTIONS` from the environment inserted after the program name,
/// split as kmod splits it: at every space (tabs and quotes are part of a word), so a leading
/// or doubled space makes an empty argument; a trailing one does not.
fn with_env_options(mut args: Vec<OsString>, env: Option<&OsStr>) -> Vec<OsString> {
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
fn parse(argv: &[OsString], inherited: &str) -> Result<Args, i32> {
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

/// Runs modprobe on `args` (the program name first; `MODPROBE_OPTIONS` is applied); returns
/// the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let env = std::env::var_os("MODPROBE_OPTIONS");
    let argv = with_env_options(args.into_iter().collect(), env.as_deref());
    let inherited = env
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let args = match parse(&argv, &inherited) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let work = move || {
        let report = Reporter::new("modprobe", args.syslog, args.verbose > 0).quiet(args.quiet);
        let out = Out::new();
        let code = run(&args, &out, &report);
        code.max(finish_output(out.flush(), &report))
    };
    // Planning recurses through softdeps; a configuration may chain thousands of them (kmod
    // plans such chains). The work runs on a thread whose stack is only reserved, not used,
    // unless a plan goes that deep.
    match std::thread::Builder::new()
        .name("modprobe".into())
        .stack_size(PLAN_STACK)
        .spawn(work)
    {
        Ok(handle) => handle.join().unwrap_or(1),
        Err(e) => {
            eprintln!("modprobe: ERROR: could not start: {}", io_text(&e));
            1
        }
    }
}

/// The stack modprobe's work runs on: room for softdep chains of about 100000 modules.
const PLAN_STACK: usize = 512 << 20;

/// Standard output ([`common::cli::output`]: buffered as C's stdio buffers it), shared by the
/// steps of a run, so that what modprobe prints and what its commands print interleave as they do
/// with kmod; flushed before a `remove` command runs, as kmod does.
struct Out {
    w: RefCell<Output>,
    /// The first write error: reported once, at the end.
    error: RefCell<Option<io::Error>>,
}

impl Out {
    fn new() -> Out {
        Out {
            w: RefCell::new(output()),
            error: RefCell::new(None),
        }
    }

    /// Writes one line; after a write error, nothing more is written.
    fn line(&self, line: impl std::fmt::Display) -> io::Result<()> {
        if self.failed() {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        let r = writeln!(self.w.borrow_mut(), "{line}");
        self.keep(r)
    }

    fn flush(&self) -> io::Result<()> {
        let r = self.w.borrow_mut().flush();
        let _ = self.keep(r);
        match self.error.borrow_mut().take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn failed(&self) -> bool {
        self.error.borrow().is_some()
    }

    fn keep(&self, r: io::Result<()>) -> io::Result<()> {
        if let Err(e) = &r {
            let mut first = self.error.borrow_mut();
            if first.is_none() {
                *first = Some(io::Error::new(e.kind(), e.to_string()));
            }
        }
        r
    }
}

/// One modprobe run: what every action needs.
struct Run<'a> {
    ctx: Context,
    mp: Modprobe,
    args: &'a Args,
    out: &'a Out,
    report: &'a Reporter,
}

fn run(args: &Args, out: &Out, report: &Reporter) -> i32 {
    let release = args.set_version.clone().unwrap_or_else(running_release);
    // The kernel's state (/sys, /proc) and the configuration are the running system's even
    // with -d, which only moves the module directory.
    let ctx = Context::new("/", &release).with_base_dir(args.dirname.as_deref().map(OsStr::new));
    let module_dir = ctx.module_dir();
    let locations = if args.config.is_empty() {
        default_locations(&ctx)
    } else {
        args.config.clone()
    };
    let mut config = match ModprobeConfig::load_locations(Some(&module_dir), &locations, report) {
        Ok(c) => c,
        Err(e) => {
            report.error(e);
            return 1;
        }
    };
    // Like kmod, the running kernel's command line applies even with -C or -d.
    if let Ok(cmdline) = std::fs::read_to_string(ctx.path("/proc/cmdline")) {
        config.parse_cmdline(&cmdline, report);
    }
    let mp = Modprobe {
        indexes: Indexes::new(module_dir),
        config,
        options: PlanOptions {
            ignore_install: args.ignore_commands,
            use_blacklist: args.use_blacklist,
        },
    };
    if args.show_config {
        let r = show_config(&mp, out);
        return i32::from(out.keep(r).is_err());
    }
    if args.rest.is_empty() {
        report.error("missing parameters. See -h.");
        return 1;
    }
    if args.show_modversions || args.show_exports {
        return show_elf(args, out, report);
    }
    let r = Run {
        ctx,
        mp,
        args,
        out,
        report,
    };
    let (names, params): (Vec<&str>, String) = if args.all || args.remove {
        (
            args.rest.iter().map(String::as_str).collect(),
            String::new(),
        )
    } else {
        let params: Vec<&str> = args.rest[1..].iter().map(String::as_str).collect();
        (vec![args.rest[0].as_str()], common::params::join(&params))
    };
    let mut failed = false;
    for name in names {
        if out.failed() {
            break;
        }
        let code = if args.remove {
            r.remove(name)
        } else {
            r.load(name, &params)
        };
        failed |= code != 0;
    }
    i32::from(failed)
}

/// kmod's modprobe wording of a failed insertion's errno (it differs from insmod's).
fn insert_error_text(e: &LoadError) -> String {
    match e.errno() {
        Some(Errno::EEXIST) => "Module already in kernel".into(),
        Some(Errno::ENOENT) => "Unknown symbol in module, or unknown parameter (see dmesg)".into(),
        Some(Errno::ENOEXEC) => "Invalid module format".into(),
        Some(errno) => errno_text(errno),
        None => e.to_string(),
    }
}

/// Whether the running kernel has a module, as kmod 30 judges it (observed with a module tree
/// that is not the running kernel's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    /// No `/sys/module/NAME`.
    Absent,
    /// `/sys/module/NAME` without `initstate`, and the tree's `modules.builtin` lists it.
    Builtin,
    /// `/sys/module/NAME` with an `initstate`.
    Loaded,
    /// `/sys/module/NAME` without `initstate`, not listed as built in: a module the tree builds
    /// separately that the running kernel has built in. kmod does not count it as loaded when
    /// inserting, and tries to remove it.
    Unlisted,
}

impl Run<'_> {
    fn presence(&self, module: &str) -> Presence {
        match initstate(&self.ctx, module).ok().flatten() {
            None => Presence::Absent,
            Some(InitState::Builtin) if self.mp.indexes.builtin(module).unwrap_or(false) => {
                Presence::Builtin
            }
            Some(InitState::Builtin) => Presence::Unlisted,
            Some(_) => Presence::Loaded,
        }
    }

    fn not_found(&self, name: &str) -> i32 {
        let msg = if self.args.remove {
            format!("Module {name} not found.")
        } else {
            format!(
                "Module {name} not found in directory {}",
                self.mp.indexes.dir().display()
            )
        };
        // kmod's level: with -a the other names are still tried.
        if self.args.all {
            self.report.warning(msg);
        } else {
            self.report.fatal(msg);
        }
        1
    }

    fn lookup(&self, name: &str) -> Option<Lookup> {
        match self.mp.lookup(name) {
            Ok(l) => Some(l),
            Err(e) => {
                self.report.error(e);
                None
            }
        }
    }

    /// Runs an `install` or `remove` command through `/bin/sh -c`, unless it would run inside
    /// itself ([`CommandChain`]: kmod 30 follows such loops until something gives out).
    fn command(
        &self,
        kind: CommandKind,
        command: &str,
        module: &str,
    ) -> io::Result<std::process::ExitStatus> {
        let chain = CommandChain::from_env();
        chain.check(kind, module).map_err(io::Error::other)?;
        let mut sh = Command::new("/bin/sh");
        sh.arg("-c")
            .arg(command)
            .env("MODPROBE_MODULE", module)
            .env("MODPROBE_OPTIONS", &self.args.child_options);
        chain.pass_to(&mut sh, kind, module).status()
    }

    fn load(&self, name: &str, params: &str) -> i32 {
        let Some(found) = self.lookup(name) else {
            return 1;
        };
        if found.targets.is_empty() {
            return self.not_found(name);
        }
        let mut failed = false;
        for target in &found.targets {
            let module = match target {
                Target::Module(m) | Target::Builtin(m) => m,
            };
            // -R lists what the name resolves to, blacklisted modules included (as kmod).
            if self.args.resolve_alias {
                if self.out.line(module).is_err() {
                    return 1;
                }
                continue;
            }
            if self.mp.blacklisted(&found, module) {
                continue;
            }
            let mut plan = Vec::new();
            let alias = found.via_alias.then_some(name);
            if let Err(e) = self
                .mp
                .plan_load(target, params, alias, &mut HashSet::new(), &mut plan)
            {
                self.report.error(e);
                return 1;
            }
            if self.args.show_depends {
                for step in &plan {
                    if self.out.line(step.show_line()).is_err() {
                        return 1;
                    }
                }
                continue;
            }
            failed |= self.execute(module, &plan) != 0;
        }
        i32::from(failed)
    }

    /// Carries a load plan out: each step unless its module is already in the kernel.
    fn execute(&self, target: &str, plan: &[Step]) -> i32 {
        let args = self.args;
        let force = ForceOptions {
            modversions: args.force || args.force_modversion,
            vermagic: args.force || args.force_vermagic,
        };
        let needed: HashSet<String> = match self.mp.indexes.dep(target) {
            Ok(Some(entry)) => entry.deps.iter().map(|d| name::from_path(d)).collect(),
            _ => HashSet::new(),
        };
        for step in plan {
            let module = step.module();
            let builtin = matches!(step, Step::Builtin(_));
            if builtin || matches!(self.presence(module), Presence::Builtin | Presence::Loaded) {
                if module == target && args.first_time {
                    self.report.error(format_args!(
                        "could not insert '{module}': Module already in kernel"
                    ));
                    return 1;
                }
                continue;
            }
            if args.verbose > 0 {
                let _ = self.out.line(step.show_line());
            }
            if args.dry_run {
                continue;
            }
            let failure = match step {
                Step::Builtin(_) => None,
                Step::Install {
                    command, options, ..
                } => {
                    let command = command.replace("$CMDLINE_OPTS", options);
                    let status = self.command(CommandKind::Install, &command, module);
                    if status.as_ref().is_ok_and(|s| s.success()) {
                        None
                    } else {
                        let why = match status {
                            Ok(s) => format!("retcode {}", s.code().unwrap_or(-1)),
                            Err(e) => e.to_string(),
                        };
                        self.report.error(format_args!(
                            "Error running install command '{command}' for module {module}: {why}"
                        ));
                        Some("Invalid argument".to_string())
                    }
                }
                Step::Insmod { path, options, .. } => match ModuleFile::open(path) {
                    Err(e) => Some(e.reason()),
                    Ok(file) => {
                        match insert(&self.ctx, &file, options.trim_end(), force, &Discard) {
                            Ok(_) => None,
                            // Loaded by someone else meanwhile (udev does this at boot): fine.
                            Err(e)
                                if e.errno() == Some(Errno::EEXIST)
                                    && !(module == target && args.first_time) =>
                            {
                                None
                            }
                            Err(e) => Some(insert_error_text(&e)),
                        }
                    }
                },
            };
            // A softdep (or what only a softdep needs) that fails doesn't stop the load (kmod
            // 30, observed); the module and its dependencies do, reported under its name.
            if let Some(why) = failure {
                if module == target || needed.contains(module) {
                    self.report
                        .error(format_args!("could not insert '{target}': {why}"));
                    return 1;
                }
            }
        }
        0
    }

    fn remove(&self, name: &str) -> i32 {
        let Some(found) = self.lookup(name) else {
            return 1;
        };
        if found.targets.is_empty() {
            return self.not_found(name);
        }
        let mut failed = false;
        for target in &found.targets {
            let module = match target {
                Target::Builtin(m) => {
                    self.report.fatal(format_args!("Module {m} is builtin."));
                    failed = true;
                    continue;
                }
                Target::Module(m) => m,
            };
            failed |= self.remove_module(module) != 0;
        }
        i32::from(failed)
    }

    /// `modprobe -r` of one module, as kmod 30 does it (observed on a real kernel): its softdep
    /// `post:` modules, the module, its dependencies, its `pre:` modules, each list walked
    /// backwards; the others are removed only when nothing uses them, silently otherwise.
    fn remove_module(&self, module: &str) -> i32 {
        let args = self.args;
        let command = self
            .mp
            .config
            .remove_command(module)
            .filter(|_| !args.ignore_commands);
        if command.is_none() {
            match self.presence(module) {
                Presence::Absent => {
                    if args.first_time {
                        self.report
                            .fatal(format_args!("Module {module} is not in kernel."));
                        return 1;
                    }
                    return 0;
                }
                Presence::Builtin => {
                    self.report
                        .fatal(format_args!("Module {module} is builtin."));
                    return 1;
                }
                Presence::Loaded | Presence::Unlisted => {}
            }
        }
        if args.remove_holders {
            for h in holders(&self.ctx, module).unwrap_or_default() {
                if self.remove_module(&h) != 0 {
                    return 1;
                }
            }
        }
        if command.is_none() && self.in_use(module) && !args.force {
            let msg = format!("Module {module} is in use.");
            if args.all {
                self.report.warning(msg);
            } else {
                self.report.fatal(msg);
            }
            return 1;
        }
        let removal = match self.mp.removal(module) {
            Ok(r) => r,
            Err(e) => {
                self.report.error(e);
                return 1;
            }
        };
        for m in &removal.post {
            self.remove_unused(m);
        }
        let ok = match command {
            Some(cmd) => self.run_remove_command(module, cmd),
            None => self.rmmod(module, true),
        };
        if !ok {
            return 1;
        }
        for m in removal.deps.iter().chain(&removal.pre) {
            self.remove_unused(m);
        }
        0
    }

    fn in_use(&self, module: &str) -> bool {
        !holders(&self.ctx, module).unwrap_or_default().is_empty()
            || refcnt(&self.ctx, module).unwrap_or(0) > 0
    }

    /// A dependency or softdep of a removed module: removed when loaded and unused.
    fn remove_unused(&self, module: &str) {
        if let Some(cmd) = self
            .mp
            .config
            .remove_command(module)
            .filter(|_| !self.args.ignore_commands)
        {
            self.run_remove_command(module, cmd);
            return;
        }
        match self.presence(module) {
            Presence::Absent | Presence::Builtin => {}
            Presence::Loaded | Presence::Unlisted if self.in_use(module) => {}
            Presence::Loaded | Presence::Unlisted => {
                self.rmmod(module, false);
            }
        }
    }

    fn run_remove_command(&self, module: &str, command: &str) -> bool {
        if self.args.verbose > 0 {
            let _ = self.out.line(format_args!("remove {command}"));
        }
        if self.args.dry_run {
            return true;
        }
        let options = self.mp.config.options_for(module).unwrap_or_default();
        let command = command.replace("$CMDLINE_OPTS", &options);
        // What this process printed comes before what the command prints.
        let _ = self.out.flush();
        match self.command(CommandKind::Remove, &command, module) {
            Ok(s) if s.success() => {}
            Ok(_) => {
                self.report
                    .fatal(format_args!("Error running remove command for {module}"));
                return false;
            }
            Err(e) => {
                self.report.fatal(format_args!(
                    "Error running remove command for {module}: {e}"
                ));
                return false;
            }
        }
        true
    }

    /// delete_module, retried for `-w MSEC` while the module is busy. `report` says whether a
    /// failure is reported.
    fn rmmod(&self, module: &str, report: bool) -> bool {
        if self.args.verbose > 0 {
            let _ = self.out.line(format_args!("rmmod {module}"));
        }
        if self.args.dry_run {
            return true;
        }
        let deadline = Instant::now() + Duration::from_millis(self.args.wait.unwrap_or(0));
        loop {
            match delete_module(module, self.args.force) {
                Ok(()) => return true,
                Err(Errno::EAGAIN | Errno::EBUSY) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => {
                    if report {
                        self.report.error(format_args!(
                            "could not remove '{module}': {}",
                            errno_text(e)
                        ));
                    }
                    return false;
                }
            }
        }
    }
}

fn show_config(mp: &Modprobe, out: &Out) -> io::Result<()> {
    let mut out = out.w.borrow_mut();
    mp.config.show_config(&mut *out)?;
    out.write_all(INDEX_DUMP_HEADER.as_bytes())?;
    for file in [MODULES_ALIAS_BIN, MODULES_SYMBOLS_BIN] {
        let Ok(bytes) = std::fs::read(mp.indexes.dir().join(file)) else {
            continue;
        };
        let Ok(index) = Index::new(&bytes) else {
            continue;
        };
        for (key, values) in index.entries().unwrap_or_default() {
            for v in values {
                let line = AliasLine {
                    pattern: &key,
                    module: v.value,
                };
                writeln!(out, "{line}")?;
            }
        }
    }
    Ok(())
}

/// `--show-modversions` / `--show-exports`: the symbol versions a module file needs, or the
/// symbols it exports, as kmod prints them. Like kmod, only the first argument is read, and it
/// must be a file (a module name is "not found"); a module with no such symbols is an error
/// (`No such file or directory`, kmod's ENOENT).
fn show_elf(args: &Args, output: &Out, report: &Reporter) -> i32 {
    let arg = &args.rest[0];
    let what = if args.show_modversions {
        "modversions"
    } else {
        "symbols"
    };
    if std::fs::metadata(arg).is_err() {
        report.fatal(format_args!("Module {arg} not found."));
        return 1;
    }
    let symbols = ModuleFile::open(arg)
        .and_then(|f| f.read_image())
        .map_err(|e| e.errno().unwrap_or(Errno::EINVAL))
        .and_then(|image| {
            ModuleElf::parse(&image).map_err(|e| match e {
                // kmod: too short for an ELF header is EINVAL, a wrong magic ENOEXEC.
                ElfError::NotElf | ElfError::BadClass(_) | ElfError::BadEndian(_)
                    if image.len() >= ELF32_HEADER_SIZE =>
                {
                    Errno::ENOEXEC
                }
                _ => Errno::EINVAL,
            })
        })
        .map(|elf| -> Vec<(u64, String)> {
            if args.show_modversions {
                elf.versions.into_iter().map(|v| (v.crc, v.name)).collect()
            } else {
                elf.exports
                    .into_iter()
                    .map(|e| (e.crc.unwrap_or(0), e.name))
                    .collect()
            }
        })
        .and_then(|list| {
            if list.is_empty() {
                Err(Errno::ENOENT)
            } else {
                Ok(list)
            }
        });
    let symbols = match symbols {
        Ok(s) => s,
        Err(errno) => {
            report.fatal(format_args!(
                "could not get {what} of {arg}: {}",
                errno_text(errno)
            ));
            return 1;
        }
    };
    let mut out = output.w.borrow_mut();
    let result = symbols
        .iter()
        .try_for_each(|(crc, name)| writeln!(out, "0x{crc:08x}\t{name}"));
    drop(out);
    i32::from(output.keep(result).is_err())
}

/// The size of the smallest ELF header (32-bit).
const ELF32_HEADER_SIZE: usize = 52;

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

    #[test]
    fn module_dir_is_spelt_like_kmod() {
        // `-d DIR`: DIR made absolute by prefixing the working directory, then
        // `/lib/modules/<release>` appended as text, as kmod prints module paths.
        let dir = |dirname: Option<&str>| {
            Context::new("/", "6.1.0-56-amd64")
                .with_base_dir(dirname.map(OsStr::new))
                .module_dir()
                .into_os_string()
        };
        assert_eq!(dir(None), "/lib/modules/6.1.0-56-amd64");
        assert_eq!(dir(Some("/s/6.1/")), "/s/6.1//lib/modules/6.1.0-56-amd64");
        let cwd = std::env::current_dir().expect("cwd");
        assert_eq!(
            dir(Some("./6.1/")),
            OsString::from(format!(
                "{}/./6.1//lib/modules/6.1.0-56-amd64",
                cwd.display()
            ))
        );
        assert_eq!(
            dir(Some("")),
            OsString::from(format!("{}//lib/modules/6.1.0-56-amd64", cwd.display()))
        );
    }
}
