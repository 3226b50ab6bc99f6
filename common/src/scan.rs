//! Finding the module files of a tree and reading what depmod needs from each.
//!
//! [`ModuleScan`] is the per-module result: plain data, independent of the writers, so it can be
//! cached between runs. [`parse_all`] reads modules on every core, keeping the input order.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::elf::{Export, ModuleElf, SymbolVersion};
use crate::error::Error;
use crate::file::ModuleFile;
use crate::name;

/// The file name endings of module files.
pub const MODULE_SUFFIXES: [&str; 4] = [".ko", ".ko.xz", ".ko.gz", ".ko.zst"];

/// Everything depmod needs to know about one module file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleScan {
    /// Module name (`dm_crypt`).
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// `.modinfo` pairs in file order.
    pub modinfo: Vec<(String, String)>,
    /// Exported symbols.
    pub exports: Vec<Export>,
    /// Undefined symbols, in symbol table order.
    pub undefined: Vec<String>,
    /// `__versions` records.
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

/// Whether a file name is a module file's.
pub fn is_module_file(file_name: &str) -> bool {
    MODULE_SUFFIXES.iter().any(|s| file_name.ends_with(s))
}

/// Every module file below `dir`, depth first, each directory's entries in name order.
/// Directories named in `exclude` are skipped at the top level (`build` and `source` are
/// symlinks into the kernel sources, always skipped by the caller's list).
pub fn find_modules(dir: &Path, exclude: &[String]) -> Result<Vec<PathBuf>, Error> {
    let mut out = Vec::new();
    walk(dir, dir, exclude, &mut out)?;
    Ok(out)
}

fn walk(top: &Path, dir: &Path, exclude: &[String], out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        entries.push(entry);
    }
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let fname = entry.file_name();
        let fname = fname.to_string_lossy();
        let path = entry.path();
        if dir == top && exclude.iter().any(|x| *x == fname) {
            continue;
        }
        let ft = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if ft.is_dir() {
            walk(top, &path, exclude, out)?;
        } else if is_module_file(&fname) && (ft.is_file() || ft.is_symlink()) {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads, decompresses and parses one module file.
pub fn parse_module(path: &Path) -> Result<ModuleScan, Error> {
    let image = ModuleFile::open(path)?.read_image()?;
    let elf = ModuleElf::parse(&image).map_err(|source| Error::Elf {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(ModuleScan {
        name: name::from_path(path),
        path: path.to_path_buf(),
        modinfo: elf.modinfo,
        exports: elf.exports,
        undefined: elf.undefined,
        versions: elf.versions,
    })
}

/// Parses every file on up to `threads` threads. The result has one entry per input path, in
/// input order.
pub fn parse_all(paths: &[PathBuf], threads: usize) -> Vec<Result<ModuleScan, Error>> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<ModuleScan, Error>>>> =
        Mutex::new((0..paths.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads.max(1).min(paths.len().max(1)) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = paths.get(i) else { break };
                let r = parse_module(path);
                if let Ok(mut all) = results.lock() {
                    all[i] = Some(r);
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
