//! `depmod.d`: which copy of a module depmod indexes, and which files it never looks at.
//!
//! # Where the configuration comes from
//!
//! Without `-C`, the `*.conf` files of [`CONFIG_DIRS`] are read (`/etc/depmod.d`,
//! `/run/depmod.d`, `/usr/local/lib/depmod.d`, `/usr/lib/depmod.d`, `/lib/depmod.d`; Debian's
//! kmod 30 skips `/usr/lib/depmod.d`, which is `/lib/depmod.d` on merged-usr systems). A file
//! name found in several of them is read only from the first directory in that list, so `/etc`
//! shadows the distribution's files. All files are then parsed in byte order of their names,
//! whichever directory they come from. Hidden files and names not ending in `.conf` are skipped;
//! an entry named `*.conf` that is a directory (or a dangling link) is reported and skipped.
//! There is no single-file `/etc/depmod.conf`.
//!
//! `-C PATH` (repeatable) replaces that list: a directory contributes its `*.conf` files as
//! above, a file is read whatever its name, and a path that doesn't exist is silently ignored.
//! The same first-wins rule on file names applies across all `-C` arguments.
//!
//! kmod 30 resolves none of these paths against `-b`: `depmod -b ROOT` still reads the host's
//! `/etc/depmod.d`. [`DepmodConfig::load_default`] resolves them against the [`Context`] it is
//! given, so a caller that wants kmod's behaviour passes a context rooted at `/`.
//!
//! # Syntax
//!
//! - Lines are joined as `config/files.rs` describes (`\` + newline continues a line, `\` + any
//!   other character is that character, a final `\` is a byte 0xFF kept as U+FFFD): `exclude
//!   ab\` at the end excludes nothing, and a lone `\` there is a bad line.
//! - A logical line ends at its first NUL byte.
//! - A logical line whose first character is `#` is a comment (a continued comment swallows the
//!   next line). `#` anywhere else is an ordinary character, so ` # x` is a bad line.
//! - Words are separated by spaces and tabs only (not `\r`, `\f` or `\v`). Blank lines are
//!   ignored. Keywords are case-sensitive.
//! - Anything else — an unknown keyword, `override` with fewer than three arguments, `external`
//!   with fewer than two — is reported as `FILE:LINE: ignoring bad line starting with 'WORD'`
//!   (LINE is the last physical line of a continued line) and otherwise ignored. kmod prints these
//!   as `depmod: ERROR: ...` but carries on and still exits 0.
//! - `include` and `make_map_files` are accepted and do nothing; `search` and `exclude` without
//!   arguments are accepted and do nothing; extra arguments to `override` are ignored.
//!
//! # Directives and what they do (observed from kmod 30)
//!
//! - `search DIR|built-in|external...`: lines accumulate in order. A module at relative path `P`
//!   belongs to the first named `DIR` for which `P` starts with `DIR/` (so `updates` covers
//!   `updates/dkms/x.ko` but `upd` or `updates/` cover nothing). A module no named directory
//!   covers, including one directly in the module directory, takes the place of `built-in`; if
//!   `built-in` isn't listed it ranks after every listed entry — it is still indexed. Without
//!   any `search` entry the order is `updates built-in`.
//! - `external KVER DIR...`: directories outside the module directory, scanned too (lines
//!   accumulate). Their modules take the place of `external` in the search order, the earlier
//!   directory winning a tie. When `external` isn't listed they rank with `built-in` (or with
//!   uncovered modules), after any in-tree copy of that rank, the later directory winning a tie.
//!   kmod 30 opens them as written (not under `-b`), reports a missing one as `could not open
//!   directory DIR: No such file or directory`, and, contrary to its manual, only uses the first
//!   directory of each line; we keep all of them, in order.
//! - `override MODULE KVER SUBDIR`: the copy of MODULE whose directory is exactly SUBDIR (relative
//!   to the module directory) wins over every other copy, whatever `search` says. With several
//!   matching overrides for one module, the later line is stronger. kmod 30 compares MODULE with
//!   the file name literally; we compare module names, '-' and '_' alike. Overrides never select
//!   an external module.
//! - `exclude NAME...`: any file or directory with exactly this name, at any depth (inside
//!   external directories too), is skipped, as are `build` and `source` always. No globbing, and a
//!   name containing `/` matches nothing.
//!
//! KVER is a POSIX extended regular expression searched for anywhere in the release (so `6.1`,
//! `amd64` and `5.*` all match `6.1.0-56-amd64`), except that `*` alone matches every release. An
//! invalid expression matches nothing, silently. See [`kver_matches`].
//!
//! # Choosing between copies
//!
//! [`DepmodConfig::priority`] ranks a file: override first, then search rank. Between two copies
//! of equal rank, kmod 30 keeps the one its walk met first — except inside a named `search`
//! directory, where the one met last wins (so with no configuration `updates/d/x.ko` beats
//! `updates/x.ko` when walked after it). [`Priority::replaces`] encodes that; which copy comes
//! first depends on the walk (kmod: `readdir` order, depth first), which is the scanner's choice.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::files::{logical_lines, parse_files, ListDialect};
use crate::context::Context;
use crate::error::Error;
use crate::name;
use crate::pattern::ere::Regex;
use crate::report::{Report, ReportExt};

/// The configuration directories read without `-C`, strongest first.
pub const CONFIG_DIRS: [&str; 5] = [
    "/etc/depmod.d",
    "/run/depmod.d",
    "/usr/local/lib/depmod.d",
    "/usr/lib/depmod.d",
    "/lib/depmod.d",
];

/// File and directory names depmod always skips, in addition to `exclude` lines.
pub const ALWAYS_EXCLUDED: [&str; 2] = ["build", "source"];

/// One entry of a `search` line.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SearchItem {
    /// A directory relative to the module directory (`updates`, `extra`, `kernel/drivers`).
    Dir(String),
    /// `built-in`: everything in the module directory no named directory covers.
    BuiltIn,
    /// `external`: the directories of `external` lines.
    External,
}

/// An `override` line that applies to this kernel release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The module name, '-' turned into '_'.
    pub module: String,
    /// The directory, relative to the module directory, whose copy of the module wins.
    pub subdir: String,
}

/// How strongly a module file is preferred over other files with the same module name, from
/// [`DepmodConfig::priority`]. Lower is preferred; every override beats every search rank. Use
/// [`Priority::replaces`] to decide, which also settles ties the way kmod 30 does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Priority {
    /// 0: in an override directory; 1: ranked by the search order.
    class: u8,
    /// The override rank (0 = last line) or the search rank.
    rank: usize,
    /// Among external directories of one rank: which directory.
    sub: usize,
    /// Whether, between two files of this same priority, the one met later wins.
    later_wins: bool,
}

