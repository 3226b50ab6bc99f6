//! The bodies of the fuzz targets, shared by `fuzz/fuzz_targets/*.rs` (which include this file
//! by path) and by `tests/fuzz_regressions.rs` (which runs every saved input under
//! `tests-data/fuzz-regressions/<target>/` through the same function).
//!
//! Each function takes arbitrary bytes, feeds them to one of `common`'s parsers of untrusted
//! input and panics only when an invariant fails: a parser itself must never panic, and where two
//! entry points promise the same answer (the sparse and the full ELF parse, a lookup and a dump
//! of the same index, a written index read back) the function checks that they give it.

use std::io;
use std::path::Path;

use common::config::depmod::{kver_matches, DepmodConfig};
use common::config::modprobe::ModprobeConfig;
use common::elf::{self, ModuleElf, SparseError};
use common::error::Error;
use common::file::{decompress, Compression, DecompressError, ModuleFile};
use common::index::bin::{Index, IndexBuilder, IndexError};
use common::index::lookup::Indexes;
use common::modprobe::{PlanOptions, Planner};
use common::pattern::fnmatch as our_fnmatch;
use common::report::Collected;
use common::signature::{self, IdType, SIGNATURE_MAGIC};

/// A fuzz target's body.
pub type Body = fn(&[u8]);

/// Every target: its name (the directory of its saved inputs) and its body.
pub const TARGETS: &[(&str, Body)] = &[
    ("module_file", module_file),
    ("elf", elf),
    ("signature", signature),
    ("index", index),
    ("index_roundtrip", index_roundtrip),
    ("fnmatch", fnmatch),
    ("modprobe_config", modprobe_config),
    ("cmdline", cmdline),
    ("depmod_config", depmod_config),
    ("kver", kver),
];

/// The decompressed-size limit the fuzz targets use: the tools allow 1 GiB
/// (`common::file::MAX_IMAGE_SIZE`), far more than libFuzzer's memory limit; the bound is
/// the same code either way.
const FUZZ_IMAGE_LIMIT: u64 = 64 << 20;

/// Splits `data` at its first NUL: `(before, after)`; all of it is `before` without one.
fn split_nul(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[]),
    }
}

/// `read_exact_at` over bytes in memory, as the sparse readers expect it.
fn read_at(data: &[u8], buf: &mut [u8], at: u64) -> io::Result<()> {
    let start = usize::try_from(at).map_err(|_| io::ErrorKind::UnexpectedEof)?;
    let part = start
        .checked_add(buf.len())
        .and_then(|end| data.get(start..end))
        .ok_or(io::ErrorKind::UnexpectedEof)?;
    buf.copy_from_slice(part);
    Ok(())
}

/// Opening a module file: compression sniffed from the first bytes, the stream undone with a
/// size limit, and the image parsed as [`elf`] does. The same bytes written to a file and read
/// through `ModuleFile` (as the tools do) give the same image or the same kind of failure.
pub fn module_file(data: &[u8]) {
    let format = Compression::detect(data);
    let decompressed = decompress(data, format, FUZZ_IMAGE_LIMIT);
    match &decompressed {
        Ok(image) => {
            assert!(image.len() as u64 <= FUZZ_IMAGE_LIMIT);
            if format == Compression::None {
                assert_eq!(image, data);
            }
            elf(image);
        }
        Err(e) => {
            assert_ne!(format, Compression::None, "a plain image can't fail: {e}");
        }
    }
    // Through a file, unless the stream expands past the fuzzing limit (the file path allows
    // 1 GiB, too much for libFuzzer's memory limit to be worth it).
    if matches!(decompressed, Err(DecompressError::TooLarge { .. })) {
        return;
    }
    let path = std::env::temp_dir().join(format!("modutils-fuzz-{}.ko", std::process::id()));
    std::fs::write(&path, data).expect("writing the scratch module file");
    let file = ModuleFile::open(&path).expect("opening the scratch module file");
    assert_eq!(file.compression(), format);
    let read = file.read_image();
    let _ = std::fs::remove_file(&path);
    match (read, decompressed) {
        (Ok(a), Ok(b)) => assert!(a == b, "the file gives another image"),
        (Err(Error::Decompress { .. }), Err(_)) => {}
        (a, b) => panic!(
            "through the file {:?}, in memory {:?}",
            a.map(|i| i.len()),
            b.map(|i| i.len())
        ),
    }
}

