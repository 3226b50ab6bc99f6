//! Kernel module ELF images: reading the facts the module tools need, and the
//! small in-place edits needed for forced loading.
//!
//! This module owns everything that looks inside a (decompressed) `.ko`:
//! - the ELF header (class, byte order, machine) and section header table;
//! - `.modinfo` (`key=value` strings), `__versions` (imported symbol CRCs,
//!   plus the newer `__version_ext_crcs` / `__version_ext_names` pair),
//!   exported symbols (`__crc_<sym>` symbols, else `__ksymtab_strings`) and
//!   undefined symbols from `.symtab`;
//! - the module-signature trailer check;
//! - [`strip_for_force`], which hides `__versions` and `vermagic=` from the
//!   kernel for `--force` loads;
//! - `builder`, a synthetic module builder for tests and fuzz seeds, only with the
//!   `test-support` feature (and in this crate's own tests).
//!
//! The formats are defined by the System V ABI's ELF chapter (the "gABI":
//! headers, sections, symbol tables), the kernel's
//! `Documentation/kbuild/modules.rst` (module build, symbol versioning and
//! `__versions`) and `Documentation/admin-guide/module-signing.rst` (the
//! appended signature and its `~Module signature appended~\n` marker).
//!
//! Parsing never panics and never trusts an offset, size or count read from
//! the file; see `reader.rs` for the bounds-checked primitives.

use rustc_hash::FxHashSet;

use goblin::elf::section_header::{SHF_ALLOC, SHN_ABS, SHN_UNDEF, SHT_SYMTAB};

#[cfg(any(test, feature = "test-support"))]
pub mod builder;
mod names;
mod reader;
mod sparse;
#[cfg(test)]
mod tests;

pub use names::NameList;
use reader::{is_reserved_index, string_at, Image};
pub use sparse::{read_modinfo_sparse, SparseError};

/// The marker at the very end of a signed module.
pub const SIGNATURE_MAGIC: &[u8] = b"~Module signature appended~\n";

/// Name of the section holding imported-symbol CRC records.
const VERSIONS: &[u8] = b"__versions";
/// Name of the section holding the CRCs of extended (long-name) version records.
const VERSION_EXT_CRCS: &[u8] = b"__version_ext_crcs";
/// Name of the section holding the names of extended version records.
const VERSION_EXT_NAMES: &[u8] = b"__version_ext_names";
/// Name of the section holding the module's `key=value` strings.
const MODINFO: &[u8] = b".modinfo";
/// Name of the section holding the names of exported symbols.
const KSYMTAB_STRINGS: &[u8] = b"__ksymtab_strings";
/// Prefix of the symbols carrying an exported symbol's CRC.
const CRC_PREFIX: &[u8] = b"__crc_";
/// Size of one `__versions` record (both classes).
const VERSION_RECORD: usize = 64;

/// ELF class (`EI_CLASS`): the word size the module was built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// `ELFCLASS32`: 32-bit objects.
    Elf32,
    /// `ELFCLASS64`: 64-bit objects.
    Elf64,
}

/// ELF data encoding (`EI_DATA`): the byte order of every multi-byte field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endian {
    /// `ELFDATA2LSB`: little endian.
    Little,
    /// `ELFDATA2MSB`: big endian.
    Big,
}

/// One `__versions` record: a symbol the module imports and the CRC of its
/// prototype that the module was built against.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SymbolVersion {
    /// The imported symbol (e.g. `module_layout`).
    pub name: String,
    /// The symbol's CRC (32-bit on 32-bit objects, as stored on 64-bit ones).
    pub crc: u64,
}

/// One symbol the module exports.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Export {
    /// The exported symbol's name.
    pub name: String,
    /// Its CRC, when the module was built with modversions (`__crc_<name>`).
    pub crc: Option<u64>,
}

