//! Bounds-checked reading of the ELF header, the section header table and
//! symbol table entries, for either class and either byte order.
//!
//! Nothing read from the file is trusted: every offset and length goes
//! through checked arithmetic and `get(..)` slicing, and the only allocation
//! sized by the file (the section list) is made after the section header
//! table was shown to fit inside the image.

use goblin::elf::header::{EI_CLASS, EI_DATA, ELFCLASS32, ELFCLASS64, ELFDATA2LSB, ELFDATA2MSB};
use goblin::elf::section_header::{SHN_LORESERVE, SHN_UNDEF, SHN_XINDEX, SHT_NOBITS};

use super::{Class, ElfError, Endian};

/// Size of the ELF identification block (`e_ident`).
const IDENT_LEN: usize = 16;

impl Class {
    /// Size of the ELF header of this class.
    pub(crate) const fn header_size(self) -> usize {
        match self {
            Class::Elf32 => 52,
            Class::Elf64 => 64,
        }
    }

    /// Size of one section header of this class.
    pub(crate) const fn section_header_size(self) -> usize {
        match self {
            Class::Elf32 => 40,
            Class::Elf64 => 64,
        }
    }

    /// Size of one symbol table entry of this class.
    pub(crate) const fn symbol_size(self) -> usize {
        match self {
            Class::Elf32 => 16,
            Class::Elf64 => 24,
        }
    }
}

/// Checked `data[offset..offset + len]`.
pub(crate) fn slice(data: &[u8], offset: usize, len: usize) -> Option<&[u8]> {
    data.get(offset..offset.checked_add(len)?)
}

/// Checked conversion of a file-supplied 64-bit quantity to `usize`.
fn to_usize(value: u64, what: &'static str) -> Result<usize, ElfError> {
    usize::try_from(value).map_err(|_| ElfError::Truncated { what })
}

impl Endian {
    /// Reads a `u16` at `offset` in `data`.
    pub(crate) fn u16(self, data: &[u8], offset: usize) -> Option<u16> {
        let bytes: [u8; 2] = slice(data, offset, 2)?.try_into().ok()?;
        Some(match self {
            Endian::Little => u16::from_le_bytes(bytes),
            Endian::Big => u16::from_be_bytes(bytes),
        })
    }

    /// Reads a `u32` at `offset` in `data`.
    pub(crate) fn u32(self, data: &[u8], offset: usize) -> Option<u32> {
        let bytes: [u8; 4] = slice(data, offset, 4)?.try_into().ok()?;
        Some(match self {
            Endian::Little => u32::from_le_bytes(bytes),
            Endian::Big => u32::from_be_bytes(bytes),
        })
    }

    /// Reads a `u64` at `offset` in `data`.
    pub(crate) fn u64(self, data: &[u8], offset: usize) -> Option<u64> {
        let bytes: [u8; 8] = slice(data, offset, 8)?.try_into().ok()?;
        Some(match self {
            Endian::Little => u64::from_le_bytes(bytes),
            Endian::Big => u64::from_be_bytes(bytes),
        })
    }

    /// Reads an address-sized word (`u32` for ELF32, `u64` for ELF64).
    pub(crate) fn word(self, class: Class, data: &[u8], offset: usize) -> Option<u64> {
        match class {
            Class::Elf32 => self.u32(data, offset).map(u64::from),
            Class::Elf64 => self.u64(data, offset),
        }
    }
}

/// One section header, widened to 64-bit fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Section {
    /// Offset of the section name in the section name string table.
    pub name: u32,
    /// `sh_type`.
    pub kind: u32,
    /// `sh_flags`.
    pub flags: u64,
    /// `sh_addr`.
    pub addr: u64,
    /// `sh_offset`.
    pub offset: u64,
    /// `sh_size`.
    pub size: u64,
    /// `sh_link`.
    pub link: u32,
    /// `sh_entsize`.
    pub entsize: u64,
    /// Where this header itself starts in the image (for in-place edits).
    pub header_at: usize,
}

/// One symbol table entry, widened to 64-bit fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Symbol {
    /// `st_name`: offset in the linked string table.
    pub name: u32,
    /// `st_value`.
    pub value: u64,
    /// `st_shndx`.
    pub shndx: u16,
    /// `st_info`: binding (high 4 bits) and type.
    pub info: u8,
}

/// A validated view of an ELF image: header facts plus the section list.
#[derive(Debug)]
pub(crate) struct Image<'a> {
    /// The whole file.
    pub data: &'a [u8],
    /// `EI_CLASS`.
    pub class: Class,
    /// `EI_DATA`.
    pub endian: Endian,
    /// `e_machine`.
    pub machine: u16,
    /// All section headers, in table order (index 0 is the null section).
    pub sections: Vec<Section>,
    /// Contents of the section name string table (empty if there is none).
    shstrtab: &'a [u8],
}

