//! depmod's module cache: what [`crate::scan::parse_module`] read from each module file of a
//! tree, kept between runs so that a re-run reads only the modules that changed.
//!
//! The cache is an accelerator, never a source of truth. Each entry is keyed by the module's
//! path (relative to the module directory when inside it) and by the identity of the file
//! ([`Identity`]: device, inode, size, modification and status-change times with nanoseconds);
//! an entry is used only when the file at that path still has exactly that identity. The whole
//! cache is used only when its header names this format, this depmod version and this
//! architecture, its length adds up and its checksum matches; otherwise it is ignored and
//! rebuilt. Nothing else changes what is read from a file (depmod.d decides *which* files are
//! read, `-P` is applied after reading), so no configuration is part of the key.
//!
//! # Format (all integers little-endian)
//!
//! ```text
//! magic      8 bytes  "MRSDEPC\n"
//! format     u32      FORMAT_VERSION
//! count      u64      number of entries
//! length     u64      the file's length in bytes
//! arch       str      target architecture, byte order, pointer width ("x86_64-little-64")
//! version    str      depmod's version (the workspace version)
//! entries    count times:
//!   key      str      the module's path, relative to the module directory when inside it
//!   identity 8+8+8+8+4+8+4 bytes: dev, ino, size, mtime s, mtime ns, ctime s, ctime ns
//!   payload  u32 length, then:
//!     name       str
//!     modinfo    u32 count, then (key str, value str) for the keys the indexes use
//!     exports    u32 count, then (name str, u8 0 | u8 1 CRC varint)
//!     undefined  str: the names, each followed by a NUL
//!     versions   u32 count, then (varint: 1 + position in undefined | 0 then name str,
//!                CRC varint)
//! checksum   u64      over every byte before it
//! ```
//!
//! `str` is a u32 length then that many bytes of UTF-8; `varint` is LEB128.
//!
//! An entry whose file changed less than [`RACY_WINDOW`] before the run started (or after) is
//! not stored: a file written again within the same timestamp tick would keep its identity.
//! On filesystems that keep sub-second timestamps the window is [`RACY_WINDOW_FINE`] instead.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rustc_hash::FxHashMap;

use crate::elf::{Export, NameList, SymbolVersion};
use crate::error::Error;
use crate::scan::{self, ModuleScan};

/// The cache's file name in the module directory (or in `-o DIR`'s). It matches Debian's
/// `linux-image-*.postrm` pattern `modules.*.bin`, which removes it with the indexes when the
/// kernel package is purged, and neither initramfs-tools nor dracut copies it (they copy
/// `modules.builtin*` and `modules.order` by name).
pub const FILE_NAME: &str = "modules.cache.bin";

/// This format's version; any change to the layout or to what the parser reads bumps it.
pub const FORMAT_VERSION: u32 = 1;

/// The first bytes of a cache file.
pub const MAGIC: [u8; 8] = *b"MRSDEPC\n";

/// Files that changed this recently before the run started are read but not cached (their
/// timestamps may not yet tell a later write apart; some filesystems keep seconds only, FAT's
/// modification time has 2-second steps).
pub const RACY_WINDOW: Duration = Duration::from_secs(2);

/// The window for a file whose status-change time has a non-zero sub-second part, i.e. on a
/// filesystem that keeps fine timestamps (ext4, xfs, btrfs, tmpfs: nanoseconds; exFAT: 10 ms).
/// The kernel stamps files from its coarse clock, which lags the real time by at most a jiffy
/// (10 ms at HZ=100), so once the run's start is this far past a file's ctime, any later write
/// gets a later ctime. Without it, the depmod in a kernel package's postinst stored nothing:
/// dpkg renames every file into place just before, which sets their ctime.
pub const RACY_WINDOW_FINE: Duration = Duration::from_millis(100);

/// The largest cache file read: Debian's trees of 4000 modules make 7 MB.
pub const MAX_CACHE_SIZE: u64 = 256 << 20;

/// The architecture a cache was written on: `<arch>-<byte order>-<pointer width>`.
pub fn arch_tag() -> String {
    let endian = if cfg!(target_endian = "little") {
        "little"
    } else {
        "big"
    };
    format!("{}-{endian}-{}", std::env::consts::ARCH, usize::BITS)
}

/// depmod's version as written in the header.
pub const DEPMOD_VERSION: &str = env!("CARGO_PKG_VERSION");

/// A file's identity: an entry is used only while its file has the same one. The status-change
/// time (which no one can set back, unlike the modification time) makes a rewrite that keeps
/// size and mtime (`touch -d`) a change too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identity {
    /// Device.
    pub dev: u64,
    /// Inode.
    pub ino: u64,
    /// Size in bytes.
    pub size: u64,
    /// Modification time: seconds, nanoseconds.
    pub mtime: (i64, u32),
    /// Status-change time: seconds, nanoseconds.
    pub ctime: (i64, u32),
}

