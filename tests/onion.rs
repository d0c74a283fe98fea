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
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::Value;
use session_protocol::onion::{
    BuildError, Destination, DestinationError, Hop, HopCipher, LayerError, NodeKeys, NodeSecret,
    PeelError, Problem, Protocol, Relay, ResponseError, ServerDestination, build_request,
    build_request_into, decode_relay, is_allowed_target, open_request, parse_entry, peel, v4,
};
use session_protocol::{Ed25519Public, Identity, X25519Public};

const VECTORS: &str = include_str!("vectors/session-vectors.json");

fn vectors(area: &str) -> Vec<Value> {
    let all: Vec<Value> = serde_json::from_str(VECTORS).unwrap();
    all.into_iter().filter(|v| v["area"] == area).collect()
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

mod common;
use common::hex::{hex, unhex};

#[path = "common/independent.rs"]
mod independent;
use independent::independent_layer;

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
                let mut packet = independent_layer(node.public().as_bytes(), &plaintext, 9);
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
                        let mut packet =
                            independent_layer(node.public().as_bytes(), allowed.as_bytes(), 10);
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
                            relay.data(),
                            e["ciphertext_utf8"].as_str().unwrap().as_bytes()
                        );
                        assert_eq!(next, arr(&v, "expected", "next_node_ed25519_hex"));
                        assert_eq!(
                            relay.ephemeral_key(),
                            arr(&v, "expected", "ephemeral_key_hex")
                        );
                        assert_eq!(relay.cipher().wire_name(), e["enc_type"].as_str().unwrap());
                        assert_eq!(relay.hop_no(), 1);
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
    fn index_of(&self, ed: &Ed25519Public) -> usize {
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
                assert_eq!(usize::from(relay.hop_no()), at + 1);
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
        let dest = ServerDestination::https("open.example", server.public()).unwrap();
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

/// Which part of a flat JSON object (the routing JSON the crate writes) each byte is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonPart<'a> {
    /// Braces, quotes, colons and commas.
    Syntax,
    /// A byte of the named key.
    Key(&'a str),
    /// A byte of the named key's value (inside the quotes of a string).
    Value(&'a str),
}

/// Maps `json`, a flat object of string and unsigned-integer values without escapes, byte by
/// byte. Independent of the crate's parsers.
fn json_parts(json: &str) -> Vec<JsonPart<'_>> {
    let b = json.as_bytes();
    let mut parts = vec![JsonPart::Syntax; b.len()];
    assert_eq!(b[0], b'{');
    let mut i = 1;
    loop {
        assert_eq!(b[i], b'"', "{json}");
        let ks = i + 1;
        let ke = ks + json[ks..].find('"').unwrap();
        let key = &json[ks..ke];
        parts[ks..ke].fill(JsonPart::Key(key));
        assert_eq!(b[ke + 1], b':');
        i = ke + 2;
        let (vs, ve) = if b[i] == b'"' {
            let vs = i + 1;
            let ve = vs + json[vs..].find('"').unwrap();
            i = ve + 1;
            (vs, ve)
        } else {
            let ve = i + json[i..].find(|c: char| !c.is_ascii_digit()).unwrap();
            let vs = i;
            i = ve;
            (vs, ve)
        };
        parts[vs..ve].fill(JsonPart::Value(key));
        match b[i] {
            b',' => i += 1,
            b'}' => {
                assert_eq!(i + 1, b.len());
                return parts;
            }
            other => panic!("unexpected {other} in {json}"),
        }
    }
}

/// Which part of a bencoded relay dictionary each byte is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BencPart {
    /// `d`, `e`, `:`, `i`.
    Syntax,
    /// A digit of a string length.
    Length,
    /// A byte of the key with this index.
    Key(usize),
    /// A byte of the string value of the key with this index.
    Bytes(usize),
    /// A digit of the integer value of the key with this index.
    Int(usize),
}

/// Maps a dictionary of byte strings and integers byte by byte; also returns its keys.
/// Independent of the crate's bencode reader.
fn relay_parts(msg: &[u8]) -> (Vec<BencPart>, Vec<Vec<u8>>) {
    let mut parts = vec![BencPart::Syntax; msg.len()];
    let mut keys = Vec::new();
    // Reads `<len>:` at `i`, marks it, and returns the string's range.
    let string = |parts: &mut Vec<BencPart>, i: usize| {
        let colon = i + msg[i..].iter().position(|&c| c == b':').unwrap();
        parts[i..colon].fill(BencPart::Length);
        let len: usize = std::str::from_utf8(&msg[i..colon])
            .unwrap()
            .parse()
            .unwrap();
        colon + 1..colon + 1 + len
    };
    assert_eq!(msg[0], b'd');
    let mut i = 1;
    while msg[i] != b'e' {
        let k = string(&mut parts, i);
        let idx = keys.len();
        keys.push(msg[k.clone()].to_vec());
        parts[k.clone()].fill(BencPart::Key(idx));
        i = k.end;
        if msg[i] == b'i' {
            let end = i + msg[i..].iter().position(|&c| c == b'e').unwrap();
            parts[i + 1..end].fill(BencPart::Int(idx));
            i = end + 1;
        } else {
            let v = string(&mut parts, i);
            parts[v.clone()].fill(BencPart::Bytes(idx));
            i = v.end;
        }
    }
    assert_eq!(i + 1, msg.len());
    (parts, keys)
}

