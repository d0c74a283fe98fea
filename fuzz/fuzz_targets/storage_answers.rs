//! The storage-answer decoders and the network clock on arbitrary bytes: never panic, keep
//! only well-formed hashes, count only verified store confirmations.
//!
//! The body is the repository's `tests/fuzz/bodies/storage_answers.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run storage_answers /tmp/corpus-storage_answers ../tests/fuzz/corpus/storage_answers`
#![no_main]

#[path = "../../tests/fuzz/bodies/storage_answers.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
