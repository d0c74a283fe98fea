//! The onion-capable HTTP server's side and the client's reading of its answers:
//! `open_request` and the v4 decoders on arbitrary bytes, `open_request` on honestly sealed
//! layers whose plaintext the fuzzer chooses, and `ResponseKey::open` on v4 answers the server
//! sealed honestly around fuzzer-chosen plaintext (so the v4 decoder behind the AEAD is reached
//! through the real reply key).
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
    Destination, Hop, HopCipher, HopDraw, NodeKeys, NodeSecret, PeelError, ResponseError,
    ServerDestination, build_request, open_request, parse_entry, peel, seal_layer, v4,
};

pub(crate) fn run(data: &[u8]) {
    // The v4 decoders on arbitrary bytes.
    if let Ok(req) = v4::decode_request(data) {
        assert!(req.body.is_none_or(|b| b.len() < data.len()));
    }
    if let Ok(resp) = v4::decode_response(data) {
        assert!(resp.body.len() < data.len());
        for (name, _) in &resp.headers {
            assert_eq!(*name, name.to_lowercase(), "header names are lower-cased");
        }
    }
    let server_id = Identity::from_seed(&[4; 32]);
    let server = NodeSecret::from_identity(&server_id);
    // Arbitrary bytes as an entry packet: a forged layer never opens.
    let mut buf = data.to_vec();
    if let Ok(layer) = parse_entry(&mut buf) {
        let err = open_request(&server, layer).expect_err("a forged layer never opens");
        assert!(
            matches!(err, PeelError::Decrypt | PeelError::WeakKey),
            "{err:?}"
        );
    }

    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let cipher = if flags & 1 == 0 {
        HopCipher::XChaCha20
    } else {
        HopCipher::Aes256Gcm
    };
    // An honest layer to the server around the fuzzer's plaintext opens to exactly it.
    let draw = HopDraw::new([flags; 32], [flags ^ 0x33; 24]);
    let mut packet = seal_layer(&server.public(), rest, cipher, draw).expect("valid key");
    let layer = parse_entry(&mut packet).expect("own entry frame parses");
    let (plain, reply) = open_request(&server, layer).expect("an authentic layer opens");
    assert_eq!(plain, rest);
    assert!(!reply.wants_json() && !reply.base64());
    let _ = v4::decode_request(plain);

    // A full request through one path node to the server; the server answers with the
    // fuzzer's bytes as its v4 response, which the client opens with the request's key.
    let node_id = Identity::from_seed(&[3; 32]);
    let node = NodeSecret::from_identity(&node_id);
    let mut rng = ChaCha20Rng::from_seed([flags; 32]);
    let payload = v4::encode_request("GET", "/room/general", &[], None);
    let dest = Destination::Server(
        ServerDestination::https("example.org", server.public()).expect("valid host"),
    );
    let onion = build_request(
        &[NodeKeys::from_identity(&node_id)],
        &dest,
        &payload,
        cipher,
        &mut rng,
    )
    .expect("valid request");
    let mut packet = onion.packet;
    let layer = parse_entry(&mut packet).expect("own packet");
    let Hop::Proxy { request, .. } = peel(&node, layer).expect("own packet peels").hop else {
        panic!("the last path node proxies to the server");
    };
    let mut body = request.body.to_vec();
    let layer = parse_entry(&mut body).expect("the proxied body is an entry packet");
    let (got, reply) = open_request(&server, layer).expect("the server's layer opens");
    assert_eq!(got, payload);
    let sealed = reply.seal_bytes(rest, &mut rng);
    let opened = onion.response.open(&sealed);
    match v4::decode_response(rest) {
        Ok(expected) => assert_eq!(opened, Ok(expected)),
        Err(_) => assert_eq!(opened, Err(ResponseError::Malformed)),
    }
    // Arbitrary bytes as the server's answer: nothing opens without the key.
    let forged = onion.response.open(rest);
    assert!(
        matches!(
            forged,
            Err(ResponseError::Decrypt | ResponseError::TooLarge)
        ),
        "{forged:?}"
    );
}
