//! `modprobe`: add and remove modules with their dependencies. The lookup and planning are in
//! `common::modprobe`; this file parses arguments, carries the plan out and prints.

use std::cell::RefCell;
use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use clap::Parser;
use common::cli::{finish_output, output, Output, Reporter, VERSION_TEXT};
use common::command_chain::{CommandChain, CommandKind};
use common::config::modprobe::{default_locations, ModprobeConfig, INDEX_DUMP_HEADER};
use common::context::{running_release, Context};
use common::elf::ModuleElf;
use common::error::errno_text;
use common::file::ModuleFile;
use common::kernel::load::{insert, ForceOptions, LoadError};
use common::kernel::state::{holders, initstate, refcnt, InitState};
use common::kernel::syscall::delete_module;
use common::modprobe::indexes::Indexes;
use common::modprobe::{Lookup, Modprobe, PlanOptions, Step, Target};
use common::name;
use nix::errno::Errno;

/// Add and remove modules from the Linux kernel.
#[derive(Parser, Debug)]
#[command(
    name = "modprobe",
    version = VERSION_TEXT,
    disable_version_flag = true,
    args_override_self = true
)]
struct Args {
    /// Every argument is a module to insert (or remove, with -r).
    #[arg(short = 'a', long = "all")]
    all: bool,
    /// Remove modules instead of inserting them.
    #[arg(short = 'r', long = "remove")]
    remove: bool,
    /// Do everything but the actual insertion or removal.
    #[arg(short = 'n', long = "dry-run", visible_alias = "show")]
    dry_run: bool,
    /// Don't complain about modules that can't be found.
    #[arg(short = 'q', long = "quiet", action = clap::ArgAction::Count)]
    quiet: u8,
    /// Print what is done.
    #[arg(short = 'v', long = "verbose", action = clap::ArgAction::Count)]
    verbose: u8,
    /// Apply the blacklist to module names too, not only to aliases.
    #[arg(short = 'b', long = "use-blacklist")]
    use_blacklist: bool,
    /// Ignore install commands.
    #[arg(short = 'i', long = "ignore-install")]
    ignore_install: bool,
    /// Ignore remove commands.
    #[arg(long = "ignore-remove")]
    ignore_remove: bool,
    /// Force: ignore version magic and symbol versions (with -r: force removal).
    #[arg(short = 'f', long = "force")]
    force: bool,
    /// Ignore symbol versions.
    #[arg(long = "force-modversion")]
    force_modversion: bool,
    /// Ignore the version magic.
    #[arg(long = "force-vermagic")]
    force_vermagic: bool,
    /// Fail if the module is already inserted (or, with -r, not inserted).
    #[arg(long = "first-time")]
    first_time: bool,
    /// Also remove the modules that use the module (with -r).
    #[arg(long = "remove-holders")]
    remove_holders: bool,
    /// Print the dependencies (insmod lines) instead of inserting.
    #[arg(short = 'D', long = "show-depends")]
    show_depends: bool,
    /// Print the module names an alias resolves to.
    #[arg(short = 'R', long = "resolve-alias", visible_alias = "show-alias")]
    resolve_alias: bool,
    /// Print the effective configuration.
    #[arg(short = 'c', long = "showconfig", visible_alias = "show-config")]
    show_config: bool,
    /// Print the module's symbol versions.
    #[arg(long = "show-modversions", visible_alias = "dump-modversions")]
    show_modversions: bool,
    /// Print the symbols the module exports.
    #[arg(long = "show-exports")]
    show_exports: bool,
    /// Read configuration from PATH (file or directory) instead of modprobe.d.
    #[arg(short = 'C', long = "config", value_name = "PATH")]
    config: Vec<PathBuf>,
    /// Root directory of the module tree (DIR/lib/modules/VERSION).
    #[arg(short = 'd', long = "dirname", value_name = "DIR")]
    dirname: Option<PathBuf>,
    /// Kernel version to use instead of the running one.
    #[arg(short = 'S', long = "set-version", value_name = "VERSION")]
    set_version: Option<String>,
    /// Report errors to syslog too.
    #[arg(short = 's', long = "syslog")]
    syslog: bool,
    /// With -r: retry removing a module in use for MSEC milliseconds.
    #[arg(short = 'w', long = "wait", value_name = "MSEC")]
    wait: Option<u64>,
    /// Print the version and exit.
    #[arg(short = 'V', long, action = clap::ArgAction::Version)]
    version: (),
    /// Module name, then its parameters (with -a or -r: module names).
    #[arg(
        value_name = "MODULE [PARAMS]",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    rest: Vec<String>,
}

