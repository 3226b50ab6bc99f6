//! Formatting checks; the expected texts are what Debian's kmod 30 printed for the same entries.

use super::*;

fn info(strings: &[&str]) -> Info {
    Info::from_strings(strings.iter().map(|s| s.as_bytes()))
}

/// Header and entries as `opts` prints them, and the invalid-string complaints.
fn show(opts: &Options, header: Header<'_>, info: &Info) -> (String, Vec<String>) {
    let mut out = Vec::new();
    let complaints = common::report::Collected::new();
    if opts.write_header(&mut out, header) {
        opts.write_info(&mut out, info, &complaints);
    }
    (
        String::from_utf8(out).expect("utf-8"),
        complaints.messages(),
    )
}

fn full() -> Options {
    Options::default()
}

fn field(f: &str) -> Options {
    Options {
        field: Some(f.into()),
        null: false,
    }
}

fn file_header() -> Header<'static> {
    Header::File(OsStr::new("/m/t.ko"))
}

#[test]
fn keys_are_padded_like_kmod() {
    let i = info(&[
        "averyveryverylongkey=v",
        "fifteencharsxxx=v",
        "sixteencharsxxxx=v",
        "license=GPL",
        "noeq",
        "=empty",
        "k=v=w",
    ]);
    let (out, _) = show(&full(), file_header(), &i);
    assert_eq!(
        out,
        "filename:       /m/t.ko\n\
         averyveryverylongkey:     v\n\
         fifteencharsxxx:v\n\
         sixteencharsxxxx: v\n\
         license:        GPL\n\
         noeq:           \n\
         :               empty\n\
         k:              v=w\n"
    );
}

#[test]
fn parameters_merge_in_reverse_order_of_first_appearance() {
    let i = info(&[
        "parm=a:desc a",
        "parm=b:desc b",
        "parmtype=a:int",
        "parmtype=c:uint",
        "license=GPL",
        "parm=d:only desc",
        "foo=bar",
        "noeq",
        "parmtype=d:charp",
        "parm=a:second desc a",
        "license=X",
        "parmtype=e",
        "parm=f",
    ]);
    let (out, complaints) = show(&full(), file_header(), &i);
    assert_eq!(
        out,
        "filename:       /m/t.ko\n\
         license:        GPL\n\
         foo:            bar\n\
         noeq:           \n\
         license:        X\n\
         parm:           d:only desc (charp)\n\
         parm:           c:uint\n\
         parm:           b:desc b\n\
         parm:           a:second desc a (int)\n"
    );
    assert_eq!(
        complaints,
        [
            "Found invalid \"parmtype=e\": missing ':'",
            "Found invalid \"parm=f\": missing ':'"
        ]
    );
    // -F parm: "NAME:DESC (TYPE)" whenever there is a type.
    let (out, complaints) = show(&field("parm"), file_header(), &i);
    assert_eq!(
        out,
        "d:only desc (charp)\nc: (uint)\nb:desc b\na:second desc a (int)\n"
    );
    assert_eq!(complaints.len(), 2);
    // -F parmtype: the raw strings; no complaints.
    let (out, complaints) = show(&field("parmtype"), file_header(), &i);
    assert_eq!(out, "a:int\nc:uint\nd:charp\ne\n");
    assert!(complaints.is_empty());
}

#[test]
fn empty_parameter_parts() {
    let i = info(&[
        "parm=a:",
        "parmtype=b:",
        "parm=c:",
        "parmtype=c:",
        "parm=d:x:y",
        "parmtype=d:int",
        "parmtype=d:long",
        "parm=:nameless",
        "parmtype=:t",
        "filename=fake",
        "parm=e:E",
    ]);
    let (out, _) = show(&full(), file_header(), &i);
    assert_eq!(
        out,
        "filename:       /m/t.ko\n\
         filename:       fake\n\
         parm:           e:E\n\
         parm:           :nameless (t)\n\
         parm:           d:x:y (long)\n\
         parm:           c: ()\n\
         parm:           b:\n\
         parm:           a:\n"
    );
    let (out, _) = show(&field("parm"), file_header(), &i);
    assert_eq!(out, "e:E\n:nameless (t)\nd:x:y (long)\nc: ()\nb: ()\na:\n");
    // -F filename is the path, whatever .modinfo says.
    let (out, _) = show(&field("filename"), file_header(), &i);
    assert_eq!(out, "/m/t.ko\n");
}

