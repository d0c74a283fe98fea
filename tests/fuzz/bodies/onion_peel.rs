//! Peel of honestly encrypted layers whose plaintext the fuzzer chooses, so the frame and JSON
//! parsers behind the AEAD are reached: peeling never fails (the layer is authentic), and every
//! outcome is self-consistent.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use session_protocol::onion::{
    Hop, HopCipher, HopDraw, NodeSecret, decode_relay, is_allowed_target, parse_entry, peel,
    seal_layer,
};

pub(crate) fn run(data: &[u8]) {
    let Some((&flags, plaintext)) = data.split_first() else {
        return;
    };
    let cipher = if flags & 1 == 0 {
        HopCipher::XChaCha20
    } else {
        HopCipher::Aes256Gcm
    };
    let node = NodeSecret::from_x25519_secret([0x21; 32]);
    let draw = HopDraw::new([flags; 32], [flags ^ 0x5a; 24]);
    let mut packet =
        seal_layer(&node.public(), plaintext, cipher, draw).expect("valid key, small input");
    let layer = parse_entry(&mut packet).expect("own entry frame parses");
    assert_eq!(layer.cipher(), cipher);
    assert_eq!(layer.hop_no(), 0);
    let peeled = peel(&node, layer).expect("authentic layer peels");
    match peeled.hop {
        Hop::Forward { relay, .. } => {
            assert!(relay.data().len() < plaintext.len());
            assert_eq!(relay.hop_no(), 1, "an entry layer forwards as hop 1");
            let mut msg = relay.encode();
            if let Ok(next) = decode_relay(&mut msg) {
                assert_eq!(next.ciphertext(), relay.data());
                assert_eq!(next.ephemeral_key(), &relay.ephemeral_key());
                assert_eq!(next.cipher(), relay.cipher());
                assert_eq!(next.hop_no(), relay.hop_no());
            }
        }
        Hop::Deliver { body, .. } => assert!(body.len() < plaintext.len()),
        Hop::Proxy { request, .. } => {
            assert_eq!(request.body, plaintext);
            assert!(is_allowed_target(&request.target));
            assert!(!request.host.is_empty());
        }
        Hop::Refused { error, .. } => assert_eq!(error.status(), 400),
        _ => {}
    }
}
