//! Parsing a plain module file while reading only the parts the parse looks at.
//!
//! A module's code and relocations are most of its bytes (86% on Debian's 6.1 modules), and
//! depmod needs none of them. [`ModuleElf::parse_sparse`] fills a zeroed buffer of the file's
//! size with the ELF header, the section header table, the section names, and the sections
//! [`ModuleElf::parse`] reads (`.modinfo`, `__versions`, the symbol and string tables,
//! `__ksymtab_strings`, and the sections `__crc_` symbols point into), then parses it. The zeroed
//! buffer costs nothing for the pages never written (the allocator maps fresh zero pages).

use std::io;
use std::iter::once;
use std::ops::Range;

use goblin::elf::section_header::{SHN_ABS, SHN_UNDEF, SHT_NOBITS, SHT_SYMTAB};

use super::reader::{is_reserved_index, string_at, Image};
use super::{
    Class, ElfError, Keep, ModuleElf, CRC_PREFIX, KSYMTAB_STRINGS, MODINFO, VERSIONS,
    VERSION_EXT_CRCS, VERSION_EXT_NAMES,
};

/// Why a sparse parse failed.
#[derive(Debug, thiserror::Error)]
pub enum SparseError {
    /// Reading the file failed.
    #[error("{}", crate::error::io_text(.0))]
    Io(#[from] io::Error),
    /// The contents are not a valid module.
    #[error(transparent)]
    Elf(#[from] ElfError),
}

/// The sections [`ModuleElf::parse`] reads, by name.
const NEEDED: [&[u8]; 5] = [
    MODINFO,
    VERSIONS,
    VERSION_EXT_CRCS,
    VERSION_EXT_NAMES,
    KSYMTAB_STRINGS,
];

impl ModuleElf {
    /// Parses a plain (uncompressed) module of `len` bytes, reading through
    /// `read_at(buffer, offset)` (which must fill the whole buffer) only what the parse needs.
    /// The result is the same as [`ModuleElf::parse`] on the whole file.
    pub fn parse_sparse(
        len: usize,
        read_at: &mut dyn FnMut(&mut [u8], u64) -> io::Result<()>,
    ) -> Result<ModuleElf, SparseError> {
        ModuleElf::parse_sparse_keeping(len, read_at, Keep::ALL)
    }

    /// [`ModuleElf::parse_sparse`] keeping only what `keep` asks for
    /// ([`ModuleElf::parse_keeping`]).
    pub fn parse_sparse_keeping(
        len: usize,
        read_at: &mut dyn FnMut(&mut [u8], u64) -> io::Result<()>,
        keep: Keep<'_>,
    ) -> Result<ModuleElf, SparseError> {
        ModuleElf::parse_sparse_in(&mut vec![0u8; len], read_at, keep)
    }

    /// [`ModuleElf::parse_sparse_keeping`] in `buf`, a buffer of the file's size that may
    /// hold anything (one reused from one module to the next): the parse reads only bytes it
    /// had read from the file, never the others.
    pub fn parse_sparse_in(
        buf: &mut [u8],
        read_at: &mut dyn FnMut(&mut [u8], u64) -> io::Result<()>,
        keep: Keep<'_>,
    ) -> Result<ModuleElf, SparseError> {
        let len = buf.len();
        let mut reader = Reader {
            read_at,
            done: Vec::new(),
        };
        reader.load(buf, once(0..64))?;
        let Some(table) = section_table(buf) else {
            // Unusual layout (no table, extended numbering): read it all.
            reader.load(buf, once(0..len))?;
            return Ok(ModuleElf::parse_keeping(buf, keep)?);
        };
        // The section names are usually just before the table: one read for both.
        reader.load(
            buf,
            once(table.start.saturating_sub(NAMES_BEFORE_TABLE)..table.end),
        )?;
        let names = Image::parse(buf)?.name_table_range();
        reader.load(buf, names)?;
        let wanted = wanted_sections(&Image::parse(buf)?, keep);
        reader.load(buf, wanted)?;
        let crcs = crc_sections(&Image::parse(buf)?);
        reader.load(buf, crcs)?;
        Ok(ModuleElf::parse_keeping(buf, keep)?)
    }
}

/// How many bytes before the section header table are read with it, for the section names
/// that are nearly always there.
const NAMES_BEFORE_TABLE: usize = 4096;

/// Sections less than this far apart are read with one call, the bytes between included: a
/// system call costs about as much as copying this many bytes.
const READ_GAP: usize = 8192;

/// Reads ranges of a file into the buffer of its size, each byte at most once, adjacent and
/// nearby ranges with one call.
struct Reader<'a> {
    read_at: &'a mut dyn FnMut(&mut [u8], u64) -> io::Result<()>,
    /// What has been read so far.
    done: Vec<Range<usize>>,
}

impl Reader<'_> {
    /// Reads `ranges` (clipped to the buffer; those already read skipped) into `buf`.
    fn load(
        &mut self,
        buf: &mut [u8],
        ranges: impl IntoIterator<Item = Range<usize>>,
    ) -> io::Result<()> {
        let done = &self.done;
        let mut ranges: Vec<Range<usize>> = ranges
            .into_iter()
            .map(|r| r.start..r.end.min(buf.len()))
            .filter(|r| {
                r.start < r.end && !done.iter().any(|d| d.start <= r.start && r.end <= d.end)
            })
            .collect();
        ranges.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if r.start <= last.end.saturating_add(READ_GAP) => {
                    last.end = last.end.max(r.end);
                }
                _ => merged.push(r),
            }
        }
        for r in merged {
            if let Some(part) = buf.get_mut(r.clone()) {
                (self.read_at)(part, r.start as u64)?;
                self.done.push(r);
            }
        }
        Ok(())
    }
}