impl<'a> Image<'a> {
    /// Validates the ELF header and reads the section header table.
    pub(crate) fn parse(data: &'a [u8]) -> Result<Self, ElfError> {
        let mut image = Image::parse_header(data)?;
        let (class, endian) = (image.class, image.endian);
        let header = || ElfError::Truncated { what: "elf header" };
        let (shoff_at, shentsize_at) = match class {
            Class::Elf32 => (32, 46),
            Class::Elf64 => (40, 58),
        };
        let shoff = endian.word(class, data, shoff_at).ok_or_else(header)?;
        let shentsize = endian.u16(data, shentsize_at).ok_or_else(header)?;
        let shnum = endian.u16(data, shentsize_at + 2).ok_or_else(header)?;
        let shstrndx = endian.u16(data, shentsize_at + 4).ok_or_else(header)?;
        image.parse_sections(shoff, shentsize, shnum, shstrndx)?;
        Ok(image)
    }

    /// Validates the ELF identification and header (class, byte order, machine) without
    /// reading the section header table.
    pub(crate) fn parse_header(data: &'a [u8]) -> Result<Self, ElfError> {
        if !data.starts_with(goblin::elf::header::ELFMAG) {
            return Err(ElfError::NotElf);
        }
        if data.len() < IDENT_LEN {
            return Err(ElfError::Truncated {
                what: "elf identification",
            });
        }
        let class = match data[EI_CLASS] {
            ELFCLASS32 => Class::Elf32,
            ELFCLASS64 => Class::Elf64,
            other => return Err(ElfError::BadClass(other)),
        };
        let endian = match data[EI_DATA] {
            ELFDATA2LSB => Endian::Little,
            ELFDATA2MSB => Endian::Big,
            other => return Err(ElfError::BadEndian(other)),
        };
        if data.len() < class.header_size() {
            return Err(ElfError::Truncated { what: "elf header" });
        }
        let header = || ElfError::Truncated { what: "elf header" };
        let machine = endian.u16(data, 18).ok_or_else(header)?;
        Ok(Image {
            data,
            class,
            endian,
            machine,
            sections: Vec::new(),
            shstrtab: &[],
        })
    }

    /// Reads the section header table and the section name table.
    fn parse_sections(
        &mut self,
        shoff: u64,
        shentsize: u16,
        shnum: u16,
        shstrndx: u16,
    ) -> Result<(), ElfError> {
        let (data, class) = (self.data, self.class);
        let image = self;
        if shoff == 0 {
            // No section header table at all: nothing more to read.
            return Ok(());
        }
        let entsize = usize::from(shentsize);
        if entsize < class.section_header_size() {
            return Err(ElfError::BadHeader {
                reason: "section header entry size too small",
            });
        }
        let table_at = to_usize(shoff, "section header table")?;
        let first = image.read_section(table_at)?;
        // Extended numbering: with e_shnum == 0, section 0's sh_size holds the count.
        let count = if shnum == 0 {
            to_usize(first.size, "section header table")?
        } else {
            usize::from(shnum)
        };
        let table_len = count.checked_mul(entsize).ok_or(ElfError::Truncated {
            what: "section header table",
        })?;
        if slice(data, table_at, table_len).is_none() {
            return Err(ElfError::Truncated {
                what: "section header table",
            });
        }
        // `count` is now bounded by the file size divided by the entry size.
        let mut sections = Vec::with_capacity(count);
        sections.push(first);
        for index in 1..count {
            // Cannot overflow: the whole table was checked to fit above.
            sections.push(image.read_section(table_at + index * entsize)?);
        }
        let names_index = if u32::from(shstrndx) == SHN_XINDEX {
            sections[0].link as usize
        } else {
            usize::from(shstrndx)
        };
        image.sections = sections;
        if names_index != SHN_UNDEF as usize {
            let names = image.sections.get(names_index).ok_or(ElfError::BadHeader {
                reason: "section name table index out of range",
            })?;
            image.shstrtab = image.section_data_unnamed(names, names_index)?;
        }
        Ok(())
    }

    /// Where in the file the section name table lies, if there is one.
    pub(crate) fn name_table_range(&self) -> Option<std::ops::Range<usize>> {
        let shstrndx_at = match self.class {
            Class::Elf32 => 50,
            Class::Elf64 => 62,
        };
        let shstrndx = self.endian.u16(self.data, shstrndx_at)?;
        let index = if u32::from(shstrndx) == SHN_XINDEX {
            self.sections.first()?.link as usize
        } else {
            usize::from(shstrndx)
        };
        let s = self.sections.get(index)?;
        let start = usize::try_from(s.offset).ok()?;
        Some(start..start.checked_add(usize::try_from(s.size).ok()?)?)
    }

