//! Group decryption on arbitrary bytes, and on honestly built group messages whose signed body
//! is the fuzzer's: the first byte picks `d` (a serialized Envelope) or `z` (a zstd frame),
//! the rest is the body, signed by a fixed member key and sealed with the group key, so the
//! zstd and Envelope parsing behind the signature check are reached.
//!
//! The body is the repository's `tests/fuzz/bodies/group_decrypt.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run group_decrypt /tmp/corpus-group_decrypt ../tests/fuzz/corpus/group_decrypt`
#![no_main]

#[path = "../../tests/fuzz/bodies/group_decrypt.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