/// The section header table's bytes, from the ELF header alone; `None` when the header is not a
/// plain one (the caller then reads everything and lets the full parse judge).
fn section_table(head: &[u8]) -> Option<Range<usize>> {
    let img = Image::parse_header(head).ok()?;
    let (shoff_at, shentsize_at) = match img.class {
        Class::Elf32 => (32, 46),
        Class::Elf64 => (40, 58),
    };
    let shoff = usize::try_from(img.endian.word(img.class, head, shoff_at)?).ok()?;
    let entsize = usize::from(img.endian.u16(head, shentsize_at)?);
    let count = usize::from(img.endian.u16(head, shentsize_at + 2)?);
    if shoff == 0 || count == 0 {
        return None;
    }
    Some(shoff..shoff.checked_add(entsize.checked_mul(count)?)?)
}

fn file_range(img: &Image<'_>, index: usize) -> Option<Range<usize>> {
    let s = img.sections.get(index)?;
    if s.kind == SHT_NOBITS {
        return None;
    }
    let start = usize::try_from(s.offset).ok()?;
    Some(start..start.checked_add(usize::try_from(s.size).ok()?)?)
}

/// The named sections the parse reads, plus the symbol table and its string table; not
/// `__versions` when its records are not kept (the parse then looks at its size only).
fn wanted_sections(img: &Image<'_>, keep: Keep<'_>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (i, s) in img.sections.iter().enumerate().skip(1) {
        let named = img
            .name_of(s)
            .is_some_and(|n| NEEDED.contains(&n) && (keep.versions || n != VERSIONS));
        if named || s.kind == SHT_SYMTAB {
            out.extend(file_range(img, i));
        }
        if s.kind == SHT_SYMTAB {
            out.extend(
                usize::try_from(s.link)
                    .ok()
                    .and_then(|l| file_range(img, l)),
            );
        }
    }
    out
}

/// The sections that `__crc_` symbols point into (their CRCs are read from there).
fn crc_sections(img: &Image<'_>) -> Vec<Range<usize>> {
    let mut indexes: Vec<usize> = Vec::new();
    for (i, s) in img.sections.iter().enumerate().skip(1) {
        if s.kind != SHT_SYMTAB {
            continue;
        }
        let (Ok(table), Some(strtab)) = (
            img.section_data(i),
            usize::try_from(s.link)
                .ok()
                .and_then(|l| img.section_data(l).ok()),
        ) else {
            continue;
        };
        let entsize = match usize::try_from(s.entsize) {
            Ok(e) if e >= img.class.symbol_size() => e,
            _ => img.class.symbol_size(),
        };
        for raw in table.chunks_exact(entsize) {
            let Some(sym) = img.symbol(raw) else { continue };
            let shndx = u32::from(sym.shndx);
            if shndx == SHN_UNDEF || shndx == SHN_ABS || is_reserved_index(sym.shndx) {
                continue;
            }
            // The prefix first: most names are not looked at further.
            let is_crc = usize::try_from(sym.name)
                .ok()
                .and_then(|at| strtab.get(at..))
                .is_some_and(|rest| rest.starts_with(CRC_PREFIX))
                && string_at(strtab, sym.name).is_some();
            if is_crc && !indexes.contains(&usize::from(sym.shndx)) {
                indexes.push(usize::from(sym.shndx));
            }
        }
    }
    indexes
        .into_iter()
        .filter_map(|i| file_range(img, i))
        .collect()
}

/// Fills `buf[range]` (clipped to the buffer) through `read_at`.
fn load_range(
    buf: &mut [u8],
    range: Range<usize>,
    read_at: &mut dyn FnMut(&mut [u8], u64) -> io::Result<()>,
) -> io::Result<()> {
    let end = range.end.min(buf.len());
    match buf.get_mut(range.start..end) {
        Some(part) if !part.is_empty() => read_at(part, range.start as u64),
        _ => Ok(()),
    }
}

/// Reads, through `read_at` (which must fill the whole buffer), what
/// [`modinfo_strings`](super::modinfo_strings) looks at in a plain module file of `len` bytes
/// (the ELF header, the section header table, the section names and `.modinfo`) into a zeroed
/// buffer of the file's size, and returns it; the other bytes stay zero. `modinfo_strings` gives
/// the same result, or error, on it as on the whole file.
pub fn read_modinfo_sparse(
    len: usize,
    read_at: &mut dyn FnMut(&mut [u8], u64) -> io::Result<()>,
) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    load_range(&mut buf, 0..64, read_at)?;
    let Some(table) = section_table(&buf) else {
        load_range(&mut buf, 0..len, read_at)?;
        return Ok(buf);
    };
    load_range(&mut buf, table, read_at)?;
    // A header or table the parse rejects: it rejects the sparse buffer the same way.
    let Some(names) = Image::parse(&buf).ok().map(|img| img.name_table_range()) else {
        return Ok(buf);
    };
    if let Some(r) = names {
        load_range(&mut buf, r, read_at)?;
    }
    let modinfo = Image::parse(&buf)
        .ok()
        .and_then(|img| img.find(MODINFO).and_then(|(i, _)| file_range(&img, i)));
    if let Some(r) = modinfo {
        load_range(&mut buf, r, read_at)?;
    }
    Ok(buf)
}
