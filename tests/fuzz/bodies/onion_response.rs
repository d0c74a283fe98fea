//! Response opening: arbitrary bytes never panic the opener, and arbitrary plaintexts sealed
//! with the real reply key reach the response parsers behind the AEAD.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::onion::{
    Destination, Hop, HopCipher, NodeKeys, NodeSecret, ResponseError, build_request, decode_relay,
    parse_entry, peel,
};

pub(crate) fn run(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let cipher = if flags & 1 == 0 {
        HopCipher::XChaCha20
    } else {
        HopCipher::Aes256Gcm
    };
    let node = Identity::from_seed(&[3; 32]);
    let mut rng = ChaCha20Rng::from_seed([flags; 32]);
    // The node is both the one path node and the destination.
    let keys = NodeKeys::from_identity(&node);
    let onion = build_request(&[keys], &Destination::Node(keys), b"{}", cipher, &mut rng)
        .expect("valid request");
    // Arbitrary bytes as a response: nobody without the key makes one that opens.
    let forged = onion.response.open(rest);
    assert!(
        matches!(
            forged,
            Err(ResponseError::Decrypt | ResponseError::TooLarge)
        ),
        "{forged:?}"
    );
    // Arbitrary plaintext sealed with the destination's reply key.
    let secret = NodeSecret::from_identity(&node);
    let mut packet = onion.packet;
    let mut layer = parse_entry(&mut packet).expect("own packet");
    let mut relayed;
    let reply = loop {
        match peel(&secret, layer).expect("own packet peels").hop {
            Hop::Forward { relay, .. } => {
                relayed = relay.encode();
                layer = decode_relay(&mut relayed).expect("own relay");
            }
            Hop::Deliver { reply, .. } => break reply,
            other => panic!("unexpected {other:?}"),
        }
    };
    if flags & 2 == 0 {
        let sealed = reply.seal_bytes(rest, &mut rng);
        match onion.response.open(&sealed) {
            Ok(_) | Err(ResponseError::Malformed) => {}
            Err(e) => panic!("an authentic response failed with {e:?}"),
        }
    } else {
        let body = String::from_utf8_lossy(rest);
        let sealed = reply.seal(200, &body, &mut rng);
        let resp = onion.response.open(&sealed).expect("a sealed answer opens");
        assert_eq!(resp.status, 200);
        assert_eq!(resp.body, body.as_bytes(), "the body comes back unchanged");
    }
}