impl Priority {
    /// Whether the file is selected by an `override` line.
    pub fn is_override(&self) -> bool {
        self.class == 0
    }

    /// The override rank (0 = the last matching line) or the search rank
    /// ([`DepmodConfig::search_priority`]).
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// Whether a file with this priority, met after a file with priority `earlier` while
    /// scanning, takes its place. Strictly better always does. On a tie, kmod 30 keeps the
    /// earlier file, except in a named `search` directory, where the later one wins (observed:
    /// with `search b`, of `b/crc7.ko`, `b/e/crc7.ko` and `b/d/crc7.ko`, the last one walked is
    /// indexed; under `built-in`, in an external directory, or uncovered, the first one).
    pub fn replaces(&self, earlier: &Priority) -> bool {
        match self.cmp(earlier) {
            std::cmp::Ordering::Less => true,
            std::cmp::Ordering::Equal => self.later_wins,
            std::cmp::Ordering::Greater => false,
        }
    }

    fn key(&self) -> (u8, usize, usize) {
        (self.class, self.rank, self.sub)
    }
}

impl Ord for Priority {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

impl PartialOrd for Priority {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Everything the `depmod.d` files say, for one kernel release.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepmodConfig {
    /// `search` entries in the order given. Empty means the default, see
    /// [`DepmodConfig::effective_search`].
    pub search: Vec<SearchItem>,
    /// `override` lines whose KVER matches the release, in file order (later is stronger).
    pub overrides: Vec<Override>,
    /// Directories of `external` lines whose KVER matches the release, in order, exactly as
    /// written (kmod 30 does not put them under `-b`).
    pub external: Vec<PathBuf>,
    /// Names from `exclude` lines; [`ALWAYS_EXCLUDED`] is implied and not listed here.
    pub exclude: Vec<String>,
}

impl DepmodConfig {
    /// Reads the `*.conf` files of [`CONFIG_DIRS`], each resolved under `ctx`'s root; KVER fields
    /// are matched against `ctx`'s release. Problems (unreadable files, bad lines) are reported
    /// through `warn` in kmod's words and skipped, as kmod does, so this doesn't fail today.
    ///
    /// kmod 30 prints every one of these messages as `depmod: ERROR: <message>` and still exits
    /// 0: `FILE:LINE: ignoring bad line starting with 'WORD'`, `Directories inside directories
    /// are not supported: DIR/NAME`, `file parse FILE: <strerror>`, `files list DIR:
    /// <strerror>`.
    pub fn load_default(ctx: &Context, report: &dyn Report) -> Result<Self, Error> {
        let dirs: Vec<PathBuf> = CONFIG_DIRS.iter().map(|d| ctx.path(d)).collect();
        Self::load_paths(ctx, &dirs, report)
    }

    /// `depmod -C PATH`: reads PATH (a file, or a directory of `*.conf` files) instead of the
    /// default locations. PATH is used as given, not under `ctx`'s root; a missing PATH yields an
    /// empty configuration.
    pub fn load_from(ctx: &Context, path: &Path, report: &dyn Report) -> Result<Self, Error> {
        Self::load_paths(ctx, &[path.to_path_buf()], report)
    }

    /// Reads several locations (repeated `-C`, or the default directories): files and the
    /// `*.conf` files of directories, a file name seen in an earlier location shadowing later
    /// ones, all parsed in byte order of their names.
    pub fn load_paths(
        ctx: &Context,
        locations: &[PathBuf],
        report: &dyn Report,
    ) -> Result<Self, Error> {
        let mut config = DepmodConfig::default();
        let release = ctx.release();
        parse_files(
            BTreeMap::new(),
            locations,
            ListDialect::Depmod,
            report,
            &mut |path, text| {
                config.parse_into(
                    &String::from_utf8_lossy(text.bytes()),
                    path,
                    release,
                    report,
                )
            },
        );
        Ok(config)
    }

    /// Parses one file's text into `self`; `file` names it in messages and `release` decides
    /// which `override` and `external` lines apply. Never fails: bad lines are reported through
    /// `warn` and skipped.
    pub fn parse_into(&mut self, text: &str, file: &Path, release: &str, report: &dyn Report) {
        for (lineno, line) in logical_lines(text) {
            let line = line.split('\0').next().unwrap_or_default();
            if line.starts_with('#') {
                continue;
            }
            let mut words = line.split([' ', '\t']).filter(|w| !w.is_empty());
            let Some(keyword) = words.next() else {
                continue;
            };
            let args: Vec<&str> = words.collect();
            let ok = match keyword {
                "search" => {
                    self.search.extend(args.iter().map(|&a| match a {
                        "built-in" => SearchItem::BuiltIn,
                        "external" => SearchItem::External,
                        dir => SearchItem::Dir(dir.to_string()),
                    }));
                    true
                }
                "override" if args.len() >= 3 => {
                    if kver_matches(args[1], release) {
                        self.overrides.push(Override {
                            module: name::normalize(args[0]),
                            subdir: args[2].to_string(),
                        });
                    }
                    true
                }
                "external" if args.len() >= 2 => {
                    if kver_matches(args[0], release) {
                        self.external.extend(args[1..].iter().map(PathBuf::from));
                    }
                    true
                }
                "exclude" => {
                    self.exclude.extend(args.iter().map(|a| a.to_string()));
                    true
                }
                "include" | "make_map_files" => true,
                _ => false,
            };
            if !ok {
                report.error(format!(
                    "{}:{}: ignoring bad line starting with '{}'",
                    file.display(),
                    lineno,
                    keyword
                ));
            }
        }
    }

    /// The search order in effect: the `search` entries, or `updates built-in` when there are
    /// none (an argument-less `search` line doesn't count).
    pub fn effective_search(&self) -> Vec<SearchItem> {
        if self.search.is_empty() {
            vec![SearchItem::Dir("updates".to_string()), SearchItem::BuiltIn]
        } else {
            self.search.clone()
        }
    }

    /// The search rank of the module file at `relpath`, relative to the module directory (lower
    /// is preferred), or `None` when depmod never indexes it because a component of the path is
    /// excluded.
    ///
    /// The rank is the index of the first named directory covering the path; failing that, the
    /// index of `built-in`; failing that, the length of the search list (after everything
    /// listed). An absolute `relpath` is an external module: it ranks at `external`'s index, or
    /// with the modules no entry covers when `external` isn't listed (see
    /// [`DepmodConfig::external_priority`]); exclusion applies to the part below its `external`
    /// directory.
    pub fn search_priority(&self, relpath: &str) -> Option<usize> {
        if relpath.starts_with('/') {
            let below = self.below_external(relpath).1;
            if below.split('/').any(|c| self.is_excluded(c)) {
                return None;
            }
            return Some(self.external_priority());
        }
        if relpath.split('/').any(|c| self.is_excluded(c)) {
            return None;
        }
        let search = self.effective_search();
        let named = search.iter().position(|item| match item {
            SearchItem::Dir(d) => relpath
                .strip_prefix(d.as_str())
                .is_some_and(|rest| rest.starts_with('/')),
            _ => false,
        });
        Some(named.unwrap_or_else(|| {
            search
                .iter()
                .position(|s| *s == SearchItem::BuiltIn)
                .unwrap_or(search.len())
        }))
    }