impl Identity {
    /// The identity in `meta`.
    pub fn of(meta: &fs::Metadata) -> Identity {
        let ns = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Identity {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: (meta.mtime(), ns(meta.mtime_nsec())),
            ctime: (meta.ctime(), ns(meta.ctime_nsec())),
        }
    }

    /// The identity of the file at `path` (symbolic links followed, as the parser does).
    pub fn of_path(path: &Path) -> io::Result<Identity> {
        fs::metadata(path).map(|m| Identity::of(&m))
    }

    /// Whether the file changed within its window before `start`, or after it: [`RACY_WINDOW`],
    /// or [`RACY_WINDOW_FINE`] if its ctime has a sub-second part (which the kernel sets from
    /// the filesystem's granularity; a whole second is the sign of a coarse one, or a one in a
    /// thousand million chance that costs a re-read).
    pub fn is_recent(&self, start: SystemTime) -> bool {
        let since_epoch = |(s, ns): (i64, u32)| -> Option<Duration> {
            u64::try_from(s)
                .ok()
                .map(|s| Duration::new(s, ns.min(999_999_999)))
        };
        let Ok(start) = start.duration_since(SystemTime::UNIX_EPOCH) else {
            return true;
        };
        let window = if self.ctime.1 == 0 {
            RACY_WINDOW
        } else {
            RACY_WINDOW_FINE
        };
        let limit = start.saturating_sub(window);
        [self.mtime, self.ctime]
            .into_iter()
            .any(|t| since_epoch(t).is_none_or(|t| t >= limit))
    }

    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.dev.to_le_bytes());
        out.extend_from_slice(&self.ino.to_le_bytes());
        out.extend_from_slice(&self.size.to_le_bytes());
        out.extend_from_slice(&self.mtime.0.to_le_bytes());
        out.extend_from_slice(&self.mtime.1.to_le_bytes());
        out.extend_from_slice(&self.ctime.0.to_le_bytes());
        out.extend_from_slice(&self.ctime.1.to_le_bytes());
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Identity, CacheError> {
        Ok(Identity {
            dev: r.u64()?,
            ino: r.u64()?,
            size: r.u64()?,
            mtime: (r.u64()? as i64, r.u32()?),
            ctime: (r.u64()? as i64, r.u32()?),
        })
    }
}

/// Why a cache file was not used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// It could not be read.
    #[error("{0}")]
    Io(#[from] io::Error),
    /// It does not start with [`MAGIC`].
    #[error("not a depmod cache")]
    Magic,
    /// Another format version.
    #[error("format version {0}, not {FORMAT_VERSION}")]
    Format(u32),
    /// Written on another architecture.
    #[error("written for {0}, not {host}", host = arch_tag())]
    Arch(String),
    /// Written by another depmod version.
    #[error("written by depmod {0}, not {DEPMOD_VERSION}")]
    Version(String),
    /// Shorter than its contents say.
    #[error("truncated")]
    Truncated,
    /// Longer than its contents say.
    #[error("trailing bytes")]
    Trailing,
    /// The checksum does not match.
    #[error("checksum mismatch")]
    Checksum,
    /// A string is not UTF-8, or a list is malformed.
    #[error("malformed entry")]
    Malformed,
    /// Two entries with the same key.
    #[error("duplicate entry")]
    Duplicate,
    /// Larger than [`MAX_CACHE_SIZE`].
    #[error("{0} bytes, more than a cache can be")]
    TooLarge(u64),
}

/// A 64-bit checksum of `data`: eight bytes at a time, each step a bijection of the state, so
/// any change confined to one 8-byte word always changes the result.
pub fn checksum(data: &[u8]) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h: u64 = 0x6d72_7364_6570_6d63;
    let mut words = data.chunks_exact(8);
    for w in &mut words {
        let w = u64::from_le_bytes(w.try_into().unwrap_or([0; 8]));
        h = (h.rotate_left(5) ^ w).wrapping_mul(K);
    }
    let mut tail = [0u8; 8];
    let rest = words.remainder();
    tail[..rest.len()].copy_from_slice(rest);
    h = (h.rotate_left(5) ^ u64::from_le_bytes(tail)).wrapping_mul(K);
    h = (h.rotate_left(5) ^ data.len() as u64).wrapping_mul(K);
    h ^ (h >> 29)
}

