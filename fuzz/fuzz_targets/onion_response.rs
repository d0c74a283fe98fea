//! Response opening: arbitrary bytes never panic the opener, and arbitrary plaintexts sealed
//! with the real reply key reach the response parsers behind the AEAD.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::onion::{
    Destination, Hop, HopCipher, NodeKeys, NodeSecret, build_request, parse_entry, peel,
};

fuzz_target!(|data: &[u8]| {
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
    // Arbitrary bytes as a response.
    let _ = onion.response.open(rest);
    // Arbitrary plaintext sealed with the destination's reply key.
    let secret = NodeSecret::from_identity(&node);
    let mut packet = onion.packet;
    let mut layer = parse_entry(&mut packet).expect("own packet");
    let mut relayed;
    let reply = loop {
        match peel(&secret, layer).expect("own packet peels").hop {
            Hop::Forward { relay, .. } => {
                relayed = relay.encode();
                layer = session_protocol::onion::decode_relay(&mut relayed).expect("own relay");
            }
            Hop::Deliver { reply, .. } => break reply,
            other => panic!("unexpected {other:?}"),
        }
    };
    let sealed = if flags & 2 == 0 {
        reply.seal_bytes(rest, &mut rng)
    } else {
        reply.seal(200, &String::from_utf8_lossy(rest), &mut rng)
    };
    if let Ok(resp) = onion.response.open(&sealed)
        && flags & 2 != 0
    {
        assert_eq!(resp.status, 200);
    }
});