    /// The search rank of modules from `external` directories: `external`'s index in the search
    /// order; when it isn't listed, the rank of in-tree modules no entry covers (`built-in`'s
    /// index, else the length of the list). At that shared rank an in-tree copy still wins
    /// ([`DepmodConfig::priority`] orders them; kmod 30 gets there by walking the module
    /// directory first and keeping the first copy).
    ///
    /// Observed: with `search built-in b` and an `external` line, the external copy beats
    /// `b/crc7.ko` but loses to `h/crc7.ko`; with `search updates` or `search b h updates`, it
    /// loses to `updates/`, `h/` and an uncovered `x/`.
    pub fn external_priority(&self) -> usize {
        let search = self.effective_search();
        search
            .iter()
            .position(|s| *s == SearchItem::External)
            .or_else(|| search.iter().position(|s| *s == SearchItem::BuiltIn))
            .unwrap_or(search.len())
    }

    /// The override directory of `module` ('-' and '_' alike), from the last `override` line for
    /// it. With several lines for one module, [`DepmodConfig::override_rank`] tells them apart.
    pub fn override_for(&self, module: &str) -> Option<&str> {
        let module = name::normalize(module);
        self.overrides
            .iter()
            .rev()
            .find(|o| o.module == module)
            .map(|o| o.subdir.as_str())
    }

    /// Whether an `override` line selects `module` in directory `subdir` (relative to the module
    /// directory, compared exactly): 0 for the last matching line for this module, 1 for the one
    /// before, and so on.
    pub fn override_rank(&self, module: &str, subdir: &str) -> Option<usize> {
        let module = name::normalize(module);
        self.overrides
            .iter()
            .rev()
            .filter(|o| o.module == module)
            .position(|o| o.subdir == subdir)
    }

    /// The full preference of the file at `relpath` (relative to the module directory, or absolute
    /// for an external module) providing `module`; `None` when the file is excluded. An override
    /// beats any search rank. Among external modules of one rank, the directory decides: with
    /// `external` in the search list the earlier `external` line wins (as documented), without
    /// it the later line (kmod 30 walks external directories last line first and keeps the
    /// first copy). Compare with [`Priority::replaces`] in scanning order.
    pub fn priority(&self, module: &str, relpath: &str) -> Option<Priority> {
        let rank = self.search_priority(relpath)?;
        if relpath.starts_with('/') {
            let n = self.external.len();
            let listed = self.effective_search().contains(&SearchItem::External);
            // sub 0 is left to in-tree modules, which win ties with external ones.
            let sub = match self.below_external(relpath).0 {
                Some(i) if listed => 1 + i,
                Some(i) => n - i,
                None => n + 1,
            };
            return Some(Priority {
                class: 1,
                rank,
                sub,
                later_wins: false,
            });
        }
        let dir = relpath.rsplit_once('/').map_or("", |(d, _)| d);
        if let Some(r) = self.override_rank(module, dir) {
            return Some(Priority {
                class: 0,
                rank: r,
                sub: 0,
                later_wins: false,
            });
        }
        let later_wins = matches!(self.effective_search().get(rank), Some(SearchItem::Dir(_)));
        Some(Priority {
            class: 1,
            rank,
            sub: 0,
            later_wins,
        })
    }

    /// Whether a file or directory called `name` is skipped wherever it appears: `build`,
    /// `source`, or a name from an `exclude` line (exact match).
    pub fn is_excluded(&self, name: &str) -> bool {
        ALWAYS_EXCLUDED.contains(&name) || self.exclude.iter().any(|e| e == name)
    }

    /// Which `external` directory an external module's path is in (the first that matches, also
    /// when the path carries a root prefix), and the part of the path below it (the whole path
    /// if none matches).
    fn below_external<'a>(&self, path: &'a str) -> (Option<usize>, &'a str) {
        for (index, dir) in self.external.iter().enumerate() {
            let dir = dir.to_string_lossy();
            let dir = dir.trim_end_matches('/');
            if dir.is_empty() {
                continue;
            }
            let prefix = format!("{dir}/");
            if let Some(i) = path.find(&prefix) {
                return (
                    Some(index),
                    path[i + prefix.len()..].trim_start_matches('/'),
                );
            }
        }
        (None, path)
    }
}

/// Whether an `override` / `external` KVER field applies to `release`: `*` matches everything,
/// anything else is a POSIX extended regular expression searched for anywhere in the release, as
/// [`crate::pattern::ere`] matches it (glibc's, in the C locale). An invalid expression matches
/// nothing.
pub fn kver_matches(pattern: &str, release: &str) -> bool {
    pattern == "*"
        || Regex::new(pattern.as_bytes()).is_some_and(|re| re.is_match(release.as_bytes()))
}

#[cfg(test)]
mod tests {
    use crate::report::{Collected, Discard};
    use std::fs;

    use super::*;

    const REL: &str = "6.1.0-56-amd64";

    fn scratch(tag: &str) -> PathBuf {
        crate::testutil::scratch(&format!("depmodcfg-{tag}"))
    }

    use crate::testutil::write;

    /// Parses `text` as one file, returning the config and the messages.
    fn parse(text: &str) -> (DepmodConfig, Vec<String>) {
        let report = Collected::new();
        let mut cfg = DepmodConfig::default();
        cfg.parse_into(text, Path::new("/x.conf"), REL, &report);
        let msgs = report.messages();
        (cfg, msgs)
    }

    fn dirs(items: &[&str]) -> Vec<SearchItem> {
        items
            .iter()
            .map(|&s| match s {
                "built-in" => SearchItem::BuiltIn,
                "external" => SearchItem::External,
                d => SearchItem::Dir(d.to_string()),
            })
            .collect()
    }

    #[test]
    fn every_directive() {
        let (cfg, msgs) = parse(
            "search updates extra built-in\n\
             search external kernel/drivers\n\
             override crc7 * extra\n\
             override dm-crypt 6.1.0-56-amd64 updates/dkms\n\
             override other 5.10.0 extra\n\
             external * /opt/ext /opt/ext2\n\
             external 5.10 /opt/old\n\
             exclude foo bar\n\
             exclude baz\n\
             include whatever\n\
             make_map_files no\n",
        );
        assert!(msgs.is_empty(), "{msgs:?}");
        assert_eq!(
            cfg.search,
            dirs(&["updates", "extra", "built-in", "external", "kernel/drivers"])
        );
        assert_eq!(
            cfg.overrides,
            vec![
                Override {
                    module: "crc7".into(),
                    subdir: "extra".into()
                },
                Override {
                    module: "dm_crypt".into(),
                    subdir: "updates/dkms".into()
                },
            ]
        );
        assert_eq!(
            cfg.external,
            vec![PathBuf::from("/opt/ext"), PathBuf::from("/opt/ext2")]
        );
        assert_eq!(cfg.exclude, vec!["foo", "bar", "baz"]);
    }

