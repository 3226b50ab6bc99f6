//! Differential tests of the `modprobe.d` parser against Debian's kmod 30 `modprobe -c`.
//!
//! Each test writes configuration into a scratch directory, runs `modprobe -C DIR... -d ROOT -S
//! v -c` (ROOT holds only `lib/modules/v/modules.softdep`, so kmod has no index to dump) and
//! compares:
//!
//! - stdout: kmod prints the configuration, then `INDEX_DUMP_HEADER`, then the index dump,
//!   which is empty here. The rule: kmod's stdout must end with `INDEX_DUMP_HEADER`; everything
//!   before that final header is the configuration part and must equal `show_config`'s output
//!   byte for byte, except that our `weakdep` lines (a directive kmod 30 doesn't know) are
//!   removed from ours first, and that bytes of kmod's output that aren't UTF-8 compare as
//!   U+FFFD (we read files as UTF-8, replacing what isn't; kmod prints the raw bytes).
//! - stderr: each kmod line is `libkmod: ERROR ../libkmod/FILE.c:LINE FUNCTION: MESSAGE`;
//!   the MESSAGEs, in order, must equal our `warn` messages once complaints about `weakdep`
//!   lines are left out of both (kmod 30 rejects every `weakdep` line, we only one without
//!   dependencies).
//!
//! kmod reads the real `/proc/cmdline`; the first test feeds ours the same text. The second
//! test binds a made-up command line over `/proc/cmdline` in a private mount namespace
//! (`unshare -m`, needs root) to compare the command-line rules. A missing kmod fails the tests.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::config::modprobe::{ModprobeConfig, INDEX_DUMP_HEADER};
use common::report::Collected;

/// Where Debian installs kmod's modprobe.
fn kmod_modprobe() -> PathBuf {
    for p in ["/usr/sbin/modprobe", "/sbin/modprobe"] {
        let path = PathBuf::from(p);
        if path.exists() {
            // Make sure it really is kmod (not this project's modprobe installed over it).
            let out = Command::new(&path).arg("--version").output();
            if out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).starts_with("kmod version")) {
                return path;
            }
        }
    }
    panic!("kmod's modprobe is missing (apt-get install kmod): this test needs it");
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("common-mpcfg-kmod-{tag}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create parent");
    }
    fs::write(path, bytes).expect("write file");
}

/// kmod's configuration part of stdout and the messages of its stderr.
fn split_kmod_output(stdout: &[u8], stderr: &[u8]) -> (Vec<u8>, Vec<String>) {
    let header = INDEX_DUMP_HEADER.as_bytes();
    assert!(
        stdout.ends_with(header),
        "kmod's output doesn't end with the index header: {:?}",
        String::from_utf8_lossy(stdout)
    );
    let config = stdout[..stdout.len() - header.len()].to_vec();
    let messages = String::from_utf8_lossy(stderr)
        .lines()
        .map(|line| {
            let rest = line
                .strip_prefix("libkmod: ERROR ")
                .unwrap_or_else(|| panic!("unexpected kmod stderr line {line:?}"));
            // Skip "../libkmod/FILE.c:LINE FUNCTION: ".
            let after_func = rest
                .splitn(3, ' ')
                .nth(2)
                .unwrap_or_else(|| panic!("unexpected kmod stderr line {line:?}"));
            after_func.to_string()
        })
        .collect();
    (config, messages)
}

/// Our `show_config` without `weakdep` lines, and our messages.
fn ours(config: &ModprobeConfig) -> Vec<u8> {
    let mut out = Vec::new();
    config.show_config(&mut out).expect("show_config");
    let text = String::from_utf8(out).expect("utf-8");
    text.split_inclusive('\n')
        .filter(|l| !l.starts_with("weakdep "))
        .collect::<String>()
        .into_bytes()
}

/// `bytes` with every sequence that isn't UTF-8 replaced by U+FFFD, as `parse_into`'s callers
/// read files.
fn lossy_bytes(bytes: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(bytes).into_owned().into_bytes()
}

