//! Fuzz target `depmod_config`: the body is `common/tests/entry/mod.rs`'s `depmod_config`, which the stable
//! test `common/tests/fuzz_regressions.rs` runs on every saved crashing input.
#![no_main]

#[path = "../../common/tests/entry/mod.rs"]
#[allow(dead_code)]
mod entry;

libfuzzer_sys::fuzz_target!(|data: &[u8]| entry::depmod_config(data));
