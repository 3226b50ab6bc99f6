//! insmod beside Debian's kmod insmod on the host. The host kernel has no module support, so
//! these cover everything up to the syscall (argument handling, opening, decompression); the
//! kernel's answers are tested in QEMU by `tests/vm`.

use std::io::Write;
use std::path::Path;

use common::elf::builder::ModuleBuilder;
use common::elf::{Class, Endian};
use tests::{assert_like_kmod, TempDir};

const INSMOD: &str = env!("CARGO_BIN_EXE_insmod");

fn ours() -> &'static Path {
    Path::new(INSMOD)
}

fn module() -> Vec<u8> {
    ModuleBuilder::new(Class::Elf64, Endian::Little)
        .modinfo("license", "GPL")
        .modinfo("name", "synthetic")
        .modinfo(
            "vermagic",
            "6.1.0-0-amd64 SMP preempt mod_unload modversions ",
        )
        .undefined("printk")
        .build()
}

fn xz(data: &[u8]) -> Vec<u8> {
    let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
    e.write_all(data).expect("xz");
    e.finish().expect("xz")
}

#[test]
fn missing_filename() {
    let o = assert_like_kmod(ours(), "insmod", &[], true);
    assert_eq!(o.code, 1);
    assert_eq!(o.stderr, "insmod: ERROR: missing filename.\n");
}

#[test]
fn missing_file() {
    let o = assert_like_kmod(ours(), "insmod", &["/nonexistent/x.ko"], true);
    assert_eq!(o.code, 1);
}

#[test]
fn directory() {
    let dir = TempDir::new("insmod-dir");
    let arg = dir.path().to_str().expect("utf-8 temp dir");
    let o = assert_like_kmod(ours(), "insmod", &[arg], true);
    assert!(o.stderr.ends_with(": Is a directory\n"), "{}", o.stderr);
}

#[test]
fn unknown_option_exits_1() {
    assert_like_kmod(ours(), "insmod", &["--bogus"], false);
}

#[test]
fn plain_and_xz_modules_reach_the_kernel() {
    // Both tools hand the module to the kernel and print its answer (on this host: ENOSYS).
    let dir = TempDir::new("insmod-syscall");
    let plain = dir.path().join("synthetic.ko");
    std::fs::write(&plain, module()).expect("write");
    let packed = dir.path().join("synthetic.ko.xz");
    std::fs::write(&packed, xz(&module())).expect("write");
    for file in [&plain, &packed] {
        let arg = file.to_str().expect("utf-8");
        let o = assert_like_kmod(ours(), "insmod", &[arg, "p=1"], true);
        assert_eq!(o.code, 1);
        assert!(o
            .stderr
            .starts_with(&format!("insmod: ERROR: could not insert module {arg}: ")));
    }
}

#[test]
fn corrupt_xz_is_named() {
    let dir = TempDir::new("insmod-corrupt");
    let file = dir.path().join("broken.ko.xz");
    let mut data = xz(&module());
    data.truncate(data.len() / 2);
    std::fs::write(&file, data).expect("write");
    let arg = file.to_str().expect("utf-8");
    let o = assert_like_kmod(ours(), "insmod", &[arg], false);
    assert_eq!(o.code, 1);
    // Unless the kernel decompresses xz itself, we decompress and must say what is wrong.
    if !Path::new("/sys/module/compression").exists() {
        assert!(
            o.stderr
                .starts_with(&format!("insmod: ERROR: could not insert module {arg}: ")),
            "{}",
            o.stderr
        );
        assert!(o.stderr.contains("corrupt xz stream"), "{}", o.stderr);
        assert_eq!(
            o.stderr.matches(arg).count(),
            1,
            "path named once: {}",
            o.stderr
        );
    }
}