/// A module image: the full parse and the sparse one depmod uses agree, `.modinfo` as modinfo
/// reads it (sparse and full) agrees, the signature trailer, and the in-place edits of forced
/// loads.
pub fn elf(data: &[u8]) {
    let full = ModuleElf::parse(data);
    let sparse = ModuleElf::parse_sparse(data.len(), &mut |buf, at| read_at(data, buf, at));
    match (&full, &sparse) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "sparse parse differs from the full one"),
        (Err(_), Err(SparseError::Elf(_))) => {}
        _ => panic!("full parse {full:?}, sparse parse {sparse:?}"),
    }
    // depmod's way: in a reused buffer holding other bytes, keeping three keys and no
    // `__versions`; it reads only bytes it loaded, and keeps exactly what it was asked for.
    let keys = ["alias", "softdep", "weakdep"];
    let keep = elf::Keep {
        modinfo_keys: Some(&keys),
        versions: false,
    };
    let mut garbage = vec![0xA5u8; data.len()];
    let reused =
        ModuleElf::parse_sparse_in(&mut garbage, &mut |buf, at| read_at(data, buf, at), keep);
    match (&full, &reused) {
        (Ok(a), Ok(b)) => {
            let mut a = a.clone();
            a.modinfo.retain(|(k, _)| keys.contains(&k.as_str()));
            a.versions.clear();
            assert_eq!(
                &a, b,
                "sparse parse in a reused buffer differs from the full one"
            );
        }
        (Err(_), Err(SparseError::Elf(_))) => {}
        _ => panic!("full parse {full:?}, sparse parse in a reused buffer {reused:?}"),
    }
    if let Ok(m) = &full {
        // The accessors the tools use.
        let _ = (m.vermagic(), m.name(), m.get_all("alias").count());
        assert_eq!(m.undefined.iter().count(), m.undefined.len());
    }

    let strings = elf::modinfo_strings(data);
    let buf = elf::read_modinfo_sparse(data.len(), &mut |buf, at| read_at(data, buf, at))
        .expect("in-memory reads within the length succeed");
    assert_eq!(buf.len(), data.len());
    assert_eq!(
        elf::modinfo_strings(&buf),
        strings,
        "modinfo's sparse read differs from the full one"
    );

    signature_checks(data);

    // The edits of a forced load. (Nothing is asserted about parsing the result: in a hostile
    // file the edited bytes may also belong to other sections or to the header table.)
    let mut copy = data.to_vec();
    if elf::strip_for_force(&mut copy, true, true).is_ok() {
        assert_eq!(copy.len(), data.len());
    }
}

/// The signature trailer of `image`, checked against the range modinfo reads it from.
fn signature_checks(image: &[u8]) {
    let parsed = signature::parse(image);
    let range = signature::fields_range(image);
    if parsed.is_ok() {
        let range = range.expect("a parsed signature has a field range");
        assert!(range.end <= image.len());
    }
    assert_eq!(elf::has_signature(image), image.ends_with(SIGNATURE_MAGIC));
}

/// A signature trailer around arbitrary bytes: the input itself as an image, and the input as
/// the signature of each identifier type (PKCS#7 DER for type 2), with signer and key id taken
/// from its first bytes for types 0 and 1 (which must come back unchanged).
pub fn signature(data: &[u8]) {
    signature_checks(data);
    let (&[signer_len, key_len], body) = data.split_first_chunk::<2>().unwrap_or((&[0, 0], data));
    for id in 0..=3u8 {
        let (signer_len, key_len) = match id {
            2 => (0, 0),
            _ => (
                usize::from(signer_len).min(body.len()),
                usize::from(key_len).min(body.len()),
            ),
        };
        let (signer, rest) = body.split_at(signer_len);
        let (key, sig) = rest.split_at(key_len.min(rest.len()));
        let mut image = b"\x7fELF not really".to_vec();
        image.extend_from_slice(signer);
        image.extend_from_slice(key);
        image.extend_from_slice(sig);
        let sig_len = u32::try_from(sig.len()).expect("fuzz inputs are small");
        image.extend_from_slice(&[1, 4, id, signer.len() as u8, key.len() as u8, 0, 0, 0]);
        image.extend_from_slice(&sig_len.to_be_bytes());
        image.extend_from_slice(SIGNATURE_MAGIC);
        signature_checks(&image);
        match (id, signature::parse(&image)) {
            (0 | 1, Ok(s)) => {
                assert_eq!(s.signer, signer);
                assert_eq!(s.key_id, key);
                assert_eq!(s.signature, sig);
            }
            (0 | 1, Err(e)) => assert!(sig.is_empty(), "{e}"),
            (2, Ok(s)) => assert_eq!(s.id_type, IdType::Pkcs7),
            (3, Ok(s)) => panic!("unknown identifier type accepted: {s:?}"),
            _ => {}
        }
    }
}