/// The arguments with `MODPROBE_OPTIONS` from the environment inserted after the program name.
fn argv(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut args: Vec<OsString> = args.into_iter().collect();
    if let Some(extra) = std::env::var_os("MODPROBE_OPTIONS") {
        let extra: Vec<OsString> = extra
            .to_string_lossy()
            .split_whitespace()
            .map(OsString::from)
            .collect();
        let at = args.len().min(1);
        args.splice(at..at, extra);
    }
    args
}

/// `MODPROBE_OPTIONS` for the commands modprobe runs (`install`, `remove`): the inherited value
/// with this run's `-C PATH`, `-v`, `-q` and `-s` appended in the order given, so a modprobe
/// called from an install command reads the same configuration and is as verbose (kmod 30's
/// behaviour, observed with `install m echo $MODPROBE_OPTIONS`). `argv` is [`argv`]'s result
/// (`inherited` is in it too, so its options count twice, as with kmod); options end at `--` or
/// at the first module name.
fn options_for_children(inherited: &str, argv: &[OsString]) -> String {
    let mut out = inherited.to_string();
    let mut push = |o: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(o);
    };
    let mut it = argv.iter().skip(1).map(|a| a.to_string_lossy());
    while let Some(arg) = it.next() {
        if arg == "--" || !arg.starts_with('-') || arg == "-" {
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            match name {
                "config" => {
                    if let Some(v) = value.or_else(|| it.next().map(|v| v.into_owned())) {
                        push(&format!("-C {v}"));
                    }
                }
                "verbose" => push("-v"),
                "quiet" => push("-q"),
                "syslog" => push("-s"),
                "dirname" | "set-version" | "wait" if value.is_none() => {
                    it.next();
                }
                _ => {}
            }
            continue;
        }
        let shorts = &arg[1..];
        for (i, c) in shorts.char_indices() {
            match c {
                'v' => push("-v"),
                'q' => push("-q"),
                's' => push("-s"),
                'C' | 'd' | 'S' | 'w' => {
                    let rest = &shorts[i + 1..];
                    let value = if rest.is_empty() {
                        it.next().map(|v| v.into_owned())
                    } else {
                        Some(rest.to_string())
                    };
                    if let (Some(v), 'C') = (value, c) {
                        push(&format!("-C {v}"));
                    }
                    break;
                }
                _ => {}
            }
        }
    }
    out
}

/// The command-line definition (for the `kmod` multi-call binary, man pages and completions).
pub fn command() -> clap::Command {
    <Args as clap::CommandFactory>::command()
}

/// Runs modprobe on `args` (the program name first; `MODPROBE_OPTIONS` is applied); returns
/// the exit code.
pub fn main(args: impl IntoIterator<Item = OsString>) -> i32 {
    let argv = argv(args);
    let mut args = match Args::try_parse_from(&argv) {
        Ok(a) => a,
        Err(e) => exit_usage(e),
    };
    // -q silences -v too (kmod 30: `-vq` prints nothing).
    if args.quiet > 0 {
        args.verbose = 0;
    }
    let child_options = options_for_children(
        &std::env::var("MODPROBE_OPTIONS").unwrap_or_default(),
        &argv,
    );
    let work = move || {
        let report = Reporter::new("modprobe", args.syslog, args.verbose > 0).quiet(args.quiet > 0);
        let out = Out::new();
        let code = run(&args, &child_options, &out, &report);
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
            eprintln!("modprobe: ERROR: could not start: {e}");
            1
        }
    }
}

/// The stack modprobe's work runs on: room for softdep chains of about 100000 modules.
const PLAN_STACK: usize = 512 << 20;

fn exit_usage(e: clap::Error) -> ! {
    let code = i32::from(e.use_stderr());
    let _ = e.print();
    std::process::exit(code);
}

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
    child_options: &'a str,
}

