//! `cargo xtask`: build-time jobs that need the tools' clap definitions.
//!
//! `cargo run -p xtask -- assets DIR` writes, for `kmod` and each tool (through the `kmod`
//! crate's [`kmod::TOOLS`], which names every tool's `command()`):
//! - `DIR/man/man8/<tool>.8`: the man page (clap_mangen), section 8, and `kmod-<command>.8`
//!   for kmod's commands;
//! - `DIR/completions/bash/<tool>`, `DIR/completions/zsh/_<tool>`,
//!   `DIR/completions/fish/<tool>.fish` (clap_complete).
//!
//! The Makefile's `install` target runs it and copies the files into place. The output depends
//! only on the sources (no dates), so it can be compared and cached.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use clap::Command;
use clap_complete::Shell;

const USAGE: &str = "usage: cargo run -p xtask -- assets DIR";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match args.as_slice() {
        [cmd, dir] if cmd == "assets" => match assets(Path::new(dir)) {
            Ok(n) => {
                println!("xtask: wrote {n} files under {dir}");
                0
            }
            Err(e) => {
                eprintln!("xtask: ERROR: {e}");
                1
            }
        },
        _ => {
            eprintln!("{USAGE}");
            2
        }
    };
    std::process::exit(code);
}

/// Every command to document: kmod's own and its subcommands' (`kmod-list`, ..., as kmod.8
/// refers to them), then the tools'.
fn commands() -> Vec<Command> {
    let kmod = kmod::command();
    let subcommands = kmod.get_subcommands().map(|sub| {
        // clap wants a &'static str here (its `string` feature would change every tool's build).
        let name: &'static str = format!("kmod-{}", sub.get_name()).leak();
        sub.clone().name(name)
    });
    std::iter::once(kmod.clone())
        .chain(subcommands)
        .chain(kmod::TOOLS.iter().map(|t| (t.command)()))
        .collect()
}

/// Writes the man pages and completions under `dir`; returns how many files.
fn assets(dir: &Path) -> io::Result<usize> {
    let mut written = 0;
    let man = dir.join("man/man8");
    let comp = dir.join("completions");
    for d in [
        &man,
        &comp.join("bash"),
        &comp.join("zsh"),
        &comp.join("fish"),
    ] {
        fs::create_dir_all(d).map_err(|e| with_path(d, e))?;
    }
    for cmd in commands() {
        let name = cmd.get_name().to_string();
        let mut page = Vec::new();
        clap_mangen::Man::new(cmd.clone())
            .section("8")
            .manual("System Administration")
            .source(concat!("modutils-rs ", env!("CARGO_PKG_VERSION")))
            .render(&mut page)?;
        write(&man.join(format!("{name}.8")), &page)?;
        written += 1;
        if name.starts_with("kmod-") {
            continue; // a subcommand: completed as part of kmod
        }
        for (shell, file) in [
            (Shell::Bash, comp.join("bash").join(&name)),
            (Shell::Zsh, comp.join("zsh").join(format!("_{name}"))),
            (Shell::Fish, comp.join("fish").join(format!("{name}.fish"))),
        ] {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd.clone(), &name, &mut script);
            write(&file, &script)?;
            written += 1;
        }
    }
    Ok(written)
}

fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    fs::write(path, bytes).map_err(|e| with_path(path, e))
}

fn with_path(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", PathBuf::from(path).display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tool_gets_a_page_and_three_completions() {
        let dir = std::env::temp_dir().join(format!("xtask-assets-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(assets(&dir).expect("assets"), 10 + 7 * 3);
        let read = |p: &str| fs::read_to_string(dir.join(p)).expect(p);
        let page = read("man/man8/modprobe.8");
        assert!(page.starts_with(".ie \\n(.g .ds Aq"), "{}", &page[..80]);
        assert!(page.contains(".TH modprobe 8"), "{page}");
        assert!(page.contains("show\\-depends"), "{page}");
        assert!(read("man/man8/kmod.8").contains("kmod\\-static\\-nodes(8)"));
        assert!(read("man/man8/kmod-static-nodes.8").contains("tmpfiles"));
        assert!(read("completions/bash/depmod").contains("complete -F _depmod"));
        assert!(read("completions/zsh/_insmod").starts_with("#compdef insmod"));
        assert!(read("completions/fish/modinfo.fish").contains("complete -c modinfo"));
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