/// The `.bin` index reader on a hostile file: the first byte is the length of a query, then the
/// query, then the file. Exact and wildcard lookups and the full dump; a lookup of a dumped key
/// finds the dumped values.
pub fn index(data: &[u8]) {
    let Some((&qlen, rest)) = data.split_first() else {
        return;
    };
    let qlen = usize::from(qlen).min(rest.len());
    let (query, file) = rest.split_at(qlen);
    let query = String::from_utf8_lossy(query);
    let Ok(index) = Index::new(file) else {
        return;
    };
    let exact = index.lookup_exact(&query);
    let all = index.values_exact(&query);
    if let (Ok(first), Ok(all)) = (&exact, &all) {
        assert_eq!(*first, all.first().map(|v| v.value));
    }
    let wildcard = index.lookup_wildcard(&query);
    if let Ok(found) = &wildcard {
        assert!(found.windows(2).all(|w| w[0].priority <= w[1].priority));
    }
    if let Ok(entries) = index.entries() {
        // The wildcard walk prunes; the model tries every dumped key. (A query with glob
        // characters makes the walk visit some keys twice, as kmod does: not modelled.)
        let plain = !query.bytes().any(|c| b"*?[".contains(&c));
        let lossless = !entries
            .iter()
            .any(|(k, _)| k.contains(char::REPLACEMENT_CHARACTER));
        if let (Ok(found), true, true) = (&wildcard, plain, lossless) {
            assert_eq!(*found, brute_wildcard(&entries, &query), "query {query:?}");
        }
        let mut streamed = Vec::new();
        index
            .for_each_entry(|key, values| {
                streamed.push((key.to_string(), values.to_vec()));
                Ok::<(), IndexError>(())
            })
            .expect("the streaming dump reads what the dump read");
        assert_eq!(streamed, entries);
        for (key, values) in entries.iter().take(64) {
            if key.contains(char::REPLACEMENT_CHARACTER) {
                continue;
            }
            assert_eq!(
                index.values_exact(key).as_ref(),
                Ok(values),
                "dumped key {key:?}"
            );
        }
    }
}

/// What a wildcard lookup of `query` must return, from the dumped entries: a key is compared
/// byte for byte up to its first glob character, and the rest with `fnmatch`; values sorted by
/// priority, stable.
fn brute_wildcard<'a>(
    entries: &[(String, Vec<common::index::bin::IndexValue<'a>>)],
    query: &str,
) -> Vec<common::index::bin::IndexValue<'a>> {
    let q = query.as_bytes();
    let mut out = Vec::new();
    for (key, values) in entries {
        let k = key.as_bytes();
        let matched = match k.iter().position(|c| b"*?[".contains(c)) {
            None => k == q,
            Some(g) => q.len() >= g && k[..g] == q[..g] && our_fnmatch(&k[g..], &q[g..]),
        };
        if matched {
            out.extend(values.iter().copied());
        }
    }
    out.sort_by_key(|v| v.priority);
    out
}

/// The `.bin` index writer: lines `key<TAB>value` become entries (priority: the line number
/// modulo 4), the index is written, read back and must hold exactly what was inserted.
pub fn index_roundtrip(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut builder = IndexBuilder::new();
    let mut model: Vec<(String, String, u32)> = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        let (key, value) = line.split_once('\t').unwrap_or((line, ""));
        let priority = (i % 4) as u32;
        match builder.try_insert(key, value, priority) {
            Ok(()) => model.push((key.to_string(), value.to_string(), priority)),
            Err(IndexError::BadEntry { .. }) => {
                assert!(
                    key.bytes().any(|b| b == 0 || b >= 128) || value.contains('\0'),
                    "entry {key:?} {value:?} refused"
                );
            }
            Err(e) => panic!("insert: {e}"),
        }
    }
    let bytes = builder.to_bytes().expect("small indexes serialise");
    let index = Index::new(&bytes).expect("our own header");
    let entries = index.entries().expect("our own index reads back");
    // Expected: keys sorted; values by ascending priority, the newest first among equals.
    let mut expected: std::collections::BTreeMap<&str, Vec<(u32, &str)>> = Default::default();
    for (k, v, p) in model.iter().rev() {
        expected.entry(k).or_default().push((*p, v));
    }
    let expected: Vec<(String, Vec<(u32, String)>)> = expected
        .into_iter()
        .map(|(k, mut vs)| {
            vs.sort_by_key(|v| v.0);
            let vs = vs.into_iter().map(|(p, v)| (p, v.to_string())).collect();
            (k.to_string(), vs)
        })
        .collect();
    let got: Vec<(String, Vec<(u32, String)>)> = entries
        .iter()
        .map(|(k, vs)| {
            let vs = vs
                .iter()
                .map(|v| (v.priority, v.value.to_string()))
                .collect();
            (k.clone(), vs)
        })
        .collect();
    assert_eq!(got, expected);
    for (key, values) in expected.iter().take(64) {
        let first = index.lookup_exact(key).expect("our own index");
        assert_eq!(first, values.first().map(|v| v.1.as_str()));
    }
}