fn run(args: &Args, child_options: &str, out: &Out, report: &Reporter) -> i32 {
    let release = args.set_version.clone().unwrap_or_else(running_release);
    // The kernel's state (/sys, /proc) and the configuration are the running system's even
    // with -d, which only moves the module directory.
    let ctx = Context::new("/", &release);
    let module_dir = module_dir(args.dirname.as_deref(), &release);
    let mut warn = |m: String| report.error(m);
    let locations = if args.config.is_empty() {
        default_locations(&ctx)
    } else {
        args.config.clone()
    };
    let mut config = match ModprobeConfig::load_locations(Some(&module_dir), &locations, &mut warn)
    {
        Ok(c) => c,
        Err(e) => {
            report.error(e);
            return 1;
        }
    };
    // Like kmod, the running kernel's command line applies even with -C or -d.
    if let Ok(cmdline) = std::fs::read_to_string(ctx.path("/proc/cmdline")) {
        config.parse_cmdline(&cmdline, &mut warn);
    }
    let mp = Modprobe {
        indexes: Indexes::new(module_dir),
        config,
        options: PlanOptions {
            ignore_install: args.ignore_install,
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
        child_options,
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

/// The module directory as kmod spells it: `-d DIR` is made absolute by prefixing the working
/// directory, and `/lib/modules/<release>` is appended as a string, so `-d ./t/` gives
/// `$PWD/./t//lib/modules/<release>` (kmod prints module paths exactly so).
fn module_dir(dirname: Option<&std::path::Path>, release: &str) -> PathBuf {
    let Some(dir) = dirname else {
        return PathBuf::from(format!("/lib/modules/{release}"));
    };
    let mut s = OsString::new();
    if dir.is_relative() {
        if let Ok(cwd) = std::env::current_dir() {
            s.push(cwd);
            s.push("/");
        }
    }
    s.push(dir);
    s.push(format!("/lib/modules/{release}"));
    PathBuf::from(s)
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
            .env("MODPROBE_OPTIONS", self.child_options);
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
                        match insert(&self.ctx, &file, options.trim_end(), force, &mut |_| {}) {
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
            .filter(|_| !args.ignore_remove);
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
            .filter(|_| !self.args.ignore_remove)
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
    for file in ["modules.alias.bin", "modules.symbols.bin"] {
        let Ok(bytes) = std::fs::read(mp.indexes.dir().join(file)) else {
            continue;
        };
        let Ok(index) = common::index::bin::Index::new(&bytes) else {
            continue;
        };
        for (key, values) in index.entries().unwrap_or_default() {
            for v in values {
                writeln!(out, "alias {key} {}", v.value)?;
            }
        }
    }
    Ok(())
}

/// `--show-modversions` / `--show-exports` on module files or names.
fn show_elf(args: &Args, output: &Out, report: &Reporter) -> i32 {
    let mut failed = false;
    for arg in &args.rest {
        let parsed = ModuleFile::open(arg)
            .and_then(|f| f.read_image())
            .map_err(|e| e.to_string())
            .and_then(|img| ModuleElf::parse(&img).map_err(|e| format!("{arg}: {e}")));
        let elf = match parsed {
            Ok(e) => e,
            Err(e) => {
                report.error(e);
                failed = true;
                continue;
            }
        };
        let mut out = output.w.borrow_mut();
        let result = if args.show_modversions {
            elf.versions
                .iter()
                .try_for_each(|v| writeln!(out, "0x{:08x}\t{}", v.crc, v.name))
        } else {
            elf.exports
                .iter()
                .try_for_each(|e| writeln!(out, "0x{:08x}\t{}", e.crc.unwrap_or(0), e.name))
        };
        drop(out);
        if output.keep(result).is_err() {
            return 1;
        }
    }
    i32::from(failed)
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

    #[test]
    fn children_get_config_verbosity_and_syslog_in_order() {
        // Each expectation is what kmod 30 put in MODPROBE_OPTIONS for an install command.
        let o = |inherited: &str, args: &[&str]| options_for_children(inherited, &argv(args));
        assert_eq!(o("", &["-C", "/tmp/c4", "dummy", "a=1"]), "-C /tmp/c4");
        assert_eq!(
            o("", &["-C", "/tmp/c4", "-vq", "dummy"]),
            "-C /tmp/c4 -v -q"
        );
        assert_eq!(
            o(
                "",
                &["-C", "/c", "-d", "/t", "-S", "6.1", "-s", "-v", "-v", "m"]
            ),
            "-C /c -s -v -v"
        );
        assert_eq!(
            o(
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
        assert_eq!(o("-v", &["-v", "-C", "/c", "m"]), "-v -v -C /c");
        assert_eq!(o("", &["-C", "c4", "m"]), "-C c4");
        // Options after the module name are its parameters.
        assert_eq!(o("", &["m", "-v"]), "");
    }

    #[test]
    fn module_dir_is_spelt_like_kmod() {
        let v = "6.1.0-56-amd64";
        assert_eq!(
            module_dir(None, v),
            PathBuf::from("/lib/modules/6.1.0-56-amd64")
        );
        assert_eq!(
            module_dir(Some(std::path::Path::new("/s/6.1/")), v).as_os_str(),
            "/s/6.1//lib/modules/6.1.0-56-amd64"
        );
        let cwd = std::env::current_dir().expect("cwd");
        assert_eq!(
            module_dir(Some(std::path::Path::new("./6.1/")), v).as_os_str(),
            OsString::from(format!("{}/./6.1//lib/modules/{v}", cwd.display())).as_os_str()
        );
    }
}
