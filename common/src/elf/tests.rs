//! Unit tests for the ELF reader, the module facts and the builder.

use goblin::elf::section_header::SHF_ALLOC;

use super::builder::{CrcForm, ModuleBuilder};
use super::reader::Image;
use super::*;
use crate::testutil::XorShift;

const COMBOS: [(Class, Endian); 4] = [
    (Class::Elf32, Endian::Little),
    (Class::Elf32, Endian::Big),
    (Class::Elf64, Endian::Little),
    (Class::Elf64, Endian::Big),
];

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn exports(list: &[(&str, Option<u64>)]) -> Vec<Export> {
    list.iter()
        .map(|(name, crc)| Export {
            name: (*name).to_owned(),
            crc: *crc,
        })
        .collect()
}

fn full_module(class: Class, endian: Endian, form: CrcForm) -> ModuleBuilder {
    ModuleBuilder::new(class, endian)
        .modinfo("license", "GPL")
        .modinfo("alias", "pci:v00008086d*")
        .modinfo("alias", "usb:v1234p*")
        .modinfo("depends", "")
        .modinfo("name", "hello")
        .modinfo(
            "vermagic",
            "6.1.0-56-amd64 SMP preempt mod_unload modversions ",
        )
        .version("module_layout", 0x1234_5678)
        .version("printk", 0xdead_beef)
        .crc_form(form)
        .export("foo", Some(0xdead))
        .export("bar_baz", Some(0xffff_fffe))
        .undefined("printk")
        .undefined("kmalloc")
        .undefined("printk")
        .signed(true)
}

fn expected_full(class: Class, endian: Endian) -> ModuleElf {
    ModuleElf {
        class,
        endian,
        machine: match (class, endian) {
            (Class::Elf64, Endian::Little) => 62,
            (Class::Elf32, Endian::Little) => 3,
            (Class::Elf64, Endian::Big) => 21,
            (Class::Elf32, Endian::Big) => 20,
        },
        modinfo: pairs(&[
            ("license", "GPL"),
            ("alias", "pci:v00008086d*"),
            ("alias", "usb:v1234p*"),
            ("depends", ""),
            ("name", "hello"),
            (
                "vermagic",
                "6.1.0-56-amd64 SMP preempt mod_unload modversions ",
            ),
        ]),
        versions: vec![
            SymbolVersion {
                name: "module_layout".into(),
                crc: 0x1234_5678,
            },
            SymbolVersion {
                name: "printk".into(),
                crc: 0xdead_beef,
            },
        ],
        exports: exports(&[("foo", Some(0xdead)), ("bar_baz", Some(0xffff_fffe))]),
        undefined: ["printk", "kmalloc"].into_iter().collect(),
    }
}

#[test]
fn round_trip_all_combinations_absolute_crcs() {
    for (class, endian) in COMBOS {
        let image = full_module(class, endian, CrcForm::Absolute).build();
        let parsed = ModuleElf::parse(&image).expect("parses");
        assert_eq!(parsed, expected_full(class, endian), "{class:?} {endian:?}");
        assert!(has_signature(&image));
    }
}

#[test]
fn round_trip_all_combinations_section_crcs() {
    for (class, endian) in COMBOS {
        let image = full_module(class, endian, CrcForm::Section).build();
        let parsed = ModuleElf::parse(&image).expect("parses");
        assert_eq!(parsed, expected_full(class, endian), "{class:?} {endian:?}");
    }
}

#[test]
fn sixty_four_bit_crcs_survive_absolute_form_on_elf64() {
    let image = ModuleBuilder::new(Class::Elf64, Endian::Little)
        .version("wide", 0x1_0000_0001)
        .export("wide", Some(0x1_0000_0002))
        .build();
    let parsed = ModuleElf::parse(&image).expect("parses");
    assert_eq!(parsed.versions[0].crc, 0x1_0000_0001);
    assert_eq!(parsed.exports, exports(&[("wide", Some(0x1_0000_0002))]));
}

