//! modprobe's cache of a large parsed configuration (issue 16, part 2: `modprobe NAME` with
//! 100,000 lines of modprobe.d costing about what it costs with none).
//!
//! Reading the text of a few megabytes of configuration costs more than a whole modprobe run
//! with an empty one (`docs/modprobe-config-speed.md`), so a large configuration is parsed once
//! and kept, parsed, in a file that later runs map: a lookup then touches only the few pages of
//! the tables, records and lines it needs. Everything else is as without it.
//!
//! - **When:** only when the files modprobe reads (after listing the locations as always, so
//!   an added, removed or renamed `*.conf` counts) total at least [`DEFAULT_MIN_SIZE`] bytes
//!   by their sizes (`MODUTILS_MODPROBE_CACHE_MIN` sets another). A system with an ordinary
//!   configuration never reads, writes or looks for a cache.
//! - **Where:** `/run/modutils-rs/modprobe-config-<hash of the locations>.cache`, mode 0600 in
//!   a directory of mode 0700 (`MODUTILS_MODPROBE_CACHE=DIR` puts it in DIR; empty or `0`: no
//!   cache). `/run` is emptied at boot.
//! - **Trusted only when** the directory (not a symbolic link) and the file (opened without
//!   following a symbolic link) are owned by the effective user and writable by no one else,
//!   and the file starts with its key: the identity (device, inode, size, modification and
//!   status-change times with nanoseconds) of the running executable and of every file read,
//!   in order, by path (a missing one as missing). Any difference, or a damaged file: the
//!   configuration is parsed as without a cache, and a new cache written.
//! - **Written** (temporary file and rename) only when every listed file that exists was read,
//!   and none changed within depmod's racy window before the run (`depmod::cache::RACY_WINDOW`:
//!   a change within the same timestamp tick would keep the identity); by one modprobe at a
//!   time (a lock on the directory; the others don't wait, and write nothing), which first
//!   removes the temporary files of killed writers (depmod's rule: process gone, a minute
//!   old). Failures are silent: the cache only ever saves time.
//! - **Not cached:** the kernel command line, read fresh each run, and the listing's own
//!   messages (said each run). The messages parsing said (`ignoring bad line ...`) are kept and
//!   said again, in order, by each run that uses the cache.
//! - **Checked when used:** the key, then a CRC-32 of the whole file (`crc32fast`, with the
//!   CPU's carry-less multiply: about half a millisecond for the 7.8 MB of 100,000 lines, so a
//!   damaged cache is always parsed again and rewritten, never answered from). The arrays and
//!   texts are bounds-checked at each use all the same, and a hash chain only goes forward. A
//!   text is checked as UTF-8 line by line when a lookup parses the line again.
//!
//! modprobe uses it ([`CachePolicy::from_env`]); libkmod.so.2 (which udev and systemd keep
//! loaded) reads its configuration without one.

use std::cell::RefCell;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use super::index::{self, Aliases, Table};
use super::store::{Map, Recs, U32s};
use super::{EntryKind, ModprobeConfig, Text};
use crate::depmod::cache::{checksum, put_u32, Identity, Reader};
use crate::index::mapped::IndexBytes;
use crate::report::{Level, Report};

/// Where the cache lives without `MODUTILS_MODPROBE_CACHE`.
pub const DEFAULT_DIR: &str = "/run/modutils-rs";

/// The size of configuration from which a cache is kept (1 MiB: about 20,000 lines).
pub const DEFAULT_MIN_SIZE: u64 = 1 << 20;

/// The largest cache file read (a configuration is read into memory whole, so its positions
/// are 32-bit).
const MAX_SIZE: u64 = 1 << 32;

/// The first bytes of a cache file: its format.
const MAGIC: &[u8; 8] = b"MRSMPC\x01\n";

/// The number of `u32` arrays a cache file holds: the records of the 7 lists, the aliases'
/// prefix lengths, each list's table (2 arrays), the alias table and its 2 companions.
const ARRAYS: usize = 7 + 1 + 14 + 4;