fn is_weakdep_complaint(m: &str) -> bool {
    m.ends_with(": ignoring bad line starting with 'weakdep'")
}

/// The configuration every directive is exercised by: (file name, contents).
fn every_directive() -> Vec<(&'static str, &'static [u8])> {
    vec![
        (
            "10-main.conf",
            b"# A comment line\n\
              alias my-mod*  really-long_name\n\
              alias\tpci:v-*d[a-f-]*-x\tdm-crypt.ko extra words\n\
              alias a[[]-b x\n\
              alias a[]b x-y\n\
              alias bad]one x\n\
              alias unclosed[ x\n\
              alias onlyone\n\
              options snd-pcsp index=-2\n\
              options snd-pcsp   enable=1 \t model=\"a  b\"  \n\
              options a-b.c-d x-y=1\n\
              options lonely\n\
              options spaced  \n\
              options tabbed \t\n\
              install dm-crypt  /sbin/modprobe --ignore-install dm-crypt $CMDLINE_OPTS ; echo 'x'\t\n\
              install\t\tfoo-bar\t\techo\ta  \tb\t\n\
              install nothing\n\
              install nothing-either \n\
              remove dm-crypt  rm -x  \n\
              remove a[-]-b c\n\
              remove a[-b c\n\
              blacklist evil-mod\n\
              blacklist two words here\n\
              blacklist\n\
              softdep uhci-hcd pre: ehci-hcd\n\
              softdep c pre: a b post: d e\n\
              softdep m-x post: b pre: c post: d pre: e\n\
              softdep q x y pre: p1 pre: post: z\n\
              softdep onlywords a b\n\
              softdep empty-tags pre: post:\n\
              softdep lone\n\
              softdep tagcase PRE: a pre:b\n\
              softdep dup pre: x x\n\
              weakdep w-x a-b c\n\
              weakdep wlone\n\
              include /etc/other.conf\n\
              config foo\n\
              Alias a b\n\
              \x20# indented hash\n\
              bogus directive\n\
              \n\
              \t \n\
              alias cont-\\\n\
              inued x\n\
              alias esc\\#aped x\\\\y\n\
              #alias commented \\\n\
              alias swallowed x\n\
              alias nul x\0alias hidden y\n\
              alias cr x\r\n\
              options vt a\x0bb\x0cc\n\
              alias \xff-a \xfe\n\
              blacklist trailing-backslash\\",
        ),
        (
            "20-more.conf",
            b"alias second x\ninstall dm-crypt shadowed-by-first\nsoftdep c pre: later\n",
        ),
        ("B.conf", b"alias upper-b x\n"),
        ("a.b.conf", b"alias dot x\n"),
        ("modules.conf", b"softdep before-softdep-file pre: x\n"),
        ("zz.conf", b"options zz \x7f weird\nbad\n"),
        (".hidden.conf", b"alias hidden x\n"),
        ("notconf.txt", b"alias txt x\n"),
        ("backup.conf~", b"alias tilde x\n"),
    ]
}

