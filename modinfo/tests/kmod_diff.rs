//! modinfo beside Debian's kmod 30 modinfo on synthetic module files: the same stdout bytes,
//! stderr and exit code. Covers what Debian's trees don't have: odd `.modinfo` strings, every
//! signature identifier type and rejected trailers, issuer names without a common name, other
//! classes and byte orders, and files that are not modules. Debian's real trees are compared by
//! `tests/diff/modinfo.sh`.

use std::os::unix::fs::symlink;
use std::path::Path;

use common::elf::builder::ModuleBuilder;
use common::elf::{Class, Endian, SIGNATURE_MAGIC};
use tests::{kmod_tool, without_hints, Runner, TempDir};

const MODINFO: &str = env!("CARGO_BIN_EXE_modinfo");

/// Ours and kmod's on the same arguments in `dir`: identical exit code, stdout and stderr.
fn same(dir: &Path, args: &[&str]) {
    let ours = Runner::new(Path::new(MODINFO)).in_dir(dir).raw(args);
    let kmod = Runner::new(&kmod_tool("modinfo")).in_dir(dir).raw(args);
    assert!(
        !ours.stderr.contains("panicked"),
        "{args:?} panicked: {}",
        ours.stderr
    );
    let mut shown = ours.text();
    shown.stderr = without_hints(&shown.stderr);
    assert_eq!(
        shown,
        kmod.text(),
        "modinfo {args:?}: (exit code, stdout, stderr), ours then kmod's"
    );
    assert_eq!(ours.stdout, kmod.stdout, "modinfo {args:?}: stdout bytes");
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../common/tests-data/signature/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `image` with a signature trailer appended.
fn sign(image: &[u8], header: [u8; 3], signer: &[u8], key: &[u8], sig: &[u8]) -> Vec<u8> {
    let mut v = image.to_vec();
    v.extend_from_slice(signer);
    v.extend_from_slice(key);
    v.extend_from_slice(sig);
    v.extend_from_slice(&header);
    v.extend_from_slice(&[signer.len() as u8, key.len() as u8, 0, 0, 0]);
    v.extend_from_slice(&(sig.len() as u32).to_be_bytes());
    v.extend_from_slice(SIGNATURE_MAGIC);
    v
}

fn module(entries: &[&[u8]]) -> ModuleBuilder {
    entries
        .iter()
        .fold(ModuleBuilder::new(Class::Elf64, Endian::Little), |b, e| {
            b.modinfo_raw(e)
        })
}

#[test]
fn modinfo_strings_and_parameters() {
    let t = TempDir::new("modinfo-strings");
    let d = t.path();
    let w = |name: &str, image: Vec<u8>| std::fs::write(d.join(name), image).expect("write");
    w(
        "params.ko",
        module(&[
            b"parm=a:desc a",
            b"parm=b:desc b",
            b"parmtype=a:int",
            b"parmtype=c:uint",
            b"license=GPL",
            b"parm=d:only desc",
            b"noeq",
            b"parmtype=d:charp",
            b"parm=a:second desc a",
            b"parmtype=e",
            b"parm=f",
            b"parm=g:",
            b"parmtype=h:",
            b"parm=:nameless",
            b"depends=x,y",
            b"name=params",
        ])
        .build(),
    );
    w(
        "keys.ko",
        module(&[
            b"averyveryverylongkey=v",
            b"fifteencharsxxx=v",
            b"sixteencharsxxxx=v",
            b"=empty",
            b"k=v=w",
            b"filename=fake",
            b"latin1=J\xfcrgen",
            b"firmware=a.bin",
            b"firmware=b.bin",
        ])
        .build(),
    );
    for (name, class, endian) in [
        ("be64.ko", Class::Elf64, Endian::Big),
        ("be32.ko", Class::Elf32, Endian::Big),
        ("le32.ko", Class::Elf32, Endian::Little),
    ] {
        let image = ModuleBuilder::new(class, endian)
            .modinfo("license", "GPL")
            .modinfo("parm", "p:a parameter")
            .modinfo("parmtype", "p:int")
            .build();
        w(name, image);
    }
    w("empty-modinfo.ko", module(&[]).modinfo("", "").build());
    for args in [
        &["params.ko", "keys.ko", "be64.ko", "be32.ko", "le32.ko"][..],
        &["-0", "params.ko", "keys.ko"],
        &["-p", "params.ko"],
        &["-p", "-0", "params.ko"],
        &["-F", "parmtype", "params.ko"],
        &["-F", "firmware", "keys.ko", "params.ko"],
        &["-F", "", "keys.ko"],
        &["-F", "name", "params.ko", "keys.ko"],
        &["-F", "filename", "keys.ko"],
        &["-l", "-a", "params.ko"],
        &["-a", "-F", "license", "params.ko"],
        &["-n", "./params.ko", "../", "keys.ko"],
        &["empty-modinfo.ko"],
    ] {
        same(d, args);
    }
}

#[test]
fn signatures() {
    let t = TempDir::new("modinfo-signatures");
    let d = t.path();
    let base = module(&[b"license=GPL", b"parm=p:d", b"parmtype=p:int"]).build();
    let mut names = Vec::new();
    let mut w = |name: String, image: Vec<u8>| {
        std::fs::write(d.join(&name), image).expect("write");
        names.push(name);
    };
    for p7 in [
        "debian-6.1-rsa.p7",
        "debian-6.12-ecdsa.p7",
        "high-bit-serial.p7",
        "key-id.p7",
        "negative-serial.p7",
        "no-cn.p7",
        "no-cn-last.p7",
        "non-minimal-serial.p7",
        "sha3.p7",
        "t61-cn.p7",
        "two-signers.p7",
        "with-cert.p7",
    ] {
        w(
            format!("{p7}.ko"),
            sign(&base, [0, 0, 2], b"", b"", &fixture(p7)),
        );
    }
    let rsa = fixture("debian-6.1-rsa.p7");
    let sig40: Vec<u8> = (0..40).collect();
    let key45: Vec<u8> = (0..45).collect();
    for (name, header, signer, key, sig) in [
        (
            "p7-cut",
            [0, 0, 2],
            &b""[..],
            &b""[..],
            &rsa[..rsa.len() - 1],
        ),
        ("p7-fields", [0, 0, 2], b"XX", b"YY", &rsa[..]),
        ("p7-algo", [2, 0, 2], b"", b"", &rsa[..]),
        ("p7-hash", [0, 9, 2], b"", b"", &rsa[..]),
        (
            "x509",
            [0, 0, 1],
            b"Signer \xffName",
            &key45[..],
            &sig40[..],
        ),
        ("x509-20", [1, 8, 1], b"S", b"", &sig40[..20]),
        ("pgp", [1, 4, 0], b"", b"", &[1][..]),
        ("bad-id", [0, 4, 3], b"S", b"K", &[1][..]),
        ("bad-hash", [0, 9, 1], b"S", b"K", &[1][..]),
        ("no-sig", [0, 4, 1], b"S", b"K", &[][..]),
    ] {
        w(format!("{name}.ko"), sign(&base, header, signer, key, sig));
    }
    // Lengths reaching exactly to the start of the file, and one byte past it.
    let mut exact = base.clone();
    exact.extend_from_slice(&[0, 4, 1, 0, 0, 0, 0, 0]);
    exact.extend_from_slice(&(base.len() as u32).to_be_bytes());
    exact.extend_from_slice(SIGNATURE_MAGIC);
    w("exact.ko".into(), exact.clone());
    let at = exact.len() - SIGNATURE_MAGIC.len() - 1;
    exact[at] += 1;
    w("past.ko".into(), exact);
    let args: Vec<&str> = names.iter().map(String::as_str).collect();
    same(d, &args);
    for f in [
        "signer",
        "sig_key",
        "signature",
        "sig_hashalgo",
        "sig_id",
        "parm",
    ] {
        let mut a = vec!["-F", f];
        a.extend(&args);
        same(d, &a);
    }
    let mut a = vec!["-0"];
    a.extend(&args);
    same(d, &a);
}

#[test]
fn files_that_are_not_modules() {
    let t = TempDir::new("modinfo-files");
    let d = t.path();
    let good = module(&[b"license=GPL"]).build();
    let w = |name: &str, image: &[u8]| std::fs::write(d.join(name), image).expect("write");
    w("empty.ko", b"");
    w("short.ko", b"\x7fEL");
    w("five.ko", &good[..5]);
    w("text.ko", b"hello\n");
    w("ident.ko", &good[..16]);
    w("ident1.ko", &good[..17]);
    w("header.ko", &good[..64]);
    w("half.ko", &good[..good.len() / 2]);
    w("zeros.ko", &[0; 100]);
    w(
        "nomodinfo.ko",
        &ModuleBuilder::new(Class::Elf64, Endian::Little).build(),
    );
    let mut bad_class = good.clone();
    bad_class[4] = 3;
    w("class.ko", &bad_class);
    let mut bad_data = good.clone();
    bad_data[5] = 3;
    w("data.ko", &bad_data);
    w("good.ko", &good);
    w("good.o", &good);
    w("good", &good);
    w("good.ko.bin", &good);
    std::fs::create_dir(d.join("dir.ko")).expect("mkdir");
    symlink("good.ko", d.join("link.ko")).expect("symlink");
    symlink("missing.ko", d.join("dangling.ko")).expect("symlink");
    let all = [
        "empty.ko",
        "short.ko",
        "five.ko",
        "text.ko",
        "ident.ko",
        "ident1.ko",
        "header.ko",
        "half.ko",
        "zeros.ko",
        "class.ko",
        "data.ko",
        "good.o",
        "good",
        "good.ko.bin",
        "dir.ko",
        "link.ko",
        "dangling.ko",
        "missing.ko",
        "good.ko",
    ];
    // Each alone (exit codes per file), then all at once.
    for f in all {
        same(d, &[f]);
        same(d, &["-F", "license", f]);
        same(d, &["-n", f]);
    }
    same(d, &all);
    same(d, &["-m", "good.ko"]);
    same(d, &[]);
    // No .modinfo section: kmod 34.2 says ENODATA, kmod 30 ENOENT (compatibility row
    // modinfo-no-modinfo); everything else as kmod 30 (`-n` reads nothing: the same).
    for args in [
        &["nomodinfo.ko"][..],
        &["-F", "license", "nomodinfo.ko"],
        &["good.ko", "nomodinfo.ko", "good.ko"],
    ] {
        same(d, &["-n", "nomodinfo.ko"]);
        let mut ours = Runner::new(Path::new(MODINFO)).in_dir(d).raw(args);
        ours.stderr = without_hints(&ours.stderr);
        let kmod = Runner::new(&kmod_tool("modinfo")).in_dir(d).raw(args);
        assert!(
            kmod.stderr
                .contains("could not get modinfo from 'nomodinfo': No such file or directory"),
            "{}",
            kmod.stderr
        );
        let mut expected = kmod.clone();
        expected.stderr = kmod
            .stderr
            .replace("No such file or directory", "No data available");
        assert_eq!(ours, expected, "modinfo {args:?}");
    }
}
