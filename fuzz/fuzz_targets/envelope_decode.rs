//! open_1o1 on arbitrary bytes (typed errors, no panics, nothing kept beyond the input),
//! and on honestly encoded messages whose `Content` bytes the fuzzer chooses (so the padding
//! handling behind the encryption is reached): those decode back to exactly what was sent.
//!
//! The body is the repository's `tests/fuzz/bodies/envelope_decode.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run envelope_decode /tmp/corpus-envelope_decode ../tests/fuzz/corpus/envelope_decode`
#![no_main]

#[path = "../../tests/fuzz/bodies/envelope_decode.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
