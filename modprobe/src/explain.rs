//! `modprobe --explain`: what a load or removal would do and why, recorded while the run takes
//! the same path as a real one (the planner's lookups and plans, watched through a
//! [`common::modprobe::Observer`]), printed for a person or as JSON (docs/explain.md,
//! docs/json.md). Nothing is loaded or removed.

use std::cell::RefCell;
use std::io::{self, Write};

use common::config::modprobe::{EntryKind, ModprobeConfig, Origin};
use common::modprobe::{Decision, Lookup, Observer, Planner, Reason, Source, Step, Target};
use serde::Serialize;

/// Where a fact came from.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub(crate) enum From {
    /// A configuration file's line.
    File {
        /// The file.
        file: String,
        /// Its line.
        line: usize,
    },
    /// The kernel command line (`/proc/cmdline`).
    KernelCmdline,
    /// modprobe's own command line.
    CommandLine,
    /// Not known.
    Unknown,
}

impl From {
    pub(crate) fn of(origin: Origin<'_>) -> From {
        match origin {
            Origin::File { path, line } => From::File {
                file: path.to_string_lossy().into_owned(),
                line,
            },
            Origin::KernelCmdline => From::KernelCmdline,
            Origin::Unknown => From::Unknown,
        }
    }
}

impl std::fmt::Display for From {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            From::File { file, line } => write!(f, "{file}:{line}"),
            From::KernelCmdline => f.write_str("kernel command line, /proc/cmdline"),
            From::CommandLine => f.write_str("modprobe's command line"),
            From::Unknown => f.write_str("unknown origin"),
        }
    }
}

/// A configuration entry: its text as `modprobe -c` prints it, and where it was read.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Entry {
    pub(crate) text: String,
    pub(crate) from: From,
}

fn entry(config: &ModprobeConfig, kind: EntryKind, i: usize) -> Entry {
    let pair = |p: Option<(String, String)>| p.unwrap_or_default();
    let text = match kind {
        EntryKind::Alias => {
            let (p, m) = pair(config.alias_at(i));
            format!("alias {p} {m}")
        }
        EntryKind::Options => {
            let (m, t) = pair(config.option_at(i));
            format!("options {m} {t}")
        }
        EntryKind::Install => {
            let (m, c) = pair(config.install_at(i));
            format!("install {m} {c}")
        }
        EntryKind::Remove => {
            let (m, c) = pair(config.remove_at(i));
            format!("remove {m} {c}")
        }
        EntryKind::Blacklist => format!("blacklist {}", config.blacklist_at(i).unwrap_or_default()),
        EntryKind::Softdep => config.softdep_at(i).unwrap_or_default().display_line(),
        EntryKind::Weakdep => {
            let (m, d) = config.weakdep_at(i).unwrap_or_default();
            format!("weakdep {m} {}", d.join(" "))
        }
    };
    let from = match (kind, config.origin(kind, i)) {
        (EntryKind::Blacklist, Origin::KernelCmdline) => {
            return Entry {
                text: format!(
                    "modprobe.blacklist={}",
                    config.blacklist_at(i).unwrap_or_default()
                ),
                from: From::KernelCmdline,
            }
        }
        (EntryKind::Options, Origin::KernelCmdline) => {
            let (m, t) = pair(config.option_at(i));
            return Entry {
                text: format!("{m}.{t}"),
                from: From::KernelCmdline,
            };
        }
        (_, origin) => From::of(origin),
    };
    Entry { text, from }
}

/// How one name resolved.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Resolution {
    /// The name looked up.
    pub(crate) name: String,
    /// `config-alias`, `module-name`, `symbol`, `command`, `index-alias`, `builtin`,
    /// `builtin-alias`, `file` or `nothing`.
    pub(crate) via: &'static str,
    /// The index file, for answers from one.
    pub(crate) index: Option<String>,
    /// The configuration's `alias` lines that matched.
    pub(crate) alias_lines: Vec<Entry>,
    /// The `install` / `remove` line found by name (`via` = `command`).
    pub(crate) command_lines: Vec<Entry>,
    /// What it resolved to.
    pub(crate) targets: Vec<TargetName>,
    /// Whether it went through an alias (then the blacklist applies).
    pub(crate) via_alias: bool,
}