/// Whether and where modprobe keeps its parsed configuration (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum CachePolicy {
    /// No cache: always parse.
    #[default]
    Off,
    /// A cache in `dir` for configurations of `min_size` bytes or more.
    In {
        /// The directory.
        dir: PathBuf,
        /// The configuration's size from which a cache is used.
        min_size: u64,
    },
}

impl CachePolicy {
    /// modprobe's: `MODUTILS_MODPROBE_CACHE` (a directory; empty or `0`: none; unset:
    /// [`DEFAULT_DIR`]) and `MODUTILS_MODPROBE_CACHE_MIN` (bytes; [`DEFAULT_MIN_SIZE`]).
    pub fn from_env() -> CachePolicy {
        let dir = match std::env::var_os("MODUTILS_MODPROBE_CACHE") {
            None => PathBuf::from(DEFAULT_DIR),
            Some(d) if d.is_empty() || d == "0" => return CachePolicy::Off,
            Some(d) => PathBuf::from(d),
        };
        let min_size = std::env::var("MODUTILS_MODPROBE_CACHE_MIN")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(DEFAULT_MIN_SIZE);
        CachePolicy::In { dir, min_size }
    }
}

/// Passes messages on and keeps them, to be said again by runs that use the cache.
struct Recorder<'a> {
    inner: &'a dyn Report,
    said: RefCell<Vec<(Level, String)>>,
}

impl Report for Recorder<'_> {
    fn report(&self, level: Level, message: &str) {
        self.said.borrow_mut().push((level, message.to_string()));
        self.inner.report(level, message);
    }
}

/// The configuration of `files` (listed from the locations `place` describes): from the cache
/// `policy` allows, if it holds them, else from `parse` (which then may fill the cache).
pub(super) fn load(
    files: &[PathBuf],
    place: &[u8],
    report: &dyn Report,
    policy: &CachePolicy,
    parse: &dyn Fn(&dyn Report) -> ModprobeConfig,
) -> ModprobeConfig {
    let CachePolicy::In { dir, min_size } = policy else {
        return parse(report);
    };
    let ids: Vec<Option<Identity>> = files.iter().map(|p| Identity::of_path(p).ok()).collect();
    let total = ids
        .iter()
        .flatten()
        .fold(0u64, |t, id| t.saturating_add(id.size));
    if total < *min_size {
        return parse(report);
    }
    let Ok(exe) = Identity::of_path(Path::new("/proc/self/exe")) else {
        return parse(report);
    };
    let key = key_of(&exe, files, &ids);
    let path = dir.join(format!("modprobe-config-{:016x}.cache", checksum(place)));
    if let Some((config, said)) = read(dir, &path, &key) {
        for (level, message) in &said {
            report.report(*level, message);
        }
        return config;
    }
    let start = SystemTime::now();
    let recorder = Recorder {
        inner: report,
        said: RefCell::new(Vec::new()),
    };
    let config = parse(&recorder);
    let existing = files.iter().zip(&ids).filter(|(_, id)| id.is_some());
    let read_all = config.files.iter().eq(existing.map(|(p, _)| p));
    let settled = !ids.iter().flatten().any(|id| id.is_recent(start));
    if read_all && settled && trusted_dir(dir, true) {
        // One writer at a time (at boot the kernel may start many modprobes at once, each of
        // which would write the same megabytes into /run): the others go on without writing.
        let lock = fs::File::open(dir).ok().and_then(|d| {
            nix::fcntl::Flock::lock(d, nix::fcntl::FlockArg::LockExclusiveNonblock).ok()
        });
        if lock.is_some() {
            // What a writer killed before its rename left (as depmod's rule: its process
            // gone, a minute old).
            if let Some(name) = path.file_name().and_then(|n| n.to_str()) {
                crate::depmod::remove_stale_temporaries_of(dir, &[name]);
            }
            let data = encode(&config, &key, &recorder.said.into_inner());
            let _ = crate::depmod::write_private(&path, &data);
        }
    }
    config
}

