//! modprobe's work: find what a name means (module, alias, symbol, built-in, install command),
//! and plan the loads or removals it takes (the modprobe tool carries them out or prints them).
//!
//! Lookup order, first that yields wins (`docs/kmod-facts.md`, "modprobe"): configuration
//! `alias` lines; `modules.dep.bin` by module name; `modules.symbols.bin` for `symbol:` names;
//! `install`/`remove` commands by exact name; `modules.alias.bin`; `modules.builtin.bin`;
//! `modules.builtin.alias.bin`.

use std::collections::HashSet;
use std::path::PathBuf;

use crate::config::modprobe::ModprobeConfig;
use crate::index::files::SYMBOL_PREFIX;
use crate::name;
use crate::name::alias_key;

use crate::index::lookup::{IndexFileError, Indexes};

/// What a name resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A module (canonical name), to be loaded from its file or by its install command.
    Module(String),
    /// A module compiled into the kernel.
    Builtin(String),
}

/// The result of [`Planner::lookup`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    /// What the name means, best first; empty when nothing matched.
    pub targets: Vec<Target>,
    /// Whether it was reached through an alias (the blacklist applies then).
    pub via_alias: bool,
}

/// One step of a plan, in execution order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Insert a module file with these options.
    Insmod {
        /// Module name.
        name: String,
        /// Its file.
        path: PathBuf,
        /// Options, as kmod joins them (config options, then the command line's).
        options: String,
    },
    /// Run a configured `install` command instead of inserting the module.
    Install {
        /// Module name.
        name: String,
        /// The command, `$CMDLINE_OPTS` not yet substituted.
        command: String,
        /// Options for `$CMDLINE_OPTS`.
        options: String,
    },
    /// The module is built in: nothing to do.
    Builtin(String),
    /// A module with no file, no install command and not built in (a name the indexes don't
    /// know, reached by `kmod_module_new_from_name` or a configured `alias`): planned only with
    /// [`PlanOptions::keep_missing`]. kmod's library reports its insertion, which then fails
    /// with `ENOENT`.
    Missing {
        /// Module name.
        name: String,
        /// Options, joined as for [`Step::Insmod`].
        options: String,
    },
}

impl Step {
    /// The line `--show-depends` prints for this step (kmod's format, trailing space included
    /// when kmod prints one).
    pub fn show_line(&self) -> String {
        match self {
            Step::Insmod { path, options, .. } => format!("insmod {} {options}", path.display()),
            Step::Install {
                command, options, ..
            } => format!("install {command} {options}"),
            Step::Builtin(name) => format!("builtin {name}"),
            Step::Missing { options, .. } => format!("insmod (null) {options}"),
        }
    }

    /// The module this step is about.
    pub fn module(&self) -> &str {
        match self {
            Step::Insmod { name, .. }
            | Step::Install { name, .. }
            | Step::Builtin(name)
            | Step::Missing { name, .. } => name,
        }
    }
}

/// Switches that change planning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// `--ignore-install`: never use `install` commands.
    pub ignore_install: bool,
    /// `-b`: the blacklist applies to names too, not only to aliases.
    pub use_blacklist: bool,
    /// A built-in module is planned like any other (its install command, its softdeps, or an
    /// insertion without a file) instead of as [`Step::Builtin`]: kmod's library with
    /// `KMOD_PROBE_IGNORE_LOADED` (observed with kmod 30 and 34.2).
    pub builtin_as_module: bool,
    /// Plan [`Step::Missing`] for a module without file, install command or built-in entry
    /// (kmod's library); modprobe leaves such a module out.
    pub keep_missing: bool,
}

/// What a name means and what loading or removing it takes, for one module directory and
/// configuration: kmod's lookup order and modprobe's plans.
#[derive(Debug)]
pub struct Planner {
    /// The indexes.
    pub indexes: Indexes,
    /// The configuration (modprobe.d, kernel command line, and the modules' own softdeps).
    pub config: ModprobeConfig,
    /// Planning switches.
    pub options: PlanOptions,
}

// modprobe plans several names at once from threads (`-a`, loaded side by side): a planner is
// shared between threads.
const _: fn() = || {
    fn shared<T: Sync>() {}
    shared::<Planner>();
};

/// Joins configured options and command-line options as kmod does: `config args`, where an
/// empty `config` leaves just `args` (so a config-only line keeps a trailing space).
pub fn join_options(config: Option<&str>, args: &str) -> String {
    match config {
        Some(c) => format!("{c} {args}"),
        None => args.to_string(),
    }
}

