//! Blinded-DM decryption on arbitrary bytes, and on authentic blinded DMs whose inner plaintext
//! (message || claimed sender key) is the fuzzer's, so the inner-length, sender-key and
//! SenderMismatch checks behind the AEAD are reached. The first byte picks the scheme (bit 0)
//! and the reader: the recipient, or the sender reading its outbox (bit 1).
//!
//! The body is the repository's `tests/fuzz/bodies/blinded_decrypt.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run blinded_decrypt /tmp/corpus-blinded_decrypt ../tests/fuzz/corpus/blinded_decrypt`
#![no_main]

#[path = "../../tests/fuzz/bodies/blinded_decrypt.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