/// The key: the executable's identity, then each file's path and identity (or a 0 byte).
fn key_of(exe: &Identity, files: &[PathBuf], ids: &[Option<Identity>]) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let mut key = Vec::new();
    exe.encode(&mut key);
    put_u32(&mut key, files.len());
    for (path, id) in files.iter().zip(ids) {
        let path = path.as_os_str().as_bytes();
        put_u32(&mut key, path.len());
        key.extend_from_slice(path);
        match id {
            Some(id) => {
                key.push(1);
                id.encode(&mut key);
            }
            None => key.push(0),
        }
    }
    key
}

/// Whether `meta` is owned by the effective user and writable by no one else.
fn owned(meta: &fs::Metadata) -> bool {
    meta.uid() == nix::unistd::geteuid().as_raw() && meta.mode() & 0o022 == 0
}

/// Whether `dir` is a directory (not a symbolic link) the cache may be in, made (mode 0700)
/// if missing and `create`.
fn trusted_dir(dir: &Path, create: bool) -> bool {
    match fs::symlink_metadata(dir) {
        Ok(meta) => meta.is_dir() && owned(&meta),
        Err(e) if create && e.kind() == io::ErrorKind::NotFound => {
            fs::DirBuilder::new().mode(0o700).create(dir).is_ok()
                && fs::symlink_metadata(dir).is_ok_and(|m| m.is_dir() && owned(&m))
        }
        Err(_) => false,
    }
}

/// The cache file at `path`, if it is trusted and holds the configuration of `key`, with the
/// messages its parsing said.
fn read(dir: &Path, path: &Path, key: &[u8]) -> Option<(ModprobeConfig, Vec<(Level, String)>)> {
    if !trusted_dir(dir, false) {
        return None;
    }
    let file = fs::OpenOptions::new()
        .read(true)
        // Not blocking: a FIFO put there would wait for a writer forever (it is then refused
        // as not a regular file).
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(path)
        .ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || !owned(&meta) || meta.len() < 64 {
        return None;
    }
    // Mapped on the index files' terms: the file is ours (owned by the effective user, in a
    // directory only that user may write, opened without following a link) and only ever
    // replaced by a rename, never written in place.
    let map = IndexBytes::of_file(file, MAX_SIZE).ok()??;
    decode(Arc::new(map), key)
}

/// Appends `bytes` with their length.
fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_u32(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// The level's number in a cache file.
fn level_code(level: Level) -> u8 {
    match level {
        Level::Fatal => 0,
        Level::Error => 1,
        Level::Warning => 2,
        Level::Info => 3,
        Level::Hint => 4,
    }
}

fn level_of(code: u8) -> Option<Level> {
    Some(match code {
        0 => Level::Fatal,
        1 => Level::Error,
        2 => Level::Warning,
        3 => Level::Info,
        4 => Level::Hint,
        _ => return None,
    })
}

/// The arrays of `config` a cache file holds, in their order there (see [`ARRAYS`]): the
/// tables built for all entries.
fn arrays_of(config: &ModprobeConfig) -> Vec<Vec<u8>> {
    let mut arrays: Vec<Vec<u8>> = Vec::with_capacity(ARRAYS);
    let mut put = |write: &dyn Fn(&mut Vec<u8>)| {
        let mut a = Vec::new();
        write(&mut a);
        arrays.push(a);
    };
    for recs in &config.recs {
        put(&|a| recs.write_to(a));
    }
    put(&|a| config.alias_prefix.write_to(a));
    for recs in &config.recs {
        let table = index::table_of(recs);
        put(&|a| table.heads.write_to(a));
        put(&|a| table.next.write_to(a));
    }
    let aliases = index::aliases_of(config);
    put(&|a| aliases.table.heads.write_to(a));
    put(&|a| aliases.table.next.write_to(a));
    put(&|a| aliases.prefix_lengths.write_to(a));
    put(&|a| aliases.wild.write_to(a));
    arrays
}

/// A cache file of `config` (all read from files: no command-line entries) under `key`.
///
/// Layout (little-endian): [`MAGIC`]; the file's length (u64); the length of the head (u64,
/// from the start to the arrays); the CRC-32 of everything after these 32 bytes (u64); the
/// key (with its length); the messages (count; level byte and text each); the
/// files (count; path each); the texts (count; file number, offset and length each); the
/// arrays (offset and number of values each); then the arrays and the texts' bytes.
fn encode(config: &ModprobeConfig, key: &[u8], said: &[(Level, String)]) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let arrays = arrays_of(config);
    let mut head = Vec::new();
    put_bytes(&mut head, key);
    put_u32(&mut head, said.len());
    for (level, message) in said {
        head.push(level_code(*level));
        put_bytes(&mut head, message.as_bytes());
    }
    put_u32(&mut head, config.files.len());
    for f in &config.files {
        put_bytes(&mut head, f.as_os_str().as_bytes());
    }
    let head_len = 32 + head.len() + 4 + config.texts.len() * 20 + 4 + ARRAYS * 12;
    // The arrays start 4-aligned, then the texts.
    let mut at = head_len.next_multiple_of(4);
    let mut array_dir = Vec::new();
    put_u32(&mut array_dir, arrays.len());
    for a in &arrays {
        put_u64(&mut array_dir, at as u64);
        put_u32(&mut array_dir, a.len() / 4);
        at += a.len();
    }
    put_u32(&mut head, config.texts.len());
    for (text, file_no) in &config.texts {
        put_u32(&mut head, *file_no as usize);
        put_u64(&mut head, at as u64);
        put_u64(&mut head, text.bytes().len() as u64);
        at += text.bytes().len();
    }
    head.extend_from_slice(&array_dir);
    let mut out = Vec::with_capacity(at);
    out.extend_from_slice(MAGIC);
    put_u64(&mut out, at as u64);
    put_u64(&mut out, head_len as u64);
    put_u64(&mut out, 0);
    out.extend_from_slice(&head);
    out.resize(head_len.next_multiple_of(4), 0);
    for a in &arrays {
        out.extend_from_slice(a);
    }
    for (text, _) in &config.texts {
        out.extend_from_slice(text.bytes());
    }
    let sum = u64::from(crc32fast::hash(&out[32..]));
    out[24..32].copy_from_slice(&sum.to_le_bytes());
    out
}