impl Planner {
    /// Resolves `query` in kmod's lookup order.
    pub fn lookup(&self, query: &str) -> Result<Lookup, IndexFileError> {
        self.resolve(query, false)
    }

    /// [`Planner::lookup`] as kmod's library does it: an index that can't be read matches
    /// nothing and the lookup goes on (kmod 34.2's library finds a built-in alias behind a
    /// damaged `modules.alias.bin`; its modprobe reports the damage).
    pub fn lookup_lenient(&self, query: &str) -> Lookup {
        self.resolve(query, true).unwrap_or_default()
    }

    fn resolve(&self, query: &str, lenient: bool) -> Result<Lookup, IndexFileError> {
        // An index's answer, or (lenient) nothing when it can't be read.
        let read = |r: Result<Vec<String>, IndexFileError>| match r {
            Err(_) if lenient => Ok(Vec::new()),
            r => r,
        };
        let read_bool = |r: Result<bool, IndexFileError>| match r {
            Err(_) if lenient => Ok(false),
            r => r,
        };
        let key = alias_key(query);
        // 1. Configuration aliases.
        let configured: Vec<Target> = self
            .config
            .alias_modules(&key)
            .into_iter()
            .map(|module| Target::Module(name::normalize(module)))
            .collect();
        if !configured.is_empty() {
            return Ok(Lookup {
                targets: configured,
                via_alias: true,
            });
        }
        let module_name = name::normalize(query);
        // 2. A module by name.
        if !query.contains(':') && read_bool(self.indexes.dep(&module_name).map(|e| e.is_some()))? {
            return Ok(found(Target::Module(module_name), false));
        }
        // 3. Symbols.
        if query.starts_with(SYMBOL_PREFIX) {
            let mods = read(self.indexes.symbol(query))?;
            if !mods.is_empty() {
                return Ok(Lookup {
                    targets: mods.into_iter().map(Target::Module).collect(),
                    via_alias: true,
                });
            }
        }
        // 4. install / remove commands by exact name.
        if self.config.install_command(&module_name).is_some()
            || self.config.remove_command(&module_name).is_some()
        {
            return Ok(found(Target::Module(module_name), false));
        }
        // 5. Module aliases (a query with unbalanced brackets matches nothing, as with kmod).
        if name::checked_alias_key(query).is_some() {
            // Every match, duplicates included: kmod 30 lists a module matched by two
            // identical patterns twice.
            let mods = read(self.indexes.alias(&key))?;
            if !mods.is_empty() {
                return Ok(Lookup {
                    targets: mods.into_iter().map(Target::Module).collect(),
                    via_alias: true,
                });
            }
        }
        // 6. Built-in modules by name, 7. by alias.
        if read_bool(self.indexes.builtin(&module_name))? {
            return Ok(found(Target::Builtin(module_name), false));
        }
        let builtin = read(self.indexes.builtin_alias(&key))?;
        Ok(Lookup {
            targets: builtin.into_iter().map(Target::Builtin).collect(),
            via_alias: true,
        })
    }

    /// Whether a looked-up target is blacklisted for this lookup.
    pub fn blacklisted(&self, lookup: &Lookup, module: &str) -> bool {
        (lookup.via_alias || self.options.use_blacklist) && self.config.is_blacklisted(module)
    }

    /// The steps to load `target` with command-line options `args`, appended to `plan`, in
    /// the order kmod 30 prints them with `--show-depends` (established black-box on Debian's
    /// trees): each dependency in load order, each preceded by its softdep `pre:` modules and
    /// followed by its `post:` ones, then the module itself the same way. A module reached as a
    /// softdep (or as the target) is planned once (`seen`); plain dependencies are listed every
    /// time they are needed, as kmod lists them.
    ///
    /// `alias` is the name the target was reached through: its `options` apply too (see
    /// [`ModprobeConfig::options_via`]). A module with softdeps is inserted even when it has an
    /// `install` command (kmod ignores the command then). `--ignore-install` applies to the
    /// target only: its install command and its softdeps are skipped; dependencies keep theirs.
    pub fn plan_load(
        &self,
        target: &Target,
        args: &str,
        alias: Option<&str>,
        seen: &mut HashSet<String>,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        self.plan_target(self.options, target, args, alias, seen, plan)
    }