    #[test]
    fn bad_lines_are_reported_in_kmods_words() {
        // Observed from kmod 30: unknown keywords (case-sensitive), `override` with < 3 and
        // `external` with < 2 arguments give exactly this message (kmod prefixes
        // `depmod: ERROR: `); argument-less `search` / `exclude` and extra `override` arguments
        // are accepted silently.
        let (cfg, msgs) = parse(
            "bogus a b\n\
             Search updates\n\
             override\n\
             override crc7\n\
             override crc7 *\n\
             external\n\
             external *\n\
             options x y\n\
             search\n\
             exclude\n\
             override crc7 * extra more args\n",
        );
        assert_eq!(
            msgs,
            vec![
                "/x.conf:1: ignoring bad line starting with 'bogus'",
                "/x.conf:2: ignoring bad line starting with 'Search'",
                "/x.conf:3: ignoring bad line starting with 'override'",
                "/x.conf:4: ignoring bad line starting with 'override'",
                "/x.conf:5: ignoring bad line starting with 'override'",
                "/x.conf:6: ignoring bad line starting with 'external'",
                "/x.conf:7: ignoring bad line starting with 'external'",
                "/x.conf:8: ignoring bad line starting with 'options'",
            ]
        );
        assert!(cfg.search.is_empty());
        assert!(cfg.exclude.is_empty());
        assert_eq!(cfg.override_for("crc7"), Some("extra"));
    }

    #[test]
    fn comments_and_whitespace() {
        // Observed from kmod 30: '#' only in column 0; ' # x' and '\t#x' are bad lines; '#'
        // inside a line is an ordinary word; only spaces and tabs separate words.
        let (cfg, msgs) = parse(
            "# a comment\n\
             \x20\x20\n\
             \t\n\
             \x20# indented\n\
             \t#tabbed\n\
             exclude a # b\n\
             \x20\x20exclude\t c\x20\x20\n\
             exclude\x0cd\n\
             exclude e\r\n",
        );
        assert_eq!(
            msgs,
            vec![
                "/x.conf:4: ignoring bad line starting with '#'",
                "/x.conf:5: ignoring bad line starting with '#tabbed'",
                "/x.conf:8: ignoring bad line starting with 'exclude\x0cd'",
            ]
        );
        assert_eq!(cfg.exclude, vec!["a", "#", "b", "c", "e\r"]);
    }

    #[test]
    fn continuations_and_backslashes() {
        // Observed from kmod 30 with `exclude` lines on a scratch tree.
        // Joined without a separator; a space before the backslash separates.
        assert_eq!(parse("exclude ab\\\nc\n").0.exclude, vec!["abc"]);
        assert_eq!(parse("exclude ab \\\nc\n").0.exclude, vec!["ab", "c"]);
        assert_eq!(parse("exclude ab\\\n c\n").0.exclude, vec!["ab", "c"]);
        assert_eq!(parse("exclude a\\\n\\\nb\n").0.exclude, vec!["ab"]);
        assert_eq!(parse("\\\nexclude ab\n").0.exclude, vec!["ab"]);
        // '#' after a continuation is not a comment.
        assert_eq!(parse("exclude ab\\\n#c\n").0.exclude, vec!["ab#c"]);
        // A continued comment swallows the next line.
        assert!(parse("#comment \\\nexclude b\n").0.exclude.is_empty());
        assert_eq!(parse("#comment \\\n\nexclude b\n").0.exclude, vec!["b"]);
        // Backslash + other character: that character. An escaped space still separates.
        assert_eq!(parse("exclude a\\b\n").0.exclude, vec!["ab"]);
        assert_eq!(parse("exclude a\\\\b\n").0.exclude, vec!["a\\b"]);
        assert_eq!(parse("exclude a\\ b\n").0.exclude, vec!["a", "b"]);
        assert!(parse("\\#exclude ab\n").0.exclude.is_empty());
        let (cfg, msgs) = parse("exclude ab\\\\\nc\n");
        assert_eq!(cfg.exclude, vec!["ab\\"]);
        assert_eq!(msgs, vec!["/x.conf:2: ignoring bad line starting with 'c'"]);
        // A backslash as the file's last byte stands for 0xFF (kmod 30 reports `\` alone as
        // "ignoring bad line starting with '\xff'"); before a final newline it continues.
        assert_eq!(parse("exclude a ab\\").0.exclude, vec!["a", "ab\u{fffd}"]);
        assert_eq!(
            parse("x\n\\").1,
            vec![
                "/x.conf:1: ignoring bad line starting with 'x'",
                "/x.conf:2: ignoring bad line starting with '\u{fffd}'"
            ]
        );
        assert_eq!(parse("exclude ab\\\n").0.exclude, vec!["ab"]);
        // The last line needs no newline.
        assert_eq!(parse("exclude a\nexclude c").0.exclude, vec!["a", "c"]);
    }

    #[test]
    fn line_numbers_name_the_last_physical_line() {
        // Observed from kmod 30.
        let lines = |t: &str| parse(t).1;
        assert_eq!(
            lines("bogus a\\\nb\\\nc\n"),
            vec!["/x.conf:3: ignoring bad line starting with 'bogus'"]
        );
        assert_eq!(
            lines("bogus\\\n"),
            vec!["/x.conf:2: ignoring bad line starting with 'bogus'"]
        );
        assert_eq!(
            lines("\n\nbogus\\\n\\\n"),
            vec!["/x.conf:5: ignoring bad line starting with 'bogus'"]
        );
        assert_eq!(
            lines("x\\\n\\\nbogus\n"),
            vec!["/x.conf:3: ignoring bad line starting with 'xbogus'"]
        );
        assert_eq!(
            lines("bogus"),
            vec!["/x.conf:1: ignoring bad line starting with 'bogus'"]
        );
    }

    #[test]
    fn nul_ends_a_line() {
        // Observed from kmod 30: the rest of a line after NUL is ignored, and a backslash before
        // NUL doesn't continue the line.
        let (cfg, msgs) =
            parse("exclude p0\0 p1\nexclude p2\0\nexclude\0 p3\n\0bogus\nexclude a\\\0x\nb\n");
        assert_eq!(cfg.exclude, vec!["p0", "p2", "a"]);
        assert_eq!(msgs, vec!["/x.conf:6: ignoring bad line starting with 'b'"]);
    }