/// Bounds-checked reading of the format's integers and strings.
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// Reads `data` from its start.
    pub(crate) fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, pos: 0 }
    }

    /// Where the next read starts.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], CacheError> {
        let end = self.pos.checked_add(n).ok_or(CacheError::Truncated)?;
        let b = self.data.get(self.pos..end).ok_or(CacheError::Truncated)?;
        self.pos = end;
        Ok(b)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, CacheError> {
        Ok(self.bytes(1)?[0])
    }

    pub(crate) fn u32(&mut self) -> Result<u32, CacheError> {
        let b = self.bytes(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, CacheError> {
        let mut a = [0u8; 8];
        a.copy_from_slice(self.bytes(8)?);
        Ok(u64::from_le_bytes(a))
    }

    /// LEB128, at most 10 bytes.
    fn varint(&mut self) -> Result<u64, CacheError> {
        let mut v = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.u8()?;
            if shift == 63 && b > 1 {
                return Err(CacheError::Malformed);
            }
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(CacheError::Malformed)
    }

    pub(crate) fn str(&mut self) -> Result<&'a str, CacheError> {
        let n = self.u32()? as usize;
        std::str::from_utf8(self.bytes(n)?).map_err(|_| CacheError::Malformed)
    }

    fn string(&mut self) -> Result<String, CacheError> {
        self.str().map(str::to_string)
    }

    /// A count of items each at least `min` bytes long: larger than what is left is malformed
    /// (and would make a huge allocation).
    pub(crate) fn count(&mut self, min: usize) -> Result<usize, CacheError> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min) > self.data.len() - self.pos {
            return Err(CacheError::Truncated);
        }
        Ok(n)
    }
}