/// A module a name resolved to.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct TargetName {
    pub(crate) module: String,
    pub(crate) builtin: bool,
}

/// One module of a plan, in load order.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Planned {
    pub(crate) module: String,
    /// `target`, `dependency`, `softdep-pre` or `softdep-post`.
    pub(crate) reason: &'static str,
    /// The module whose dependency or softdep it is.
    pub(crate) of: Option<String>,
    /// The name it was reached through, whose `options` apply too.
    pub(crate) alias: Option<String>,
    /// `insmod`, `install`, `builtin`, or `none` (no file, no command, not built in).
    pub(crate) step: &'static str,
    /// The `--show-depends` line of the step.
    pub(crate) show_depends: Option<String>,
    /// The module file, for `insmod`.
    pub(crate) path: Option<String>,
    /// The options passed, joined as modprobe joins them.
    pub(crate) options: Option<String>,
    /// Each part of `options` with where it came from, in order.
    pub(crate) option_sources: Vec<Entry>,
    /// The module's `install` line, and whether it is used.
    pub(crate) install: Option<Entry>,
    pub(crate) install_used: bool,
    /// The `softdep` line used.
    pub(crate) softdep: Option<Entry>,
    /// The module's `weakdep` line (not loaded by modprobe; for initramfs tools).
    pub(crate) weakdep: Option<Entry>,
    /// A blacklist line naming the module, which does not apply to it here (the blacklist
    /// applies only to the names given, when reached through an alias or with `-b`).
    pub(crate) blacklist_not_applied: Option<Entry>,
    /// The module in the running kernel: `absent`, `loaded`, `builtin` or `unlisted`.
    pub(crate) state: &'static str,
    /// What modprobe would do: `load`, `run-install`, `skip-loaded`, `skip-builtin` or
    /// `nothing`.
    pub(crate) action: &'static str,
}

/// A module a name resolved to, and what loading (or removing) it takes.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Explained {
    pub(crate) module: String,
    pub(crate) builtin: bool,
    /// The blacklist line that stops it (through an alias, or any name with `-b`).
    pub(crate) blacklisted: Option<Entry>,
    /// The blacklist line that names it but does not apply (a name given directly, no `-b`).
    pub(crate) blacklist_ignored: Option<Entry>,
    /// The load plan, in load order.
    pub(crate) plan: Vec<Planned>,
    /// Softdep names looked up while planning.
    pub(crate) softdep_lookups: Vec<Resolution>,
    /// For `-r`: what removal would do.
    pub(crate) removal: Option<Removal>,
}

/// What `modprobe -r` would do with one module.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Removal {
    /// The `remove` line, if used (not with `-i`).
    pub(crate) command: Option<Entry>,
    pub(crate) state: &'static str,
    pub(crate) holders: Vec<String>,
    pub(crate) refcnt: Option<u32>,
    /// What happens to the module itself: `remove`, `run-remove`, `not-loaded`, `builtin`,
    /// `in-use`.
    pub(crate) action: &'static str,
    /// Then tried in this order (softdep `post:`, dependencies, softdep `pre:`), each removed
    /// only if loaded and unused.
    pub(crate) then: Vec<RemovalStep>,
}

/// One module tried after a removal.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RemovalStep {
    pub(crate) module: String,
    /// `softdep-post`, `dependency` or `softdep-pre`.
    pub(crate) reason: &'static str,
    pub(crate) state: &'static str,
    /// `remove`, `run-remove`, `in-use` or `not-loaded`.
    pub(crate) action: &'static str,
    pub(crate) command: Option<Entry>,
}

