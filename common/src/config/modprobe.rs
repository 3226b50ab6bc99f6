//! `modprobe.d`: aliases, options, install / remove commands, blacklists and soft dependencies,
//! plus what the kernel command line adds to them.
//!
//! Everything below was observed from Debian's kmod 30 (`modprobe -C ... -c`, `--show-depends`,
//! `strace`, and a private mount namespace binding a made-up file over `/proc/cmdline`), unless
//! it says otherwise.
//!
//! # Where the configuration comes from
//!
//! Without `-C`, the `*.conf` files of [`CONFIG_DIRS`] (`/etc/modprobe.d`, `/run/modprobe.d`,
//! `/usr/local/lib/modprobe.d`, `/usr/lib/modprobe.d`, `/lib/modprobe.d`), kmod 34.2's list and
//! order. Debian's kmod 30 skips `/usr/lib/modprobe.d`, which is `/lib/modprobe.d` on merged-usr
//! systems; kmod 34.2 reads both, so a problem in that directory is reported twice, and so do we
//! (see [`default_locations`]). There is no single-file
//! `/etc/modprobe.conf`. `-C PATH` (repeatable, accumulating) replaces that list: a directory
//! gives its `*.conf` files, a file is read whatever its name, a missing path is silently
//! ignored.
//!
//! In both cases `modules.softdep` and `modules.weakdep` of the module directory (`-d`/`-S`
//! decide which) are read too, as configuration files with the same syntax whose names are
//! `modules.softdep` and `modules.weakdep` (kmod 34.2; kmod 30 reads no `modules.weakdep`).
//!
//! A file name seen in an earlier location shadows the same name in later ones
//! (`modules.softdep` from the module directory comes before every other location); all files
//! are then parsed in byte order of their names, whatever directory they come from
//! (`a.conf` < `modules.conf` < `modules.softdep` < `modules.softdep.conf` < `z.conf`). Hidden
//! files and names not ending in `.conf` are skipped; a `*.conf` entry that is a directory is
//! reported as `Directories inside directories are not supported: DIR/NAME`; a directory that
//! can't be opened as `opendir(DIR): <strerror>`; an entry that can't be stat'ed as `Cannot stat
//! directory entry: DIR/NAME` (kmod 34.2; kmod 30 is silent); unreadable files are skipped
//! silently. kmod 30 reads neither `/etc/modprobe.d` nor the command line
//! under `-d`: only the module directory moves.
//!
//! # Syntax
//!
//! The line reader is depmod.d's (`config/files.rs`): `\` + newline joins lines,
//! `\` + any other character is that character, a final `\` is a byte 0xFF (kept as U+FFFD), a
//! logical line ends at its first NUL, a logical line starting with `#` is a comment (`#` after
//! leading blanks is a bad line), words are split at spaces and tabs only, keywords are
//! case-sensitive.
//!
//! | line | stored |
//! |---|---|
//! | `alias PATTERN MODULE [ignored...]` | both names normalised, see [`checked_alias_key`] |
//! | `options MODULE TEXT` | TEXT is the rest of the line after the one blank following MODULE, kept verbatim except that every tab becomes a space; must not be empty |
//! | `install MODULE COMMAND`, `remove MODULE COMMAND` | COMMAND likewise, tabs kept |
//! | `blacklist MODULE [ignored...]` | |
//! | `softdep MODULE WORD...` | at least one WORD; `pre:` / `post:` switch lists, in any order and as often as wanted; words before the first tag are dropped; names are not normalised |
//! | `weakdep MODULE DEP...` | not known to kmod 30 (it rejects the line); current kmod's syntax, see [`ModprobeConfig::weakdeps`] |
//! | `include ...`, `config ...` | nothing; reported as `FILE: command include is deprecated and not parsed anymore` |
//!
//! Any other line, a line with too few words, or a MODULE / PATTERN that fails normalisation is
//! reported as `FILE line N: ignoring bad line starting with 'KEYWORD'` (N is the last physical
//! line of a continued line). kmod 30 prints each message through libkmod's logger, as
//! `libkmod: ERROR ../libkmod/libkmod-config.c:712 kmod_config_parse: <message>` (`:708` for the
//! `include` one, `conf_files_filter_out` at `:772` and `conf_files_list` at `:868` for the file
//! list ones), and carries on.
//!
//! Lookups ([`ModprobeConfig::install_command`], [`ModprobeConfig::softdep_for`], ...) use the
//! first matching line; options of all matching lines are joined; configured aliases
//! ([`ModprobeConfig::alias_modules`]) are every matching pattern's module in reading order.
//! They go through an index built on the first lookup (`config/modprobe/index.rs`), so a
//! configuration of any size answers each in about constant time, with the answers of a scan
//! in reading order. Reading keeps each file's text and a 16-byte record per entry; entries
//! become strings only when asked for (see [`ModprobeConfig`]; `tests/bench/modprobe-config.sh`
//! measures 100,000 lines, `docs/modprobe-config-speed.md` says where the time goes).
//!
//! # The kernel command line
//!
//! See [`ModprobeConfig::parse_cmdline`]. kmod reads `/proc/cmdline` after all files, so its
//! options and blacklist entries come after the files' ones.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::files::{list_files, read_files, ListDialect, LogicalLines, Text};
use crate::context::Context;
use crate::error::Error;
use crate::index::files::{MODULES_SOFTDEP, MODULES_WEAKDEP};
use crate::name::checked_alias_key;
use crate::pattern::fnmatch;
use crate::report::{Report, ReportExt};

mod cache;
mod index;
mod store;

pub use cache::CachePolicy;
use index::LazyIndex;
pub(crate) use store::Map;
use store::{Recs, U32s};

/// The configuration directories read without `-C`, strongest first.
pub const CONFIG_DIRS: [&str; 5] = [
    "/etc/modprobe.d",
    "/run/modprobe.d",
    "/usr/local/lib/modprobe.d",
    "/usr/lib/modprobe.d",
    "/lib/modprobe.d",
];

/// What `modprobe -c` prints after the configuration ([`ModprobeConfig::show_config`]) and
/// before the index dump, even when there is no configuration and no index.
///
/// The index dump that follows (the caller's job) is, observed from kmod 30: one line
/// `alias KEY VALUE` for every entry of `modules.alias.bin`, then likewise for
/// `modules.symbols.bin` (keys `symbol:NAME`), each in the index's own iteration order; missing
/// indexes print nothing. `modules.builtin.alias.bin` is not dumped, and `modules.softdep` is
/// not either (it was parsed as configuration, so it shows in the `softdep` lines).
pub const INDEX_DUMP_HEADER: &str = "\n# End of configuration files. Dumping indexes now:\n\n";

/// Which list of a `softdep` line a name was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SoftdepKind {
    /// After `pre:`: loaded before the module.
    Pre,
    /// After `post:`: loaded after the module.
    Post,
}

/// One `softdep` line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Softdep {
    /// The module, normalised ([`checked_alias_key`]).
    pub module: String,
    /// The `pre:` names in the order written, across all `pre:` tags, as written (not
    /// normalised: they may be aliases).
    pub pre: Vec<String>,
    /// The `post:` names likewise.
    pub post: Vec<String>,
    /// Every name after the first tag in the order written, pre and post interleaved, when
    /// they interleave (a kind comes back after the other): kmod 30's `-c` prints spans of it
    /// (see [`ModprobeConfig::show_config`]). When empty, `show_config` prints `pre` and
    /// `post`, which is the same for every other line.
    pub written: Vec<(SoftdepKind, String)>,
}

impl Softdep {
    /// The `softdep` line as kmod 30 prints it, without the newline: `softdep MODULE `, then, if
    /// there are `pre:` names, `pre: ` and the written names from the first to the last `pre:`
    /// name joined by spaces (post names between them included), then the same for `post: `,
    /// with no space between the two parts. So `softdep c pre: a post: b` prints as
    /// `softdep c pre: apost: b` and `softdep c pre: a post: b pre: d` as
    /// `softdep c pre: a b dpost: b`.
    pub fn display_line(&self) -> String {
        let mut line = format!("softdep {} ", self.module);
        if self.written.is_empty() {
            if !self.pre.is_empty() {
                line.push_str("pre: ");
                line.push_str(&self.pre.join(" "));
            }
            if !self.post.is_empty() {
                line.push_str("post: ");
                line.push_str(&self.post.join(" "));
            }
            return line;
        }
        for (kind, tag) in [(SoftdepKind::Pre, "pre: "), (SoftdepKind::Post, "post: ")] {
            let first = self.written.iter().position(|(k, _)| *k == kind);
            let last = self.written.iter().rposition(|(k, _)| *k == kind);
            if let (Some(first), Some(last)) = (first, last) {
                line.push_str(tag);
                let span: Vec<&str> = self.written[first..=last]
                    .iter()
                    .map(|(_, n)| n.as_str())
                    .collect();
                line.push_str(&span.join(" "));
            }
        }
        line
    }
}

/// Everything `modprobe.d` files and the kernel command line say. Each list keeps the order in
/// which lines were read (files in name order, then the command line).
///
/// Reading keeps each file's text whole and, per entry, only where its line is and the hash of
/// its module name (an alias: of its pattern's literal prefix): no entry is made into strings
/// until it is asked for. Lookups find their lines through an index built on first use (see
/// `config/modprobe/index.rs`) and parse those lines again; the whole lists
/// ([`ModprobeConfig::aliases`], ...) are made on first use too (`modprobe -c`, `--json`,
/// libkmod's configuration iterators). The lines are checked while reading, so the messages
/// about bad lines come when they did, in the same order.
#[derive(Clone, Default)]
pub struct ModprobeConfig {
    /// The files given to [`ModprobeConfig::parse_into`], in order.
    files: Vec<PathBuf>,
    /// The texts the entries are in: each file's (checked as UTF-8), and each line joined from
    /// several physical lines (a backslash), with the file number.
    texts: Vec<(Text, u32)>,
    /// Each list's entries, in reading order, in [`EntryKind`] order.
    recs: [Recs; 7],
    /// For each alias, the length of its pattern's literal prefix ([`index::literal_prefix`];
    /// 0: the pattern starts with a wildcard).
    alias_prefix: U32s,
    /// Options from the kernel command line: the normalised module and the text.
    cmdline_options: Vec<(String, String)>,
    /// Blacklist entries from the kernel command line, as written.
    cmdline_blacklist: Vec<String>,
    /// The lookup index, built on first use.
    index: LazyIndex,
    /// The whole lists, made on first use.
    lists: Lists,
}

/// The lists of [`ModprobeConfig`] as strings, each made on first use.
#[derive(Clone, Default)]
struct Lists {
    aliases: OnceLock<Vec<(String, String)>>,
    options: OnceLock<Vec<(String, String)>>,
    install: OnceLock<Vec<(String, String)>>,
    remove: OnceLock<Vec<(String, String)>>,
    blacklist: OnceLock<Vec<String>>,
    softdeps: OnceLock<Vec<Softdep>>,
    weakdeps: OnceLock<Vec<(String, Vec<String>)>>,
}

/// Where one entry is: a line of one of [`ModprobeConfig`]'s texts, or an entry of the kernel
/// command line.
#[derive(Debug, Clone, Copy)]
struct Rec {
    /// [`index::key_hash`] of the entry's module name, normalised; for an alias, of its
    /// pattern's literal prefix ([`index::literal_prefix`]).
    hash: u32,
    /// The text (into `texts`), or [`CMDLINE`]: then `start` is the position in
    /// `cmdline_options` or `cmdline_blacklist`.
    text: u32,
    /// Where the line starts in the text. It ends at the first newline or NUL (a line kept
    /// apart has neither).
    start: u32,
    /// The number of its (last) physical line, from 1.
    line: u32,
}

/// The text number of entries from the kernel command line.
const CMDLINE: u32 = u32::MAX;

