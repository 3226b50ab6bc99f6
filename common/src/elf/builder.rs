//! A builder for small synthetic kernel module images, for tests and fuzz
//! seeds.
//!
//! The result is a minimal relocatable (`ET_REL`) ELF file of any class and
//! byte order with the sections [`ModuleElf::parse`](super::ModuleElf::parse)
//! reads: the null section, `.modinfo`, `__versions`, the extended version
//! sections, a `.rodata` section for section-stored CRCs,
//! `__ksymtab_strings`, `.symtab`, `.strtab` and `.shstrtab`. Optional
//! sections are only emitted when they have contents. It contains no code
//! and cannot be loaded by a kernel.
//!
//! ```
//! use common::elf::builder::ModuleBuilder;
//! use common::elf::{Class, Endian, ModuleElf};
//!
//! let image = ModuleBuilder::new(Class::Elf64, Endian::Big)
//!     .modinfo("license", "GPL")
//!     .version("module_layout", 0x1234)
//!     .export("foo", Some(0xdead))
//!     .undefined("printk")
//!     .signed(true)
//!     .build();
//! let module = ModuleElf::parse(&image).expect("parses");
//! assert_eq!(module.get("license"), Some("GPL"));
//! ```

use goblin::elf::header::{EM_386, EM_PPC, EM_PPC64, EM_X86_64, ET_REL, EV_CURRENT};
use goblin::elf::section_header::{SHF_ALLOC, SHN_ABS, SHT_PROGBITS, SHT_STRTAB, SHT_SYMTAB};
use goblin::elf::sym::{STB_GLOBAL, STT_NOTYPE, STT_OBJECT};

use super::{Class, Endian, SIGNATURE_MAGIC};

/// How `__crc_<sym>` symbols carry an export's CRC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CrcForm {
    /// Absolute symbol (`st_shndx == SHN_ABS`) whose value is the CRC
    /// (older kernels).
    #[default]
    Absolute,
    /// Symbol pointing at a `u32` CRC stored in a `.rodata` section
    /// (relocatable CRCs, newer kernels).
    Section,
}

/// Builds a synthetic module image; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleBuilder {
    class: Class,
    endian: Endian,
    machine: u16,
    modinfo: Vec<Vec<u8>>,
    versions: Vec<(String, u64)>,
    ext_versions: Vec<(String, u32)>,
    exports: Vec<(String, Option<u64>)>,
    crc_form: CrcForm,
    ksymtab_strings: bool,
    undefined: Vec<String>,
    signed: bool,
}

/// One section to be laid out.
struct SectionSpec {
    name: &'static str,
    kind: u32,
    flags: u64,
    data: Vec<u8>,
    link: u32,
    info: u32,
    align: u64,
    entsize: u64,
}

/// Encodes integers in the target's class and byte order.
#[derive(Clone, Copy)]
struct Enc {
    class: Class,
    endian: Endian,
}

impl Enc {
    fn u16(self, out: &mut Vec<u8>, value: u16) {
        out.extend_from_slice(&match self.endian {
            Endian::Little => value.to_le_bytes(),
            Endian::Big => value.to_be_bytes(),
        });
    }

    fn u32(self, out: &mut Vec<u8>, value: u32) {
        out.extend_from_slice(&match self.endian {
            Endian::Little => value.to_le_bytes(),
            Endian::Big => value.to_be_bytes(),
        });
    }

    fn u64(self, out: &mut Vec<u8>, value: u64) {
        out.extend_from_slice(&match self.endian {
            Endian::Little => value.to_le_bytes(),
            Endian::Big => value.to_be_bytes(),
        });
    }

    /// An address-sized word; truncated to 32 bits for ELF32.
    fn word(self, out: &mut Vec<u8>, value: u64) {
        match self.class {
            Class::Elf32 => self.u32(out, value as u32),
            Class::Elf64 => self.u64(out, value),
        }
    }
}

/// A string table under construction (offset 0 is the empty string).
struct StrTab(Vec<u8>);

impl StrTab {
    fn new() -> Self {
        StrTab(vec![0])
    }

    fn add(&mut self, name: &str) -> u32 {
        if name.is_empty() {
            return 0;
        }
        let at = self.0.len() as u32;
        self.0.extend_from_slice(name.as_bytes());
        self.0.push(0);
        at
    }
}

