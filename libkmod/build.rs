//! Exports libkmod's functions with kmod's symbol versions, from `symbols.txt`:
//!
//! - a linker version script (`LIBKMOD_5 { global: kmod_new; ... local: *; };` and so on,
//!   each version inheriting the one before), and the soname `libkmod.so.2`;
//! - `exports.rs`, included by `src/lib.rs`: one `global_asm!` that defines each exported
//!   symbol as a jump to the Rust function of the same name in `api`.
//!
//! Why not `#[no_mangle]`: rustc gives a cdylib its own anonymous version script listing every
//! `#[no_mangle]` function, and the linker then exports those unversioned (lld) or refuses a
//! second script (GNU ld). Symbols defined in assembly are not on rustc's list, so ours decides
//! their versions. This needs lld, rustc's default linker on x86_64 Linux since 1.90;
//! tests/diff/libkmod.sh checks every version with objdump.

// A build script stops with a message on anything unexpected: that is what unwrap does.
#![allow(clippy::unwrap_used)]

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    let list = manifest.join("symbols.txt");
    println!("cargo:rerun-if-changed={}", list.display());
    println!("cargo:rerun-if-changed=src/log_shim.c");
    let text = fs::read_to_string(&list).expect("libkmod/symbols.txt");
    // (version, [symbols]) in file order.
    let mut versions: Vec<(String, Vec<String>)> = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let mut words = line.split_whitespace();
        let (Some(version), Some(symbol), None) = (words.next(), words.next(), words.next()) else {
            panic!("symbols.txt: bad line {line:?}");
        };
        match versions.iter_mut().find(|(v, _)| v == version) {
            Some((_, syms)) => syms.push(symbol.to_string()),
            None => versions.push((version.to_string(), vec![symbol.to_string()])),
        }
    }

    let mut script = String::new();
    for (i, (version, syms)) in versions.iter().enumerate() {
        writeln!(script, "{version} {{\nglobal:").unwrap();
        for s in syms {
            writeln!(script, "\t{s};").unwrap();
        }
        if i == 0 {
            script.push_str("local:\n\t*;\n};\n");
        } else {
            writeln!(script, "}} {};", versions[i - 1].0).unwrap();
        }
    }
    let script_path = out.join("libkmod.sym");
    fs::write(&script_path, script).unwrap();
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        script_path.display()
    );
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libkmod.so.2");

    let arch = env::var("CARGO_CFG_TARGET_ARCH").unwrap();
    let (jump, kind) = match arch.as_str() {
        "x86_64" | "x86" => ("jmp", "@function"),
        "aarch64" => ("b", "%function"),
        "riscv64" => ("tail", "@function"),
        other => panic!("libkmod: no exports trampoline for {other}"),
    };
    let mut asm = String::from("std::arch::global_asm!(\n");
    let all: Vec<&String> = versions.iter().flat_map(|(_, s)| s).collect();
    for s in &all {
        writeln!(
            asm,
            "    \".globl {s}\", \".type {s}, {kind}\", \"{s}:\", \"{jump} {{{s}}}\", \".size {s}, . - {s}\","
        )
        .unwrap();
    }
    for s in &all {
        writeln!(asm, "    {s} = sym crate::api::{s},").unwrap();
    }
    asm.push_str(");\n");
    fs::write(out.join("exports.rs"), asm).unwrap();

    cc::Build::new()
        .file("src/log_shim.c")
        .warnings(true)
        .compile("kmod_log_shim");
}