/// Parsed facts of one kernel module image (already decompressed bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleElf {
    /// ELF class.
    pub class: Class,
    /// Byte order.
    pub endian: Endian,
    /// `e_machine`.
    pub machine: u16,
    /// `.modinfo` `key=value` pairs in file order, split at the first `=`.
    /// Strings without `=` are skipped; non-UTF-8 bytes are replaced.
    pub modinfo: Vec<(String, String)>,
    /// `__versions` records in file order (then any extended records).
    pub versions: Vec<SymbolVersion>,
    /// Exported symbols: from `__crc_` symbols if there are any, else the
    /// non-empty strings of `__ksymtab_strings` (without CRCs).
    pub exports: Vec<Export>,
    /// Undefined `.symtab` symbols with a non-empty name, in file order,
    /// without duplicates.
    pub undefined: NameList,
}

/// Why an image could not be parsed or edited. Messages carry no path: the
/// caller knows which file it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    /// The image does not start with the ELF magic.
    #[error("not an ELF file")]
    NotElf,
    /// `EI_CLASS` is neither 32- nor 64-bit.
    #[error("unsupported ELF class {0}")]
    BadClass(u8),
    /// `EI_DATA` is neither little nor big endian.
    #[error("unsupported ELF data encoding {0}")]
    BadEndian(u8),
    /// A structure extends past the end of the image.
    #[error("truncated ELF file: {what} extends past the end")]
    Truncated {
        /// Which structure.
        what: &'static str,
    },
    /// The ELF header is inconsistent.
    #[error("malformed ELF header: {reason}")]
    BadHeader {
        /// What is wrong.
        reason: &'static str,
    },
    /// A section's header or contents are malformed.
    #[error("malformed section {name}: {reason}")]
    BadSection {
        /// The section's name, or `#index` when it has none.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A symbol table entry is malformed.
    #[error("malformed symbol {name}: {reason}")]
    BadSymbol {
        /// The symbol's name.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// What [`ModuleElf::parse_keeping`] keeps of a module. Whatever it leaves out is still read
/// and checked, so a module is accepted or refused the same way as by [`ModuleElf::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keep<'a> {
    /// Only the `.modinfo` pairs with one of these keys; every pair when `None`.
    pub modinfo_keys: Option<&'a [&'a str]>,
    /// Whether the `__versions` records are kept.
    pub versions: bool,
}

impl Keep<'_> {
    /// Everything ([`ModuleElf::parse`]).
    pub const ALL: Keep<'static> = Keep {
        modinfo_keys: None,
        versions: true,
    };
}

impl ModuleElf {
    /// Parses a module image. Missing `.modinfo`, `__versions`, `.symtab` or
    /// `__ksymtab_strings` sections simply yield empty lists.
    pub fn parse(image: &[u8]) -> Result<ModuleElf, ElfError> {
        ModuleElf::parse_keeping(image, Keep::ALL)
    }

    /// [`ModuleElf::parse`], keeping only what `keep` asks for (depmod needs three `.modinfo`
    /// keys of the dozens a module has, and the `__versions` records only for `-e`: not
    /// allocating the rest is a fifth of its memory).
    pub fn parse_keeping(image: &[u8], keep: Keep<'_>) -> Result<ModuleElf, ElfError> {
        let img = Image::parse(image)?;
        let modinfo = match img.find(MODINFO) {
            Some((index, _)) => parse_modinfo(img.section_data(index)?, keep.modinfo_keys),
            None => Vec::new(),
        };
        let versions = parse_versions(&img, keep.versions)?;
        let (exports, undefined) = parse_symbols(&img)?;
        let exports = or_ksymtab_strings(&img, exports)?;
        Ok(ModuleElf {
            class: img.class,
            endian: img.endian,
            machine: img.machine,
            modinfo,
            versions,
            exports,
            undefined,
        })
    }

    /// The first `.modinfo` value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.modinfo
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every `.modinfo` value of `key`, in file order (e.g. all `alias`es).
    pub fn get_all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.modinfo
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The `vermagic` string the module was built with.
    pub fn vermagic(&self) -> Option<&str> {
        self.get("vermagic")
    }

    /// The module's own name (`.modinfo` `name`), if recorded.
    pub fn name(&self) -> Option<&str> {
        self.get("name")
    }
}