/// Pads `out` with zeros up to a multiple of `align`.
fn pad_to(out: &mut Vec<u8>, align: u64) {
    let align = align.max(1) as usize;
    while out.len() % align != 0 {
        out.push(0);
    }
}

impl ModuleBuilder {
    /// Starts an empty module of the given class and byte order. The machine
    /// defaults to x86-64 / i386 (little endian) or ppc64 / ppc (big endian).
    pub fn new(class: Class, endian: Endian) -> Self {
        let machine = match (class, endian) {
            (Class::Elf64, Endian::Little) => EM_X86_64,
            (Class::Elf32, Endian::Little) => EM_386,
            (Class::Elf64, Endian::Big) => EM_PPC64,
            (Class::Elf32, Endian::Big) => EM_PPC,
        };
        ModuleBuilder {
            class,
            endian,
            machine,
            modinfo: Vec::new(),
            versions: Vec::new(),
            ext_versions: Vec::new(),
            exports: Vec::new(),
            crc_form: CrcForm::default(),
            ksymtab_strings: true,
            undefined: Vec::new(),
            signed: false,
        }
    }

    /// Sets `e_machine`.
    pub fn machine(mut self, machine: u16) -> Self {
        self.machine = machine;
        self
    }

    /// Appends a `key=value` string to `.modinfo`. Entries are padded to
    /// 4-byte boundaries with NULs, as linked modules often are.
    pub fn modinfo(mut self, key: &str, value: &str) -> Self {
        self.modinfo.push(format!("{key}={value}").into_bytes());
        self
    }

    /// Appends raw bytes as one `.modinfo` string (a NUL terminator is
    /// added), e.g. to test strings without `=` or invalid UTF-8.
    pub fn modinfo_raw(mut self, entry: &[u8]) -> Self {
        self.modinfo.push(entry.to_vec());
        self
    }

    /// Appends a `__versions` record. Names longer than the record's name
    /// field (55 bytes on ELF64, 59 on ELF32) are truncated; the CRC is
    /// truncated to 32 bits on ELF32.
    pub fn version(mut self, name: &str, crc: u64) -> Self {
        self.versions.push((name.to_owned(), crc));
        self
    }

    /// Appends an extended version record (`__version_ext_crcs` /
    /// `__version_ext_names`), as kernels with long symbol names emit.
    pub fn extended_version(mut self, name: &str, crc: u32) -> Self {
        self.ext_versions.push((name.to_owned(), crc));
        self
    }

    /// Adds an exported symbol. With `Some(crc)` a `__crc_<name>` symbol is
    /// emitted in the current [`CrcForm`]; the name also goes into
    /// `__ksymtab_strings` unless that was turned off.
    pub fn export(mut self, name: &str, crc: Option<u64>) -> Self {
        self.exports.push((name.to_owned(), crc));
        self
    }

    /// Chooses how `__crc_` symbols carry their CRC (default: absolute).
    /// With [`CrcForm::Section`] CRCs are stored as 32-bit values.
    pub fn crc_form(mut self, form: CrcForm) -> Self {
        self.crc_form = form;
        self
    }

    /// Whether to emit `__ksymtab_strings` with the exported names
    /// (default: yes, when there are exports).
    pub fn ksymtab_strings(mut self, emit: bool) -> Self {
        self.ksymtab_strings = emit;
        self
    }

    /// Adds an undefined (imported) symbol to `.symtab`.
    pub fn undefined(mut self, name: &str) -> Self {
        self.undefined.push(name.to_owned());
        self
    }

    /// Whether to append a (fake) module signature and its trailer.
    pub fn signed(mut self, signed: bool) -> Self {
        self.signed = signed;
        self
    }