#[test]
fn ksymtab_strings_fallback() {
    for (class, endian) in COMBOS {
        let image = ModuleBuilder::new(class, endian)
            .export("alpha", None)
            .export("beta", None)
            .build();
        let parsed = ModuleElf::parse(&image).expect("parses");
        assert_eq!(parsed.exports, exports(&[("alpha", None), ("beta", None)]));
    }
}

#[test]
fn crc_symbols_take_precedence_over_ksymtab_strings() {
    let image = ModuleBuilder::new(Class::Elf64, Endian::Little)
        .export("with_crc", Some(7))
        .export("without_crc", None)
        .build();
    let parsed = ModuleElf::parse(&image).expect("parses");
    assert_eq!(parsed.exports, exports(&[("with_crc", Some(7))]));
}

#[test]
fn no_exports_without_crcs_or_ksymtab_strings() {
    let image = ModuleBuilder::new(Class::Elf32, Endian::Big)
        .export("hidden", None)
        .ksymtab_strings(false)
        .build();
    let parsed = ModuleElf::parse(&image).expect("parses");
    assert!(parsed.exports.is_empty());
}

#[test]
fn accessors() {
    let image = full_module(Class::Elf64, Endian::Little, CrcForm::Absolute).build();
    let parsed = ModuleElf::parse(&image).expect("parses");
    assert_eq!(parsed.get("license"), Some("GPL"));
    assert_eq!(parsed.get("alias"), Some("pci:v00008086d*"));
    assert_eq!(parsed.get("missing"), None);
    assert_eq!(parsed.get("depends"), Some(""));
    assert_eq!(
        parsed.get_all("alias").collect::<Vec<_>>(),
        ["pci:v00008086d*", "usb:v1234p*"]
    );
    assert_eq!(parsed.get_all("missing").count(), 0);
    assert_eq!(
        parsed.vermagic(),
        Some("6.1.0-56-amd64 SMP preempt mod_unload modversions ")
    );
    assert_eq!(parsed.name(), Some("hello"));

    let bare = ModuleElf::parse(&ModuleBuilder::new(Class::Elf32, Endian::Little).build())
        .expect("parses");
    assert_eq!(bare.vermagic(), None);
    assert_eq!(bare.name(), None);
    assert!(bare.modinfo.is_empty() && bare.versions.is_empty());
    assert!(bare.exports.is_empty() && bare.undefined.is_empty());
}

#[test]
fn modinfo_oddities() {
    let image = ModuleBuilder::new(Class::Elf64, Endian::Big)
        .modinfo_raw(b"no_equals_sign")
        .modinfo("parm", "debug:int=0 means off")
        .modinfo_raw(b"desc=caf\xe9")
        .modinfo_raw(b"=empty key")
        .build();
    let parsed = ModuleElf::parse(&image).expect("parses");
    assert_eq!(
        parsed.modinfo,
        pairs(&[
            ("parm", "debug:int=0 means off"),
            ("desc", "caf\u{fffd}"),
            ("", "empty key"),
        ])
    );
}

#[test]
fn extended_versions_follow_basic_ones() {
    for (class, endian) in COMBOS {
        let long = "a".repeat(100);
        let image = ModuleBuilder::new(class, endian)
            .version("module_layout", 1)
            .extended_version(&long, 2)
            .extended_version("short", 3)
            .build();
        let parsed = ModuleElf::parse(&image).expect("parses");
        let got: Vec<(&str, u64)> = parsed
            .versions
            .iter()
            .map(|v| (v.name.as_str(), v.crc))
            .collect();
        assert_eq!(
            got,
            [("module_layout", 1), (long.as_str(), 2), ("short", 3)]
        );
    }
}