/// The lists of a [`ModprobeConfig`], to ask where one of their entries was read
/// ([`ModprobeConfig::origin`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    /// [`ModprobeConfig::aliases`].
    Alias,
    /// [`ModprobeConfig::options`].
    Options,
    /// [`ModprobeConfig::install`].
    Install,
    /// [`ModprobeConfig::remove`].
    Remove,
    /// [`ModprobeConfig::blacklist`].
    Blacklist,
    /// [`ModprobeConfig::softdeps`].
    Softdep,
    /// [`ModprobeConfig::weakdeps`].
    Weakdep,
}

/// Where a configuration entry was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin<'a> {
    /// A line of a file (the last physical line of a continued line, as in kmod's messages).
    File {
        /// The file, as it was given to [`ModprobeConfig::parse_into`].
        path: &'a Path,
        /// Line number, from 1.
        line: usize,
    },
    /// The kernel command line ([`ModprobeConfig::parse_cmdline`]).
    KernelCmdline,
    /// Not known: there is no such entry.
    Unknown,
}

impl std::fmt::Display for Origin<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::File { path, line } => write!(f, "{}:{line}", path.display()),
            Origin::KernelCmdline => f.write_str("kernel command line"),
            Origin::Unknown => f.write_str("unknown"),
        }
    }
}

/// What a line says, its words borrowed from it ([`parse_line`]).
enum Line<'a> {
    /// A blank line or a comment.
    Nothing,
    /// A good line adding an entry.
    Entry(Raw<'a>),
    /// `include` or `config`, with the keyword.
    Deprecated(&'a str),
    /// A bad line, with its first word.
    Bad(&'a str),
}

/// A good line's entry, as written.
#[derive(Clone, Copy)]
struct Raw<'a> {
    kind: EntryKind,
    /// The module name (an alias's pattern), not normalised.
    name: &'a str,
    /// An alias's module, the text of `options`, the command of `install` and `remove`, the
    /// names of `softdep` and `weakdep` (after the one blank ending the module).
    rest: &'a str,
    /// See [`Rec::hash`] and [`ModprobeConfig::alias_prefix`].
    hash: u32,
    prefix: u32,
}

/// An entry of `kind` whose module name is `name`, if it is good (`hash`, see [`Rec::hash`]).
fn entry<'a>(kind: EntryKind, name: &'a str, rest: &'a str, hash: Option<u32>) -> Option<Raw<'a>> {
    Some(Raw {
        kind,
        name,
        rest,
        hash: hash?,
        prefix: 0,
    })
}

/// Parses one logical line (cut at its first NUL). The names are checked as
/// [`checked_alias_key`] checks them, without making strings.
fn parse_line(line: &str) -> Line<'_> {
    if line.starts_with('#') {
        return Line::Nothing;
    }
    let Some((keyword, rest)) = split_word(line) else {
        return Line::Nothing;
    };
    let raw =
        match keyword {
            "alias" => {
                let pattern = split_word(rest);
                let module = pattern.and_then(|(_, after)| split_word(after));
                match (pattern, module) {
                    (Some((pattern, _)), Some((module, _)))
                        if index::key_hash(module).is_some() =>
                    {
                        index::pattern_hash(pattern).map(|(hash, prefix)| Raw {
                            kind: EntryKind::Alias,
                            name: pattern,
                            rest: module,
                            hash,
                            prefix,
                        })
                    }
                    _ => None,
                }
            }
            "options" => parse_rest(rest)
                .and_then(|(m, t)| entry(EntryKind::Options, m, t, index::key_hash(m))),
            "install" => parse_rest(rest)
                .and_then(|(m, t)| entry(EntryKind::Install, m, t, index::key_hash(m))),
            "remove" => parse_rest(rest)
                .and_then(|(m, t)| entry(EntryKind::Remove, m, t, index::key_hash(m))),
            "blacklist" => split_word(rest)
                .and_then(|(m, _)| entry(EntryKind::Blacklist, m, "", index::key_hash(m))),
            "softdep" => dep_line(rest)
                .and_then(|(m, t)| entry(EntryKind::Softdep, m, t, index::key_hash(m))),
            "weakdep" => dep_line(rest)
                .and_then(|(m, t)| entry(EntryKind::Weakdep, m, t, index::key_hash(m))),
            "include" | "config" => return Line::Deprecated(keyword),
            _ => None,
        };
    match raw {
        Some(raw) => Line::Entry(raw),
        None => Line::Bad(keyword),
    }
}

/// The owned entry of a good line: names normalised ([`checked_alias_key`], which the line
/// passed when it was read).
fn key(name: &str) -> String {
    checked_alias_key(name).unwrap_or_else(|| crate::name::normalize(name))
}

/// A `softdep` line's entry: `module` normalised, `names` after it.
fn softdep_of(module: String, names: &str) -> Softdep {
    let mut softdep = Softdep {
        module,
        ..Softdep::default()
    };
    // `written` is kept only when the kinds interleave (`pre: a post: b pre: c`), the one
    // case where kmod 30's `-c` line differs from `pre` and `post` joined.
    let mut switches = 0;
    let mut last = None;
    for (kind, name) in tagged_names(dep_words(names)) {
        if last.is_some_and(|k| k != kind) {
            switches += 1;
        }
        last = Some(kind);
        match kind {
            SoftdepKind::Pre => softdep.pre.push(name.to_string()),
            SoftdepKind::Post => softdep.post.push(name.to_string()),
        }
    }
    if switches > 1 {
        softdep.written = tagged_names(dep_words(names))
            .map(|(k, n)| (k, n.to_string()))
            .collect();
    }
    softdep
}

/// A position as stored: a configuration is read into memory whole, so its lines and texts
/// are far fewer than 4 billion (saturating rather than wrapping, all the same).
fn pos32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX - 1)
}

impl ModprobeConfig {
    /// Reads the default locations: the `*.conf` files of [`CONFIG_DIRS`], each resolved under
    /// `ctx`'s root, and `modules.softdep` of `ctx`'s module directory. Problems are reported
    /// through `warn` (see the module documentation) and skipped, as kmod does, so this doesn't
    /// fail today. The kernel command line is not read: pass it to
    /// [`ModprobeConfig::parse_cmdline`] afterwards.
    ///
    /// kmod 30 reads the configuration directories of `/` even with `-d ROOT`; a caller wanting
    /// that passes [`default_locations`] of a context rooted at `/` to
    /// [`ModprobeConfig::load_locations`] together with ROOT's module directory.
    pub fn load_default(ctx: &Context, report: &dyn Report) -> Result<Self, Error> {
        Self::load_locations(Some(&ctx.module_dir()), &default_locations(ctx), report)
    }

    /// `modprobe -C PATH...`: reads the given files and directories (as given, not under `ctx`'s
    /// root) instead of the default directories, and `modules.softdep` of `ctx`'s module
    /// directory. Repeated `-C` accumulate.
    pub fn load_from(ctx: &Context, paths: &[PathBuf], report: &dyn Report) -> Result<Self, Error> {
        Self::load_locations(Some(&ctx.module_dir()), paths, report)
    }

    /// The general loader: `modules.softdep` of `module_dir` (if given; a missing file is fine)
    /// and the files of `locations` (files, and directories of `*.conf` files), a file name seen
    /// earlier shadowing later ones, all parsed in byte order of their names.
    pub fn load_locations(
        module_dir: Option<&Path>,
        locations: &[PathBuf],
        report: &dyn Report,
    ) -> Result<Self, Error> {
        Self::load_cached(module_dir, locations, report, &CachePolicy::Off)
    }

    /// [`ModprobeConfig::load_locations`], through the cache of a large configuration that
    /// `policy` allows (modprobe's; see [`CachePolicy`]): the same configuration and the same
    /// messages, without reading the files' text when the cache holds them.
    pub fn load_cached(
        module_dir: Option<&Path>,
        locations: &[PathBuf],
        report: &dyn Report,
        policy: &CachePolicy,
    ) -> Result<Self, Error> {
        use std::os::unix::ffi::OsStrExt;
        let mut files: BTreeMap<OsString, PathBuf> = BTreeMap::new();
        // The cache file is named after what the list is made of.
        let mut place = Vec::new();
        if let Some(dir) = module_dir {
            // kmod joins with a literal '/', and opens these files without listing anything.
            for name in [MODULES_SOFTDEP, MODULES_WEAKDEP] {
                let mut path = dir.as_os_str().to_owned();
                path.push("/");
                path.push(name);
                files.insert(OsString::from(name), PathBuf::from(path));
            }
            place.extend_from_slice(dir.as_os_str().as_bytes());
        }
        for loc in locations {
            place.push(0);
            place.extend_from_slice(loc.as_os_str().as_bytes());
        }
        let files = list_files(files, locations, ListDialect::Modprobe, report);
        let parse = |report: &dyn Report| {
            let mut config = ModprobeConfig::default();
            read_files(&files, ListDialect::Modprobe, report, &mut |path, text| {
                config.parse_text(text, path, report)
            });
            config
        };
        Ok(cache::load(&files, &place, report, policy, &parse))
    }

    /// Parses one file's text into `self`; `file` names it in messages. Never fails: bad lines
    /// are reported through `warn` (`FILE line N: ignoring bad line starting with 'WORD'`) and
    /// skipped.
    pub fn parse_into(&mut self, text: &str, file: &Path, report: &dyn Report) {
        self.parse_text(Text::Owned(text.to_string()), file, report);
    }

    /// [`ModprobeConfig::parse_into`], keeping `text` (the entries are places in it).
    fn parse_text(&mut self, text: Text, file: &Path, report: &dyn Report) {
        // Checked once as UTF-8; a text that isn't is kept with its invalid bytes replaced.
        let mut lossy: Option<String> = None;
        let checked: &str = match &text {
            Text::Owned(s) => s,
            other => match std::str::from_utf8(other.bytes()) {
                Ok(s) => s,
                Err(_) => {
                    lossy = Some(String::from_utf8_lossy(other.bytes()).into_owned());
                    lossy.as_deref().unwrap_or_default()
                }
            },
        };
        self.changed();
        let file_no = pos32(self.files.len());
        self.files.push(file.to_path_buf());
        let text_no = pos32(self.texts.len());
        // Lines joined from several physical lines, kept after the file's text.
        let mut joined: Vec<String> = Vec::new();
        // A text too long for the positions keeps each line apart (never, in practice).
        let long = u32::try_from(checked.len()).is_err();
        // Lines are cut at their first NUL: looked for in each line only if the text has one.
        let nul = memchr::memchr(0, checked.as_bytes()).is_some();
        for (lineno, logical) in LogicalLines::new(checked) {
            let line = match nul.then(|| memchr::memchr(0, logical.as_bytes())).flatten() {
                Some(nul) => &logical[..nul],
                None => &logical[..],
            };
            let raw = match parse_line(line) {
                Line::Nothing => continue,
                Line::Entry(raw) => raw,
                Line::Deprecated(keyword) => {
                    report.error(format!(
                        "{}: command {} is deprecated and not parsed anymore",
                        file.display(),
                        keyword
                    ));
                    continue;
                }
                Line::Bad(keyword) => {
                    report.error(format!(
                        "{} line {}: ignoring bad line starting with '{}'",
                        file.display(),
                        lineno,
                        keyword
                    ));
                    continue;
                }
            };
            let (text_at, start) = match &logical {
                Cow::Borrowed(b) if !long => {
                    (text_no, b.as_ptr() as usize - checked.as_ptr() as usize)
                }
                _ => {
                    joined.push(line.to_string());
                    (pos32(self.texts.len() + joined.len()), 0)
                }
            };
            if raw.kind == EntryKind::Alias {
                self.alias_prefix.push(raw.prefix);
            }
            self.recs[raw.kind as usize].push(Rec {
                hash: raw.hash,
                text: text_at,
                start: pos32(start),
                line: pos32(lineno),
            });
        }
        let text = match lossy {
            Some(replaced) => Text::Owned(replaced),
            None => text,
        };
        self.texts.push((text, file_no));
        self.texts
            .extend(joined.into_iter().map(|l| (Text::Owned(l), file_no)));
    }