/// The configuration in the cache file mapped at `map`, if it is well-formed and its key is
/// `key`, with the messages to say.
fn decode(map: Map, key: &[u8]) -> Option<(ModprobeConfig, Vec<(Level, String)>)> {
    let data: &[u8] = &map;
    let mut r = Reader::new(data);
    if r.bytes(8).ok()? != MAGIC || r.u64().ok()? != data.len() as u64 {
        return None;
    }
    let head_len = usize::try_from(r.u64().ok()?).ok()?;
    let sum = r.u64().ok()?;
    let head = data.get(32..head_len)?;
    let mut r = Reader::new(head);
    let len = r.count(1).ok()?;
    // The key first: a cache of other files is not read further.
    if r.bytes(len).ok()? != key || u64::from(crc32fast::hash(&data[32..])) != sum {
        return None;
    }
    let mut said = Vec::new();
    for _ in 0..r.count(5).ok()? {
        let level = level_of(r.u8().ok()?)?;
        said.push((level, r.str().ok()?.to_string()));
    }
    let mut config = ModprobeConfig::default();
    for _ in 0..r.count(4).ok()? {
        use std::os::unix::ffi::OsStrExt;
        let len = r.count(1).ok()?;
        let path = std::ffi::OsStr::from_bytes(r.bytes(len).ok()?);
        config.files.push(PathBuf::from(path));
    }
    let in_file = |start: u64, len: u64| {
        let start = usize::try_from(start).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        (start >= head_len && end <= data.len()).then_some(start)
    };
    for _ in 0..r.count(20).ok()? {
        let file_no = r.u32().ok()?;
        let (start, len) = (r.u64().ok()?, r.u64().ok()?);
        let start = in_file(start, len)?;
        if file_no as usize >= config.files.len() {
            return None;
        }
        let len = usize::try_from(len).ok()?;
        let text = Text::Cached {
            map: map.clone(),
            start,
            len,
        };
        config.texts.push((text, file_no));
    }
    if r.count(12).ok()? != ARRAYS {
        return None;
    }
    let mut arrays = Vec::with_capacity(ARRAYS);
    for _ in 0..ARRAYS {
        let (start, len) = (r.u64().ok()?, r.u32().ok()?);
        let start = in_file(start, u64::from(len) * 4)?;
        arrays.push(U32s::Mapped {
            map: map.clone(),
            start,
            len: len as usize,
        });
    }
    if r.pos() != head.len() {
        return None;
    }
    let mut arrays = arrays.into_iter();
    let mut next = || arrays.next().unwrap_or_default();
    for recs in &mut config.recs {
        *recs = Recs::cached(next());
    }
    config.alias_prefix = next();
    for table in &config.index.tables {
        let (heads, next_of) = (next(), next());
        let _ = table.set(Table {
            heads,
            next: next_of,
        });
    }
    let (heads, next_of) = (next(), next());
    let aliases = Aliases {
        table: Table {
            heads,
            next: next_of,
        },
        prefix_lengths: next(),
        wild: next(),
    };
    let _ = config.index.aliases.set(aliases);
    // Each table covers its list, and the alias prefixes go with the aliases.
    let aliases_len = config.recs[EntryKind::Alias as usize].len();
    let consistent = config
        .index
        .tables
        .iter()
        .zip(&config.recs)
        .all(|(t, recs)| t.get().is_some_and(|t| t.next.len() == recs.len()))
        && config.alias_prefix.len() == aliases_len
        && config.index.aliases.get().map(|a| a.table.next.len()) == Some(aliases_len);
    consistent.then_some((config, said))
}

