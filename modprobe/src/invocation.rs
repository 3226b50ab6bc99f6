//! Carrying out what a modprobe run asks for: loading a module with what it needs, removing one
//! with what it leaves unused, as kmod 30 does (the lookup and the plans are
//! `common::modprobe`'s).

use std::collections::HashSet;
use std::io;
use std::process::Command;
use std::time::{Duration, Instant};

use common::command_chain::{CommandChain, CommandKind};
use common::config::modprobe::EntryKind;
use common::context::Context;
use common::error::errno_text;
use common::file::ModuleFile;
use common::kernel::load::{insert, ForceOptions, LoadError, LoadOptions, Trace};
use common::kernel::state::{holders, initstate, refcnt, InitState};
use common::kernel::syscall::delete_module;
use common::modprobe::{Lookup, Observer, Planner, Step, Target, Unobserved};
use common::name;
use common::report::{Report, ReportExt};
use nix::errno::Errno;

use crate::args::Args;
use crate::explain::{Explained, NameReport, Recorder, Removal, RemovalStep};
use crate::output::Lines;
use crate::parallel::Turn;

/// One modprobe run, for the loads and removals it carries out: the running system's context,
/// the planner (indexes and configuration), the command line, and where output and messages go.
pub(crate) struct Invocation<'a> {
    pub(crate) ctx: &'a Context,
    pub(crate) planner: &'a Planner,
    pub(crate) args: &'a Args,
    pub(crate) out: &'a dyn Lines,
    pub(crate) report: &'a dyn Report,
    /// When names load side by side (`-a`, [`crate::parallel`]): this name's turn at each
    /// module, after the names before it.
    pub(crate) turn: Option<Turn<'a>>,
    /// `--explain`: what each name would do, printed at the end.
    pub(crate) explained: std::cell::RefCell<Vec<NameReport>>,
    /// `--show-depends --json`: the steps, printed at the end.
    pub(crate) steps: std::cell::RefCell<Vec<serde_json::Value>>,
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
pub(crate) enum Presence {
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

impl Presence {
    /// Its name in `--explain`'s output.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Presence::Absent => "absent",
            Presence::Builtin => "builtin",
            Presence::Loaded => "loaded",
            Presence::Unlisted => "unlisted",
        }
    }
}

