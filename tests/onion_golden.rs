//! Byte-exact onion packets from explicit draws (`hazmat`), against checked-in expected bytes
//! (tests/vectors/onion-golden.json). The expected bytes are not taken on trust: every layer
//! is peeled here with the node's secret and primitives straight from their crates (not the
//! crate's own code), and each routing JSON and inner frame is compared byte for byte with the
//! layout of SPEC 3.3/3.4. Also: the libsession and storage-server vectors the crate can
//! reproduce, and the wrong-direction key derivation of SPEC 3.2.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation,
    missing_docs
)]

mod common;
use aes_gcm::aead::{AeadInOut, KeyInit};
use blake2::digest::Digest;
use common::hex::{hex, unhex};
use curve25519_dalek::MontgomeryPoint;
use hmac::Mac;
use serde_json::Value;
use session_protocol::Identity;
use session_protocol::onion::{
    Destination, HopCipher, HopDraw, NodeKeys, NodeSecret, PeelError, ServerDestination,
    build_request_with, open_request, parse_entry, seal_layer, v4,
};

const GOLDEN: &str = include_str!("vectors/onion-golden.json");
const VECTORS: &str = include_str!("vectors/session-vectors.json");

fn arr<const N: usize>(v: &Value) -> [u8; N] {
    unhex(v.as_str().unwrap()).try_into().unwrap()
}

// Independent primitives: the Montgomery ladder, BLAKE2b, HMAC-SHA256, and the AEADs.

fn x25519(secret: [u8; 32], public: [u8; 32]) -> [u8; 32] {
    MontgomeryPoint(public).mul_clamped(secret).to_bytes()
}

fn x25519_base(secret: [u8; 32]) -> [u8; 32] {
    MontgomeryPoint::mul_base_clamped(secret).to_bytes()
}

/// SPEC 3.2: xchacha20 `BLAKE2b-256(ss || first || second)` (client first); aes-gcm
/// `HMAC-SHA256(key = "LOKI", ss)`.
fn layer_key(cipher: HopCipher, ss: [u8; 32], first: [u8; 32], second: [u8; 32]) -> [u8; 32] {
    match cipher {
        HopCipher::XChaCha20 => blake2::Blake2b::<blake2::digest::consts::U32>::new()
            .chain_update(ss)
            .chain_update(first)
            .chain_update(second)
            .finalize()
            .into(),
        _ => {
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"LOKI").unwrap();
            mac.update(&ss);
            mac.finalize().into_bytes().into()
        }
    }
}

fn nonce_len(cipher: HopCipher) -> usize {
    match cipher {
        HopCipher::XChaCha20 => 24,
        _ => 12,
    }
}

/// Opens `nonce || ciphertext || tag(16)`.
fn open(cipher: HopCipher, key: [u8; 32], sealed: &[u8]) -> Option<Vec<u8>> {
    let nl = nonce_len(cipher);
    if sealed.len() < nl + 16 {
        return None;
    }
    let (nonce, rest) = sealed.split_at(nl);
    let (ct, tag) = rest.split_at(rest.len() - 16);
    let mut buf = ct.to_vec();
    let ok = match cipher {
        HopCipher::XChaCha20 => chacha20poly1305::XChaCha20Poly1305::new(&key.into())
            .decrypt_inout_detached(
                nonce.try_into().unwrap(),
                &[],
                buf.as_mut_slice().into(),
                tag.try_into().unwrap(),
            )
            .is_ok(),
        _ => aes_gcm::Aes256Gcm::new(&key.into())
            .decrypt_inout_detached(
                nonce.try_into().unwrap(),
                &[],
                buf.as_mut_slice().into(),
                tag.try_into().unwrap(),
            )
            .is_ok(),
    };
    ok.then_some(buf)
}

fn cipher_named(name: &str) -> HopCipher {
    match name {
        "xchacha20" => HopCipher::XChaCha20,
        "aes-gcm" => HopCipher::Aes256Gcm,
        other => panic!("{other}"),
    }
}

/// `u32_le(N) || N bytes || rest`: (blob, rest), checking the length fits.
fn split(frame: &[u8]) -> (&[u8], &[u8]) {
    let n = u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize;
    assert!(frame.len() >= 4 + n, "length prefix within the frame");
    (&frame[4..4 + n], &frame[4 + n..])
}