    /// Forgets the lists made so far: entries are being added. (The index's tables stay: they
    /// cover the entries there were, and lookups walk the ones added after.)
    fn changed(&mut self) {
        self.lists = Lists::default();
    }

    /// The number of entries in the list `kind`.
    pub fn len(&self, kind: EntryKind) -> usize {
        self.recs[kind as usize].len()
    }

    /// Whether the configuration has no entries at all.
    pub fn is_empty(&self) -> bool {
        self.recs.iter().all(Recs::is_empty)
    }

    /// The line of a file entry (`None` for one from the kernel command line).
    fn raw(&self, rec: Rec) -> Option<Raw<'_>> {
        let (text, _) = self.texts.get(rec.text as usize)?;
        let line = text.bytes().get(rec.start as usize..)?;
        let line = &line[..memchr::memchr2(b'\n', 0, line).unwrap_or(line.len())];
        // Checked with the whole text: cut at ASCII bytes, the line is valid too.
        let line = std::str::from_utf8(line).ok()?;
        match parse_line(line) {
            Line::Entry(raw) => Some(raw),
            _ => None,
        }
    }

    /// The entry `i` of the list `kind`, as written (see [`Stored`]).
    fn stored(&self, kind: EntryKind, i: usize) -> Option<Stored<'_>> {
        let rec = self.recs[kind as usize].get(i)?;
        if rec.text == CMDLINE {
            let at = rec.start as usize;
            return match kind {
                EntryKind::Options => self.cmdline_options.get(at).map(Stored::Options),
                EntryKind::Blacklist => {
                    self.cmdline_blacklist.get(at).map(|b| Stored::Blacklist(b))
                }
                _ => None,
            };
        }
        self.raw(rec).map(Stored::Line)
    }

    /// The module name of entry `i` of `kind`, normalised (an alias's pattern), as the list
    /// has it.
    fn name_at(&self, kind: EntryKind, i: usize) -> Option<Cow<'_, str>> {
        Some(match self.stored(kind, i)? {
            Stored::Line(raw) => Cow::Owned(key(raw.name)),
            Stored::Options((m, _)) => Cow::Borrowed(m.as_str()),
            Stored::Blacklist(b) => Cow::Borrowed(b),
        })
    }

    /// Entry `i` of [`ModprobeConfig::aliases`] (the pattern and the module).
    pub fn alias_at(&self, i: usize) -> Option<(String, String)> {
        match self.stored(EntryKind::Alias, i)? {
            Stored::Line(raw) => Some((key(raw.name), key(raw.rest))),
            _ => None,
        }
    }

    /// Entry `i` of [`ModprobeConfig::options`] (the module and the text).
    pub fn option_at(&self, i: usize) -> Option<(String, String)> {
        match self.stored(EntryKind::Options, i)? {
            Stored::Line(raw) => Some((key(raw.name), raw.rest.replace('\t', " "))),
            Stored::Options(entry) => Some(entry.clone()),
            Stored::Blacklist(_) => None,
        }
    }

    /// The text of entry `i` of [`ModprobeConfig::options`], tabs turned into spaces.
    fn option_text(&self, i: usize) -> Option<Cow<'_, str>> {
        match self.stored(EntryKind::Options, i)? {
            Stored::Line(raw) if raw.rest.contains('\t') => {
                Some(Cow::Owned(raw.rest.replace('\t', " ")))
            }
            Stored::Line(raw) => Some(Cow::Borrowed(raw.rest)),
            Stored::Options((_, text)) => Some(Cow::Borrowed(text)),
            Stored::Blacklist(_) => None,
        }
    }

    /// The module and the command of entry `i` of `kind` (install or remove).
    fn command_at(&self, kind: EntryKind, i: usize) -> Option<(String, &str)> {
        match self.stored(kind, i)? {
            Stored::Line(raw) => Some((key(raw.name), raw.rest)),
            _ => None,
        }
    }

    /// Entry `i` of [`ModprobeConfig::install`] (the module and the command).
    pub fn install_at(&self, i: usize) -> Option<(String, String)> {
        self.command_at(EntryKind::Install, i)
            .map(|(m, c)| (m, c.to_string()))
    }

    /// Entry `i` of [`ModprobeConfig::remove`] (the module and the command).
    pub fn remove_at(&self, i: usize) -> Option<(String, String)> {
        self.command_at(EntryKind::Remove, i)
            .map(|(m, c)| (m, c.to_string()))
    }

    /// Entry `i` of [`ModprobeConfig::blacklist`].
    pub fn blacklist_at(&self, i: usize) -> Option<String> {
        self.name_at(EntryKind::Blacklist, i).map(Cow::into_owned)
    }

    /// Entry `i` of [`ModprobeConfig::softdeps`].
    pub fn softdep_at(&self, i: usize) -> Option<Softdep> {
        match self.stored(EntryKind::Softdep, i)? {
            Stored::Line(raw) => Some(softdep_of(key(raw.name), raw.rest)),
            _ => None,
        }
    }

    /// Entry `i` of [`ModprobeConfig::weakdeps`].
    pub fn weakdep_at(&self, i: usize) -> Option<(String, Vec<String>)> {
        match self.stored(EntryKind::Weakdep, i)? {
            Stored::Line(raw) => Some((
                key(raw.name),
                dep_words(raw.rest).map(str::to_string).collect(),
            )),
            _ => None,
        }
    }

    /// Every entry of `kind` made by `at`.
    fn all<T>(&self, kind: EntryKind, at: impl Fn(usize) -> Option<T>) -> Vec<T> {
        (0..self.len(kind)).filter_map(at).collect()
    }

    /// `alias PATTERN MODULE`: the pattern (a shell wildcard, matched by the caller) and the
    /// module, both normalised by [`checked_alias_key`] ('-' becomes '_' outside brackets).
    pub fn aliases(&self) -> &[(String, String)] {
        self.lists
            .aliases
            .get_or_init(|| self.all(EntryKind::Alias, |i| self.alias_at(i)))
    }

    /// `options MODULE TEXT` and command-line `MODULE.PARAM[=VALUE]`: the normalised module and
    /// the text, tabs turned into spaces. One entry per line or command-line word.
    pub fn options(&self) -> &[(String, String)] {
        self.lists
            .options
            .get_or_init(|| self.all(EntryKind::Options, |i| self.option_at(i)))
    }

    /// `install MODULE COMMAND`: the normalised module and the command, verbatim (it may start
    /// with blanks).
    pub fn install(&self) -> &[(String, String)] {
        self.lists
            .install
            .get_or_init(|| self.all(EntryKind::Install, |i| self.install_at(i)))
    }

    /// `remove MODULE COMMAND`, like `install`.
    pub fn remove(&self) -> &[(String, String)] {
        self.lists
            .remove
            .get_or_init(|| self.all(EntryKind::Remove, |i| self.remove_at(i)))
    }

    /// `blacklist MODULE` (normalised) and `modprobe.blacklist=` entries from the command line
    /// (as written, not normalised: kmod 30 compares them literally, so `crc-itu-t` there never
    /// matches; empty entries are kept).
    pub fn blacklist(&self) -> &[String] {
        self.lists
            .blacklist
            .get_or_init(|| self.all(EntryKind::Blacklist, |i| self.blacklist_at(i)))
    }

    /// `softdep` lines.
    pub fn softdeps(&self) -> &[Softdep] {
        self.lists
            .softdeps
            .get_or_init(|| self.all(EntryKind::Softdep, |i| self.softdep_at(i)))
    }

    /// `weakdep MODULE DEP...`: the normalised module and the names as written. kmod 30 doesn't
    /// know this directive (it reports the line as bad); this follows current kmod's manual:
    /// the kernel may request these modules while the module initialises, so userspace doesn't
    /// load them, but tools that gather modules (initramfs generators) include them.
    pub fn weakdeps(&self) -> &[(String, Vec<String>)] {
        self.lists
            .weakdeps
            .get_or_init(|| self.all(EntryKind::Weakdep, |i| self.weakdep_at(i)))
    }

    /// Where entry `i` of the list `kind` was read.
    pub fn origin(&self, kind: EntryKind, i: usize) -> Origin<'_> {
        let Some(rec) = self.recs[kind as usize].get(i) else {
            return Origin::Unknown;
        };
        if rec.text == CMDLINE {
            return Origin::KernelCmdline;
        }
        let file = self.texts.get(rec.text as usize).map(|&(_, f)| f);
        match file.and_then(|f| self.files.get(f as usize)) {
            Some(path) => Origin::File {
                path,
                line: rec.line as usize,
            },
            None => Origin::Unknown,
        }
    }

    /// Adds what the kernel command line (the text of `/proc/cmdline`) says, after everything
    /// read so far, as kmod does after reading the files. Observed from kmod 30:
    ///
    /// - Words are separated by whitespace (space, `\t`, `\n`, `\v`, `\f`, `\r`) outside double
    ///   quotes; a quote toggles quoting anywhere in a word and stays in the word. A word whose
    ///   quote is still open at the end of the text is dropped. `--` is not special.
    /// - A word starting with `"` has that quote moved to just after its first `=`, so
    ///   `"mod.p=a b"` means `mod.p="a b"`.
    /// - The word must be `MODULE.PARAM` or `MODULE.PARAM=VALUE`, split at the first `.`: a `=`
    ///   before any `.`, a `.` in PARAM, or a quote or whitespace in MODULE or PARAM makes kmod
    ///   ignore it silently. MODULE and PARAM may be empty (`.p=1` gives options for module
    ///   ``). Dots, `=` and quotes in VALUE are fine.
    /// - MODULE is normalised ([`checked_alias_key`]); if that fails, `warn` gets `Ignoring
    ///   bad option on kernel command line while parsing module name: 'MODULE'` (kmod 30 logs it
    ///   as `libkmod: ERROR ../libkmod/libkmod-config.c:489 kcmdline_parse_result: ...`). PARAM
    ///   and VALUE are kept as written (`a-b.c-d=1` is `options a_b c-d=1`), tabs turned into
    ///   spaces, as one [`ModprobeConfig::options`] entry per word.
    /// - `modprobe.blacklist=A,B` adds each comma-separated entry (empty ones too) to the
    ///   blacklist, not normalised. `modprobe.blacklist` without `=`, and `modprobe.OTHER`, are
    ///   ordinary options of a module called `modprobe`.
    pub fn parse_cmdline(&mut self, cmdline: &str, report: &dyn Report) {
        self.changed();
        for word in cmdline_words(cmdline) {
            self.cmdline_word(word, report);
        }
    }

    fn cmdline_word(&mut self, word: &str, report: &dyn Report) {
        let moved;
        let word = match word.strip_prefix('"') {
            Some(rest) => {
                moved = match rest.split_once('=') {
                    Some((before, after)) => format!("{before}=\"{after}"),
                    None => rest.to_string(),
                };
                moved.as_str()
            }
            None => word,
        };
        let Some(dot) = word
            .find(['.', '='])
            .filter(|&i| word[i..].starts_with('.'))
        else {
            return;
        };
        let (module, param) = (&word[..dot], &word[dot + 1..]);
        let (name, value) = match param.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (param, None),
        };
        let bad = |s: &str| s.contains(|c: char| c == '"' || is_cmdline_space(c));
        if name.contains('.') || bad(name) || bad(module) {
            return;
        }
        let Some(module) = checked_alias_key(module) else {
            report.error(format!(
                "Ignoring bad option on kernel command line while parsing module name: '{module}'"
            ));
            return;
        };
        let rec = |at: usize, name: &str| Rec {
            hash: index::hash(name.as_bytes()),
            text: CMDLINE,
            start: pos32(at),
            line: 0,
        };
        match value {
            Some(list) if module == "modprobe" && name == "blacklist" => {
                for entry in list.split(',') {
                    let r = rec(self.cmdline_blacklist.len(), entry);
                    self.recs[EntryKind::Blacklist as usize].push(r);
                    self.cmdline_blacklist.push(entry.to_string());
                }
            }
            _ => {
                let r = rec(self.cmdline_options.len(), &module);
                self.recs[EntryKind::Options as usize].push(r);
                self.cmdline_options
                    .push((module, param.replace('\t', " ")));
            }
        }
    }

    /// The positions of the entries of `kind` whose normalised module name is `name` (already
    /// normalised), in reading order.
    fn entries_named<'a>(
        &'a self,
        kind: EntryKind,
        name: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        let hash = index::hash(name.as_bytes());
        let recs = &self.recs[kind as usize];
        self.index
            .candidates(self, kind, hash)
            .filter(move |&i| recs.hash(i) == Some(hash))
            .filter(move |&i| self.name_at(kind, i).is_some_and(|n| n == name))
    }

    /// The position of the first entry of `kind` for `module` ('-' and '_' alike).
    fn first_named(&self, kind: EntryKind, module: &str) -> Option<usize> {
        let name = lookup_name(module);
        let first = self.entries_named(kind, &name).next();
        first
    }

    /// The options for `module` ('-' and '_' alike): the text of every matching
    /// [`ModprobeConfig::options`] entry in order (files, then command line), joined by single
    /// spaces, as kmod passes them; `None` when there are none.
    pub fn options_for(&self, module: &str) -> Option<String> {
        self.options_via(module, None)
    }

    /// The options for `module` reached through `alias`: every entry for either name, in
    /// configuration order (so an alias's `options` line in an earlier file comes first; observed
    /// from kmod 30 on a real kernel).
    pub fn options_via(&self, module: &str, alias: Option<&str>) -> Option<String> {
        self.options_joined(&self.option_entries(module, alias))
    }

    /// The texts of the options entries at `positions`, joined by single spaces; `None` for
    /// none.
    pub fn options_joined(&self, positions: &[usize]) -> Option<String> {
        let texts: Vec<Cow<'_, str>> = positions
            .iter()
            .filter_map(|&i| self.option_text(i))
            .collect();
        (!texts.is_empty()).then(|| texts.join(" "))
    }

    /// The positions in [`ModprobeConfig::options`] of the entries
    /// [`ModprobeConfig::options_via`] joins, in order.
    pub fn option_entries(&self, module: &str, alias: Option<&str>) -> Vec<usize> {
        let module = lookup_name(module);
        let alias = alias.map(lookup_name).filter(|a| *a != module);
        let mut positions: Vec<usize> = self.entries_named(EntryKind::Options, &module).collect();
        if let Some(alias) = &alias {
            positions.extend(self.entries_named(EntryKind::Options, alias));
            positions.sort_unstable();
        }
        positions
    }

    /// Whether `module` ('-' and '_' alike) is blacklisted. Command-line entries are compared as
    /// written, so only their '_' spelling matches (observed from kmod 30).
    pub fn is_blacklisted(&self, module: &str) -> bool {
        self.blacklist_entry(module).is_some()
    }

    /// The position in [`ModprobeConfig::blacklist`] of the first entry blacklisting `module`.
    pub fn blacklist_entry(&self, module: &str) -> Option<usize> {
        self.first_named(EntryKind::Blacklist, module)
    }

    /// The command of the first `install` line for `module` ('-' and '_' alike).
    pub fn install_command(&self, module: &str) -> Option<&str> {
        let i = self.install_entry(module)?;
        self.command_at(EntryKind::Install, i).map(|(_, c)| c)
    }

    /// The position in [`ModprobeConfig::install`] of the first line for `module`.
    pub fn install_entry(&self, module: &str) -> Option<usize> {
        self.first_named(EntryKind::Install, module)
    }

    /// The command of the first `remove` line for `module` ('-' and '_' alike).
    pub fn remove_command(&self, module: &str) -> Option<&str> {
        let i = self.remove_entry(module)?;
        self.command_at(EntryKind::Remove, i).map(|(_, c)| c)
    }

    /// The position in [`ModprobeConfig::remove`] of the first line for `module`.
    pub fn remove_entry(&self, module: &str) -> Option<usize> {
        self.first_named(EntryKind::Remove, module)
    }

    /// The first `softdep` line for `module` ('-' and '_' alike); later ones are ignored, as
    /// kmod 30 does.
    pub fn softdep_for(&self, module: &str) -> Option<Softdep> {
        self.softdep_entry(module).and_then(|i| self.softdep_at(i))
    }

    /// The position in [`ModprobeConfig::softdeps`] of [`ModprobeConfig::softdep_for`]'s line.
    pub fn softdep_entry(&self, module: &str) -> Option<usize> {
        self.first_named(EntryKind::Softdep, module)
    }

    /// The names of the first `weakdep` line for `module` ('-' and '_' alike). (First, like
    /// `softdep`; not observable with kmod 30.)
    pub fn weakdep_for(&self, module: &str) -> Option<Vec<String>> {
        self.weakdep_entry(module)
            .and_then(|i| self.weakdep_at(i))
            .map(|(_, names)| names)
    }

    /// The position in [`ModprobeConfig::weakdeps`] of [`ModprobeConfig::weakdep_for`]'s line.
    pub fn weakdep_entry(&self, module: &str) -> Option<usize> {
        self.first_named(EntryKind::Weakdep, module)
    }

    /// The modules of the `alias` lines whose pattern matches `key` (a query as
    /// [`crate::name::alias_key`] makes it) with `fnmatch`, in reading order, duplicates
    /// included: what modprobe tries first for a name.
    pub fn alias_modules(&self, key: &str) -> Vec<String> {
        self.alias_entries(key)
            .iter()
            .filter_map(|&i| self.alias_at(i))
            .map(|(_, m)| m)
            .collect()
    }

    /// The positions in [`ModprobeConfig::aliases`] of the lines
    /// [`ModprobeConfig::alias_modules`] answers with, in reading order.
    pub fn alias_entries(&self, key: &str) -> Vec<usize> {
        let key = key.as_bytes();
        let matches = |i: usize| {
            self.name_at(EntryKind::Alias, i)
                .is_some_and(|p| fnmatch(p.as_bytes(), key))
        };
        let mut hits: Vec<usize> = self
            .index
            .alias_candidates(self, key)
            .filter(|&i| matches(i))
            .collect();
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    /// The configuration part of `modprobe -c`, byte-identical to kmod 30's for the same input:
    /// `blacklist M`, `install M CMD`, `remove M CMD`, `alias PATTERN M`, `options M TEXT`, then
    /// `softdep` lines ([`Softdep::display_line`]), each section in reading order, one line each,
    /// then `weakdep M DEP...` lines as kmod 34.2 prints them (kmod 30 has none), from the
    /// configuration files and the module directory's `modules.weakdep` in reading order.
    ///
    /// The caller then writes [`INDEX_DUMP_HEADER`] and the index dump described there. Text
    /// that wasn't UTF-8 prints as U+FFFD where kmod prints the original bytes.
    pub fn show_config(&self, out: &mut impl Write) -> io::Result<()> {
        let mut buf = Vec::new();
        for module in self.blacklist() {
            writeln!(buf, "blacklist {module}")?;
        }
        for (module, cmd) in self.install() {
            writeln!(buf, "install {module} {cmd}")?;
        }
        for (module, cmd) in self.remove() {
            writeln!(buf, "remove {module} {cmd}")?;
        }
        for (pattern, module) in self.aliases() {
            writeln!(buf, "alias {pattern} {module}")?;
        }
        for (module, text) in self.options() {
            writeln!(buf, "options {module} {text}")?;
        }
        for softdep in self.softdeps() {
            writeln!(buf, "{}", softdep.display_line())?;
        }
        for (module, deps) in self.weakdeps() {
            writeln!(buf, "weakdep {module} {}", deps.join(" "))?;
        }
        out.write_all(&buf)
    }
}

