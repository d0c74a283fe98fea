//! Peel of honestly encrypted layers whose plaintext the fuzzer chooses, so the frame and JSON
//! parsers behind the AEAD are reached: peeling never fails (the layer is authentic), and every
//! outcome is self-consistent.
//!
//! The body is the repository's `tests/fuzz/bodies/onion_peel.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run onion_peel /tmp/corpus-onion_peel ../tests/fuzz/corpus/onion_peel`
#![no_main]

#[path = "../../tests/fuzz/bodies/onion_peel.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