    /// [`Planner::plan_load`] of one target with other switches than the planner's, and
    /// optionally from a given file (a module made from a path): what
    /// `kmod_module_probe_insert_module` does for one module, whose flags are per call.
    pub fn plan_load_with(
        &self,
        opts: PlanOptions,
        target: &Target,
        file: Option<PathBuf>,
        args: &str,
        alias: Option<&str>,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        let mut seen = HashSet::new();
        match (target, file) {
            (Target::Module(name), Some(file)) => {
                self.plan_module(opts, name, Some(file), args, alias, &mut seen, plan)
            }
            (target, _) => self.plan_target(opts, target, args, alias, &mut seen, plan),
        }
    }

    fn plan_target(
        &self,
        opts: PlanOptions,
        target: &Target,
        args: &str,
        alias: Option<&str>,
        seen: &mut HashSet<String>,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        let name = match target {
            Target::Builtin(name) if !opts.builtin_as_module => {
                if seen.insert(name.clone()) {
                    plan.push(Step::Builtin(name.clone()));
                }
                return Ok(());
            }
            Target::Builtin(name) | Target::Module(name) => name,
        };
        self.plan_module(opts, name, None, args, alias, seen, plan)
    }

    /// `modprobe ./path/to/module.ko` (kmod 34.2): the module `name` (the file's name, see
    /// [`crate::name::from_path`]) loaded from `file` instead of its `modules.dep` path, with
    /// everything else as for that name: its dependencies from the indexes, its options, softdeps
    /// and install command from the configuration. A file the indexes don't know has no
    /// dependencies.
    pub fn plan_load_file(
        &self,
        name: &str,
        file: PathBuf,
        args: &str,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        self.plan_module(
            self.options,
            name,
            Some(file),
            args,
            None,
            &mut HashSet::new(),
            plan,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn plan_module(
        &self,
        opts: PlanOptions,
        name: &str,
        file: Option<PathBuf>,
        args: &str,
        alias: Option<&str>,
        seen: &mut HashSet<String>,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        if !seen.insert(name.to_string()) {
            return Ok(());
        }
        let entry = self.indexes.dep(name)?;
        if let Some(entry) = &entry {
            for dep in entry.deps.iter().rev() {
                let dep_name = name::from_path(dep);
                let one = One {
                    name: &dep_name,
                    path: Some(dep.clone()),
                    args: "",
                    alias: None,
                    ignore_install: false,
                };
                self.plan_one(opts, one, seen, plan)?;
            }
        }
        let one = One {
            name,
            path: file.or(entry.map(|e| e.path)),
            args,
            alias,
            ignore_install: opts.ignore_install,
        };
        self.plan_one(opts, one, seen, plan)
    }

    /// One module with its softdeps around it.
    fn plan_one(
        &self,
        opts: PlanOptions,
        one: One<'_>,
        seen: &mut HashSet<String>,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        let One {
            name,
            path,
            args,
            alias,
            ignore_install,
        } = one;
        let softdep = self
            .config
            .softdep_for(name)
            .filter(|_| !ignore_install)
            .cloned();
        if let Some(sd) = &softdep {
            self.plan_softdeps(opts, &sd.pre, seen, plan)?;
        }
        let configured = self.config.options_via(name, alias);
        let options = join_options(configured.as_deref(), args);
        let has_softdeps = softdep
            .as_ref()
            .is_some_and(|sd| !sd.pre.is_empty() || !sd.post.is_empty());
        match (self.config.install_command(name), path) {
            (Some(cmd), _) if !ignore_install && !has_softdeps => plan.push(Step::Install {
                name: name.to_string(),
                command: cmd.to_string(),
                options,
            }),
            (_, Some(path)) => plan.push(Step::Insmod {
                name: name.to_string(),
                path,
                options,
            }),
            (_, None) => {
                if !opts.builtin_as_module && self.indexes.builtin(name)? {
                    plan.push(Step::Builtin(name.to_string()));
                } else if opts.keep_missing {
                    plan.push(Step::Missing {
                        name: name.to_string(),
                        options,
                    });
                }
            }
        }
        if let Some(sd) = &softdep {
            self.plan_softdeps(opts, &sd.post, seen, plan)?;
        }
        Ok(())
    }

    /// The softdep modules `names`, each looked up; one reached through an alias gets that
    /// alias's options too (kmod 30 and 34.2: `softdep m post: A` with `alias A vfat` and
    /// `options A x=1` loads vfat with `x=1`).
    fn plan_softdeps(
        &self,
        opts: PlanOptions,
        names: &[String],
        seen: &mut HashSet<String>,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        for dep in names {
            let found = self.lookup(dep)?;
            let alias = found.via_alias.then_some(dep.as_str());
            for t in found.targets {
                self.plan_target(opts, &t, "", alias, seen, plan)?;
            }
        }
        Ok(())
    }
}

/// What `modprobe -r` tries around one module, each list in the order to try it (kmod 30's,
/// observed on a real kernel: every list walked backwards).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removal {
    /// The module's softdep `post:` modules, tried before it.
    pub post: Vec<String>,
    /// Its dependencies (`modules.dep`), tried after it: those still in use stay.
    pub deps: Vec<String>,
    /// Its softdep `pre:` modules, tried last.
    pub pre: Vec<String>,
}

impl Planner {
    /// The modules `modprobe -r module` tries besides `module` itself (see [`Removal`]).
    pub fn removal(&self, module: &str) -> Result<Removal, IndexFileError> {
        let mut r = Removal::default();
        if let Some(entry) = self.indexes.dep(module)? {
            r.deps = entry
                .deps
                .iter()
                .rev()
                .map(|d| name::from_path(d))
                .collect();
        }
        if let Some(sd) = self.config.softdep_for(module) {
            r.post = self.resolve_all(&sd.post)?;
            r.pre = self.resolve_all(&sd.pre)?;
        }
        Ok(r)
    }

