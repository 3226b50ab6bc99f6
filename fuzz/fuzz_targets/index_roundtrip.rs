//! Fuzz target `index_roundtrip`: the body is `common/tests/entry/mod.rs`'s `index_roundtrip`, which the stable
//! test `common/tests/fuzz_regressions.rs` runs on every saved crashing input.
#![no_main]

#[path = "../../common/tests/entry/mod.rs"]
#[allow(dead_code)]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::index_roundtrip(data));
