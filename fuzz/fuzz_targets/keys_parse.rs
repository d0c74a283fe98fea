//! Key material and signatures from outside: `Identity::from_libsodium_secret_key`,
//! `parse_hex_key`, `verify_ed25519` with a fuzzer-chosen key, signature and message, and
//! `SessionId`'s serde `Deserialize` through serde_json. No panics, and each accepts exactly
//! what it documents.
//!
//! The body is the repository's `tests/fuzz/bodies/keys_parse.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run keys_parse /tmp/corpus-keys_parse ../tests/fuzz/corpus/keys_parse`
#![no_main]

#[path = "../../tests/fuzz/bodies/keys_parse.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
