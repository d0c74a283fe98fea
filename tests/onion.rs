//! Onion requests end to end, in memory: vectors, paths through real peels, tampering, bad
//! input, and round-trip properties.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    missing_docs
)]

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use serde_json::Value;
use session_protocol::Identity;
use session_protocol::onion::{
    BuildError, Destination, Hop, HopCipher, LayerError, NodeKeys, NodeSecret, PeelError, Protocol,
    ResponseError, ServerDestination, build_request, decode_relay, is_allowed_target, open_request,
    parse_entry, peel, v4,
};

const VECTORS: &str = include_str!("vectors/session-vectors.json");

fn vectors(area: &str) -> Vec<Value> {
    let all: Vec<Value> = serde_json::from_str(VECTORS).unwrap();
    all.into_iter().filter(|v| v["area"] == area).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn arr(v: &Value, section: &str, key: &str) -> [u8; 32] {
    unhex(v[section][key].as_str().unwrap()).try_into().unwrap()
}

/// `u32_le(len) || blob || json`.
fn frame(blob: &[u8], json: &str) -> Vec<u8> {
    let mut out = (blob.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(blob);
    out.extend_from_slice(json.as_bytes());
    out
}

/// Encrypts `plaintext` as one xchacha20 layer to `node_x`, independently of the crate (ladder
/// X25519, BLAKE2b and XChaCha20-Poly1305 straight from their crates), and frames it as an
/// entry packet.
fn independent_layer(node_x: &[u8; 32], plaintext: &[u8], seed: u8) -> Vec<u8> {
    use blake2::digest::Digest;
    use chacha20poly1305::aead::{Aead, KeyInit};
    let secret = [seed; 32];
    let public = curve25519_dalek::MontgomeryPoint::mul_base_clamped(secret).to_bytes();
    let shared = curve25519_dalek::MontgomeryPoint(*node_x)
        .mul_clamped(secret)
        .to_bytes();
    let key: [u8; 32] = blake2::Blake2b::<blake2::digest::consts::U32>::new()
        .chain_update(shared)
        .chain_update(public)
        .chain_update(node_x)
        .finalize()
        .into();
    let nonce = [seed.wrapping_add(1); 24];
    let ct = chacha20poly1305::XChaCha20Poly1305::new(&key.into())
        .encrypt(&nonce.into(), plaintext)
        .unwrap();
    let mut blob = nonce.to_vec();
    blob.extend_from_slice(&ct);
    frame(
        &blob,
        &format!(
            r#"{{"ephemeral_key":"{}","enc_type":"xchacha20"}}"#,
            hex(&public)
        ),
    )
}

#[test]
fn onion_vectors() {
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    for v in vectors("onion") {
        let id = v["id"].as_str().unwrap();
        match id {
            "onion-hop-xchacha-ok" | "onion-hop-xchacha-broken2" | "onion-hop-gcm-broken1" => {
                let server =
                    NodeSecret::from_x25519_secret(arr(&v, "inputs", "server_x25519_secret_hex"));
                assert_eq!(
                    server.public(),
                    arr(&v, "inputs", "server_x25519_pubkey_hex")
                );
                let ct = unhex(v["inputs"]["ciphertext_hex"].as_str().unwrap());
                let eph = v["inputs"]["client_ephemeral_pubkey_hex"].as_str().unwrap();
                let named = v["inputs"]["enc_type"].as_str().unwrap();
                // Broken vectors must fail as either cipher.
                let ciphers: &[&str] = if v.get("expect_error").is_some() {
                    &["xchacha20", "aes-gcm"]
                } else {
                    &[named]
                };
                for cipher in ciphers {
                    let mut packet = frame(
                        &ct,
                        &format!(r#"{{"ephemeral_key":"{eph}","enc_type":"{cipher}"}}"#),
                    );
                    let layer = parse_entry(&mut packet).unwrap();
                    let opened = open_request(&server, layer);
                    if v.get("expect_error").is_some() {
                        assert_eq!(opened.unwrap_err(), PeelError::Decrypt, "{id} {cipher}");
                    } else {
                        assert_eq!(
                            opened.unwrap().0,
                            v["expected"]["plaintext_utf8"].as_str().unwrap().as_bytes()
                        );
                    }
                }
            }
            "onion-parse-aes-gcm" | "onion-parse-xchacha20" => {
                let node =
                    NodeSecret::from_x25519_secret(arr(&v, "inputs", "node_x25519_secret_hex"));
                assert_eq!(node.public(), arr(&v, "inputs", "node_x25519_pubkey_hex"));
                let mut packet = unhex(v["inputs"]["request_hex"].as_str().unwrap());
                let json_len = v["expected"]["json_utf8"].as_str().unwrap().len();
                assert_eq!(
                    &packet[packet.len() - json_len..],
                    v["expected"]["json_utf8"].as_str().unwrap().as_bytes()
                );
                let layer = parse_entry(&mut packet).unwrap();
                assert_eq!(
                    layer.ephemeral_key(),
                    &arr(&v, "expected", "remote_ephemeral_pubkey_hex")
                );
                let (payload, reply) = open_request(&node, layer).unwrap();
                assert_eq!(
                    payload,
                    v["expected"]["payload_utf8"].as_str().unwrap().as_bytes()
                );
                let sealed = reply.seal_bytes(&[0u8; 13], &mut rng);
                assert_eq!(
                    sealed.len() as u64,
                    v["expected"]["reply_size_for_13_byte_reply"]
                        .as_u64()
                        .unwrap()
                );
            }
            "onion-inner-final" | "onion-inner-relay-server" | "onion-inner-relay-snode" => {
                let node_id = Identity::from_seed(&[0x33; 32]);
                let node = NodeSecret::from_identity(&node_id);
                let plaintext = unhex(v["inputs"]["plaintext_hex"].as_str().unwrap());
                let mut packet = independent_layer(&node.public(), &plaintext, 9);
                let peeled = peel(&node, parse_entry(&mut packet).unwrap()).unwrap();
                let e = &v["expected"];
                match (e["kind"].as_str().unwrap(), peeled.hop) {
                    ("final_destination", Hop::Deliver { body, reply }) => {
                        assert_eq!(body, e["body_utf8"].as_str().unwrap().as_bytes());
                        assert_eq!(reply.wants_json(), e["json"].as_bool().unwrap());
                        assert_eq!(reply.base64(), e["base64"].as_bool().unwrap());
                    }
                    ("relay_to_server", Hop::Refused { error, .. }) => {
                        // Classified as a proxy request, then refused by the target filter:
                        // "target" is not an allowed onion endpoint (storage server: "Invalid
                        // url"). The same layer with an allowed target is proxied as is.
                        assert_eq!(error, LayerError::InvalidUrl);
                        assert_eq!(e["target"], "target");
                        let allowed = String::from_utf8(plaintext.clone())
                            .unwrap()
                            .replace("\"target\"", "\"/oxen/v4/lsrpc\"");
                        let allowed = allowed.replacen("\"/oxen/v4/lsrpc\":", "\"target\":", 1);
                        let mut packet = independent_layer(&node.public(), allowed.as_bytes(), 10);
                        let Hop::Proxy { request, .. } =
                            peel(&node, parse_entry(&mut packet).unwrap()).unwrap().hop
                        else {
                            panic!("{id}: not proxied with an allowed target");
                        };
                        assert_eq!(request.host, e["host"].as_str().unwrap());
                        assert_eq!(request.target, "/oxen/v4/lsrpc");
                        assert_eq!(u64::from(request.port), e["port"].as_u64().unwrap());
                        assert_eq!(request.protocol, Protocol::Http);
                        assert_eq!(
                            request.body,
                            allowed.as_bytes(),
                            "the entire plaintext is proxied"
                        );
                    }
                    ("relay_to_node", Hop::Forward { next, relay }) => {
                        assert_eq!(
                            relay.data,
                            e["ciphertext_utf8"].as_str().unwrap().as_bytes()
                        );
                        assert_eq!(next, arr(&v, "expected", "next_node_ed25519_hex"));
                        assert_eq!(
                            relay.ephemeral_key,
                            arr(&v, "expected", "ephemeral_key_hex")
                        );
                        assert_eq!(relay.cipher.wire_name(), e["enc_type"].as_str().unwrap());
                        assert_eq!(relay.hop_no, 1);
                    }
                    (kind, hop) => panic!("{id}: expected {kind}, got {hop:?}"),
                }
            }
            _ if id.starts_with("onion-target-") => {
                let target = v["inputs"]["target"].as_str().unwrap();
                assert_eq!(
                    is_allowed_target(target),
                    v["expected"]["allowed"].as_bool().unwrap(),
                    "{id}"
                );
            }
            // Key derivations are checked inside the crate (crypto::hop tests).
            "onion-kdf-alice-bob" => {}
            other => panic!("unhandled onion vector {other}"),
        }
    }
}

/// A small in-memory network: identities for path nodes and a destination node.
struct Net {
    ids: Vec<Identity>,
}

impl Net {
    fn new(n: usize) -> Self {
        Self {
            ids: (0..n)
                .map(|i| Identity::from_seed(&[i as u8 + 100; 32]))
                .collect(),
        }
    }
    fn keys(&self, i: usize) -> NodeKeys {
        NodeKeys::from_identity(&self.ids[i])
    }
    fn secret(&self, i: usize) -> NodeSecret {
        NodeSecret::from_identity(&self.ids[i])
    }
    fn index_of(&self, ed: &[u8; 32]) -> usize {
        self.ids
            .iter()
            .position(|i| &i.ed25519_public() == ed)
            .unwrap()
    }
}

/// What the walk ended with.
enum End {
    Delivered {
        body: Vec<u8>,
        answer: Vec<u8>,
    },
    Proxied {
        body: Vec<u8>,
        host: String,
        port: u16,
    },
}

/// Walks `packet` from node `path[0]`; checks that each node learns only its successor.
/// At a delivering node, answers `{"status":200,"body": <echo of the request>}`.
fn walk(
    net: &Net,
    path: &[usize],
    dest: Option<usize>,
    mut packet: Vec<u8>,
    rng: &mut ChaCha20Rng,
) -> End {
    let mut layer_bytes = packet.as_mut_slice();
    let mut layer = parse_entry(layer_bytes).unwrap();
    let mut at = 0;
    let mut relayed;
    loop {
        let me = if at < path.len() {
            path[at]
        } else {
            dest.unwrap()
        };
        let peeled = peel(&net.secret(me), layer).unwrap();
        match peeled.hop {
            Hop::Forward { next, relay } => {
                let expected_next = if at + 1 < path.len() {
                    path[at + 1]
                } else {
                    dest.unwrap()
                };
                assert_eq!(
                    net.index_of(&next),
                    expected_next,
                    "node {me} learns only its successor"
                );
                assert_eq!(usize::from(relay.hop_no), at + 1);
                relayed = relay.encode();
                layer_bytes = relayed.as_mut_slice();
                layer = decode_relay(layer_bytes).unwrap();
                at += 1;
            }
            Hop::Deliver { body, reply } => {
                assert_eq!(Some(me), dest);
                let text = String::from_utf8_lossy(body).into_owned();
                let answer = reply.seal(200, &text, rng);
                return End::Delivered {
                    body: body.to_vec(),
                    answer,
                };
            }
            Hop::Proxy { request, .. } => {
                assert_eq!(at + 1, path.len(), "only the last path node proxies");
                return End::Proxied {
                    body: request.body.to_vec(),
                    host: request.host.into_owned(),
                    port: request.port,
                };
            }
            Hop::Refused { error, .. } => panic!("refused: {error}"),
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn node_destination_round_trip_both_ciphers() {
    let net = Net::new(4);
    let mut rng = ChaCha20Rng::from_seed([2; 32]);
    for cipher in [HopCipher::XChaCha20, HopCipher::Aes256Gcm] {
        let request = br#"{"method":"retrieve","params":{"pubkey":"05ab"}}"#;
        let path = [net.keys(0), net.keys(1), net.keys(2)];
        let onion = build_request(
            &path,
            &Destination::Node(net.keys(3)),
            request,
            cipher,
            &mut rng,
        )
        .unwrap();
        let End::Delivered { body, answer } =
            walk(&net, &[0, 1, 2], Some(3), onion.packet, &mut rng)
        else {
            panic!()
        };
        assert_eq!(body, request);
        let resp = onion.response.open(&answer).unwrap();
        assert_eq!(resp.status, 200);
        assert_eq!(resp.body, request);
        // As a storage server wraps it for some transports: {"result": "<base64>"}.
        let wrapped = format!(
            r#"{{"result":"{}"}}"#,
            String::from_utf8(answer.clone()).unwrap()
        );
        assert_eq!(
            onion.response.open(wrapped.as_bytes()).unwrap().body,
            request
        );
        // Tampering with the answer is detected.
        let mut bad = session_protocol_base64_flip(&answer);
        assert_eq!(onion.response.open(&bad), Err(ResponseError::Decrypt));
        bad.clear();
        assert_eq!(onion.response.open(&bad), Err(ResponseError::Decrypt));
    }
}

/// Flips one bit inside the base64-encoded ciphertext (re-encoding it).
fn session_protocol_base64_flip(answer: &[u8]) -> Vec<u8> {
    use base64ct::Encoding;
    let mut raw =
        <base64ct::Base64 as base64ct::Encoding>::decode_vec(core::str::from_utf8(answer).unwrap())
            .unwrap();
    let mid = raw.len() / 2;
    raw[mid] ^= 4;
    base64ct::Base64::encode_string(&raw).into_bytes()
}

#[test]
fn server_destination_round_trip_both_ciphers() {
    let net = Net::new(3);
    let server_id = Identity::from_seed(&[0xee; 32]);
    let server = NodeSecret::from_identity(&server_id);
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    for cipher in [HopCipher::XChaCha20, HopCipher::Aes256Gcm] {
        let dest = ServerDestination::https("open.example", server.public());
        let request = v4::encode_request(
            "GET",
            "/room/general?x=1",
            &[("User-Agent", "x"), ("Accept", "*/*")],
            None,
        );
        let path = [net.keys(0), net.keys(1), net.keys(2)];
        let onion = build_request(
            &path,
            &Destination::Server(dest),
            &request,
            cipher,
            &mut rng,
        )
        .unwrap();
        let End::Proxied {
            mut body,
            host,
            port,
        } = walk(&net, &[0, 1, 2], None, onion.packet, &mut rng)
        else {
            panic!()
        };
        assert_eq!((host.as_str(), port), ("open.example", 443));
        // The server reads the proxied body and decrypts the innermost layer.
        let layer = parse_entry(&mut body).unwrap();
        let (plain, reply) = open_request(&server, layer).unwrap();
        let req = v4::decode_request(plain).unwrap();
        assert_eq!(req.method, "GET");
        assert_eq!(req.endpoint, "/room/general?x=1");
        assert_eq!(
            req.headers,
            [("Accept".to_owned(), "*/*".to_owned())],
            "User-Agent stripped, no content type without body"
        );
        let answer = reply.seal_bytes(
            &v4::encode_response(201, &[("Content-Type", "text/plain")], b"made"),
            &mut rng,
        );
        let resp = onion.response.open(&answer).unwrap();
        assert_eq!(resp.status, 201);
        assert_eq!(
            resp.headers,
            [("content-type".to_owned(), "text/plain".to_owned())]
        );
        assert_eq!(resp.body, b"made");
    }
}

#[test]
fn tampering_fails_at_the_tampered_hop_with_the_right_error() {
    let net = Net::new(4);
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    let path = [net.keys(0), net.keys(1), net.keys(2)];
    for cipher in [HopCipher::XChaCha20, HopCipher::Aes256Gcm] {
        let onion = build_request(
            &path,
            &Destination::Node(net.keys(3)),
            b"{}",
            cipher,
            &mut rng,
        )
        .unwrap();
        // Entry packet: every byte.
        let packet = onion.packet.clone();
        let blob_len = u32::from_le_bytes(packet[..4].try_into().unwrap()) as usize;
        for i in 0..packet.len() {
            let mut bad = packet.clone();
            bad[i] ^= 0x01;
            let result =
                parse_entry(&mut bad).and_then(|layer| peel(&net.secret(0), layer).map(|_| ()));
            // One change means the same thing: renaming the `enc_type` key of an aes-gcm packet
            // leaves an unknown key (ignored, as the storage server ignores it) and the
            // aes-gcm default.
            let key_at = packet
                .windows(10)
                .position(|w| w == b"\"enc_type\"")
                .unwrap();
            if cipher == HopCipher::Aes256Gcm && (key_at + 1..key_at + 9).contains(&i) {
                assert!(result.is_ok(), "byte {i}");
                continue;
            }
            let err =
                result.expect_err("any change to the entry packet is caught at the first node");
            if (4..4 + blob_len).contains(&i) {
                assert_eq!(err, PeelError::Decrypt, "byte {i} (ciphertext)");
            } else if i < 4 {
                assert!(
                    matches!(
                        err,
                        PeelError::Frame(_) | PeelError::Control(_) | PeelError::Decrypt
                    ),
                    "byte {i}: {err:?}"
                );
            } else {
                assert!(
                    matches!(
                        err,
                        PeelError::Control(_)
                            | PeelError::Decrypt
                            | PeelError::WeakKey
                            | PeelError::UnsupportedCipher
                    ),
                    "byte {i} (control json): {err:?}"
                );
            }
        }
        // Each relay message: any flip fails at the receiving node; inside `data`, as Decrypt.
        let mut buf = onion.packet.clone();
        let mut layer = parse_entry(&mut buf).unwrap();
        for hop in 0..3 {
            let Hop::Forward { relay, .. } = peel(&net.secret(hop), layer).unwrap().hop else {
                panic!()
            };
            let data_len = relay.data.len();
            let encoded = relay.encode();
            let data_start = encoded.windows(4).position(|w| w == b"data").unwrap()
                + 4
                + data_len.to_string().len()
                + 1;
            // `hop_no` travels outside the encryption (the protocol does not authenticate it):
            // changing its digit yields another valid count, and nothing else.
            let hop_digit = encoded.len() - 3;
            assert_eq!(
                &encoded[hop_digit - 7..],
                format!("hop_noi{}ee", hop + 1).as_bytes()
            );
            let mut recount = encoded.clone();
            recount[hop_digit] ^= 0x01;
            let l = decode_relay(&mut recount).unwrap();
            assert_ne!(usize::from(l.hop_no()), hop + 1);
            assert!(peel(&net.secret(hop + 1), l).is_ok());
            for i in (0..encoded.len()).filter(|&i| i % 7 == 0 || i > data_start + data_len) {
                if i == hop_digit {
                    continue;
                }
                let mut bad = encoded.clone();
                bad[i] ^= 0x01;
                let result =
                    decode_relay(&mut bad).and_then(|l| peel(&net.secret(hop + 1), l).map(|_| ()));
                let err = result.expect_err("caught at the next node");
                if (data_start..data_start + data_len).contains(&i) {
                    assert_eq!(err, PeelError::Decrypt, "hop {hop} byte {i}");
                }
            }
            buf = encoded;
            layer = decode_relay(&mut buf).unwrap();
        }
        assert!(matches!(
            peel(&net.secret(3), layer).unwrap().hop,
            Hop::Deliver { .. }
        ));
    }
}

#[test]
fn wrong_node_cannot_peel() {
    let net = Net::new(5);
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let onion = build_request(
        &[net.keys(0)],
        &Destination::Node(net.keys(1)),
        b"{}",
        HopCipher::XChaCha20,
        &mut rng,
    )
    .unwrap();
    let mut packet = onion.packet;
    assert_eq!(
        peel(&net.secret(4), parse_entry(&mut packet).unwrap()).unwrap_err(),
        PeelError::Decrypt
    );
}

#[test]
fn malformed_entry_packets_get_specific_errors() {
    let eph = hex(&Identity::from_seed(&[1; 32]).x25519_public());
    let ctl = |json: &str| frame(&[0u8; 64], json);
    let ok_json = format!(r#"{{"ephemeral_key":"{eph}","enc_type":"xchacha20"}}"#);
    let mut twist_small = [0u8; 32];
    twist_small[0] = 1; // u = 1: order 4
    let mut high_bit = [9u8; 32];
    high_bit[31] |= 0x80;
    type Check = fn(&PeelError) -> bool;
    let table: Vec<(Vec<u8>, Check)> = vec![
        (vec![1, 0, 0], |e| matches!(e, PeelError::Frame(_))),
        (b"\x05\0\0\0abc".to_vec(), |e| {
            matches!(e, PeelError::Frame(_))
        }),
        (b"\xff\xff\xff\xffabc".to_vec(), |e| {
            matches!(e, PeelError::Frame(_))
        }),
        (b"\xfe\xff\xff\x7fabc".to_vec(), |e| {
            matches!(e, PeelError::Frame(_))
        }),
        (ctl("\u{0}\u{1}not json"), |e| {
            *e == PeelError::Control("json")
        }),
        (
            frame(&[0; 8], "").into_iter().chain([0xff, 0xfe]).collect(),
            |e| *e == PeelError::Control("json"),
        ),
        (ctl(&("[".repeat(200) + &"]".repeat(200))), |e| {
            *e == PeelError::Control("json")
        }),
        (ctl("{}"), |e| *e == PeelError::Control("ephemeral_key")),
        (ctl(r#"{"ephemeral_key":7}"#), |e| {
            *e == PeelError::Control("json")
        }),
        (ctl(r#"{"ephemeral_key":"zz"}"#), |e| {
            *e == PeelError::Control("ephemeral_key")
        }),
        (
            ctl(&format!(r#"{{"ephemeral_key":"{}"}}"#, &eph[..62])),
            |e| *e == PeelError::Control("ephemeral_key"),
        ),
        (
            ctl(&format!(
                r#"{{"ephemeral_key":"{eph}","enc_type":"aes-cbc"}}"#
            )),
            |e| *e == PeelError::UnsupportedCipher,
        ),
        (
            ctl(&format!(
                r#"{{"ephemeral_key":"{eph}","enc_type":"rot13"}}"#
            )),
            |e| *e == PeelError::UnsupportedCipher,
        ),
        (
            ctl(&format!(r#"{{"ephemeral_key":"{eph}","enc_type":5}}"#)),
            |e| *e == PeelError::Control("json"),
        ),
        (
            ctl(&format!(r#"{{"ephemeral_key":"{eph}","hop_no":16}}"#)),
            |e| *e == PeelError::TooManyHops,
        ),
        (
            ctl(&format!(
                r#"{{"ephemeral_key":"{eph}","ephemeral_key":"{eph}"}}"#
            )),
            |e| *e == PeelError::Control("json"),
        ),
        (
            ctl(&format!(r#"{{"ephemeral_key":"{}"}}"#, hex(&high_bit))),
            |e| *e == PeelError::WeakKey,
        ),
        (
            ctl(&format!(
                r#"{{"ephemeral_key":"{}"}}"#,
                "ff".repeat(31) + "7f"
            )),
            |e| *e == PeelError::WeakKey,
        ),
    ];
    for (mut packet, check) in table {
        let err = parse_entry(&mut packet).unwrap_err();
        assert!(
            check(&err),
            "{:?}: {err:?}",
            String::from_utf8_lossy(&packet)
        );
    }
    // Accepted control; then crypto-level failures.
    let node = NodeSecret::from_x25519_secret([7; 32]);
    let mut short = frame(&[0u8; 30], &ok_json);
    assert_eq!(
        peel(&node, parse_entry(&mut short).unwrap()).unwrap_err(),
        PeelError::Decrypt
    );
    for low in [[0u8; 32], twist_small] {
        let mut p = ctl(&format!(r#"{{"ephemeral_key":"{}"}}"#, hex(&low)));
        assert_eq!(
            peel(&node, parse_entry(&mut p).unwrap()).unwrap_err(),
            PeelError::WeakKey
        );
    }
    // Over 10 MiB.
    let mut huge = vec![0u8; 10 * 1024 * 1024 + 1];
    assert_eq!(parse_entry(&mut huge).unwrap_err(), PeelError::TooLarge);
    assert_eq!(decode_relay(&mut huge).unwrap_err(), PeelError::TooLarge);
}

#[test]
fn malformed_relay_messages_get_specific_errors() {
    let key = Identity::from_seed(&[2; 32]).x25519_public();
    let relay = |fields: &[(&str, Vec<u8>)]| -> Vec<u8> {
        let mut out = b"d".to_vec();
        for (k, v) in fields {
            out.extend_from_slice(format!("{}:{k}", k.len()).as_bytes());
            out.extend_from_slice(v);
        }
        out.push(b'e');
        out
    };
    let bytes = |b: &[u8]| -> Vec<u8> {
        let mut v = format!("{}:", b.len()).into_bytes();
        v.extend_from_slice(b);
        v
    };
    let good = || {
        vec![
            ("data", bytes(b"x")),
            ("enc_type", bytes(b"xchacha20")),
            ("ephemeral_key", bytes(&key)),
            ("hop_no", b"i3e".to_vec()),
        ]
    };
    let mut ok = relay(&good());
    let layer = decode_relay(&mut ok).unwrap();
    assert_eq!((layer.hop_no(), layer.cipher()), (3, HopCipher::XChaCha20));
    let with = |name: &str, value: Vec<u8>| {
        let mut f = good();
        f.iter_mut().find(|(k, _)| *k == name).unwrap().1 = value;
        relay(&f)
    };
    let without = |name: &str| {
        relay(
            &good()
                .into_iter()
                .filter(|(k, _)| *k != name)
                .collect::<Vec<_>>(),
        )
    };
    let mut no_enc = without("enc_type");
    assert_eq!(
        decode_relay(&mut no_enc).unwrap().cipher(),
        HopCipher::Aes256Gcm,
        "missing enc_type means aes-gcm"
    );
    for (mut msg, want) in [
        (with("hop_no", b"i16e".to_vec()), PeelError::TooManyHops),
        (
            with("hop_no", b"i-1e".to_vec()),
            PeelError::Control("hop_no"),
        ),
        (with("hop_no", bytes(b"3")), PeelError::Control("hop_no")),
        (
            with("ephemeral_key", bytes(&key[..31])),
            PeelError::Control("ephemeral_key"),
        ),
        (
            with("ephemeral_key", bytes(&[0xff; 32])),
            PeelError::WeakKey,
        ),
        (
            with("enc_type", bytes(b"cbc")),
            PeelError::UnsupportedCipher,
        ),
        (
            with("enc_type", b"i1e".to_vec()),
            PeelError::Control("enc_type"),
        ),
        (with("data", b"i1e".to_vec()), PeelError::Control("data")),
        (without("data"), PeelError::Control("data")),
        (
            without("ephemeral_key"),
            PeelError::Control("ephemeral_key"),
        ),
        (
            relay(&[("ephemeral_key", bytes(&key)), ("data", bytes(b"x"))]),
            PeelError::Control("bencode"),
        ),
        (b"l1:ae".to_vec(), PeelError::Control("bencode")),
        (b"d4:data".to_vec(), PeelError::Control("bencode")),
        (
            b"d4:data99999999999:xe".to_vec(),
            PeelError::Control("bencode"),
        ),
        (
            {
                let mut f = good();
                f.push(("zzz", bytes(b"1")));
                relay(&f)
            },
            PeelError::Control("unknown relay field"),
        ),
    ] {
        assert_eq!(
            decode_relay(&mut msg).unwrap_err(),
            want,
            "{}",
            String::from_utf8_lossy(&msg)
        );
    }
}

#[test]
fn decrypted_but_invalid_layers_are_refused_with_a_reply() {
    let node_id = Identity::from_seed(&[0x44; 32]);
    let node = NodeSecret::from_identity(&node_id);
    for (plain, want) in [
        (b"\x01\0\0".to_vec(), LayerError::InvalidJson),
        (frame(b"x", "not json"), LayerError::InvalidJson),
        (frame(b"x", "{}"), LayerError::InvalidJson),
        (
            frame(b"x", r#"{"destination":"zz","ephemeral_key":"00"}"#),
            LayerError::InvalidJson,
        ),
        (
            frame(
                b"x",
                r#"{"host":"h","target":"/oxen/v4/lsrpc","protocol":"ftp"}"#,
            ),
            LayerError::InvalidUrl,
        ),
        (
            frame(b"x", r#"{"host":"h","target":"/oxen/v4/lsrpc?x"}"#),
            LayerError::InvalidUrl,
        ),
        (
            frame(b"x", r#"{"host":"","target":"/oxen/v4/lsrpc"}"#),
            LayerError::InvalidUrl,
        ),
        // No `target`: a missing required key, "Invalid json" as on the storage server.
        (frame(b"x", r#"{"host":"h"}"#), LayerError::InvalidJson),
    ] {
        let mut packet = independent_layer(&node.public(), &plain, 3);
        match peel(&node, parse_entry(&mut packet).unwrap()).unwrap().hop {
            Hop::Refused { error, reply } => {
                assert_eq!(error, want, "{}", String::from_utf8_lossy(&plain));
                assert_eq!(error.status(), 400);
                let sealed = reply.seal(
                    error.status(),
                    &error.to_string(),
                    &mut ChaCha20Rng::from_seed([0; 32]),
                );
                assert!(!sealed.is_empty());
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(&plain)),
        }
    }
    // "headers": null still marks the destination (presence is what counts).
    let mut packet = independent_layer(
        &node.public(),
        &frame(b"rpc", r#"{"headers":null,"body":null}"#),
        4,
    );
    assert!(matches!(
        peel(&node, parse_entry(&mut packet).unwrap()).unwrap().hop,
        Hop::Deliver { body: b"rpc", .. }
    ));
}

#[test]
fn build_refuses_bad_requests() {
    let net = Net::new(17);
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let keys: Vec<NodeKeys> = (0..16).map(|i| net.keys(i)).collect();
    let dest = Destination::Node(net.keys(16));
    assert_eq!(
        build_request(&[], &dest, b"", HopCipher::XChaCha20, &mut rng).unwrap_err(),
        BuildError::PathLength(0)
    );
    assert_eq!(
        build_request(&keys, &dest, b"", HopCipher::XChaCha20, &mut rng).unwrap_err(),
        BuildError::PathLength(16)
    );
    assert!(build_request(&keys[..15], &dest, b"", HopCipher::XChaCha20, &mut rng).is_ok());
    let big = vec![0u8; 10 * 1024 * 1024];
    assert_eq!(
        build_request(&keys[..1], &dest, &big, HopCipher::XChaCha20, &mut rng).unwrap_err(),
        BuildError::TooLarge
    );
    let mut bad_node = net.keys(1);
    bad_node.x25519 = [0; 32];
    assert_eq!(
        build_request(&[bad_node], &dest, b"", HopCipher::XChaCha20, &mut rng).unwrap_err(),
        BuildError::InvalidKey(1)
    );
    let mut server = ServerDestination::https("h", net.keys(2).x25519);
    server.target = "/v4/lsrpc".into();
    assert_eq!(
        build_request(
            &keys[..1],
            &Destination::Server(server.clone()),
            b"",
            HopCipher::XChaCha20,
            &mut rng
        )
        .unwrap_err(),
        BuildError::BadTarget
    );
    server.target = "/oxen/v4/lsrpc".into();
    server.host.clear();
    assert_eq!(
        build_request(
            &keys[..1],
            &Destination::Server(server),
            b"",
            HopCipher::XChaCha20,
            &mut rng
        )
        .unwrap_err(),
        BuildError::BadHost
    );
}

#[test]
fn requests_are_reproducible_from_a_seed() {
    let net = Net::new(4);
    let path = [net.keys(0), net.keys(1), net.keys(2)];
    let a = build_request(
        &path,
        &Destination::Node(net.keys(3)),
        b"x",
        HopCipher::XChaCha20,
        &mut ChaCha20Rng::from_seed([8; 32]),
    )
    .unwrap();
    let b = build_request(
        &path,
        &Destination::Node(net.keys(3)),
        b"x",
        HopCipher::XChaCha20,
        &mut ChaCha20Rng::from_seed([8; 32]),
    )
    .unwrap();
    assert_eq!(a.packet, b.packet);
    // Sizes: payload 1 + 4 + 14 ({"headers":""}) + 4 layers of 40 + 3 framed routes + entry json.
    assert!(a.packet.len() > 4 * 40);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_path_any_payload_round_trips(
        hops in 1usize..=15,
        payload in proptest::collection::vec(any::<u8>(), 0..=65536),
        xchacha in any::<bool>(),
        to_server in any::<bool>(),
        seed in any::<[u8; 32]>(),
    ) {
        let net = Net::new(16);
        let cipher = if xchacha { HopCipher::XChaCha20 } else { HopCipher::Aes256Gcm };
        let mut rng = ChaCha20Rng::from_seed(seed);
        let path: Vec<NodeKeys> = (0..hops).map(|i| net.keys(i)).collect();
        let order: Vec<usize> = (0..hops).collect();
        if to_server {
            let server = NodeSecret::from_x25519_secret(seed);
            let dest = Destination::Server(ServerDestination::https("s.example", server.public()));
            let onion = build_request(&path, &dest, &payload, cipher, &mut rng).unwrap();
            let End::Proxied { mut body, .. } = walk(&net, &order, None, onion.packet, &mut rng) else { panic!() };
            let (plain, reply) = open_request(&server, parse_entry(&mut body).unwrap()).unwrap();
            prop_assert_eq!(plain, &payload[..]);
            let answer = reply.seal_bytes(&v4::encode_response(200, &[], &payload), &mut rng);
            let resp = onion.response.open(&answer).unwrap();
            prop_assert_eq!(resp.body, payload);
        } else {
            // Node destinations carry JSON text; use a printable rendering of the payload.
            let text: String = payload.iter().map(|b| char::from(b'a' + b % 26)).collect();
            let onion = build_request(&path, &Destination::Node(net.keys(15)), text.as_bytes(), cipher, &mut rng).unwrap();
            let End::Delivered { body, answer } = walk(&net, &order, Some(15), onion.packet, &mut rng) else { panic!() };
            prop_assert_eq!(&body, text.as_bytes());
            let resp = onion.response.open(&answer).unwrap();
            prop_assert_eq!(resp.status, 200);
            prop_assert_eq!(resp.body, text.into_bytes());
        }
    }
}

/// The xchacha20 key [`independent_layer`] encrypts with, derived the same independent way.
fn independent_key(node_x: &[u8; 32], seed: u8) -> [u8; 32] {
    use blake2::digest::Digest;
    let secret = [seed; 32];
    let public = curve25519_dalek::MontgomeryPoint::mul_base_clamped(secret).to_bytes();
    let shared = curve25519_dalek::MontgomeryPoint(*node_x)
        .mul_clamped(secret)
        .to_bytes();
    blake2::Blake2b::<blake2::digest::consts::U32>::new()
        .chain_update(shared)
        .chain_update(public)
        .chain_update(node_x)
        .finalize()
        .into()
}

/// Opens `nonce || ct || tag` with an xchacha20 key, independently of the crate.
fn independent_open(key: &[u8; 32], sealed: &[u8]) -> Vec<u8> {
    use chacha20poly1305::aead::{Aead, KeyInit};
    let (nonce, ct) = sealed.split_at(24);
    chacha20poly1305::XChaCha20Poly1305::new(key.into())
        .decrypt(nonce.try_into().unwrap(), ct)
        .unwrap()
}

/// Peels one independently encrypted layer carrying `plaintext` at node 0 of `net`.
fn peel_plaintext(net: &Net, plaintext: &[u8], seed: u8) -> (Vec<u8>, [u8; 32]) {
    let key = independent_key(&net.keys(0).x25519, seed);
    (independent_layer(&net.keys(0).x25519, plaintext, seed), key)
}

#[test]
fn reply_flags_json_and_base64_are_honoured_end_to_end() {
    let net = Net::new(1);
    let mut rng = ChaCha20Rng::from_seed([21; 32]);
    let cases = [
        // (routing JSON, expected json flag, expected base64 flag)
        (r#"{"headers":"","json":true}"#, true, true),
        (r#"{"headers":{},"base64":false}"#, false, false),
        (r#"{"headers":"","json":true,"base64":false}"#, true, false),
        (r#"{"headers":null}"#, false, true),
    ];
    for (i, (route, json, base64)) in cases.into_iter().enumerate() {
        let request = br#"{"method":"info","params":{}}"#;
        let (mut packet, key) = peel_plaintext(&net, &frame(request, route), 40 + i as u8);
        let Hop::Deliver { body, reply } = peel(&net.secret(0), parse_entry(&mut packet).unwrap())
            .unwrap()
            .hop
        else {
            panic!("{route}: delivered here")
        };
        assert_eq!(body, request);
        assert_eq!(
            (reply.wants_json(), reply.base64()),
            (json, base64),
            "{route}"
        );
        let sealed = reply.seal(200, r#"{"a":[1,"x"]}"#, &mut rng);
        // SPEC 3.7: base64 of the encryption unless `"base64": false`, then raw binary.
        let raw = if base64 {
            assert!(
                sealed
                    .iter()
                    .all(|c| c.is_ascii_alphanumeric() || b"+/=".contains(c))
            );
            <base64ct::Base64 as base64ct::Encoding>::decode_vec(
                std::str::from_utf8(&sealed).unwrap(),
            )
            .unwrap()
        } else {
            sealed.clone()
        };
        let plain = independent_open(&key, &raw);
        let expected: &[u8] = if json {
            br#"{"status":200,"body":{"a":[1,"x"]}}"#
        } else {
            br#"{"status":200,"body":"{\"a\":[1,\"x\"]}"}"#
        };
        assert_eq!(plain, expected, "{route}");
        // With `json`, a body that is not JSON still goes as a string.
        let (mut packet, key) = peel_plaintext(&net, &frame(request, route), 60 + i as u8);
        let Hop::Deliver { reply, .. } = peel(&net.secret(0), parse_entry(&mut packet).unwrap())
            .unwrap()
            .hop
        else {
            panic!()
        };
        let sealed = reply.seal(404, "not json", &mut rng);
        let raw = if base64 {
            <base64ct::Base64 as base64ct::Encoding>::decode_vec(
                std::str::from_utf8(&sealed).unwrap(),
            )
            .unwrap()
        } else {
            sealed
        };
        assert_eq!(
            independent_open(&key, &raw),
            br#"{"status":404,"body":"not json"}"#
        );
    }
    // And the client's ResponseKey opens both encodings (and the JSON body) of a real request.
    for (route_base64, body) in [(true, r#"{"k":true}"#), (false, "text")] {
        let onion = build_request(
            &[net.keys(0)],
            &Destination::Node(net.keys(0)),
            b"{}",
            HopCipher::XChaCha20,
            &mut rng,
        )
        .unwrap();
        let mut p = onion.packet;
        let Hop::Forward { relay, .. } = peel(&net.secret(0), parse_entry(&mut p).unwrap())
            .unwrap()
            .hop
        else {
            panic!()
        };
        let mut m = relay.encode();
        let Hop::Deliver { reply, .. } = peel(&net.secret(0), decode_relay(&mut m).unwrap())
            .unwrap()
            .hop
        else {
            panic!()
        };
        let sealed = reply.seal(201, body, &mut rng);
        let sealed = if route_base64 {
            sealed
        } else {
            <base64ct::Base64 as base64ct::Encoding>::decode_vec(
                std::str::from_utf8(&sealed).unwrap(),
            )
            .unwrap()
        };
        let resp = onion.response.open(&sealed).unwrap();
        assert_eq!((resp.status, resp.body.as_slice()), (201, body.as_bytes()));
    }
}

#[test]
fn proxy_layers_follow_the_storage_server() {
    let net = Net::new(1);
    let refused_or_proxy = |route: &str, seed: u8| {
        let (mut packet, _) = peel_plaintext(&net, &frame(b"inner", route), seed);
        match peel(&net.secret(0), parse_entry(&mut packet).unwrap())
            .unwrap()
            .hop
        {
            Hop::Proxy { request, .. } => Ok((
                request.protocol,
                request.port,
                request.host.into_owned(),
                request.target.into_owned(),
            )),
            Hop::Refused { error, .. } => Err(error),
            other => panic!("{other:?}"),
        }
    };
    let t = r#""target":"/oxen/v4/lsrpc""#;
    // No port: 443 whatever the scheme (oxenss/rpc/onion_processing.cpp sets 443 when `port`
    // is absent, for http too). Clients always write the port.
    for (route, protocol, port) in [
        (format!(r#"{{"host":"h",{t}}}"#), Protocol::Https, 443),
        (
            format!(r#"{{"host":"h",{t},"protocol":"http"}}"#),
            Protocol::Http,
            443,
        ),
        (
            format!(r#"{{"host":"h",{t},"protocol":"http","port":80}}"#),
            Protocol::Http,
            80,
        ),
        (
            format!(r#"{{"host":"h",{t},"port":8443}}"#),
            Protocol::Https,
            8443,
        ),
    ] {
        let (p, n, host, target) = refused_or_proxy(&route, 1).unwrap();
        assert_eq!(
            (p, n, host.as_str(), target.as_str()),
            (protocol, port, "h", "/oxen/v4/lsrpc")
        );
    }
    assert_eq!(session_protocol::onion::PROXY_DEFAULT_PORT, 443);
    assert_eq!(Protocol::Http.default_port(), 80, "what a client writes");
    for (route, err) in [
        // A missing `target` is a missing required key: "Invalid json", as the server's
        // `at("target")` throws into its JSON error path.
        (r#"{"host":"h"}"#.to_owned(), LayerError::InvalidJson),
        (
            r#"{"host":"h","target":5}"#.to_owned(),
            LayerError::InvalidJson,
        ),
        (
            r#"{"host":7,"target":"/oxen/v4/lsrpc"}"#.to_owned(),
            LayerError::InvalidJson,
        ),
        (
            format!(r#"{{"host":"h",{t},"port":70000}}"#),
            LayerError::InvalidJson,
        ),
        (
            format!(r#"{{"host":"h",{t},"protocol":"ftp"}}"#),
            LayerError::InvalidUrl,
        ),
        (
            format!(r#"{{"host":"h",{t},"protocol":"HTTPS"}}"#),
            LayerError::InvalidUrl,
        ),
        (
            r#"{"host":"h","target":"/oxen/v4/lsrpc?x"}"#.to_owned(),
            LayerError::InvalidUrl,
        ),
        (
            r#"{"host":"h","target":"/other/lsrpc"}"#.to_owned(),
            LayerError::InvalidUrl,
        ),
        // Stricter than the server: an empty host is refused.
        (format!(r#"{{"host":"",{t}}}"#), LayerError::InvalidUrl),
    ] {
        assert_eq!(refused_or_proxy(&route, 2), Err(err), "{route}");
    }
}

#[test]
fn bad_inputs_behind_and_before_the_aead_get_their_errors() {
    let net = Net::new(1);
    let refused = |plaintext: &[u8], seed: u8| {
        let (mut packet, _) = peel_plaintext(&net, plaintext, seed);
        match peel(&net.secret(0), parse_entry(&mut packet).unwrap())
            .unwrap()
            .hop
        {
            Hop::Refused { error, .. } => error,
            other => panic!("{other:?}"),
        }
    };
    let nest = |n: usize| "[".repeat(n) + &"]".repeat(n);
    // Deep JSON that reaches serde_json's 128-level limit (and the crate's pre-check), in a
    // field read as a string and in an ignored field, inside a decrypted layer ...
    for json in [
        format!(r#"{{"destination":{}}}"#, nest(200)),
        format!(r#"{{"x":{},"headers":""}}"#, nest(200)),
        format!(r#"{{"x":{}}}"#, "[".repeat(100_000)),
    ] {
        assert_eq!(refused(&frame(b"", &json), 3), LayerError::InvalidJson);
    }
    // ... while nesting below the limit in an ignored field is fine.
    let (mut packet, _) = peel_plaintext(
        &net,
        &frame(b"b", &format!(r#"{{"x":{},"headers":""}}"#, nest(120))),
        4,
    );
    assert!(matches!(
        peel(&net.secret(0), parse_entry(&mut packet).unwrap())
            .unwrap()
            .hop,
        Hop::Deliver { body: b"b", .. }
    ));
    // Unknown enc_type and invalid UTF-8 inside a decrypted layer.
    let dest = hex(&[1; 32]);
    let eph = hex(&net.keys(0).x25519);
    for enc in ["aes-cbc", "cbc", "chacha", ""] {
        let json =
            format!(r#"{{"destination":"{dest}","ephemeral_key":"{eph}","enc_type":"{enc}"}}"#);
        assert_eq!(
            refused(&frame(b"x", &json), 5),
            LayerError::InvalidJson,
            "{enc}"
        );
    }
    let mut bad_utf8 = frame(b"x", "");
    bad_utf8.extend_from_slice(b"{\"headers\":\"\xff\xfe\"}");
    assert_eq!(refused(&bad_utf8, 6), LayerError::InvalidJson);
    // Deep JSON at the entry frame, where the key is expected and in an ignored field.
    for json in [
        format!(r#"{{"ephemeral_key":{}}}"#, nest(200)),
        format!(r#"{{"ephemeral_key":"{eph}","x":{}}}"#, nest(200)),
        "{".repeat(100_000),
    ] {
        let mut p = frame(b"", &json);
        assert_eq!(
            parse_entry(&mut p).err(),
            Some(PeelError::Control("json")),
            "{}",
            &json[..30]
        );
    }
    let mut p = frame(
        b"",
        &format!(r#"{{"ephemeral_key":"{eph}","x":{}}}"#, nest(120)),
    );
    assert!(parse_entry(&mut p).is_ok());

    // Responses over 10 MiB are refused before anything else.
    let onion = build_request(
        &[net.keys(0)],
        &Destination::Node(net.keys(0)),
        b"{}",
        HopCipher::XChaCha20,
        &mut ChaCha20Rng::from_seed([7; 32]),
    )
    .unwrap();
    let huge = vec![b'A'; 10 * 1024 * 1024 + 1];
    assert_eq!(onion.response.open(&huge), Err(ResponseError::TooLarge));
    assert_eq!(
        onion.response.open(&huge[..10 * 1024 * 1024]),
        Err(ResponseError::Decrypt)
    );

    // v4 framing and metadata errors.
    for (bytes, err) in [
        (&b""[..], v4::V4Error::Framing),
        (b"le", v4::V4Error::Framing),
        (b"l2:{}2:{}2:{}e", v4::V4Error::Framing),
        (b"l2:{}i1ee", v4::V4Error::Framing),
        (b"l2:{}e ", v4::V4Error::Framing),
        (b"d2:{}e", v4::V4Error::Framing),
        (b"l02:{}e", v4::V4Error::Framing),
        (b"l4294967295:{}e", v4::V4Error::Framing),
        (b"l2:{}", v4::V4Error::Framing),
        (b"l2:{}e", v4::V4Error::Metadata),
        (b"l4:nulle", v4::V4Error::Metadata),
        (b"l2:[]0:e", v4::V4Error::Metadata),
    ] {
        assert_eq!(v4::decode_request(bytes).err(), Some(err), "{bytes:?}");
        assert_eq!(v4::decode_response(bytes).err(), Some(err), "{bytes:?}");
    }
    for meta in [
        r#"{"method":"GET"}"#,
        r#"{"method":1,"endpoint":"/"}"#,
        r#"{"method":"GET","endpoint":"/","headers":{"a":1}}"#,
        r#"{"method":"GET","endpoint":"/","headers":[]}"#,
        r#"{"method":"GET","endpoint":"/","method":"GET"}"#,
    ] {
        let msg = format!("l{}:{meta}e", meta.len());
        assert_eq!(
            v4::decode_request(msg.as_bytes()).err(),
            Some(v4::V4Error::Metadata),
            "{meta}"
        );
    }
    for meta in [
        r#"{"code":-1}"#,
        r#"{"code":65536}"#,
        r#"{"code":"200"}"#,
        r#"{"headers":{}}"#,
    ] {
        let msg = format!("l{}:{meta}0:e", meta.len());
        assert_eq!(
            v4::decode_response(msg.as_bytes()).err(),
            Some(v4::V4Error::Metadata),
            "{meta}"
        );
    }
    // Headers keep object order; response names are lower-cased.
    let meta = r#"{"code":200,"headers":{"Z-B":"1","a-c":"2","Z-B":"3"}}"#;
    let r = v4::decode_response(format!("l{}:{meta}2:hie", meta.len()).as_bytes()).unwrap();
    assert_eq!(
        r.headers,
        [("z-b", "1"), ("a-c", "2"), ("z-b", "3")].map(|(k, v)| (k.to_owned(), v.to_owned()))
    );
    assert_eq!(r.body, b"hi");

    // PeelError::message against SPEC 3.9: "Invalid ciphertext" for a layer that fails to
    // decrypt, "Error parsing onion request" for an entry payload that cannot be parsed, the
    // hop limit text; all 400 and answered in the clear.
    let mut short = b"\x01\0".to_vec();
    let frame_err = parse_entry(&mut short).unwrap_err();
    assert!(matches!(frame_err, PeelError::Frame(_)));
    for (err, body) in [
        (PeelError::Decrypt, "Invalid ciphertext"),
        (PeelError::WeakKey, "Invalid ciphertext"),
        (
            PeelError::TooManyHops,
            "onion request max path length exceeded",
        ),
        (PeelError::TooLarge, "Error parsing onion request"),
        (frame_err, "Error parsing onion request"),
        (PeelError::Control("json"), "Error parsing onion request"),
        (PeelError::UnsupportedCipher, "Error parsing onion request"),
    ] {
        assert_eq!((err.status(), err.message()), (400, body), "{err:?}");
    }
    // Errors found after decryption go back encrypted, with the storage server's texts.
    for (err, text) in [
        (LayerError::InvalidJson, "Invalid json"),
        (LayerError::InvalidUrl, "Invalid url"),
        (
            LayerError::TooManyHops,
            "onion request max path length exceeded",
        ),
    ] {
        assert_eq!((err.status(), err.to_string().as_str()), (400, text));
    }
}
