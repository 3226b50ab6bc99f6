//! Every input a fuzz target (`fuzz/`, see `fuzz/README.md`) ever crashed on, run again through
//! the same entry point on stable Rust: `tests-data/fuzz-regressions/<target>/*`, one directory
//! per target of `entry::TARGETS`. An input passes when the entry point returns: the parser
//! neither panicked nor broke an invariant the entry point checks.

mod entry;

use std::fs;
use std::path::PathBuf;

fn regressions_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests-data/fuzz-regressions")
}

#[test]
fn every_saved_input_passes_its_target() {
    let dir = regressions_dir();
    let mut ran = 0;
    for &(name, body) in entry::TARGETS {
        let target_dir = dir.join(name);
        let Ok(files) = fs::read_dir(&target_dir) else {
            continue;
        };
        let mut files: Vec<PathBuf> = files
            .map(|e| e.expect("reading the regressions directory").path())
            .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
            .collect();
        files.sort();
        for file in files {
            let data = fs::read(&file).expect("reading a saved input");
            let outcome = std::panic::catch_unwind(|| body(&data));
            assert!(outcome.is_ok(), "{name}: {} panicked", file.display());
            ran += 1;
        }
    }
    assert!(ran > 0, "no saved inputs under {}", dir.display());
}

#[test]
fn every_target_directory_is_a_known_target() {
    for entry in fs::read_dir(regressions_dir()).expect("the regressions directory") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            assert!(
                entry::TARGETS.iter().any(|&(t, _)| t == name),
                "{} is not a fuzz target's name",
                path.display()
            );
        }
    }
}

/// Small well-formed inputs for every target, so a target body that panics on ordinary input is
/// caught here too (and not only by a fuzzing run).
#[test]
fn every_target_accepts_ordinary_input() {
    let samples: &[(&str, &[u8])] = &[
        ("module_file", b"\x7fELF"),
        ("elf", b""),
        ("signature", b"\x03\x02abcdefgh"),
        ("index", include_bytes!("../tests-data/index/modules.alias.bin")),
        ("index_roundtrip", b"pci:v*d*\tahci\nusb:*\tusbcore\nfoo\tbar\nfoo\tbaz"),
        ("fnmatch", b"pci:v*d[0-9]?\0pci:v1234d5x"),
        (
            "modprobe_config",
            b"alias foo bar\nsoftdep bar pre: baz post: foo\noptions bar x=1\ninstall baz /bin/true\n",
        ),
        ("cmdline", b"quiet bar.x=1 modprobe.blacklist=a,b \"baz.y=a b\""),
        (
            "depmod_config",
            b"6.1.0-56-amd64\nsearch updates built-in\noverride dummy 6.1.* extra\nexternal 6 /opt/ext\n",
        ),
        ("kver", b"^6\\.1\\.[0-9]+-(.*)-\\1$\x006.1.0-56-amd64"),
    ];
    for &(name, data) in samples {
        let (_, body) = entry::TARGETS
            .iter()
            .find(|&&(t, _)| t == name)
            .expect("a known target");
        body(data);
    }
    assert_eq!(samples.len(), entry::TARGETS.len());
}
