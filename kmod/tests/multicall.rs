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

#[test]
fn each_link_is_its_tool() {
    let dir = TempDir::new("kmod-multicall");
    let version = env!("CARGO_PKG_VERSION");
    for tool in kmod::TOOLS {
        let path = link(&dir, tool.name);
        let out = run(&path, &["--version"]);
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (0, format!("{} modutils-rs {version}\n", tool.name).as_str()),
            "{} --version",
            tool.name
        );
        let help = run(&path, &["--help"]);
        let about = (tool.command)()
            .get_about()
            .map(|a| a.to_string())
            .expect("every tool has an about line");
        assert!(
            help.code == 0 && help.stdout.starts_with(&about),
            "{help:?}"
        );
        assert!(
            help.stdout.contains(&format!("Usage: {}", tool.name)),
            "{help:?}"
        );
        // A usage error exits 1, as kmod's tools do.
        assert_like_kmod(&path, tool.name, &["--no-such-option"], false);
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
    let v = run(ours, &["--version"]);
    assert_eq!(
        v.stdout,
        format!("kmod modutils-rs {}\n", env!("CARGO_PKG_VERSION"))
    );
    // kmod list prints what lsmod prints (or fails as it does).
    let dir = TempDir::new("kmod-list");
    let lsmod = link(&dir, "lsmod");
    let (list, ls) = (run(ours, &["list"]), run(&lsmod, &[]));
    assert_eq!((list.code, &list.stdout), (ls.code, &ls.stdout));
    assert_eq!(list.code, run(&kmod_tool("lsmod"), &[]).code);
}
