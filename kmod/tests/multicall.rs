//! The multi-call binary as a distribution installs it: links named after each tool run that
//! tool (checked beside Debian's kmod, which is installed the same way), and kmod's own
//! commands exit as kmod's do.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use tests::{assert_like_kmod, kmod_tool, run, TempDir};

const KMOD: &str = env!("CARGO_BIN_EXE_kmod");

/// A link named `name` to our kmod, in `dir`.
fn link(dir: &TempDir, name: &str) -> PathBuf {
    let path = dir.path().join(name);
    symlink(KMOD, &path).expect("symlink");
    path
}

/// `-V` of every tool: kmod 34.2's first line (the kmod release followed; tests/diff/cmdline.sh
/// compares it with kmod 34.2's own), the features of this build in kmod's notation, then our
/// name and version.
fn version_text() -> String {
    format!(
        "kmod version 34.2\n+ZSTD +XZ +ZLIB +OPENSSL\nmodutils-rs {}\n",
        env!("CARGO_PKG_VERSION")
    )
}

#[test]
fn each_link_is_its_tool() {
    let dir = TempDir::new("kmod-multicall");
    for tool in kmod::TOOLS {
        let path = link(&dir, tool.name);
        let out = run(&path, &["--version"]);
        assert_eq!(
            (out.code, &out.stdout),
            (0, &version_text()),
            "{} --version",
            tool.name
        );
        let help = run(&path, &["--help"]);
        assert!(
            help.code == 0 && help.stdout.starts_with("Usage:\n"),
            "{help:?}"
        );
        for o in (tool.options)().iter().filter(|o| !o.compat) {
            assert!(
                help.stdout.contains(&o.synopsis()),
                "{}: {help:?}",
                o.synopsis()
            );
        }
        // A usage error: glibc's message, exit 1, as kmod's tools do (kmod 30's lsmod took no
        // options and printed its usage instead; kmod 34.2's parses them, as ours does).
        let o = assert_like_kmod(
            &path,
            tool.name,
            &["--no-such-option"],
            tool.name != "lsmod",
        );
        assert_eq!(
            o.stderr,
            format!("{}: unrecognized option '--no-such-option'\n", tool.name)
        );
    }
}

#[test]
fn links_behave_like_kmod_links() {
    let dir = TempDir::new("kmod-multicall-kmod");
    let rmmod = link(&dir, "rmmod");
    let o = assert_like_kmod(&rmmod, "rmmod", &["no-such-mod", "other_missing"], true);
    assert_eq!(o.code, 1);
    let insmod = link(&dir, "insmod");
    let o = assert_like_kmod(&insmod, "insmod", &["/nonexistent/x.ko"], true);
    assert!(o.stderr.starts_with("insmod: ERROR: "), "{o:?}");
    let modinfo = link(&dir, "modinfo");
    let o = assert_like_kmod(&modinfo, "modinfo", &[], true);
    assert!(o.stderr.starts_with("modinfo: ERROR: "), "{o:?}");
    // modprobe reads MODPROBE_OPTIONS through the link too: -q silences the missing module.
    let modprobe = link(&dir, "modprobe");
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(empty.join("lib/modules/1.2.3")).expect("mkdir");
    let args = [
        "-d",
        empty.to_str().expect("utf-8"),
        "-S",
        "1.2.3",
        "no_such_module",
    ];
    let o = assert_like_kmod(&modprobe, "modprobe", &args, true);
    assert!(
        o.stderr
            .starts_with("modprobe: FATAL: Module no_such_module not found"),
        "{o:?}"
    );
    let quiet = std::process::Command::new(&modprobe)
        .args(args)
        .env("MODPROBE_OPTIONS", "-q")
        .output()
        .expect("run");
    assert_eq!((quiet.status.code(), quiet.stderr.len()), (Some(1), 0));
}

#[test]
fn kmod_commands_exit_like_kmod() {
    let ours = Path::new(KMOD);
    // No command, an unknown one, an unknown option, a bad format: 1. help, -V: 0.
    for args in [
        &[][..],
        &["no-such-command"],
        &["--bogus"],
        &["static-nodes", "--format=bad"],
        &["static-nodes", "--format"],
        &["list", "extra"],
        &["help"],
        &["-h"],
        &["--help"],
        &["-V"],
        &["--version"],
    ] {
        assert_like_kmod(ours, "kmod", args, false);
    }
    assert_eq!(run(ours, &["--version"]).stdout, version_text());
    // kmod list prints what lsmod prints (or fails as it does).
    let dir = TempDir::new("kmod-list");
    let lsmod = link(&dir, "lsmod");
    let (list, ls) = (run(ours, &["list"]), run(&lsmod, &[]));
    assert_eq!((list.code, &list.stdout), (ls.code, &ls.stdout));
    assert_eq!(list.code, run(&kmod_tool("lsmod"), &[]).code);
}