/// An entry as stored: a good line, or an entry of the kernel command line.
enum Stored<'a> {
    Line(Raw<'a>),
    Options(&'a (String, String)),
    Blacklist(&'a str),
}

impl PartialEq for ModprobeConfig {
    /// Two configurations are equal when their lists are, wherever they were read.
    fn eq(&self, other: &ModprobeConfig) -> bool {
        self.recs
            .iter()
            .zip(&other.recs)
            .all(|(a, b)| a.len() == b.len())
            && self.aliases() == other.aliases()
            && self.options() == other.options()
            && self.install() == other.install()
            && self.remove() == other.remove()
            && self.blacklist() == other.blacklist()
            && self.softdeps() == other.softdeps()
            && self.weakdeps() == other.weakdeps()
    }
}

impl Eq for ModprobeConfig {}

impl std::fmt::Debug for ModprobeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModprobeConfig")
            .field("aliases", &self.aliases())
            .field("options", &self.options())
            .field("install", &self.install())
            .field("remove", &self.remove())
            .field("blacklist", &self.blacklist())
            .field("softdeps", &self.softdeps())
            .field("weakdeps", &self.weakdeps())
            .finish()
    }
}

/// The default configuration directories under `ctx`'s root, strongest first: all of
/// [`CONFIG_DIRS`], as kmod 34.2 reads them. On a merged-usr system `/usr/lib/modprobe.d` and
/// `/lib/modprobe.d` are one directory, read twice: its files are shadowed the second time (same
/// names), but its problems (a `*.conf` directory) are reported under both paths, as kmod 34.2
/// reports them (observed with strace and `-c` in Debian 13). Debian's kmod 30 reads only
/// `/lib/modprobe.d` (compatibility row `modprobe-usr-lib`).
pub fn default_locations(ctx: &Context) -> Vec<PathBuf> {
    CONFIG_DIRS.iter().map(|dir| ctx.path(dir)).collect()
}

/// A name given to a lookup, normalised like the stored ones (plainly, if it isn't valid).
fn lookup_name(module: &str) -> String {
    checked_alias_key(module).unwrap_or_else(|| crate::name::normalize(module))
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// The words of a configuration line.
fn words(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_blank).filter(|w| !w.is_empty())
}

/// The words of a `softdep` or `weakdep` line's NAMES (see [`dep_line`]), cut as kmod 30 and
/// 34.2 cut them: NAMES' first character is never taken for a blank, so a NAMES that starts
/// with one blank and then a word has that blank in its first word. `softdep m  pre: x` (two
/// blanks after `m`) has the words ` pre:` (not a tag, so `x` is dropped too: `softdep m ` in
/// `-c`) and `x`; `weakdep m  x` depends on ` x` (printed `weakdep m  x`). With two or more
/// blanks the first word is a blank alone, which a softdep drops as it comes before any tag.
/// Observed with `modprobe -c` (tests/diff/config-sweep.sh found it).
fn dep_words(names: &str) -> impl Iterator<Item = &str> {
    let first_end = names
        .char_indices()
        .skip(1)
        .find(|&(_, c)| is_blank(c))
        .map_or(names.len(), |(i, _)| i);
    let (first, rest) = names.split_at(first_end);
    std::iter::once(first)
        .filter(|w| !w.is_empty() && !w.chars().all(is_blank))
        .chain(words(rest))
}

/// `MODULE NAMES` of `softdep` and `weakdep`: the module (not normalised) and the text after
/// the one blank that ends it, which must not be empty, though it may be all blanks: kmod 30
/// and 34.2 keep `softdep m` (34.2: `weakdep m`) followed by two blanks, with no names, and
/// reject it followed by one (observed with `modprobe -c`).
fn dep_line(rest: &str) -> Option<(&str, &str)> {
    let (module, after) = split_word(rest)?;
    let names = after.get(1..).filter(|t| !t.is_empty())?;
    Some((module, names))
}