/// One name of the command line.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NameReport {
    pub(crate) name: String,
    /// The command line's options for it (`modprobe NAME PARAM...`).
    pub(crate) params: String,
    /// A module file given as `./x.ko` or `/path/x.ko` (kmod 34.2).
    pub(crate) file: Option<String>,
    pub(crate) resolution: Option<Resolution>,
    pub(crate) targets: Vec<Explained>,
    /// Why nothing more is said (not found, an index that can't be read).
    pub(crate) error: Option<String>,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    /// `load` or `remove`.
    pub(crate) operation: &'static str,
    pub(crate) module_dir: String,
    pub(crate) names: Vec<NameReport>,
}

/// The observer of one name's planning.
pub(crate) struct Recorder<'a> {
    planner: &'a Planner,
    lookups: RefCell<Vec<Resolution>>,
    planned: RefCell<Vec<Planned>>,
}

impl<'a> Recorder<'a> {
    pub(crate) fn new(planner: &'a Planner) -> Recorder<'a> {
        Recorder {
            planner,
            lookups: RefCell::default(),
            planned: RefCell::default(),
        }
    }

    /// The lookups seen since the last call.
    pub(crate) fn take_lookups(&self) -> Vec<Resolution> {
        std::mem::take(&mut self.lookups.borrow_mut())
    }

    /// Whether a lookup was seen since the last [`Recorder::take_lookups`].
    pub(crate) fn looked_up(&self) -> bool {
        !self.lookups.borrow().is_empty()
    }

    /// The modules planned since the last call.
    pub(crate) fn take_planned(&self) -> Vec<Planned> {
        std::mem::take(&mut self.planned.borrow_mut())
    }

    /// A blacklist entry as an [`Entry`].
    pub(crate) fn entry(&self, kind: EntryKind, i: usize) -> Entry {
        entry(&self.planner.config, kind, i)
    }
}

fn source_name(source: &Source) -> &'static str {
    match source {
        Source::ConfigAlias(_) => "config-alias",
        Source::ModuleName => "module-name",
        Source::Symbol => "symbol",
        Source::Command => "command",
        Source::IndexAlias => "index-alias",
        Source::Builtin => "builtin",
        Source::BuiltinAlias => "builtin-alias",
        Source::Nothing => "nothing",
    }
}

impl Observer for Recorder<'_> {
    fn lookup(&self, query: &str, source: &Source, found: &Lookup) {
        let config = &self.planner.config;
        let alias_lines = match source {
            Source::ConfigAlias(entries) => entries
                .iter()
                .map(|&i| entry(config, EntryKind::Alias, i))
                .collect(),
            _ => Vec::new(),
        };
        let mut command_lines = Vec::new();
        if matches!(source, Source::Command) {
            let name = common::name::normalize(query);
            if let Some(i) = config.install_entry(&name) {
                command_lines.push(entry(config, EntryKind::Install, i));
            }
            if let Some(i) = config.remove_entry(&name) {
                command_lines.push(entry(config, EntryKind::Remove, i));
            }
        }
        let index = source.index_file().map(|f| {
            self.planner
                .indexes
                .dir()
                .join(f)
                .to_string_lossy()
                .into_owned()
        });
        self.lookups.borrow_mut().push(Resolution {
            name: query.to_string(),
            via: source_name(source),
            index,
            alias_lines,
            command_lines,
            targets: found.targets.iter().map(target_name).collect(),
            via_alias: found.via_alias,
        });
    }

    fn planned(&self, d: &Decision<'_>) {
        let config = &self.planner.config;
        let (reason, of) = match d.reason {
            Reason::Target => ("target", None),
            Reason::Dependency(m) => ("dependency", Some(m.to_string())),
            Reason::SoftdepPre(m) => ("softdep-pre", Some(m.to_string())),
            Reason::SoftdepPost(m) => ("softdep-post", Some(m.to_string())),
        };
        let mut option_sources: Vec<Entry> = d
            .options
            .iter()
            .map(|&i| entry(config, EntryKind::Options, i))
            .collect();
        if !d.args.is_empty() {
            option_sources.push(Entry {
                text: d.args.to_string(),
                from: From::CommandLine,
            });
        }
        let (step, path, options) = match d.step {
            Some(Step::Insmod { path, options, .. }) => (
                "insmod",
                Some(path.to_string_lossy().into_owned()),
                Some(options.clone()),
            ),
            Some(Step::Install { options, .. }) => ("install", None, Some(options.clone())),
            Some(Step::Builtin(_)) => ("builtin", None, None),
            Some(Step::Missing { options, .. }) => ("none", None, Some(options.clone())),
            None => ("none", None, None),
        };
        self.planned.borrow_mut().push(Planned {
            module: d.module.to_string(),
            reason,
            of,
            alias: d.alias.map(str::to_string),
            step,
            show_depends: d.step.map(Step::show_line),
            path,
            options,
            option_sources,
            install: d.install.map(|i| entry(config, EntryKind::Install, i)),
            install_used: matches!(d.step, Some(Step::Install { .. })),
            softdep: d.softdep.map(|i| entry(config, EntryKind::Softdep, i)),
            weakdep: config
                .weakdep_entry(d.module)
                .map(|i| entry(config, EntryKind::Weakdep, i)),
            blacklist_not_applied: config
                .blacklist_entry(d.module)
                .map(|i| entry(config, EntryKind::Blacklist, i)),
            state: "absent",
            action: "nothing",
        });
    }
}