#[cfg(test)]
mod tests {
    use super::super::index::tests::{check_all, generated_text, CMDLINE};
    use super::*;
    use crate::report::Collected;
    use std::os::unix::fs::PermissionsExt;
    use std::time::Duration;

    /// A scratch directory with an empty `conf` directory in it.
    fn scratch(tag: &str) -> PathBuf {
        let dir = crate::testutil::scratch(&format!("mpcache-{tag}"));
        fs::create_dir_all(dir.join("conf")).expect("mkdir");
        dir
    }

    fn policy(root: &Path) -> CachePolicy {
        CachePolicy::In {
            dir: root.join("cache"),
            min_size: 0,
        }
    }

    /// The configuration of `root`'s `conf` directory with the kernel command line, and the
    /// messages said.
    fn load(root: &Path, policy: &CachePolicy) -> (ModprobeConfig, Vec<(Level, String)>) {
        let report = Collected::new();
        let locations = [root.join("conf")];
        let mut cfg = ModprobeConfig::load_cached(None, &locations, &report, policy).expect("load");
        cfg.parse_cmdline(CMDLINE, &report);
        (cfg, report.entries())
    }

    fn from_cache(cfg: &ModprobeConfig) -> bool {
        matches!(cfg.texts.first(), Some((Text::Cached { .. }, _)))
    }

    /// Past the window in which a changed file keeps a cache from being written.
    fn settle() {
        std::thread::sleep(Duration::from_millis(150));
    }

