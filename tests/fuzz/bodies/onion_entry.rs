//! Entry-frame parsing (and an attempt to peel) on arbitrary bytes: typed errors, no panics,
//! and whatever parses keeps its ciphertext inside the input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use session_protocol::onion::{NodeSecret, PeelError, parse_entry, peel};

pub(crate) fn run(data: &[u8]) {
    let mut buf = data.to_vec();
    if let Ok(layer) = parse_entry(&mut buf) {
        assert!(layer.ciphertext().len() + 4 <= data.len());
        assert!(layer.hop_no() <= 15);
        let node = NodeSecret::from_x25519_secret([7; 32]);
        // Nobody but the fuzzer made this layer: it cannot authenticate.
        let err = peel(&node, layer).expect_err("a forged layer never peels");
        assert!(
            matches!(err, PeelError::Decrypt | PeelError::WeakKey),
            "{err:?}"
        );
    }
}