/// `u < 2^255 - 19` (little-endian), the canonical X25519 encodings; written out here rather
/// than taken from the crate.
fn canonical_u(u: &[u8; 32]) -> bool {
    let mut p = [0xffu8; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    for j in (0..32).rev() {
        if u[j] != p[j] {
            return u[j] < p[j];
        }
    }
    false
}

/// Strict hex of both cases (what `ephemeral_key` accepts), written out independently.
fn decode_hex_any_case(s: &[u8]) -> Option<Vec<u8>> {
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

/// The `enc_type` names SPEC 3.2 accepts.
const CIPHER_NAMES: [&[u8]; 4] = [b"xchacha20", b"xchacha20-poly1305", b"aes-gcm", b"gcm"];

/// `PeelError::Frame(FrameError::LengthPastEnd)`, checked against a frame whose length runs
/// past its end.
fn length_past_end() -> PeelError {
    let e = parse_entry(&mut b"\x03\0\0\0ab".to_vec()).unwrap_err();
    assert_eq!(
        e,
        PeelError::Frame(session_protocol::onion::FrameError::LengthPastEnd)
    );
    e
}

/// What one flipped byte must lead to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Refused by the node that received the altered message, with this error.
    Refused(PeelError),
    /// Accepted, and the request still arrives intact.
    Accepted,
}

/// The outcome of XOR-ing `mask` into byte `i` of an entry frame (`u32 || blob || JSON`) as
/// read by `parse_entry` and then decrypted. Keys other than `ephemeral_key`/`enc_type` are
/// not read (they occur in the proxied frame a server reads).
fn entry_flip(packet: &[u8], i: usize, mask: u8, cipher: HopCipher) -> (Outcome, String) {
    use Outcome::{Accepted, Refused};
    let n = u32::from_le_bytes(packet[..4].try_into().unwrap()) as usize;
    let json = std::str::from_utf8(&packet[4 + n..]).unwrap();
    let parts = json_parts(json);
    let mut bad = packet.to_vec();
    bad[i] ^= mask;
    if i < 4 {
        let n2 = u32::from_le_bytes(bad[..4].try_into().unwrap()) as usize;
        let outcome = if n2 > packet.len() - 4 {
            Refused(length_past_end())
        } else if n2 < n && packet[4 + n2..4 + n].iter().all(|c| b" \t\r\n".contains(c)) {
            // Only JSON whitespace moved from the blob into the JSON: the same control data,
            // a shortened ciphertext.
            Refused(PeelError::Decrypt)
        } else {
            // The JSON now starts inside the ciphertext, or inside itself.
            Refused(PeelError::Control("json"))
        };
        return (outcome, "length prefix".into());
    }
    if i < 4 + n {
        return (Refused(PeelError::Decrypt), "nonce/ciphertext/tag".into());
    }
    let j = i - 4 - n;
    let part = parts[j];
    let label = format!("json {part:?}");
    if mask & 0x80 != 0 {
        // A byte above 0x7f among ASCII is never valid UTF-8.
        return (Refused(PeelError::Control("json")), label);
    }
    if bad[i] < 0x20 {
        // A control character (a digit with bit 5 cleared): not allowed in a JSON string.
        return (Refused(PeelError::Control("json")), label);
    }
    let field = |name: &str| -> Vec<u8> {
        parts
            .iter()
            .enumerate()
            .filter(|(_, p)| **p == JsonPart::Value(name))
            .map(|(k, _)| bad[4 + n + k])
            .collect()
    };
    let outcome = match part {
        // `{`, `"`, `:`, `,`, `}` with one low bit flipped are never JSON punctuation.
        JsonPart::Syntax => Refused(PeelError::Control("json")),
        // Renamed: an unknown key, ignored; the key is then missing.
        JsonPart::Key("ephemeral_key") => Refused(PeelError::Control("ephemeral_key")),
        // Renamed: `enc_type` is absent, which means aes-gcm.
        JsonPart::Key("enc_type") if cipher == HopCipher::Aes256Gcm => Accepted,
        JsonPart::Key("enc_type") => Refused(PeelError::Decrypt),
        JsonPart::Value("ephemeral_key") => match decode_hex_any_case(&field("ephemeral_key")) {
            None => Refused(PeelError::Control("ephemeral_key")),
            Some(k) => {
                let original: Vec<u8> = parts
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| **p == JsonPart::Value("ephemeral_key"))
                    .map(|(k, _)| packet[4 + n + k])
                    .collect();
                if k == decode_hex_any_case(&original).unwrap() {
                    // Another case of the same hex digit: the same key.
                    Accepted
                } else if canonical_u(&k.try_into().unwrap()) {
                    Refused(PeelError::Decrypt)
                } else {
                    Refused(PeelError::WeakKey)
                }
            }
        },
        JsonPart::Value("enc_type") => {
            assert!(!CIPHER_NAMES.contains(&field("enc_type").as_slice()));
            Refused(PeelError::UnsupportedCipher)
        }
        // The proxy fields (host, target, method, protocol, port) are for the node that
        // proxied; the server reading the frame ignores them. Still valid JSON after one low
        // bit flip: no value byte turns into a quote, backslash or control character.
        JsonPart::Key(_) | JsonPart::Value(_) => Accepted,
    };
    (outcome, label)
}

/// The outcome of XOR-ing `mask` into byte `i` of a relay message as read by `decode_relay`
/// and then decrypted.
fn relay_flip(msg: &[u8], i: usize, mask: u8) -> (Outcome, String) {
    use Outcome::{Accepted, Refused};
    let (parts, keys) = relay_parts(msg);
    assert_eq!(
        keys,
        [&b"data"[..], b"enc_type", b"ephemeral_key", b"hop_no"].map(<[u8]>::to_vec)
    );
    let mut bad = msg.to_vec();
    bad[i] ^= mask;
    let value = |idx: usize| -> Vec<u8> {
        parts
            .iter()
            .enumerate()
            .filter(|(_, p)| **p == BencPart::Bytes(idx))
            .map(|(k, _)| bad[k])
            .collect()
    };
    let part = parts[i];
    let outcome = match part {
        // A changed `d`/`e`/`:`/`i` or string length is no longer this dictionary (a length
        // one off reads into the next element, which then does not parse).
        BencPart::Syntax | BencPart::Length => Refused(PeelError::Control("bencode")),
        BencPart::Key(idx) => {
            let mut renamed = keys.clone();
            renamed[idx][i - parts.iter().position(|p| *p == part).unwrap()] ^= mask;
            if renamed.windows(2).all(|w| w[0] < w[1]) {
                Refused(PeelError::Control("unknown relay field"))
            } else {
                // Keys out of order: not canonical bencode.
                Refused(PeelError::Control("bencode"))
            }
        }
        BencPart::Bytes(0) => Refused(PeelError::Decrypt),
        BencPart::Bytes(1) => {
            let name = value(1);
            if std::str::from_utf8(&name).is_err() {
                Refused(PeelError::Control("enc_type"))
            } else {
                assert!(!CIPHER_NAMES.contains(&name.as_slice()));
                Refused(PeelError::UnsupportedCipher)
            }
        }
        BencPart::Bytes(2) => {
            if canonical_u(&value(2).try_into().unwrap()) {
                Refused(PeelError::Decrypt)
            } else {
                Refused(PeelError::WeakKey)
            }
        }
        BencPart::Int(3) if bad[i].is_ascii_digit() => {
            // `hop_no` is neither encrypted nor authenticated: another digit is another
            // (valid) count.
            Accepted
        }
        BencPart::Int(_) => Refused(PeelError::Control("bencode")),
        BencPart::Bytes(_) => unreachable!(),
    };
    (outcome, format!("relay {part:?}"))
}