/// `fnmatch` on a pattern and a string (split at the first NUL); a pattern without special
/// characters matches exactly itself.
pub fn fnmatch(data: &[u8]) {
    let (pattern, s) = split_nul(data);
    let matched = our_fnmatch(pattern, s);
    if !pattern.iter().any(|b| b"*?[\\".contains(b)) {
        assert_eq!(matched, pattern == s);
    }
    assert!(our_fnmatch(b"*", s));
}

/// A `modprobe.d` file, then lookups and load plans for the names it mentions (against a
/// module directory that doesn't exist, so only the configuration answers).
pub fn modprobe_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut config = ModprobeConfig::default();
    config.parse_into(&text, Path::new("fuzz.conf"), &Collected::new());
    exercise_modprobe(config);
}

/// The kernel command line, then the same lookups.
pub fn cmdline(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut config = ModprobeConfig::default();
    config.parse_cmdline(&text, &Collected::new());
    for (module, _) in config.options() {
        assert!(config.options_for(module).is_some(), "{module:?}");
    }
    exercise_modprobe(config);
}

fn exercise_modprobe(config: ModprobeConfig) {
    let mut shown = Vec::new();
    config.show_config(&mut shown).expect("writing to memory");
    let mut names: Vec<String> = Vec::new();
    names.extend(
        config
            .aliases()
            .iter()
            .flat_map(|(p, m)| [p.clone(), m.clone()]),
    );
    names.extend(config.options().iter().map(|(m, _)| m.clone()));
    names.extend(config.install().iter().map(|(m, _)| m.clone()));
    names.extend(config.blacklist().iter().cloned());
    for s in config.softdeps() {
        names.push(s.module.clone());
        names.extend(s.pre.iter().chain(&s.post).cloned());
    }
    names.truncate(32);
    let planner = Planner {
        indexes: Indexes::new("/nonexistent/modutils-fuzz"),
        config,
        options: PlanOptions::default(),
    };
    for name in &names {
        let _ = (
            planner.config.options_for(name),
            planner.config.is_blacklisted(name),
            planner.config.install_command(name),
            planner.config.remove_command(name),
            planner.config.softdep_for(name).map(|s| s.display_line()),
            planner.config.weakdep_for(name),
        );
        let lookup = planner.lookup(name).expect("no index files to fail");
        let mut plan = Vec::new();
        for target in &lookup.targets {
            let _ = planner.blacklisted(&lookup, name);
            planner
                .plan_load(target, "", None, &mut Default::default(), &mut plan)
                .expect("no index files to fail");
        }
        for step in &plan {
            let _ = (step.show_line(), step.module());
        }
    }
}

/// A `depmod.d` file: the first line is the kernel release, the rest the file. Then the
/// priorities of a few module paths, including ones the file names.
pub fn depmod_config(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (release, text) = text.split_once('\n').unwrap_or(("6.1.0-56-amd64", &text));
    let mut config = DepmodConfig::default();
    config.parse_into(text, Path::new("fuzz.conf"), release, &Collected::new());
    let mut paths: Vec<String> = [
        "kernel/drivers/net/dummy.ko",
        "updates/dkms/x.ko",
        "extra/x.ko.xz",
        "/opt/ext/x.ko",
        "x.ko",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for o in &config.overrides {
        paths.push(format!("{}/{}.ko", o.subdir, o.module));
    }
    for e in &config.external {
        paths.push(format!("{}/sub/y.ko", e.display()));
    }
    paths.truncate(32);
    let _ = (config.effective_search(), config.external_priority());
    for path in &paths {
        let module = common::name::from_path(Path::new(path));
        let priority = config.priority(&module, path);
        assert_eq!(priority.is_some(), config.search_priority(path).is_some());
        let _ = (config.override_for(&module), config.is_excluded(path));
    }
}

/// A KVER field (a POSIX extended regular expression) and a release, split at the first NUL.
pub fn kver(data: &[u8]) {
    let (pattern, release) = split_nul(data);
    let pattern = String::from_utf8_lossy(pattern);
    let release = String::from_utf8_lossy(release);
    let _ = kver_matches(&pattern, &release);
    assert!(kver_matches("*", &release));
}