/// The `.modinfo` strings of an image as raw bytes, in file order, empty ones
/// skipped (strings without `=` are kept, unlike [`ModuleElf::modinfo`]);
/// `None` when there is no `.modinfo` section. Reads only the section
/// headers and that section, for modinfo, which prints the bytes unchanged.
pub fn modinfo_strings(image: &[u8]) -> Result<Option<Vec<&[u8]>>, ElfError> {
    let img = Image::parse(image)?;
    match img.find(MODINFO) {
        Some((index, _)) => Ok(Some(nul_strings(img.section_data(index)?).collect())),
        None => Ok(None),
    }
}

/// The `__versions` records of an image ([`ModuleElf::versions`]), without reading the rest.
pub fn symbol_versions(image: &[u8]) -> Result<Vec<SymbolVersion>, ElfError> {
    parse_versions(&Image::parse(image)?, true)
}

/// The symbols an image exports ([`ModuleElf::exports`]), without reading `.modinfo` or
/// `__versions`.
pub fn exported_symbols(image: &[u8]) -> Result<Vec<Export>, ElfError> {
    let img = Image::parse(image)?;
    let (exports, _) = parse_symbols(&img)?;
    or_ksymtab_strings(&img, exports)
}

/// One undefined `.symtab` symbol with its binding, for libkmod's dependency symbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndefinedSymbol {
    /// The symbol's name (never empty).
    pub name: String,
    /// Its binding (`STB_GLOBAL`, `STB_WEAK`, ...: the high 4 bits of `st_info`).
    pub bind: u8,
}

/// Every undefined `.symtab` symbol with a name, in table order, duplicates kept (unlike
/// [`ModuleElf::undefined`]); empty without a symbol table.
pub fn undefined_symbols(image: &[u8]) -> Result<Vec<UndefinedSymbol>, ElfError> {
    let img = Image::parse(image)?;
    let mut out = Vec::new();
    walk_symtab(&img, |name, symbol| {
        if u32::from(symbol.shndx) == SHN_UNDEF && !name.is_empty() {
            out.push(UndefinedSymbol {
                name: lossy(name),
                bind: symbol.info >> 4,
            });
        }
        Ok(())
    })?;
    Ok(out)
}

/// `exports`, or when it is empty the names of `__ksymtab_strings` (without CRCs).
fn or_ksymtab_strings(img: &Image<'_>, exports: Vec<Export>) -> Result<Vec<Export>, ElfError> {
    if !exports.is_empty() {
        return Ok(exports);
    }
    let Some((index, _)) = img.find(KSYMTAB_STRINGS) else {
        return Ok(exports);
    };
    Ok(nul_strings(img.section_data(index)?)
        .map(|name| Export {
            name: lossy(name),
            crc: None,
        })
        .collect())
}

/// Whether the image ends with the module-signature trailer. Works on the
/// raw, decompressed bytes; does not verify anything.
pub fn has_signature(image: &[u8]) -> bool {
    image.ends_with(SIGNATURE_MAGIC)
}