#[test]
fn show_config_matches_kmod() {
    let modprobe = kmod_modprobe();
    let dir = scratch("all");
    let d1 = dir.join("d1");
    for (name, text) in every_directive() {
        write(&d1.join(name), text);
    }
    fs::create_dir_all(d1.join("sub.conf")).expect("mkdir");
    // A second -C directory: its 10-main.conf is shadowed by d1's, its other files are read.
    let d2 = dir.join("d2");
    write(&d2.join("10-main.conf"), b"alias shadowed x\n");
    write(
        &d2.join("15-second.conf"),
        b"alias from-d2 x\nblacklist d2\n",
    );
    // A file named directly, whatever its name.
    let direct = dir.join("direct.txt");
    write(&direct, b"alias direct x\n");
    // modules.softdep of the module directory is configuration too.
    let root = dir.join("root");
    let module_dir = root.join("lib/modules/v");
    write(
        &module_dir.join("modules.softdep"),
        b"# Soft dependencies extracted from modules themselves.\n\
          softdep ext4 pre: crypto-crc32c\n\
          softdep cifs gcm\n\
          alias from-softdep-file x\n",
    );

    let cmdline = fs::read_to_string("/proc/cmdline").expect("read /proc/cmdline");
    let locations = vec![d1.clone(), d2.clone(), direct.clone()];
    let out = Command::new(&modprobe)
        .args(["-C", &d1.to_string_lossy()])
        .args(["-C", &d2.to_string_lossy()])
        .args(["-C", &direct.to_string_lossy()])
        .args(["-d", &root.to_string_lossy(), "-S", "v", "-c"])
        .output()
        .expect("run modprobe");
    assert!(out.status.success(), "modprobe -c failed: {out:?}");
    let (kmod_config, kmod_msgs) = split_kmod_output(&out.stdout, &out.stderr);

    let report = Collected::new();
    let mut config =
        ModprobeConfig::load_locations(Some(&module_dir), &locations, &report).expect("load");
    config.parse_cmdline(&cmdline, &report);

    assert_eq!(
        String::from_utf8_lossy(&ours(&config)),
        String::from_utf8_lossy(&kmod_config)
    );
    // Byte for byte, except for the bytes that aren't UTF-8 (one from `\xff-a`, one from
    // `\xfe`, and the byte 0xFF kmod makes of the file's final backslash), which we hold as
    // U+FFFD.
    assert_eq!(ours(&config), lossy_bytes(&kmod_config));
    assert_eq!(
        kmod_config.iter().filter(|&&b| b >= 0x80).count(),
        3,
        "kmod printed other non-ASCII bytes"
    );
    let msgs = report.messages();
    // kmod 30 rejects every weakdep line; we only the one without dependencies (our choice).
    let (our_weak, msgs): (Vec<String>, Vec<String>) =
        msgs.into_iter().partition(|m| is_weakdep_complaint(m));
    let kmod_msgs: Vec<String> = kmod_msgs
        .into_iter()
        .filter(|m| !is_weakdep_complaint(m))
        .collect();
    assert_eq!(msgs, kmod_msgs);
    assert_eq!(our_weak.len(), 1);
    assert!(
        our_weak[0].ends_with("10-main.conf line 35: ignoring bad line starting with 'weakdep'")
    );
    // The weakdep lines are ours alone: kmod 30 rejected them.
    assert_eq!(
        config.weakdeps(),
        vec![("w_x".to_string(), vec!["a-b".to_string(), "c".to_string()])]
    );
    let _ = fs::remove_dir_all(&dir);
}