/// Where a request that got through ends up.
enum Terminal {
    Delivered(Vec<u8>),
    Proxied(Vec<u8>),
}

/// Runs a (possibly altered) message arriving at `nodes[at]` through the rest of the path;
/// `Err` names the position that refused it. `at == 0` reads an entry frame, later positions
/// a relay message; each forward must name the next node. `trail` collects each message.
fn run_from(
    net: &Net,
    nodes: &[usize],
    mut at: usize,
    mut msg: Vec<u8>,
    trail: &mut Vec<Vec<u8>>,
) -> Result<Terminal, (usize, PeelError)> {
    loop {
        trail.push(msg.clone());
        let layer = if at == 0 {
            parse_entry(&mut msg)
        } else {
            decode_relay(&mut msg)
        }
        .map_err(|e| (at, e))?;
        let next = match peel(&net.secret(nodes[at]), layer)
            .map_err(|e| (at, e))?
            .hop
        {
            Hop::Forward { next, relay } => {
                assert_eq!(next, net.keys(nodes[at + 1]).ed25519());
                relay.encode()
            }
            Hop::Deliver { body, .. } => return Ok(Terminal::Delivered(body.to_vec())),
            Hop::Proxy { request, .. } => return Ok(Terminal::Proxied(request.body.to_vec())),
            other => panic!("node {at}: {other:?}"),
        };
        msg = next;
        at += 1;
    }
}

/// The masks each byte is flipped with: bit 0 everywhere; for the header bytes (everything
/// but the AEAD output, where any change is caught alike) also bit 7, bit 5 on hex digits
/// (their case), and every bit of the length prefix.
fn masks(header: bool, hex: bool, prefix: bool) -> &'static [u8] {
    match (prefix, header, hex) {
        (true, _, _) => &[0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80],
        (_, true, true) => &[0x01, 0x20, 0x80],
        (_, true, false) => &[0x01, 0x80],
        _ => &[0x01],
    }
}

