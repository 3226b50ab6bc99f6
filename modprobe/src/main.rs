//! `modprobe`: add and remove modules with their dependencies. The lookup and planning are in
//! `common::modprobe`; this file parses arguments, carries the plan out and prints.

use std::collections::HashSet;
use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::Command;

use clap::Parser;
use common::cli::{finish_output, output, Output, Reporter, VERSION_TEXT};
use common::config::modprobe::{default_locations, ModprobeConfig, INDEX_DUMP_HEADER};
use common::context::{running_release, Context};
use common::elf::ModuleElf;
use common::error::errno_text;
use common::file::ModuleFile;
use common::kernel::load::{insert, ForceOptions};
use common::kernel::state::{holders, initstate, refcnt, InitState};
use common::kernel::syscall::delete_module;
use common::modprobe::indexes::Indexes;
use common::modprobe::{Lookup, Modprobe, PlanOptions, Step, Target};
use nix::errno::Errno;

/// Add and remove modules from the Linux kernel.
#[derive(Parser, Debug)]
#[command(name = "modprobe", version = VERSION_TEXT, disable_version_flag = true)]
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
    #[arg(short = 'q', long = "quiet")]
    quiet: bool,
    /// Print what is done.
    #[arg(short = 'v', long = "verbose")]
    verbose: bool,
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
fn argv() -> Vec<OsString> {
    let mut args: Vec<OsString> = std::env::args_os().collect();
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

fn main() {
    let args = match Args::try_parse_from(argv()) {
        Ok(a) => a,
        Err(e) => {
            let code = i32::from(e.use_stderr());
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let report = Reporter::new("modprobe", args.syslog, args.verbose);
    std::process::exit(run(&args, &report));
}

fn run(args: &Args, report: &Reporter) -> i32 {
    let release = args.set_version.clone().unwrap_or_else(running_release);
    let root = args.dirname.clone().unwrap_or_else(|| PathBuf::from("/"));
    // kmod prints module paths absolute even for a relative -d.
    let root = std::path::absolute(&root).unwrap_or(root);
    let ctx = Context::new(&root, &release);
    let system = Context::new("/", &release);
    let mut warn = |m: String| report.error(m);
    let locations = if args.config.is_empty() {
        default_locations(&system)
    } else {
        args.config.clone()
    };
    let mut config =
        match ModprobeConfig::load_locations(Some(&ctx.module_dir()), &locations, &mut warn) {
            Ok(c) => c,
            Err(e) => {
                report.error(e);
                return 1;
            }
        };
    // Like kmod, the running kernel's command line applies even with -C or -d.
    if let Ok(cmdline) = std::fs::read_to_string(system.path("/proc/cmdline")) {
        config.parse_cmdline(&cmdline, &mut warn);
    }
    let mp = Modprobe {
        indexes: Indexes::new(ctx.module_dir()),
        config,
        options: PlanOptions {
            ignore_install: args.ignore_install,
            use_blacklist: args.use_blacklist,
        },
    };
    if args.show_config {
        return finish_output(show_config(&mp), report);
    }
    if args.rest.is_empty() {
        report.error("missing parameters. See -h.");
        return 1;
    }
    if args.show_modversions || args.show_exports {
        return show_elf(args, report);
    }
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
    let mut out = output();
    for name in names {
        let code = if args.remove {
            remove(&ctx, &mp, args, name, report)
        } else {
            load(&ctx, &mp, args, name, &params, &mut out, report)
        };
        failed |= code != 0;
    }
    i32::from(failed).max(finish_output(out.flush(), report))
}

fn not_found(ctx: &Context, args: &Args, name: &str, report: &Reporter) -> i32 {
    if !args.quiet {
        let msg = if args.remove {
            format!("Module {name} not found.")
        } else {
            format!(
                "Module {name} not found in directory {}",
                ctx.module_dir().display()
            )
        };
        // kmod's level: with -a the other names are still tried.
        if args.all {
            report.warning(msg);
        } else {
            report.fatal(msg);
        }
    }
    1
}

fn lookup(mp: &Modprobe, name: &str, report: &Reporter) -> Option<Lookup> {
    match mp.lookup(name) {
        Ok(l) => Some(l),
        Err(e) => {
            report.error(e);
            None
        }
    }
}

fn load(
    ctx: &Context,
    mp: &Modprobe,
    args: &Args,
    name: &str,
    params: &str,
    out: &mut Output,
    report: &Reporter,
) -> i32 {
    let Some(found) = lookup(mp, name, report) else {
        return 1;
    };
    if found.targets.is_empty() {
        return not_found(ctx, args, name, report);
    }
    let mut failed = false;
    for target in &found.targets {
        let module = match target {
            Target::Module(m) | Target::Builtin(m) => m,
        };
        if mp.blacklisted(&found, module) {
            report.info(format_args!("{module} is blacklisted"));
            continue;
        }
        if args.resolve_alias {
            if let Err(e) = writeln!(out, "{module}") {
                return finish_output(Err(e), report);
            }
            continue;
        }
        let mut plan = Vec::new();
        let alias_options = found
            .via_alias
            .then(|| mp.config.options_for(name))
            .flatten()
            .filter(|_| common::name::normalize(name) != *module);
        if let Err(e) = mp.plan_load(
            target,
            params,
            alias_options.as_deref(),
            &mut HashSet::new(),
            &mut plan,
        ) {
            report.error(e);
            return 1;
        }
        if args.show_depends {
            for step in &plan {
                if let Err(e) = writeln!(out, "{}", step.show_line()) {
                    return finish_output(Err(e), report);
                }
            }
            continue;
        }
        failed |= execute(ctx, args, module, &plan, report) != 0;
    }
    i32::from(failed)
}

/// Carries a load plan out: each step unless its module is already in the kernel.
fn execute(ctx: &Context, args: &Args, target: &str, plan: &[Step], report: &Reporter) -> i32 {
    let force = ForceOptions {
        modversions: args.force || args.force_modversion,
        vermagic: args.force || args.force_vermagic,
    };
    for step in plan {
        let module = step.module();
        let builtin = matches!(step, Step::Builtin(_));
        let state = initstate(ctx, module).ok().flatten();
        if builtin || state.is_some() {
            if module == target && args.first_time {
                report.error(format_args!(
                    "could not insert '{module}': Module already in kernel"
                ));
                return 1;
            }
            continue;
        }
        match step {
            Step::Builtin(_) => {}
            Step::Install {
                command, options, ..
            } => {
                let command = command.replace("$CMDLINE_OPTS", options);
                if args.verbose {
                    println!("install {command}");
                }
                if args.dry_run {
                    continue;
                }
                let status = Command::new("/bin/sh")
                    .arg("-c")
                    .arg(&command)
                    .env("MODPROBE_MODULE", module)
                    .status();
                match status {
                    Ok(s) if s.success() => {}
                    Ok(s) => {
                        report.error(format_args!(
                            "Error running install command '{command}' for module {module}: retcode {}",
                            s.code().unwrap_or(-1)
                        ));
                        return 1;
                    }
                    Err(e) => {
                        report.error(format_args!("could not run '{command}': {e}"));
                        return 1;
                    }
                }
            }
            Step::Insmod { path, options, .. } => {
                if args.verbose {
                    println!("insmod {} {options}", path.display());
                }
                if args.dry_run {
                    continue;
                }
                let file = match ModuleFile::open(path) {
                    Ok(f) => f,
                    Err(e) => {
                        report.error(format_args!("could not insert '{module}': {}", e.reason()));
                        return 1;
                    }
                };
                match insert(ctx, &file, options.trim_end(), force, &mut |_| {}) {
                    Ok(_) => {}
                    // Loaded by someone else meanwhile (udev does this at boot): fine.
                    Err(e)
                        if e.errno() == Some(Errno::EEXIST)
                            && !(module == target && args.first_time) => {}
                    Err(e) => {
                        report.error(format_args!("could not insert '{module}': {e}"));
                        return 1;
                    }
                }
            }
        }
    }
    0
}

fn remove(ctx: &Context, mp: &Modprobe, args: &Args, name: &str, report: &Reporter) -> i32 {
    let Some(found) = lookup(mp, name, report) else {
        return 1;
    };
    if found.targets.is_empty() {
        return not_found(ctx, args, name, report);
    }
    let mut failed = false;
    for target in &found.targets {
        let module = match target {
            Target::Builtin(m) => {
                report.fatal(format_args!("Module {m} is builtin."));
                failed = true;
                continue;
            }
            Target::Module(m) => m,
        };
        failed |= remove_module(ctx, mp, args, module, true, report) != 0;
    }
    i32::from(failed)
}

/// Removes `module` (then, when `top`, its dependencies no longer used).
fn remove_module(
    ctx: &Context,
    mp: &Modprobe,
    args: &Args,
    module: &str,
    top: bool,
    report: &Reporter,
) -> i32 {
    if let Some(cmd) = mp
        .config
        .remove_command(module)
        .filter(|_| !args.ignore_remove)
    {
        let options = mp.config.options_for(module).unwrap_or_default();
        let command = cmd.replace("$CMDLINE_OPTS", &options);
        report.info(format_args!("remove {command}"));
        if args.dry_run {
            return 0;
        }
        let ok = Command::new("/bin/sh")
            .arg("-c")
            .arg(&command)
            .env("MODPROBE_MODULE", module)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            report.error(format_args!(
                "Error running remove command '{command}' for module {module}"
            ));
            return 1;
        }
        return 0;
    }
    if args.dry_run {
        if args.verbose {
            println!("rmmod {module}");
        }
        return 0;
    }
    match initstate(ctx, module).ok().flatten() {
        None => {
            if top && (args.first_time || !args.quiet) {
                report.fatal(format_args!("Module {module} is not in kernel."));
                return 1;
            }
            return 0;
        }
        Some(InitState::Builtin) => {
            if top {
                report.fatal(format_args!("Module {module} is builtin."));
                return 1;
            }
            return 0;
        }
        Some(_) => {}
    }
    if top && args.remove_holders {
        for h in holders(ctx, module).unwrap_or_default() {
            if remove_module(ctx, mp, args, &h, true, report) != 0 {
                return 1;
            }
        }
    }
    let in_use = !holders(ctx, module).unwrap_or_default().is_empty()
        || refcnt(ctx, module).unwrap_or(0) > 0;
    if in_use && !args.force {
        if top {
            report.fatal(format_args!("Module {module} is in use."));
            return 1;
        }
        return 0;
    }
    if args.verbose {
        println!("rmmod {module}");
    }
    {
        let deadline =
            std::time::Instant::now() + std::time::Duration::from_millis(args.wait.unwrap_or(0));
        loop {
            match delete_module(module, args.force) {
                Ok(()) => break,
                Err(Errno::EAGAIN | Errno::EBUSY) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => {
                    report.error(format_args!(
                        "could not remove '{module}': {}",
                        errno_text(e)
                    ));
                    return 1;
                }
            }
        }
    }
    if top {
        if let Ok(Some(entry)) = mp.indexes.dep(module) {
            for dep in &entry.deps {
                let dep = common::name::from_path(dep);
                remove_module(ctx, mp, args, &dep, false, report);
            }
        }
    }
    0
}

fn show_config(mp: &Modprobe) -> io::Result<()> {
    let mut out = output();
    mp.config.show_config(&mut out)?;
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
    out.flush()
}

/// `--show-modversions` / `--show-exports` on module files or names.
fn show_elf(args: &Args, report: &Reporter) -> i32 {
    let mut out = output();
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
        let result = if args.show_modversions {
            elf.versions
                .iter()
                .try_for_each(|v| writeln!(out, "0x{:08x}\t{}", v.crc, v.name))
        } else {
            elf.exports
                .iter()
                .try_for_each(|e| writeln!(out, "0x{:08x}\t{}", e.crc.unwrap_or(0), e.name))
        };
        if let Err(e) = result {
            return finish_output(Err(e), report);
        }
    }
    i32::from(failed).max(finish_output(out.flush(), report))
}
