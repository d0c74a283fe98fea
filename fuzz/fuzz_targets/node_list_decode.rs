//! The node-list decoders on arbitrary bytes: never panic, never keep a node whose keys
//! disagree, and account for every entry (kept or skipped).
//!
//! The body is the repository's `tests/fuzz/bodies/node_list_decode.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run node_list_decode /tmp/corpus-node_list_decode ../tests/fuzz/corpus/node_list_decode`
#![no_main]

#[path = "../../tests/fuzz/bodies/node_list_decode.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
