//! Writes small synthetic modules of every class and byte order (`common::elf::builder`) into
//! the directory given as the argument: seeds for the `elf` and `module_file` targets, which the
//! real (x86-64, little-endian) Debian modules don't cover. Run by `fuzz/run.sh`.

use std::path::PathBuf;

use common::elf::builder::{CrcForm, ModuleBuilder};
use common::elf::{Class, Endian};

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: builder_seeds DIR"));
    std::fs::create_dir_all(&dir).expect("creating the seed directory");
    for class in [Class::Elf32, Class::Elf64] {
        for endian in [Endian::Little, Endian::Big] {
            for (form, signed) in [(CrcForm::Absolute, false), (CrcForm::Section, true)] {
                let image = ModuleBuilder::new(class, endian)
                    .modinfo("license", "GPL")
                    .modinfo("alias", "pci:v00008086d*sv*sd*bc*sc*i*")
                    .modinfo("vermagic", "6.1.0 SMP mod_unload")
                    .modinfo("parm", "debug:Debug level (int)")
                    .version("module_layout", 0x1234_5678)
                    .extended_version("a_very_long_symbol_name", 0xabcd)
                    .export("foo", Some(0xdead_beef))
                    .crc_form(form)
                    .undefined("printk")
                    .signed(signed)
                    .build();
                let name = format!("{class:?}-{endian:?}-{form:?}-{signed}.ko");
                std::fs::write(dir.join(name), image).expect("writing a seed");
            }
        }
    }
}
