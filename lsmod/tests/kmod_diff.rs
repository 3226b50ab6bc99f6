//! lsmod beside Debian's kmod lsmod on the host. This host has no `/proc/modules`; both must fail
//! with exit 1 there. Listing real modules is tested in QEMU by `tests/vm`.

use std::path::Path;

use tests::assert_like_kmod;

const LSMOD: &str = env!("CARGO_BIN_EXE_lsmod");

#[test]
fn exit_code_matches() {
    let o = assert_like_kmod(Path::new(LSMOD), "lsmod", &[], false);
    if o.code == 0 {
        assert!(
            o.stdout
                .starts_with("Module                  Size  Used by\n"),
            "{}",
            o.stdout
        );
    } else {
        // kmod 34.2's two lines (kmod 30's are libkmod's and `Error: ...`).
        assert_eq!(
            o.stderr,
            "lsmod: ERROR: could not open /proc/modules: No such file or directory\n\
             lsmod: ERROR: could not get list of modules: No such file or directory\n"
        );
    }
}
