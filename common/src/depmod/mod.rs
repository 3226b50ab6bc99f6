//! depmod's work: find the modules of a tree, read them, resolve their dependencies and write
//! every index, each file atomically (a temporary file in the same directory, renamed into
//! place), so a reader never sees a half-written index.

pub mod cache;
pub mod outputs;

use std::collections::HashMap;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::config::depmod::{DepmodConfig, Priority};
use crate::context::Context;
use crate::error::Error;
use crate::index::files;
use crate::name;
use crate::report::{Report, ReportExt};
use crate::resolve::resolve;
use crate::scan::{self, ModuleScan};
use rustc_hash::FxHashMap;

use outputs::{generate, Inputs, OutputFile};

/// What to do; the tool fills it from its command line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Config files or directories given with `-C` (they replace the default locations).
    pub config: Vec<PathBuf>,
    /// Explicit module files (absolute paths); when empty the whole module directory is
    /// scanned.
    pub files: Vec<PathBuf>,
    /// `-A`: do nothing when no module is newer than `modules.dep`.
    pub quick: bool,
    /// `-n`: print the text indexes to stdout instead of writing files.
    pub dry_run: bool,
    /// `-o DIR`: write the indexes under DIR (same layout) instead of the base directory.
    pub outdir: Option<PathBuf>,
    /// `-e`: report unresolved symbols and symbol version mismatches.
    pub errsyms: bool,
    /// `-F System.map`: the kernel's own symbols.
    pub system_map: Option<PathBuf>,
    /// `-E Module.symvers`: the kernel's own symbols with their CRCs.
    pub symvers: Option<PathBuf>,
    /// `-P c`: a prefix character to ignore on symbol names.
    pub symbol_prefix: Option<String>,
    /// `-w`: warn about duplicate dependencies, aliases and the like.
    pub warn: bool,
    /// `-v`: say what is done.
    pub verbose: bool,
    /// Threads to parse modules with (0: one per CPU).
    pub threads: usize,
    /// What to do with the module cache ([`cache`]).
    pub cache: CacheMode,
}

/// Whether depmod uses its module cache ([`cache`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheMode {
    /// Neither read nor written (`--no-cache`, `MODUTILS_DEPMOD_CACHE=0`).
    #[default]
    Off,
    /// Read where there is one; written when the indexes of the whole tree are written, but
    /// created only in the system's own module directory (no `-b` other than `/`, no `-o`).
    /// Elsewhere, an existing cache is kept up to date and none is created: with `-b` or
    /// `-o` the tree is usually an image being staged (initramfs-tools and dracut run
    /// `depmod -b` on the initramfs' tree; kernel package builds, on the package's), and the
    /// cache would end up in the image.
    Auto,
    /// As `Auto`, and created with `-b` and `-o` too (`MODUTILS_DEPMOD_CACHE=1`).
    Create,
}