/// Runs kmod's `modprobe -C CONF -d ROOT -S v -c` with `cmdline` bound over `/proc/cmdline`.
fn kmod_with_cmdline(dir: &Path, cmdline: &[u8]) -> std::process::Output {
    let modprobe = kmod_modprobe();
    let file = dir.join("cmdline");
    write(&file, cmdline);
    let out = Command::new("unshare")
        .args(["-m", "sh", "-c"])
        .arg(r#"mount --bind "$1" /proc/cmdline && exec "$2" -C "$3" -d "$4" -S v -c"#)
        .arg("sh")
        .arg(&file)
        .arg(&modprobe)
        .arg(dir.join("conf"))
        .arg(dir.join("root"))
        .output()
        .expect("run unshare");
    assert!(
        out.status.success(),
        "could not run modprobe under a private /proc/cmdline (needs root and unshare): {out:?}"
    );
    out
}

#[test]
fn kernel_command_line_matches_kmod() {
    let dir = scratch("cmdline");
    write(
        &dir.join("conf/a.conf"),
        b"options loop max_loop=2\nblacklist from-file\n",
    );
    fs::create_dir_all(dir.join("root")).expect("mkdir");
    let lines: &[&[u8]] = &[
        b"a.b=1 c-d.e-f=2 a=1 a.b.c=1 a..b=1 a.b=x.y a=b.c a.b a.b= .b=1 a.= . .=1 =.\n",
        b"a.b=\"x y\" \"c.d=x y\" \"e.f=xy\" \"g.h\" a.\"b=x y\" \"i.j=x\" y \"a.b c=1\"\n",
        b"a.b=x\"y z\"w q.r=1 a\"b.c=1 d\" a.b\"c=1 d\" x\"a.b=1 a.b=\"\" \"\" \"a.b=\"x y\"\"\n",
        b"a.b=\"x\ny\" c.d=1\ta.b=1\rc.d=2\x0be.f=3\x0cg.h=4 a.b=\"x\ty\" \"c.d=p\tq\"\n",
        b"modprobe.blacklist=a,b-c,,d modprobe.blacklist= modprobe.blacklist x.y=1,\n",
        b"\"modprobe.blacklist=a,b\" modprobe.blacklist=\"a,b c\" modprobe.x=1 modprobe-blacklist=x\n",
        b"a[.b=1 a[-].b=1 a].b=1 a-[-]-b.c=1 a[.b.c=1 a[.b\"=1 \"a[.b=1\" modprobe[.blacklist=a\n",
        b"loop.x=1 -- loop.y=2 A.B=1 a.b==1 a.b=\"1\"=\"2\" \"a.b\"=1 \"\"a.b=1 a.b=1\"x\"c.d=2\n",
        b"a.b=1 c.d=\"unclosed e.f=2\n",
        b"a.b=1 c.d=1\"",
        b"",
    ];
    for &line in lines {
        let out = kmod_with_cmdline(&dir, line);
        let (kmod_config, kmod_msgs) = split_kmod_output(&out.stdout, &out.stderr);
        let report = Collected::new();
        let mut config = ModprobeConfig::load_locations(
            Some(&dir.join("root/lib/modules/v")),
            &[dir.join("conf")],
            &report,
        )
        .expect("load");
        config.parse_cmdline(&String::from_utf8_lossy(line), &report);
        assert_eq!(
            String::from_utf8_lossy(&ours(&config)),
            String::from_utf8_lossy(&kmod_config),
            "command line {:?}",
            String::from_utf8_lossy(line)
        );
        let msgs = report.messages();
        assert_eq!(msgs, kmod_msgs, "command line {line:?}");
    }
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn host_default_configuration_matches_kmod() {
    // The host's real /etc/modprobe.d, /lib/modprobe.d, ... and /proc/cmdline, read the way
    // kmod 30 reads them with `-d ROOT` (configuration from `/`, modules.softdep from ROOT).
    // On a merged-usr system (Debian 12) /usr/lib/modprobe.d, which kmod 30 doesn't list, is
    // /lib/modprobe.d, so both read the same files.
    let modprobe = kmod_modprobe();
    let dir = scratch("host");
    let module_dir = dir.join("lib/modules/v");
    write(
        &module_dir.join("modules.softdep"),
        b"softdep zz-host pre: x\n",
    );
    let out = Command::new(&modprobe)
        .args(["-d", &dir.to_string_lossy(), "-S", "v", "-c"])
        .output()
        .expect("run modprobe");
    assert!(out.status.success(), "modprobe -c failed: {out:?}");
    let (kmod_config, kmod_msgs) = split_kmod_output(&out.stdout, &out.stderr);

    let host = common::context::Context::new("/", "v");
    let report = Collected::new();
    let mut config = ModprobeConfig::load_locations(
        Some(&module_dir),
        &common::config::modprobe::default_locations(&host),
        &report,
    )
    .expect("load");
    let cmdline = fs::read_to_string("/proc/cmdline").expect("read /proc/cmdline");
    config.parse_cmdline(&cmdline, &report);
    assert_eq!(
        String::from_utf8_lossy(&ours(&config)),
        String::from_utf8_lossy(&lossy_bytes(&kmod_config))
    );
    let msgs = report.messages();
    assert_eq!(msgs, kmod_msgs);
    let _ = fs::remove_dir_all(&dir);
}