/// The names of a `softdep` line's words (after the module) with the tag (`pre:`, `post:`)
/// each follows; names before the first tag are dropped, as kmod drops them.
fn tagged_names<'a>(
    words: impl Iterator<Item = &'a str>,
) -> impl Iterator<Item = (SoftdepKind, &'a str)> {
    words
        .scan(None, |kind, word| {
            Some(match word {
                "pre:" => {
                    *kind = Some(SoftdepKind::Pre);
                    None
                }
                "post:" => {
                    *kind = Some(SoftdepKind::Post);
                    None
                }
                name => kind.map(|k| (k, name)),
            })
        })
        .flatten()
}

/// The first word of `s` and what follows it, starting at the blank after the word.
fn split_word(s: &str) -> Option<(&str, &str)> {
    // Bytes: the blanks are ASCII, so the cuts are on character boundaries.
    let bytes = s.as_bytes();
    let blank = |b: u8| b == b' ' || b == b'\t';
    let mut start = 0;
    while start < bytes.len() && blank(bytes[start]) {
        start += 1;
    }
    if start == bytes.len() {
        return None;
    }
    let end = start + index::find_any(&bytes[start..], [b' ', b'\t']);
    Some((&s[start..end], &s[end..]))
}

/// `MODULE TEXT` of `options`, `install` and `remove`: the module (not normalised) and the rest
/// of the line after the one blank that ends MODULE, which must not be empty.
fn parse_rest(rest: &str) -> Option<(&str, &str)> {
    let (module, rest) = split_word(rest)?;
    // The blank is ASCII, so slicing after it is on a character boundary.
    let text = rest.get(1..).filter(|t| !t.is_empty())?;
    Some((module, text))
}