/// How depmod failed as a whole (a single unreadable module is only a warning).
#[derive(Debug, thiserror::Error)]
pub enum DepmodError {
    /// A file or directory could not be read or written.
    #[error(transparent)]
    Io(#[from] Error),
    /// depmod can't go on (kmod's `FATAL:` messages); nothing was written.
    #[error("{0}")]
    Fatal(String),
    /// Modules depend on each other in a circle; nothing was written.
    #[error("Found {count} modules in dependency cycles!")]
    Cycles {
        /// How many modules are in cycles.
        count: usize,
    },
}

/// Runs depmod for `ctx` (its root is the `-b` base directory, its release the kernel version).
/// Returns the modules it read: a tool about to exit may skip freeing them (a tenth of a run's
/// instructions on Debian's tree).
pub fn run(
    ctx: &Context,
    opts: &Options,
    report: &dyn Report,
) -> Result<Vec<ModuleScan>, DepmodError> {
    let start = SystemTime::now();
    let dir = ctx.module_dir();
    let kernel = kernel_symbols(opts)?;
    // Like kmod, configuration problems are reported as errors but don't stop depmod, and the
    // configuration is the running system's even with -b (kmod reads /etc/depmod.d then too).
    let system = Context::new("/", ctx.release());
    let config = if opts.config.is_empty() {
        DepmodConfig::load_default(&system, report)?
    } else {
        DepmodConfig::load_paths(&system, &opts.config, report)?
    };
    if opts.quick && is_up_to_date(&dir, &config, report)? {
        return Ok(Vec::new());
    }
    check_files(&dir, opts, report)?;
    let paths = if opts.files.is_empty() {
        // kmod's words for a tree that isn't there.
        if let Err(e) = fs::read_dir(&dir) {
            let why = crate::error::io_text(&e);
            report.error(format_args!(
                "could not open directory {}: {why}",
                dir.display()
            ));
            return Err(DepmodError::Fatal(format!(
                "could not search modules: {why}"
            )));
        }
        module_paths(ctx, &config)?
    } else {
        opts.files.clone()
    };
    let paths = order_modules(&dir, paths, report)?;
    let threads = if opts.threads == 0 {
        scan::default_threads()
    } else {
        opts.threads
    };
    // Where the indexes go, and the cache with them.
    let out_dir = match &opts.outdir {
        // kmod 34.2 creates the output tree: the module directory's path under DIR, with
        // `-m` (`-o /o -m /mods V` writes `/o/mods/V`).
        Some(o) => Context::new(o, ctx.release())
            .with_modules_root(ctx.modules_root())
            .module_dir(),
        None => dir.clone(),
    };
    let cache_file = out_dir.join(cache::FILE_NAME);
    // The cache is neither read nor written when there is none and none is to be created.
    let system_tree = ctx.root() == Path::new("/") && opts.outdir.is_none();
    let cache_mode = match opts.cache {
        CacheMode::Auto if !system_tree && fs::symlink_metadata(&cache_file).is_err() => {
            CacheMode::Off
        }
        mode => mode,
    };
    let (parsed, new_cache) = if cache_mode != CacheMode::Off {
        let old = load_cache(&cache_file, opts, report);
        let keys: Vec<String> = paths.iter().map(|p| dep_path(&dir, p)).collect();
        let scanned = cache::scan_cached(
            &paths,
            &keys,
            old.as_ref(),
            threads,
            start,
            // `-e` compares `__versions` CRCs; the indexes need less.
            if opts.errsyms {
                cache::Detail::WithVersions
            } else {
                cache::Detail::Indexes
            },
        );
        (scanned.modules, scanned.cache)
    } else {
        (scan::parse_all(&paths, threads, opts.errsyms), None)
    };
    let mut modules = Vec::with_capacity(paths.len());
    for (path, parsed) in paths.iter().zip(parsed) {
        match parsed {
            // The `__versions` records are for `-e` only (the cache has stored them by now).
            Ok(mut m) => {
                if !opts.errsyms {
                    m.versions = Vec::new();
                }
                modules.push(m)
            }
            Err(e) => report.warning(format_args!(
                "failed to read module {}: {}",
                path.display(),
                e.reason()
            )),
        }
    }
    // Module files named on the command line of which none could be read: writing would only
    // replace the indexes with empty ones (kmod does so, and exits 0).
    if !opts.files.is_empty() && modules.is_empty() {
        return Err(DepmodError::Fatal(
            "no module given could be read: the indexes are left as they were".into(),
        ));
    }
    if let Some(prefix) = &opts.symbol_prefix {
        strip_symbol_prefix(&mut modules, prefix);
    }
    let resolution = resolve(&modules);
    let cycles = resolution.cycles();
    if !cycles.is_empty() {
        let count = crate::resolve::Resolution::cycle_module_count(&cycles);
        for c in &cycles {
            let names: Vec<&str> = c.iter().map(|&i| modules[i].name.as_str()).collect();
            report.error(format_args!("Cycle detected: {}", names.join(" -> ")));
        }
        return Err(DepmodError::Cycles { count });
    }
    if opts.verbose {
        print_needs(&modules)?;
    }
    if let (true, Some(kernel)) = (opts.errsyms, &kernel) {
        check_symbols(opts, kernel, &modules, report);
    }
    let dep_paths: Vec<String> = modules.iter().map(|m| dep_path(&dir, &m.path)).collect();
    let builtin = read_optional(&dir.join(files::MODULES_BUILTIN), report)?;
    let builtin_modinfo = read_optional(&dir.join(files::MODULES_BUILTIN_MODINFO), report)?;
    let builtin_text = builtin.as_deref().map(String::from_utf8_lossy);
    let outputs = generate(&Inputs {
        modules: &modules,
        dep_paths: &dep_paths,
        resolution: &resolution,
        builtin: builtin_text.as_deref(),
        builtin_modinfo: builtin_modinfo.as_deref(),
    })
    .map_err(|e| Error::io(&dir, io::Error::other(e)))?;
    if opts.dry_run {
        let mut out = crate::cli::stdout();
        for o in outputs.iter().filter(|o| o.text) {
            out.write_all(&o.data)
                .map_err(|e| Error::io("standard output", e))?;
        }
        return Ok(modules);
    }
    if opts.outdir.is_some() {
        fs::create_dir_all(&out_dir).map_err(|e| Error::io(&out_dir, e))?;
    }
    remove_stale_temporaries(&out_dir);
    write_all(&out_dir, &outputs)?;
    // The cache describes the whole tree: not written for a run on named files.
    let may_write = match cache_mode {
        CacheMode::Off => false,
        CacheMode::Auto => system_tree || fs::symlink_metadata(&cache_file).is_ok(),
        CacheMode::Create => true,
    };
    if let (Some(bytes), true, true) = (new_cache, opts.files.is_empty(), may_write) {
        if let Err(e) = write_replacing(&cache_file, &bytes, false, 0o666) {
            if opts.verbose {
                report.warning(format_args!("could not write the module cache: {e}"));
            }
        }
    }
    Ok(modules)
}

/// The cache at `path`, if there is a usable one; under `-v`, a warning says why one that is
/// there is not used.
fn load_cache(path: &Path, opts: &Options, report: &dyn Report) -> Option<cache::Cache> {
    match cache::Cache::load(path) {
        Ok(c) => c,
        Err(e) => {
            if opts.verbose {
                report.warning(format_args!(
                    "ignoring the module cache {}: {e}",
                    path.display()
                ));
            }
            None
        }
    }
}

/// How old a temporary file must be (by its modification time) before [`remove_stale_temporaries`]
/// may remove it: a depmod in another pid namespace (a container sharing the tree) is not in
/// our `/proc`, but writes its files in well under this.
pub const STALE_AGE: std::time::Duration = std::time::Duration::from_secs(60);

/// Removes the temporary files that killed depmods left in `dir`: the names
/// [`write_atomic`] gives (`.<output>.<pid>.tmp`, `.<output>.<pid>.<n>.<hex>.tmp`) for one of
/// the files depmod writes, whose process is gone (no `/proc/<pid>`) and which were last
/// modified [`STALE_AGE`] ago or more. Nothing is removed when `/proc` is not mounted (no
/// process could be told alive). Failures are ignored: the files are harmless.
pub fn remove_stale_temporaries(dir: &Path) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(temporary_pid) else {
            continue;
        };
        if Path::new(&format!("/proc/{pid}")).exists() {
            continue;
        }
        let old_enough = entry
            .metadata()
            .ok()
            .filter(|m| m.file_type().is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| now.duration_since(t).ok())
            .is_some_and(|age| age >= STALE_AGE);
        if old_enough {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The names of the files depmod writes (the indexes and the cache).
fn written_names() -> impl Iterator<Item = &'static str> {
    [
        files::MODULES_DEP,
        files::MODULES_DEP_BIN,
        files::MODULES_ALIAS,
        files::MODULES_ALIAS_BIN,
        files::MODULES_SOFTDEP,
        files::MODULES_WEAKDEP,
        files::MODULES_SYMBOLS,
        files::MODULES_SYMBOLS_BIN,
        files::MODULES_BUILTIN_BIN,
        files::MODULES_BUILTIN_ALIAS_BIN,
        files::MODULES_DEVNAME,
        cache::FILE_NAME,
    ]
    .into_iter()
}

/// The pid in a name [`write_atomic`] gives its temporary files, for one of depmod's outputs:
/// `.<output>.<pid>.tmp` or `.<output>.<pid>.<attempt>.<8 hex digits>.tmp`.
fn temporary_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    written_names().find_map(|output| {
        let parts: Vec<&str> = rest
            .strip_prefix(output)?
            .strip_prefix('.')?
            .split('.')
            .collect();
        let pid = match parts[..] {
            [pid] => pid,
            [pid, attempt, hex]
                if digits(attempt)
                    && hex.len() == 8
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) =>
            {
                pid
            }
            _ => return None,
        };
        if !digits(pid) || pid.starts_with('0') {
            return None;
        }
        pid.parse().ok().filter(|&p| p > 0)
    })
}

