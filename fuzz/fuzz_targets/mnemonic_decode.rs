//! Recovery-phrase decoding on arbitrary text: never panics, and a phrase that decodes
//! re-encodes to words with the same prefixes (so it decodes to the same seed again).
//!
//! The body is the repository's `tests/fuzz/bodies/mnemonic_decode.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run mnemonic_decode /tmp/corpus-mnemonic_decode ../tests/fuzz/corpus/mnemonic_decode`
#![no_main]

#[path = "../../tests/fuzz/bodies/mnemonic_decode.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