    fn cache_file(root: &Path) -> PathBuf {
        let mut files: Vec<PathBuf> = fs::read_dir(root.join("cache"))
            .expect("cache dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "cache"))
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        files.remove(0)
    }

    /// Two files of generated lines with bad ones among them.
    fn write_config(root: &Path, seed: u64, lines: usize) -> Vec<String> {
        let (text, names) = generated_text(seed, lines);
        let (a, b) = text.split_at(text.len() / 2 + text[text.len() / 2..].find('\n').unwrap_or(0));
        let conf = root.join("conf");
        fs::write(conf.join("a.conf"), format!("bogus line\n{a}\ninclude x\n")).expect("a");
        fs::write(
            conf.join("b.conf"),
            format!("{b}options\t\nalias \\\nq m\n"),
        )
        .expect("b");
        names
    }

    #[test]
    fn cached_configuration_answers_as_parsed() {
        for seed in 1..4 {
            let root = scratch(&format!("same{seed}"));
            let names = write_config(&root, seed, 2000);
            settle();
            let (plain, said) = load(&root, &CachePolicy::Off);
            assert!(said.len() >= 3, "{said:?}");
            let (first, first_said) = load(&root, &policy(&root));
            assert!(!from_cache(&first));
            assert_eq!((&first, &first_said), (&plain, &said));
            let (cached, cached_said) = load(&root, &policy(&root));
            assert!(from_cache(&cached), "seed {seed}");
            assert_eq!((&cached, &cached_said), (&plain, &said));
            check_all(&cached, &names);
            for kind in [EntryKind::Alias, EntryKind::Options, EntryKind::Softdep] {
                for i in (0..plain.len(kind)).step_by(97) {
                    assert_eq!(cached.origin(kind, i), plain.origin(kind, i));
                }
            }
            let mode = fs::metadata(cache_file(&root)).expect("cache").mode();
            assert_eq!(mode & 0o777, 0o600);
            let _ = fs::remove_dir_all(&root);
        }
    }

    #[test]
    fn changed_files_are_read_again() {
        let root = scratch("changes");
        write_config(&root, 7, 500);
        let conf = root.join("conf");
        settle();
        load(&root, &policy(&root));
        assert!(from_cache(&load(&root, &policy(&root)).0));
        // A line added; read at once (not from the cache), then cached again once settled.
        let mut text = fs::read_to_string(conf.join("b.conf")).expect("read");
        text.push_str("blacklist newly\n");
        fs::write(conf.join("b.conf"), &text).expect("write");
        let (cfg, _) = load(&root, &policy(&root));
        assert!(!from_cache(&cfg) && cfg.is_blacklisted("newly"));
        // Changed within the window: not written, so the next run parses again.
        assert!(!from_cache(&load(&root, &policy(&root)).0));
        settle();
        load(&root, &policy(&root));
        let (cfg, _) = load(&root, &policy(&root));
        assert!(from_cache(&cfg) && cfg.is_blacklisted("newly"));
        // The same size and modification time: the status-change time tells.
        let mtime = fs::metadata(conf.join("b.conf"))
            .expect("stat")
            .modified()
            .expect("mtime");
        fs::write(conf.join("b.conf"), text.replace("newly", "newlx")).expect("write");
        let f = fs::File::options()
            .write(true)
            .open(conf.join("b.conf"))
            .expect("open");
        f.set_modified(mtime).expect("touch");
        drop(f);
        let (cfg, _) = load(&root, &policy(&root));
        assert!(!from_cache(&cfg) && cfg.is_blacklisted("newlx") && !cfg.is_blacklisted("newly"));
        // A file added, then renamed to be read first, then removed.
        fs::write(conf.join("c.conf"), "install fresh_mod /bin/false\n").expect("c");
        let (cfg, _) = load(&root, &policy(&root));
        assert_eq!(cfg.install_command("fresh-mod"), Some("/bin/false"));
        settle();
        load(&root, &policy(&root));
        fs::rename(conf.join("c.conf"), conf.join("0.conf")).expect("rename");
        let (cfg, _) = load(&root, &policy(&root));
        assert!(!from_cache(&cfg));
        assert_eq!(cfg.install_command("fresh-mod"), Some("/bin/false"));
        fs::remove_file(conf.join("0.conf")).expect("rm");
        let (cfg, _) = load(&root, &policy(&root));
        assert!(!from_cache(&cfg));
        assert_ne!(cfg.install_command("fresh-mod"), Some("/bin/false"));
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn damaged_caches_are_never_trusted_blindly() {
        let root = scratch("damaged");
        let names = write_config(&root, 3, 150);
        settle();
        let (plain, said) = load(&root, &CachePolicy::Off);
        load(&root, &policy(&root));
        let path = cache_file(&root);
        let good = fs::read(&path).expect("cache");
        let head_len = u64::from_le_bytes(good[16..24].try_into().expect("8")) as usize;
        let put = |bytes: &[u8]| {
            fs::write(&path, bytes).expect("write");
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
        };
        // Truncated: parsed as without a cache (and the cache written again).
        for len in [0, 8, 31, 32, head_len, good.len() / 2, good.len() - 1] {
            put(&good[..len]);
            let (cfg, s) = load(&root, &policy(&root));
            assert!(!from_cache(&cfg), "{len}");
            assert_eq!((&cfg, &s), (&plain, &said), "{len}");
            assert_eq!(fs::read(&path).expect("cache"), good, "{len}");
        }
        // One byte changed anywhere: parsed as without a cache (the CRC), and rewritten.
        for at in 0..good.len() {
            let mut bad = good.clone();
            bad[at] ^= 0x41;
            put(&bad);
            let (cfg, s) = load(&root, &policy(&root));
            assert!(!from_cache(&cfg), "{at}");
            assert_eq!((&cfg, &s), (&plain, &said), "{at}");
        }
        assert_eq!(fs::read(&path).expect("cache"), good);
        // Past the CRC (a cache made to pass it): bounds-checked, no panic and no endless walk.
        for at in (head_len..good.len()).step_by(7) {
            let mut bad = good.clone();
            bad[at] ^= 0x41;
            let sum = u64::from(crc32fast::hash(&bad[32..]));
            bad[24..32].copy_from_slice(&sum.to_le_bytes());
            put(&bad);
            let (cfg, _) = load(&root, &policy(&root));
            assert!(from_cache(&cfg), "{at}");
            for name in names.iter().step_by(5) {
                let _ = cfg.alias_modules(name);
                let _ = cfg.options_for(name);
                let _ = (cfg.install_command(name), cfg.softdep_for(name));
                let _ = (cfg.is_blacklisted(name), cfg.weakdep_for(name));
            }
            let _ = (cfg.aliases().len(), cfg.softdeps().len());
        }
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn untrusted_caches_are_ignored() {
        let root = scratch("trust");
        write_config(&root, 5, 300);
        settle();
        let (plain, _) = load(&root, &CachePolicy::Off);
        load(&root, &policy(&root));
        let path = cache_file(&root);
        let good = fs::read(&path).expect("cache");
        // Writable by others: not used, replaced.
        fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).expect("chmod");
        let (cfg, _) = load(&root, &policy(&root));
        assert!(!from_cache(&cfg) && cfg == plain);
        assert_eq!(fs::metadata(&path).expect("stat").mode() & 0o777, 0o600);
        assert!(from_cache(&load(&root, &policy(&root)).0));
        // A symbolic link to a good copy: not followed; replaced by a file.
        let copy = root.join("copy.cache");
        fs::write(&copy, &good).expect("copy");
        fs::set_permissions(&copy, fs::Permissions::from_mode(0o600)).expect("chmod");
        fs::remove_file(&path).expect("rm");
        std::os::unix::fs::symlink(&copy, &path).expect("symlink");
        let (cfg, _) = load(&root, &policy(&root));
        assert!(!from_cache(&cfg) && cfg == plain);
        assert!(fs::symlink_metadata(&path).expect("stat").is_file());
        assert_eq!(fs::read(&copy).expect("copy"), good);
        // A directory writable by others: not used, not written.
        let dir = root.join("cache");
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).expect("chmod");
        let (cfg, _) = load(&root, &policy(&root));
        assert!(!from_cache(&cfg) && cfg == plain);
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).expect("chmod");
        // A FIFO: not opened for reading (no wait), replaced.
        fs::remove_file(&path).expect("rm");
        nix::unistd::mkfifo(&path, nix::sys::stat::Mode::from_bits_truncate(0o600)).expect("fifo");
        let (cfg, _) = load(&root, &policy(&root));
        assert!(!from_cache(&cfg) && cfg == plain);
        assert!(fs::symlink_metadata(&path).expect("stat").is_file());
        // The cache's path is a directory: parsed, nothing written.
        fs::remove_file(&path).expect("rm");
        fs::create_dir(&path).expect("mkdir");
        let (cfg, _) = load(&root, &policy(&root));
        assert!(!from_cache(&cfg) && cfg == plain);
        assert!(path.is_dir());
        // Below the size: no cache directory at all.
        let other = scratch("small");
        write_config(&other, 5, 10);
        settle();
        let small = CachePolicy::In {
            dir: other.join("cache"),
            min_size: 1 << 20,
        };
        load(&other, &small);
        assert!(!from_cache(&load(&other, &small).0));
        assert!(!other.join("cache").exists());
        let _ = fs::remove_dir_all(&root);
        let _ = fs::remove_dir_all(&other);
    }
}