#[test]
fn builtin_headers() {
    let i = info(&["alias=net-pf-1", "license=GPL", "file=net/unix/unix"]);
    let (out, _) = show(&full(), Header::Builtin("unix"), &i);
    assert_eq!(
        out,
        "name:           unix\n\
         filename:       (builtin)\n\
         alias:          net-pf-1\n\
         license:        GPL\n\
         file:           net/unix/unix\n"
    );
    assert_eq!(
        show(&field("filename"), Header::Builtin("unix"), &i).0,
        "(builtin)\n"
    );
    assert_eq!(
        show(&field("name"), Header::Builtin("unix"), &i).0,
        "unix\n"
    );
    // ... and any name the entries give.
    let named = info(&["name=other"]);
    assert_eq!(
        show(&field("name"), Header::Builtin("unix"), &named).0,
        "unix\nother\n"
    );
    // A file's name comes from .modinfo only.
    assert_eq!(show(&field("name"), file_header(), &i).0, "");
    assert_eq!(
        show(&field("license"), Header::Builtin("unix"), &i).0,
        "GPL\n"
    );
}

#[test]
fn null_terminated_output() {
    let opts = Options {
        field: None,
        null: true,
    };
    let i = info(&["license=GPL", "parm=p:desc", "parmtype=p:int", "noeq"]);
    let (out, _) = show(&opts, Header::Builtin("m"), &i);
    assert_eq!(
        out,
        "name:           m\0filename:       (builtin)\0license=GPL\0noeq=\0\
         parm:           p:desc (int)\0"
    );
    let opts = Options {
        field: Some("filename".into()),
        null: true,
    };
    assert_eq!(show(&opts, file_header(), &i).0, "/m/t.ko\0");
}

#[test]
fn signature_fields() {
    let mut i = info(&["license=GPL"]);
    i.add_signature(&ModuleSignature {
        id_type: signature::IdType::X509,
        signer: b"Signer Name".to_vec(),
        key_id: vec![1, 2, 0xAB],
        hash: signature::HashAlgo::Md4,
        signature: (0..40).collect(),
    });
    let (out, _) = show(&full(), file_header(), &i);
    assert_eq!(
        out,
        "filename:       /m/t.ko\n\
         license:        GPL\n\
         sig_id:         X509\n\
         signer:         Signer Name\n\
         sig_key:        01:02:AB\n\
         sig_hashalgo:   md4\n\
         signature:      00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:\n\
         \t\t14:15:16:17:18:19:1A:1B:1C:1D:1E:1F:20:21:22:23:24:25:26:27\n"
    );
    assert_eq!(
        show(&field("sig_key"), file_header(), &i).0,
        "01:02:AB\n",
        "-F on a signature field"
    );
}

#[test]
fn hex_line_breaks() {
    assert_eq!(hex_lines(&[]), b"");
    assert_eq!(hex_lines(&[0xab]), b"AB");
    let twenty: Vec<u8> = (0..20).collect();
    assert_eq!(
        hex_lines(&twenty),
        b"00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13"
    );
    let mut twenty_one = twenty.clone();
    twenty_one.push(0xff);
    assert_eq!(
        hex_lines(&twenty_one),
        b"00:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:\n\t\tFF"
    );
}

#[test]
fn paths_as_kmod_builds_them() {
    assert_eq!(absolute(OsStr::new("/a/./b.ko")), "/a/./b.ko");
    let cwd = std::env::current_dir().expect("cwd");
    assert_eq!(
        absolute(OsStr::new("./x.ko")),
        OsString::from(format!("{}/./x.ko", cwd.display()))
    );
    use crate::cli::context;
    let module_dir = |b, v| context(b, v).module_dir();
    assert_eq!(
        module_dir(Some(OsStr::new("/r/")), "6.1"),
        Path::new("/r//lib/modules/6.1")
    );
    assert_eq!(
        module_dir(Some(OsStr::new("/")), "v").as_os_str(),
        "//lib/modules/v"
    );
    assert_eq!(module_dir(None, "v"), Path::new("/lib/modules/v"));
    assert_eq!(
        module_dir(Some(OsStr::new("")), "v"),
        Path::new("/lib/modules/v")
    );
}