    /// Lays out and returns the image.
    pub fn build(&self) -> Vec<u8> {
        let enc = Enc {
            class: self.class,
            endian: self.endian,
        };
        let word_align: u64 = match self.class {
            Class::Elf32 => 4,
            Class::Elf64 => 8,
        };
        let alloc = u64::from(SHF_ALLOC);
        let mut sections: Vec<SectionSpec> = Vec::new();

        if !self.modinfo.is_empty() {
            let mut data = Vec::new();
            for entry in &self.modinfo {
                data.extend_from_slice(entry);
                data.push(0);
                pad_to(&mut data, 4);
            }
            sections.push(SectionSpec {
                name: ".modinfo",
                kind: SHT_PROGBITS,
                flags: alloc,
                data,
                link: 0,
                info: 0,
                align: 1,
                entsize: 0,
            });
        }

        if !self.versions.is_empty() {
            let name_len = match self.class {
                Class::Elf32 => 60,
                Class::Elf64 => 56,
            };
            let mut data = Vec::new();
            for (name, crc) in &self.versions {
                enc.word(&mut data, *crc);
                let mut field = name.as_bytes().to_vec();
                field.truncate(name_len - 1);
                field.resize(name_len, 0);
                data.extend_from_slice(&field);
            }
            sections.push(SectionSpec {
                name: "__versions",
                kind: SHT_PROGBITS,
                flags: alloc,
                data,
                link: 0,
                info: 0,
                align: word_align,
                entsize: 0,
            });
        }

        if !self.ext_versions.is_empty() {
            let mut crcs = Vec::new();
            let mut names = Vec::new();
            for (name, crc) in &self.ext_versions {
                enc.u32(&mut crcs, *crc);
                names.extend_from_slice(name.as_bytes());
                names.push(0);
            }
            for (name, data, align) in [
                ("__version_ext_crcs", crcs, 4),
                ("__version_ext_names", names, 1),
            ] {
                sections.push(SectionSpec {
                    name,
                    kind: SHT_PROGBITS,
                    flags: alloc,
                    data,
                    link: 0,
                    info: 0,
                    align,
                    entsize: 0,
                });
            }
        }

        // CRCs stored in a section: the symbol value is the offset in it.
        let mut crc_values = Vec::new();
        let mut rodata_index = None;
        if self.crc_form == CrcForm::Section {
            let mut data = Vec::new();
            for (_, crc) in &self.exports {
                if let Some(crc) = crc {
                    crc_values.push(data.len() as u64);
                    enc.u32(&mut data, *crc as u32);
                }
            }
            if !data.is_empty() {
                // +1 for the null section in front.
                rodata_index = Some(sections.len() as u16 + 1);
                sections.push(SectionSpec {
                    name: ".rodata",
                    kind: SHT_PROGBITS,
                    flags: alloc,
                    data,
                    link: 0,
                    info: 0,
                    align: 4,
                    entsize: 0,
                });
            }
        }

        if self.ksymtab_strings && !self.exports.is_empty() {
            let mut data = Vec::new();
            for (name, _) in &self.exports {
                data.extend_from_slice(name.as_bytes());
                data.push(0);
            }
            sections.push(SectionSpec {
                name: "__ksymtab_strings",
                kind: SHT_PROGBITS,
                flags: alloc,
                data,
                link: 0,
                info: 0,
                align: 1,
                entsize: 1,
            });
        }

        // Symbol table: the null symbol, then global symbols only.
        let symtab_index = sections.len() as u32 + 1;
        let strtab_index = symtab_index + 1;
        let mut strtab = StrTab::new();
        let mut symtab = Vec::new();
        let mut symbol = |name: u32, value: u64, info: u8, shndx: u16| match self.class {
            Class::Elf32 => {
                enc.u32(&mut symtab, name);
                enc.u32(&mut symtab, value as u32);
                enc.u32(&mut symtab, 0);
                symtab.push(info);
                symtab.push(0);
                enc.u16(&mut symtab, shndx);
            }
            Class::Elf64 => {
                enc.u32(&mut symtab, name);
                symtab.push(info);
                symtab.push(0);
                enc.u16(&mut symtab, shndx);
                enc.u64(&mut symtab, value);
                enc.u64(&mut symtab, 0);
            }
        };
        symbol(0, 0, 0, 0);
        let mut crc_values = crc_values.into_iter();
        for (name, crc) in &self.exports {
            let Some(crc) = crc else { continue };
            let name = strtab.add(&format!("__crc_{name}"));
            match (rodata_index, crc_values.next()) {
                (Some(shndx), Some(offset)) => {
                    symbol(name, offset, (STB_GLOBAL << 4) | STT_OBJECT, shndx);
                }
                _ => symbol(name, *crc, (STB_GLOBAL << 4) | STT_NOTYPE, SHN_ABS as u16),
            }
        }
        for name in &self.undefined {
            let name = strtab.add(name);
            symbol(name, 0, (STB_GLOBAL << 4) | STT_NOTYPE, 0);
        }
        sections.push(SectionSpec {
            name: ".symtab",
            kind: SHT_SYMTAB,
            flags: 0,
            data: symtab,
            link: strtab_index,
            info: 1,
            align: word_align,
            entsize: self.class.symbol_size() as u64,
        });
        sections.push(SectionSpec {
            name: ".strtab",
            kind: SHT_STRTAB,
            flags: 0,
            data: strtab.0,
            link: 0,
            info: 0,
            align: 1,
            entsize: 0,
        });

        let mut shstrtab = StrTab::new();
        let mut names: Vec<u32> = sections
            .iter()
            .map(|section| shstrtab.add(section.name))
            .collect();
        names.push(shstrtab.add(".shstrtab"));
        sections.push(SectionSpec {
            name: ".shstrtab",
            kind: SHT_STRTAB,
            flags: 0,
            data: shstrtab.0,
            link: 0,
            info: 0,
            align: 1,
            entsize: 0,
        });
        let shstrndx = sections.len() as u16;

        // Layout: header, section contents, section header table.
        let mut out = vec![0; self.class.header_size()];
        let mut offsets = Vec::new();
        for section in &sections {
            pad_to(&mut out, section.align);
            offsets.push(out.len() as u64);
            out.extend_from_slice(&section.data);
        }
        pad_to(&mut out, word_align);
        let shoff = out.len() as u64;
        out.resize(out.len() + self.class.section_header_size(), 0);
        for ((section, offset), name) in sections.iter().zip(&offsets).zip(&names) {
            enc.u32(&mut out, *name);
            enc.u32(&mut out, section.kind);
            enc.word(&mut out, section.flags);
            enc.word(&mut out, 0);
            enc.word(&mut out, *offset);
            enc.word(&mut out, section.data.len() as u64);
            enc.u32(&mut out, section.link);
            enc.u32(&mut out, section.info);
            enc.word(&mut out, section.align);
            enc.word(&mut out, section.entsize);
        }

        let mut header = Vec::new();
        header.extend_from_slice(goblin::elf::header::ELFMAG);
        header.push(match self.class {
            Class::Elf32 => goblin::elf::header::ELFCLASS32,
            Class::Elf64 => goblin::elf::header::ELFCLASS64,
        });
        header.push(match self.endian {
            Endian::Little => goblin::elf::header::ELFDATA2LSB,
            Endian::Big => goblin::elf::header::ELFDATA2MSB,
        });
        header.push(EV_CURRENT);
        header.resize(16, 0);
        enc.u16(&mut header, ET_REL);
        enc.u16(&mut header, self.machine);
        enc.u32(&mut header, u32::from(EV_CURRENT));
        enc.word(&mut header, 0); // e_entry
        enc.word(&mut header, 0); // e_phoff
        enc.word(&mut header, shoff);
        enc.u32(&mut header, 0); // e_flags
        enc.u16(&mut header, self.class.header_size() as u16);
        enc.u16(&mut header, 0); // e_phentsize
        enc.u16(&mut header, 0); // e_phnum
        enc.u16(&mut header, self.class.section_header_size() as u16);
        enc.u16(&mut header, sections.len() as u16 + 1);
        enc.u16(&mut header, shstrndx);
        out[..header.len()].copy_from_slice(&header);

        if self.signed {
            // Fake PKCS#7 blob, then struct module_signature (algo, hash,
            // id_type = PKEY_ID_PKCS7, signer_len, key_id_len, 3 pad bytes,
            // big-endian sig_len), then the marker.
            let blob = [0x30, 0x80, 0x00, 0x00];
            out.extend_from_slice(&blob);
            out.extend_from_slice(&[0, 0, 2, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&(blob.len() as u32).to_be_bytes());
            out.extend_from_slice(SIGNATURE_MAGIC);
        }
        out
    }
}
