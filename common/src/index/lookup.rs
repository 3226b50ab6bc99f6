//! The module directory's indexes as modprobe and modinfo read them: the `.bin` tries looked up
//! in place (each file mapped on first use, then only the nodes a lookup visits are read).
//!
//! A `.bin` file that is missing or empty (0 bytes) is an index without entries: kmod 30 and
//! 34.2 alike answer from the other indexes then (`modinfo -F filename vfat` with an empty
//! `modules.builtin.bin` prints the path; `modprobe --show-depends fs-vfat` with an empty
//! `modules.dep.bin` prints nothing and exits 0) and never read the text files (`modules.dep`,
//! `modules.alias`, `modules.builtin`) in their place. Observed black-box; pinned by
//! `tests/diff/modprobe.sh` ("empty and missing indexes").

use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::Error;
use crate::index::bin::{Index, IndexError, OFFSET_MASK};
use crate::index::files::{self, parse_dep_line};
use crate::index::mapped::IndexBytes;

/// The largest `.bin` file read: nodes start below [`OFFSET_MASK`] (256 MiB), so twice that is
/// more than any valid index holds (Debian's are about 1 MiB). A bigger file (or a device) is
/// reported as [`IndexError::TooLarge`] after reading one byte past this.
pub const MAX_INDEX_SIZE: u64 = 2 * (OFFSET_MASK as u64 + 1);

/// One module's line of `modules.dep`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepEntry {
    /// The module file, absolute.
    pub path: PathBuf,
    /// Its dependencies, absolute, in `modules.dep` order (each before what it uses; load them
    /// in reverse).
    pub deps: Vec<PathBuf>,
}

/// Why an index could not be used.
#[derive(Debug, thiserror::Error)]
pub enum IndexFileError {
    /// The file exists but could not be read.
    #[error("could not read index {}: {}", path.display(), crate::error::io_text(source))]
    Read {
        /// The index file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The file is not a valid index.
    #[error("corrupt index {}: {source}", path.display())]
    Corrupt {
        /// The index file.
        path: PathBuf,
        /// What is wrong.
        source: IndexError,
    },
}

/// The indexes of one module directory, each mapped on first use.
#[derive(Debug)]
pub struct Indexes {
    dir: PathBuf,
    files: [OnceLock<Option<IndexBytes>>; 5],
    /// The largest `.bin` file read ([`MAX_INDEX_SIZE`]; smaller in tests).
    limit: u64,
}

#[derive(Clone, Copy)]
enum Which {
    Dep = 0,
    Alias = 1,
    Symbols = 2,
    Builtin = 3,
    BuiltinAlias = 4,
}

impl Which {
    fn bin_name(self) -> &'static str {
        match self {
            Which::Dep => files::MODULES_DEP_BIN,
            Which::Alias => files::MODULES_ALIAS_BIN,
            Which::Symbols => files::MODULES_SYMBOLS_BIN,
            Which::Builtin => files::MODULES_BUILTIN_BIN,
            Which::BuiltinAlias => files::MODULES_BUILTIN_ALIAS_BIN,
        }
    }
}

impl Indexes {
    /// The indexes in `dir` (`/lib/modules/<release>`).
    pub fn new(dir: impl Into<PathBuf>) -> Indexes {
        Indexes {
            dir: dir.into(),
            files: Default::default(),
            limit: MAX_INDEX_SIZE,
        }
    }

    /// The module directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Maps every index now (kmod_load_resources); a missing one is fine, as on lookups.
    pub fn load_all(&self) -> Result<(), IndexFileError> {
        for which in [
            Which::Dep,
            Which::Alias,
            Which::Symbols,
            Which::Builtin,
            Which::BuiltinAlias,
        ] {
            self.bytes(which)?;
        }
        Ok(())
    }