impl Invocation<'_> {
    fn presence(&self, module: &str) -> Presence {
        match initstate(self.ctx, module).ok().flatten() {
            None => Presence::Absent,
            Some(InitState::Builtin) if self.planner.indexes.builtin(module).unwrap_or(false) => {
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
                self.planner.indexes.dir().display()
            )
        };
        // kmod's level: with -a the other names are still tried.
        if self.args.all {
            self.report.warning(msg);
        } else {
            self.report.fatal(msg);
        }
        // -q prints no hint: don't read modules.dep and walk the tree for one (systemd's
        // `modprobe -abq` meets unknown names at every boot).
        if !self.args.quiet {
            for hint in common::hints::not_found(self.ctx, name) {
                self.report.hint(hint);
            }
        }
        1
    }

    /// What `name` resolves to; when nothing (or an index can't be read), the reason is
    /// reported and the exit code returned.
    fn lookup(&self, name: &str, obs: &dyn Observer) -> Result<Lookup, i32> {
        match self.planner.lookup_observed(name, obs) {
            Ok(l) if l.targets.is_empty() => Err(self.not_found(name)),
            Ok(l) => Ok(l),
            Err(e) => {
                self.report.error(e);
                Err(1)
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

    /// `modprobe NAME PARAMS` (or, with `--explain`, what it would do).
    pub(crate) fn load(&self, name: &str, params: &str) -> i32 {
        self.explaining(name, params, |rec, report| {
            if is_file_argument(name) {
                self.load_file(name, params, rec, report)
            } else {
                self.load_name(name, params, rec, report)
            }
        })
    }

    /// Runs `f` with a recorder and a report for `name` under `--explain` (then keeps the
    /// report), without otherwise.
    fn explaining(
        &self,
        name: &str,
        params: &str,
        f: impl FnOnce(Option<&Recorder<'_>>, Option<&mut NameReport>) -> i32,
    ) -> i32 {
        if !self.args.explain {
            return f(None, None);
        }
        let rec = Recorder::new(self.planner);
        let mut report = NameReport {
            name: name.to_string(),
            params: params.to_string(),
            file: None,
            resolution: None,
            targets: Vec::new(),
            error: None,
        };
        let code = f(Some(&rec), Some(&mut report));
        if report.resolution.is_none() {
            report.resolution = rec.take_lookups().into_iter().next();
        }
        self.explained.borrow_mut().push(report);
        code
    }

    fn load_name(
        &self,
        name: &str,
        params: &str,
        rec: Option<&Recorder<'_>>,
        mut report: Option<&mut NameReport>,
    ) -> i32 {
        let obs: &dyn Observer = match rec {
            Some(r) => r,
            None => &Unobserved,
        };
        let found = match self.lookup(name, obs) {
            Ok(found) => found,
            Err(code) => {
                if let Some(report) = report {
                    report.error = Some(not_found_reason(rec));
                }
                return code;
            }
        };
        if let (Some(rec), Some(report)) = (rec, report.as_deref_mut()) {
            report.resolution = rec.take_lookups().into_iter().next();
        }
        let mut failed = false;
        for (i, target) in found.targets.iter().enumerate() {
            let module = match target {
                Target::Module(m) | Target::Builtin(m) => m,
            };
            // -R lists what the name resolves to, blacklisted modules included (as kmod).
            if self.args.resolve_alias && !self.args.explain {
                if self.out.line(module).is_err() {
                    return 1;
                }
                continue;
            }
            let blacklisted = self.planner.blacklist_entry(&found, module);
            let explained = rec.map(|rec| Explained {
                module: module.clone(),
                builtin: matches!(target, Target::Builtin(_)),
                blacklisted: blacklisted.map(|i| rec.entry(EntryKind::Blacklist, i)),
                blacklist_ignored: match blacklisted {
                    Some(_) => None,
                    None => self
                        .planner
                        .config
                        .blacklist_entry(module)
                        .map(|i| rec.entry(EntryKind::Blacklist, i)),
                },
                plan: Vec::new(),
                softdep_lookups: Vec::new(),
                removal: None,
            });
            if blacklisted.is_some() {
                if rec.is_none() {
                    self.report
                        .info(format_args!("skipping {module}: blacklisted"));
                }
                if let (Some(e), Some(report)) = (explained, report.as_deref_mut()) {
                    report.targets.push(e);
                }
                continue;
            }
            let mut plan = Vec::new();
            let alias = found.alias_for(i, name);
            if let Err(e) = self.planner.plan_load_observed(
                target,
                params,
                alias,
                obs,
                &mut HashSet::new(),
                &mut plan,
            ) {
                self.report.error(e);
                return 1;
            }
            if let (Some(rec), Some(mut e), Some(report)) = (rec, explained, report.as_deref_mut())
            {
                e.plan = self.judged(rec.take_planned());
                e.softdep_lookups = rec.take_lookups();
                report.targets.push(e);
                continue;
            }
            let rc = self.show_or_execute(module, &plan);
            if rc != 0 && self.args.show_depends {
                return rc; // stdout is gone
            }
            failed |= rc != 0;
        }
        i32::from(failed)
    }

    /// `modprobe ./path/to/module.ko` or `modprobe /abs/module.ko` (kmod 34.2, observed in
    /// Debian 13 with `-n -v`, `--show-depends` and `-R`): the file must exist (anything `stat`
    /// accepts: its contents are the kernel's to judge) and have a name after its last `/`;
    /// else `Failed to get module from path ARG: <strerror>` (ENOENT for a missing name), FATAL,
    /// or WARNING with `-a`. The module is the file name's (up to its first `.`, `-` as `_`),
    /// printed and loaded from the working directory joined with ARG as written
    /// (`/cwd/./vfat.ko`), with that name's dependencies, options, softdeps and install
    /// command. Only `-b` blacklists it (a name given directly). kmod 30 looks the argument up
    /// as a module name (compatibility row `modprobe-path`).
    fn load_file(
        &self,
        arg: &str,
        params: &str,
        rec: Option<&Recorder<'_>>,
        report: Option<&mut NameReport>,
    ) -> i32 {
        let base = arg.rsplit('/').next().unwrap_or_default();
        let errno = match std::fs::metadata(arg) {
            Err(e) => Some(e.raw_os_error().map_or(Errno::ENOENT, Errno::from_raw)),
            Ok(_) if base.is_empty() => Some(Errno::ENOENT),
            Ok(_) => None,
        };
        if let Some(errno) = errno {
            let msg = format!(
                "Failed to get module from path {arg}: {}",
                errno_text(errno)
            );
            if self.args.all {
                self.report.warning(msg);
            } else {
                self.report.fatal(msg);
            }
            return 1;
        }
        let module = name::from_arg(base);
        if self.args.resolve_alias && !self.args.explain {
            return i32::from(self.out.line(&module).is_err());
        }
        let blacklist = self.planner.config.blacklist_entry(&module);
        let blacklisted = blacklist.filter(|_| self.args.use_blacklist);
        let path = std::path::PathBuf::from(common::context::absolute(std::ffi::OsStr::new(arg)));
        let explained = rec.map(|rec| Explained {
            module: module.clone(),
            builtin: false,
            blacklisted: blacklisted.map(|i| rec.entry(EntryKind::Blacklist, i)),
            blacklist_ignored: blacklist
                .filter(|_| blacklisted.is_none())
                .map(|i| rec.entry(EntryKind::Blacklist, i)),
            plan: Vec::new(),
            softdep_lookups: Vec::new(),
            removal: None,
        });
        let mut report = report;
        if let Some(report) = report.as_deref_mut() {
            report.file = Some(path.to_string_lossy().into_owned());
        }
        if blacklisted.is_some() {
            if rec.is_none() {
                self.report
                    .info(format_args!("skipping {module}: blacklisted"));
            }
            if let (Some(e), Some(report)) = (explained, report) {
                report.targets.push(e);
            }
            return 0;
        }
        let obs: &dyn Observer = match rec {
            Some(r) => r,
            None => &Unobserved,
        };
        let mut plan = Vec::new();
        if let Err(e) = self
            .planner
            .plan_load_file_observed(&module, path, params, obs, &mut plan)
        {
            self.report.error(e);
            return 1;
        }
        if let (Some(rec), Some(mut e), Some(report)) = (rec, explained, report) {
            e.plan = self.judged(rec.take_planned());
            e.softdep_lookups = rec.take_lookups();
            report.targets.push(e);
            return 0;
        }
        self.show_or_execute(&module, &plan)
    }

    /// The planned modules with their state in the running kernel and what
    /// [`Invocation::execute`] would do with each, by the same tests.
    fn judged(&self, mut planned: Vec<crate::explain::Planned>) -> Vec<crate::explain::Planned> {
        for p in &mut planned {
            let presence = self.presence(&p.module);
            p.state = presence.name();
            p.action = match (p.step, presence) {
                ("builtin", _) | (_, Presence::Builtin) => "skip-builtin",
                (_, Presence::Loaded) => "skip-loaded",
                ("insmod", _) => "load",
                ("install", _) => "run-install",
                _ => "nothing",
            };
        }
        planned
    }

    /// `--show-depends` prints the plan's lines (1 if stdout is gone); otherwise the plan is
    /// carried out.
    fn show_or_execute(&self, target: &str, plan: &[Step]) -> i32 {
        if !self.args.show_depends {
            return self.execute(target, plan);
        }
        if self.args.json {
            let mut steps = self.steps.borrow_mut();
            steps.extend(plan.iter().map(|s| crate::json::step(target, s)));
            return 0;
        }
        let printed = plan
            .iter()
            .try_for_each(|step| self.out.line(&step.show_line()));
        i32::from(printed.is_err())
    }

    /// Carries a load plan out: each step unless its module is already in the kernel.
    fn execute(&self, target: &str, plan: &[Step]) -> i32 {
        let args = self.args;
        // Of the load path's messages, only a fallback to user-space decompression is said
        // (under -v): kmod's -v lines are the rest.
        let opts = LoadOptions {
            force: ForceOptions {
                modversions: args.force || args.force_modversion,
                vermagic: args.force || args.force_vermagic,
            },
            trace: Trace::FallbackOnly,
        };
        let needed: HashSet<String> = match self.planner.indexes.dep(target) {
            Ok(Some(entry)) => entry.deps.iter().map(|d| name::from_path(d)).collect(),
            _ => HashSet::new(),
        };
        // Modules this plan loaded: one reached twice (by its name and through an alias, see
        // common::modprobe::Seen) is loaded once, and --first-time doesn't fail on the target
        // for the load it made itself.
        let mut loaded_here: HashSet<&str> = HashSet::new();
        for step in plan {
            let module = step.module();
            // The names before this one are done with the module (as if they had run first).
            let _turn = self.turn.as_ref().map(|t| t.wait(module));
            let builtin = matches!(step, Step::Builtin(_));
            let presence = if builtin {
                Presence::Builtin
            } else {
                self.presence(module)
            };
            if matches!(presence, Presence::Builtin | Presence::Loaded) {
                let why = match presence {
                    Presence::Builtin => "built into the kernel",
                    _ => "already loaded",
                };
                self.report.info(format_args!("skipping {module}: {why}"));
                if module == target && args.first_time && !loaded_here.contains(module) {
                    self.report.error(format_args!(
                        "could not insert '{module}': Module already in kernel"
                    ));
                    return 1;
                }
                continue;
            }
            if args.verbose > 0 {
                let _ = self.out.line(&step.show_line());
            }
            if args.dry_run {
                continue;
            }
            let failure = match step {
                // Not planned for modprobe (PlanOptions::keep_missing is off).
                Step::Builtin(_) | Step::Missing { .. } => None,
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
                        match insert(self.ctx, &file, options.trim_end(), opts, self.report) {
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
            if failure.is_none() {
                loaded_here.insert(module);
            }
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

    pub(crate) fn remove(&self, name: &str) -> i32 {
        if self.args.explain {
            return self.explaining(name, "", |rec, report| {
                let (Some(rec), Some(report)) = (rec, report) else {
                    return 1;
                };
                self.explain_remove(name, rec, report)
            });
        }
        let found = match self.lookup(name, &Unobserved) {
            Ok(found) => found,
            Err(code) => return code,
        };
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

    /// `modprobe -r --explain`: what [`Invocation::remove`] would do with each module `name`
    /// resolves to, by the same tests.
    fn explain_remove(&self, name: &str, rec: &Recorder<'_>, report: &mut NameReport) -> i32 {
        let found = match self.lookup(name, rec) {
            Ok(found) => found,
            Err(code) => {
                report.error = Some(not_found_reason(Some(rec)));
                return code;
            }
        };
        report.resolution = rec.take_lookups().into_iter().next();
        let args = self.args;
        let command = |m: &str| {
            self.planner
                .config
                .remove_entry(m)
                .filter(|_| !args.ignore_commands)
        };
        for target in &found.targets {
            let (module, builtin) = match target {
                Target::Builtin(m) => (m, true),
                Target::Module(m) => (m, false),
            };
            let cmd = command(module).filter(|_| !builtin);
            let presence = self.presence(module);
            let holders = holders(self.ctx, module).unwrap_or_default();
            let refcnt = refcnt(self.ctx, module).ok();
            let action = match (builtin, cmd, presence) {
                (true, _, _) => "builtin",
                (_, Some(_), _) => "run-remove",
                (_, None, Presence::Absent) => "not-loaded",
                (_, None, Presence::Builtin) => "builtin",
                _ if self.in_use(module) && !args.force && !args.remove_holders => "in-use",
                _ => "remove",
            };
            let mut then = Vec::new();
            if matches!(action, "remove" | "run-remove") {
                let removal = match self.planner.removal(module) {
                    Ok(r) => r,
                    Err(e) => {
                        self.report.error(e);
                        return 1;
                    }
                };
                let lists = [
                    ("softdep-post", &removal.post),
                    ("dependency", &removal.deps),
                    ("softdep-pre", &removal.pre),
                ];
                for (reason, list) in lists {
                    for m in list {
                        let cmd = command(m);
                        let presence = self.presence(m);
                        let action = match (cmd, presence) {
                            (Some(_), _) => "run-remove",
                            (None, Presence::Absent | Presence::Builtin) => "not-loaded",
                            _ if self.in_use(m) => "in-use",
                            _ => "remove",
                        };
                        then.push(RemovalStep {
                            module: m.clone(),
                            reason,
                            state: presence.name(),
                            action,
                            command: cmd.map(|i| rec.entry(EntryKind::Remove, i)),
                        });
                    }
                }
            }
            report.targets.push(Explained {
                module: module.clone(),
                builtin,
                blacklisted: None,
                blacklist_ignored: None,
                plan: Vec::new(),
                softdep_lookups: Vec::new(),
                removal: Some(Removal {
                    command: cmd.map(|i| rec.entry(EntryKind::Remove, i)),
                    state: presence.name(),
                    holders,
                    refcnt,
                    action,
                    then,
                }),
            });
        }
        0
    }

    /// `modprobe -r` of one module, as kmod 30 does it (observed on a real kernel): its softdep
    /// `post:` modules, the module, its dependencies, its `pre:` modules, each list walked
    /// backwards; the others are removed only when nothing uses them, silently otherwise.
    fn remove_module(&self, module: &str) -> i32 {
        let args = self.args;
        let command = self
            .planner
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
            for h in holders(self.ctx, module).unwrap_or_default() {
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
        let removal = match self.planner.removal(module) {
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
        !holders(self.ctx, module).unwrap_or_default().is_empty()
            || refcnt(self.ctx, module).unwrap_or(0) > 0
    }

    /// A dependency or softdep of a removed module: removed when loaded and unused.
    fn remove_unused(&self, module: &str) {
        if let Some(cmd) = self
            .planner
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
            let _ = self.out.line(&format_args!("remove {command}"));
        }
        if self.args.dry_run {
            return true;
        }
        let options = self.planner.config.options_for(module).unwrap_or_default();
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
            let _ = self.out.line(&format_args!("rmmod {module}"));
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

/// Why `--explain` has nothing to say about a name: it resolved to nothing, or (no lookup
/// finished) an index could not be read.
fn not_found_reason(rec: Option<&Recorder<'_>>) -> String {
    if rec.is_some_and(|r| r.looked_up()) {
        "nothing matches this name (as --show-depends reports)".into()
    } else {
        "an index could not be read (as reported)".into()
    }
}

/// Whether a load argument names a file rather than a module (kmod 34.2: it starts with `/` or
/// `./`; `../x.ko` and `x.ko` are names).
pub(crate) fn is_file_argument(arg: &str) -> bool {
    arg.starts_with('/') || arg.starts_with("./")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_arguments_as_kmod_34_tells_them() {
        // kmod 34.2 (Debian 13): `./x.ko` and `/abs/x.ko` are files, `../x.ko`, `x.ko` and
        // `sub/x.ko` module names ("Module ../x.ko not found in directory ...").
        for arg in ["./vfat.ko", "/lib/modules/v/vfat.ko", ".//x", "/", "./"] {
            assert!(is_file_argument(arg), "{arg}");
        }
        for arg in ["../vfat.ko", "vfat.ko", "sub/vfat.ko", "vfat", ".vfat"] {
            assert!(!is_file_argument(arg), "{arg}");
        }
    }
}
