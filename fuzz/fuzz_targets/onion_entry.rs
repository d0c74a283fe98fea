//! Entry-frame parsing (and an attempt to peel) on arbitrary bytes: typed errors, no panics,
//! and whatever parses keeps its ciphertext inside the input.
//!
//! The body is the repository's `tests/fuzz/bodies/onion_entry.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run onion_entry /tmp/corpus-onion_entry ../tests/fuzz/corpus/onion_entry`
#![no_main]

#[path = "../../tests/fuzz/bodies/onion_entry.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
