//! The node-to-node relay codec on arbitrary bytes: no panics, and what decodes re-encodes to
//! an equivalent message.
//!
//! The body is the repository's `tests/fuzz/bodies/onion_relay.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run onion_relay /tmp/corpus-onion_relay ../tests/fuzz/corpus/onion_relay`
#![no_main]

#[path = "../../tests/fuzz/bodies/onion_relay.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
