//! rmmod beside Debian's kmod rmmod on the host: argument handling and the "not loaded" path.
//! Removing real modules is tested in QEMU by `tests/vm`.

use std::path::Path;

use tests::{assert_like_kmod, TempDir};

const RMMOD: &str = env!("CARGO_BIN_EXE_rmmod");

fn ours() -> &'static Path {
    Path::new(RMMOD)
}

#[test]
fn missing_name() {
    let o = assert_like_kmod(ours(), "rmmod", &[], true);
    assert_eq!(o.stderr, "rmmod: ERROR: missing module name.\n");
}

#[test]
fn not_loaded_names_are_normalised_and_every_argument_is_tried() {
    let o = assert_like_kmod(ours(), "rmmod", &["no-such-mod", "other_missing"], true);
    assert_eq!(o.code, 1);
    assert_eq!(o.stderr.lines().count(), 2, "{}", o.stderr);
    assert!(
        o.stderr
            .contains("Module no_such_mod is not currently loaded"),
        "{}",
        o.stderr
    );
}

#[test]
fn a_path_names_its_module() {
    let dir = TempDir::new("rmmod-path");
    let file = dir.path().join("not-loaded-here.ko.xz");
    std::fs::write(&file, b"anything").expect("write");
    let o = assert_like_kmod(ours(), "rmmod", &[file.to_str().expect("utf-8")], true);
    assert_eq!(
        o.stderr,
        "rmmod: ERROR: Module not_loaded_here is not currently loaded\n"
    );
}

#[test]
fn unknown_option_exits_1() {
    assert_like_kmod(ours(), "rmmod", &["--bogus"], false);
}

#[test]
fn a_name_that_is_no_file_is_cut_at_the_first_dot() {
    for arg in ["mt-params.ko", "/nonexistent/mt-params.ko.xz"] {
        let o = assert_like_kmod(ours(), "rmmod", &[arg], true);
        assert_eq!(o.code, 1);
    }
}