/// Module files named on the command line must be absolute paths of existing files, and the
/// module directory must exist (unless the indexes go elsewhere): kmod 30's checks, made
/// before any work so that a mistaken argument changes nothing.
fn check_files(dir: &Path, opts: &Options, report: &dyn Report) -> Result<(), DepmodError> {
    if opts.files.is_empty() {
        return Ok(());
    }
    for f in &opts.files {
        if !f.is_absolute() {
            return Err(DepmodError::Fatal(format!(
                "{}: not absolute path.",
                f.display()
            )));
        }
        if let Err(e) = fs::metadata(f) {
            return Err(DepmodError::Fatal(format!(
                "could not create module {}: {}",
                f.display(),
                crate::error::io_text(&e)
            )));
        }
    }
    if opts.outdir.is_none() && !opts.dry_run {
        if let Err(e) = fs::metadata(dir) {
            // kmod 30's words; it warns, reads the modules, then fails the same way. (kmod 34.2
            // creates the directory: a mistyped version would leave a stray tree.)
            let why = format!(
                "could not open directory {}: {}",
                dir.display(),
                crate::error::io_text(&e)
            );
            report.warning(&why);
            return Err(DepmodError::Fatal(why));
        }
    }
    Ok(())
}

/// `-v`: one line per dependency, naming the first symbol that creates it (kmod's format).
fn print_needs(modules: &[ModuleScan]) -> Result<(), Error> {
    let owners = crate::resolve::symbol_owners(modules);
    let mut out = crate::cli::stdout();
    for (i, m) in modules.iter().enumerate() {
        let mut seen = Vec::new();
        for sym in m.undefined.iter() {
            match owners.get(sym) {
                Some(&o) if o != i && !seen.contains(&o) => {
                    seen.push(o);
                    writeln!(
                        out,
                        "{} needs \"{sym}\": {}",
                        m.path.display(),
                        modules[o].path.display()
                    )
                    .map_err(|e| Error::io("standard output", e))?;
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// `-A`: whether `modules.dep` is newer than every module file and config file.
fn is_up_to_date(dir: &Path, config: &DepmodConfig, report: &dyn Report) -> Result<bool, Error> {
    let dep_time = match fs::metadata(dir.join(files::MODULES_DEP)).and_then(|m| m.modified()) {
        Ok(t) => t,
        Err(e) => {
            // kmod's words, and like kmod, go on to do the work.
            report.error(format_args!(
                "could not fstatat({}, modules.dep): {}",
                dir.display(),
                crate::error::io_text(&e)
            ));
            return Ok(false);
        }
    };
    let newer = |p: &Path| {
        fs::metadata(p)
            .and_then(|m| m.modified())
            .map_or(true, |t: SystemTime| t > dep_time)
    };
    let files = scan::find_modules(dir, &|n| config.is_excluded(n))?;
    Ok(!files.iter().any(|f| newer(f)))
}

/// Every module file depmod indexes, with duplicates (same module name) resolved by the
/// configuration (`override`, then the `search` order; see [`DepmodConfig::priority`]).
fn module_paths(ctx: &Context, config: &DepmodConfig) -> Result<Vec<PathBuf>, Error> {
    let dir = ctx.module_dir();
    let excluded = |n: &str| config.is_excluded(n);
    let mut found = scan::find_modules(&dir, &excluded)?;
    for ext in &config.external {
        // As kmod does, external directories are taken as written, not under the base dir.
        if ext.is_dir() {
            found.extend(scan::find_modules(ext, &excluded)?);
        }
    }
    let mut best: HashMap<String, (Priority, usize)> = HashMap::new();
    let mut chosen: Vec<PathBuf> = Vec::new();
    for path in found {
        let name = name::from_path(&path);
        let rel = dep_path(&dir, &path);
        let Some(priority) = config.priority(&name, &rel) else {
            continue;
        };
        match best.get_mut(&name) {
            Some((held, slot)) => {
                if priority.replaces(held) {
                    chosen[*slot] = path;
                    *held = priority;
                }
            }
            None => {
                best.insert(name, (priority, chosen.len()));
                chosen.push(path);
            }
        }
    }
    Ok(chosen)
}

/// Orders module files: those in `modules.order` first, in its order, then the rest sorted by
/// path.
///
/// A line lists the module file at that path ([`order_key`]), not any module of that name:
/// with a copy of `kernel/drivers/net/mii.ko` at `extra/mii.ko` that the configuration
/// prefers, `extra/mii.ko` is not listed by the line `kernel/drivers/net/mii.ko` and goes
/// among the unlisted modules, as kmod 30 and 34.2 do (lines are compared as they are, no
/// blanks trimmed: `./kernel/...` or `kernel/... ` list nothing either).
fn order_modules(
    dir: &Path,
    mut paths: Vec<PathBuf>,
    report: &dyn Report,
) -> Result<Vec<PathBuf>, Error> {
    let order_file = dir.join(files::MODULES_ORDER);
    let order = match fs::read_to_string(&order_file) {
        Ok(s) => s,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            report.warning(format_args!(
                "could not open modules.order at {}: {}",
                dir.display(),
                crate::error::errno_text(nix::errno::Errno::ENOENT)
            ));
            String::new()
        }
        Err(e) => return Err(Error::io(order_file, e)),
    };
    // Line -> its position in modules.order (the first listing wins).
    let mut pos: HashMap<&str, usize> = HashMap::new();
    for (i, line) in order.split('\n').enumerate() {
        pos.entry(line).or_insert(i);
    }
    // Listed modules by their position, then the others by path.
    paths.sort_by_cached_key(|p| match pos.get(order_key(dir, p).as_str()) {
        Some(&i) => (0, i, PathBuf::new()),
        None => (1, 0, p.clone()),
    });
    Ok(paths)
}

/// The `modules.order` line that lists a module file: its path in `modules.dep`, without the
/// compression's ending (`kernel/fs/ext4/ext4.ko` for `kernel/fs/ext4/ext4.ko.xz`; a line
/// `kernel/fs/ext4/ext4.ko.xz` lists nothing, as in kmod).
fn order_key(dir: &Path, path: &Path) -> String {
    let mut key = dep_path(dir, path);
    if let Some(end) = key.rfind(".ko.") {
        if crate::file::has_module_suffix(&key.as_bytes()[end..]) {
            key.truncate(end + ".ko".len());
        }
    }
    key
}

fn strip_symbol_prefix(modules: &mut [ModuleScan], prefix: &str) {
    let strip = |s: &mut String| {
        if let Some(rest) = s.strip_prefix(prefix) {
            *s = rest.to_string();
        }
    };
    for m in modules {
        m.exports.iter_mut().for_each(|e| strip(&mut e.name));
        m.undefined = m
            .undefined
            .iter()
            .map(|s| s.strip_prefix(prefix).unwrap_or(s))
            .collect();
    }
}

/// The path written in `modules.dep`: relative to the module directory when inside it.
fn dep_path(dir: &Path, path: &Path) -> String {
    path.strip_prefix(dir)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

fn read_optional(path: &Path, report: &dyn Report) -> Result<Option<Vec<u8>>, Error> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let (dir, file) = (
                path.parent().unwrap_or(Path::new("")),
                path.file_name().unwrap_or_default(),
            );
            report.warning(format_args!(
                "could not open {} at {}: No such file or directory",
                file.to_string_lossy(),
                dir.display()
            ));
            Ok(None)
        }
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The kernel's own symbols from `-F System.map` and `-E Module.symvers` (with their CRCs when
/// known), or `None` when neither was given. Like kmod, they are read first, with or without
/// `-e`, and a file that can't be read stops depmod before any work.
fn kernel_symbols(opts: &Options) -> Result<Option<HashMap<String, Option<u64>>>, DepmodError> {
    if opts.system_map.is_none() && opts.symvers.is_none() {
        return Ok(None);
    }
    let read = |p: &Path| {
        fs::read_to_string(p).map_err(|e| {
            DepmodError::Fatal(format!(
                "could not load {}: {}",
                p.display(),
                crate::error::io_text(&e)
            ))
        })
    };
    let mut kernel: HashMap<String, Option<u64>> = HashMap::new();
    let prefix = opts.symbol_prefix.as_deref().unwrap_or("");
    if let Some(map) = &opts.system_map {
        for line in read(map)?.lines() {
            let mut f = line.split_whitespace();
            let (_, Some(kind), Some(sym)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            if kind.eq_ignore_ascii_case("u") {
                continue;
            }
            if let Some(s) = sym.strip_prefix("__ksymtab_") {
                kernel.insert(s.strip_prefix(prefix).unwrap_or(s).to_string(), None);
            }
        }
    }
    if let Some(symvers) = &opts.symvers {
        for line in read(symvers)?.lines() {
            let mut f = line.split('\t');
            let (Some(crc), Some(sym), Some(owner)) = (f.next(), f.next(), f.next()) else {
                continue;
            };
            if owner == "vmlinux" {
                let crc = u64::from_str_radix(crc.trim_start_matches("0x"), 16).ok();
                kernel.insert(sym.strip_prefix(prefix).unwrap_or(sym).to_string(), crc);
            }
        }
    }
    Ok(Some(kernel))
}

/// `-e`: unknown symbols (not exported by any module nor the kernel) and CRC mismatches.
fn check_symbols(
    opts: &Options,
    kernel: &HashMap<String, Option<u64>>,
    modules: &[ModuleScan],
    report: &dyn Report,
) {
    let prefix = opts.symbol_prefix.as_deref().unwrap_or("");
    let mut crcs: HashMap<&str, Option<u64>> = HashMap::new();
    for m in modules {
        for e in &m.exports {
            crcs.entry(e.name.as_str()).or_insert(e.crc);
        }
    }
    // Like kmod: the symbols a module needs are its undefined symbols, then the names only its
    // `__versions` table lists (`module_layout`); each is unknown, or known with a CRC that may
    // disagree with the one the module was built against.
    for m in modules {
        let strip = |s: &'_ str| s.strip_prefix(prefix).unwrap_or(s).to_string();
        let wanted: FxHashMap<String, u64> =
            m.versions.iter().map(|v| (strip(&v.name), v.crc)).collect();
        let mut names: Vec<String> = m.undefined.iter().map(strip).collect();
        for v in &m.versions {
            let n = strip(&v.name);
            if !names.contains(&n) {
                names.push(n);
            }
        }
        for sym in &names {
            let known = crcs
                .get(sym.as_str())
                .copied()
                .or_else(|| kernel.get(sym.as_str()).copied());
            match known {
                None => report.warning(format_args!(
                    "{} needs unknown symbol {sym}",
                    m.path.display()
                )),
                Some(Some(crc)) if wanted.get(sym).is_some_and(|&w| w != crc) => {
                    report.warning(format_args!(
                        "{} disagrees about version of symbol {sym}",
                        m.path.display()
                    ))
                }
                Some(_) => {}
            }
        }
    }
}

/// Writes each output into `dir`, which must exist, as [`write_atomic`] does, but the files'
/// writes and flushes overlap (a thread each: a flush waits for the disk, and flushes made
/// together share the file system's journal commits) and the renames come after all of them, in
/// the order of `outputs`. When one can't be written, none replaces its old file.
pub fn write_all(dir: &Path, outputs: &[OutputFile]) -> Result<(), Error> {
    let write = |o: &OutputFile| write_temporary(&dir.join(o.name), &o.data, true, 0o666);
    let written: Vec<Result<PathBuf, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = outputs
            .iter()
            .map(|o| {
                std::thread::Builder::new()
                    .spawn_scoped(s, move || write(o))
                    .map_err(|_| o)
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h.join().unwrap_or_else(|_| {
                    Err(Error::io(dir, io::Error::other("writing thread failed")))
                }),
                // No thread to be had: written here.
                Err(o) => write(o),
            })
            .collect()
    });
    let remove = |from: usize| {
        for tmp in written[from..].iter().flatten() {
            // Ours: created by write_temporary.
            let _ = fs::remove_file(tmp);
        }
    };
    if written.iter().any(Result::is_err) {
        remove(0);
        return written
            .into_iter()
            .find_map(Result::err)
            .map_or(Ok(()), Err);
    }
    for (i, (o, tmp)) in outputs.iter().zip(&written).enumerate() {
        let Ok(tmp) = tmp else { continue };
        let path = dir.join(o.name);
        if let Err(e) = fs::rename(tmp, &path) {
            remove(i);
            return Err(Error::io(&path, e));
        }
    }
    Ok(())
}

/// How many names [`write_atomic`] tries for its temporary file.
const TEMP_ATTEMPTS: u32 = 16;

/// Writes `data` to `path` through a temporary file in the same directory and a rename, so a
/// reader (or a later run, if this one is killed) sees the complete old file or the complete new
/// one, never a part.
///
/// The temporary file is `.<name>.<pid>.tmp`, created exclusively (`O_CREAT | O_EXCL`): whatever
/// is already there (a file left by a killed run whose pid this process reuses, or a planted
/// symlink) is never followed, truncated or removed. It is then skipped for
/// `.<name>.<pid>.<n>.<nanoseconds>.tmp`, a name nobody can plant in advance, up to
/// `TEMP_ATTEMPTS` (16) names in all. A run killed between creating and renaming its temporary file
/// leaves it behind; nothing reads it, and later runs choose other names.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<(), Error> {
    write_replacing(path, data, true, 0o666)
}

/// [`write_atomic`] for a file only its owner may read or write (mode 0600), not flushed to
/// disk: modprobe's configuration cache, which lives in `/run`.
pub(crate) fn write_private(path: &Path, data: &[u8]) -> Result<(), Error> {
    write_replacing(path, data, false, 0o600)
}

/// [`write_atomic`], with `durable` false skipping the flush to disk before the rename: for the
/// module cache, which a crash may leave empty or damaged (it is then ignored and rebuilt) but
/// which is never half-written while the system runs.
fn write_replacing(path: &Path, data: &[u8], durable: bool, mode: u32) -> Result<(), Error> {
    let tmp = write_temporary(path, data, durable, mode)?;
    fs::rename(&tmp, path).map_err(|e| {
        // Ours: created by write_temporary.
        let _ = fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// The first half of [`write_replacing`]: `data` written (and with `durable`, flushed) to a new
/// temporary file beside `path`, whose name is returned. On failure nothing is left behind.
fn write_temporary(path: &Path, data: &[u8], durable: bool, mode: u32) -> Result<PathBuf, Error> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    let base = path.file_name().unwrap_or_default().to_string_lossy();
    let pid = std::process::id();
    let mut attempt = 0;
    let (tmp, mut f) = loop {
        let name = if attempt == 0 {
            format!(".{base}.{pid}.tmp")
        } else {
            let nanos = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            format!(".{base}.{pid}.{attempt}.{nanos:08x}.tmp")
        };
        let tmp = dir.join(name);
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt + 1 < TEMP_ATTEMPTS => {
                attempt += 1;
            }
            Err(e) => return Err(Error::io(&tmp, e)),
        }
    };
    let result = f
        .write_all(data)
        .and_then(|()| if durable { f.sync_data() } else { Ok(()) });
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            // Ours: created above.
            let _ = fs::remove_file(&tmp);
            Err(Error::io(path, e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("common-depmod-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("mkdir");
        dir
    }

    /// A synthetic module: its path in the tree, exports, undefined symbols, modinfo pairs.
    type Spec<'a> = (
        &'a str,
        &'a [&'a str],
        &'a [&'a str],
        &'a [(&'a str, &'a str)],
    );

    /// Writes a tree of synthetic modules
    /// with `order` as its modules.order, runs depmod on it with an empty configuration and
    /// returns the module directory.
    fn run_tree(tag: &str, modules: &[Spec<'_>], order: &str) -> PathBuf {
        use crate::elf::builder::ModuleBuilder;
        use crate::elf::{Class, Endian};
        let root = scratch(tag);
        let dir = root.join("lib/modules/1.0");
        for (path, exports, undefined, modinfo) in modules {
            let mut b = ModuleBuilder::new(Class::Elf64, Endian::Little).modinfo("license", "GPL");
            for e in *exports {
                b = b.export(e, None);
            }
            for u in *undefined {
                b = b.undefined(u);
            }
            for (k, v) in *modinfo {
                b = b.modinfo(k, v);
            }
            let file = dir.join(path);
            fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
            fs::write(&file, b.build()).expect("write module");
        }
        fs::write(dir.join("modules.order"), order).expect("write order");
        let conf = root.join("empty.d");
        fs::create_dir_all(&conf).expect("mkdir");
        let opts = Options {
            config: vec![conf],
            threads: 1,
            ..Options::default()
        };
        let ctx = Context::new(&root, "1.0");
        run(&ctx, &opts, &crate::report::Discard).expect("depmod runs");
        dir
    }

    fn read_text(dir: &Path, name: &str) -> String {
        fs::read_to_string(dir.join(name)).expect("read output")
    }

    /// modules.weakdep from `weakdep=` keys, in module order and file order: kmod 34.2 wrote
    /// exactly this for two real modules given these keys (objcopy'd `.modinfo`), and the
    /// header alone for a tree without any (and for Debian's 6.1 and 6.12 trees).
    #[test]
    fn weakdep_file_like_kmod_34() {
        let dir = run_tree(
            "weakdep",
            &[
                (
                    "kernel/af_key.ko",
                    &[],
                    &["xfrm_sym"],
                    &[("weakdep", "zz_mod"), ("weakdep", "aa-mod")],
                ),
                (
                    "kernel/xfrm_algo.ko",
                    &["xfrm_sym"],
                    &[],
                    &[("weakdep", "foo")],
                ),
            ],
            "kernel/xfrm_algo.ko\nkernel/af_key.ko\n",
        );
        assert_eq!(
            read_text(&dir, "modules.weakdep"),
            "# Weak dependencies extracted from modules themselves.\n\
             weakdep xfrm_algo foo\n\
             weakdep af_key zz_mod\n\
             weakdep af_key aa-mod\n"
        );
        let dir = run_tree(
            "weakdep-none",
            &[("kernel/a.ko", &[], &[], &[])],
            "kernel/a.ko\n",
        );
        assert_eq!(
            read_text(&dir, "modules.weakdep"),
            "# Weak dependencies extracted from modules themselves.\n"
        );
        // Like both kmods: without modules.builtin, an empty (0-byte) modules.builtin.bin.
        assert_eq!(
            fs::read(dir.join("modules.builtin.bin"))
                .expect("read")
                .len(),
            0
        );
        assert_eq!(
            fs::read(dir.join("modules.builtin.alias.bin"))
                .expect("read")
                .len(),
            0
        );
        let _ = fs::remove_dir_all(dir.join("../../.."));
    }

    /// modules.order `b a b c a`: kmod 34.2 takes each module's first line (b, a, c; kmod 30
    /// its last: b, c, a). Modules it doesn't list come after the listed ones, sorted by path
    /// (kmod: in directory-walk order, which depends on the filesystem).
    #[test]
    fn order_duplicates_and_unlisted_modules() {
        let m = |p| (p, &[][..], &[][..], &[][..]);
        let dir = run_tree(
            "order",
            &[
                m("kernel/a.ko"),
                m("kernel/b.ko"),
                m("kernel/c.ko"),
                m("kernel/z.ko"),
                m("updates/u2.ko"),
                m("updates/u0.ko"),
                m("extra/u1.ko"),
            ],
            "kernel/b.ko\nkernel/a.ko\nkernel/b.ko\nkernel/c.ko\nkernel/a.ko\n",
        );
        assert_eq!(
            read_text(&dir, "modules.dep"),
            "kernel/b.ko:\nkernel/a.ko:\nkernel/c.ko:\n\
             extra/u1.ko:\nkernel/z.ko:\nupdates/u0.ko:\nupdates/u2.ko:\n"
        );
        let _ = fs::remove_dir_all(dir.join("../../.."));
    }

    /// modules.order lists files by path: `updates/a.ko` (preferred to `kernel/a.ko`, which
    /// the order lists) is unlisted; a line names a compressed file without its compression's
    /// ending (`kernel/d.ko` lists `kernel/d.ko.xz`, `kernel/e.ko.xz` lists nothing); lines are
    /// taken as they are (`./kernel/f.ko`, `kernel/g.ko ` and `kernel/h.ko\r` list nothing). As
    /// kmod 30 and 34.2 do with Debian's modules (tests/diff/depmod.sh, `order_by_path`).
    #[test]
    fn order_lists_files_by_path() {
        let m = |p| (p, &[][..], &[][..], &[][..]);
        let dir = run_tree(
            "order-path",
            &[
                m("kernel/a.ko"),
                m("updates/a.ko"),
                m("kernel/b.ko"),
                m("kernel/d.ko.xz"),
                m("kernel/e.ko.xz"),
                m("kernel/f.ko"),
                m("kernel/g.ko"),
                m("kernel/h.ko"),
                m("kernel/z.ko"),
            ],
            "kernel/z.ko\nkernel/a.ko\nkernel/e.ko.xz\n./kernel/f.ko\nkernel/g.ko \n\
             kernel/h.ko\r\nkernel/d.ko\nkernel/b.ko\n",
        );
        assert_eq!(
            read_text(&dir, "modules.dep"),
            "kernel/z.ko:\nkernel/d.ko.xz:\nkernel/b.ko:\n\
             kernel/e.ko.xz:\nkernel/f.ko:\nkernel/g.ko:\nkernel/h.ko:\nupdates/a.ko:\n"
        );
        let _ = fs::remove_dir_all(dir.join("../../.."));
    }

    /// A symlink planted at the temporary name is neither followed nor removed, and the file is
    /// still written.
    #[test]
    fn planted_symlinks_are_not_followed() {
        let dir = scratch("planted");
        let victim = dir.join("victim");
        fs::write(&victim, b"precious").expect("write");
        let pid = std::process::id();
        let planted = dir.join(format!(".modules.dep.{pid}.tmp"));
        symlink(&victim, &planted).expect("symlink");
        // A dangling one too: following it would create its target.
        let dangling_target = dir.join("created-through-link");
        let planted2 = dir.join(format!(".modules.alias.{pid}.tmp"));
        symlink(&dangling_target, &planted2).expect("symlink");

        write_atomic(&dir.join("modules.dep"), b"new dep\n").expect("written under another name");
        write_atomic(&dir.join("modules.alias"), b"new alias\n").expect("written");

        assert_eq!(
            fs::read(dir.join("modules.dep")).expect("read"),
            b"new dep\n"
        );
        assert_eq!(
            fs::read(dir.join("modules.alias")).expect("read"),
            b"new alias\n"
        );
        assert_eq!(fs::read(&victim).expect("read"), b"precious");
        assert!(!dangling_target.exists());
        for p in [&planted, &planted2] {
            assert!(fs::symlink_metadata(p)
                .expect("still there")
                .file_type()
                .is_symlink());
        }
        // Nothing else left behind: the two links, the victim and the two outputs.
        assert_eq!(fs::read_dir(&dir).expect("list").count(), 5);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    /// A stale temporary file of this pid (a killed run's) doesn't stop the next write and is
    /// left alone.
    #[test]
    fn stale_temporary_file_is_skipped() {
        let dir = scratch("stale");
        let stale = dir.join(format!(".modules.dep.{}.tmp", std::process::id()));
        fs::write(&stale, b"half-writ").expect("write");
        fs::write(dir.join("modules.dep"), b"old\n").expect("write");
        write_atomic(&dir.join("modules.dep"), b"new\n").expect("written");
        assert_eq!(fs::read(dir.join("modules.dep")).expect("read"), b"new\n");
        assert_eq!(fs::read(&stale).expect("read"), b"half-writ");
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn temporary_names() {
        for (name, pid) in [
            (".modules.dep.123.tmp", Some(123)),
            (".modules.dep.bin.123.tmp", Some(123)),
            (".modules.dep.bin.77.3.0abc12ef.tmp", Some(77)),
            (".modules.cache.bin.9.tmp", Some(9)),
            (".modules.alias.4194304.15.ffffffff.tmp", Some(4194304)),
            ("modules.dep.123.tmp", None),
            (".modules.dep.tmp", None),
            (".modules.dep.0.tmp", None),
            (".modules.dep.012.tmp", None),
            (".modules.dep.12a.tmp", None),
            (".modules.dep.123.tmp.x", None),
            (".modules.dep.1.2.ABCDEF01.tmp", None),
            (".modules.dep.1.2.abcdef0.tmp", None),
            (".modules.order.123.tmp", None),
            (".modules.builtin.123.tmp", None),
            (".modules.depx.123.tmp", None),
            (".other.123.tmp", None),
        ] {
            assert_eq!(temporary_pid(name), pid, "{name}");
        }
    }

    /// Only old temporary files of depmod's outputs whose process is gone are removed.
    #[test]
    fn stale_temporaries_of_dead_processes_are_removed() {
        let dir = scratch("stale-removal");
        // A pid no process has: above the kernel's maximum (4194304).
        let dead = 4_194_305;
        let live = std::process::id();
        let old = SystemTime::now() - STALE_AGE - std::time::Duration::from_secs(5);
        let make = |name: &str, aged: bool| {
            let p = dir.join(name);
            fs::write(&p, b"half").expect("write");
            if aged {
                let f = fs::File::options().write(true).open(&p).expect("open");
                f.set_modified(old).expect("set mtime");
            }
            p
        };
        let gone = [
            make(&format!(".modules.dep.{dead}.tmp"), true),
            make(&format!(".modules.cache.bin.{dead}.2.0a0b0c0d.tmp"), true),
        ];
        let kept = [
            make(&format!(".modules.dep.{live}.tmp"), true),
            make(&format!(".modules.alias.{dead}.tmp"), false),
            make(&format!(".modules.order.{dead}.tmp"), true),
            make(&format!("modules.dep.{dead}.tmp"), true),
            make(&format!(".modules.dep.{dead}.tmp.keep"), true),
        ];
        remove_stale_temporaries(&dir);
        for p in &gone {
            assert!(!p.exists(), "{} not removed", p.display());
        }
        for p in &kept {
            assert!(p.exists(), "{} removed", p.display());
        }
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    /// When the rename fails, the temporary file (ours) is removed and the error names the file.
    #[test]
    fn failed_rename_removes_own_temporary_file() {
        let dir = scratch("rename");
        // A non-empty directory where the file should go: rename(2) refuses.
        let target_dir = dir.join("modules.alias");
        fs::create_dir(&target_dir).expect("mkdir");
        fs::write(target_dir.join("x"), b"x").expect("write");
        let err = write_atomic(&target_dir, b"new\n").expect_err("rename onto a directory");
        assert!(err.to_string().contains("modules.alias"), "{err}");
        let left: Vec<_> = fs::read_dir(&dir)
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(left, ["modules.alias"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
