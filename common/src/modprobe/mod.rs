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

/// The modules a plan has reached as softdeps or as its target, each planned once: a module by
/// the name it was reached through, as kmod 30 and 34.2 tell them apart. The same module
/// reached by its name and through an alias (`softdep dummy pre: rtnl-link-dummy`), or through
/// two aliases, counts as two and is listed twice by `--show-depends` and `-n -v`; two
/// spellings of one alias (`-` or `_`) count as one.
pub type Seen = HashSet<(String, Option<String>)>;

/// The key of `module` reached through `alias` (or by its name) in [`Seen`].
fn seen_key(module: &str, alias: Option<&str>) -> (String, Option<String>) {
    (module.to_string(), alias.map(alias_key))
}

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
    /// For targets found by configuration `alias` lines: the alias of each as written
    /// (normalised), one per target; empty otherwise.
    pub written: Vec<String>,
}

impl Lookup {
    /// The alias whose `options` apply to target `i` of a lookup of `query`: a configuration
    /// alias as written (`alias foo* loop` takes `options foo* ...`, not the options of the
    /// name `foo-bar` that matched it: kmod 30, observed), else the query when it was reached
    /// through an alias (an index alias or a symbol); `None` for a module found by its name.
    pub fn alias_for<'a>(&'a self, i: usize, query: &'a str) -> Option<&'a str> {
        if !self.via_alias {
            return None;
        }
        Some(self.written.get(i).map_or(query, String::as_str))
    }
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

/// Where a lookup found its answer, in [`Planner::lookup`]'s order (for `modprobe --explain`,
/// through an [`Observer`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `alias` lines of the configuration: their positions in
    /// [`ModprobeConfig::aliases`](crate::config::modprobe::ModprobeConfig::aliases).
    ConfigAlias(Vec<usize>),
    /// A module name in `modules.dep.bin`.
    ModuleName,
    /// A `symbol:` name in `modules.symbols.bin`.
    Symbol,
    /// An `install` or `remove` line for the name itself.
    Command,
    /// `modules.alias.bin`.
    IndexAlias,
    /// `modules.builtin.bin`.
    Builtin,
    /// `modules.builtin.alias.bin`.
    BuiltinAlias,
    /// Nothing matched.
    Nothing,
}

impl Source {
    /// The index file the answer came from, if it came from one.
    pub fn index_file(&self) -> Option<&'static str> {
        use crate::index::files as f;
        match self {
            Source::ModuleName => Some(f::MODULES_DEP_BIN),
            Source::Symbol => Some(f::MODULES_SYMBOLS_BIN),
            Source::IndexAlias => Some(f::MODULES_ALIAS_BIN),
            Source::Builtin => Some(f::MODULES_BUILTIN_BIN),
            Source::BuiltinAlias => Some(f::MODULES_BUILTIN_ALIAS_BIN),
            Source::ConfigAlias(_) | Source::Command | Source::Nothing => None,
        }
    }
}