    fn bytes(&self, which: Which) -> Result<Option<&[u8]>, IndexFileError> {
        let cell = &self.files[which as usize];
        if cell.get().is_none() {
            let path = self.dir.join(which.bin_name());
            let data = match IndexBytes::open(&path, self.limit) {
                // An empty file is no index, as kmod reads it.
                Ok(Some(d)) if d.is_empty() => None,
                Ok(Some(d)) => Some(d),
                Ok(None) => {
                    return Err(IndexFileError::Corrupt {
                        path,
                        source: IndexError::TooLarge,
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(source) => return Err(IndexFileError::Read { path, source }),
            };
            let _ = cell.set(data);
        }
        Ok(cell.get().and_then(|d| d.as_ref().map(|b| &**b)))
    }

    fn index(&self, which: Which) -> Result<Option<Index<'_>>, IndexFileError> {
        match self.bytes(which)? {
            Some(b) => Index::new(b).map(Some).map_err(self.corrupt(which)),
            None => Ok(None),
        }
    }

    fn corrupt(&self, which: Which) -> impl Fn(IndexError) -> IndexFileError + '_ {
        move |source| IndexFileError::Corrupt {
            path: self.dir.join(which.bin_name()),
            source,
        }
    }

    /// The `modules.dep` entry of module `name` (already normalised).
    pub fn dep(&self, name: &str) -> Result<Option<DepEntry>, IndexFileError> {
        let line = match self.index(Which::Dep)? {
            Some(idx) => idx
                .lookup_exact(name)
                .map_err(self.corrupt(Which::Dep))?
                .map(str::to_string),
            None => None,
        };
        Ok(line.map(|l| self.parse_dep_line(&l)))
    }

    /// A path of modules.dep, absolute (relative ones are in the module directory).
    fn absolute(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            return p.to_path_buf();
        }
        // One allocation of the final size (join's growing the directory's copy reallocates).
        let dir = self.dir.as_os_str();
        let mut out = std::ffi::OsString::with_capacity(dir.len() + 1 + p.as_os_str().len());
        out.push(dir);
        let mut out = PathBuf::from(out);
        out.push(p);
        out
    }

    fn parse_dep_line(&self, line: &str) -> DepEntry {
        let (path, deps) = parse_dep_line(line);
        DepEntry {
            path: self.absolute(path),
            deps: deps.map(|d| self.absolute(d)).collect(),
        }
    }

    fn wildcard(&self, which: Which, query: &str) -> Result<Vec<String>, IndexFileError> {
        match self.index(which)? {
            Some(idx) => Ok(idx
                .lookup_wildcard(query)
                .map_err(self.corrupt(which))?
                .into_iter()
                .map(|v| v.value.to_string())
                .collect()),
            None => Ok(Vec::new()),
        }
    }

    /// Modules whose `modules.alias` patterns match `query` (already normalised), best first.
    pub fn alias(&self, query: &str) -> Result<Vec<String>, IndexFileError> {
        self.wildcard(Which::Alias, query)
    }

    /// The module exporting `query` (`symbol:NAME`).
    pub fn symbol(&self, query: &str) -> Result<Vec<String>, IndexFileError> {
        self.wildcard(Which::Symbols, query)
    }

    /// Whether `name` is built into the kernel (`modules.builtin.bin`).
    pub fn builtin(&self, name: &str) -> Result<bool, IndexFileError> {
        match self.index(Which::Builtin)? {
            Some(idx) => Ok(idx
                .lookup_exact(name)
                .map_err(self.corrupt(Which::Builtin))?
                .is_some()),
            None => Ok(false),
        }
    }

    /// Built-in modules whose aliases (`modules.builtin.modinfo`) match `query`.
    pub fn builtin_alias(&self, query: &str) -> Result<Vec<String>, IndexFileError> {
        self.wildcard(Which::BuiltinAlias, query)
    }
}

