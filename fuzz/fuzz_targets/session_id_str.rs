//! `SessionId::from_str` on arbitrary text: never panics, and what parses prints back to the
//! same id (lowercase).
//!
//! The body is the repository's `tests/fuzz/bodies/session_id_str.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run session_id_str /tmp/corpus-session_id_str ../tests/fuzz/corpus/session_id_str`
#![no_main]

#[path = "../../tests/fuzz/bodies/session_id_str.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
