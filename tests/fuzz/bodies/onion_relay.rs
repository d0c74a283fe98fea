//! The node-to-node relay codec on arbitrary bytes: no panics, and what decodes re-encodes to
//! an equivalent message.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use session_protocol::onion::{Relay, decode_relay};

pub(crate) fn run(data: &[u8]) {
    let mut buf = data.to_vec();
    let Ok(layer) = decode_relay(&mut buf) else {
        return;
    };
    let relay = Relay::new(
        layer.ciphertext(),
        *layer.ephemeral_key(),
        layer.cipher(),
        layer.hop_no(),
    )
    .expect("a decoded relay's fields are valid");
    let mut again = Vec::new();
    relay.encode_into(&mut again);
    assert_eq!(again.len(), relay.encoded_len());
    let back = decode_relay(&mut again).expect("re-encoded relay decodes");
    assert_eq!(back.ciphertext(), relay.data());
    assert_eq!(back.ephemeral_key(), &relay.ephemeral_key());
    assert_eq!(back.cipher(), relay.cipher());
    assert_eq!(back.hop_no(), relay.hop_no());
}