pub(crate) fn target_name(t: &Target) -> TargetName {
    match t {
        Target::Module(m) => TargetName {
            module: m.clone(),
            builtin: false,
        },
        Target::Builtin(m) => TargetName {
            module: m.clone(),
            builtin: true,
        },
    }
}

/// Prints the report as text.
pub(crate) fn print_text(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (n, name) in report.names.iter().enumerate() {
        if n > 0 {
            writeln!(out)?;
        }
        let params = if name.params.is_empty() {
            String::new()
        } else {
            format!(" {}", name.params)
        };
        writeln!(out, "{}{params}", name.name)?;
        if let Some(file) = &name.file {
            writeln!(out, "  a module file: {file}")?;
        }
        if let Some(r) = &name.resolution {
            print_resolution(out, r, "  ", &report.module_dir)?;
        }
        if let Some(e) = &name.error {
            writeln!(out, "  error: {e}")?;
        }
        for t in &name.targets {
            print_target(out, t)?;
        }
    }
    Ok(())
}

fn print_resolution(
    out: &mut dyn Write,
    r: &Resolution,
    indent: &str,
    module_dir: &str,
) -> io::Result<()> {
    let targets: Vec<String> = r
        .targets
        .iter()
        .map(|t| {
            if t.builtin {
                format!("{} (built in)", t.module)
            } else {
                t.module.clone()
            }
        })
        .collect();
    let what = match r.via {
        "config-alias" => "configured alias".to_string(),
        "module-name" => "module name".to_string(),
        "symbol" => "symbol".to_string(),
        "command" => "install/remove command for this name".to_string(),
        "index-alias" => "module alias".to_string(),
        "builtin" => "built-in module".to_string(),
        "builtin-alias" => "alias of a built-in module".to_string(),
        other => other.to_string(),
    };
    if targets.is_empty() {
        writeln!(
            out,
            "{indent}resolves to nothing (configuration aliases, and the indexes of {module_dir})"
        )?;
        return Ok(());
    }
    write!(
        out,
        "{indent}resolves to {} as a {what}",
        targets.join(", ")
    )?;
    match &r.index {
        Some(index) => writeln!(out, ", in {index}")?,
        None => writeln!(out)?,
    }
    for line in r.alias_lines.iter().chain(&r.command_lines) {
        writeln!(out, "{indent}  {}  ({})", line.text, line.from)?;
    }
    Ok(())
}