/// Prepares a private copy of a module for a forced `init_module` load.
///
/// With `modversions`, clears `SHF_ALLOC` in the section headers of
/// `__versions` (and of `__version_ext_crcs` / `__version_ext_names`), so
/// the kernel does not find them and skips CRC checks. With `vermagic`,
/// overwrites every `vermagic=...` string in `.modinfo` with NULs, so the
/// kernel finds no version magic. The image length never changes; sections
/// that are absent are simply left alone.
pub fn strip_for_force(
    image: &mut [u8],
    modversions: bool,
    vermagic: bool,
) -> Result<(), ElfError> {
    let mut flag_edits: Vec<(usize, u64)> = Vec::new();
    let mut blank_ranges: Vec<(usize, usize)> = Vec::new();
    let (class, endian) = {
        let img = Image::parse(image)?;
        if modversions {
            for name in [VERSIONS, VERSION_EXT_CRCS, VERSION_EXT_NAMES] {
                for (_, section) in img.find_all(name) {
                    // sh_flags sits at offset 8 in both classes.
                    let at = section
                        .header_at
                        .checked_add(8)
                        .ok_or(ElfError::Truncated {
                            what: "section header table",
                        })?;
                    flag_edits.push((at, section.flags & !u64::from(SHF_ALLOC)));
                }
            }
        }
        if vermagic {
            for (index, section) in img.find_all(MODINFO) {
                let data = img.section_data(index)?;
                if data.is_empty() {
                    continue;
                }
                // Non-empty data means sh_offset is a valid in-file offset.
                let base = usize::try_from(section.offset).map_err(|_| ElfError::Truncated {
                    what: "section data",
                })?;
                let mut start = 0;
                for string in data.split(|&b| b == 0) {
                    if string.starts_with(b"vermagic=") {
                        blank_ranges.push((base + start, string.len()));
                    }
                    start += string.len() + 1;
                }
            }
        }
        (img.class, img.endian)
    };
    for (at, flags) in flag_edits {
        let bytes = match (class, endian) {
            (Class::Elf32, Endian::Little) => (flags as u32).to_le_bytes().to_vec(),
            (Class::Elf32, Endian::Big) => (flags as u32).to_be_bytes().to_vec(),
            (Class::Elf64, Endian::Little) => flags.to_le_bytes().to_vec(),
            (Class::Elf64, Endian::Big) => flags.to_be_bytes().to_vec(),
        };
        let end = at.checked_add(bytes.len());
        let target = end
            .and_then(|end| image.get_mut(at..end))
            .ok_or(ElfError::Truncated {
                what: "section header table",
            })?;
        target.copy_from_slice(&bytes);
    }
    for (at, len) in blank_ranges {
        let end = at.checked_add(len);
        let target = end
            .and_then(|end| image.get_mut(at..end))
            .ok_or(ElfError::Truncated {
                what: "section data",
            })?;
        target.fill(0);
    }
    Ok(())
}

/// Replaces invalid UTF-8 in `bytes`.
fn lossy(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// The non-empty NUL-separated strings of `data` (a final unterminated
/// string counts too).
fn nul_strings(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|&b| b == 0).filter(|s| !s.is_empty())
}

/// Splits `.modinfo` contents into `key=value` pairs, only those of `keys` when given.
fn parse_modinfo(data: &[u8], keys: Option<&[&str]>) -> Vec<(String, String)> {
    nul_strings(data)
        .filter_map(|entry| {
            let eq = memchr::memchr(b'=', entry)?;
            let (key, value) = entry.split_at(eq);
            if keys.is_some_and(|keys| !keys.iter().any(|k| k.as_bytes() == key)) {
                return None;
            }
            Some((lossy(key), lossy(value.get(1..).unwrap_or_default())))
        })
        .collect()
}

/// Reads `__versions` and the extended version sections; with `keep` false they are only
/// checked (the result is empty).
fn parse_versions(img: &Image<'_>, keep: bool) -> Result<Vec<SymbolVersion>, ElfError> {
    let mut versions = Vec::new();
    if let Some((index, _)) = img.find(VERSIONS) {
        let data = img.section_data(index)?;
        if data.len() % VERSION_RECORD != 0 {
            return Err(ElfError::BadSection {
                name: lossy(VERSIONS),
                reason: "size is not a multiple of the record size",
            });
        }
        let crc_len = match img.class {
            Class::Elf32 => 4,
            Class::Elf64 => 8,
        };
        // Without `keep`, the records' bytes are not looked at (a sparse read leaves them out).
        for record in data.chunks_exact(VERSION_RECORD).filter(|_| keep) {
            let crc = img
                .endian
                .word(img.class, record, 0)
                .ok_or(ElfError::Truncated {
                    what: "__versions record",
                })?;
            let name_field = record.get(crc_len..).unwrap_or_default();
            let name = name_field.split(|&b| b == 0).next().unwrap_or_default();
            if !name.is_empty() {
                versions.push(SymbolVersion {
                    name: lossy(name),
                    crc,
                });
            }
        }
    }
    if let (Some((crcs, _)), Some((names, _))) =
        (img.find(VERSION_EXT_CRCS), img.find(VERSION_EXT_NAMES))
    {
        let crcs = img.section_data(crcs)?;
        let names = img.section_data(names)?;
        if crcs.len() % 4 != 0 {
            return Err(ElfError::BadSection {
                name: lossy(VERSION_EXT_CRCS),
                reason: "size is not a multiple of 4",
            });
        }
        let mut names = names.split(|&b| b == 0);
        for crc in crcs.chunks_exact(4) {
            let crc = img.endian.u32(crc, 0).ok_or(ElfError::Truncated {
                what: "__version_ext_crcs entry",
            })?;
            let name = names
                .next()
                .filter(|name| !name.is_empty())
                .ok_or_else(|| ElfError::BadSection {
                    name: lossy(VERSION_EXT_NAMES),
                    reason: "fewer names than crcs",
                })?;
            if !keep {
                continue;
            }
            versions.push(SymbolVersion {
                name: lossy(name),
                crc: u64::from(crc),
            });
        }
    }
    Ok(versions)
}