/// The network of the golden vectors: path nodes and the destination node from identity
/// seeds, the server from its X25519 secret.
struct Golden {
    path: Vec<Identity>,
    dest: Identity,
    server_secret: [u8; 32],
}

impl Golden {
    fn new(v: &Value) -> Self {
        let seed = |s: &Value| Identity::from_seed(&arr::<32>(s));
        Self {
            path: v["inputs"]["path_seeds_hex"]
                .as_array()
                .unwrap()
                .iter()
                .map(seed)
                .collect(),
            dest: seed(&v["inputs"]["destination_node_seed_hex"]),
            server_secret: arr(&v["inputs"]["server_x25519_secret_hex"]),
        }
    }
}

#[test]
fn packets_from_explicit_draws_match_the_checked_in_bytes() {
    let golden: Vec<Value> = serde_json::from_str(GOLDEN).unwrap();
    assert_eq!(golden.len(), 4, "both ciphers x both destinations");
    for v in &golden {
        let id = v["id"].as_str().unwrap();
        let inputs = &v["inputs"];
        let net = Golden::new(v);
        let cipher = cipher_named(inputs["enc_type"].as_str().unwrap());
        let to_server = inputs["destination"] == "server";
        let payload = unhex(inputs["payload_hex"].as_str().unwrap());
        let draws: Vec<([u8; 32], [u8; 24])> = inputs["draws"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (arr(&d["secret_hex"]), arr(&d["nonce_hex"])))
            .collect();
        assert_eq!(draws.len(), net.path.len() + 1);
        let keys: Vec<NodeKeys> = net.path.iter().map(NodeKeys::from_identity).collect();
        let server_pub = x25519_base(net.server_secret);
        let host = inputs["server_host"].as_str().unwrap();
        let destination = if to_server {
            Destination::Server(ServerDestination::https(host, server_pub.into()).unwrap())
        } else {
            Destination::Node(NodeKeys::from_identity(&net.dest))
        };
        let expected = unhex(v["expected"]["packet_hex"].as_str().unwrap());

        // 1. The crate builds exactly the checked-in bytes.
        let onion = build_request_with(
            &keys,
            &destination,
            &payload,
            cipher,
            draws.iter().map(|&(s, n)| HopDraw::new(s, n)),
        )
        .unwrap();
        assert_eq!(hex(&onion.packet), hex(&expected), "{id}");

        // 2. The checked-in bytes are what SPEC 3.4 describes, peeled independently with each
        //    node's secret. Layer k (0 = destination) is sealed with draw k.
        let name = cipher.wire_name();
        let nl = nonce_len(cipher);
        let eph = |k: usize| x25519_base(draws[k].0);
        let layers = v["expected"]["layers"].as_array().unwrap();
        assert_eq!(layers.len(), draws.len());
        for (k, layer) in layers.iter().enumerate() {
            assert_eq!(
                arr::<32>(&layer["ephemeral_pubkey_hex"]),
                eph(k),
                "{id} layer {k}"
            );
            assert_eq!(
                unhex(layer["nonce_hex"].as_str().unwrap()),
                draws[k].1[..nl],
                "{id} layer {k}: the first {nl} bytes of the drawn nonce"
            );
        }
        let (entry_blob, json) = split(&expected);
        let mut sealed = entry_blob.to_vec();
        assert_eq!(
            json,
            format!(
                r#"{{"ephemeral_key":"{}","enc_type":"{name}"}}"#,
                hex(&eph(3))
            )
            .as_bytes(),
            "{id}: entry JSON"
        );
        for (i, node) in net.path.iter().enumerate() {
            let k = net.path.len() - i;
            let secret = *node.x25519_secret_key();
            let node_pub = node.x25519_public().to_bytes();
            assert_eq!(x25519_base(secret), node_pub);
            assert_eq!(
                &sealed[..nl],
                &draws[k].1[..nl],
                "{id} layer {k}: nonce on the wire"
            );
            let ss = x25519(secret, eph(k));
            if cipher == HopCipher::XChaCha20 {
                // SPEC 3.2: the roles swapped (node key first) derive a key that fails.
                let swapped = layer_key(cipher, ss, node_pub, eph(k));
                assert_eq!(
                    open(cipher, swapped, &sealed),
                    None,
                    "{id} layer {k} swapped"
                );
            }
            let inner_plain = open(cipher, layer_key(cipher, ss, eph(k), node_pub), &sealed)
                .unwrap_or_else(|| panic!("{id}: layer {k} opens at path node {i}"));
            let (blob, route) = split(&inner_plain);
            assert_eq!(inner_plain.len(), 4 + blob.len() + route.len());
            let eph_next = hex(&eph(k - 1));
            let expected_route = match net.path.get(i + 1) {
                Some(next) => format!(
                    r#"{{"destination":"{}","ephemeral_key":"{eph_next}","enc_type":"{name}"}}"#,
                    hex(next.ed25519_public().as_bytes())
                ),
                None if to_server => format!(
                    r#"{{"host":"{host}","target":"/oxen/v4/lsrpc","method":"POST","protocol":"https","port":443,"ephemeral_key":"{eph_next}","enc_type":"{name}"}}"#
                ),
                None => format!(
                    r#"{{"destination":"{}","ephemeral_key":"{eph_next}","enc_type":"{name}"}}"#,
                    hex(net.dest.ed25519_public().as_bytes())
                ),
            };
            assert_eq!(
                String::from_utf8_lossy(route),
                expected_route,
                "{id}: routing JSON in layer {k}"
            );
            assert_eq!(&blob[..nl], &draws[k - 1].1[..nl]);
            sealed = blob.to_vec();
        }
        // The destination layer.
        let (secret, dest_pub) = if to_server {
            (net.server_secret, server_pub)
        } else {
            (
                *net.dest.x25519_secret_key(),
                net.dest.x25519_public().to_bytes(),
            )
        };
        let ss = x25519(secret, eph(0));
        let plain = open(cipher, layer_key(cipher, ss, eph(0), dest_pub), &sealed)
            .unwrap_or_else(|| panic!("{id}: the destination layer opens"));
        if to_server {
            // SPEC 3.4: the v4 request itself, no framing.
            assert_eq!(plain, payload, "{id}");
        } else {
            // SPEC 3.4: u32_le(len P) || P || {"headers":""}.
            let mut want = (payload.len() as u32).to_le_bytes().to_vec();
            want.extend_from_slice(&payload);
            want.extend_from_slice(br#"{"headers":""}"#);
            assert_eq!(plain, want, "{id}");
        }
    }
}

#[test]
fn golden_payloads_are_what_spec_3_describes() {
    let golden: Vec<Value> = serde_json::from_str(GOLDEN).unwrap();
    for v in &golden {
        let payload = unhex(v["inputs"]["payload_hex"].as_str().unwrap());
        if v["inputs"]["destination"] == "server" {
            // SPEC 3.8: l <len>:<json_info> e, no body for a GET.
            let meta = br#"{"method":"GET","endpoint":"/capabilities","headers":{}}"#;
            let mut want = format!("l{}:", meta.len()).into_bytes();
            want.extend_from_slice(meta);
            want.push(b'e');
            assert_eq!(payload, want);
            assert_eq!(v4::encode_request("GET", "/capabilities", &[], None), want);
        } else {
            assert_eq!(payload, br#"{"method":"info","params":{}}"#);
        }
    }
}

fn vector(id: &str) -> Value {
    let all: Vec<Value> = serde_json::from_str(VECTORS).unwrap();
    all.into_iter().find(|v| v["id"] == id).unwrap()
}

#[test]
fn libsession_hop_vectors_are_reproduced_byte_for_byte() {
    // onion-hop-xchacha-ok: the same secret, nonce and plaintext give libsession's bytes.
    let v = vector("onion-hop-xchacha-ok");
    let i = &v["inputs"];
    let (a, a_pub) = (
        arr::<32>(&i["client_ephemeral_secret_hex"]),
        arr::<32>(&i["client_ephemeral_pubkey_hex"]),
    );
    let (b, b_pub) = (
        arr::<32>(&i["server_x25519_secret_hex"]),
        arr::<32>(&i["server_x25519_pubkey_hex"]),
    );
    assert_eq!((x25519_base(a), x25519_base(b)), (a_pub, b_pub));
    let ct = unhex(i["ciphertext_hex"].as_str().unwrap());
    let ss = x25519(b, a_pub);
    let key = layer_key(HopCipher::XChaCha20, ss, a_pub, b_pub);
    assert_eq!(
        hex(&key),
        v["expected"]["derived_key_hex"].as_str().unwrap()
    );
    assert_eq!(
        open(HopCipher::XChaCha20, key, &ct).unwrap(),
        b"Hello world"
    );
    let frame = seal_layer(
        &b_pub.into(),
        b"Hello world",
        HopCipher::XChaCha20,
        HopDraw::new(a, ct[..24].try_into().unwrap()),
    )
    .unwrap();
    let (blob, json) = split(&frame);
    assert_eq!(hex(blob), hex(&ct));
    assert_eq!(
        json,
        format!(
            r#"{{"ephemeral_key":"{}","enc_type":"xchacha20"}}"#,
            hex(&a_pub)
        )
        .as_bytes()
    );

    // onion-hop-gcm-broken1 is libsession's aes-gcm vector with one byte changed: of every
    // value of every byte, exactly one change opens (to "Hello world"), and the crate
    // reproduces that original ciphertext from the same secret and nonce.
    let v = vector("onion-hop-gcm-broken1");
    let broken = unhex(v["inputs"]["ciphertext_hex"].as_str().unwrap());
    let gcm_key = layer_key(HopCipher::Aes256Gcm, ss, a_pub, b_pub);
    assert_eq!(open(HopCipher::Aes256Gcm, gcm_key, &broken), None);
    let fixed: Vec<(usize, Vec<u8>)> = (0..broken.len())
        .flat_map(|at| (1..=255u8).map(move |x| (at, x)))
        .map(|(at, x)| {
            let mut c = broken.clone();
            c[at] ^= x;
            (at, c)
        })
        .filter(|(_, c)| open(HopCipher::Aes256Gcm, gcm_key, c).is_some())
        .collect();
    assert_eq!(fixed.len(), 1);
    let (at, original) = &fixed[0];
    // The changed byte is the first ciphertext byte after the 12-byte IV.
    assert_eq!(*at, 12);
    assert_eq!(
        open(HopCipher::Aes256Gcm, gcm_key, original).unwrap(),
        b"Hello world"
    );
    let mut nonce = [0u8; 24];
    nonce[..12].copy_from_slice(&original[..12]);
    let frame = seal_layer(
        &b_pub.into(),
        b"Hello world",
        HopCipher::Aes256Gcm,
        HopDraw::new(a, nonce),
    )
    .unwrap();
    assert_eq!(hex(split(&frame).0), hex(original));
    // And the node side opens it, and refuses the broken one.
    let server = NodeSecret::from_x25519_secret(b);
    let mut f = frame.clone();
    assert_eq!(
        open_request(&server, parse_entry(&mut f).unwrap())
            .unwrap()
            .0,
        b"Hello world"
    );
    let mut f = frame;
    f[4 + at] = broken[*at];
    assert_eq!(
        open_request(&server, parse_entry(&mut f).unwrap()).unwrap_err(),
        PeelError::Decrypt
    );
}

#[test]
fn xchacha_keys_with_roles_swapped_do_not_open_a_layer() {
    // SPEC 3.2, with the storage server's Alice/Bob keys (onion-kdf-alice-bob): the client's
    // key first in both directions. The same shared secret with the roles swapped is another
    // key, which does not open the layer.
    let v = vector("onion-kdf-alice-bob");
    let (i, e) = (&v["inputs"], &v["expected"]);
    let (alice, alice_pub) = (
        arr::<32>(&i["alice_x25519_secret_hex"]),
        arr::<32>(&i["alice_x25519_pubkey_hex"]),
    );
    let (bob, bob_pub) = (
        arr::<32>(&i["bob_x25519_secret_hex"]),
        arr::<32>(&i["bob_x25519_pubkey_hex"]),
    );
    let ss = x25519(alice, bob_pub);
    assert_eq!(ss, x25519(bob, alice_pub));
    assert_eq!(hex(&ss), e["shared_secret_hex"].as_str().unwrap());
    let alice_to_bob = layer_key(HopCipher::XChaCha20, ss, alice_pub, bob_pub);
    let bob_to_alice = layer_key(HopCipher::XChaCha20, ss, bob_pub, alice_pub);
    assert_eq!(
        hex(&alice_to_bob),
        e["xchacha20_key_alice_client_to_bob_server_hex"]
            .as_str()
            .unwrap()
    );
    assert_eq!(
        hex(&bob_to_alice),
        e["xchacha20_key_bob_client_to_alice_server_hex"]
            .as_str()
            .unwrap()
    );
    assert_eq!(
        hex(&layer_key(HopCipher::Aes256Gcm, ss, alice_pub, bob_pub)),
        e["aes_gcm_key_hex"].as_str().unwrap(),
        "aes-gcm has no direction"
    );
    let plaintext = i["plaintext_utf8"].as_str().unwrap().as_bytes();
    let lens = &e["ciphertext_len"];

    // Alice (client, ephemeral) seals to Bob (node) with the crate.
    let frame = seal_layer(
        &bob_pub.into(),
        plaintext,
        HopCipher::XChaCha20,
        HopDraw::new(alice, [3; 24]),
    )
    .unwrap();
    let (blob, _) = split(&frame);
    assert_eq!(blob.len() as u64, lens["xchacha20"].as_u64().unwrap());
    assert_eq!(
        open(HopCipher::XChaCha20, alice_to_bob, blob).unwrap(),
        plaintext
    );
    assert_eq!(open(HopCipher::XChaCha20, bob_to_alice, blob), None);
    let gcm = seal_layer(
        &bob_pub.into(),
        plaintext,
        HopCipher::Aes256Gcm,
        HopDraw::new(alice, [3; 24]),
    )
    .unwrap();
    assert_eq!(
        split(&gcm).0.len() as u64,
        lens["aes-gcm"].as_u64().unwrap()
    );

    // Bob opens it; Alice, handed the same bytes as if Bob had been the client, derives the
    // same shared secret but the swapped key, and refuses them.
    let mut f = frame.clone();
    assert_eq!(
        open_request(
            &NodeSecret::from_x25519_secret(bob),
            parse_entry(&mut f).unwrap()
        )
        .unwrap()
        .0,
        plaintext
    );
    let mut swapped = (blob.len() as u32).to_le_bytes().to_vec();
    swapped.extend_from_slice(blob);
    swapped.extend_from_slice(
        format!(
            r#"{{"ephemeral_key":"{}","enc_type":"xchacha20"}}"#,
            hex(&bob_pub)
        )
        .as_bytes(),
    );
    assert_eq!(
        open_request(
            &NodeSecret::from_x25519_secret(alice),
            parse_entry(&mut swapped).unwrap()
        )
        .unwrap_err(),
        PeelError::Decrypt
    );
    // The reverse direction (Bob as client) seals under the other key.
    let reverse = seal_layer(
        &alice_pub.into(),
        plaintext,
        HopCipher::XChaCha20,
        HopDraw::new(bob, [3; 24]),
    )
    .unwrap();
    let (rblob, _) = split(&reverse);
    assert_ne!(rblob, blob);
    assert_eq!(
        open(HopCipher::XChaCha20, bob_to_alice, rblob).unwrap(),
        plaintext
    );
}

/// `build_request` takes a request's randomness with one `fill_bytes` call; from a seeded
/// ChaCha RNG that must be the bytes `HopDraw::from_rng` draws layer by layer (the order the
/// vectors and `build_request_with` document), for every path length.
#[test]
fn one_draw_per_request_equals_layer_by_layer_draws() {
    use rand_chacha::ChaCha20Rng;
    use rand_chacha::rand_core::SeedableRng;
    use session_protocol::onion::build_request;
    let ids: Vec<Identity> = (1..=16u8).map(|i| Identity::from_seed(&[i; 32])).collect();
    let keys: Vec<NodeKeys> = ids.iter().map(NodeKeys::from_identity).collect();
    let dest = Destination::Node(keys[15]);
    for cipher in [HopCipher::XChaCha20, HopCipher::Aes256Gcm] {
        for hops in 1..=15 {
            let seed = [hops as u8; 32];
            let one = build_request(
                &keys[..hops],
                &dest,
                b"body",
                cipher,
                &mut ChaCha20Rng::from_seed(seed),
            )
            .unwrap();
            let mut rng = ChaCha20Rng::from_seed(seed);
            let draws: Vec<HopDraw> = (0..=hops).map(|_| HopDraw::from_rng(&mut rng)).collect();
            let each = build_request_with(&keys[..hops], &dest, b"body", cipher, draws).unwrap();
            assert_eq!(one.packet, each.packet, "{hops} hops");
        }
    }
}
