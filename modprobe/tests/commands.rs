//! install and remove commands on the host (they run without a kernel that loads modules):
//! what they receive, and loops through modprobe stopped instead of followed.

use std::path::Path;

use tests::{run, TempDir};

const MODPROBE: &str = env!("CARGO_BIN_EXE_modprobe");

/// A configuration directory holding `conf`, and an empty module directory for release `v`.
fn setup(conf: &str) -> TempDir {
    let t = TempDir::new("modprobe-commands");
    std::fs::create_dir_all(t.path().join("conf")).expect("mkdir conf");
    std::fs::create_dir_all(t.path().join("root/lib/modules/v")).expect("mkdir tree");
    std::fs::write(t.path().join("conf/test.conf"), conf).expect("write conf");
    t
}

fn modprobe(t: &TempDir, args: &[&str]) -> tests::Outcome {
    let conf = t.path().join("conf");
    let root = t.path().join("root");
    let mut all = vec![
        "-C",
        conf.to_str().expect("utf-8"),
        "-d",
        root.to_str().expect("utf-8"),
        "-S",
        "v",
    ];
    all.extend_from_slice(args);
    run(Path::new(MODPROBE), &all)
}

#[test]
fn install_command_gets_options_module_and_modprobe_options() {
    // The values kmod 30 gives (observed with the same configuration).
    let t = setup(
        "install m echo \"MPO=[$MODPROBE_OPTIONS] MM=[$MODPROBE_MODULE] OPTS=[$CMDLINE_OPTS]\"\n\
         options m a=1\n",
    );
    let o = modprobe(&t, &["-s", "m", "b=2"]);
    assert_eq!(o.code, 0, "{o:?}");
    let conf = t.path().join("conf");
    assert_eq!(
        o.stdout,
        format!("MPO=[-C {} -s] MM=[m] OPTS=[a=1 b=2]\n", conf.display())
    );
}

#[test]
fn install_command_calling_itself_is_stopped() {
    let t = setup(&format!("install loopy {MODPROBE} loopy\n"));
    let o = modprobe(&t, &["loopy"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(
        o.stderr
            .contains("install command for module loopy would run again inside itself (install loopy -> install loopy)"),
        "{}",
        o.stderr
    );
}

#[test]
fn install_commands_calling_each_other_are_stopped() {
    let t = setup(&format!(
        "install a {MODPROBE} b\ninstall b {MODPROBE} a\nremove c {MODPROBE} -r c\n"
    ));
    let o = modprobe(&t, &["a"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(
        o.stderr.contains("(install a -> install b -> install a)"),
        "{}",
        o.stderr
    );
    let o = modprobe(&t, &["-r", "c"]);
    assert_eq!(o.code, 1, "{o:?}");
    assert!(o.stderr.contains("(remove c -> remove c)"), "{}", o.stderr);
}