    /// The modules `names` resolve to, in reverse order.
    fn resolve_all(&self, names: &[String]) -> Result<Vec<String>, IndexFileError> {
        let mut out = Vec::new();
        for n in names.iter().rev() {
            for t in self.lookup(n)?.targets.into_iter().rev() {
                if let Target::Module(m) = t {
                    out.push(m);
                }
            }
        }
        Ok(out)
    }
}

/// One module to plan, see [`Planner::plan_load`].
struct One<'a> {
    name: &'a str,
    path: Option<PathBuf>,
    args: &'a str,
    alias: Option<&'a str>,
    ignore_install: bool,
}

fn found(t: Target, via_alias: bool) -> Lookup {
    Lookup {
        targets: vec![t],
        via_alias,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_join_like_kmod() {
        // Observed from kmod 30's --show-depends: config options alone keep a trailing space,
        // command-line options alone don't, both are joined by one space.
        assert_eq!(join_options(None, ""), "");
        assert_eq!(join_options(Some("foo=1"), ""), "foo=1 ");
        assert_eq!(join_options(None, "x=1"), "x=1");
        assert_eq!(join_options(Some("foo=1"), "x=1"), "foo=1 x=1");
    }

    #[test]
    fn show_lines_like_kmod() {
        let insmod = Step::Insmod {
            name: "loop".into(),
            path: PathBuf::from("/lib/modules/v/kernel/drivers/block/loop.ko"),
            options: String::new(),
        };
        assert_eq!(
            insmod.show_line(),
            "insmod /lib/modules/v/kernel/drivers/block/loop.ko "
        );
        let install = Step::Install {
            name: "m".into(),
            command: "/bin/echo hi $CMDLINE_OPTS".into(),
            options: "x=1".into(),
        };
        assert_eq!(
            install.show_line(),
            "install /bin/echo hi $CMDLINE_OPTS x=1"
        );
        assert_eq!(Step::Builtin("unix".into()).show_line(), "builtin unix");
    }

    /// kmod 34.2 (Debian 13, `--show-depends ./vfat.ko.xz` with `options vfat utf8=1`,
    /// `options fat fatopt=2`, `softdep vfat pre: dummy post: psnap` on Debian's 6.1 tree): the
    /// file's module keeps its dependencies, options and softdeps from the indexes and the
    /// configuration; only its own path is the file's.
    #[test]
    fn a_file_keeps_the_indexed_modules_dependencies() {
        use crate::index::bin::IndexBuilder;
        use crate::report::Discard;
        let dir = std::env::temp_dir().join(format!("planner-file-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let mut deps = IndexBuilder::new();
        deps.insert("vfat", "kernel/vfat.ko: kernel/fat.ko", 0);
        deps.insert("fat", "kernel/fat.ko:", 1);
        deps.insert("dummy", "kernel/dummy.ko:", 2);
        std::fs::write(dir.join("modules.dep.bin"), deps.to_bytes().expect("index"))
            .expect("write");
        let mut config = ModprobeConfig::default();
        config.parse_into(
            "options vfat utf8=1\noptions fat fatopt=2\nsoftdep vfat pre: dummy\n",
            std::path::Path::new("t.conf"),
            &Discard,
        );
        let planner = Planner {
            indexes: Indexes::new(&dir),
            config,
            options: PlanOptions::default(),
        };
        let mut plan = Vec::new();
        planner
            .plan_load_file("vfat", PathBuf::from("/w/./vfat.ko.xz"), "x=1", &mut plan)
            .expect("plan");
        let lines: Vec<String> = plan.iter().map(Step::show_line).collect();
        assert_eq!(
            lines,
            [
                format!("insmod {}/kernel/fat.ko fatopt=2 ", dir.display()),
                format!("insmod {}/kernel/dummy.ko ", dir.display()),
                "insmod /w/./vfat.ko.xz utf8=1 x=1".to_string(),
            ]
        );
        // A file the indexes don't know: no dependencies.
        let mut plan = Vec::new();
        planner
            .plan_load_file(
                "vfat_copy",
                PathBuf::from("/w/./vfat-copy.ko"),
                "",
                &mut plan,
            )
            .expect("plan");
        let lines: Vec<String> = plan.iter().map(Step::show_line).collect();
        assert_eq!(lines, ["insmod /w/./vfat-copy.ko "]);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }

    /// kmod 30 and 34.2's library (tests/diff/libkmod-probe.sh): a softdep reached through a
    /// configured alias gets that alias's options; with `builtin_as_module` a built-in module
    /// is planned like a module (its install command); with `keep_missing` a name without file
    /// is a [`Step::Missing`] (modprobe's switches leave both out).
    #[test]
    fn library_switches_and_softdeps_through_aliases() {
        use crate::index::bin::IndexBuilder;
        use crate::report::Discard;
        let dir = std::env::temp_dir().join(format!("planner-lib-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        let mut deps = IndexBuilder::new();
        deps.insert("isofs", "kernel/isofs.ko: kernel/cdrom.ko", 0);
        deps.insert("cdrom", "kernel/cdrom.ko:", 1);
        deps.insert("vfat", "kernel/vfat.ko:", 2);
        std::fs::write(dir.join("modules.dep.bin"), deps.to_bytes().expect("index"))
            .expect("write");
        let mut builtin = IndexBuilder::new();
        builtin.insert("unix", "", 0);
        std::fs::write(
            dir.join("modules.builtin.bin"),
            builtin.to_bytes().expect("index"),
        )
        .expect("write");
        let mut config = ModprobeConfig::default();
        config.parse_into(
            "alias myalias vfat\noptions vfat utf8=1\noptions myalias via=1\n\
             softdep isofs post: myalias\ninstall unix /bin/echo unix\n",
            std::path::Path::new("t.conf"),
            &Discard,
        );
        let planner = Planner {
            indexes: Indexes::new(&dir),
            config,
            options: PlanOptions::default(),
        };
        let lines = |opts: PlanOptions, target: Target| {
            let mut plan = Vec::new();
            planner
                .plan_load_with(opts, &target, None, "", None, &mut plan)
                .expect("plan");
            plan.iter().map(Step::show_line).collect::<Vec<_>>()
        };
        let d = dir.display();
        assert_eq!(
            lines(PlanOptions::default(), Target::Module("isofs".into())),
            [
                format!("insmod {d}/kernel/cdrom.ko "),
                format!("insmod {d}/kernel/isofs.ko "),
                format!("insmod {d}/kernel/vfat.ko utf8=1 via=1 "),
            ]
        );
        let unix = Target::Builtin("unix".into());
        assert_eq!(
            lines(PlanOptions::default(), unix.clone()),
            ["builtin unix"]
        );
        let lib = PlanOptions {
            builtin_as_module: true,
            keep_missing: true,
            ..PlanOptions::default()
        };
        assert_eq!(lines(lib, unix.clone()), ["install /bin/echo unix "]);
        let ignore = PlanOptions {
            ignore_install: true,
            ..lib
        };
        assert_eq!(lines(ignore, unix), ["insmod (null) "]);
        let missing = Target::Module("nosuch".into());
        assert!(lines(PlanOptions::default(), missing.clone()).is_empty());
        assert_eq!(lines(lib, missing), ["insmod (null) "]);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
