//! open_incoming on arbitrary bytes, and on arbitrary inner payloads sealed honestly to the
//! recipient (so the split, signature and sender-key checks behind the sealed box are reached).
//!
//! The body is the repository's `tests/fuzz/bodies/envelope_decrypt.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run envelope_decrypt /tmp/corpus-envelope_decrypt ../tests/fuzz/corpus/envelope_decrypt`
#![no_main]

#[path = "../../tests/fuzz/bodies/envelope_decrypt.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
