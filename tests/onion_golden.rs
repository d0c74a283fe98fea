//! Byte-exact onion packets from explicit draws (`hazmat`): every layer is opened with
//! primitives straight from their crates (not the crate's own code), its routing JSON is
//! checked byte for byte, and the whole packet is pinned.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use blake2::digest::Digest;
use chacha20poly1305::aead::{AeadInOut, KeyInit};
use curve25519_dalek::MontgomeryPoint;
use session_protocol::Identity;
use session_protocol::onion::{Destination, HopCipher, HopDraw, NodeKeys, build_request_with};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Opens one xchacha20 layer `nonce || ct || tag` sent with ephemeral secret `e` to `node`.
fn open_layer(e: [u8; 32], node: &Identity, sealed: &[u8]) -> Vec<u8> {
    let eph_pub = MontgomeryPoint::mul_base_clamped(e).to_bytes();
    let shared = MontgomeryPoint(node.x25519_public())
        .mul_clamped(e)
        .to_bytes();
    let key: [u8; 32] = blake2::Blake2b::<blake2::digest::consts::U32>::new()
        .chain_update(shared)
        .chain_update(eph_pub)
        .chain_update(node.x25519_public())
        .finalize()
        .into();
    let (nonce, rest) = sealed.split_at(24);
    let (ct, tag) = rest.split_at(rest.len() - 16);
    let mut buf = ct.to_vec();
    chacha20poly1305::XChaCha20Poly1305::new(&key.into())
        .decrypt_inout_detached(
            nonce.try_into().unwrap(),
            &[],
            buf.as_mut_slice().into(),
            tag.try_into().unwrap(),
        )
        .expect("layer opens with independently derived keys");
    buf
}

fn split(frame: &[u8]) -> (&[u8], &[u8]) {
    let n = u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize;
    (&frame[4..4 + n], &frame[4 + n..])
}

#[test]
fn packets_from_explicit_draws_are_byte_exact() {
    let nodes: Vec<Identity> = (1..=4u8).map(|i| Identity::from_seed(&[i; 32])).collect();
    let keys: Vec<NodeKeys> = nodes.iter().map(NodeKeys::from_identity).collect();
    // Draws, destination layer first: secret k = [0x10 + k; 32], nonce = [0x20 + k; 24].
    let secret = |k: u8| [0x10 + k; 32];
    let draws = (0..4u8).map(|k| HopDraw::new(secret(k), [0x20 + k; 24]));
    let payload = br#"{"method":"info","params":{}}"#;
    let onion = build_request_with(
        &keys[..3],
        &Destination::Node(keys[3]),
        payload,
        HopCipher::XChaCha20,
        draws,
    )
    .unwrap();
    let eph = |k: u8| hex(&MontgomeryPoint::mul_base_clamped(secret(k)).to_bytes());

    // Entry frame: the guard's layer (drawn last, k = 3) and its key.
    let (blob, json) = split(&onion.packet);
    assert_eq!(
        json,
        format!(r#"{{"ephemeral_key":"{}","enc_type":"xchacha20"}}"#, eph(3)).as_bytes()
    );
    assert_eq!(
        &blob[..24],
        &[0x23; 24],
        "the guard layer's nonce is draw 3's"
    );
    // Walk inwards: layer k is for path node 3 - k, routed by JSON naming node 4 - k.
    let mut sealed = blob.to_vec();
    for k in (1..=3u8).rev() {
        let node = &nodes[usize::from(3 - k)];
        let plain = open_layer(secret(k), node, &sealed);
        let (inner, route) = split(&plain);
        let next = &nodes[usize::from(4 - k)];
        let expected = format!(
            r#"{{"destination":"{}","ephemeral_key":"{}","enc_type":"xchacha20"}}"#,
            hex(&next.ed25519_public()),
            eph(k - 1)
        );
        assert_eq!(route, expected.as_bytes(), "layer {k}");
        assert_eq!(&inner[..24], &[0x20 + k - 1; 24]);
        sealed = inner.to_vec();
    }
    // The destination's layer: u32 || request || {"headers":""}.
    let plain = open_layer(secret(0), &nodes[3], &sealed);
    let (body, tail) = split(&plain);
    assert_eq!((body, tail), (&payload[..], &br#"{"headers":""}"#[..]));

    // Pinned: any change to the wire format shows up here.
    let digest = hex(&sha2::Sha256::digest(&onion.packet));
    assert_eq!(onion.packet.len(), 894);
    assert_eq!(digest, GOLDEN_SHA256);
}

/// 4 + 783 (guard layer: 3 nested layers of 40-byte overhead around a 47-byte destination
/// plaintext, plus three 188-byte routes) + 107 (entry JSON) = 894 bytes.
const GOLDEN_SHA256: &str = "50d6707727f098c7aac095f08310dec8657a19f2a4236351b930a3f28e4b5e50";