fn is_cmdline_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// The words of a kernel command line: split at whitespace outside double quotes; a word whose
/// quote is still open at the end is dropped.
fn cmdline_words(cmdline: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in cmdline.char_indices() {
        if c == '"' {
            quoted = !quoted;
        } else if is_cmdline_space(c) && !quoted {
            if let Some(s) = start.take() {
                words.push(&cmdline[s..i]);
            }
            continue;
        }
        start.get_or_insert(i);
    }
    if let (Some(s), false) = (start, quoted) {
        words.push(&cmdline[s..]);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Collected, Discard};
    use std::fs;

    fn scratch(tag: &str) -> PathBuf {
        crate::testutil::scratch(&format!("modprobecfg-{tag}"))
    }

    use crate::testutil::write;

    /// Parses `text` as one file, returning the config and the messages.
    fn parse(text: &str) -> (ModprobeConfig, Vec<String>) {
        let report = Collected::new();
        let mut cfg = ModprobeConfig::default();
        cfg.parse_into(text, Path::new("/x.conf"), &report);
        let msgs = report.messages();
        (cfg, msgs)
    }

    #[test]
    fn entries_know_where_they_were_read() {
        let report = Collected::new();
        let mut cfg = ModprobeConfig::default();
        cfg.parse_into(
            "# c\nalias a b\noptions m x=1 \\\n y=2\nbad line\nblacklist q\n",
            Path::new("/one.conf"),
            &report,
        );
        cfg.parse_into("softdep s pre: t\n", Path::new("/two.conf"), &report);
        cfg.parse_cmdline("m.z=3 modprobe.blacklist=r,u", &report);
        let file = |path: &'static str, line| Origin::File {
            path: Path::new(path),
            line,
        };
        assert_eq!(cfg.origin(EntryKind::Alias, 0), file("/one.conf", 2));
        // A continued line: its last physical line, as kmod's messages count.
        assert_eq!(cfg.options()[0].1, "x=1  y=2");
        assert_eq!(cfg.origin(EntryKind::Options, 0), file("/one.conf", 4));
        assert_eq!(cfg.origin(EntryKind::Blacklist, 0), file("/one.conf", 6));
        assert_eq!(cfg.origin(EntryKind::Softdep, 0), file("/two.conf", 1));
        assert_eq!(cfg.origin(EntryKind::Options, 1), Origin::KernelCmdline);
        assert_eq!(cfg.origin(EntryKind::Blacklist, 1), Origin::KernelCmdline);
        assert_eq!(cfg.origin(EntryKind::Blacklist, 2), Origin::KernelCmdline);
        assert_eq!(cfg.origin(EntryKind::Blacklist, 3), Origin::Unknown);
        assert_eq!(cfg.origin(EntryKind::Install, 0), Origin::Unknown);
        assert_eq!(file("/one.conf", 2).to_string(), "/one.conf:2");
        // The lookups' positions are the entries the answers come from.
        assert_eq!(cfg.option_entries("m", None), [0, 1]);
        assert_eq!(cfg.blacklist_entry("u"), Some(2));
        assert_eq!(cfg.alias_entries("a"), [0]);
        assert_eq!(cfg.softdep_entry("s"), Some(0));
    }

    #[test]
    fn dep_lines_of_blanks_only() {
        // Observed with kmod 34.2's `modprobe -c` (Debian 13): `softdep M` and `weakdep M`
        // followed by two blanks are kept with no names, by one blank rejected.
        let (cfg, msgs) =
            parse("softdep sa  \nsoftdep sb \nsoftdep sc\t\t\nweakdep wa  \nweakdep wb \n");
        let soft: Vec<String> = cfg.softdeps().iter().map(Softdep::display_line).collect();
        assert_eq!(soft, ["softdep sa ", "softdep sc "]);
        assert_eq!(cfg.weakdeps(), [("wa".to_string(), Vec::<String>::new())]);
        assert_eq!(
            msgs,
            [
                "/x.conf line 2: ignoring bad line starting with 'softdep'",
                "/x.conf line 5: ignoring bad line starting with 'weakdep'"
            ]
        );
    }

    #[test]
    fn dep_names_first_character_is_never_a_blank() {
        // Observed with kmod 30's and 34.2's `modprobe -c`: one extra blank after the module
        // belongs to the first word (`softdep s  pre: a` prints `softdep s `, `weakdep w  x`
        // prints `weakdep w  x`); two or more make a word of blanks, then the words.
        let (cfg, msgs) = parse(
            "softdep s  pre: a post: b\nsoftdep t   pre: a\nsoftdep u \tpost: c\n\
             weakdep w  x\nweakdep v \tx y\nweakdep z   x\n",
        );
        assert!(msgs.is_empty());
        let soft: Vec<String> = cfg.softdeps().iter().map(Softdep::display_line).collect();
        assert_eq!(
            soft,
            ["softdep s post: b", "softdep t pre: a", "softdep u "]
        );
        let weak: Vec<(String, Vec<String>)> =
            [("w", vec![" x"]), ("v", vec!["\tx", "y"]), ("z", vec!["x"])]
                .into_iter()
                .map(|(m, d)| (m.to_string(), d.into_iter().map(String::from).collect()))
                .collect();
        assert_eq!(cfg.weakdeps(), weak);
    }

    fn cmdline(text: &str) -> (ModprobeConfig, Vec<String>) {
        let report = Collected::new();
        let mut cfg = ModprobeConfig::default();
        cfg.parse_cmdline(text, &report);
        let msgs = report.messages();
        (cfg, msgs)
    }

    fn shown(cfg: &ModprobeConfig) -> String {
        let mut out = Vec::new();
        cfg.show_config(&mut out).expect("write to a Vec");
        String::from_utf8(out).expect("utf-8")
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn bad(line: usize, word: &str) -> String {
        format!("/x.conf line {line}: ignoring bad line starting with '{word}'")
    }

    #[test]
    fn alias_lines() {
        // Observed from kmod 30 (`modprobe -C DIR -c`): '-' becomes '_' in pattern and module
        // outside brackets; extra words are ignored; one word is a bad line.
        let (cfg, msgs) = parse(
            "alias my-mod* really-long_name\nalias\tpci:v-*d*\tm-n.ko extra\nalias a-[b-d]-e x\n\
             alias a\nalias A-B X-Y\n",
        );
        assert_eq!(
            cfg.aliases(),
            pairs(&[
                ("my_mod*", "really_long_name"),
                ("pci:v_*d*", "m_n.ko"),
                ("a_[b-d]_e", "x"),
                ("A_B", "X_Y"),
            ])
        );
        assert_eq!(msgs, vec![bad(4, "alias")]);
        // Observed from kmod 30: unbalanced brackets in the pattern or the module are bad lines.
        let (cfg, msgs) = parse("alias a]b m\nalias a[b m\nalias x a[-m\nalias y a]m\n");
        assert!(cfg.aliases().is_empty());
        assert_eq!(
            msgs,
            vec![
                bad(1, "alias"),
                bad(2, "alias"),
                bad(3, "alias"),
                bad(4, "alias")
            ]
        );
    }

    #[test]
    fn names_are_normalised_outside_brackets() {
        // Each observed from kmod 30 as an `alias PATTERN m` line.
        let cases: &[(&str, Option<&str>)] = &[
            ("a-[b-d]-e", Some("a_[b-d]_e")),
            ("a-[-b]-x", Some("a_[-b]_x")),
            ("a[[]-b", Some("a[[]_b")),
            ("a[b[c]-d", Some("a[b[c]_d")),
            ("a[]b", Some("a[]b")),
            ("[]", Some("[]")),
            ("[-]", Some("[-]")),
            ("a[^-]-", Some("a[^-]_")),
            ("a[!-]-b", Some("a[!-]_b")),
            ("a*?-b", Some("a*?_b")),
            ("a\\\\-b", Some("a\\\\_b")),
            ("a.b-c", Some("a.b_c")),
            ("a]b", None),
            ("a[b", None),
            ("a[]]b", None),
            ("a[b]]c", None),
            ("a[b]c]-d", None),
            ("[", None),
            ("]", None),
            ("a[-", None),
            ("x-[a-]-y-]", None),
            ("a-]-[-x", None),
        ];
        for &(name, want) in cases {
            assert_eq!(checked_alias_key(name).as_deref(), want, "name {name:?}");
        }
    }

    #[test]
    fn options_lines() {
        // Observed from kmod 30 (-c and --show-depends): the text is the rest of the line after
        // the one blank that ends the module name, every tab turned into a space (also inside
        // quotes), other whitespace kept; an empty text is a bad line, one blank isn't.
        let (cfg, msgs) = parse(
            "options snd-pcsp index=-2\noptions snd-pcsp   a=1 \t  b=2  \noptions loop\tc=\"x\ty\"\t\n\
             options a-b.c-d x-y=1\noptions lonely\noptions spaced  \noptions tabbed \t\n\
             options one \noptions\noptions vt a\x0bb\x0cc\r\noptions a[b-]-c x\noptions q]-1 x\n",
        );
        assert_eq!(
            cfg.options(),
            pairs(&[
                ("snd_pcsp", "index=-2"),
                ("snd_pcsp", "  a=1    b=2  "),
                ("loop", "c=\"x y\" "),
                ("a_b.c_d", "x-y=1"),
                ("spaced", " "),
                ("tabbed", " "),
                ("vt", "a\x0bb\x0cc\r"),
                ("a[b-]_c", "x"),
            ])
        );
        assert_eq!(
            msgs,
            vec![
                bad(5, "options"),
                bad(8, "options"),
                bad(9, "options"),
                bad(12, "options")
            ]
        );
        // Observed from kmod 30 (--show-depends): all lines, joined by single spaces.
        assert_eq!(
            cfg.options_for("snd_pcsp").as_deref(),
            Some("index=-2   a=1    b=2  ")
        );
        assert_eq!(cfg.options_for("snd-pcsp"), cfg.options_for("snd_pcsp"));
        assert_eq!(cfg.options_for("a-b.c-d").as_deref(), Some("x-y=1"));
        assert_eq!(cfg.options_for("nothing"), None);
    }

    #[test]
    fn install_and_remove_lines() {
        // Observed from kmod 30: the command is the rest of the line after the one blank ending
        // the module name, verbatim (tabs, quotes, trailing blanks); the first line for a module
        // is the one used (--show-depends, -r -n -v).
        let (cfg, msgs) = parse(
            "install dm-crypt  /sbin/modprobe --ignore-install dm-crypt $CMDLINE_OPTS 'x'\n\
             install\t\tfoo-bar\t\techo\ta  \tb\t\ninstall loop echo one\ninstall loop echo two\n\
             install nothing\ninstall nothing-either \nremove loop  rm -x  \nremove loop r2\n\
             remove a[-b c\n",
        );
        assert_eq!(
            cfg.install(),
            pairs(&[
                (
                    "dm_crypt",
                    " /sbin/modprobe --ignore-install dm-crypt $CMDLINE_OPTS 'x'"
                ),
                ("foo_bar", "\techo\ta  \tb\t"),
                ("loop", "echo one"),
                ("loop", "echo two"),
            ])
        );
        assert_eq!(cfg.remove(), pairs(&[("loop", " rm -x  "), ("loop", "r2")]));
        assert_eq!(
            msgs,
            vec![bad(5, "install"), bad(6, "install"), bad(9, "remove")]
        );
        assert_eq!(cfg.install_command("loop"), Some("echo one"));
        assert_eq!(cfg.install_command("foo_bar"), Some("\techo\ta  \tb\t"));
        assert_eq!(
            cfg.install_command("dm_crypt"),
            cfg.install_command("dm-crypt")
        );
        assert_eq!(cfg.remove_command("loop"), Some(" rm -x  "));
        assert_eq!(cfg.remove_command("dm-crypt"), None);
    }

    #[test]
    fn blacklist_lines() {
        // Observed from kmod 30: normalised, extra words ignored, none is a bad line.
        let (cfg, msgs) =
            parse("blacklist evil-mod\nblacklist two words\nblacklist\nblacklist a[\n");
        assert_eq!(cfg.blacklist(), vec!["evil_mod", "two"]);
        assert_eq!(msgs, vec![bad(3, "blacklist"), bad(4, "blacklist")]);
        assert!(cfg.is_blacklisted("evil-mod"));
        assert!(cfg.is_blacklisted("evil_mod"));
        assert!(!cfg.is_blacklisted("words"));
    }

    #[test]
    fn softdep_lines() {
        // Observed from kmod 30 (--show-depends loads pre, module, post; -c): tags in any order
        // and repeated; words before the first tag dropped; names as written; `softdep m` alone
        // is bad, `softdep m x` is not; tags are case-sensitive and must be separate words.
        let (cfg, msgs) = parse(
            "softdep c pre: a b post: d e\nsoftdep m-x post: b pre: c post: d pre: e\n\
             softdep q x y pre: p1 pre: post: z\nsoftdep onlywords a b\nsoftdep lone\n\
             softdep tagcase PRE: a pre:b\nsoftdep u-hcd\tpre:\tehci-hcd  x\n",
        );
        assert_eq!(msgs, vec![bad(5, "softdep")]);
        let s = |m: &str| cfg.softdep_for(m).expect("softdep");
        assert_eq!(s("c").pre, vec!["a", "b"]);
        assert_eq!(s("c").post, vec!["d", "e"]);
        assert_eq!(s("m_x").pre, vec!["c", "e"]);
        assert_eq!(s("m-x").post, vec!["b", "d"]);
        assert_eq!(s("q").pre, vec!["p1"]);
        assert_eq!(s("q").post, vec!["z"]);
        assert!(s("onlywords").pre.is_empty() && s("onlywords").post.is_empty());
        assert!(s("tagcase").pre.is_empty());
        assert_eq!(s("u_hcd").pre, vec!["ehci-hcd", "x"]);
        // Observed from kmod 30 (--show-depends): the first line for a module wins.
        let (cfg, _) = parse("softdep loop pre: crc7\nsoftdep loop pre: crc8 post: crc4\n");
        assert_eq!(
            cfg.softdep_for("loop").map(|s| s.pre.clone()),
            Some(vec!["crc7".into()])
        );
        assert_eq!(cfg.softdeps().len(), 2);
    }

    #[test]
    fn softdep_display_spans() {
        // Each observed from kmod 30's `-c`: the pre part spans from the first to the last pre
        // name as written, post names between included; likewise the post part; no space
        // between the two parts; `softdep M ` with a trailing space when both are empty.
        let cases: &[(&str, &str)] = &[
            ("softdep a b", "softdep a "),
            ("softdep a pre: b", "softdep a pre: b"),
            ("softdep a post: b", "softdep a post: b"),
            ("softdep a pre: b post: c", "softdep a pre: bpost: c"),
            ("softdep a post: c pre: b", "softdep a pre: bpost: c"),
            (
                "softdep a pre: b c post: d e pre: f g",
                "softdep a pre: b c d e f gpost: d e",
            ),
            (
                "softdep a pre: b post: c post: d",
                "softdep a pre: bpost: c d",
            ),
            ("softdep a x y pre: b post: c", "softdep a pre: bpost: c"),
            ("softdep a pre:", "softdep a "),
            ("softdep a pre: post:", "softdep a "),
            ("softdep a pre:b", "softdep a "),
            ("softdep a PRE: b", "softdep a "),
            ("softdep a pre: pre: b", "softdep a pre: b"),
            ("softdep a post: b pre: c", "softdep a pre: cpost: b"),
            (
                "softdep a post: b c pre: d post: e",
                "softdep a pre: dpost: b c d e",
            ),
            (
                "softdep a pre: b post: c pre: d",
                "softdep a pre: b c dpost: c",
            ),
            (
                "softdep a pre: b x pre: post: c y",
                "softdep a pre: b xpost: c y",
            ),
            (
                "softdep a-b pre: b-c post: c_d",
                "softdep a_b pre: b-cpost: c_d",
            ),
            (
                "softdep a\tpre:\tb  c\tpost:\t\td",
                "softdep a pre: b cpost: d",
            ),
            (
                "softdep a post: b pre: c post: d pre: e",
                "softdep a pre: c d epost: b c d",
            ),
            ("softdep a pre: b post: pre: c post:", "softdep a pre: b c"),
            ("softdep a pre: b b", "softdep a pre: b b"),
            ("softdep a post: pre: post: pre:", "softdep a "),
            ("softdep a[-]-b x", "softdep a[-]_b "),
            ("softdep a pre: x[", "softdep a pre: x["),
        ];
        for &(line, want) in cases {
            let (cfg, msgs) = parse(&format!("{line}\n"));
            assert!(msgs.is_empty(), "{line:?}: {msgs:?}");
            assert_eq!(shown(&cfg), format!("{want}\n"), "line {line:?}");
        }
        // Built by hand, without `written`: the lists as they are.
        let s = Softdep {
            module: "m".into(),
            pre: vec!["a".into(), "b".into()],
            post: vec!["c".into()],
            written: Vec::new(),
        };
        assert_eq!(s.display_line(), "softdep m pre: a bpost: c");
    }

    #[test]
    fn weakdep_lines() {
        // kmod 34.2 (Debian 13, `modprobe -C DIR -c`): `weakdep MODULE DEP...`, the module
        // normalised, the names as written, every line kept; `weakdep` alone and `weakdep
        // MODULE` without dependencies are bad lines. (kmod 30 rejects every weakdep line.)
        let (cfg, msgs) = parse("weakdep w-x a-b c\nweakdep lone\nweakdep w-x later\n");
        assert_eq!(
            cfg.weakdeps(),
            vec![
                ("w_x".to_string(), vec!["a-b".to_string(), "c".to_string()]),
                ("w_x".to_string(), vec!["later".to_string()]),
            ]
        );
        assert_eq!(msgs, vec![bad(2, "weakdep")]);
        assert_eq!(
            cfg.weakdep_for("w-x"),
            Some(vec!["a-b".to_string(), "c".to_string()])
        );
        assert_eq!(cfg.weakdep_for("lone"), None);
        assert_eq!(shown(&cfg), "weakdep w_x a-b c\nweakdep w_x later\n");
    }

    #[test]
    fn unknown_and_deprecated_directives() {
        // Observed from kmod 30: exact texts; keywords are case-sensitive; `#` after blanks is a
        // bad line; include/config are reported without a line number and do nothing.
        let (cfg, msgs) = parse(
            "include /etc/other.conf\ninclude\nconfig x\nAlias a b\n # x\nbogus directive\n\
             search updates\n",
        );
        assert_eq!(cfg, ModprobeConfig::default());
        assert_eq!(
            msgs,
            vec![
                "/x.conf: command include is deprecated and not parsed anymore".to_string(),
                "/x.conf: command include is deprecated and not parsed anymore".to_string(),
                "/x.conf: command config is deprecated and not parsed anymore".to_string(),
                bad(4, "Alias"),
                bad(5, "#"),
                bad(6, "bogus"),
                bad(7, "search"),
            ]
        );
    }

    #[test]
    fn comments_continuations_and_odd_bytes() {
        // Observed from kmod 30 (the same reader as depmod.d's): `\`+newline joins, `\x` is
        // x, a continued comment swallows the next line, a NUL ends the logical line, `\r` is
        // part of a word, blank lines are skipped, a final `\` is byte 0xFF (U+FFFD here), and
        // the line number is the last physical line.
        let (cfg, msgs) = parse(
            "# comment\n\n\t \n  alias a b\nalias cont-\\\ninued x\nalias esc\\#aped x\\\\y\n\
             #alias commented \\\nalias swallowed x\nalias nul x\0alias hidden y\nalias cr x\r\n\
             x\n\n\\\ny\\\n\\\nz\nblacklist end\\",
        );
        assert_eq!(
            cfg.aliases(),
            pairs(&[
                ("a", "b"),
                ("cont_inued", "x"),
                ("esc#aped", "x\\y"),
                ("nul", "x"),
                ("cr", "x\r"),
            ])
        );
        assert_eq!(msgs, vec![bad(12, "x"), bad(17, "yz")]);
        assert_eq!(cfg.blacklist(), vec!["end\u{fffd}"]);
        // A line starting with NUL is empty.
        let (cfg, msgs) = parse("\0alias a b\nalias\0 a b\n");
        assert!(cfg.aliases().is_empty());
        assert_eq!(msgs, vec![bad(2, "alias")]);
    }

    #[test]
    fn show_config_sections() {
        // Observed from kmod 30's `-c`: blacklist, install, remove, alias, options, softdep, each
        // in reading order, duplicates kept; the command line's options and blacklist entries
        // follow the files' ones.
        let (mut cfg, _) = parse(
            "alias a-b* c-d\noptions a-b x=1 y-z=2\noptions a-b z=3\n\
             install a-b  echo  hi   there ; x\nremove a-b  rm -x  \nblacklist a-b\n\
             softdep a-b pre: c-d e post: f-g pre: h\nalias a b\nalias a b\nblacklist x\n\
             blacklist x\n",
        );
        cfg.parse_cmdline("q.y=2 modprobe.blacklist=y\n", &Discard);
        assert_eq!(
            shown(&cfg),
            "blacklist a_b\nblacklist x\nblacklist x\nblacklist y\n\
             install a_b  echo  hi   there ; x\nremove a_b  rm -x  \n\
             alias a_b* c_d\nalias a b\nalias a b\n\
             options a_b x=1 y-z=2\noptions a_b z=3\noptions q y=2\n\
             softdep a_b pre: c-d e f-g hpost: f-g\n"
        );
        assert_eq!(shown(&ModprobeConfig::default()), "");
        // Observed from kmod 30: the header after the configuration, even with nothing at all.
        assert_eq!(
            INDEX_DUMP_HEADER,
            "\n# End of configuration files. Dumping indexes now:\n\n"
        );
    }

    #[test]
    fn kernel_command_line() {
        // Each observed from kmod 30's `-c` with the text bound over /proc/cmdline in a private
        // mount namespace (one word per case, plus the newline /proc/cmdline ends with).
        let cases: &[(&str, &[(&str, &str)])] = &[
            ("a.b=1", &[("a", "b=1")]),
            ("a.b", &[("a", "b")]),
            ("a.b=", &[("a", "b=")]),
            ("a=1", &[]),
            ("a.b.c=1", &[]),
            ("a..b=1", &[]),
            ("a.b=x.y", &[("a", "b=x.y")]),
            ("a=b.c", &[]),
            ("=.", &[]),
            (".b=1", &[("", "b=1")]),
            ("a.=1", &[("a", "=1")]),
            ("a.", &[("a", "")]),
            (".", &[("", "")]),
            ("a.b=\"x y\"", &[("a", "b=\"x y\"")]),
            ("\"a.b=x y\"", &[("a", "b=\"x y\"")]),
            ("\"a.b=xy\"", &[("a", "b=\"xy\"")]),
            ("\"a.b=x  y\"", &[("a", "b=\"x  y\"")]),
            ("\"a.b\"", &[]),
            ("a.\"b=x y\"", &[]),
            ("\"a.b c\"", &[]),
            ("\"a.b c=1\"", &[]),
            ("\"a b.c=1\"", &[]),
            ("a.b=\"x", &[]),
            ("a.b=1\"", &[]),
            ("x\"a.b=1", &[]),
            ("\"a.b=1", &[]),
            ("a.b=x\"y z\"w", &[("a", "b=x\"y z\"w")]),
            ("a\"b.c=1 d\"", &[]),
            ("a.b\"c=1 d\"", &[]),
            ("a.b\"=1\"", &[]),
            ("\"a\".b=1", &[]),
            ("a\".b=1\"", &[]),
            ("\"a.b\"=1", &[]),
            ("\"\"a.b=1", &[]),
            ("\"a\"", &[]),
            ("\"", &[]),
            ("\"\"", &[]),
            ("a.b=\"\"", &[("a", "b=\"\"")]),
            ("a.b=\"1\"=\"2\"", &[("a", "b=\"1\"=\"2\"")]),
            ("\"a.b=1\"\"c.d=2\"", &[("a", "b=\"1\"\"c.d=2\"")]),
            ("a.b=1\"x\"c.d=2", &[("a", "b=1\"x\"c.d=2")]),
            ("\"a.b=\"x y\"\"", &[("a", "b=\"\"x")]),
            ("a.b=\"x\"y z", &[("a", "b=\"x\"y")]),
            ("a.b='x y'", &[("a", "b='x")]),
            ("a.b=\"x c.d=1\"", &[("a", "b=\"x c.d=1\"")]),
            ("a.b=\"x\ny\"", &[("a", "b=\"x\ny\"")]),
            (
                "a.b=\"x\ty\" \"c.d=p\tq\"",
                &[("a", "b=\"x y\""), ("c", "d=\"p q\"")],
            ),
            ("a-b.c-d=1", &[("a_b", "c-d=1")]),
            ("\"a-b.c-d=x y\"", &[("a_b", "c-d=\"x y\"")]),
            ("a_b.c=1 a-b.d=2", &[("a_b", "c=1"), ("a_b", "d=2")]),
            ("A.B=1", &[("A", "B=1")]),
            ("a.b==1", &[("a", "b==1")]),
            ("a.b=x=y", &[("a", "b=x=y")]),
            ("a.b=x,y", &[("a", "b=x,y")]),
            ("a.b=[", &[("a", "b=[")]),
            ("a.b[=1", &[("a", "b[=1")]),
            ("a[-].b=1", &[("a[-]", "b=1")]),
            ("a[b]c.d=1", &[("a[b]c", "d=1")]),
            ("a-[-]-b.c=1", &[("a_[-]_b", "c=1")]),
            ("a.b=1 a.b=2", &[("a", "b=1"), ("a", "b=2")]),
            ("a.b=1 -- c.d=2", &[("a", "b=1"), ("c", "d=2")]),
            ("a.b=1    c.d=2", &[("a", "b=1"), ("c", "d=2")]),
            ("a.b=1\tc.d=2", &[("a", "b=1"), ("c", "d=2")]),
            ("a.b=1\nc.d=2", &[("a", "b=1"), ("c", "d=2")]),
            ("a.b=1\rc.d=2", &[("a", "b=1"), ("c", "d=2")]),
            ("a.b=1\x0bc.d=2", &[("a", "b=1"), ("c", "d=2")]),
            ("a.b=1\x0cc.d=2", &[("a", "b=1"), ("c", "d=2")]),
            ("a.b=1 c.d=\"e", &[("a", "b=1")]),
            ("modprobe.blacklist", &[("modprobe", "blacklist")]),
            ("modprobe.x=1", &[("modprobe", "x=1")]),
            ("modprobe-blacklist=x", &[]),
            ("modprobe.blacklist.x=1", &[]),
            ("a[.b.c=1", &[]),
            ("a[.b\"=1", &[]),
            ("a\"[.b=1", &[]),
        ];
        for &(text, want) in cases {
            let (cfg, msgs) = cmdline(&format!("{text}\n"));
            assert_eq!(cfg.options(), pairs(want), "command line {text:?}");
            assert!(cfg.blacklist().is_empty(), "command line {text:?}");
            assert!(msgs.is_empty(), "command line {text:?}: {msgs:?}");
        }
        // Observed from kmod 30: without the final newline the last word still counts, unless
        // its quote is open.
        assert_eq!(cmdline("a.b=1").0.options(), pairs(&[("a", "b=1")]));
        assert_eq!(
            cmdline("a.b=\"x y\"").0.options(),
            pairs(&[("a", "b=\"x y\"")])
        );
        assert!(cmdline("a.b=\"x").0.options().is_empty());
        assert!(cmdline("").0.options().is_empty());
    }

    #[test]
    fn kernel_command_line_blacklist() {
        // Observed from kmod 30: entries split at ',', kept as written (empty ones too, quotes
        // too), appended after the files' entries; matched literally (with `modprobe -b`,
        // `modprobe.blacklist=crc-itu-t` doesn't blacklist crc-itu-t, `crc_itu_t` does).
        let cases: &[(&str, &[&str])] = &[
            ("modprobe.blacklist=a,b-c,,d", &["a", "b-c", "", "d"]),
            ("modprobe.blacklist=a modprobe.blacklist=b", &["a", "b"]),
            ("modprobe.blacklist=", &[""]),
            ("modprobe.blacklist=a,", &["a", ""]),
            ("\"modprobe.blacklist=a,b\"", &["\"a", "b\""]),
            ("modprobe.blacklist=\"a,b c\"", &["\"a", "b c\""]),
            ("modprobe.blacklist=a-[b]", &["a-[b]"]),
            ("modprobe.blacklist=\"a\tb\"", &["\"a\tb\""]),
        ];
        for &(text, want) in cases {
            let (cfg, msgs) = cmdline(&format!("{text}\n"));
            assert_eq!(cfg.blacklist(), want, "command line {text:?}");
            assert!(
                cfg.options().is_empty() && msgs.is_empty(),
                "command line {text:?}"
            );
        }
        let (mut cfg, _) = parse("blacklist from-file\n");
        cfg.parse_cmdline("modprobe.blacklist=crc-itu-t,snd_pcsp\n", &Discard);
        assert_eq!(cfg.blacklist(), vec!["from_file", "crc-itu-t", "snd_pcsp"]);
        assert!(!cfg.is_blacklisted("crc-itu-t"));
        assert!(!cfg.is_blacklisted("crc_itu_t"));
        assert!(cfg.is_blacklisted("snd-pcsp"));
        assert!(cfg.is_blacklisted("from-file"));
    }

    #[test]
    fn kernel_command_line_bad_module_names() {
        // Observed from kmod 30: a module name kmod can't normalise is reported (after the
        // syntax checks, which drop a word silently) and the word ignored.
        let msg = |m: &str| {
            format!("Ignoring bad option on kernel command line while parsing module name: '{m}'")
        };
        let cases: &[(&str, &[&str])] = &[
            ("a[.b=1", &["a["]),
            ("a].b=1", &["a]"]),
            ("a[.b", &["a["]),
            ("a[.", &["a["]),
            ("\"a[.b=1\"", &["a["]),
            ("a[b.c=1", &["a[b"]),
            ("modprobe[.blacklist=a", &["modprobe["]),
            ("x.y=1 a[.b=\"x y\" p.q=2", &["a["]),
        ];
        for &(text, want) in cases {
            let (cfg, msgs) = cmdline(&format!("{text}\n"));
            let want: Vec<String> = want.iter().map(|m| msg(m)).collect();
            assert_eq!(msgs, want, "command line {text:?}");
            assert!(cfg.blacklist().is_empty());
            assert!(cfg.options().iter().all(|(m, _)| m == "x" || m == "p"));
        }
    }

    #[test]
    fn options_order_files_then_command_line() {
        // Observed from kmod 30 (--show-depends loop with `loop.x=1 loop.y=2` on the command
        // line): `max_loop=2 a=b x=1 y=2`.
        let (mut cfg, _) = parse("options loop max_loop=2\noptions loop a=b\n");
        cfg.parse_cmdline("loop.x=1 loop.y=2\n", &Discard);
        assert_eq!(
            cfg.options_for("loop").as_deref(),
            Some("max_loop=2 a=b x=1 y=2")
        );
    }

    #[test]
    fn default_locations_and_precedence() {
        // Observed from kmod 30 (strace and -c): /etc, /run, /usr/local/lib, /lib modprobe.d
        // (Debian's kmod 30 leaves out /usr/lib/modprobe.d, current kmod reads it before /lib);
        // same basename: the earlier directory wins; all files in basename order;
        // modules.softdep of the module directory sorts among them by its name; no
        // /etc/modprobe.conf; hidden and non-.conf files skipped; a *.conf directory reported.
        let root = scratch("defaults");
        let ctx = Context::new(&root, "v");
        write(&root.join("etc/modprobe.d/zz.conf"), "alias etc x\n");
        write(&root.join("run/modprobe.d/zz.conf"), "alias run x\n");
        write(&root.join("run/modprobe.d/b.conf"), "alias run-b x\n");
        write(
            &root.join("usr/lib/modprobe.d/a.conf"),
            "alias usrlib-a x\n",
        );
        write(&root.join("lib/modprobe.d/a.conf"), "alias lib-a x\n");
        write(&root.join("lib/modprobe.d/n.conf"), "alias lib-n x\n");
        write(
            &root.join("usr/local/lib/modprobe.d/c.conf"),
            "alias local-c x\n",
        );
        write(&root.join("etc/modprobe.d/x.txt"), "alias txt x\n");
        write(&root.join("etc/modprobe.d/.h.conf"), "alias hidden x\n");
        write(&root.join("etc/modprobe.conf"), "alias single x\n");
        write(
            &root.join("lib/modules/v/modules.softdep"),
            "alias softdep-file x\n",
        );
        write(&root.join("lib/modules/v/modules.alias"), "alias index x\n");
        fs::create_dir_all(root.join("etc/modprobe.d/d.conf")).expect("mkdir");
        let report = Collected::new();
        let cfg = ModprobeConfig::load_default(&ctx, &report).expect("load");
        let msgs = report.messages();
        assert_eq!(
            msgs,
            vec![format!(
                "Directories inside directories are not supported: {}/etc/modprobe.d/d.conf",
                root.display()
            )]
        );
        let names: Vec<&str> = cfg.aliases().iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "usrlib_a",
                "run_b",
                "local_c",
                "softdep_file",
                "lib_n",
                "etc"
            ]
        );
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn merged_usr_is_read_twice() {
        // With /lib a link to usr/lib, /usr/lib/modprobe.d and /lib/modprobe.d are one
        // directory: kmod 34.2 (Debian 13, observed with strace and -c) lists it twice, its
        // files count once (the second listing is shadowed by name), its problems are reported
        // under both paths.
        let root = scratch("merged");
        let ctx = Context::new(&root, "v");
        write(&root.join("usr/lib/modprobe.d/a.conf"), "alias a x\n");
        fs::create_dir_all(root.join("usr/lib/modprobe.d/d.conf")).expect("mkdir");
        std::os::unix::fs::symlink("usr/lib", root.join("lib")).expect("symlink");
        let report = Collected::new();
        let cfg = ModprobeConfig::load_default(&ctx, &report).expect("load");
        assert_eq!(cfg.aliases(), pairs(&[("a", "x")]));
        let msgs = report.messages();
        let dir_msg = |d: &str| {
            format!(
                "Directories inside directories are not supported: {}/{d}/modprobe.d/d.conf",
                root.display()
            )
        };
        assert_eq!(msgs, vec![dir_msg("usr/lib"), dir_msg("lib")]);
        assert_eq!(default_locations(&ctx).len(), 5);
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn module_dir_weakdep_is_configuration() {
        // kmod 34.2 (Debian 13, `modprobe -c` on a tree whose depmod wrote modules.weakdep):
        // modules.weakdep of the module directory is read like modules.softdep, sorted among
        // the configuration files by its name (a.conf < modules.conf < modules.weakdep <
        // w.conf), each line shown by -c as written, the module normalised.
        let root = scratch("weakdepfile");
        let ctx = Context::new(&root, "v");
        write(
            &root.join("lib/modules/v/modules.weakdep"),
            "# Weak dependencies extracted from modules themselves.\n\
             weakdep ext4 dummy\nweakdep ext4 vfat\nweakdep jbd2 fs-nls_cp437\n",
        );
        let d = root.join("conf");
        write(&d.join("a.conf"), "weakdep aa y\n");
        write(&d.join("modules.conf"), "weakdep nls-x a-b c_d\n");
        write(&d.join("w.conf"), "weakdep vfat nls_utf8 nls-cp437\n");
        let cfg = ModprobeConfig::load_from(&ctx, &[d], &Discard).expect("load");
        assert_eq!(
            shown(&cfg),
            "weakdep aa y\nweakdep nls_x a-b c_d\nweakdep ext4 dummy\nweakdep ext4 vfat\n\
             weakdep jbd2 fs-nls_cp437\nweakdep vfat nls_utf8 nls-cp437\n"
        );
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn dash_c_files_and_directories() {
        // Observed from kmod 30: -C DIR reads its *.conf files (byte order: B < a-b < a.b < a),
        // -C FILE reads it whatever its name, a missing path is silently empty, repeated -C
        // accumulate with the earlier one winning a shared basename, a trailing slash shows
        // doubled in messages, and modules.softdep of the module directory is still read and
        // beats a same-named file given with -C.
        let root = scratch("dashc");
        let ctx = Context::new(root.join("sysroot"), "v");
        write(
            &root.join("sysroot/etc/modprobe.d/a.conf"),
            "alias default x\n",
        );
        write(
            &root.join("sysroot/lib/modules/v/modules.softdep"),
            "softdep sd pre: x\n",
        );
        let d = root.join("d");
        write(&d.join("1.conf"), "alias a1 x\n");
        write(&d.join("2.txt"), "alias a2 x\n");
        write(&d.join(".3.conf"), "alias a3 x\n");
        write(&d.join("x.conf~"), "alias a4 x\n");
        write(&d.join("sub.conf/x.conf"), "alias a5 x\n");
        write(&d.join("B.conf"), "alias a6 x\n");
        write(&d.join("a-b.conf"), "alias a7 x\n");
        write(&d.join("a.b.conf"), "alias a8 x\n");
        write(&d.join("a.conf"), "alias a9 x\n");
        write(&d.join("modules.softdep"), "softdep sx pre: x\n");
        std::os::unix::fs::symlink(d.join("2.txt"), d.join("link.conf")).expect("symlink");
        let names = |cfg: &ModprobeConfig| -> Vec<String> {
            cfg.aliases().iter().map(|(p, _)| p.clone()).collect()
        };
        let report = Collected::new();
        let cfg = ModprobeConfig::load_from(&ctx, std::slice::from_ref(&d), &report).expect("load");
        assert_eq!(names(&cfg), vec!["a1", "a6", "a7", "a8", "a9", "a2"]);
        let msgs = report.messages();
        assert_eq!(
            msgs,
            vec![format!(
                "Directories inside directories are not supported: {}/sub.conf",
                d.display()
            )]
        );
        assert_eq!(cfg.softdeps().len(), 1);
        assert_eq!(cfg.softdeps()[0].module, "sd");

        let report = Collected::new();
        let slash = PathBuf::from(format!("{}/", d.display()));
        ModprobeConfig::load_from(&ctx, &[slash], &report).expect("load");
        let msgs = report.messages();
        assert!(msgs.iter().any(|m| m.ends_with("d//sub.conf")), "{msgs:?}");

        let cfg = ModprobeConfig::load_from(
            &ctx,
            &[
                d.join("2.txt"),
                root.join("missing"),
                d.join("modules.softdep"),
            ],
            &Discard,
        )
        .expect("load");
        assert_eq!(names(&cfg), vec!["a2"]);
        assert_eq!(cfg.softdeps()[0].module, "sd");
        assert_eq!(cfg.softdeps().len(), 1);

        let (m1, m2) = (root.join("m1"), root.join("m2"));
        write(&m1.join("x.conf"), "alias p1 x\n");
        write(&m2.join("x.conf"), "alias p2 x\n");
        write(&m2.join("a.conf"), "alias p3 x\n");
        let load = |locs: &[PathBuf]| {
            names(&ModprobeConfig::load_locations(None, locs, &Discard).expect("load"))
        };
        assert_eq!(load(&[m1.clone(), m2.clone()]), vec!["p3", "p1"]);
        assert_eq!(load(&[m2.clone(), m1.clone()]), vec!["p3", "p2"]);
        assert_eq!(load(&[m2.join("x.conf"), m1.clone()]), vec!["p2"]);
        assert!(load(&[]).is_empty());
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn dangling_entries_are_skipped_with_a_message() {
        // Observed from kmod 34.2 (Debian 13): a dangling or looping `*.conf` link is skipped
        // with `Cannot stat directory entry: PATH` (kmod 30 says nothing).
        let root = scratch("dangling");
        let d = root.join("d");
        fs::create_dir_all(&d).expect("mkdir");
        std::os::unix::fs::symlink(root.join("nowhere"), d.join("n.conf")).expect("symlink");
        std::os::unix::fs::symlink("l.conf", d.join("l.conf")).expect("symlink");
        write(&d.join("a.conf"), "alias a b\n");
        let report = Collected::new();
        let cfg = ModprobeConfig::load_locations(None, &[d], &report).expect("x");
        assert_eq!(cfg.aliases(), pairs(&[("a", "b")]));
        let mut msgs = report.messages();
        msgs.sort();
        let said = |n: &str| {
            format!(
                "Cannot stat directory entry: {}",
                root.join("d").join(n).display()
            )
        };
        assert_eq!(msgs, [said("l.conf"), said("n.conf")]);
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn non_utf8_files_load() {
        let root = scratch("binary");
        let f = root.join("bin.conf");
        fs::write(&f, b"alias \xff-a \xfe\n\xff\xfe x\noptions m a\xffb\n").expect("write");
        let report = Collected::new();
        let cfg = ModprobeConfig::load_locations(None, &[f], &report).expect("x");
        assert_eq!(cfg.aliases(), pairs(&[("\u{fffd}_a", "\u{fffd}")]));
        assert_eq!(cfg.options(), pairs(&[("m", "a\u{fffd}b")]));
        let msgs = report.messages();
        assert_eq!(msgs.len(), 1);
        assert!(msgs[0].ends_with(" line 2: ignoring bad line starting with '\u{fffd}\u{fffd}'"));
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn large_files_read_into_a_mapping() {
        // From 2 MiB on, a file is read into an anonymous mapping (huge pages): the same
        // answers as a small file, also with bytes that aren't UTF-8 (replaced).
        let root = scratch("large");
        let mut text = Vec::new();
        let mut i = 0;
        while text.len() < (5 << 19) {
            text.extend_from_slice(format!("options m-{i} p={i}\nalias a-{i}* m-{i}\n").as_bytes());
            i += 1;
        }
        text.extend_from_slice(b"options last x\xffy\nblacklist \\\nlast\n");
        let f = root.join("big.conf");
        fs::write(&f, &text).expect("write");
        let cfg =
            ModprobeConfig::load_locations(None, std::slice::from_ref(&f), &Discard).expect("load");
        assert!(matches!(
            cfg.texts[0].0,
            Text::Mapped { .. } | Text::Owned(_)
        ));
        assert_eq!(cfg.options().len(), i + 1);
        assert_eq!(cfg.options_for("m_7").as_deref(), Some("p=7"));
        assert_eq!(cfg.options_for("last").as_deref(), Some("x\u{fffd}y"));
        assert_eq!(cfg.alias_modules("a_7x"), ["m_7"]);
        assert!(cfg.is_blacklisted("last"));
        let small = String::from_utf8_lossy(&text).into_owned();
        let (parsed, _) = parse(&small);
        assert_eq!(cfg, parsed);
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        // A small deterministic generator (xorshift) for random text.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet: &[u8] =
            b"alias options install remove blacklist softdep weakdep include pre: \
            post: modprobe.blacklist=,.=\"[]-_ \t\r\n\x0b\\#*?\0\xff\xc3\xa9";
        for _ in 0..400 {
            let len = (next() % 500) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 7 == 0 {
                        (r >> 8) as u8
                    } else {
                        alphabet[(r >> 8) as usize % alphabet.len()]
                    }
                })
                .collect();
            let text = String::from_utf8_lossy(&bytes);
            let (mut cfg, _) = parse(&text);
            cfg.parse_cmdline(&text, &Discard);
            let _ = shown(&cfg);
            for m in ["a", "a-b", "[", "]", "", "modprobe"] {
                let _ = cfg.options_for(m);
                let _ = cfg.is_blacklisted(m);
                let _ = cfg.install_command(m);
                let _ = cfg.remove_command(m);
                let _ = cfg.softdep_for(m);
                let _ = cfg.weakdep_for(m);
            }
        }
        // A 1 MiB line, a 1 MiB word, NULs, a 1 MiB command line, deep brackets.
        let big = "x".repeat(1 << 20);
        let (_, msgs) = parse(&format!("{big}\n"));
        assert_eq!(msgs.len(), 1);
        let (cfg, _) = parse(&format!(
            "options m {big}\nalias {big} m\nsoftdep m pre: {big}\n"
        ));
        assert_eq!(cfg.options_for("m").map(|o| o.len()), Some(1 << 20));
        assert_eq!(cfg.aliases().len(), 1);
        let (cfg, _) = parse(&"\0".repeat(1 << 20));
        assert_eq!(cfg, ModprobeConfig::default());
        let (_, _) = parse(&"\\\n".repeat(1 << 18));
        let (_, _) = parse(&format!("alias {} m\n", "[".repeat(1 << 20)));
        let (cfg, _) = cmdline(&format!(
            "m.p=\"{}\" {}",
            " ".repeat(1 << 20),
            "a.b ".repeat(1 << 16)
        ));
        assert_eq!(cfg.options().len(), 1 + (1 << 16));
        let (_, _) = cmdline(&"\"".repeat(1 << 20));
        let (_, _) = cmdline(&".".repeat(1 << 20));
    }
}
