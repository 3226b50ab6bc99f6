//! Finding the module files of a tree and reading what depmod needs from each.
//!
//! [`ModuleScan`] is the per-module result: plain data, independent of the writers, so it can be
//! cached between runs. [`parse_all`] reads modules on every core, keeping the input order.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use std::os::unix::fs::FileExt;

use crate::elf::{Export, Keep, ModuleElf, NameList, SparseError, SymbolVersion};
use crate::error::Error;
use crate::file::{has_module_suffix, Compression, DecompressError, ModuleFile, MAX_IMAGE_SIZE};
use crate::name;

/// Everything depmod needs to know about one module file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleScan {
    /// Module name (`dm_crypt`).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// `.modinfo` pairs in file order: all of them from [`parse_module`]; from [`parse_all`]
    /// and the cache, only those of the keys depmod's outputs are made of
    /// ([`crate::depmod::outputs::MODINFO_KEYS`]).
    pub modinfo: Vec<(String, String)>,
    /// Exported symbols.
    pub exports: Vec<Export>,
    /// Undefined symbols, in symbol table order.
    pub undefined: NameList,
    /// `__versions` records (none when [`parse_all`] was told not to keep them).
    pub versions: Vec<SymbolVersion>,
}

impl ModuleScan {
    /// All values of a `.modinfo` key, in file order.
    pub fn modinfo_values<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.modinfo
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Every module file below `dir`, depth first, each directory's entries in name order.
/// Files and directories whose name `excluded` accepts are skipped, at any depth.
pub fn find_modules(dir: &Path, excluded: &dyn Fn(&str) -> bool) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    walk(dir, excluded, &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, excluded: &dyn Fn(&str) -> bool, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        entries.push(entry);
    }
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let fname = entry.file_name();
        let fname = fname.to_string_lossy();
        if excluded(&fname) {
            continue;
        }
        let path = entry.path();
        let ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if ft.is_dir() {
            walk(&path, excluded, out)?;
        } else if has_module_suffix(fname.as_bytes()) && (ft.is_file() || ft.is_symlink()) {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads, decompresses and parses one module file.
pub fn parse_module(path: &Path) -> Result<ModuleScan, Error> {
    parse_module_with(path, &mut Vec::new(), &mut Vec::new(), Keep::ALL)
}

/// [`parse_module`] with buffers reused from one module to the next, keeping what `keep` asks
/// for.
fn parse_module_with(
    path: &Path,
    raw: &mut Vec<u8>,
    image: &mut Vec<u8>,
    keep: Keep<'_>,
) -> Result<ModuleScan, Error> {
    let module = ModuleFile::open(path)?;
    let elf_error = |source| Error::Elf {
        path: path.to_path_buf(),
        source,
    };
    let elf = if module.compression() == Compression::None {
        // Read only the sections the parse needs (a plain module is mostly code).
        let file = module.file();
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let len = usize::try_from(len)
            .ok()
            .filter(|&l| l as u64 <= MAX_IMAGE_SIZE)
            .ok_or_else(|| Error::Decompress {
                path: path.to_path_buf(),
                source: DecompressError::TooLarge {
                    format: Compression::None,
                    limit: MAX_IMAGE_SIZE,
                },
            })?;
        // The thread's buffer, unless the module is larger than it may grow: then a fresh
        // zeroed one, whose pages the parse doesn't read are never touched.
        let mut fresh;
        let buf = if len <= BUFFER_KEEP {
            if image.len() < len {
                image.reserve_exact(len - image.len());
                image.resize(len, 0);
            }
            &mut image[..len]
        } else {
            fresh = vec![0u8; len];
            &mut fresh[..]
        };
        ModuleElf::parse_sparse_in(buf, &mut |buf, at| file.read_exact_at(buf, at), keep).map_err(
            |e| match e {
                SparseError::Io(e) => Error::io(path, e),
                SparseError::Elf(e) => elf_error(e),
            },
        )?
    } else {
        module.read_image_into(raw, image)?;
        ModuleElf::parse_keeping(image, keep).map_err(elf_error)?
    };
    Ok(ModuleScan {
        name: name::from_path(path),
        path: path.to_path_buf(),
        modinfo: elf.modinfo,
        exports: elf.exports,
        undefined: elf.undefined,
        versions: elf.versions,
    })
}

/// Largest buffer capacity [`parse_all`] keeps from one module to the next.
const BUFFER_KEEP: usize = 4 << 20;

/// Parses every file on up to `threads` threads for depmod: of `.modinfo`, only the keys its
/// outputs are made of ([`crate::depmod::outputs::MODINFO_KEYS`]); the `__versions` records
/// only with `versions`. The result has one entry per input path, in input order.
pub fn parse_all(
    paths: &[PathBuf],
    threads: usize,
    versions: bool,
) -> Vec<Result<ModuleScan, Error>> {
    parse_all_map(paths, threads, versions, |m| m)
}

/// [`parse_all`], each module passed through `map` on the thread that read it.
pub fn parse_all_map<T: Send>(
    paths: &[PathBuf],
    threads: usize,
    versions: bool,
    map: impl Fn(ModuleScan) -> T + Sync,
) -> Vec<Result<T, Error>> {
    let keep = Keep {
        modinfo_keys: Some(&crate::depmod::outputs::MODINFO_KEYS),
        versions,
    };
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<T, Error>>>> =
        Mutex::new((0..paths.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1).min(paths.len().max(1)) {
            s.spawn(|| {
                let (mut raw, mut image) = (Vec::new(), Vec::new());
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = paths.get(i) else { break };
                    let r = parse_module_with(path, &mut raw, &mut image, keep).map(&map);
                    // Keep the buffers for the next module, unless an unusually large one grew
                    // them (amdgpu is 29 MB decompressed): don't hold that for the whole run.
                    if image.capacity() > BUFFER_KEEP {
                        image = Vec::new();
                    }
                    if raw.capacity() > BUFFER_KEEP {
                        raw = Vec::new();
                    }
                    if let Ok(mut all) = results.lock() {
                        all[i] = Some(r);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .zip(paths)
        .map(|(r, p)| {
            r.unwrap_or_else(|| Err(Error::io(p, io::Error::other("module was not parsed"))))
        })
        .collect()
}

/// How many threads to parse with: the CPUs this process may use.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