fn print_target(out: &mut dyn Write, t: &Explained) -> io::Result<()> {
    let kind = if t.builtin { " (built in)" } else { "" };
    writeln!(out, "  {}{kind}", t.module)?;
    match (&t.blacklisted, &t.blacklist_ignored) {
        (Some(b), _) => {
            writeln!(out, "    blacklisted: {}  ({}): not loaded", b.text, b.from)?;
        }
        (None, Some(b)) => writeln!(
            out,
            "    blacklist: {}  ({}) does not apply: the name was given directly (see -b)",
            b.text, b.from
        )?,
        (None, None) => {}
    }
    if !t.plan.is_empty() {
        writeln!(out, "    plan, in load order:")?;
    }
    for (i, p) in t.plan.iter().enumerate() {
        let why = match (p.reason, &p.of) {
            ("target", _) => String::new(),
            ("dependency", Some(of)) => format!(", dependency of {of}"),
            ("softdep-pre", Some(of)) => format!(", softdep pre: of {of}"),
            ("softdep-post", Some(of)) => format!(", softdep post: of {of}"),
            (r, _) => format!(", {r}"),
        };
        let via = p
            .alias
            .as_ref()
            .map(|a| format!(" (as {a})"))
            .unwrap_or_default();
        writeln!(out, "    {}. {}{via}{why}", i + 1, p.module)?;
        let action = match p.action {
            "load" => "would be inserted".to_string(),
            "run-install" => "its install command would run".to_string(),
            "skip-loaded" => "already loaded: skipped".to_string(),
            "skip-builtin" => "built in: nothing to do".to_string(),
            _ => "nothing to do: no file, no install command, not built in".to_string(),
        };
        writeln!(out, "       {action}")?;
        if let Some(path) = &p.path {
            writeln!(out, "       file: {path}")?;
        }
        if let Some(line) = &p.show_depends {
            writeln!(out, "       --show-depends: {}", line.trim_end())?;
        }
        for o in &p.option_sources {
            writeln!(out, "       option: {}  ({})", o.text, o.from)?;
        }
        if let Some(cmd) = &p.install {
            let used = if p.install_used { "used" } else { "not used" };
            writeln!(out, "       {}  ({}): {used}", cmd.text, cmd.from)?;
        }
        if let Some(s) = &p.softdep {
            writeln!(out, "       {}  ({})", s.text, s.from)?;
        }
        if let Some(b) = &p.blacklist_not_applied {
            writeln!(
                out,
                "       {}  ({}): does not apply here (only to a name given, through an alias or with -b)",
                b.text, b.from
            )?;
        }
        if let Some(w) = &p.weakdep {
            writeln!(
                out,
                "       {}  ({}): not loaded by modprobe",
                w.text, w.from
            )?;
        }
    }
    for r in &t.softdep_lookups {
        write!(out, "    softdep name ")?;
        let mut line = Vec::new();
        print_resolution(&mut line, r, "", "the module directory")?;
        write!(out, "{}: ", r.name)?;
        out.write_all(&line)?;
    }
    if let Some(r) = &t.removal {
        print_removal(out, r)?;
    }
    Ok(())
}

fn print_removal(out: &mut dyn Write, r: &Removal) -> io::Result<()> {
    if let Some(c) = &r.command {
        writeln!(out, "    {}  ({})", c.text, c.from)?;
    }
    let action = match r.action {
        "remove" => "would be removed",
        "run-remove" => "its remove command would run",
        "not-loaded" => "not loaded: nothing to do",
        "builtin" => "built in: cannot be removed",
        "in-use" => "in use: would not be removed",
        other => other,
    };
    let holders = if r.holders.is_empty() {
        String::new()
    } else {
        format!(", used by {}", r.holders.join(" "))
    };
    writeln!(out, "    state: {}{holders}; {action}", r.state)?;
    if !r.then.is_empty() {
        writeln!(out, "    then, each if loaded and unused:")?;
    }
    for s in &r.then {
        let action = match s.action {
            "remove" => "would be removed",
            "run-remove" => "its remove command would run",
            "in-use" => "in use: stays",
            _ => "not loaded: nothing to do",
        };
        let reason = s.reason.replace("softdep-", "softdep ");
        writeln!(out, "      {} ({reason}): {}; {action}", s.module, s.state)?;
        if let Some(c) = &s.command {
            writeln!(out, "        {}  ({})", c.text, c.from)?;
        }
    }
    Ok(())
}