/// Reads `.symtab`: exports from `__crc_` symbols, and undefined symbols.
fn parse_symbols(img: &Image<'_>) -> Result<(Vec<Export>, NameList), ElfError> {
    let mut exports = Vec::new();
    let mut undefined = NameList::new();
    let mut seen: FxHashSet<&[u8]> = FxHashSet::default();
    walk_symtab(img, |name, symbol| {
        if u32::from(symbol.shndx) == SHN_UNDEF {
            if !name.is_empty() && seen.insert(name) {
                match std::str::from_utf8(name) {
                    Ok(name) => undefined.push(name),
                    Err(_) => undefined.push(&String::from_utf8_lossy(name)),
                }
            }
            return Ok(());
        }
        if let Some(exported) = name.strip_prefix(CRC_PREFIX) {
            let crc = symbol_crc(img, symbol, name)?;
            exports.push(Export {
                name: lossy(exported),
                crc: Some(crc),
            });
        }
        Ok(())
    })?;
    Ok((exports, undefined))
}

/// Calls `visit` with the name and entry of every symbol of the first `SHT_SYMTAB` section, in
/// table order (nothing without one).
fn walk_symtab<'a>(
    img: &Image<'a>,
    mut visit: impl FnMut(&'a [u8], &reader::Symbol) -> Result<(), ElfError>,
) -> Result<(), ElfError> {
    // Section 0 is the null section whatever its type field says (the sparse reader never loads
    // it either).
    let Some((index, symtab)) = img
        .sections
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, section)| section.kind == SHT_SYMTAB)
    else {
        return Ok(());
    };
    let bad = |reason| ElfError::BadSection {
        name: img.display_name(symtab, index),
        reason,
    };
    let minimum = img.class.symbol_size();
    let entsize = match usize::try_from(symtab.entsize) {
        Ok(0) => minimum,
        Ok(size) if size >= minimum => size,
        _ => return Err(bad("symbol entry size too small")),
    };
    let table = img.section_data(index)?;
    let strtab_index = usize::try_from(symtab.link).map_err(|_| bad("bad string table link"))?;
    if strtab_index == 0 || strtab_index >= img.sections.len() {
        return Err(bad("string table link out of range"));
    }
    let strtab = img.section_data(strtab_index)?;
    for raw in table.chunks_exact(entsize) {
        let symbol = img.symbol(raw).ok_or_else(|| bad("truncated symbol"))?;
        let name = string_at(strtab, symbol.name).ok_or_else(|| bad("symbol name out of range"))?;
        visit(name, &symbol)?;
    }
    Ok(())
}

/// The CRC a defined `__crc_` symbol carries: its value if absolute, else
/// the `u32` it points at.
fn symbol_crc(img: &Image<'_>, symbol: &reader::Symbol, name: &[u8]) -> Result<u64, ElfError> {
    let bad = |reason| ElfError::BadSymbol {
        name: lossy(name),
        reason,
    };
    if u32::from(symbol.shndx) == SHN_ABS {
        return Ok(symbol.value);
    }
    if is_reserved_index(symbol.shndx) {
        return Err(bad("unsupported special section index"));
    }
    let index = usize::from(symbol.shndx);
    let section = img
        .sections
        .get(index)
        .ok_or_else(|| bad("section index out of range"))?;
    let data = img.section_data(index)?;
    let offset = symbol
        .value
        .checked_sub(section.addr)
        .and_then(|offset| usize::try_from(offset).ok())
        .ok_or_else(|| bad("value outside its section"))?;
    img.endian
        .u32(data, offset)
        .map(u64::from)
        .ok_or_else(|| bad("value outside its section"))
}
