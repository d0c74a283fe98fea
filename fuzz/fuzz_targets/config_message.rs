//! Config messages, payloads and dumps on arbitrary bytes: never panic, and what parses
//! round-trips and merges.
//!
//! The body is the repository's `tests/fuzz/bodies/config_message.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run config_message /tmp/corpus-config_message ../tests/fuzz/corpus/config_message`
#![no_main]

#[path = "../../tests/fuzz/bodies/config_message.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
