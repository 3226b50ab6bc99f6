//! Small hostile inputs must not make a parser allocate without bound. Each case is an input of
//! a few KiB that once took gigabytes; this binary holds a single test, so the process's peak
//! resident size (`VmHWM` in `/proc/self/status`) after running every case measures them alone.

use std::fs;

use common::config::depmod::kver_matches;
use common::index::bin::{Index, IndexError, FLAG_CHILDS, FLAG_VALUES, MAGIC, VERSION};

/// The ceiling for the whole process, test harness included.
const PEAK_LIMIT_KIB: u64 = 256 * 1024;

fn peak_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line")
}

/// An index whose nodes form one chain of `depth` nodes (15 bytes each), each with one value and
/// one child 'a': keys of every length up to `depth`.
fn chain_index(depth: u32) -> Vec<u8> {
    let mut out = Vec::new();
    for word in [MAGIC, VERSION, 12 | FLAG_CHILDS] {
        out.extend_from_slice(&word.to_be_bytes());
    }
    for i in 0..depth {
        out.extend_from_slice(b"aa");
        let next = if i + 1 < depth {
            (12 + (i + 1) * 15) | FLAG_CHILDS | FLAG_VALUES
        } else {
            0
        };
        for word in [next, 1, 0] {
            out.extend_from_slice(&word.to_be_bytes());
        }
        out.push(0);
    }
    out
}

#[test]
fn hostile_inputs_stay_small() {
    // depmod.d KVER: one big bracket expression repeated 255 * 255 times (was 0.5 GiB: the set
    // was copied per repetition).
    let big_set: String = (0..1000u32)
        .filter_map(|i| char::from_u32(0x4e00 + i))
        .collect();
    assert!(!kver_matches(
        &format!("[{big_set}]{{255}}{{255}}"),
        "6.1.0"
    ));
    // depmod.d KVER: 2000 groups and a back reference (was 7.5 GiB and 28 s: every step of the
    // matcher remembered all 4002 capture slots).
    let groups = format!("{}(a*)*b\\1", "()".repeat(2000));
    assert!(!kver_matches(&groups, &"a".repeat(60)));
    let many = format!("(a){}\\1", "()".repeat(2000));
    assert!(kver_matches(&many, "xaa"));
    assert!(!kver_matches(&many, "xab"));

    // modules.alias.bin of 1 MiB, one chain (a dump of it was 2.4 GB of keys and 10 s).
    let bytes = chain_index(70_000);
    let index = Index::new(&bytes).expect("header");
    assert_eq!(index.entries().map(|e| e.len()), Err(IndexError::TooDeep));
    assert_eq!(index.lookup_exact("aaaa"), Ok(Some("")));

    let peak = peak_kib();
    assert!(
        peak < PEAK_LIMIT_KIB,
        "peak resident size {peak} KiB (limit {PEAK_LIMIT_KIB} KiB)"
    );
}