    #[test]
    fn default_search_order() {
        let (cfg, _) = parse("");
        assert_eq!(cfg.effective_search(), dirs(&["updates", "built-in"]));
        // Observed from kmod 30: an argument-less `search` line keeps the default.
        let (cfg, _) = parse("search\n");
        assert_eq!(cfg.effective_search(), dirs(&["updates", "built-in"]));
        // Lines accumulate in order.
        let (cfg, _) = parse("search b\nsearch built-in\nsearch h\n");
        assert_eq!(cfg.effective_search(), dirs(&["b", "built-in", "h"]));
    }

    #[test]
    fn search_priority_default_layout() {
        // Observed from kmod 30: with no config, updates/crc7.ko beats kernel/, extra/ and
        // other/ copies; copies outside `updates` tie (first found wins).
        let cfg = DepmodConfig::default();
        assert_eq!(cfg.search_priority("updates/crc7.ko"), Some(0));
        assert_eq!(cfg.search_priority("updates/dkms/crc7.ko"), Some(0));
        assert_eq!(cfg.search_priority("kernel/lib/crc7.ko"), Some(1));
        assert_eq!(cfg.search_priority("extra/sub/crc7.ko"), Some(1));
        assert_eq!(cfg.search_priority("crc7.ko"), Some(1));
        assert_eq!(cfg.search_priority("updatesx/crc7.ko"), Some(1));
    }

    #[test]
    fn search_priority_layouts() {
        let prio = |conf: &str, rel: &str| parse(conf).0.search_priority(rel);
        // Observed from kmod 30 (`search extra built-in`): extra beats updates and kernel.
        assert_eq!(prio("search extra built-in\n", "extra/sub/x.ko"), Some(0));
        assert_eq!(prio("search extra built-in\n", "updates/x.ko"), Some(1));
        // Observed from kmod 30 (`search updates`): modules elsewhere are still indexed, after
        // the listed directories.
        assert_eq!(prio("search updates\n", "updates/x.ko"), Some(0));
        assert_eq!(prio("search updates\n", "weird/x.ko"), Some(1));
        // Observed from kmod 30 (`search built-in b`, copies in b/ and h/): h/ wins, so
        // uncovered paths take built-in's place even when it comes first.
        assert_eq!(prio("search built-in b\n", "h/x.ko"), Some(0));
        assert_eq!(prio("search built-in b\n", "b/x.ko"), Some(1));
        assert_eq!(prio("search built-in b\n", "x.ko"), Some(0));
        // Observed from kmod 30: `search c h` with b/ and h/: h/ wins (b/ ranks after h/).
        assert_eq!(prio("search c h\n", "h/x.ko"), Some(1));
        assert_eq!(prio("search c h\n", "b/x.ko"), Some(2));
        // Observed from kmod 30: whole path components only; `h/`, `/h`, `./h` cover nothing.
        assert_eq!(prio("search h\n", "hh/x/x.ko"), Some(1));
        assert_eq!(prio("search h\n", "h/x/x.ko"), Some(0));
        assert_eq!(prio("search h/\n", "h/x.ko"), Some(1));
        assert_eq!(prio("search /h\n", "h/x.ko"), Some(1));
        assert_eq!(prio("search ./h\n", "h/x.ko"), Some(1));
        assert_eq!(prio("search h/x\n", "h/x/x.ko"), Some(0));
        assert_eq!(prio("search x\n", "h/x/x.ko"), Some(1));
        // Observed from kmod 30 (`search b h b/x` with b/x/ and h/): b/x/ wins: first match.
        assert_eq!(prio("search b h b/x\n", "b/x/x.ko"), Some(0));
        assert_eq!(
            prio("search kernel built-in updates\n", "updates/x.ko"),
            Some(2)
        );
    }

    #[test]
    fn external_modules_rank_at_external() {
        // Observed from kmod 30: with `search external built-in` the external copy wins; with
        // `search built-in external` or no `external` entry, the in-tree copy wins.
        let (cfg, _) = parse("external * /opt/ext\nsearch external built-in\n");
        assert_eq!(cfg.search_priority("/opt/ext/sub/x.ko"), Some(0));
        assert_eq!(cfg.search_priority("b/x.ko"), Some(1));
        let (cfg, _) = parse("external * /opt/ext\nsearch built-in external\n");
        assert_eq!(cfg.search_priority("/opt/ext/x.ko"), Some(1));
        let pr = |cfg: &DepmodConfig, rel: &str| cfg.priority("x", rel).expect("indexed");
        let (cfg, _) = parse("external * /opt/ext\n");
        assert_eq!(cfg.external_priority(), 1);
        assert!(pr(&cfg, "/opt/ext/x.ko") > pr(&cfg, "b/x.ko"));
        assert!(pr(&cfg, "/opt/ext/x.ko") > pr(&cfg, "updates/x.ko"));
        // Observed from kmod 30: an unlisted `external` ranks with `built-in` (beating named
        // directories after it, losing to in-tree copies of built-in's rank), or with uncovered
        // modules when `built-in` isn't listed either.
        let (cfg, _) = parse("external * /opt/ext\nsearch built-in b\n");
        assert!(pr(&cfg, "/opt/ext/x.ko") < pr(&cfg, "b/x.ko"));
        assert!(pr(&cfg, "/opt/ext/x.ko") > pr(&cfg, "h/x.ko"));
        let (cfg, _) = parse("external * /opt/ext\nsearch built-in h updates\n");
        assert!(pr(&cfg, "/opt/ext/x.ko") < pr(&cfg, "updates/d/x.ko"));
        let (cfg, _) = parse("external * /opt/ext\nsearch updates\n");
        assert!(pr(&cfg, "/opt/ext/x.ko") > pr(&cfg, "updates/x.ko"));
        assert!(pr(&cfg, "/opt/ext/x.ko") > pr(&cfg, "b/x.ko"));
        let (cfg, _) = parse("external * /opt/ext\nsearch b h updates\n");
        assert!(pr(&cfg, "/opt/ext/x.ko") > pr(&cfg, "x/x.ko"));
        // Observed from kmod 30: exclusion applies inside external directories, but not to the
        // components of the directory's own path.
        let (cfg, _) = parse("external * /tmp/exta\nexclude x tmp exta\n");
        assert_eq!(cfg.search_priority("/tmp/exta/x/crc64.ko"), None);
        assert_eq!(cfg.search_priority("/tmp/exta/build/crc8.ko"), None);
        assert!(cfg.search_priority("/tmp/exta/y/bch.ko").is_some());
        assert!(cfg.search_priority("/root/tmp/exta/y/bch.ko").is_some());
        // Observed from kmod 30: overrides never select an external module.
        let (cfg, _) = parse("external * /tmp/exta\noverride crc64 * /tmp/exta/x\n");
        let p = cfg
            .priority("crc64", "/tmp/exta/x/crc64.ko")
            .expect("indexed");
        assert!(!p.is_override());
        assert_eq!(p.rank(), 1);
    }

