//! The small formats a client decrypts or decodes: `Content::from_bytes`, push-notification
//! payloads, ONS answers and multi-recipient messages (`multi::open_from`,
//! `multi::open_simple`). Each on arbitrary bytes (typed errors, no panics, nothing forged
//! opens) and, for the encrypted ones, on fuzzer-chosen plaintexts encrypted honestly, which
//! must come back exactly.
//!
//! The body is the repository's `tests/fuzz/bodies/small_formats.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run small_formats /tmp/corpus-small_formats ../tests/fuzz/corpus/small_formats`
#![no_main]

#[path = "../../tests/fuzz/bodies/small_formats.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
