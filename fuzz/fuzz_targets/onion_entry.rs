//! Entry-frame parsing (and an attempt to peel) on arbitrary bytes: typed errors, no panics,
//! and whatever parses keeps its ciphertext inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_protocol::onion::{NodeSecret, parse_entry, peel};

fuzz_target!(|data: &[u8]| {
    let mut buf = data.to_vec();
    if let Ok(layer) = parse_entry(&mut buf) {
        assert!(layer.ciphertext().len() + 4 <= data.len());
        assert!(layer.hop_no() <= 15);
        let node = NodeSecret::from_x25519_secret([7; 32]);
        let _ = peel(&node, layer);
    }
});