    #[test]
    fn external_directories_among_themselves() {
        // Observed from kmod 30 with crc7.ko in /tmp/exta and /tmp/extb: with `search
        // external`, lines `a, b` index exta's copy and lines `b, a` extb's (the earlier line);
        // without `external` in the search list, lines `b, a` index exta's (the later line).
        // Two copies in one external directory: the first walked wins.
        let a = "/tmp/exta/crc7.ko";
        let b = "/tmp/extb/crc7.ko";
        let p = |conf: &str, rel: &str| parse(conf).0.priority("crc7", rel).expect("indexed");
        let conf = "external * /tmp/exta\nexternal * /tmp/extb\nsearch external\n";
        assert!(p(conf, a) < p(conf, b));
        let conf = "external * /tmp/extb\nexternal * /tmp/exta\nsearch external\n";
        assert!(p(conf, b) < p(conf, a));
        let conf = "external * /tmp/extb\nexternal * /tmp/exta\n";
        assert!(p(conf, a) < p(conf, b));
        let (x, y) = (p(conf, "/tmp/extb/e/x.ko"), p(conf, "/tmp/extb/d/x.ko"));
        assert!(x == y && !y.replaces(&x));
    }

    #[test]
    fn ties_in_named_directories_go_to_the_later_file() {
        // Observed from kmod 30 (crc7.ko copies walked in the order b/, b/f/, b/g/, b/e/, b/d/):
        // `search b` and `search updates b` index b/d/crc7.ko, the last one walked; with no
        // config, `search built-in h` or `search updates`, b/crc7.ko, the first. Likewise with
        // no config, updates/d/crc7.ko beats updates/crc7.ko walked before it.
        let walk = [
            "b/crc7.ko",
            "b/f/crc7.ko",
            "b/g/crc7.ko",
            "b/e/crc7.ko",
            "b/d/crc7.ko",
        ];
        let winner = |conf: &str| {
            let cfg = parse(conf).0;
            let mut best: Option<(Priority, &str)> = None;
            for rel in walk {
                let p = cfg.priority("crc7", rel).expect("indexed");
                if best.is_none_or(|(b, _)| p.replaces(&b)) {
                    best = Some((p, rel));
                }
            }
            best.map(|(_, r)| r)
        };
        assert_eq!(winner("search b\n"), Some("b/d/crc7.ko"));
        assert_eq!(winner("search updates b\n"), Some("b/d/crc7.ko"));
        assert_eq!(winner(""), Some("b/crc7.ko"));
        assert_eq!(winner("search built-in h\n"), Some("b/crc7.ko"));
        assert_eq!(winner("search updates\n"), Some("b/crc7.ko"));
        let cfg = DepmodConfig::default();
        let first = cfg.priority("crc7", "updates/crc7.ko").expect("indexed");
        let later = cfg.priority("crc7", "updates/d/crc7.ko").expect("indexed");
        assert!(later.replaces(&first) && first.replaces(&later));
    }

    #[test]
    fn exclusion() {
        // Observed from kmod 30: exact names (files too) at any depth; several per line; no
        // globs; names with '/' match nothing; build and source always.
        let (cfg, _) = parse("exclude h crc7.ko\nexclude b\nexclude h/x *\n");
        assert_eq!(cfg.search_priority("h/x.ko"), None);
        assert_eq!(cfg.search_priority("a/h/x.ko"), None);
        assert_eq!(cfg.search_priority("b/x.ko"), None);
        assert_eq!(cfg.search_priority("c/crc7.ko"), None);
        assert_eq!(cfg.search_priority("c/crc8.ko"), Some(1));
        assert_eq!(cfg.search_priority("hh/x.ko"), Some(1));
        assert_eq!(cfg.search_priority("g/x/y.ko"), Some(1));
        assert_eq!(cfg.search_priority("build/x.ko"), None);
        assert_eq!(cfg.search_priority("a/source/x.ko"), None);
        assert!(cfg.is_excluded("build") && cfg.is_excluded("h") && !cfg.is_excluded("x"));
        assert_eq!(cfg.priority("x", "h/x.ko"), None);
    }

    #[test]
    fn overrides_by_release() {
        // Observed from kmod 30: KVER is an unanchored extended regex; `*` matches all.
        let (cfg, _) = parse(
            "override a * h\n\
             override b 6.1.0-56-amd64 h\n\
             override c 6.1 h\n\
             override d 5.10 h\n\
             override e ^6.1$ h\n\
             override f amd64 h\n\
             override g [ h\n\
             override h 5.* h\n",
        );
        let got: Vec<&str> = cfg.overrides.iter().map(|o| o.module.as_str()).collect();
        assert_eq!(got, vec!["a", "b", "c", "f", "h"]);
    }

    #[test]
    fn override_precedence() {
        // Observed from kmod 30: the copy in the override directory wins over search order;
        // the directory must equal the module's directory exactly; with two overrides the later
        // line wins, and an override whose directory has no copy doesn't cancel an earlier one.
        let p = |cfg: &DepmodConfig, m: &str, rel: &str| {
            let p = cfg.priority(m, rel).expect("indexed");
            (p.is_override(), p.rank())
        };
        let (cfg, _) = parse("search f\noverride crc7 * h\n");
        assert_eq!(p(&cfg, "crc7", "h/crc7.ko"), (true, 0));
        assert_eq!(p(&cfg, "crc7", "f/crc7.ko"), (false, 0));
        assert!(cfg.priority("crc7", "h/crc7.ko") < cfg.priority("crc7", "f/crc7.ko"));
        assert_eq!(p(&cfg, "crc7", "h/x/crc7.ko"), (false, 1));
        assert_eq!(p(&cfg, "crc8", "h/crc8.ko"), (false, 1));
        let (cfg, _) = parse("override crc7 * h/\noverride crc7 * /h\n");
        assert_eq!(p(&cfg, "crc7", "h/crc7.ko"), (false, 1));

        let (cfg, _) = parse("override crc7 * h\noverride crc7 * f\n");
        assert_eq!(cfg.override_for("crc7"), Some("f"));
        assert_eq!(cfg.override_rank("crc7", "f"), Some(0));
        assert_eq!(cfg.override_rank("crc7", "h"), Some(1));
        assert!(cfg.priority("crc7", "f/crc7.ko") < cfg.priority("crc7", "h/crc7.ko"));
        let (cfg, _) = parse("override crc7 * h\noverride crc7 * zz\n");
        assert!(cfg.priority("crc7", "h/crc7.ko") < cfg.priority("crc7", "b/crc7.ko"));
        // Module names: '-' and '_' alike (a deliberate difference: kmod 30 compares the file
        // name literally).
        let (cfg, _) = parse("override crc-itu-t * h\n");
        assert_eq!(cfg.override_for("crc_itu_t"), Some("h"));
        assert_eq!(cfg.override_for("crc-itu-t"), Some("h"));
        assert_eq!(cfg.override_for("crc7"), None);
        // Observed from kmod 30: `crc7.ko` and `CRC7` name no module.
        let (cfg, _) = parse("override crc7.ko * h\noverride CRC7 * h\n");
        assert_eq!(cfg.override_for("crc7"), None);
        // Observed from kmod 30: an excluded copy is never indexed, override or not.
        let (cfg, _) = parse("override crc7 * h\nexclude h\n");
        assert_eq!(cfg.priority("crc7", "h/crc7.ko"), None);
    }