impl From<IndexFileError> for Error {
    fn from(e: IndexFileError) -> Error {
        match e {
            IndexFileError::Read { path, source } => Error::io(path, source),
            IndexFileError::Corrupt { path, source } => Error::io(path, io::Error::other(source)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::bin::IndexBuilder;
    use crate::testutil::XorShift;
    use std::fs;

    /// A module directory in the temporary directory, removed on drop.
    struct Dir(PathBuf);

    impl Dir {
        fn new(tag: &str) -> Dir {
            let dir =
                std::env::temp_dir().join(format!("common-indexes-{tag}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).expect("mkdir");
            Dir(dir)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    fn dep_index() -> Vec<u8> {
        let mut b = IndexBuilder::new();
        for (i, name) in ["ext4", "jbd2", "mbcache", "crc16", "e1000e", "loop"]
            .iter()
            .enumerate()
        {
            let line = format!("kernel/{name}.ko: kernel/jbd2.ko kernel/crc16.ko");
            b.insert(name, &line, i as u32);
        }
        b.to_bytes().expect("a small index")
    }

    fn alias_index() -> Vec<u8> {
        let mut b = IndexBuilder::new();
        b.insert("pci:v00008086d000015B8sv*sd*bc*sc*i*", "e1000e", 4);
        b.insert("pci:v00008086d*sv*sd*bc02sc00i*", "e1000", 3);
        b.insert("fs_ext4", "ext4", 0);
        b.insert("block_major_7_*", "loop", 5);
        b.to_bytes().expect("a small index")
    }

    fn lookups(idx: &Indexes) -> Vec<Result<String, IndexFileError>> {
        vec![
            idx.dep("ext4").map(|d| format!("{d:?}")),
            idx.dep("loop").map(|d| format!("{d:?}")),
            idx.alias("pci:v00008086d000015B8sv00001028sd000007BEbc02sc00i00")
                .map(|v| v.join(" ")),
            idx.alias("block_major_7_0").map(|v| v.join(" ")),
        ]
    }

    #[test]
    fn mapped_indexes_answer_lookups() {
        let dir = Dir::new("ok");
        fs::write(dir.0.join("modules.dep.bin"), dep_index()).expect("write");
        fs::write(dir.0.join("modules.alias.bin"), alias_index()).expect("write");
        let idx = Indexes::new(&dir.0);
        let dep = idx.dep("ext4").expect("dep").expect("ext4");
        assert_eq!(dep.path, dir.0.join("kernel/ext4.ko"));
        assert_eq!(dep.deps.len(), 2);
        assert_eq!(
            idx.alias("pci:v00008086d000015B8sv00001028sd000007BEbc02sc00i00")
                .expect("alias"),
            ["e1000", "e1000e"]
        );
        assert!(idx.dep("nothere").expect("dep").is_none());
        // No builtin indexes: nothing is built in.
        assert!(!idx.builtin("ext4").expect("builtin"));
    }

    /// kmod 30 and 34.2 (observed on Debian's 6.1 tree with each `.bin` emptied or removed):
    /// an empty or missing index has no entries, and the text files are not read in its place
    /// (`modinfo vfat` with an empty `modules.dep.bin` is "not found" though `modules.dep`
    /// lists it; `amd-uncore` with an empty `modules.builtin.bin` is not built in though
    /// `modules.builtin` lists it).
    #[test]
    fn empty_or_missing_indexes_have_no_entries() {
        let dir = Dir::new("empty");
        fs::write(
            dir.0.join("modules.dep"),
            "kernel/ext4.ko: kernel/jbd2.ko\n",
        )
        .expect("w");
        fs::write(dir.0.join("modules.alias"), "alias fs-ext4 ext4\n").expect("w");
        fs::write(dir.0.join("modules.symbols"), "alias symbol:jbd2_x jbd2\n").expect("w");
        fs::write(dir.0.join("modules.builtin"), "kernel/amd-uncore.ko\n").expect("w");
        let names = [
            "modules.dep.bin",
            "modules.alias.bin",
            "modules.symbols.bin",
            "modules.builtin.bin",
            "modules.builtin.alias.bin",
        ];
        for empty in [true, false] {
            for n in names {
                if empty {
                    fs::write(dir.0.join(n), b"").expect("w");
                } else {
                    let _ = fs::remove_file(dir.0.join(n));
                }
            }
            let idx = Indexes::new(&dir.0);
            assert_eq!(idx.dep("ext4").expect("dep"), None);
            assert!(idx.alias("fs_ext4").expect("alias").is_empty());
            assert!(idx.alias("fs-ext4").expect("alias").is_empty());
            assert!(idx.symbol("symbol:jbd2_x").expect("symbol").is_empty());
            assert!(!idx.builtin("amd_uncore").expect("builtin"));
            assert!(idx.builtin_alias("fs_debugfs").expect("ba").is_empty());
        }
        // One empty index leaves the others answering.
        fs::write(dir.0.join("modules.alias.bin"), alias_index()).expect("w");
        fs::write(dir.0.join("modules.dep.bin"), b"").expect("w");
        let idx = Indexes::new(&dir.0);
        assert_eq!(idx.alias("fs_ext4").expect("alias"), ["ext4"]);
        assert_eq!(idx.dep("ext4").expect("dep"), None);
    }

    /// Truncated and damaged index files give errors naming the file, never a panic.
    #[test]
    fn damaged_indexes_are_errors_naming_the_file() {
        let dir = Dir::new("bad");
        let (dep, alias) = (dep_index(), alias_index());
        let check = |idx: &Indexes| {
            for r in lookups(idx) {
                if let Err(e) = r {
                    let msg = e.to_string();
                    assert!(
                        msg.contains(&*dir.0.to_string_lossy()) && msg.contains(".bin"),
                        "{msg}"
                    );
                }
            }
        };
        let mut truncated_errors = 0;
        for len in 0..dep.len().max(alias.len()) {
            fs::write(dir.0.join("modules.dep.bin"), &dep[..len.min(dep.len())]).expect("write");
            fs::write(
                dir.0.join("modules.alias.bin"),
                &alias[..len.min(alias.len())],
            )
            .expect("write");
            let idx = Indexes::new(&dir.0);
            truncated_errors += lookups(&idx).iter().filter(|r| r.is_err()).count();
            check(&idx);
        }
        assert!(truncated_errors > 0);
        let mut rng = XorShift(0x5eed_1234_abcd_0042);
        for _ in 0..500 {
            let (mut d, mut a) = (dep.clone(), alias.clone());
            for _ in 0..3 {
                let i = rng.below(d.len());
                d[i] = rng.next() as u8;
                let i = rng.below(a.len());
                a[i] = rng.next() as u8;
            }
            fs::write(dir.0.join("modules.dep.bin"), &d).expect("write");
            fs::write(dir.0.join("modules.alias.bin"), &a).expect("write");
            check(&Indexes::new(&dir.0));
        }
        // The message as the tools print it.
        fs::write(dir.0.join("modules.dep.bin"), &dep[..40]).expect("write");
        let err = Indexes::new(&dir.0).dep("ext4").expect_err("truncated");
        let expected = format!(
            "corrupt index {}: index truncated at offset ",
            dir.0.join("modules.dep.bin").display()
        );
        assert!(err.to_string().starts_with(&expected), "{err}");
    }

    #[test]
    fn reads_are_bounded() {
        let dir = std::env::temp_dir().join(format!("common-indexes-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("mkdir");
        let path = dir.join("modules.dep.bin");
        fs::write(&path, [1u8; 20]).expect("write");
        let open = |p: &Path, limit| IndexBytes::open(p, limit).expect("read");
        assert_eq!(open(&path, 20).as_deref(), Some(&[1u8; 20][..]));
        assert!(open(&path, 19).is_none());
        // A device never ends: only limit + 1 bytes are read.
        assert!(open(Path::new("/dev/zero"), 1 << 16).is_none());
        // An index that is a link to /dev/zero is reported, not read forever.
        fs::remove_file(&path).expect("rm");
        std::os::unix::fs::symlink("/dev/zero", &path).expect("symlink");
        let mut indexes = Indexes::new(&dir);
        indexes.limit = 1 << 16;
        let err = indexes.dep("x").expect_err("too large");
        assert!(
            err.to_string()
                .ends_with("modules.dep.bin: index too large"),
            "{err}"
        );
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
