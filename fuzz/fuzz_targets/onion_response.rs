//! Response opening: arbitrary bytes never panic the opener, and arbitrary plaintexts sealed
//! with the real reply key reach the response parsers behind the AEAD.
//!
//! The body is the repository's `tests/fuzz/bodies/onion_response.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run onion_response /tmp/corpus-onion_response ../tests/fuzz/corpus/onion_response`
#![no_main]

#[path = "../../tests/fuzz/bodies/onion_response.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