    #[test]
    fn kver_expressions() {
        // Each expected value observed from kmod 30 with `external KVER DIR` lines (release
        // 6.1.0-56-amd64). Backslashes here are the expression itself (in a file they must be
        // doubled, since the reader eats one level).
        let cases: &[(&str, bool)] = &[
            ("*", true),
            ("6.1.0-56-amd64", true),
            ("6.1.0-56", true),
            ("6\\.1.*", true),
            ("6.1*", true),
            ("^6", true),
            ("^6.1.0-56-amd64$", true),
            ("5.*", true),
            ("amd64", true),
            (".*", true),
            ("6.1.0-56-amd64x", false),
            ("?.1.0-56-amd64", false),
            ("[0-9]*", true),
            ("6+", true),
            ("(6)", true),
            ("6|x", true),
            ("6?", true),
            ("x*", true),
            ("amd64$", true),
            ("^amd64", false),
            ("6.1.0-56-amd64.", false),
            ("[[:digit:]]", true),
            ("[", false),
            ("a**", true),
            ("(", false),
            ("*6", false),
            ("**", false),
            ("6{1}", true),
            ("^*", false),
            ("6{1", false),
            ("6{,2}", true),
            ("6{0}x", false),
            ("[[:alpha:]]", true),
            ("[^0-9.a-z-]", false),
            ("[]", false),
            ("[]]", false),
            ("[a-]", true),
            ("()", true),
            ("a||b", true),
            ("|", true),
            ("(|x)", true),
            (".", true),
            ("^$", false),
            ("$", true),
            ("^", true),
            ("6\\.1", true),
            ("x\\.1", false),
            ("x\\|6", false),
            ("\\w", true),
            ("amd\\>", false),
            ("\\bamd", true),
            ("\\<amd", true),
            ("-\\<amd", true),
            ("\\`6", true),
            ("\\`1", false),
            ("(6)\\1", false),
            ("(6).\\1", false),
            ("(.).\\1", true),
            ("AMD64", false),
            ("[[:upper:]]", false),
            ("[[.6.]]", true),
            ("[[=6=]]", true),
            ("[[:foo:]]", false),
            ("[z-a]", false),
            ("6{2,1}", false),
            ("6{1,}", true),
            ("6{0,0}", true),
            ("a{32768}", false),
            ("a{32767}|6", true),
            (")", false),
            ("6)", false),
            ("a|*", false),
            ("(*6)", false),
            ("(^6)", true),
            ("6^", false),
            ("$6", false),
            ("x$|^6", true),
            ("[^a]", true),
            ("[^[:alnum:].-]", false),
            ("[[:digit:]-]", true),
            ("[a-c-e]", false),
            ("6{1}{2}", false),
            ("6+*", true),
            ("6\\.2", false),
            ("^6\\.1\\.0-56-amd64$", true),
        ];
        for &(pattern, want) in cases {
            assert_eq!(kver_matches(pattern, REL), want, "pattern {pattern:?}");
        }
        // Not observed (no such release to test kmod with): an unmatched ')' is literal, '$'
        // anchors at the end.
        assert!(kver_matches("a)", "xa)y"));
        assert!(!kver_matches("^6\\.1\\.0-56-amd64$", "6.1.0-56-amd64-rt"));
    }

    #[test]
    fn kver_reader_strips_one_backslash() {
        // Observed from kmod 30: `external 6\.1 DIR` is the expression `6.1`, `external
        // x\|6 DIR` is `x|6` (matches), `external x\\|y DIR` is `x\|y` (doesn't).
        let (cfg, _) = parse("external x\\|6 /a\nexternal x\\\\|y /b\nexternal 6\\\\.1 /c\n");
        assert_eq!(cfg.external, vec![PathBuf::from("/a"), PathBuf::from("/c")]);
    }