pub(crate) fn put_u32(out: &mut Vec<u8>, v: usize) {
    // Module files are at most MAX_IMAGE_SIZE; nothing read from one reaches 4 GiB.
    out.extend_from_slice(&u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_u32_at(out: &mut [u8], at: usize, v: usize) {
    let v = u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes();
    out[at..at + 4].copy_from_slice(&v);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Whether a `.modinfo` key is kept in the cache: only those the indexes are made of.
fn kept(key: &str) -> bool {
    crate::depmod::outputs::MODINFO_KEYS.contains(&key)
}

/// Appends the payload of `m` (everything but its path) to `out`. Of its `.modinfo` pairs only
/// those the indexes are made of ([`crate::depmod::outputs::MODINFO_KEYS`]) are kept. A
/// `__versions` record names its symbol by its position in the undefined symbols when it is
/// one of them (nearly always), else spells it.
pub fn encode_module(m: &ModuleScan, out: &mut Vec<u8>) {
    put_str(out, &m.name);
    put_u32(out, m.modinfo.iter().filter(|(k, _)| kept(k)).count());
    for (k, v) in m.modinfo.iter().filter(|(k, _)| kept(k)) {
        put_str(out, k);
        put_str(out, v);
    }
    put_u32(out, m.exports.len());
    for e in &m.exports {
        put_str(out, &e.name);
        match e.crc {
            Some(crc) => {
                out.push(1);
                put_varint(out, crc);
            }
            None => out.push(0),
        }
    }
    put_str(out, m.undefined.packed());
    let position: FxHashMap<&str, usize> = if m.versions.is_empty() {
        FxHashMap::default()
    } else {
        let mut p = FxHashMap::default();
        for (i, name) in m.undefined.iter().enumerate() {
            p.entry(name).or_insert(i);
        }
        p
    };
    put_u32(out, m.versions.len());
    for v in &m.versions {
        match position.get(v.name.as_str()) {
            Some(&i) => put_varint(out, i as u64 + 1),
            None => {
                put_varint(out, 0);
                put_str(out, &v.name);
            }
        }
        put_varint(out, v.crc);
    }
}

/// `m` and its payload ([`encode_module`]); its `__versions` records are then dropped unless
/// `detail` keeps them.
fn encoded(mut m: ModuleScan, detail: Detail) -> (ModuleScan, Vec<u8>) {
    let mut payload = Vec::new();
    encode_module(&m, &mut payload);
    if detail == Detail::Indexes {
        m.versions = Vec::new();
    }
    (m, payload)
}

/// How much of an entry [`decode_module`] rebuilds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Everything stored, the `__versions` records included (for `-e`).
    WithVersions,
    /// Without the `__versions` records: the indexes don't need them, and most of an entry's
    /// strings would be theirs.
    Indexes,
}

/// The module a payload describes, at `path`. Its `.modinfo` holds only the pairs the indexes
/// are made of (see [`encode_module`]).
pub fn decode_module(
    payload: &[u8],
    path: PathBuf,
    detail: Detail,
) -> Result<ModuleScan, CacheError> {
    let mut r = Reader {
        data: payload,
        pos: 0,
    };
    let name = r.string()?;
    let n = r.count(8)?;
    let mut modinfo = Vec::with_capacity(n);
    for _ in 0..n {
        modinfo.push((r.string()?, r.string()?));
    }
    let n = r.count(5)?;
    let mut exports = Vec::with_capacity(n);
    for _ in 0..n {
        let name = r.string()?;
        let crc = match r.u8()? {
            0 => None,
            1 => Some(r.varint()?),
            _ => return Err(CacheError::Malformed),
        };
        exports.push(Export { name, crc });
    }
    let undefined = NameList::from_packed(r.string()?).ok_or(CacheError::Malformed)?;
    let n = r.count(2)?;
    let with_versions = detail == Detail::WithVersions;
    let names: Vec<&str> = if with_versions && n > 0 {
        undefined.iter().collect()
    } else {
        Vec::new()
    };
    let mut versions = Vec::with_capacity(if with_versions { n } else { 0 });
    for _ in 0..n {
        let name = match r.varint()? {
            0 => Some(r.str()?),
            i if with_versions => Some(
                *usize::try_from(i - 1)
                    .ok()
                    .and_then(|i| names.get(i))
                    .ok_or(CacheError::Malformed)?,
            ),
            i if i > undefined.len() as u64 => return Err(CacheError::Malformed),
            _ => None,
        };
        let crc = r.varint()?;
        if let (true, Some(name)) = (with_versions, name) {
            versions.push(SymbolVersion {
                name: name.to_string(),
                crc,
            });
        }
    }
    if r.pos != payload.len() {
        return Err(CacheError::Trailing);
    }
    Ok(ModuleScan {
        name,
        path,
        modinfo,
        exports,
        undefined,
        versions,
    })
}

/// One entry of a loaded cache.
#[derive(Debug, Clone)]
struct Entry {
    identity: Identity,
    /// The payload's bytes in [`Cache::data`].
    payload: std::ops::Range<usize>,
}

/// A cache read and checked by [`Cache::decode`]: entries are looked up by key and identity,
/// and their payloads decoded only when used.
#[derive(Debug, Default)]
pub struct Cache {
    data: Vec<u8>,
    entries: FxHashMap<String, Entry>,
}

impl Cache {
    /// Checks and indexes a cache file's bytes.
    pub fn decode(data: Vec<u8>) -> Result<Cache, CacheError> {
        if data.len() < MAGIC.len() || data[..MAGIC.len()] != MAGIC {
            return Err(CacheError::Magic);
        }
        let mut r = Reader {
            data: &data,
            pos: MAGIC.len(),
        };
        let format = r.u32()?;
        if format != FORMAT_VERSION {
            return Err(CacheError::Format(format));
        }
        let count = r.u64()?;
        let length = r.u64()?;
        if (data.len() as u64) < length {
            return Err(CacheError::Truncated);
        }
        if data.len() as u64 > length {
            return Err(CacheError::Trailing);
        }
        let arch = r.str()?;
        if arch != arch_tag() {
            return Err(CacheError::Arch(arch.to_string()));
        }
        let version = r.str()?;
        if version != DEPMOD_VERSION {
            return Err(CacheError::Version(version.to_string()));
        }
        let body_end = data.len().checked_sub(8).ok_or(CacheError::Truncated)?;
        if body_end < r.pos {
            return Err(CacheError::Truncated);
        }
        let mut sum = [0u8; 8];
        sum.copy_from_slice(&data[body_end..]);
        if checksum(&data[..body_end]) != u64::from_le_bytes(sum) {
            return Err(CacheError::Checksum);
        }
        // Each entry is at least a key length, an identity and a payload length.
        if count.saturating_mul(4 + 48 + 4) > (body_end - r.pos) as u64 {
            return Err(CacheError::Truncated);
        }
        let mut entries = FxHashMap::default();
        entries.reserve(count as usize);
        let mut r = Reader {
            data: &data[..body_end],
            pos: r.pos,
        };
        for _ in 0..count {
            let key = r.string()?;
            let identity = Identity::decode(&mut r)?;
            let len = r.u32()? as usize;
            let start = r.pos;
            r.bytes(len)?;
            let entry = Entry {
                identity,
                payload: start..start + len,
            };
            if entries.insert(key, entry).is_some() {
                return Err(CacheError::Duplicate);
            }
        }
        if r.pos != body_end {
            return Err(CacheError::Trailing);
        }
        Ok(Cache { data, entries })
    }

    /// Reads the cache at `path`: `Ok(None)` when there is none. A file larger than
    /// [`MAX_CACHE_SIZE`] is not read.
    pub fn load(path: &Path) -> Result<Option<Cache>, CacheError> {
        let mut file = match fs::File::open(path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let len = file.metadata()?.len();
        if len > MAX_CACHE_SIZE {
            return Err(CacheError::TooLarge(len));
        }
        let mut data = Vec::with_capacity(len as usize);
        io::Read::read_to_end(
            &mut io::Read::take(&mut file, MAX_CACHE_SIZE + 1),
            &mut data,
        )?;
        if data.len() as u64 > MAX_CACHE_SIZE {
            return Err(CacheError::TooLarge(data.len() as u64));
        }
        Cache::decode(data).map(Some)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The payload stored for `key` if the entry's identity is `identity`.
    pub fn lookup(&self, key: &str, identity: &Identity) -> Option<&[u8]> {
        let e = self.entries.get(key)?;
        (e.identity == *identity).then(|| &self.data[e.payload.clone()])
    }
}

/// Builds a cache file.
#[derive(Debug)]
pub struct Writer {
    buf: Vec<u8>,
    count: u64,
}

/// Where the entry count sits in the header.
const COUNT_AT: usize = MAGIC.len() + 4;

impl Default for Writer {
    fn default() -> Self {
        Writer::new()
    }
}

impl Writer {
    /// An empty cache: the header alone.
    pub fn new() -> Writer {
        Writer::with_capacity(1 << 16)
    }

    /// [`Writer::new`] with room for `bytes` bytes.
    pub fn with_capacity(bytes: usize) -> Writer {
        let mut buf = Vec::with_capacity(bytes);
        buf.extend_from_slice(&MAGIC);
        buf.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        buf.extend_from_slice(&0u64.to_le_bytes());
        buf.extend_from_slice(&0u64.to_le_bytes());
        put_str(&mut buf, &arch_tag());
        put_str(&mut buf, DEPMOD_VERSION);
        Writer { buf, count: 0 }
    }

    /// Adds an entry; `payload` is [`encode_module`]'s output.
    pub fn push(&mut self, key: &str, identity: &Identity, payload: &[u8]) {
        put_str(&mut self.buf, key);
        identity.encode(&mut self.buf);
        put_u32(&mut self.buf, payload.len());
        self.buf.extend_from_slice(payload);
        self.count += 1;
    }

    /// Adds an entry for `m`, encoded by [`encode_module`].
    pub fn push_module(&mut self, key: &str, identity: &Identity, m: &ModuleScan) {
        put_str(&mut self.buf, key);
        identity.encode(&mut self.buf);
        let at = self.buf.len();
        put_u32(&mut self.buf, 0);
        encode_module(m, &mut self.buf);
        let len = self.buf.len() - at - 4;
        put_u32_at(&mut self.buf, at, len);
        self.count += 1;
    }

    /// The file's bytes.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf[COUNT_AT..COUNT_AT + 8].copy_from_slice(&self.count.to_le_bytes());
        let length = self.buf.len() as u64 + 8;
        self.buf[COUNT_AT + 8..COUNT_AT + 16].copy_from_slice(&length.to_le_bytes());
        let sum = checksum(&self.buf);
        self.buf.extend_from_slice(&sum.to_le_bytes());
        self.buf
    }
}

/// What [`scan_cached`] found.
#[derive(Debug)]
pub struct Scanned {
    /// One result per path, in order, as [`scan::parse_all`] gives them.
    pub modules: Vec<Result<ModuleScan, Error>>,
    /// How many came from the cache.
    pub hits: usize,
    /// The new cache's bytes, or `None` when it would be the same as the old one.
    pub cache: Option<Vec<u8>>,
}

/// Reads `paths` (module files; `keys` their cache keys, in the same order), taking from `old`
/// every module whose file has the identity stored there and parsing the others on up to
/// `threads` threads. `start` is when the run started (see [`RACY_WINDOW`]); `detail` how much
/// of a module to keep (the cache stores every module read from its file complete).
pub fn scan_cached(
    paths: &[PathBuf],
    keys: &[String],
    old: Option<&Cache>,
    threads: usize,
    start: SystemTime,
    detail: Detail,
) -> Scanned {
    // Identities and hits, on the parsing threads: statting thousands of files costs as much as
    // decoding their entries.
    let ids: Vec<Option<Identity>> =
        parallel_map(paths.len(), threads, |i| Identity::of_path(&paths[i]).ok());
    let mut modules: Vec<Option<Result<ModuleScan, Error>>> =
        parallel_map(paths.len(), threads, |i| {
            let (old, id) = (old?, ids[i].as_ref()?);
            let payload = old.lookup(&keys[i], id)?;
            decode_module(payload, paths[i].clone(), detail)
                .ok()
                .map(Ok)
        });
    let hits = modules.iter().filter(|m| m.is_some()).count();
    let missing: Vec<usize> = (0..paths.len()).filter(|&i| modules[i].is_none()).collect();
    let to_parse: Vec<PathBuf> = missing.iter().map(|&i| paths[i].clone()).collect();
    // Each module read is encoded on its parsing thread, and its `__versions` records (most of
    // its strings) dropped there unless `detail` keeps them.
    let parsed = scan::parse_all_map(&to_parse, threads, true, |m| encoded(m, detail));
    let mut payloads: Vec<Option<Vec<u8>>> = vec![None; paths.len()];
    let parsed: Vec<Result<ModuleScan, Error>> = missing
        .iter()
        .zip(parsed)
        .map(|(&i, r)| {
            r.map(|(m, payload)| {
                payloads[i] = Some(payload);
                m
            })
        })
        .collect();
    // A file is cached with the identity it had before and after it was read.
    let after: Vec<Option<Identity>> = parallel_map(missing.len(), threads, |j| {
        Identity::of_path(&to_parse[j]).ok()
    });
    // The modules read now that can be stored: read whole, the same file before and after.
    let mut fresh = vec![false; paths.len()];
    for ((&i, r), id_after) in missing.iter().zip(parsed).zip(after) {
        if let (Ok(_), Some(before)) = (&r, ids[i]) {
            fresh[i] = id_after == Some(before) && !before.is_recent(start);
        }
        modules[i] = Some(r);
    }
    // Nothing to write when nothing new can be stored and no module of the old cache went
    // away: a file read again but not stored (changed too recently, or unreadable) keeps its old
    // entry, which its new identity never matches.
    let kept_old = old.map_or(0, |o| {
        (0..paths.len())
            .filter(|&i| o.entries.contains_key(&keys[i]))
            .count()
    });
    let unchanged = !fresh.contains(&true) && old.is_some_and(|o| o.len() == kept_old);
    let cache = (!unchanged).then(|| {
        // Sized for the whole cache (about 1.7 KB per module on Debian's trees), so the buffer
        // is not copied while it grows: it is the largest allocation of a first run.
        let capacity = old.map_or(paths.len() * 2048, |o| o.data.len() + paths.len() * 64);
        let mut w = Writer::with_capacity(capacity);
        let mut written = rustc_hash::FxHashSet::default();
        for i in 0..paths.len() {
            if !written.insert(keys[i].as_str()) {
                continue;
            }
            match (fresh[i], &ids[i], &payloads[i]) {
                (true, Some(id), Some(payload)) => w.push(&keys[i], id, payload),
                _ => {
                    if let Some(e) = old.and_then(|o| o.entries.get(&keys[i])) {
                        let payload = old.map_or(&[][..], |o| &o.data[e.payload.clone()]);
                        w.push(&keys[i], &e.identity, payload);
                    }
                }
            }
        }
        w.finish()
    });
    let modules = modules
        .into_iter()
        .zip(paths)
        .map(|(m, p)| {
            m.unwrap_or_else(|| Err(Error::io(p, io::Error::other("module was not read"))))
        })
        .collect();
    Scanned {
        modules,
        hits,
        cache,
    }
}

/// `f(0..n)` computed on up to `threads` threads, in order.
fn parallel_map<T: Send>(n: usize, threads: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = threads.clamp(1, n.max(1));
    if threads == 1 {
        return (0..n).map(f).collect();
    }
    let chunk = n.div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let f = &f;
                s.spawn(move || {
                    (t * chunk..((t + 1) * chunk).min(n))
                        .map(f)
                        .collect::<Vec<T>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .enumerate()
            .flat_map(|(t, h)| {
                // The closures don't panic; should one, its part is computed again here.
                h.join()
                    .unwrap_or_else(|_| (t * chunk..((t + 1) * chunk).min(n)).map(&f).collect())
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(name: &str, n: usize) -> ModuleScan {
        ModuleScan {
            name: name.to_string(),
            path: PathBuf::from(format!("/m/{name}.ko")),
            modinfo: (0..n)
                .map(|i| ("alias".to_string(), format!("pci:v{i:08X}d*")))
                .chain([("license".to_string(), "GPL".to_string())])
                .collect(),
            exports: (0..n)
                .map(|i| Export {
                    name: format!("{name}_sym{i}"),
                    crc: (i % 2 == 0).then_some(0xdead_0000 + i as u64),
                })
                .collect(),
            undefined: (0..n)
                .map(|i| format!("need{i}"))
                .collect::<Vec<_>>()
                .iter()
                .map(String::as_str)
                .collect(),
            // `module_layout` is not among the undefined symbols.
            versions: (0..n)
                .map(|i| SymbolVersion {
                    name: format!("need{}", n - 1 - i),
                    crc: (i as u64) << 40 | 0xffff_ffff,
                })
                .chain([SymbolVersion {
                    name: "module_layout".into(),
                    crc: u64::MAX,
                }])
                .collect(),
        }
    }

    /// What the cache keeps of `m`: its `.modinfo` pairs for the indexes only.
    fn kept_of(m: &ModuleScan) -> ModuleScan {
        let mut m = m.clone();
        m.modinfo.retain(|(k, _)| kept(k));
        m
    }

    fn id(ino: u64) -> Identity {
        Identity {
            dev: 2049,
            ino,
            size: 1000 + ino,
            mtime: (1_700_000_000, 123_456_789),
            ctime: (1_700_000_001, 987_654_321),
        }
    }

    /// A cache of three modules (one with nothing in it).
    fn sample() -> (Vec<ModuleScan>, Vec<u8>) {
        let mods = vec![module("a", 3), module("b_c", 0), module("ünï", 7)];
        let mut w = Writer::new();
        for (i, m) in mods.iter().enumerate() {
            let key = format!("kernel/{}.ko", m.name);
            if i % 2 == 0 {
                let mut p = Vec::new();
                encode_module(m, &mut p);
                w.push(&key, &id(i as u64), &p);
            } else {
                w.push_module(&key, &id(i as u64), m);
            }
        }
        (mods, w.finish())
    }

    #[test]
    fn round_trip() {
        let (mods, bytes) = sample();
        let cache = Cache::decode(bytes).expect("decodes");
        assert_eq!(cache.len(), 3);
        for (i, m) in mods.iter().enumerate() {
            let key = format!("kernel/{}.ko", m.name);
            let p = cache.lookup(&key, &id(i as u64)).expect("hit");
            let full = decode_module(p, m.path.clone(), Detail::WithVersions).expect("entry");
            assert_eq!(full, kept_of(m));
            assert!(m.modinfo.len() > full.modinfo.len(), "license dropped");
            let lean = decode_module(p, m.path.clone(), Detail::Indexes).expect("entry");
            assert_eq!(
                lean,
                ModuleScan {
                    versions: Vec::new(),
                    ..kept_of(m)
                }
            );
            // Any other identity is a miss.
            let mut other = id(i as u64);
            other.ctime.1 += 1;
            assert!(cache.lookup(&key, &other).is_none());
            let mut other = id(i as u64);
            other.size += 1;
            assert!(cache.lookup(&key, &other).is_none());
        }
        assert!(cache.lookup("kernel/zz.ko", &id(0)).is_none());
        let empty = Cache::decode(Writer::new().finish()).expect("empty cache");
        assert!(empty.is_empty());
    }

    #[test]
    fn every_truncation_is_refused() {
        let (_, bytes) = sample();
        for len in 0..bytes.len() {
            let r = Cache::decode(bytes[..len].to_vec());
            if len >= COUNT_AT + 16 {
                assert!(matches!(r, Err(CacheError::Truncated)), "{len}: {r:?}");
            }
            assert!(r.is_err(), "truncated to {len} of {} bytes", bytes.len());
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Cache::decode(longer).is_err());
    }

    #[test]
    fn every_bit_flip_is_refused() {
        let (_, bytes) = sample();
        for at in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[at] ^= 1 << bit;
                assert!(Cache::decode(b).is_err(), "bit {bit} of byte {at}");
            }
        }
    }

    /// A header naming another format, architecture or version is refused even when the
    /// checksum is right.
    #[test]
    fn foreign_headers_are_refused() {
        let resum = |mut b: Vec<u8>| {
            let end = b.len() - 8;
            let sum = checksum(&b[..end]);
            b[end..].copy_from_slice(&sum.to_le_bytes());
            b
        };
        let (_, bytes) = sample();
        // Another format version.
        let mut b = bytes.clone();
        b[MAGIC.len()] += 1;
        assert!(matches!(
            Cache::decode(resum(b)),
            Err(CacheError::Format(2))
        ));
        // Another magic.
        let mut b = bytes.clone();
        b[0] = b'X';
        assert!(matches!(Cache::decode(resum(b)), Err(CacheError::Magic)));
        // Another architecture, another version: rebuild the header by hand.
        let header = |arch: &str, version: &str| {
            let mut b = MAGIC.to_vec();
            b.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
            b.extend_from_slice(&0u64.to_le_bytes());
            let at = b.len();
            b.extend_from_slice(&0u64.to_le_bytes());
            put_str(&mut b, arch);
            put_str(&mut b, version);
            b.extend_from_slice(&[0; 8]);
            let len = b.len() as u64;
            b[at..at + 8].copy_from_slice(&len.to_le_bytes());
            resum(b)
        };
        assert!(Cache::decode(header(&arch_tag(), DEPMOD_VERSION)).is_ok());
        let other_arch = arch_tag()
            .replace("little", "big")
            .replace("x86_64", "s390x");
        assert!(matches!(
            Cache::decode(header(&other_arch, DEPMOD_VERSION)),
            Err(CacheError::Arch(_))
        ));
        assert!(matches!(
            Cache::decode(header(&arch_tag(), "0.0.0-other")),
            Err(CacheError::Version(_))
        ));
        // Something else altogether.
        assert!(Cache::decode(b"\x7fELF\x02\x01\x01".repeat(20)).is_err());
        assert!(Cache::decode(Vec::new()).is_err());
    }

    #[test]
    fn load_missing_huge_and_valid_files() {
        let dir = std::env::temp_dir().join(format!("common-cache-load-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join(FILE_NAME);
        assert!(Cache::load(&path).expect("no file is no cache").is_none());
        let (_, bytes) = sample();
        fs::write(&path, &bytes).expect("write");
        assert_eq!(
            Cache::load(&path).expect("valid").expect("a cache").len(),
            3
        );
        // Sparse: no disk space used.
        let f = fs::File::options().write(true).open(&path).expect("open");
        f.set_len(MAX_CACHE_SIZE + 1).expect("grow");
        assert!(matches!(Cache::load(&path), Err(CacheError::TooLarge(_))));
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn recent_files_are_racy() {
        let start = SystemTime::UNIX_EPOCH + Duration::new(1_700_000_010, 0);
        let mut i = id(1);
        i.mtime = (1_700_000_000, 0);
        i.ctime = (1_700_000_007, 999_999_999);
        assert!(!i.is_recent(start));
        i.ctime = (1_700_000_008, 0);
        assert!(i.is_recent(start));
        i.ctime = (1_700_000_020, 0);
        assert!(i.is_recent(start));
        i.ctime = (-1, 0);
        assert!(i.is_recent(start));
        // A fine timestamp: 100 ms.
        i.ctime = (1_700_000_009, 899_999_999);
        assert!(!i.is_recent(start));
        i.ctime = (1_700_000_009, 900_000_000);
        assert!(i.is_recent(start));
        // A whole-second mtime (touch -d) with a fine ctime: the fine window.
        i.mtime = (1_700_000_009, 0);
        i.ctime = (1_700_000_009, 800_000_000);
        assert!(!i.is_recent(start));
        // An mtime set into the future is recent.
        i.mtime = (1_700_000_011, 0);
        assert!(i.is_recent(start));
    }

    /// `scan_cached` on real files: a second run takes every module from the cache and writes
    /// nothing new; a changed file is read again.
    #[test]
    fn scan_takes_unchanged_files_from_the_cache() {
        use crate::elf::builder::ModuleBuilder;
        use crate::elf::{Class, Endian};
        let dir = std::env::temp_dir().join(format!("common-depmod-cache-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("mkdir");
        let mut paths = Vec::new();
        for name in ["x", "y"] {
            let p = dir.join(format!("{name}.ko"));
            let b = ModuleBuilder::new(Class::Elf64, Endian::Little)
                .modinfo("alias", name)
                .export(&format!("{name}_fn"), Some(7));
            fs::write(&p, b.build()).expect("write");
            paths.push(p);
        }
        let keys: Vec<String> = vec!["x.ko".into(), "y.ko".into()];
        // Far enough in the future that the files are not recent.
        let later = SystemTime::now() + Duration::from_secs(10);
        let first = scan_cached(&paths, &keys, None, 2, later, Detail::WithVersions);
        assert_eq!(first.hits, 0);
        let bytes = first.cache.expect("a cache to write");
        let cache = Cache::decode(bytes).expect("valid");
        assert_eq!(cache.len(), 2);
        let second = scan_cached(&paths, &keys, Some(&cache), 2, later, Detail::WithVersions);
        assert_eq!(second.hits, 2);
        assert!(second.cache.is_none(), "nothing changed: nothing to write");
        for (a, b) in first.modules.iter().zip(&second.modules) {
            assert_eq!(
                &kept_of(a.as_ref().expect("read")),
                b.as_ref().expect("cached")
            );
        }
        // Files changed just now are read but not cached.
        let now = scan_cached(
            &paths,
            &keys,
            None,
            1,
            SystemTime::now(),
            Detail::WithVersions,
        );
        let fresh = Cache::decode(now.cache.expect("written")).expect("valid");
        assert!(fresh.is_empty());
        // y replaced: read again, x still from the cache.
        let b = ModuleBuilder::new(Class::Elf64, Endian::Little).modinfo("alias", "y2");
        fs::write(dir.join("y.tmp"), b.build()).expect("write");
        fs::rename(dir.join("y.tmp"), &paths[1]).expect("rename");
        let third = scan_cached(&paths, &keys, Some(&cache), 2, later, Detail::WithVersions);
        assert_eq!(third.hits, 1);
        let y = third.modules[1].as_ref().expect("read");
        assert_eq!(y.modinfo_values("alias").collect::<Vec<_>>(), ["y2"]);
        assert_eq!(
            Cache::decode(third.cache.expect("changed"))
                .expect("valid")
                .len(),
            2
        );
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