#[test]
fn signature_trailer() {
    let plain = ModuleBuilder::new(Class::Elf64, Endian::Little).build();
    let signed = ModuleBuilder::new(Class::Elf64, Endian::Little)
        .signed(true)
        .build();
    assert!(!has_signature(&plain));
    assert!(has_signature(&signed));
    assert!(!has_signature(b""));
    assert!(has_signature(SIGNATURE_MAGIC));
    assert!(!has_signature(&SIGNATURE_MAGIC[1..]));
    // The trailer does not disturb parsing.
    assert_eq!(
        ModuleElf::parse(&plain).expect("parses"),
        ModuleElf::parse(&signed).expect("parses")
    );
}

fn section_flags(image: &[u8], name: &[u8]) -> Vec<u64> {
    let img = Image::parse(image).expect("parses");
    img.find_all(name).map(|(_, s)| s.flags).collect()
}

#[test]
fn strip_for_force_hides_versions_and_vermagic() {
    let alloc = u64::from(SHF_ALLOC);
    for (class, endian) in COMBOS {
        let original = full_module(class, endian, CrcForm::Section)
            .extended_version("long_name", 9)
            .build();
        for name in [VERSIONS, VERSION_EXT_CRCS, VERSION_EXT_NAMES] {
            assert_eq!(section_flags(&original, name), [alloc]);
        }

        let mut image = original.clone();
        strip_for_force(&mut image, true, true).expect("strips");
        assert_eq!(image.len(), original.len());
        for name in [VERSIONS, VERSION_EXT_CRCS, VERSION_EXT_NAMES] {
            assert_eq!(section_flags(&image, name), [0], "{class:?} {endian:?}");
        }
        let before = ModuleElf::parse(&original).expect("parses");
        let after = ModuleElf::parse(&image).expect("parses");
        assert_eq!(after.vermagic(), None);
        let mut expected = before.clone();
        expected.modinfo.retain(|(k, _)| k != "vermagic");
        assert_eq!(after, expected);

        // Each switch alone touches only its part.
        let mut only_versions = original.clone();
        strip_for_force(&mut only_versions, true, false).expect("strips");
        assert_eq!(section_flags(&only_versions, VERSIONS), [0]);
        assert_eq!(ModuleElf::parse(&only_versions).expect("parses"), before);

        let mut only_vermagic = original.clone();
        strip_for_force(&mut only_vermagic, false, true).expect("strips");
        assert_eq!(section_flags(&only_vermagic, VERSIONS), [alloc]);
        assert_eq!(ModuleElf::parse(&only_vermagic).expect("parses"), expected);

        let mut untouched = original.clone();
        strip_for_force(&mut untouched, false, false).expect("strips");
        assert_eq!(untouched, original);
    }
}

#[test]
fn strip_for_force_without_those_sections_is_a_no_op() {
    for (class, endian) in COMBOS {
        let original = ModuleBuilder::new(class, endian)
            .export("foo", Some(1))
            .undefined("bar")
            .build();
        let mut image = original.clone();
        strip_for_force(&mut image, true, true).expect("no-op");
        assert_eq!(image, original);

        let original = ModuleBuilder::new(class, endian)
            .modinfo("license", "GPL")
            .build();
        let mut image = original.clone();
        strip_for_force(&mut image, true, true).expect("no-op");
        assert_eq!(image, original);
    }
}

#[test]
fn strip_for_force_rejects_non_elf() {
    let mut junk = b"definitely not an elf file".to_vec();
    assert_eq!(
        strip_for_force(&mut junk, true, true),
        Err(ElfError::NotElf)
    );
}

#[test]
fn non_elf_and_bad_identification() {
    assert_eq!(ModuleElf::parse(b""), Err(ElfError::NotElf));
    assert_eq!(ModuleElf::parse(b"\x7fEL"), Err(ElfError::NotElf));
    assert_eq!(ModuleElf::parse(b"MZ\x90\x00 hello"), Err(ElfError::NotElf));
    assert!(matches!(
        ModuleElf::parse(b"\x7fELF\x02\x01"),
        Err(ElfError::Truncated { .. })
    ));
    let mut image = ModuleBuilder::new(Class::Elf64, Endian::Little).build();
    image[4] = 3;
    assert_eq!(ModuleElf::parse(&image), Err(ElfError::BadClass(3)));
    image[4] = 2;
    image[5] = 0;
    assert_eq!(ModuleElf::parse(&image), Err(ElfError::BadEndian(0)));
}