    #[test]
    fn default_locations_and_precedence() {
        // Observed from kmod 30 (with real /etc, /run, /usr/local/lib, /lib depmod.d files and
        // `override` lines, the last of which wins): a basename in an earlier directory hides
        // the same basename in later ones; files are parsed in basename order across
        // directories; hidden and non-.conf files are skipped; a `*.conf` directory is reported;
        // /etc/depmod.conf is not read.
        let root = scratch("defaults");
        let ctx = Context::new(&root, REL);
        write(&root.join("etc/depmod.d/zz.conf"), "override m * etc\n");
        write(&root.join("run/depmod.d/zz.conf"), "override m * run\n");
        write(&root.join("run/depmod.d/b.conf"), "override n * run\n");
        write(
            &root.join("usr/lib/depmod.d/a.conf"),
            "override n * usrlib\n",
        );
        write(&root.join("lib/depmod.d/a.conf"), "override n * lib\n");
        write(
            &root.join("usr/local/lib/depmod.d/c.conf"),
            "search local\n",
        );
        write(&root.join("etc/depmod.d/x.txt"), "exclude txt\n");
        write(&root.join("etc/depmod.d/.h.conf"), "exclude hidden\n");
        write(&root.join("etc/depmod.d/conf"), "exclude noext\n");
        write(&root.join("etc/depmod.conf"), "exclude single\n");
        fs::create_dir_all(root.join("etc/depmod.d/d.conf")).expect("mkdir");
        let report = Collected::new();
        let cfg = DepmodConfig::load_default(&ctx, &report).expect("load");
        let msgs = report.messages();
        assert_eq!(
            msgs,
            vec![format!(
                "Directories inside directories are not supported: {}/etc/depmod.d/d.conf",
                root.display()
            )]
        );
        // a.conf (usr/lib, shadowing lib), b.conf (run), c.conf, zz.conf (etc).
        assert_eq!(
            cfg.overrides,
            vec![
                Override {
                    module: "n".into(),
                    subdir: "usrlib".into()
                },
                Override {
                    module: "n".into(),
                    subdir: "run".into()
                },
                Override {
                    module: "m".into(),
                    subdir: "etc".into()
                },
            ]
        );
        assert_eq!(cfg.override_for("n"), Some("run"));
        assert_eq!(cfg.search, dirs(&["local"]));
        assert!(cfg.exclude.is_empty());
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn nothing_configured() {
        let root = scratch("empty");
        let ctx = Context::new(&root, REL);
        let report = Collected::new();
        let cfg = DepmodConfig::load_default(&ctx, &report).expect("load");
        assert_eq!(cfg, DepmodConfig::default());
        let msgs = report.messages();
        assert!(msgs.is_empty());
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn dash_c_file_or_directory() {
        // Observed from kmod 30: -C FILE reads it whatever its name; -C DIR reads its *.conf
        // files; a missing path is silently empty; -C replaces the default directories.
        let root = scratch("dashc");
        let ctx = Context::new(&root, REL);
        write(&root.join("etc/depmod.d/a.conf"), "exclude default\n");
        let conf = root.join("cfg");
        write(&conf.join("1.conf"), "exclude a\n");
        write(&conf.join("2.txt"), "exclude b\n");
        write(&conf.join(".3.conf"), "exclude c\n");
        write(&conf.join("x.conf~"), "exclude f\n");
        write(&conf.join("sub.conf/x.conf"), "exclude d\n");
        std::os::unix::fs::symlink(conf.join("2.txt"), conf.join("link.conf")).expect("symlink");
        std::os::unix::fs::symlink(root.join("nowhere"), conf.join("dang.conf")).expect("symlink");
        let report = Collected::new();
        let cfg = DepmodConfig::load_from(&ctx, &conf, &report).expect("load");
        assert_eq!(cfg.exclude, vec!["a", "b"]);
        let mut msgs = report.messages();
        msgs.sort();
        assert_eq!(
            msgs,
            vec![
                format!(
                    "Directories inside directories are not supported: {}/dang.conf",
                    conf.display()
                ),
                format!(
                    "Directories inside directories are not supported: {}/sub.conf",
                    conf.display()
                ),
            ]
        );
        // kmod joins with '/': a trailing slash shows up doubled.
        let report = Collected::new();
        let slash = PathBuf::from(format!("{}/", conf.display()));
        DepmodConfig::load_from(&ctx, &slash, &report).expect("load");
        let msgs = report.messages();
        assert!(
            msgs.iter().any(|m| m.ends_with("cfg//sub.conf")),
            "{msgs:?}"
        );

        let report = Collected::new();
        let cfg = DepmodConfig::load_from(&ctx, &conf.join("2.txt"), &report).expect("x");
        assert_eq!(cfg.exclude, vec!["b"]);
        let msgs = report.messages();
        assert!(msgs.is_empty());

        let cfg = DepmodConfig::load_from(&ctx, &root.join("nonexistent"), &report).expect("load");
        assert_eq!(cfg, DepmodConfig::default());
        let msgs = report.messages();
        assert!(msgs.is_empty());
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn repeated_dash_c() {
        // Observed from kmod 30 (`-C m1 -C m2` with `override` lines): same basename -> the
        // earlier -C wins, also for files named directly; everything in basename order.
        let root = scratch("multi");
        let ctx = Context::new(&root, REL);
        let (m1, m2) = (root.join("m1"), root.join("m2"));
        write(&m1.join("x.conf"), "override z * p1\n");
        write(&m2.join("x.conf"), "override z * p2\n");
        write(&m2.join("a.conf"), "override z * p3\n");
        let load = |locs: &[PathBuf]| DepmodConfig::load_paths(&ctx, locs, &Discard).expect("load");
        assert_eq!(
            load(&[m1.clone(), m2.clone()]).override_for("z"),
            Some("p1")
        );
        assert_eq!(
            load(&[m2.clone(), m1.clone()]).override_for("z"),
            Some("p2")
        );
        assert_eq!(
            load(&[m2.join("x.conf"), m1.join("x.conf")]).override_for("z"),
            Some("p2")
        );
        assert_eq!(load(&[m2.join("x.conf"), m1.clone()]).overrides.len(), 1);
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn basename_order_is_bytewise() {
        // Observed from kmod 30: B.conf < a-b.conf < a.b.conf < a.conf.
        let root = scratch("order");
        let ctx = Context::new(&root, REL);
        let d = root.join("d");
        write(&d.join("B.conf"), "search B\n");
        write(&d.join("a.conf"), "search a\n");
        write(&d.join("a-b.conf"), "search a-b\n");
        write(&d.join("a.b.conf"), "search a.b\n");
        let cfg = DepmodConfig::load_from(&ctx, &d, &Discard).expect("load");
        assert_eq!(cfg.search, dirs(&["B", "a-b", "a.b", "a"]));
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn non_utf8_and_binary_files_load() {
        let root = scratch("binary");
        let ctx = Context::new(&root, REL);
        let f = root.join("bin.conf");
        fs::write(&f, b"exclude a\0b c\n\xff\xfe bogus\nexclude \xffz ok\n").expect("write");
        let report = Collected::new();
        let cfg = DepmodConfig::load_from(&ctx, &f, &report).expect("load");
        assert_eq!(cfg.exclude, vec!["a", "\u{fffd}z", "ok"]);
        let msgs = report.messages();
        assert_eq!(msgs.len(), 1);
        assert!(msgs[0].contains(":2: ignoring bad line starting with '"));
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        // A small deterministic generator (xorshift) for random text.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet =
            b"search override external exclude built-in * \\\n\t#[](){}|^$.+?0123456789-_/\0\xff";
        for _ in 0..300 {
            let len = (next() % 400) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 5 == 0 {
                        (r >> 8) as u8
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            let text = String::from_utf8_lossy(&bytes);
            let (cfg, _) = parse(&text);
            for rel in ["a/b.ko", "updates/x.ko", "/abs/x.ko", "", "/"] {
                let _ = cfg.priority("x", rel);
            }
            let _ = cfg.effective_search();
        }
        // A 1 MiB line, a 1 MiB word and a 1 MiB KVER expression.
        let big = "x".repeat(1 << 20);
        let (_, msgs) = parse(&format!("{big}\n"));
        assert_eq!(msgs.len(), 1);
        let (cfg, _) = parse(&format!("exclude {big} p0\n"));
        assert_eq!(cfg.exclude.len(), 2);
        let (cfg, _) = parse(&format!("override m {big} h\nexternal {big} /d\n"));
        assert!(cfg.overrides.is_empty() && cfg.external.is_empty());
        let (_, _) = parse(&format!("override m {}x h\n", "(".repeat(1 << 20)));
        let (_, _) = parse(&format!("override m {} h\n", "a*".repeat(1 << 19)));
        let (_, _) = parse(&format!("override m a{} h\n", "*".repeat(1 << 19)));
        let (_, _) = parse(&format!("override m {} h\n", "\\".repeat(1 << 20)));
        let (_, _) = parse(&"\\\n".repeat(1 << 18));
    }
}