    /// Reads the section header starting at `at`.
    fn read_section(&self, at: usize) -> Result<Section, ElfError> {
        let (class, endian, data) = (self.class, self.endian, self.data);
        let raw = slice(data, at, class.section_header_size()).ok_or(ElfError::Truncated {
            what: "section header table",
        })?;
        let missing = || ElfError::Truncated {
            what: "section header table",
        };
        let u32_at = |offset| endian.u32(raw, offset).ok_or_else(missing);
        let word_at = |offset| endian.word(class, raw, offset).ok_or_else(missing);
        let (flags, addr, offset, size, link, entsize) = match class {
            Class::Elf32 => (8, 12, 16, 20, 24, 36),
            Class::Elf64 => (8, 16, 24, 32, 40, 56),
        };
        Ok(Section {
            name: u32_at(0)?,
            kind: u32_at(4)?,
            flags: word_at(flags)?,
            addr: word_at(addr)?,
            offset: word_at(offset)?,
            size: word_at(size)?,
            link: u32_at(link)?,
            entsize: word_at(entsize)?,
            header_at: at,
        })
    }

    /// The name of `section` as raw bytes, or `None` if its name offset is bad.
    pub(crate) fn name_of(&self, section: &Section) -> Option<&'a [u8]> {
        let start = usize::try_from(section.name).ok()?;
        let rest = self.shstrtab.get(start..)?;
        let end = memchr::memchr(0, rest)?;
        rest.get(..end)
    }

    /// A printable name for `section` (its name, or `#index` if it has none).
    pub(crate) fn display_name(&self, section: &Section, index: usize) -> String {
        match self.name_of(section) {
            Some(name) if !name.is_empty() => String::from_utf8_lossy(name).into_owned(),
            _ => format!("#{index}"),
        }
    }

    /// All sections whose name is exactly `name`, with their indices.
    pub(crate) fn find_all<'s>(
        &'s self,
        name: &'s [u8],
    ) -> impl Iterator<Item = (usize, &'s Section)> + 's {
        self.sections
            .iter()
            .enumerate()
            .skip(1)
            .filter(move |(_, section)| self.name_of(section) == Some(name))
    }

    /// The first section named `name`, with its index.
    pub(crate) fn find(&self, name: &[u8]) -> Option<(usize, &Section)> {
        self.sections
            .iter()
            .enumerate()
            .skip(1)
            .find(|(_, section)| self.name_of(section) == Some(name))
    }

    /// The file contents of section `index` (empty for `SHT_NOBITS`).
    pub(crate) fn section_data(&self, index: usize) -> Result<&'a [u8], ElfError> {
        let section = self
            .sections
            .get(index)
            .ok_or_else(|| ElfError::BadSection {
                name: format!("#{index}"),
                reason: "section index out of range",
            })?;
        match self.section_data_unnamed(section, index) {
            Ok(data) => Ok(data),
            Err(ElfError::BadSection { reason, .. }) => Err(ElfError::BadSection {
                name: self.display_name(section, index),
                reason,
            }),
            Err(other) => Err(other),
        }
    }

    /// Like [`Image::section_data`], but names the section only by index
    /// (usable before the name table is known).
    fn section_data_unnamed(&self, section: &Section, index: usize) -> Result<&'a [u8], ElfError> {
        if section.kind == SHT_NOBITS {
            return Ok(&[]);
        }
        let bad = || ElfError::BadSection {
            name: format!("#{index}"),
            reason: "contents extend past the end of the file",
        };
        let offset = usize::try_from(section.offset).map_err(|_| bad())?;
        let size = usize::try_from(section.size).map_err(|_| bad())?;
        slice(self.data, offset, size).ok_or_else(bad)
    }

    /// Decodes one symbol table entry from `raw` (at least one entry long).
    pub(crate) fn symbol(&self, raw: &[u8]) -> Option<Symbol> {
        let endian = self.endian;
        Some(match self.class {
            Class::Elf32 => Symbol {
                name: endian.u32(raw, 0)?,
                value: u64::from(endian.u32(raw, 4)?),
                shndx: endian.u16(raw, 14)?,
                info: *raw.get(12)?,
            },
            Class::Elf64 => Symbol {
                name: endian.u32(raw, 0)?,
                value: endian.u64(raw, 8)?,
                shndx: endian.u16(raw, 6)?,
                info: *raw.get(4)?,
            },
        })
    }
}

/// Whether `shndx` is one of the reserved special section indices
/// (`SHN_LORESERVE..=SHN_HIRESERVE`).
pub(crate) fn is_reserved_index(shndx: u16) -> bool {
    u32::from(shndx) >= SHN_LORESERVE
}

/// The NUL-terminated string at `offset` in string table `table`.
pub(crate) fn string_at(table: &[u8], offset: u32) -> Option<&[u8]> {
    let rest = table.get(usize::try_from(offset).ok()?..)?;
    let end = memchr::memchr(0, rest)?;
    rest.get(..end)
}
