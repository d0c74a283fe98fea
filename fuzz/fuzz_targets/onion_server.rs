//! The onion-capable HTTP server's side and the client's reading of its answers:
//! `open_request` and the v4 decoders on arbitrary bytes, `open_request` on honestly sealed
//! layers whose plaintext the fuzzer chooses, and `ResponseKey::open` on v4 answers the server
//! sealed honestly around fuzzer-chosen plaintext (so the v4 decoder behind the AEAD is reached
//! through the real reply key).
//!
//! The body is the repository's `tests/fuzz/bodies/onion_server.rs`, shared with
//! `tests/fuzz_regressions.rs`. Run from `fuzz/`:
//! `RUSTC_BOOTSTRAP=1 cargo fuzz run onion_server /tmp/corpus-onion_server ../tests/fuzz/corpus/onion_server`
#![no_main]

#[path = "../../tests/fuzz/bodies/onion_server.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| body::run(data));