#[test]
fn reading_module_files() {
    use common::elf::builder::ModuleBuilder;
    use common::elf::{Class, Endian};
    let dir = std::env::temp_dir().join(format!("modinfo-read-{}", std::process::id()));
    fs::create_dir_all(&dir).expect("mkdir");
    let write = |name: &str, data: &[u8]| {
        let p = dir.join(name);
        fs::write(&p, data).expect("write");
        p
    };
    let image = ModuleBuilder::new(Class::Elf32, Endian::Big)
        .modinfo("license", "GPL")
        .modinfo_raw(b"noeq")
        .modinfo_raw(b"latin1=J\xfcrgen")
        .build();
    let info = read_file_info(&write("m.ko", &image), &common::report::Discard).expect("read");
    let entries: Vec<(&[u8], &[u8])> = info
        .entries
        .iter()
        .map(|(k, v)| (k.as_slice(), v.as_slice()))
        .collect();
    assert_eq!(
        entries,
        [
            (&b"license"[..], &b"GPL"[..]),
            (b"noeq", b""),
            (b"latin1", b"J\xfcrgen")
        ]
    );
    let bare = ModuleBuilder::new(Class::Elf64, Endian::Little).build();
    for (name, data, errno) in [
        ("empty.ko", &b""[..], Errno::EINVAL),
        ("five.ko", &image[..5], Errno::EINVAL),
        ("text.ko", b"hello\n", Errno::ENOEXEC),
        ("ident.ko", &image[..16], Errno::ENOEXEC),
        ("ident1.ko", &image[..17], Errno::EINVAL),
        ("half.ko", &image[..image.len() / 2], Errno::EINVAL),
        // No .modinfo: kmod 34.2's ENODATA (kmod 30: ENOENT; row modinfo-no-modinfo).
        ("bare.ko", &bare[..], Errno::ENODATA),
    ] {
        assert_eq!(
            read_file_info(&write(name, data), &common::report::Discard),
            Err(errno),
            "{name}"
        );
    }
    assert_eq!(
        read_file_info(&dir.join("missing.ko"), &common::report::Discard),
        Err(Errno::ENOENT)
    );
    assert!(is_module_file(dir.join("m.ko").as_os_str()));
    assert!(!is_module_file(write("m.o", &image).as_os_str()));
    assert!(!is_module_file(dir.join("missing.ko").as_os_str()));
    fs::remove_dir_all(&dir).expect("cleanup");
}

/// kmod 30 and 34.2, observed on Debian's 6.1 tree with `modules.dep.bin` emptied (0 bytes):
/// `modinfo fs-vfat` resolves the alias to `vfat`, which has no file then, and prints it as
/// built in (`name:`, `filename: (builtin)`, no other field), exit 0; `modinfo vfat` is not
/// found; an empty `modules.builtin.bin` is no error either (`-F filename vfat` prints the path).
#[test]
fn empty_indexes_answer_as_kmod() {
    use common::index::bin::IndexBuilder;
    let dir = std::env::temp_dir().join(format!("modinfo-empty-idx-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("mkdir");
    let mut aliases = IndexBuilder::new();
    aliases.insert("fs_vfat", "vfat", 0);
    fs::write(
        dir.join("modules.alias.bin"),
        aliases.to_bytes().expect("index"),
    )
    .expect("write");
    fs::write(dir.join("modules.dep.bin"), b"").expect("write");
    fs::write(dir.join("modules.dep"), "kernel/vfat.ko:\n").expect("write");
    fs::write(dir.join("modules.builtin.bin"), b"").expect("write");
    let reporter = Reporter::new("modinfo", false, false);
    let run = |opts: Options, arg: &str| {
        let m = Modinfo::new(opts, false, dir.clone());
        let mut out = Vec::new();
        let status = m
            .run(&[OsString::from(arg)], &mut out, &reporter)
            .expect("run");
        (String::from_utf8(out).expect("utf-8"), status)
    };
    assert_eq!(
        run(full(), "fs-vfat"),
        (
            "name:           vfat\nfilename:       (builtin)\n".to_string(),
            0
        )
    );
    assert_eq!(
        run(field("filename"), "fs-vfat"),
        ("(builtin)\n".to_string(), 0)
    );
    assert_eq!(run(field("license"), "fs-vfat"), (String::new(), 0));
    assert_eq!(run(field("filename"), "vfat"), (String::new(), 1));
    // With the dependency index back, the empty built-in index is just no built-ins.
    let mut deps = IndexBuilder::new();
    deps.insert("vfat", "kernel/vfat.ko:", 0);
    fs::write(dir.join("modules.dep.bin"), deps.to_bytes().expect("index")).expect("write");
    assert_eq!(
        run(field("filename"), "fs-vfat"),
        (format!("{}\n", dir.join("kernel/vfat.ko").display()), 0)
    );
    fs::remove_dir_all(&dir).expect("cleanup");
}