#[test]
fn tampering_fails_at_the_tampered_hop_with_the_right_error() {
    let net = Net::new(4);
    let server_id = Identity::from_seed(&[0xee; 32]);
    let server = NodeSecret::from_identity(&server_id);
    let mut rng = ChaCha20Rng::from_seed([4; 32]);
    let path = [net.keys(0), net.keys(1), net.keys(2)];
    let rpc = br#"{"method":"info","params":{}}"#;
    let v4_request = v4::encode_request("POST", "/r", &[], Some(b"hi"));
    for cipher in [HopCipher::XChaCha20, HopCipher::Aes256Gcm] {
        for to_server in [false, true] {
            let (dest, nodes, payload): (_, &[usize], &[u8]) = if to_server {
                let d = ServerDestination::https("s.example", server.public()).unwrap();
                (Destination::Server(d), &[0, 1, 2], &v4_request)
            } else {
                (Destination::Node(net.keys(3)), &[0, 1, 2, 3], rpc)
            };
            let onion = build_request(&path, &dest, payload, cipher, &mut rng).unwrap();
            // What the server makes of a (possibly altered) proxied frame.
            let at_server = |mut body: Vec<u8>| -> Result<Vec<u8>, PeelError> {
                let (plain, _) = open_request(&server, parse_entry(&mut body)?)?;
                Ok(plain.to_vec())
            };
            // An accepted change must still deliver the request unchanged.
            let intact = |t: Terminal| match t {
                Terminal::Delivered(body) => assert_eq!(body, payload),
                Terminal::Proxied(body) => assert_eq!(at_server(body).unwrap(), payload),
            };
            let mut honest = Vec::new();
            let end = run_from(&net, nodes, 0, onion.packet.clone(), &mut honest).unwrap();
            assert_eq!(honest.len(), nodes.len());
            let proxied = match end {
                Terminal::Proxied(body) => Some(body),
                Terminal::Delivered(ref body) => {
                    assert_eq!(body, payload);
                    None
                }
            };
            let mut accepted: Vec<String> = Vec::new();
            let mut flips = 0usize;
            for (k, msg) in honest.iter().enumerate() {
                let n = u32::from_le_bytes(msg[..4].try_into().unwrap()) as usize;
                let relay = (k > 0).then(|| relay_parts(msg).0);
                for i in 0..msg.len() {
                    let (header, hex, prefix) = match &relay {
                        None => {
                            let json = std::str::from_utf8(&msg[4 + n..]).unwrap();
                            let hex = i >= 4 + n
                                && json_parts(json)[i - 4 - n] == JsonPart::Value("ephemeral_key");
                            (i >= 4 + n, hex, i < 4)
                        }
                        Some(parts) => (parts[i] != BencPart::Bytes(0), false, false),
                    };
                    for &mask in masks(header, hex, prefix) {
                        let (want, label) = if k == 0 {
                            entry_flip(msg, i, mask, cipher)
                        } else {
                            relay_flip(msg, i, mask)
                        };
                        let mut bad = msg.clone();
                        bad[i] ^= mask;
                        let got = match run_from(&net, nodes, k, bad, &mut Vec::new()) {
                            Err((at, e)) => {
                                assert_eq!(at, k, "refused by the node that received it");
                                Outcome::Refused(e)
                            }
                            Ok(t) => {
                                intact(t);
                                Outcome::Accepted
                            }
                        };
                        assert_eq!(
                            got, want,
                            "{cipher:?} server={to_server} message {k} byte {i} mask {mask:#04x} ({label})"
                        );
                        if got == Outcome::Accepted {
                            accepted.push(format!("message {k} {label} mask {mask:#04x}"));
                        }
                        flips += 1;
                    }
                }
            }
            // The proxied frame (last path node -> server): the server reads only the key and
            // the cipher from its JSON.
            if let Some(frame) = &proxied {
                let n = u32::from_le_bytes(frame[..4].try_into().unwrap()) as usize;
                let json = std::str::from_utf8(&frame[4 + n..]).unwrap();
                let parts = json_parts(json);
                for i in 0..frame.len() {
                    let header = i >= 4 + n;
                    let hex = header && parts[i - 4 - n] == JsonPart::Value("ephemeral_key");
                    for &mask in masks(header, hex, i < 4) {
                        let (want, label) = entry_flip(frame, i, mask, cipher);
                        let mut bad = frame.clone();
                        bad[i] ^= mask;
                        let got = match at_server(bad) {
                            Err(e) => Outcome::Refused(e),
                            Ok(plain) => {
                                assert_eq!(plain, payload);
                                Outcome::Accepted
                            }
                        };
                        assert_eq!(
                            got, want,
                            "{cipher:?} proxied byte {i} mask {mask:#04x} ({label})"
                        );
                        if got == Outcome::Accepted {
                            accepted.push(format!("proxied {label} mask {mask:#04x}"));
                        }
                        flips += 1;
                    }
                }
            }
            // Exactly these changes are accepted, by design (none touches what is delivered):
            accepted.sort();
            accepted.dedup();
            let mut by_design = vec![
                // hex is read in either case;
                "message 0 json Value(\"ephemeral_key\") mask 0x20".to_owned(),
            ];
            // `hop_no` is sent in the clear, unauthenticated (SPEC 3.5);
            by_design
                .extend((1..nodes.len()).map(|k| format!("message {k} relay Int(3) mask 0x01")));
            // a renamed `enc_type` is an absent one, which means aes-gcm (SPEC 3.2);
            if cipher == HopCipher::Aes256Gcm {
                by_design.push("message 0 json Key(\"enc_type\") mask 0x01".to_owned());
            }
            if proxied.is_some() {
                // and the server ignores the proxy fields meant for the last path node.
                by_design.push("proxied json Value(\"ephemeral_key\") mask 0x20".to_owned());
                for field in ["host", "target", "method", "protocol", "port"] {
                    by_design.push(format!("proxied json Key(\"{field}\") mask 0x01"));
                    by_design.push(format!("proxied json Value(\"{field}\") mask 0x01"));
                }
                if cipher == HopCipher::Aes256Gcm {
                    by_design.push("proxied json Key(\"enc_type\") mask 0x01".to_owned());
                }
            }
            by_design.sort();
            assert_eq!(accepted, by_design, "{cipher:?} server={to_server}");
            // Every byte of every message was flipped at least once.
            let bytes: usize = honest.iter().chain(&proxied).map(Vec::len).sum();
            assert!(flips > bytes, "{flips} flips over {bytes} bytes");

            // Responses: every bit of every byte of a node's reply (base64, bare and inside
            // {"result": ...}) and of a server's binary v4 reply fails authentication.
            let (reply_key, answers) = if to_server {
                let mut body = proxied.clone().unwrap();
                let (_, reply) = open_request(&server, parse_entry(&mut body).unwrap()).unwrap();
                let sealed = reply.seal_bytes(&v4::encode_response(200, &[], b"ok"), &mut rng);
                (onion.response, vec![sealed])
            } else {
                let mut msg = honest[3].clone();
                let Hop::Deliver { reply, .. } =
                    peel(&net.secret(3), decode_relay(&mut msg).unwrap())
                        .unwrap()
                        .hop
                else {
                    panic!()
                };
                let sealed = reply.seal(200, "ok", &mut rng);
                let wrapped = format!(
                    r#"{{"result":"{}"}}"#,
                    std::str::from_utf8(&sealed).unwrap()
                );
                (onion.response, vec![sealed, wrapped.into_bytes()])
            };
            for answer in &answers {
                let ok = reply_key.open(answer).unwrap();
                assert_eq!((ok.status, ok.body.as_slice()), (200, &b"ok"[..]));
                for i in 0..answer.len() {
                    for bit in 0..8 {
                        let mut bad = answer.clone();
                        bad[i] ^= 1 << bit;
                        assert_eq!(
                            reply_key.open(&bad),
                            Err(ResponseError::Decrypt),
                            "{cipher:?} server={to_server} answer byte {i} bit {bit}"
                        );
                    }
                }
            }
        }
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
    let eph = hex(Identity::from_seed(&[1; 32]).x25519_public().as_bytes());
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
        // A wrong-typed field is named (SPEC 3.4's entry fields).
        (ctl(r#"{"ephemeral_key":7}"#), |e| {
            *e == PeelError::Control("ephemeral_key")
        }),
        (
            ctl(&format!(r#"{{"ephemeral_key":"{eph}","enc_type":7}}"#)),
            |e| *e == PeelError::Control("enc_type"),
        ),
        (
            ctl(&format!(r#"{{"ephemeral_key":"{eph}","hop_no":"3"}}"#)),
            |e| *e == PeelError::Control("hop_no"),
        ),
        (
            ctl(&format!(r#"{{"ephemeral_key":"{eph}","hop_no":-1}}"#)),
            |e| *e == PeelError::Control("hop_no"),
        ),
        (
            ctl(&format!(r#"{{"ephemeral_key":"{eph}","hop_no":1.5}}"#)),
            |e| *e == PeelError::Control("hop_no"),
        ),
        (
            ctl(&format!(
                r#"{{"ephemeral_key":"{eph}","ephemeral_key":"{eph}"}}"#
            )),
            |e| *e == PeelError::Control("json"),
        ),
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
            |e| *e == PeelError::Control("enc_type"),
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
    let key = Identity::from_seed(&[2; 32]).x25519_public().to_bytes();
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
        let mut packet = independent_layer(node.public().as_bytes(), &plain, 3);
        match peel(&node, parse_entry(&mut packet).unwrap()).unwrap().hop {
            Hop::Refused {
                error,
                reason,
                reply,
            } => {
                assert_eq!(error, want, "{}", String::from_utf8_lossy(&plain));
                assert_eq!(error.status(), 400);
                assert_eq!(error.message(), error.to_string());
                assert!(!reason.to_string().is_empty());
                let sealed = reply.seal(
                    error.status(),
                    error.message(),
                    &mut ChaCha20Rng::from_seed([0; 32]),
                );
                assert!(!sealed.is_empty());
            }
            other => panic!("{}: {other:?}", String::from_utf8_lossy(&plain)),
        }
    }
    // "headers": null still marks the destination (presence is what counts).
    let mut packet = independent_layer(
        node.public().as_bytes(),
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
    // A refused path length takes nothing from the generator.
    let untouched = rng.clone();
    for path in [&keys[..0], &keys[..]] {
        assert!(build_request(path, &dest, b"", HopCipher::XChaCha20, &mut rng).is_err());
    }
    assert_eq!(rng, untouched);
    assert!(build_request(&keys[..15], &dest, b"", HopCipher::XChaCha20, &mut rng).is_ok());
    assert_ne!(rng, untouched);
    let big = vec![0u8; 10 * 1024 * 1024];
    assert_eq!(
        build_request(&keys[..1], &dest, &big, HopCipher::XChaCha20, &mut rng).unwrap_err(),
        BuildError::TooLarge
    );
    // A node's keys cannot be small-order (NodeKeys derives and checks them); a server's
    // X25519 key can, and is refused when the layer to it is built.
    let small = ServerDestination::https("h", X25519Public::from_bytes([0; 32])).unwrap();
    assert_eq!(
        build_request(
            &keys[..2],
            &Destination::Server(small),
            b"",
            HopCipher::XChaCha20,
            &mut rng
        )
        .unwrap_err(),
        BuildError::InvalidKey(0)
    );
    let key = net.keys(2).x25519();
    assert_eq!(
        ServerDestination::new("h", Protocol::Https, 443, "/v4/lsrpc", key),
        Err(DestinationError::BadTarget)
    );
    assert_eq!(
        ServerDestination::new("", Protocol::Https, 443, "/oxen/v4/lsrpc", key),
        Err(DestinationError::BadHost)
    );
    assert_eq!(
        ServerDestination::new("h", Protocol::Http, 0, "/oxen/v4/lsrpc", key),
        Err(DestinationError::BadPort)
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

/// Every path length (1..=15) with both ciphers and both destinations: the 60 combinations.
fn combinations() -> impl Iterator<Item = (usize, HopCipher, bool)> {
    (1..=15).flat_map(|hops| {
        [HopCipher::XChaCha20, HopCipher::Aes256Gcm]
            .into_iter()
            .flat_map(move |cipher| [false, true].map(|to_server| (hops, cipher, to_server)))
    })
}

/// One request through `hops` in-memory nodes and back. The node destination receives the
/// payload as the request body and answers it (as text, its bytes read lossily as UTF-8) with
/// `ReplyKey::seal`; the server receives it as the v4 request and answers it as the v4 body
/// with `ReplyKey::seal_bytes`.
fn round_trip(
    net: &Net,
    server: &NodeSecret,
    (hops, cipher, to_server): (usize, HopCipher, bool),
    payload: &[u8],
    rng: &mut ChaCha20Rng,
) -> Result<(), TestCaseError> {
    let path: Vec<NodeKeys> = (0..hops).map(|i| net.keys(i)).collect();
    let order: Vec<usize> = (0..hops).collect();
    let what = format!(
        "{hops} hops, {cipher:?}, server={to_server}, {} bytes",
        payload.len()
    );
    if to_server {
        let dest =
            Destination::Server(ServerDestination::https("s.example", server.public()).unwrap());
        let onion = build_request(&path, &dest, payload, cipher, rng).unwrap();
        let End::Proxied { mut body, .. } = walk(net, &order, None, onion.packet, rng) else {
            panic!("{what}: not proxied")
        };
        let (plain, reply) = open_request(server, parse_entry(&mut body).unwrap()).unwrap();
        prop_assert_eq!(plain, payload, "{}", what);
        let answer = reply.seal_bytes(&v4::encode_response(200, &[], payload), rng);
        let resp = onion.response.open(&answer).unwrap();
        prop_assert_eq!(
            (resp.status, resp.body.as_slice()),
            (200, payload),
            "{}",
            what
        );
    } else {
        // SPEC 3.4 makes the body a storage RPC (`{"method","params"}` JSON) for a real node,
        // which its RPC layer (not the onion layer) would refuse otherwise; the onion layers
        // carry any bytes, and `Deliver` hands them over as they are.
        let onion = build_request(
            &path,
            &Destination::Node(net.keys(15)),
            payload,
            cipher,
            rng,
        )
        .unwrap();
        let End::Delivered { body, answer } = walk(net, &order, Some(15), onion.packet, rng) else {
            panic!("{what}: not delivered")
        };
        prop_assert_eq!(body.as_slice(), payload, "{}", what);
        // `walk` answered with the request as text: `{"status":200,"body":"<text>"}`.
        let text = String::from_utf8_lossy(payload).into_owned();
        let resp = onion.response.open(&answer).unwrap();
        prop_assert_eq!(
            (resp.status, resp.body),
            (200, text.into_bytes()),
            "{}",
            what
        );
    }
    Ok(())
}

proptest! {
    // 24 cases (below CI's PROPTEST_CASES=64 on purpose: a 15-hop case costs about 30 DH in a
    // debug build, each near a millisecond there). Each case takes one combination; the
    // plain test below covers all 60 deterministically. One payload in eight is drawn up to
    // 64 KiB, the rest up to 1 KiB.
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_path_any_payload_round_trips(
        combination in 0usize..60,
        payload in prop_oneof![
            7 => proptest::collection::vec(any::<u8>(), 0..=1024),
            1 => proptest::collection::vec(any::<u8>(), 0..=65536),
        ],
        seed in any::<[u8; 32]>(),
    ) {
        let net = Net::new(16);
        let server = NodeSecret::from_x25519_secret(seed);
        let mut rng = ChaCha20Rng::from_seed(seed);
        let combination = combinations().nth(combination).unwrap();
        round_trip(&net, &server, combination, &payload, &mut rng)?;
    }
}

#[test]
fn every_combination_round_trips() {
    // All 60 combinations, each with arbitrary bytes of a length cycling through these (the
    // empty payload meets every cipher and destination).
    const LENGTHS: [usize; 7] = [0, 1000, 1, 4096, 13, 255, 64];
    assert_eq!(combinations().count(), 60);
    let net = Net::new(16);
    let server = NodeSecret::from_x25519_secret([9; 32]);
    let mut rng = ChaCha20Rng::from_seed([10; 32]);
    for (k, combination) in combinations().enumerate() {
        let mut payload = vec![0u8; LENGTHS[k % LENGTHS.len()]];
        rng.fill_bytes(&mut payload);
        round_trip(&net, &server, combination, &payload, &mut rng).unwrap();
    }
    // The top of the range, 64 KiB, with both ciphers and destinations at one hop, and at 15
    // hops once: a debug build seals and opens about 4 MB/s, so a 64 KiB payload through 16
    // layers costs half a second; more is left to the property.
    let mut big = vec![0u8; 65536];
    rng.fill_bytes(&mut big);
    for combination in combinations().filter(|&(hops, ..)| hops == 1) {
        round_trip(&net, &server, combination, &big, &mut rng).unwrap();
    }
    round_trip(
        &net,
        &server,
        (15, HopCipher::XChaCha20, false),
        &big,
        &mut rng,
    )
    .unwrap();
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
    let key = independent_key(net.keys(0).x25519().as_bytes(), seed);
    (
        independent_layer(net.keys(0).x25519().as_bytes(), plaintext, seed),
        key,
    )
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
    let eph = hex(net.keys(0).x25519().as_bytes());
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

// Limits, codecs and redaction of the reshaped API.

const MIB10: usize = 10 * 1024 * 1024;

#[test]
fn entry_cap_is_exactly_10_mib() {
    let node = Identity::from_seed(&[2; 32]);
    let eph = hex(node.x25519_public().as_bytes());
    let json = format!(r#"{{"ephemeral_key":"{eph}","enc_type":"xchacha20"}}"#);
    let at_cap = |extra: usize| {
        let blob = vec![0u8; MIB10 - 4 - json.len() + extra];
        frame(&blob, &json)
    };
    let mut exact = at_cap(0);
    assert_eq!(exact.len(), MIB10);
    assert!(parse_entry(&mut exact).is_ok(), "exactly 10 MiB is read");
    let mut over = at_cap(1);
    assert_eq!(parse_entry(&mut over).unwrap_err(), PeelError::TooLarge);
}

#[test]
fn relay_cap_is_exactly_10_mib() {
    let key = X25519Public::from_bytes([9; 32]);
    let fixed = Relay::new(b"", key, HopCipher::XChaCha20, 1)
        .unwrap()
        .encoded_len();
    // The length prefix of `data` grows from "0:" to "10485xxx:" (8 digits).
    let data = vec![7u8; MIB10 - fixed - 7];
    let relay = Relay::new(&data, key, HopCipher::XChaCha20, 1).unwrap();
    let mut exact = relay.encode();
    assert_eq!(exact.len(), MIB10);
    assert_eq!(relay.encoded_len(), MIB10);
    assert_eq!(
        decode_relay(&mut exact).unwrap().ciphertext().len(),
        data.len()
    );
    let data = vec![7u8; MIB10 - fixed - 6];
    assert_eq!(
        Relay::new(&data, key, HopCipher::XChaCha20, 1).unwrap_err(),
        PeelError::TooLarge
    );
    // The same message one byte over, as it would arrive.
    let mut over = exact_relay_bytes(&data, &key);
    assert_eq!(over.len(), MIB10 + 1);
    assert_eq!(decode_relay(&mut over).unwrap_err(), PeelError::TooLarge);
    assert_eq!(
        Relay::new(b"", key, HopCipher::XChaCha20, 16).unwrap_err(),
        PeelError::TooManyHops
    );
}

fn exact_relay_bytes(data: &[u8], key: &X25519Public) -> Vec<u8> {
    let mut out = format!("d4:data{}:", data.len()).into_bytes();
    out.extend_from_slice(data);
    out.extend_from_slice(b"8:enc_type9:xchacha2013:ephemeral_key32:");
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"6:hop_noi1ee");
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn relay_messages_round_trip(
        data in prop::collection::vec(any::<u8>(), 0..200),
        key in any::<[u8; 32]>(),
        gcm in any::<bool>(),
        hop_no in 0u8..=15,
    ) {
        let mut key = key;
        key[31] &= 0x7f;
        key[0] &= 0xf0; // stays below p
        let key = X25519Public::from_bytes(key);
        let cipher = if gcm { HopCipher::Aes256Gcm } else { HopCipher::XChaCha20 };
        let relay = Relay::new(&data, key, cipher, hop_no).unwrap();
        let mut buf = b"reused".to_vec();
        relay.encode_into(&mut buf);
        prop_assert_eq!(&buf[..6], b"reused");
        let mut msg = buf[6..].to_vec();
        prop_assert_eq!(msg.len(), relay.encoded_len());
        prop_assert_eq!(&msg, &relay.encode());
        let layer = decode_relay(&mut msg).unwrap();
        prop_assert_eq!(layer.ciphertext(), &data[..]);
        prop_assert_eq!((*layer.ephemeral_key(), layer.cipher(), layer.hop_no()), (key, cipher, hop_no));
    }

    #[test]
    fn v4_messages_round_trip(
        method in "[A-Z]{1,7}",
        endpoint in "/[a-z0-9/?=&]{0,30}",
        headers in prop::collection::vec(("[a-z][a-z-]{0,10}", "[ -~]{0,20}"), 0..4),
        body in prop::option::of(prop::collection::vec(any::<u8>(), 0..100)),
        code in any::<u16>(),
    ) {
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .filter(|(k, _)| k != "user-agent" && k != "content-type")
            .collect();
        let refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let mut out = vec![1, 2, 3];
        v4::encode_request_into(&method, &endpoint, &refs, body.as_deref(), &mut out);
        prop_assert_eq!(&out[3..], &v4::encode_request(&method, &endpoint, &refs, body.as_deref())[..]);
        let req = v4::decode_request(&out[3..]).unwrap();
        prop_assert_eq!(&req.method, &method);
        prop_assert_eq!(&req.endpoint, &endpoint);
        prop_assert_eq!(req.body, body.as_deref());
        let mut want = headers.clone();
        if body.is_some() {
            want.push(("Content-Type".into(), "application/json".into()));
        }
        prop_assert_eq!(&req.headers, &want);

        let body = body.unwrap_or_default();
        let mut out = Vec::new();
        v4::encode_response_into(code, &refs, &body, &mut out);
        prop_assert_eq!(&out, &v4::encode_response(code, &refs, &body));
        let resp = v4::decode_response(&out).unwrap();
        prop_assert_eq!((resp.status, &resp.headers, &resp.body), (code, &headers, &body));
    }
}

#[test]
fn build_request_into_appends_the_same_bytes() {
    let net = Net::new(4);
    let path = [net.keys(0), net.keys(1), net.keys(2)];
    let dest = Destination::Node(net.keys(3));
    let one = build_request(
        &path,
        &dest,
        b"{}",
        HopCipher::XChaCha20,
        &mut ChaCha20Rng::from_seed([5; 32]),
    )
    .unwrap();
    let mut buf = b"prefix".to_vec();
    let response = build_request_into(
        &path,
        &dest,
        b"{}",
        HopCipher::XChaCha20,
        &mut ChaCha20Rng::from_seed([5; 32]),
        &mut buf,
    )
    .unwrap();
    assert_eq!(&buf[..6], b"prefix");
    assert_eq!(&buf[6..], &one.packet[..]);
    assert!(response.aes_gcm_fallback(), "on by default for xchacha20");
    // On error the buffer is left as it was.
    let mut buf = b"kept".to_vec();
    assert_eq!(
        build_request_into(
            &[],
            &dest,
            b"{}",
            HopCipher::XChaCha20,
            &mut ChaCha20Rng::from_seed([5; 32]),
            &mut buf
        )
        .unwrap_err(),
        BuildError::PathLength(0)
    );
    assert_eq!(buf, b"kept");
}

#[test]
fn aes_gcm_fallback_is_on_for_xchacha20_and_can_be_turned_off() {
    let net = Net::new(2);
    let dest = Destination::Node(net.keys(1));
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let gcm = build_request(&[net.keys(0)], &dest, b"{}", HopCipher::Aes256Gcm, &mut rng).unwrap();
    assert!(!gcm.response.aes_gcm_fallback());
    let mut x =
        build_request(&[net.keys(0)], &dest, b"{}", HopCipher::XChaCha20, &mut rng).unwrap();
    assert!(x.response.aes_gcm_fallback());
    x.response.disable_aes_gcm_fallback();
    assert!(!x.response.aes_gcm_fallback());
}

#[test]
fn node_keys_are_derived_and_checked() {
    let id = Identity::from_seed(&[8; 32]);
    let keys = NodeKeys::new(id.ed25519_public()).unwrap();
    assert_eq!(keys, NodeKeys::from_identity(&id));
    assert_eq!(keys.ed25519(), id.ed25519_public());
    assert_eq!(keys.x25519(), id.x25519_public());
    assert_eq!(NodeKeys::try_from(id.ed25519_public()), Ok(keys));
    // The identity point and a point off the curve (y = 2).
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut two = [0u8; 32];
    two[0] = 2;
    for bad in [identity, two] {
        assert_eq!(
            NodeKeys::new(Ed25519Public::from_bytes(bad)),
            Err(session_protocol::KeyError::InvalidPublicKey)
        );
    }
}

#[test]
fn forwarding_nodes_refuse_non_canonical_next_keys_and_say_why() {
    let node_id = Identity::from_seed(&[0x44; 32]);
    let node = NodeSecret::from_identity(&node_id);
    let eph = hex(&[9u8; 32]);
    for (dest, problem) in [
        ("AB".repeat(32), Problem::NotHex),
        ("ab".repeat(31), Problem::NotHex),
        ("zz".repeat(32), Problem::NotHex),
    ] {
        let plain = frame(
            b"x",
            &format!(r#"{{"destination":"{dest}","ephemeral_key":"{eph}"}}"#),
        );
        let mut packet = independent_layer(node.public().as_bytes(), &plain, 5);
        match peel(&node, parse_entry(&mut packet).unwrap()).unwrap().hop {
            Hop::Refused { error, reason, .. } => {
                assert_eq!(error, LayerError::InvalidJson);
                assert_eq!(error.message(), "Invalid json");
                assert_eq!((reason.field(), reason.problem()), ("destination", problem));
                assert_eq!(
                    reason.to_string(),
                    "destination: not 64 lowercase hex digits"
                );
            }
            other => panic!("{dest}: {other:?}"),
        }
    }
    // Past 15 hops: the reason says so, the wire text is the storage server's.
    let plain = frame(
        b"x",
        &format!(
            r#"{{"destination":"{}","ephemeral_key":"{eph}"}}"#,
            "ab".repeat(32)
        ),
    );
    let mut packet = independent_layer(node.public().as_bytes(), &plain, 6);
    let json_end = packet.len() - 1;
    packet.truncate(json_end);
    packet.extend_from_slice(br#","hop_no":15}"#);
    match peel(&node, parse_entry(&mut packet).unwrap()).unwrap().hop {
        Hop::Refused { error, reason, .. } => {
            assert_eq!(error, LayerError::TooManyHops);
            assert_eq!(error.message(), "onion request max path length exceeded");
            assert_eq!(reason.problem(), Problem::TooManyHops);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn redacted_debug_prints_its_markers_and_no_secrets() {
    let secret = [0x5au8; 32];
    let node = NodeSecret::from_x25519_secret(secret);
    let dbg = format!("{node:?}");
    assert_eq!(dbg, "NodeSecret { .. }");
    let draw = session_protocol::onion::HopDraw::from_rng(&mut ChaCha20Rng::from_seed([1; 32]));
    assert_eq!(format!("{draw:?}"), "HopDraw(..)");

    let net = Net::new(2);
    let dest = Destination::Node(net.keys(1));
    let onion = build_request(
        &[net.keys(0)],
        &dest,
        b"{}",
        HopCipher::XChaCha20,
        &mut ChaCha20Rng::from_seed([2; 32]),
    )
    .unwrap();
    assert_eq!(
        format!("{:?}", onion.response),
        "ResponseKey { kind: Node, .. }"
    );
    assert!(format!("{onion:?}").contains("ResponseKey { kind: Node, .. }"));
    let mut packet = onion.packet.clone();
    let layer = parse_entry(&mut packet).unwrap();
    let ldbg = format!("{layer:?}");
    assert!(
        ldbg.starts_with("Layer {") && ldbg.ends_with(", .. }"),
        "{ldbg}"
    );
    let secret0 = NodeSecret::from_identity(&net.ids[0]);
    let Hop::Forward { relay, .. } = peel(&secret0, layer).unwrap().hop else {
        panic!()
    };
    let rdbg = format!("{relay:?}");
    assert!(
        rdbg.starts_with("Relay { len: ") && rdbg.ends_with(", .. }"),
        "{rdbg}"
    );
    let mut msg = relay.encode();
    let secret1 = NodeSecret::from_identity(&net.ids[1]);
    let Hop::Deliver { reply, .. } = peel(&secret1, decode_relay(&mut msg).unwrap()).unwrap().hop
    else {
        panic!()
    };
    assert_eq!(
        format!("{reply:?}"),
        "ReplyKey { json: false, base64: true, .. }"
    );
    let keys = format!("{:?}", net.keys(0));
    assert!(
        keys.starts_with("NodeKeys(") && keys.ends_with("…)"),
        "{keys}"
    );
}

/// What a peel says, in a comparable form: the replay tag, the hop's `Debug` text and, for a
/// forward, the relay message's bytes.
fn peel_outcome(r: &Result<session_protocol::onion::Peeled<'_>, PeelError>) -> String {
    match r {
        Ok(p) => {
            let relay = match &p.hop {
                Hop::Forward { relay, .. } => hex(&relay.encode()),
                _ => String::new(),
            };
            format!("ok {} {:?} {relay}", hex(&p.replay_tag), p.hop)
        }
        Err(e) => format!("err {e:?}"),
    }
}

/// How one packet of a batch is spoiled, if at all.
#[derive(Debug, Clone, Copy)]
enum Spoil {
    None,
    /// One ciphertext byte flipped: `Decrypt`.
    Tamper(usize),
    /// The ephemeral key replaced by `u = 0` (small order): `WeakKey`.
    SmallOrder,
    /// The ephemeral key replaced by a point on the twist (`u = 2`): the ladder, then `Decrypt`.
    Twist,
}

fn spoil(packet: &mut Vec<u8>, how: Spoil) {
    let replace_key = |packet: &mut Vec<u8>, u: [u8; 32]| {
        let text = b"\"ephemeral_key\":\"";
        let at = packet.windows(text.len()).rposition(|w| w == text).unwrap() + text.len();
        packet[at..at + 64].copy_from_slice(hex(&u).as_bytes());
    };
    match how {
        Spoil::None => {}
        Spoil::Tamper(i) => {
            let i = 4 + 24 + i % 50;
            packet[i] ^= 0x10;
        }
        Spoil::SmallOrder => replace_key(packet, [0; 32]),
        Spoil::Twist => {
            let mut u = [0u8; 32];
            u[0] = 2;
            replace_key(packet, u);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]
    /// `peel_batch` gives exactly what `peel` gives one by one, for batches of 0 to 40 packets
    /// (past one chunk of 32) with failures mixed in, in both ciphers and at both path
    /// positions (a forward from the guard, a delivery at the destination).
    #[test]
    fn peel_batch_equals_one_by_one(
        seed in any::<[u8; 32]>(),
        spoils in proptest::collection::vec((0u8..8, any::<usize>(), any::<bool>(), 1usize..=3), 0..40),
    ) {
        use session_protocol::onion::peel_batch;
        let ids: Vec<Identity> = (1..=4u8).map(|i| Identity::from_seed(&[i; 32])).collect();
        let keys: Vec<NodeKeys> = ids.iter().map(NodeKeys::from_identity).collect();
        let guard = NodeSecret::from_identity(&ids[0]);
        let mut rng = ChaCha20Rng::from_seed(seed);
        let packets: Vec<Vec<u8>> = spoils
            .iter()
            .map(|&(kind, at, aes, hops)| {
                let cipher = if aes { HopCipher::Aes256Gcm } else { HopCipher::XChaCha20 };
                let dest = Destination::Node(keys[3]);
                let mut p = build_request(&keys[..hops], &dest, b"{\"method\":\"info\"}", cipher, &mut rng)
                    .unwrap()
                    .packet;
                let how = match kind {
                    0 | 1 => Spoil::Tamper(at),
                    2 => Spoil::SmallOrder,
                    3 => Spoil::Twist,
                    _ => Spoil::None,
                };
                spoil(&mut p, how);
                p
            })
            .collect();
        let mut one = packets.clone();
        let singles: Vec<String> = one
            .iter_mut()
            .map(|p| peel_outcome(&peel(&guard, parse_entry(p).unwrap())))
            .collect();
        let mut batch = packets.clone();
        let layers: Vec<_> = batch.iter_mut().map(|p| parse_entry(p).unwrap()).collect();
        let batched: Vec<String> = peel_batch(&guard, layers).iter().map(peel_outcome).collect();
        prop_assert_eq!(singles, batched);
    }
}

#[test]
fn peel_batch_of_nothing_is_empty() {
    let guard = NodeSecret::from_identity(&Identity::from_seed(&[1; 32]));
    assert!(session_protocol::onion::peel_batch(&guard, []).is_empty());
}

#[test]
fn peel_batch_reports_each_failure_in_place() {
    use session_protocol::onion::peel_batch;
    let ids: Vec<Identity> = (1..=4u8).map(|i| Identity::from_seed(&[i; 32])).collect();
    let keys: Vec<NodeKeys> = ids.iter().map(NodeKeys::from_identity).collect();
    let guard = NodeSecret::from_identity(&ids[0]);
    let mut rng = ChaCha20Rng::from_seed([3; 32]);
    let dest = Destination::Node(keys[3]);
    let mut packets: Vec<Vec<u8>> = [
        Spoil::None,
        Spoil::Tamper(3),
        Spoil::SmallOrder,
        Spoil::Twist,
        Spoil::None,
    ]
    .into_iter()
    .map(|how| {
        let mut p = build_request(&keys[..3], &dest, b"{}", HopCipher::XChaCha20, &mut rng)
            .unwrap()
            .packet;
        spoil(&mut p, how);
        p
    })
    .collect();
    let layers: Vec<_> = packets
        .iter_mut()
        .map(|p| parse_entry(p).unwrap())
        .collect();
    let got: Vec<Result<(), PeelError>> = peel_batch(&guard, layers)
        .into_iter()
        .map(|r| r.map(|p| assert!(matches!(p.hop, Hop::Forward { .. }))))
        .collect();
    assert_eq!(
        got,
        [
            Ok(()),
            Err(PeelError::Decrypt),
            Err(PeelError::WeakKey),
            Err(PeelError::Decrypt),
            Ok(())
        ]
    );
}