/// Writes `value` into `image` at `at` in the image's byte order.
fn put(image: &mut [u8], endian: Endian, at: usize, value: u64, width: usize) {
    let bytes = match endian {
        Endian::Little => value.to_le_bytes()[..width].to_vec(),
        Endian::Big => value.to_be_bytes()[8 - width..].to_vec(),
    };
    image[at..at + width].copy_from_slice(&bytes);
}

#[test]
fn extended_section_numbering() {
    for (class, endian) in COMBOS {
        let original = full_module(class, endian, CrcForm::Absolute).build();
        let img = Image::parse(&original).expect("parses");
        let count = img.sections.len() as u64;
        let shstrndx = count - 1;
        let first = img.sections[0].header_at;
        let (word, shnum_at, size_at, link_at) = match class {
            Class::Elf32 => (4, 48, 20, 24),
            Class::Elf64 => (8, 60, 32, 40),
        };
        let mut image = original.clone();
        put(&mut image, endian, shnum_at, 0, 2);
        put(&mut image, endian, shnum_at + 2, 0xffff, 2);
        put(&mut image, endian, first + size_at, count, word);
        put(&mut image, endian, first + link_at, shstrndx, 4);
        assert_eq!(
            ModuleElf::parse(&image).expect("parses"),
            ModuleElf::parse(&original).expect("parses")
        );
    }
}

#[test]
fn every_truncation_is_handled() {
    for (class, endian) in COMBOS {
        for form in [CrcForm::Absolute, CrcForm::Section] {
            let image = full_module(class, endian, form)
                .extended_version("ext", 5)
                .signed(false)
                .build();
            for len in 0..image.len() {
                let cut = &image[..len];
                let result = ModuleElf::parse(cut);
                if len < 4 {
                    assert_eq!(result, Err(ElfError::NotElf));
                }
                // The section header table is at the end: every strict
                // prefix loses at least part of it.
                assert!(result.is_err(), "len {len} parsed");
                let mut copy = cut.to_vec();
                let _ = strip_for_force(&mut copy, true, true);
            }
        }
    }
}

#[test]
fn random_byte_flips_never_panic() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut parsed_ok = 0;
    for (class, endian) in COMBOS {
        for form in [CrcForm::Absolute, CrcForm::Section] {
            let image = full_module(class, endian, form)
                .extended_version("ext", 5)
                .build();
            let shoff = Image::parse(&image).expect("parses").sections[0].header_at;
            for round in 0..1500 {
                let mut copy = image.clone();
                let flips = 1 + rng.below(4);
                for _ in 0..flips {
                    // Bias half of the flips towards the headers, where
                    // offsets and sizes live.
                    let at = match round % 3 {
                        0 => rng.below(class.header_size()),
                        1 => shoff + rng.below(copy.len() - shoff),
                        _ => rng.below(copy.len()),
                    };
                    copy[at] = match rng.below(4) {
                        0 => 0,
                        1 => 0xff,
                        2 => copy[at] ^ (1 << rng.below(8)),
                        _ => rng.next() as u8,
                    };
                }
                if ModuleElf::parse(&copy).is_ok() {
                    parsed_ok += 1;
                }
                let _ = strip_for_force(&mut copy, true, true);
                assert_eq!(copy.len(), image.len());
            }
        }
    }
    // Sanity: the mutations are not all fatal.
    assert!(parsed_ok > 0);
}

#[test]
fn errors_read_well() {
    assert_eq!(ElfError::NotElf.to_string(), "not an ELF file");
    let err = ElfError::BadSection {
        name: "__versions".into(),
        reason: "size is not a multiple of the record size",
    };
    assert_eq!(
        err.to_string(),
        "malformed section __versions: size is not a multiple of the record size"
    );
}