/// Why a module is in a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason<'a> {
    /// It is what was asked for.
    Target,
    /// `modules.dep` lists it as a dependency of this module.
    Dependency(&'a str),
    /// A `softdep` line of this module lists it after `pre:`.
    SoftdepPre(&'a str),
    /// A `softdep` line of this module lists it after `post:`.
    SoftdepPost(&'a str),
}

/// What the planner decided for one module, as it decided it (see [`Observer::planned`]).
#[derive(Debug, Clone, Copy)]
pub struct Decision<'a> {
    /// The module.
    pub module: &'a str,
    /// Why it is planned.
    pub reason: Reason<'a>,
    /// The name it was reached through, whose `options` apply too.
    pub alias: Option<&'a str>,
    /// The configuration's `options` entries used, positions in
    /// [`ModprobeConfig::options`](crate::config::modprobe::ModprobeConfig::options).
    pub options: &'a [usize],
    /// The command line's options.
    pub args: &'a str,
    /// The `softdep` line used (position in `softdeps`).
    pub softdep: Option<usize>,
    /// The module's `install` line (position in `install`), used or not.
    pub install: Option<usize>,
    /// The step planned; `None` when nothing is (no file, no command, not built in).
    pub step: Option<&'a Step>,
}

/// Watches a [`Planner`] decide, for `modprobe --explain`: every method is called at the point
/// where the planner takes the decision, so what it reports is what the planner did.
pub trait Observer {
    /// A name was looked up (the name asked for, or a softdep's).
    fn lookup(&self, _query: &str, _source: &Source, _found: &Lookup) {}
    /// A module was planned.
    fn planned(&self, _decision: &Decision<'_>) {}
}

/// The observer that watches nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unobserved;

impl Observer for Unobserved {}

/// The switches of one planning and its observer.
#[derive(Clone, Copy)]
struct Cx<'a> {
    opts: PlanOptions,
    obs: &'a dyn Observer,
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
        self.resolve(query, false, &Unobserved)
    }

    /// [`Planner::lookup`], telling `obs` where the answer came from.
    pub fn lookup_observed(
        &self,
        query: &str,
        obs: &dyn Observer,
    ) -> Result<Lookup, IndexFileError> {
        self.resolve(query, false, obs)
    }

    /// [`Planner::lookup`] as kmod's library does it: an index that can't be read matches
    /// nothing and the lookup goes on (kmod 34.2's library finds a built-in alias behind a
    /// damaged `modules.alias.bin`; its modprobe reports the damage).
    pub fn lookup_lenient(&self, query: &str) -> Lookup {
        self.resolve(query, true, &Unobserved).unwrap_or_default()
    }

    fn resolve(
        &self,
        query: &str,
        lenient: bool,
        obs: &dyn Observer,
    ) -> Result<Lookup, IndexFileError> {
        let (source, found) = self.resolve_source(query, lenient)?;
        obs.lookup(query, &source, &found);
        Ok(found)
    }

    fn resolve_source(
        &self,
        query: &str,
        lenient: bool,
    ) -> Result<(Source, Lookup), IndexFileError> {
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
        // A query with unbalanced brackets matches no alias, of the configuration or of the
        // indexes (kmod 30 and 34.2: `alias fs* loop` doesn't find `fs[`).
        let balanced = name::checked_alias_key(query).is_some();
        // 1. Configuration aliases.
        let entries = if balanced {
            self.config.alias_entries(&key)
        } else {
            Vec::new()
        };
        if !entries.is_empty() {
            let (written, targets) = entries
                .iter()
                .filter_map(|&i| self.config.alias_at(i))
                .map(|(alias, module)| (alias, Target::Module(name::normalize(&module))))
                .unzip();
            let found = Lookup {
                targets,
                via_alias: true,
                written,
            };
            return Ok((Source::ConfigAlias(entries), found));
        }
        let module_name = name::normalize(query);
        // 2. A module by name.
        if !query.contains(':') && read_bool(self.indexes.dep(&module_name).map(|e| e.is_some()))? {
            return Ok((
                Source::ModuleName,
                found(Target::Module(module_name), false),
            ));
        }
        // 3. Symbols.
        if query.starts_with(SYMBOL_PREFIX) {
            let mods = read(self.indexes.symbol(query))?;
            if !mods.is_empty() {
                let found = Lookup {
                    targets: mods.into_iter().map(Target::Module).collect(),
                    via_alias: true,
                    written: Vec::new(),
                };
                return Ok((Source::Symbol, found));
            }
        }
        // 4. install / remove commands by exact name.
        if self.config.install_command(&module_name).is_some()
            || self.config.remove_command(&module_name).is_some()
        {
            return Ok((Source::Command, found(Target::Module(module_name), false)));
        }
        // 5. Module aliases.
        if balanced {
            // Every match, duplicates included: kmod 30 lists a module matched by two
            // identical patterns twice.
            let mods = read(self.indexes.alias(&key))?;
            if !mods.is_empty() {
                let found = Lookup {
                    targets: mods.into_iter().map(Target::Module).collect(),
                    via_alias: true,
                    written: Vec::new(),
                };
                return Ok((Source::IndexAlias, found));
            }
        }
        // 6. Built-in modules by name, 7. by alias.
        if read_bool(self.indexes.builtin(&module_name))? {
            return Ok((Source::Builtin, found(Target::Builtin(module_name), false)));
        }
        let builtin = read(self.indexes.builtin_alias(&key))?;
        let source = if builtin.is_empty() {
            Source::Nothing
        } else {
            Source::BuiltinAlias
        };
        let found = Lookup {
            targets: builtin.into_iter().map(Target::Builtin).collect(),
            via_alias: true,
            written: Vec::new(),
        };
        Ok((source, found))
    }

    /// Whether a looked-up target is blacklisted for this lookup.
    pub fn blacklisted(&self, lookup: &Lookup, module: &str) -> bool {
        self.blacklist_entry(lookup, module).is_some()
    }

    /// The blacklist entry (position in
    /// [`ModprobeConfig::blacklist`](crate::config::modprobe::ModprobeConfig::blacklist)) that
    /// makes [`Planner::blacklisted`] true.
    pub fn blacklist_entry(&self, lookup: &Lookup, module: &str) -> Option<usize> {
        if lookup.via_alias || self.options.use_blacklist {
            self.config.blacklist_entry(module)
        } else {
            None
        }
    }

    /// The steps to load `target` with command-line options `args`, appended to `plan`, in
    /// the order kmod 30 prints them with `--show-depends` (established black-box on Debian's
    /// trees): each dependency in load order, each preceded by its softdep `pre:` modules and
    /// followed by its `post:` ones, then the module itself the same way. A module reached as a
    /// softdep (or as the target) is planned once by each name it is reached through (`seen`,
    /// see [`Seen`]); plain dependencies are listed every time they are needed, as kmod lists
    /// them.
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
        seen: &mut Seen,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        self.plan_load_observed(target, args, alias, &Unobserved, seen, plan)
    }

    /// [`Planner::plan_load`], telling `obs` each decision.
    pub fn plan_load_observed(
        &self,
        target: &Target,
        args: &str,
        alias: Option<&str>,
        obs: &dyn Observer,
        seen: &mut Seen,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        let cx = Cx {
            opts: self.options,
            obs,
        };
        self.plan_target(cx, target, args, alias, Reason::Target, seen, plan)
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
        let cx = Cx {
            opts,
            obs: &Unobserved,
        };
        let why = Reason::Target;
        match (target, file) {
            (Target::Module(name), Some(file)) => {
                self.plan_module(cx, name, Some(file), args, alias, why, &mut seen, plan)
            }
            (target, _) => self.plan_target(cx, target, args, alias, why, &mut seen, plan),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn plan_target(
        &self,
        cx: Cx<'_>,
        target: &Target,
        args: &str,
        alias: Option<&str>,
        reason: Reason<'_>,
        seen: &mut Seen,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        let name = match target {
            Target::Builtin(name) if !cx.opts.builtin_as_module => {
                if seen.insert(seen_key(name, alias)) {
                    let step = Step::Builtin(name.clone());
                    cx.obs.planned(&Decision {
                        module: name,
                        reason,
                        alias,
                        options: &[],
                        args,
                        softdep: None,
                        install: None,
                        step: Some(&step),
                    });
                    plan.push(step);
                }
                return Ok(());
            }
            Target::Builtin(name) | Target::Module(name) => name,
        };
        self.plan_module(cx, name, None, args, alias, reason, seen, plan)
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
        self.plan_load_file_observed(name, file, args, &Unobserved, plan)
    }

    /// [`Planner::plan_load_file`], telling `obs` each decision.
    pub fn plan_load_file_observed(
        &self,
        name: &str,
        file: PathBuf,
        args: &str,
        obs: &dyn Observer,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        let cx = Cx {
            opts: self.options,
            obs,
        };
        let mut seen = HashSet::new();
        self.plan_module(
            cx,
            name,
            Some(file),
            args,
            None,
            Reason::Target,
            &mut seen,
            plan,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn plan_module(
        &self,
        cx: Cx<'_>,
        name: &str,
        file: Option<PathBuf>,
        args: &str,
        alias: Option<&str>,
        reason: Reason<'_>,
        seen: &mut Seen,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        if !seen.insert(seen_key(name, alias)) {
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
                    reason: Reason::Dependency(name),
                    ignore_install: false,
                };
                self.plan_one(cx, one, seen, plan)?;
            }
        }
        let one = One {
            name,
            path: file.or(entry.map(|e| e.path)),
            args,
            alias,
            reason,
            ignore_install: cx.opts.ignore_install,
        };
        self.plan_one(cx, one, seen, plan)
    }

    /// One module with its softdeps around it.
    fn plan_one(
        &self,
        cx: Cx<'_>,
        one: One<'_>,
        seen: &mut Seen,
        plan: &mut Vec<Step>,
    ) -> Result<(), IndexFileError> {
        let One {
            name,
            path,
            args,
            alias,
            reason,
            ignore_install,
        } = one;
        let softdep_entry = self.config.softdep_entry(name).filter(|_| !ignore_install);
        let softdep = softdep_entry.and_then(|i| self.config.softdep_at(i));
        let mut softdeps_found = false;
        if let Some(sd) = &softdep {
            softdeps_found =
                self.plan_softdeps(cx, &sd.pre, Reason::SoftdepPre(name), seen, plan)?;
        }
        let option_entries = self.config.option_entries(name, alias);
        let configured = self.config.options_joined(&option_entries);
        let options = join_options(configured.as_deref(), args);
        let install = self.config.install_entry(name);
        let command = install.and_then(|i| self.config.install_at(i));
        // The install command is set aside when a softdep name is found (a module, built in
        // or not, by name or alias), kept when none is (kmod 30 and 34.2, observed:
        // tests/diff/config-sweep.sh found it). The post names are looked up here only when
        // there is a command to decide about.
        if let Some(sd) = softdep
            .as_ref()
            .filter(|_| command.is_some() && !softdeps_found)
        {
            for dep in &sd.post {
                if !self.resolve(dep, false, &Unobserved)?.targets.is_empty() {
                    softdeps_found = true;
                    break;
                }
            }
        }
        let step = match (command, path) {
            (Some((_, command)), _) if !ignore_install && !softdeps_found => Some(Step::Install {
                name: name.to_string(),
                command,
                options,
            }),
            (_, Some(path)) => Some(Step::Insmod {
                name: name.to_string(),
                path,
                options,
            }),
            (_, None) => {
                if !cx.opts.builtin_as_module && self.indexes.builtin(name)? {
                    Some(Step::Builtin(name.to_string()))
                } else if cx.opts.keep_missing {
                    Some(Step::Missing {
                        name: name.to_string(),
                        options,
                    })
                } else {
                    None
                }
            }
        };
        cx.obs.planned(&Decision {
            module: name,
            reason,
            alias,
            options: &option_entries,
            args,
            softdep: softdep_entry,
            install,
            step: step.as_ref(),
        });
        plan.extend(step);
        if let Some(sd) = &softdep {
            self.plan_softdeps(cx, &sd.post, Reason::SoftdepPost(name), seen, plan)?;
        }
        Ok(())
    }

    /// The softdep modules `names`, each looked up; one reached through an alias gets that
    /// alias's options too (kmod 30 and 34.2: `softdep m post: A` with `alias A vfat` and
    /// `options A x=1` loads vfat with `x=1`). Whether any name was found.
    fn plan_softdeps(
        &self,
        cx: Cx<'_>,
        names: &[String],
        reason: Reason<'_>,
        seen: &mut Seen,
        plan: &mut Vec<Step>,
    ) -> Result<bool, IndexFileError> {
        let mut found_any = false;
        for dep in names {
            let found = self.resolve(dep, false, cx.obs)?;
            found_any |= !found.targets.is_empty();
            for (i, t) in found.targets.iter().enumerate() {
                let alias = found.alias_for(i, dep);
                self.plan_target(cx, t, "", alias, reason, seen, plan)?;
            }
        }
        Ok(found_any)
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
    reason: Reason<'a>,
    ignore_install: bool,
}

fn found(t: Target, via_alias: bool) -> Lookup {
    Lookup {
        targets: vec![t],
        via_alias,
        written: Vec::new(),
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
        let dir = crate::testutil::scratch("planner-file");
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

    /// The observer sees each lookup with the step that answered, and each planned module with
    /// why it is there and the configuration entries used, in plan order.
    #[test]
    fn the_observer_sees_the_planners_decisions() {
        use crate::index::bin::IndexBuilder;
        use crate::report::Discard;
        use std::cell::RefCell;
        #[derive(Default)]
        struct Seen(RefCell<Vec<String>>);
        impl Observer for Seen {
            fn lookup(&self, query: &str, source: &Source, found: &Lookup) {
                self.0
                    .borrow_mut()
                    .push(format!("lookup {query} {source:?} {:?}", found.targets));
            }
            fn planned(&self, d: &Decision<'_>) {
                self.0.borrow_mut().push(format!(
                    "plan {} {:?} options {:?} softdep {:?} install {:?} {:?}",
                    d.module,
                    d.reason,
                    d.options,
                    d.softdep,
                    d.install,
                    d.step.map(Step::show_line)
                ));
            }
        }
        let dir = crate::testutil::scratch("planner-obs");
        let mut deps = IndexBuilder::new();
        deps.insert("vfat", "kernel/vfat.ko: kernel/fat.ko", 0);
        deps.insert("fat", "kernel/fat.ko:", 1);
        deps.insert("dummy", "kernel/dummy.ko:", 2);
        std::fs::write(dir.join("modules.dep.bin"), deps.to_bytes().expect("index"))
            .expect("write");
        let mut config = ModprobeConfig::default();
        config.parse_into(
            "alias myfs vfat\noptions vfat utf8=1\nsoftdep vfat post: dummy\n",
            std::path::Path::new("t.conf"),
            &Discard,
        );
        let planner = Planner {
            indexes: Indexes::new(&dir),
            config,
            options: PlanOptions::default(),
        };
        let seen = Seen::default();
        let found = planner.lookup_observed("myfs", &seen).expect("lookup");
        let mut plan = Vec::new();
        planner
            .plan_load_observed(
                &found.targets[0],
                "x=1",
                Some("myfs"),
                &seen,
                &mut HashSet::new(),
                &mut plan,
            )
            .expect("plan");
        let d = dir.display();
        assert_eq!(
            seen.0.into_inner(),
            [
                "lookup myfs ConfigAlias([0]) [Module(\"vfat\")]".to_string(),
                format!(
                    "plan fat Dependency(\"vfat\") options [] softdep None install None \
                     Some(\"insmod {d}/kernel/fat.ko \")"
                ),
                format!(
                    "plan vfat Target options [0] softdep Some(0) install None \
                     Some(\"insmod {d}/kernel/vfat.ko utf8=1 x=1\")"
                ),
                "lookup dummy ModuleName [Module(\"dummy\")]".to_string(),
                format!(
                    "plan dummy SoftdepPost(\"vfat\") options [] softdep None install None \
                     Some(\"insmod {d}/kernel/dummy.ko \")"
                ),
            ]
        );
        // The same plan as without an observer.
        let mut unobserved = Vec::new();
        planner
            .plan_load(
                &found.targets[0],
                "x=1",
                Some("myfs"),
                &mut HashSet::new(),
                &mut unobserved,
            )
            .expect("plan");
        assert_eq!(plan, unobserved);
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
        let dir = crate::testutil::scratch("planner-lib");
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

    /// Three rules found by tests/diff/config-sweep.sh (kmod 30 and 34.2, observed with
    /// `modprobe -D`): an install command gives way to softdeps only when a softdep name is
    /// found; a configuration alias's options are those of the alias as written; a query with
    /// unbalanced brackets matches no configuration alias.
    #[test]
    fn install_softdeps_and_wildcard_alias_options() {
        use crate::index::bin::IndexBuilder;
        use crate::report::Discard;
        let dir = crate::testutil::scratch("planner-sweep");
        let mut deps = IndexBuilder::new();
        for (i, m) in ["dummy", "loop", "vfat"].into_iter().enumerate() {
            deps.insert(m, &format!("kernel/{m}.ko:"), i as u32);
        }
        std::fs::write(dir.join("modules.dep.bin"), deps.to_bytes().expect("index"))
            .expect("write");
        let planner = |text: &str| {
            let mut config = ModprobeConfig::default();
            config.parse_into(text, std::path::Path::new("t.conf"), &Discard);
            Planner {
                indexes: Indexes::new(&dir),
                config,
                options: PlanOptions::default(),
            }
        };
        let shown = |p: &Planner, query: &str| {
            let found = p.lookup(query).expect("lookup");
            let mut plan = Vec::new();
            for (i, t) in found.targets.iter().enumerate() {
                p.plan_load(
                    t,
                    "",
                    found.alias_for(i, query),
                    &mut HashSet::new(),
                    &mut plan,
                )
                .expect("plan");
            }
            plan.iter().map(Step::show_line).collect::<Vec<_>>()
        };
        let d = dir.display();
        let p = planner("softdep dummy pre: nosuch\ninstall dummy /bin/true\n");
        assert_eq!(shown(&p, "dummy"), ["install /bin/true "]);
        let p = planner("softdep dummy post: loop\ninstall dummy /bin/true\n");
        assert_eq!(
            shown(&p, "dummy"),
            [
                format!("insmod {d}/kernel/dummy.ko "),
                format!("insmod {d}/kernel/loop.ko ")
            ]
        );
        // Two blanks after the module: ` pre:` is a word, not a tag; nothing is a softdep.
        let p = planner("softdep dummy  pre: loop\ninstall dummy /bin/true\n");
        assert_eq!(shown(&p, "dummy"), ["install /bin/true "]);
        let p = planner("alias foo* loop\noptions foo-bar x=1\noptions foo* y=1\n");
        assert_eq!(
            shown(&p, "foo-bar"),
            [format!("insmod {d}/kernel/loop.ko y=1 ")]
        );
        let p = planner("alias foo-bar loop\noptions foo_bar x=1\n");
        assert_eq!(
            shown(&p, "foo-bar"),
            [format!("insmod {d}/kernel/loop.ko x=1 ")]
        );
        let p = planner("alias fs* loop\n");
        assert!(shown(&p, "fs[").is_empty());
        assert_eq!(shown(&p, "fs[a]"), [format!("insmod {d}/kernel/loop.ko ")]);
        std::fs::remove_dir_all(&dir).expect("cleanup");
    }
}
