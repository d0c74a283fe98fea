//! Peel of honestly encrypted layers whose plaintext the fuzzer chooses, so the frame and JSON
//! parsers behind the AEAD are reached: peeling never fails (the layer is authentic), and every
//! outcome is self-consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_protocol::onion::{
    Hop, HopCipher, HopDraw, NodeSecret, decode_relay, parse_entry, peel, seal_layer,
};

fuzz_target!(|data: &[u8]| {
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
    let peeled = peel(&node, layer).expect("authentic layer peels");
    match peeled.hop {
        Hop::Forward { relay, .. } => {
            assert!(relay.data.len() < plaintext.len());
            assert!((1..=15).contains(&relay.hop_no));
            let mut msg = relay.encode();
            if let Ok(next) = decode_relay(&mut msg) {
                assert_eq!(next.ciphertext(), relay.data);
            }
        }
        Hop::Deliver { body, .. } => assert!(body.len() < plaintext.len()),
        Hop::Proxy { request, .. } => {
            assert_eq!(request.body, plaintext);
            assert!(session_protocol::onion::is_allowed_target(&request.target));
        }
        Hop::Refused { error, .. } => assert_eq!(error.status(), 400),
        _ => {}
    }
});
