//! Malformed and boundary inputs against every untrusted-input entry point, each asserting the
//! specific error; Ed25519 verification against libsodium's verdicts; X25519 small-order inputs
//! at every entry point; and secrets kept out of Debug, Display and error output.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::too_many_lines,
    missing_docs
)]

use session_protocol::Ed25519Public;
use std::fmt::Debug;

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::{Scalar, clamp_integer};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::envelope::multi::{self, MultiError};
use session_protocol::envelope::{
    BlindedDmError, DecryptError, EncryptError, open_1o1, open_blinded_dm, open_group_message,
    open_incoming, seal_blinded_dm, seal_for_recipient, seal_for_recipient_raw,
};
use session_protocol::identity::mnemonic::decode_words;
use session_protocol::onion::{
    BuildError, Destination, Hop, HopCipher, HopDraw, LayerError, NodeKeys, NodeSecret,
    OnionRequest, PeelError, ReplyKey, ServerDestination, build_request, build_request_with,
    decode_relay, open_request, parse_entry, peel, seal_layer, v4,
};
use session_protocol::swarm::{
    NodeError, SkippedNode, decode_service_nodes, decode_swarm_response,
};
use session_protocol::{Blinding, IdPrefix, Identity, SessionId, verify_ed25519};
use sha2::{Digest, Sha512};

mod common;
use common::cases::{Suite, run_cases};
use common::hex::{hex, unhex, unhex_array as arr};

// ---------------------------------------------------------------------------------------------
// The table-driven adversarial suite (the harness is `common::cases::Suite`).

/// A u that X25519 accepts (the base point, 9).
const U9: &str = "0900000000000000000000000000000000000000000000000000000000000000";

/// An entry packet: a 16-byte blob, then the control JSON.
fn entry(json: &str) -> Vec<u8> {
    [&16u32.to_le_bytes()[..], &[0u8; 16], json.as_bytes()].concat()
}

fn entry_frame_cases(s: &mut Suite) {
    use session_protocol::onion::PeelError::{
        Control, Frame, TooLarge, TooManyHops, UnsupportedCipher, WeakKey,
    };
    // The frame error type is public only through `PeelError::Frame`; name its variants by
    // parsing known-bad frames once.
    let truncated = match parse_entry(&mut []).unwrap_err() {
        Frame(f) => f,
        other => panic!("{other:?}"),
    };
    let past_end = match parse_entry(&mut [9, 0, 0, 0]).unwrap_err() {
        Frame(f) => f,
        other => panic!("{other:?}"),
    };
    assert_ne!(truncated, past_end);
    assert_eq!(
        truncated.to_string(),
        "frame shorter than its length prefix"
    );
    assert_eq!(
        past_end.to_string(),
        "frame length prefix past the end of the input"
    );
    let key = |k: &str, rest: &str| entry(&format!(r#"{{"ephemeral_key":"{k}"{rest}}}"#));
    let cases = vec![
        ("empty", vec![], Frame(truncated)),
        ("three bytes", vec![1, 0, 0], Frame(truncated)),
        (
            "length past the end",
            b"\x05\0\0\0ab{}".to_vec(),
            Frame(past_end),
        ),
        (
            "length u32::MAX",
            b"\xff\xff\xff\xff{}".to_vec(),
            Frame(past_end),
        ),
        (
            "length u32::MAX - 1",
            b"\xfe\xff\xff\xffabc{}".to_vec(),
            Frame(past_end),
        ),
        ("not JSON", b"\0\0\0\0not json".to_vec(), Control("json")),
        ("empty JSON part", b"\0\0\0\0".to_vec(), Control("json")),
        ("JSON array", entry("[]"), Control("json")),
        (
            "control fields as a JSON array",
            entry(&format!(r#"["{U9}","xchacha20",0]"#)),
            Control("json"),
        ),
        (
            "control array after whitespace",
            entry(&format!(" \r\n\t[\"{U9}\"]")),
            Control("json"),
        ),
        ("no ephemeral_key", entry("{}"), Control("ephemeral_key")),
        ("short key hex", key("0900", ""), Control("ephemeral_key")),
        (
            "65 hex digits",
            key(&format!("{U9}0"), ""),
            Control("ephemeral_key"),
        ),
        (
            "non-hex key",
            key(&"zz".repeat(32), ""),
            Control("ephemeral_key"),
        ),
        (
            "key is a number",
            entry(r#"{"ephemeral_key":9}"#),
            Control("ephemeral_key"),
        ),
        (
            "key u = p",
            key(&format!("ed{}7f", "ff".repeat(30)), ""),
            WeakKey,
        ),
        (
            "key with bit 255 set",
            key(&format!("09{}80", "00".repeat(30)), ""),
            WeakKey,
        ),
        (
            "aes-cbc",
            key(U9, r#","enc_type":"aes-cbc""#),
            UnsupportedCipher,
        ),
        (
            "empty enc_type",
            key(U9, r#","enc_type":"""#),
            UnsupportedCipher,
        ),
        (
            "enc_type upper case",
            key(U9, r#","enc_type":"XCHACHA20""#),
            UnsupportedCipher,
        ),
        ("hop_no 16", key(U9, r#","hop_no":16"#), TooManyHops),
        (
            "hop_no u64::MAX",
            key(U9, r#","hop_no":18446744073709551615"#),
            TooManyHops,
        ),
        (
            "hop_no negative",
            key(U9, r#","hop_no":-1"#),
            Control("hop_no"),
        ),
        (
            "hop_no a string",
            key(U9, r#","hop_no":"1""#),
            Control("hop_no"),
        ),
        ("over 10 MiB", vec![0u8; 10 * 1024 * 1024 + 1], TooLarge),
    ];
    s.table("entry frame", cases, |i| {
        parse_entry(&mut i.to_vec()).map(|_| ())
    });
}

/// What peeling an input led to: a peel error, or a refusal answered under the layer key.
#[derive(Debug, PartialEq)]
enum Peeled {
    Error(PeelError),
    Refused(LayerError),
}

fn peel_outcome(node: &NodeSecret, packet: &[u8]) -> Result<(), Peeled> {
    let mut buf = packet.to_vec();
    let layer = parse_entry(&mut buf).map_err(Peeled::Error)?;
    match peel(node, layer).map_err(Peeled::Error)?.hop {
        Hop::Refused { error, .. } => Err(Peeled::Refused(error)),
        _ => Ok(()),
    }
}

/// An honest entry layer to `node` around `plaintext` (XChaCha20).
fn sealed_layer(node: &NodeSecret, plaintext: &[u8]) -> Vec<u8> {
    seal_layer(
        &node.public(),
        plaintext,
        HopCipher::XChaCha20,
        HopDraw::new([0x31; 32], [0x32; 24]),
    )
    .unwrap()
}

/// `u32_le(len) || blob || json`.
fn frame(blob: &[u8], json: &str) -> Vec<u8> {
    let len = u32::try_from(blob.len()).unwrap().to_le_bytes();
    [&len[..], blob, json.as_bytes()].concat()
}

/// Replaces an entry packet's control JSON (the AEAD does not cover it).
fn with_control(packet: &[u8], json: &str) -> Vec<u8> {
    let n = u32::from_le_bytes(packet[..4].try_into().unwrap()) as usize;
    frame(&packet[4..4 + n], json)
}

fn peel_cases(s: &mut Suite) {
    use Peeled::{Error, Refused};
    let node = NodeSecret::from_x25519_secret([0x21; 32]);
    let other = NodeSecret::from_x25519_secret([0x22; 32]);
    let dest = hex(&[0xab; 32]);
    let honest = sealed_layer(&node, &frame(b"body", r#"{"headers":""}"#));
    let eph = {
        let mut b = honest.clone();
        let layer = parse_entry(&mut b).unwrap();
        hex(layer.ephemeral_key().as_bytes())
    };
    let mut tampered = honest.clone();
    tampered[10] ^= 1;
    let small = |u: &str| entry(&format!(r#"{{"ephemeral_key":"{u}"}}"#));
    let cases = vec![
        (
            "forged ciphertext",
            entry(&format!(
                r#"{{"ephemeral_key":"{U9}","enc_type":"xchacha20"}}"#
            )),
            Error(PeelError::Decrypt),
        ),
        (
            "ciphertext shorter than the tag",
            frame(
                &[0; 8],
                &format!(r#"{{"ephemeral_key":"{eph}","enc_type":"xchacha20"}}"#),
            ),
            Error(PeelError::Decrypt),
        ),
        (
            "empty ciphertext",
            frame(&[], &format!(r#"{{"ephemeral_key":"{eph}"}}"#)),
            Error(PeelError::Decrypt),
        ),
        ("one byte flipped", tampered, Error(PeelError::Decrypt)),
        (
            "other cipher named",
            with_control(
                &honest,
                &format!(r#"{{"ephemeral_key":"{eph}","enc_type":"aes-gcm"}}"#),
            ),
            Error(PeelError::Decrypt),
        ),
        (
            "other ephemeral key",
            with_control(
                &honest,
                &format!(r#"{{"ephemeral_key":"{U9}","enc_type":"xchacha20"}}"#),
            ),
            Error(PeelError::Decrypt),
        ),
        (
            "u = 0 (small order)",
            small(&"00".repeat(32)),
            Error(PeelError::WeakKey),
        ),
        (
            "u = 1 (small order)",
            small(&format!("01{}", "00".repeat(31))),
            Error(PeelError::WeakKey),
        ),
        (
            "u = p - 1 (small order)",
            small(&format!("ec{}7f", "ff".repeat(30))),
            Error(PeelError::WeakKey),
        ),
        (
            "plaintext without a frame",
            sealed_layer(&node, b"ab"),
            Refused(LayerError::InvalidJson),
        ),
        (
            "plaintext frame past its end",
            sealed_layer(&node, b"\x09\0\0\0ab{}"),
            Refused(LayerError::InvalidJson),
        ),
        (
            "control not JSON",
            sealed_layer(&node, &frame(b"x", "{")),
            Refused(LayerError::InvalidJson),
        ),
        (
            "no route at all",
            sealed_layer(&node, &frame(b"x", "{}")),
            Refused(LayerError::InvalidJson),
        ),
        (
            "bad destination hex",
            sealed_layer(
                &node,
                &frame(
                    b"x",
                    &format!(r#"{{"destination":"zz","ephemeral_key":"{U9}"}}"#),
                ),
            ),
            Refused(LayerError::InvalidJson),
        ),
        (
            "forward without ephemeral key",
            sealed_layer(
                &node,
                &frame(b"x", &format!(r#"{{"destination":"{dest}"}}"#)),
            ),
            Refused(LayerError::InvalidJson),
        ),
        (
            "forward with aes-cbc",
            sealed_layer(
                &node,
                &frame(
                    b"x",
                    &format!(
                        r#"{{"destination":"{dest}","ephemeral_key":"{U9}","enc_type":"aes-cbc"}}"#
                    ),
                ),
            ),
            Refused(LayerError::InvalidJson),
        ),
        (
            "forward past 15 hops",
            with_control(
                &sealed_layer(
                    &node,
                    &frame(
                        b"x",
                        &format!(r#"{{"destination":"{dest}","ephemeral_key":"{U9}"}}"#),
                    ),
                ),
                &format!(
                    r#"{{"ephemeral_key":"{}","enc_type":"xchacha20","hop_no":15}}"#,
                    {
                        let mut b = sealed_layer(&node, b"");
                        hex(parse_entry(&mut b).unwrap().ephemeral_key().as_bytes())
                    }
                ),
            ),
            Refused(LayerError::TooManyHops),
        ),
        (
            "proxy target not allowed",
            sealed_layer(
                &node,
                &frame(b"x", r#"{"host":"example.org","target":"/admin"}"#),
            ),
            Refused(LayerError::InvalidUrl),
        ),
        (
            "proxy target with a query",
            sealed_layer(
                &node,
                &frame(
                    b"x",
                    r#"{"host":"example.org","target":"/oxen/v4/lsrpc?x"}"#,
                ),
            ),
            Refused(LayerError::InvalidUrl),
        ),
        (
            "proxy over ftp",
            sealed_layer(
                &node,
                &frame(
                    b"x",
                    r#"{"host":"example.org","target":"/oxen/v4/lsrpc","protocol":"ftp"}"#,
                ),
            ),
            Refused(LayerError::InvalidUrl),
        ),
        (
            "proxy to an empty host",
            sealed_layer(
                &node,
                &frame(b"x", r#"{"host":"","target":"/oxen/v4/lsrpc"}"#),
            ),
            Refused(LayerError::InvalidUrl),
        ),
        (
            "proxy without target",
            sealed_layer(&node, &frame(b"x", r#"{"host":"example.org"}"#)),
            Refused(LayerError::InvalidJson),
        ),
        (
            "delivery fields as a JSON array",
            sealed_layer(&node, &frame(b"x", r#"[""]"#)),
            Refused(LayerError::InvalidJson),
        ),
        (
            "proxy fields as a JSON array",
            sealed_layer(
                &node,
                &frame(b"x", r#"[null,"example.org","/oxen/v4/lsrpc"]"#),
            ),
            Refused(LayerError::InvalidJson),
        ),
        (
            "forward fields as a JSON array",
            sealed_layer(
                &node,
                &frame(
                    b"x",
                    &format!(r#"[null,null,null,null,null,"{dest}","{U9}"]"#),
                ),
            ),
            Refused(LayerError::InvalidJson),
        ),
    ];
    s.table("peel", cases, |i| peel_outcome(&node, i));
    // The right layer for another node.
    s.eq(
        "peel",
        "layer for another node",
        peel_outcome(&other, &honest),
        Err(Error(PeelError::Decrypt)),
    );
}

/// A bencoded byte string.
fn bs(b: &[u8]) -> Vec<u8> {
    [format!("{}:", b.len()).as_bytes(), b].concat()
}

/// A relay dictionary from already-encoded entries (in the order given).
fn relay(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = vec![b'd'];
    for (k, v) in entries {
        out.extend(bs(k.as_bytes()));
        out.extend_from_slice(v);
    }
    out.push(b'e');
    out
}

fn relay_cases(s: &mut Suite) {
    use session_protocol::onion::PeelError::{
        Control, TooLarge, TooManyHops, UnsupportedCipher, WeakKey,
    };
    let k9 = bs(&unhex(U9));
    let data = || ("data", bs(b"ct"));
    let key = || ("ephemeral_key", k9.clone());
    let cases = vec![
        ("not bencode", b"x".to_vec(), Control("bencode")),
        ("empty", vec![], Control("bencode")),
        ("a list", b"le".to_vec(), Control("bencode")),
        ("a byte string", b"4:data".to_vec(), Control("bencode")),
        (
            "trailing bytes",
            [relay(&[data(), key()]), b"x".to_vec()].concat(),
            Control("bencode"),
        ),
        ("unsorted keys", relay(&[key(), data()]), Control("bencode")),
        (
            "repeated key",
            relay(&[data(), data(), key()]),
            Control("bencode"),
        ),
        (
            "data length near u32::MAX",
            b"d4:data4294967290:xe".to_vec(),
            Control("bencode"),
        ),
        (
            "data length past u64",
            b"d4:data99999999999999999999999:xe".to_vec(),
            Control("bencode"),
        ),
        (
            "unknown field",
            relay(&[data(), key(), ("zz", bs(b""))]),
            Control("unknown relay field"),
        ),
        ("no data", relay(&[key()]), Control("data")),
        (
            "data an integer",
            relay(&[("data", b"i1e".to_vec()), key()]),
            Control("data"),
        ),
        (
            "no ephemeral key",
            relay(&[data()]),
            Control("ephemeral_key"),
        ),
        (
            "31-byte key",
            relay(&[data(), ("ephemeral_key", bs(&[9; 31]))]),
            Control("ephemeral_key"),
        ),
        (
            "key a list",
            relay(&[data(), ("ephemeral_key", b"le".to_vec())]),
            Control("ephemeral_key"),
        ),
        (
            "key with bit 255 set",
            relay(&[data(), ("ephemeral_key", bs(&[0xff; 32]))]),
            WeakKey,
        ),
        (
            "aes-cbc",
            relay(&[data(), ("enc_type", bs(b"aes-cbc")), key()]),
            UnsupportedCipher,
        ),
        (
            "enc_type an integer",
            relay(&[data(), ("enc_type", b"i1e".to_vec()), key()]),
            Control("enc_type"),
        ),
        (
            "enc_type not UTF-8",
            relay(&[data(), ("enc_type", bs(&[0xff])), key()]),
            Control("enc_type"),
        ),
        (
            "hop_no 16",
            relay(&[data(), key(), ("hop_no", b"i16e".to_vec())]),
            TooManyHops,
        ),
        (
            "hop_no negative",
            relay(&[data(), key(), ("hop_no", b"i-1e".to_vec())]),
            Control("hop_no"),
        ),
        (
            "hop_no a string",
            relay(&[data(), key(), ("hop_no", bs(b"1"))]),
            Control("hop_no"),
        ),
        ("over 10 MiB", vec![b'd'; 10 * 1024 * 1024 + 1], TooLarge),
    ];
    s.table("relay codec", cases, |i| {
        decode_relay(&mut i.to_vec()).map(|_| ())
    });
}

/// A request to a node destination, and the key its destination answers with.
fn node_request(cipher: HopCipher, seed: u8) -> (OnionRequest, ReplyKey) {
    let node = Identity::from_seed(&[3; 32]);
    let keys = NodeKeys::from_identity(&node);
    let mut rng = ChaCha20Rng::from_seed([seed; 32]);
    let onion = build_request(&[keys], &Destination::Node(keys), b"{}", cipher, &mut rng).unwrap();
    let secret = NodeSecret::from_identity(&node);
    let mut packet = onion.packet.clone();
    let mut layer = parse_entry(&mut packet).unwrap();
    let mut relayed;
    let reply = loop {
        match peel(&secret, layer).unwrap().hop {
            Hop::Forward { relay, .. } => {
                relayed = relay.encode();
                layer = decode_relay(&mut relayed).unwrap();
            }
            Hop::Deliver { reply, .. } => break reply,
            other => panic!("{other:?}"),
        }
    };
    (onion, reply)
}

/// A request to an HTTP server through one node, and the key the server answers with.
fn server_request(seed: u8) -> (OnionRequest, ReplyKey) {
    let (node, server) = (Identity::from_seed(&[3; 32]), Identity::from_seed(&[4; 32]));
    let server_secret = NodeSecret::from_identity(&server);
    let mut rng = ChaCha20Rng::from_seed([seed; 32]);
    let dest = Destination::Server(
        ServerDestination::https("example.org", server_secret.public()).unwrap(),
    );
    let payload = v4::encode_request("GET", "/x", &[], None);
    let onion = build_request(
        &[NodeKeys::from_identity(&node)],
        &dest,
        &payload,
        HopCipher::XChaCha20,
        &mut rng,
    )
    .unwrap();
    let mut packet = onion.packet.clone();
    let layer = parse_entry(&mut packet).unwrap();
    let Hop::Proxy { request, .. } = peel(&NodeSecret::from_identity(&node), layer).unwrap().hop
    else {
        panic!("proxies");
    };
    let mut body = request.body.to_vec();
    let (_, reply) = open_request(&server_secret, parse_entry(&mut body).unwrap()).unwrap();
    (onion, reply)
}

fn response_cases(s: &mut Suite) {
    use session_protocol::onion::ResponseError::{Decrypt, Malformed, TooLarge};
    let mut rng = ChaCha20Rng::from_seed([8; 32]);
    let (onion, _) = node_request(HopCipher::XChaCha20, 1);
    let forged = vec![
        ("empty", vec![], Decrypt),
        ("short base64", b"AAAA".to_vec(), Decrypt),
        (
            "base64 of zeros",
            b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_vec(),
            Decrypt,
        ),
        (
            "JSON result wrapper of junk",
            br#"{"result":"AAAA"}"#.to_vec(),
            Decrypt,
        ),
        ("over 10 MiB", vec![b'A'; 10 * 1024 * 1024 + 1], TooLarge),
    ];
    s.table("responses", forged, |i| onion.response.open(i).map(|_| ()));
    // Authentic answers whose plaintext is not a response.
    for (label, plain) in [
        ("node answer not JSON", &b"not json"[..]),
        ("node answer without status", br#"{"body":"x"}"#),
        ("node status over u16", br#"{"status":70000,"body":""}"#),
        ("node status a string", br#"{"status":"200"}"#),
        ("node answer a JSON string", br#""200""#),
        ("node answer an array of the status", b"[200]"),
        ("node answer an array of the fields", br#"[200,null,"x"]"#),
        ("node answer array after whitespace", b"\n [200]"),
    ] {
        let (onion, reply) = node_request(HopCipher::XChaCha20, 2);
        let sealed = reply.seal_bytes(plain, &mut rng);
        s.eq(
            "responses",
            label,
            onion.response.open(&sealed).map(|_| ()),
            Err(Malformed),
        );
    }
    for (label, plain) in [
        ("v4 answer not bencode", &b"not bencode"[..]),
        ("v4 answer without code", b"l2:{}e"),
        ("v4 answer with three parts", b"l2:{}0:0:e"),
        ("v4 code over u16", br#"l14:{"code":70000}e"#),
        ("v4 answer metadata an array", b"l5:[200]e"),
        ("v4 answer metadata an array with a body", b"l5:[200]2:oke"),
    ] {
        let (onion, reply) = server_request(3);
        let sealed = reply.seal_bytes(plain, &mut rng);
        s.eq(
            "responses",
            label,
            onion.response.open(&sealed).map(|_| ()),
            Err(Malformed),
        );
    }
    // An authentic answer inside a JSON array instead of the `{"result": …}` wrapper: not
    // unwrapped, so the array text itself fails to open.
    let (onion, reply) = node_request(HopCipher::XChaCha20, 6);
    let sealed = String::from_utf8(reply.seal(200, "ok", &mut rng)).unwrap();
    s.eq(
        "responses",
        "answer in a JSON array, not a result object",
        onion
            .response
            .open(format!(r#"["{sealed}"]"#).as_bytes())
            .map(|_| ()),
        Err(Decrypt),
    );
    // Answers sealed for another request.
    let (onion, _) = node_request(HopCipher::Aes256Gcm, 4);
    let (_, other_reply) = node_request(HopCipher::Aes256Gcm, 5);
    let sealed = other_reply.seal(200, "{}", &mut rng);
    s.eq(
        "responses",
        "answer to another request",
        onion.response.open(&sealed).map(|_| ()),
        Err(Decrypt),
    );
    // The v4 decoders directly.
    let v4_cases = vec![
        ("v4 empty", vec![], v4::V4Error::Framing),
        ("v4 empty list", b"le".to_vec(), v4::V4Error::Framing),
        (
            "v4 integer element",
            b"li1ee".to_vec(),
            v4::V4Error::Framing,
        ),
        ("v4 dictionary", b"de".to_vec(), v4::V4Error::Framing),
        (
            "v4 request metadata not JSON",
            b"l1:xe".to_vec(),
            v4::V4Error::Metadata,
        ),
        (
            "v4 request without endpoint",
            br#"l16:{"method":"GET"}e"#.to_vec(),
            v4::V4Error::Metadata,
        ),
        (
            "v4 request metadata an array",
            br#"l11:["GET","/"]e"#.to_vec(),
            v4::V4Error::Metadata,
        ),
        (
            "v4 request metadata an array with headers",
            br#"l14:["GET","/",{}]2:hie"#.to_vec(),
            v4::V4Error::Metadata,
        ),
    ];
    s.table("responses", v4_cases, |i| v4::decode_request(i).map(|_| ()));
    s.table(
        "responses",
        vec![
            (
                "v4 response metadata an array",
                b"l5:[200]e".to_vec(),
                v4::V4Error::Metadata,
            ),
            (
                "v4 response metadata an array with headers",
                b"l8:[200,{}]2:oke".to_vec(),
                v4::V4Error::Metadata,
            ),
        ],
        |i| v4::decode_response(i).map(|_| ()),
    );
}

fn session_id_cases(s: &mut Suite) {
    use session_protocol::SessionIdError::{NotHex, UnknownPrefix, WrongLength};
    let key = "d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72";
    let text = vec![
        ("empty", String::new(), WrongLength(0)),
        ("key without prefix", key.to_owned(), WrongLength(64)),
        ("one digit too many", format!("05{key}0"), WrongLength(67)),
        ("surrounding space", format!(" 05{key}"), WrongLength(67)),
        ("non-hex digit", format!("05{}z", &key[..63]), NotHex),
        ("0x prefix", format!("0x{key}"), NotHex),
        ("multibyte characters", "\u{e9}".repeat(33), NotHex),
        ("prefix ff", format!("ff{key}"), UnknownPrefix(0xff)),
        ("prefix 01", format!("01{key}"), UnknownPrefix(0x01)),
        ("prefix 04", format!("04{key}"), UnknownPrefix(0x04)),
    ];
    for (label, input, want) in text {
        s.eq(
            "SessionId",
            label,
            input.parse::<SessionId>().map(|_| ()),
            Err(want),
        );
    }
    let bytes = vec![
        ("32 bytes", vec![5; 32], WrongLength(32)),
        ("34 bytes", vec![5; 34], WrongLength(34)),
        ("no bytes", vec![], WrongLength(0)),
        (
            "prefix 0x16",
            [&[0x16][..], &[0; 32]].concat(),
            UnknownPrefix(0x16),
        ),
    ];
    s.table("SessionId", bytes, |i| SessionId::from_slice(i).map(|_| ()));
}

fn phrase_cases(s: &mut Suite) {
    use session_protocol::MnemonicError::{
        BadChecksum, InvalidTriplet, UnknownWord, WrongWordCount,
    };
    let me = Identity::from_seed(&[[7u8; 16], [0u8; 16]].concat().try_into().unwrap());
    let phrase = me.mnemonic().to_string();
    let words: Vec<&str> = phrase.split(' ').collect();
    assert_eq!(words.len(), 13);
    // The checksum word replaced by a data word with another prefix.
    let other = words[..12]
        .iter()
        .find(|w| w[..3] != words[12][..3])
        .unwrap();
    let bad_check = [&words[..12], &[*other]].concat().join(" ");
    // Two data words swapped (different prefixes): the checksum no longer matches.
    let mut swapped = words.clone();
    let j = (1..12)
        .find(|&j| swapped[j][..3] != swapped[0][..3])
        .unwrap();
    swapped.swap(0, j);
    let cases = vec![
        ("empty", String::new(), WrongWordCount(0)),
        (
            "12 words (checksum missing)",
            words[..12].join(" "),
            WrongWordCount(12),
        ),
        (
            "14 words",
            format!("{phrase} {}", words[0]),
            WrongWordCount(14),
        ),
        (
            "24 words",
            [&words[..12], &words[..12]].concat().join(" "),
            WrongWordCount(24),
        ),
        ("one word", "abbey".to_owned(), WrongWordCount(1)),
        (
            "unknown fifth word",
            {
                let mut w = words.clone();
                w[4] = "qqq";
                w.join(" ")
            },
            UnknownWord(4),
        ),
        (
            "two-letter word",
            {
                let mut w = words.clone();
                w[0] = "ab";
                w.join(" ")
            },
            UnknownWord(0),
        ),
        (
            "non-ASCII word",
            {
                let mut w = words.clone();
                w[2] = "\u{e9}\u{e9}\u{e9}";
                w.join(" ")
            },
            UnknownWord(2),
        ),
        ("wrong checksum word", bad_check, BadChecksum),
        ("two words swapped", swapped.join(" "), BadChecksum),
    ];
    for (label, input, want) in cases {
        s.eq(
            "phrase",
            label,
            Identity::from_mnemonic(&input).map(|_| ()),
            Err(want),
        );
    }
    // decode_words directly, with and without a checksum word.
    let raw = vec![
        (
            "no words, checksum expected",
            vec![],
            true,
            WrongWordCount(0),
        ),
        (
            "two words",
            vec!["abbey", "abbey"],
            false,
            WrongWordCount(2),
        ),
        (
            "four words with checksum",
            vec!["abbey"; 4],
            false,
            WrongWordCount(4),
        ),
        (
            "triplet above u32::MAX",
            vec!["abbey", "abbey", "zoom"],
            false,
            InvalidTriplet(0),
        ),
        (
            "second triplet above u32::MAX",
            vec!["abbey", "abbey", "abbey", "abbey", "abbey", "zoom"],
            false,
            InvalidTriplet(3),
        ),
        (
            "wrong count reported before an unknown word",
            vec!["qqq", "abbey"],
            false,
            WrongWordCount(2),
        ),
        (
            "first unknown word of several",
            vec!["abbey", "qqq", "abbey", "zz", "abbey", "abbey", "abbey"],
            true,
            UnknownWord(1),
        ),
        (
            "unknown word reported before the checksum",
            vec!["abbey", "abbey", "abbey", "qqq"],
            true,
            UnknownWord(3),
        ),
        (
            "unknown word far past the first words",
            [vec!["abbey"; 299], vec!["qqq"]].concat(),
            false,
            UnknownWord(299),
        ),
        (
            "bad checksum over 300 words",
            [vec!["abbey"; 300], vec!["zoom"]].concat(),
            true,
            BadChecksum,
        ),
    ];
    for (label, input, checksum, want) in raw {
        s.eq(
            "phrase",
            label,
            decode_words(input, checksum).map(|_| ()),
            Err(want),
        );
    }
}

/// The scalar `a` and key `A = aB + T` of a mixed-order Ed25519 key, and a signature by it over
/// `prefix || n` (for the first `n` whose challenge kills the torsion part) of `tail`.
fn mixed_order_signature(tail: impl Fn(&[u8]) -> Vec<u8>) -> ([u8; 32], Vec<u8>, [u8; 64]) {
    let a = Scalar::from_bytes_mod_order([3; 32]);
    let big_a = (ED25519_BASEPOINT_POINT * a + EIGHT_TORSION[1])
        .compress()
        .to_bytes();
    let r = Scalar::from_bytes_mod_order([5; 32]);
    let big_r = (ED25519_BASEPOINT_POINT * r).compress().to_bytes();
    for n in 0u32.. {
        let msg = n.to_le_bytes().to_vec();
        let signed = [msg.clone(), tail(&big_a)].concat();
        let h: [u8; 64] = Sha512::new()
            .chain_update(big_r)
            .chain_update(big_a)
            .chain_update(&signed)
            .finalize()
            .into();
        let h = Scalar::from_bytes_mod_order_wide(&h);
        if h.as_bytes()[0].is_multiple_of(8) {
            let s = r + h * a;
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&big_r);
            sig[32..].copy_from_slice(s.as_bytes());
            return (big_a, msg, sig);
        }
    }
    unreachable!()
}

fn decrypt_incoming_cases(s: &mut Suite) {
    use session_protocol::envelope::DecryptError::{
        BadSignature, Decrypt, InvalidSender, TooShort,
    };
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let mut rng = ChaCha20Rng::from_seed([6; 32]);
    let bx = bob.x25519_public();
    let mut seal = |inner: &[u8]| seal_for_recipient_raw(&bx, inner, &mut rng).unwrap();
    let a = alice.ed25519_public();
    let signed_by_alice_for = |x: &[u8; 32]| {
        let sig = alice.sign(&[&b"hi"[..], a.as_bytes(), x].concat());
        [&b"hi"[..], a.as_bytes(), &sig].concat()
    };
    let mut flipped_sig = signed_by_alice_for(bx.as_bytes());
    *flipped_sig.last_mut().unwrap() ^= 1;
    let (mixed, msg, mixed_sig) =
        mixed_order_signature(|big_a| [big_a, &bx.as_bytes()[..]].concat());
    let mut off_curve = [0u8; 32];
    off_curve[0] = 2; // y = 2 is not on the curve
    assert!(CompressedEdwardsY(off_curve).decompress().is_none());
    let cases = vec![
        ("empty", vec![], TooShort),
        ("143 bytes", vec![1; 143], TooShort),
        ("144 zero bytes", vec![0; 144], Decrypt),
        ("200 bytes of junk", vec![0x5a; 200], Decrypt),
        (
            "sealed to alice",
            seal_for_recipient_raw(
                &alice.x25519_public(),
                &[0; 96],
                &mut ChaCha20Rng::from_seed([1; 32]),
            )
            .unwrap(),
            Decrypt,
        ),
        (
            "signed for alice's key, sent to bob",
            seal(&signed_by_alice_for(alice.x25519_public().as_bytes())),
            BadSignature,
        ),
        ("signature bit flipped", seal(&flipped_sig), BadSignature),
        (
            "all-zero inner (small-order sender)",
            seal(&[0; 96]),
            BadSignature,
        ),
        (
            "sender key off the curve",
            seal(&[&b"m"[..], &off_curve, &[0; 64]].concat()),
            BadSignature,
        ),
        (
            "mixed-order sender key, valid signature",
            seal(&[&msg[..], &mixed, &mixed_sig].concat()),
            InvalidSender,
        ),
    ];
    // The one-byte-too-short box: 95 inner bytes seal to 143.
    let short_box = seal(&[0; 95]);
    assert_eq!(short_box.len(), 143);
    // With the Session ID derived on demand: what a caller attributing the message sees.
    s.table("open_incoming", cases, |i| {
        open_incoming(&bob, i).and_then(|m| m.sender().map(|_| ()))
    });
    s.eq(
        "open_incoming",
        "sealed inner of 95 bytes",
        open_incoming(&bob, &short_box).map(|_| ()),
        Err(TooShort),
    );
}

/// A protobuf length-delimited field.
fn pb_bytes(tag: u8, b: &[u8]) -> Vec<u8> {
    let mut out = vec![tag << 3 | 2];
    let mut n = b.len();
    loop {
        let byte = u8::try_from(n & 0x7f).unwrap();
        n >>= 7;
        if n == 0 {
            out.push(byte);
            break;
        }
        out.push(byte | 0x80);
    }
    out.extend_from_slice(b);
    out
}

/// A protobuf varint field (values below 2^7 only).
fn pb_small(tag: u8, v: u8) -> Vec<u8> {
    assert!(v < 0x80);
    vec![tag << 3, v]
}

/// `WebSocketMessage{type = REQUEST, request{body}}`.
fn ws(body: &[u8]) -> Vec<u8> {
    [pb_small(1, 1), pb_bytes(2, &pb_bytes(3, body))].concat()
}

fn decode_envelope_cases(s: &mut Suite) {
    use session_protocol::envelope::EnvelopeError::{Decrypt, Malformed, Missing, WrongType};
    let bob = Identity::from_seed(&[2; 32]);
    let ts = [0x28, 0x01]; // timestamp = 1 (field 5)
    let cases = vec![
        ("not protobuf", vec![0xff], Malformed("WebSocketMessage")),
        (
            "length near u32::MAX",
            vec![0x08, 0x01, 0x12, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0x1a],
            Malformed("WebSocketMessage"),
        ),
        (
            "length varint past u64",
            [&[0x12][..], &[0xff; 11]].concat(),
            Malformed("WebSocketMessage"),
        ),
        (
            "a RESPONSE message",
            pb_small(1, 2),
            WrongType("WebSocketMessage"),
        ),
        (
            "no type",
            pb_bytes(2, &pb_bytes(3, b"x")),
            WrongType("WebSocketMessage"),
        ),
        ("no request", pb_small(1, 1), Missing("request.body")),
        (
            "request without body",
            [pb_small(1, 1), pb_bytes(2, &[])].concat(),
            Missing("request.body"),
        ),
        ("body not protobuf", ws(&[0xff]), Malformed("Envelope")),
        (
            "envelope length near u32::MAX",
            ws(&[0x42, 0xff, 0xff, 0xff, 0xff, 0x0f]),
            Malformed("Envelope"),
        ),
        ("envelope without type", ws(&ts), Missing("Envelope.type")),
        (
            "closed-group envelope",
            ws(&[pb_small(1, 7), ts.to_vec()].concat()),
            WrongType("Envelope"),
        ),
        (
            "no timestamp",
            ws(&pb_small(1, 6)),
            Missing("Envelope.timestamp"),
        ),
        (
            "no content",
            ws(&[pb_small(1, 6), ts.to_vec()].concat()),
            Missing("Envelope.content"),
        ),
        (
            "short content",
            ws(&[pb_small(1, 6), ts.to_vec(), pb_bytes(8, &[0; 10])].concat()),
            Decrypt(DecryptError::TooShort),
        ),
        (
            "content of zeros",
            ws(&[pb_small(1, 6), ts.to_vec(), pb_bytes(8, &[0; 200])].concat()),
            Decrypt(DecryptError::Decrypt),
        ),
    ];
    s.table("open_1o1", cases, |i| open_1o1(&bob, i).map(|_| ()));
}

const GROUP_KEY: [u8; 32] = [0x4b; 32];

fn group_key() -> session_protocol::SymmetricKey {
    session_protocol::SymmetricKey::from_bytes(GROUP_KEY)
}

fn group_pk() -> session_protocol::Ed25519Public {
    session_protocol::Ed25519Public::from_bytes([0x21; 32])
}

/// `nonce || XChaCha20-Poly1305(key, nonce, plaintext)`.
fn xchacha(key: &[u8; 32], nonce: &[u8; 24], plaintext: &[u8]) -> Vec<u8> {
    let aead = chacha20poly1305::XChaCha20Poly1305::new(&(*key).into());
    let mut buf = plaintext.to_vec();
    let tag = aead
        .encrypt_inout_detached(&(*nonce).into(), &[], buf.as_mut_slice().into())
        .unwrap();
    [&buf[..], tag.as_slice()].concat()
}

fn group_wire(plaintext: &[u8]) -> Vec<u8> {
    let nonce = [1u8; 24];
    [&nonce[..], &xchacha(&GROUP_KEY, &nonce, plaintext)].concat()
}

/// A group dictionary: `{"": version, "a": …, "d"/"z": body, "s": …}`, keys in order.
fn gdict(version: Option<&[u8]>, entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = vec![b'd'];
    if let Some(v) = version {
        out.extend(bs(b""));
        out.extend_from_slice(v);
    }
    for (k, v) in entries {
        out.extend(bs(k.as_bytes()));
        out.extend(bs(v));
    }
    out.push(b'e');
    out
}

fn group_cases(s: &mut Suite) {
    use session_protocol::envelope::GroupError::{BadSignature, Decrypt, Malformed, TooShort};
    let gpk = [0x21; 32];
    let sender = Identity::from_seed(&[1; 32]);
    let a = sender.ed25519_public();
    let signed = |body: &[u8]| sender.sign(&[body, &gpk].concat());
    let v1 = Some(&b"i1e"[..]);
    let env6 = [pb_small(1, 6), vec![0x28, 1], pb_bytes(8, b"c")].concat();
    let env_no_content = [pb_small(1, 7), vec![0x28, 1]].concat();
    let cases = vec![
        ("39 bytes", vec![0; 39], TooShort),
        ("40 zero bytes", vec![0; 40], Decrypt),
        ("300 bytes of junk", vec![0x77; 300], Decrypt),
        (
            "plaintext all zeros",
            group_wire(&[0; 64]),
            Malformed("bencode"),
        ),
        (
            "plaintext not bencode",
            group_wire(b"not bencode"),
            Malformed("bencode"),
        ),
        ("plaintext a list", group_wire(b"le"), Malformed("version")),
        (
            "no version",
            group_wire(&gdict(None, &[("a", a.as_bytes())])),
            Malformed("version"),
        ),
        (
            "version 2",
            group_wire(&gdict(Some(b"i2e"), &[("a", a.as_bytes())])),
            Malformed("version"),
        ),
        ("no sender key", group_wire(&gdict(v1, &[])), Malformed("a")),
        (
            "31-byte sender key",
            group_wire(&gdict(v1, &[("a", &a.as_bytes()[..31])])),
            Malformed("a"),
        ),
        (
            "no signature",
            group_wire(&gdict(v1, &[("a", a.as_bytes()), ("d", b"x")])),
            Malformed("s"),
        ),
        (
            "neither d nor z",
            group_wire(&gdict(v1, &[("a", a.as_bytes()), ("s", &[0; 64])])),
            Malformed("d/z"),
        ),
        (
            "both d and z",
            group_wire(&gdict(
                v1,
                &[
                    ("a", a.as_bytes()),
                    ("d", b"x"),
                    ("s", &[0; 64]),
                    ("z", b"x"),
                ],
            )),
            Malformed("d/z"),
        ),
        (
            "signature by someone else",
            group_wire(&gdict(
                v1,
                &[
                    ("a", a.as_bytes()),
                    ("d", b"x"),
                    ("s", &Identity::from_seed(&[9; 32]).sign(b"x")),
                ],
            )),
            BadSignature,
        ),
        (
            "signature over the body alone",
            group_wire(&gdict(
                v1,
                &[("a", a.as_bytes()), ("d", b"x"), ("s", &sender.sign(b"x"))],
            )),
            BadSignature,
        ),
        (
            "body not an envelope",
            group_wire(&gdict(
                v1,
                &[("a", a.as_bytes()), ("d", &[0xff]), ("s", &signed(&[0xff]))],
            )),
            Malformed("Envelope"),
        ),
        (
            "envelope of a 1:1 message",
            group_wire(&gdict(
                v1,
                &[("a", a.as_bytes()), ("d", &env6), ("s", &signed(&env6))],
            )),
            Malformed("Envelope.type"),
        ),
        (
            "envelope without content",
            group_wire(&gdict(
                v1,
                &[
                    ("a", a.as_bytes()),
                    ("d", &env_no_content),
                    ("s", &signed(&env_no_content)),
                ],
            )),
            Malformed("Envelope.content"),
        ),
        (
            "z not zstd",
            group_wire(&gdict(
                v1,
                &[("a", a.as_bytes()), ("s", &signed(b"junk")), ("z", b"junk")],
            )),
            Malformed("zstd"),
        ),
    ];
    s.table("group", cases, |i| {
        open_group_message(&[group_key()], &group_pk(), i).map(|_| ())
    });
    s.eq(
        "group",
        "wrong key only",
        open_group_message(
            &[session_protocol::SymmetricKey::from_bytes([0; 32])],
            &group_pk(),
            &group_wire(b"x"),
        )
        .map(|_| ()),
        Err(Decrypt),
    );
    s.eq(
        "group",
        "no keys",
        open_group_message(&[], &group_pk(), &group_wire(b"x")).map(|_| ()),
        Err(Decrypt),
    );
}

/// A `15`-blinded DM from `sender` to `recipient_id` with arbitrary plaintext, made with the
/// published key agreement: `K = BLAKE2b-256(a·R15 || sender_id || recipient_id)`.
fn blind15_dm(
    sender: &[u8; 32],
    sender_id: &SessionId,
    recipient_id: &SessionId,
    plaintext: &[u8],
) -> Vec<u8> {
    let h = Sha512::digest(sender);
    let a = Scalar::from_bytes_mod_order(clamp_integer(h[..32].try_into().unwrap()));
    let point = CompressedEdwardsY(*recipient_id.key())
        .decompress()
        .unwrap();
    let shared = (a * point).compress().to_bytes();
    let key: [u8; 32] = blake2::Blake2b::<blake2::digest::consts::U32>::new()
        .chain_update(shared)
        .chain_update(sender_id.key())
        .chain_update(recipient_id.key())
        .finalize()
        .into();
    let nonce = [0x44; 24];
    [&[0u8][..], &xchacha(&key, &nonce, plaintext), &nonce].concat()
}

fn blinded_cases(s: &mut Suite) {
    use session_protocol::envelope::BlindedDmError::{
        Decrypt, InvalidKey, Malformed, NotBlinded, NotParticipant, SenderMismatch,
    };
    let server = [0x1d; 32];
    let seeds = [[1u8; 32], [2; 32], [3; 32]];
    let [alice, bob, carol] = seeds.map(|s| Identity::from_seed(&s));
    let id = |who: &Identity, b: Blinding| who.blinded_keypair(b, &server).unwrap().id();
    let (a15, b15, c15) = (
        id(&alice, Blinding::Blind15),
        id(&bob, Blinding::Blind15),
        id(&carol, Blinding::Blind15),
    );
    let (a25, b25) = (id(&alice, Blinding::Blind25), id(&bob, Blinding::Blind25));
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    let honest25 = seal_blinded_dm(&alice, &b25, &server, b"hi", &mut rng).unwrap();
    let mut tampered = honest25.clone();
    tampered[5] ^= 1;
    let junk = [&[0u8][..], &[0x5a; 100]].concat();
    let mut bad_key = [0xff; 32];
    bad_key[31] = 0x7f; // y = p + 18: not canonical
    let bad15 = SessionId::new(IdPrefix::Blinded15, bad_key);
    let small25 = SessionId::new(IdPrefix::Blinded25, EIGHT_TORSION[0].compress().to_bytes());
    type Case = (&'static str, SessionId, SessionId, Vec<u8>, BlindedDmError);
    let cases: Vec<Case> = vec![
        (
            "sender a 05 id",
            alice.session_id(),
            b25,
            honest25.clone(),
            NotBlinded,
        ),
        (
            "recipient a 05 id",
            a25,
            bob.session_id(),
            honest25.clone(),
            NotBlinded,
        ),
        (
            "15 sender, 25 recipient",
            a15,
            b25,
            honest25.clone(),
            NotBlinded,
        ),
        ("empty", a25, b25, vec![], Malformed),
        (
            "version byte 1",
            a25,
            b25,
            [&[1u8][..], &honest25[1..]].concat(),
            Malformed,
        ),
        ("72 bytes (one short)", a25, b25, vec![0; 72], Malformed),
        ("neither party", a15, c15, junk.clone(), NotParticipant),
        ("junk between the parties", a25, b25, junk.clone(), Decrypt),
        ("one byte flipped", a25, b25, tampered, Decrypt),
        (
            "claimed sender is carol",
            id(&carol, Blinding::Blind25),
            b25,
            honest25.clone(),
            Decrypt,
        ),
        (
            "sender key not canonical",
            bad15,
            b15,
            junk.clone(),
            InvalidKey,
        ),
        (
            "sender key of small order",
            small25,
            b25,
            junk.clone(),
            InvalidKey,
        ),
        (
            "carol's key inside alice's message",
            a15,
            b15,
            blind15_dm(
                &seeds[0],
                &a15,
                &b15,
                &[&b"hi"[..], carol.ed25519_public().as_bytes()].concat(),
            ),
            SenderMismatch,
        ),
        (
            "plaintext shorter than a key",
            a15,
            b15,
            blind15_dm(&seeds[0], &a15, &b15, b"short"),
            Malformed,
        ),
    ];
    // The construction is the real one: with alice's own key inside, bob reads it.
    let ok = blind15_dm(
        &seeds[0],
        &a15,
        &b15,
        &[&b"hi"[..], alice.ed25519_public().as_bytes()].concat(),
    );
    assert_eq!(
        open_blinded_dm(&bob, &a15, &b15, &server, &ok)
            .unwrap()
            .sender,
        alice.session_id()
    );
    for (label, from, to, ct, want) in cases {
        s.eq(
            "blinded",
            label,
            open_blinded_dm(&bob, &from, &to, &server, &ct).map(|_| ()),
            Err(want),
        );
    }
}

fn node_list_cases(s: &mut Suite) {
    use session_protocol::swarm::NodeListError::{BadSwarmId, Malformed, TooLarge};
    let swarm = vec![
        ("empty", vec![], Malformed),
        ("not JSON", b"{".to_vec(), Malformed),
        ("no swarm", br#"{"snodes":[]}"#.to_vec(), Malformed),
        (
            "snodes an object",
            br#"{"snodes":{},"swarm":"1"}"#.to_vec(),
            Malformed,
        ),
        (
            "swarm a number",
            br#"{"snodes":[],"swarm":1}"#.to_vec(),
            Malformed,
        ),
        (
            "empty swarm id",
            br#"{"snodes":[],"swarm":""}"#.to_vec(),
            BadSwarmId,
        ),
        (
            "swarm id not hex",
            br#"{"snodes":[],"swarm":"xyz"}"#.to_vec(),
            BadSwarmId,
        ),
        (
            "swarm id of 17 digits",
            br#"{"snodes":[],"swarm":"10000000000000000"}"#.to_vec(),
            BadSwarmId,
        ),
        (
            "swarm id with a sign",
            br#"{"snodes":[],"swarm":"+1"}"#.to_vec(),
            BadSwarmId,
        ),
        (
            "document an array of the fields",
            br#"[[],"1"]"#.to_vec(),
            Malformed,
        ),
        (
            "document array after whitespace",
            b" \n[[],\"1\"]".to_vec(),
            Malformed,
        ),
        (
            "duplicate snodes",
            br#"{"snodes":[],"snodes":[],"swarm":"1"}"#.to_vec(),
            Malformed,
        ),
        (
            "bad swarm id in an otherwise malformed document",
            br#"{"swarm":"xyz","snodes":[0,}"#.to_vec(),
            Malformed,
        ),
        (
            "nested deeper than 128 in an ignored field",
            [
                &br#"{"snodes":[],"swarm":"1","x":"#[..],
                &b"[".repeat(129),
                &b"]".repeat(129),
                b"}",
            ]
            .concat(),
            Malformed,
        ),
        ("over 10 MiB", vec![b' '; 10 * 1024 * 1024 + 1], TooLarge),
    ];
    s.table("node list", swarm, |i| decode_swarm_response(i).map(|_| ()));
    let states = vec![
        (
            "no service_node_states",
            br#"{"result":{}}"#.to_vec(),
            Malformed,
        ),
        (
            "states an object",
            br#"{"service_node_states":{}}"#.to_vec(),
            Malformed,
        ),
        ("a bare array", b"[]".to_vec(), Malformed),
        (
            "states document an array of the fields",
            b"[[]]".to_vec(),
            Malformed,
        ),
        (
            "result an array of the fields",
            br#"{"result":[[]]}"#.to_vec(),
            Malformed,
        ),
        (
            "document an array wrapping a result",
            b"[[[]]]".to_vec(),
            Malformed,
        ),
        ("over 10 MiB", vec![b' '; 10 * 1024 * 1024 + 1], TooLarge),
    ];
    s.table("node list", states, |i| decode_service_nodes(i).map(|_| ()));

    // Entries skipped with their reasons.
    let me = Identity::from_seed(&[1; 32]);
    let ed = hex(me.ed25519_public().as_bytes());
    let x = hex(me.x25519_public().as_bytes());
    let small = format!("01{}", "00".repeat(31));
    let entry = |k: &str, ip: &str, ports: &str| {
        format!(r#"{{"pubkey_ed25519":"{k}","ip":"{ip}"{ports}}}"#)
    };
    let p = r#","port_https":443,"port_omq":20200"#;
    let ed_field = Some("pubkey_ed25519");
    let x_field = Some("pubkey_x25519");
    let ip_field = Some("ip");
    let entries = [
        (
            "entry without fields",
            "{}".to_owned(),
            (NodeError::Missing("pubkey_ed25519"), ed_field),
        ),
        (
            "entry a number",
            "5".to_owned(),
            (NodeError::Malformed, None),
        ),
        (
            "entry an array of the fields",
            format!(r#"["{ed}",null,"1.2.3.4",443,20200]"#),
            (NodeError::Malformed, None),
        ),
        (
            "key not hex",
            entry(&"zz".repeat(32), "1.2.3.4", p),
            (NodeError::BadKeyHex, ed_field),
        ),
        (
            "key too short",
            entry(&ed[..62], "1.2.3.4", p),
            (NodeError::BadKeyHex, ed_field),
        ),
        (
            "key a number",
            format!(r#"{{"pubkey_ed25519":7,"ip":"1.2.3.4"{p}}}"#),
            (NodeError::WrongType("pubkey_ed25519"), ed_field),
        ),
        (
            "key of small order",
            entry(&small, "1.2.3.4", p),
            (NodeError::InvalidKey, ed_field),
        ),
        (
            "x25519 key of another node",
            format!(
                r#"{{"pubkey_ed25519":"{ed}","pubkey_x25519":"{}","ip":"1.2.3.4"{p}}}"#,
                "11".repeat(32)
            ),
            (NodeError::KeyMismatch, x_field),
        ),
        (
            "x25519 key not hex",
            format!(r#"{{"pubkey_ed25519":"{ed}","pubkey_x25519":"zz","ip":"1.2.3.4"{p}}}"#),
            (NodeError::KeyMismatch, x_field),
        ),
        (
            "x25519 key an object",
            format!(r#"{{"pubkey_ed25519":"{ed}","pubkey_x25519":{{}},"ip":"1.2.3.4"{p}}}"#),
            (NodeError::WrongType("pubkey_x25519"), x_field),
        ),
        (
            "address 0.0.0.0",
            entry(&ed, "0.0.0.0", p),
            (NodeError::BadAddress, ip_field),
        ),
        (
            "IPv6 address",
            entry(&ed, "::1", p),
            (NodeError::BadAddress, ip_field),
        ),
        (
            "address with a port",
            entry(&ed, "1.2.3.4:80", p),
            (NodeError::BadAddress, ip_field),
        ),
        (
            "no address",
            format!(r#"{{"pubkey_ed25519":"{ed}"{p}}}"#),
            (NodeError::Missing("ip"), ip_field),
        ),
        (
            "both ports 0",
            entry(&ed, "1.2.3.4", r#","port_https":0,"port_omq":0"#),
            (NodeError::BadPort, None),
        ),
        (
            "no port",
            entry(&ed, "1.2.3.4", ""),
            (NodeError::BadPort, None),
        ),
        (
            "https port a string",
            entry(&ed, "1.2.3.4", r#","port_https":"443","port_omq":20200"#),
            (NodeError::WrongType("port_https"), Some("port_https")),
        ),
        (
            "omq port out of range",
            entry(&ed, "1.2.3.4", r#","port_https":443,"port_omq":70000"#),
            (NodeError::WrongType("port_omq"), Some("port_omq")),
        ),
    ];
    let valid = format!(r#"{{"pubkey_ed25519":"{ed}","pubkey_x25519":"{x}","ip":"1.2.3.4"{p}}}"#);
    let doc = format!(
        r#"{{"snodes":[{},{valid}],"swarm":"7"}}"#,
        entries
            .iter()
            .map(|(_, e, _)| e.as_str())
            .collect::<Vec<_>>()
            .join(",")
    );
    let decoded = decode_swarm_response(doc.as_bytes()).unwrap();
    assert_eq!(decoded.nodes.len(), 1, "the valid entry is kept");
    assert_eq!(decoded.skipped.len(), entries.len());
    for (index, ((label, _, reason), got)) in entries.iter().zip(&decoded.skipped).enumerate() {
        s.eq(
            "node list",
            label,
            *got,
            SkippedNode {
                index,
                reason: reason.0,
                field: reason.1,
            },
        );
    }
    s.eq(
        "node list",
        "skipped_total counts the skipped entries",
        decoded.skipped_total,
        entries.len(),
    );
    // A get_service_nodes entry given as an array of its fields, between two valid ones.
    let state = format!(
        r#"{{"pubkey_ed25519":"{ed}","public_ip":"1.2.3.4","storage_port":443,"storage_lmq_port":20200,"swarm_id":5}}"#
    );
    let doc = format!(
        r#"{{"service_node_states":[{state},["{ed}",null,"1.2.3.4",443,20200,5],{state}]}}"#
    );
    let list = decode_service_nodes(doc.as_bytes()).unwrap();
    s.eq("node list", "state entries kept", list.nodes.len(), 2);
    s.eq(
        "node list",
        "state entry an array of the fields",
        list.skipped,
        vec![SkippedNode {
            index: 1,
            reason: NodeError::Malformed,
            field: None,
        }],
    );
}

/// Past `SkippedNode::MAX_LISTED` bad entries only the count grows; the records kept are the
/// first ones, in order, and the nodes after them are still decoded.
#[test]
fn skip_records_stop_at_the_cap_and_the_count_goes_on() {
    let me = Identity::from_seed(&[1; 32]);
    let valid = format!(
        r#"{{"pubkey_ed25519":"{}","ip":"1.2.3.4","port_https":443,"port_omq":20200}}"#,
        hex(me.ed25519_public().as_bytes())
    );
    let bad = SkippedNode::MAX_LISTED + 10;
    let doc = format!(r#"{{"swarm":"2","snodes":[{}{valid}]}}"#, "{},".repeat(bad));
    let r = decode_swarm_response(doc.as_bytes()).unwrap();
    assert_eq!(r.nodes.len(), 1);
    assert_eq!(r.nodes[0].swarm(), session_protocol::swarm::SwarmId(2));
    assert_eq!(r.skipped_total, bad);
    assert_eq!(r.skipped.len(), SkippedNode::MAX_LISTED);
    for (i, sk) in r.skipped.iter().enumerate() {
        assert_eq!(
            *sk,
            SkippedNode {
                index: i,
                reason: NodeError::Missing("pubkey_ed25519"),
                field: Some("pubkey_ed25519"),
            }
        );
    }
    let states = format!(
        r#"{{"result":{{"service_node_states":[{}0]}}}}"#,
        "[],".repeat(bad)
    );
    let list = decode_service_nodes(states.as_bytes()).unwrap();
    assert_eq!(list.skipped_total, bad + 1);
    assert_eq!(list.skipped.len(), SkippedNode::MAX_LISTED);
    assert!(list.nodes.is_empty());
}

#[test]
fn every_category_of_malformed_input_gets_its_specific_error() {
    let mut s = Suite::default();
    entry_frame_cases(&mut s);
    peel_cases(&mut s);
    relay_cases(&mut s);
    response_cases(&mut s);
    session_id_cases(&mut s);
    phrase_cases(&mut s);
    decrypt_incoming_cases(&mut s);
    decode_envelope_cases(&mut s);
    group_cases(&mut s);
    blinded_cases(&mut s);
    node_list_cases(&mut s);
    assert!(
        s.failures.is_empty(),
        "{} mismatches:\n{}",
        s.failures.len(),
        s.failures.join("\n")
    );
    assert_eq!(s.counts.len(), 11, "{:?}", s.counts);
    for (category, n) in &s.counts {
        assert!(*n >= 5, "{category}: only {n} cases");
    }
    let total: usize = s.counts.values().sum();
    assert!(total >= 60, "{total} cases");
}

// ---------------------------------------------------------------------------------------------
// Ed25519: exactly libsodium's verdicts.

/// Boundary cases for Ed25519 verification with libsodium 1.0.18's `crypto_sign_verify_detached`
/// verdicts: `tests/vectors/ed25519-libsodium-verdicts.json` (its header says what the cases
/// cover and how the verdicts were produced; `scripts/check-libsodium-verdicts.py` re-checks
/// them against an installed libsodium).
const LIBSODIUM_VERDICTS: &str = include_str!("vectors/ed25519-libsodium-verdicts.json");
/// How many cases the file holds (so that a truncated or trimmed file fails).
const LIBSODIUM_CASES: usize = 138;
/// How many of them libsodium accepts.
const LIBSODIUM_ACCEPTS: usize = 6;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct VerdictFile {
    description: String,
    source: String,
    produced: String,
    coverage: String,
    verdicts: String,
    encoding: String,
    cases: Vec<VerdictCase>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct VerdictCase {
    id: usize,
    description: String,
    public_key: String,
    message: String,
    signature: String,
    verdict: Verdict,
}

#[derive(serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Verdict {
    Accept,
    Reject,
}

#[test]
fn ed25519_verification_gives_libsodiums_verdict_on_every_boundary_case() {
    let file: VerdictFile = serde_json::from_str(LIBSODIUM_VERDICTS).unwrap();
    assert!(file.source.contains("libsodium 1.0.18"), "{}", file.source);
    assert!(file.source.contains("crypto_sign_verify_detached"));
    for text in [
        &file.description,
        &file.produced,
        &file.coverage,
        &file.verdicts,
    ] {
        assert!(!text.is_empty());
    }
    assert!(file.encoding.contains("hex"));
    assert_eq!(
        file.cases.len(),
        LIBSODIUM_CASES,
        "truncated or extended file"
    );
    for (i, case) in file.cases.iter().enumerate() {
        assert_eq!(case.id, i + 1, "ids run 1, 2, ...: {}", case.description);
    }
    // Both verdicts occur, so the table tests something in each direction.
    let accepts = file
        .cases
        .iter()
        .filter(|c| c.verdict == Verdict::Accept)
        .count();
    assert_eq!(
        (accepts, LIBSODIUM_CASES - accepts),
        (LIBSODIUM_ACCEPTS, LIBSODIUM_CASES - LIBSODIUM_ACCEPTS)
    );
    let cases: Vec<(&str, &VerdictCase, Verdict)> = file
        .cases
        .iter()
        .map(|c| (c.description.as_str(), c, c.verdict))
        .collect();
    // Every disagreement is reported at once, by case description.
    run_cases(&cases, |c| {
        let ours = verify_ed25519(
            &Ed25519Public::from_bytes(arr(&c.public_key)),
            &unhex(&c.message),
            &arr(&c.signature),
        );
        if ours.is_ok() {
            Verdict::Accept
        } else {
            Verdict::Reject
        }
    });
}

#[test]
fn the_trap_libsodium_avoids_is_real_and_mixed_order_keys_do_not_convert() {
    // dalek's plain `verify` accepts R = identity, S = 0 under the identity key; the crate
    // refuses it, like libsodium (see the table).
    let mut identity_r = [0u8; 64];
    identity_r[0] = 1;
    let vk =
        ed25519_dalek::VerifyingKey::from_bytes(&EIGHT_TORSION[0].compress().to_bytes()).unwrap();
    use ed25519_dalek::Verifier;
    assert!(
        vk.verify(
            b"anything",
            &ed25519_dalek::Signature::from_bytes(&identity_r)
        )
        .is_ok()
    );
    assert!(
        verify_ed25519(
            &Ed25519Public::from_bytes(EIGHT_TORSION[0].compress().to_bytes()),
            b"anything",
            &identity_r
        )
        .is_err()
    );
    // A mixed-order key verifies (as in libsodium) but has no X25519 form.
    let (mixed, msg, sig) = mixed_order_signature(|_| Vec::new());
    assert_eq!(
        verify_ed25519(&Ed25519Public::from_bytes(mixed), &msg, &sig),
        Ok(())
    );
    assert!(session_protocol::ed25519_to_x25519(&Ed25519Public::from_bytes(mixed)).is_err());
}

// ---------------------------------------------------------------------------------------------
// X25519: the small-order blocklist, with bit 255 clear and set, at every entry point.

/// libsodium's X25519 small-order blocklist (u-coordinates, little-endian), then each with bit
/// 255 set: libsodium ignores that bit, so those are refused too.
fn blocklist() -> Vec<[u8; 32]> {
    let mut p_minus_1 = [0xffu8; 32];
    p_minus_1[0] = 0xec;
    p_minus_1[31] = 0x7f;
    let mut p = p_minus_1;
    p[0] = 0xed;
    let mut p_plus_1 = p_minus_1;
    p_plus_1[0] = 0xee;
    let mut one = [0u8; 32];
    one[0] = 1;
    let base = [
        [0u8; 32],
        one,
        arr("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        arr("5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"),
        p_minus_1,
        p,
        p_plus_1,
    ];
    let high = base.iter().map(|u| {
        let mut h = *u;
        h[31] |= 0x80;
        h
    });
    base.iter().copied().chain(high).collect()
}

/// Whether libsodium's `crypto_scalarmult` would refuse `u` (all-zero result): checked with the
/// Montgomery ladder, which like libsodium ignores bit 255.
fn shared_is_zero(u: &[u8; 32]) -> bool {
    (MontgomeryPoint(*u) * Scalar::from_bytes_mod_order(clamp_integer([9; 32]))).to_bytes()
        == [0; 32]
}

#[test]
fn x25519_small_order_inputs_are_refused_wherever_libsodium_refuses() {
    let node = NodeSecret::from_x25519_secret([9; 32]);
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let good = NodeKeys::from_identity(&Identity::from_seed(&[3; 32]));
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let list = blocklist();
    assert_eq!(list.len(), 14);
    for u in list {
        assert!(shared_is_zero(&u), "{u:02x?} is small order");
        let canonical = u[31] & 0x80 == 0
            && !(u[31] == 0x7f && u[0] >= 0xed && u[1..31].iter().all(|&b| b == 0xff));
        // As an onion ephemeral key: non-canonical encodings refused at parsing, small-order
        // ones at key agreement; either way WeakKey.
        let json = format!(
            r#"{{"ephemeral_key":"{}","enc_type":"xchacha20"}}"#,
            hex(&u)
        );
        let mut packet = [&64u32.to_le_bytes()[..], &[0u8; 64], json.as_bytes()].concat();
        match parse_entry(&mut packet) {
            Ok(layer) => {
                assert!(canonical, "{u:02x?}");
                assert_eq!(
                    peel(&node, layer).unwrap_err(),
                    PeelError::WeakKey,
                    "{u:02x?}"
                );
            }
            Err(e) => {
                assert!(!canonical, "{u:02x?}");
                assert_eq!(e, PeelError::WeakKey, "{u:02x?}");
            }
        }
        // As a sealed box's ephemeral key: the box does not open.
        let sealed = [&u[..], &[0x42; 200]].concat();
        assert_eq!(
            open_incoming(&bob, &sealed).unwrap_err(),
            DecryptError::Decrypt,
            "{u:02x?}"
        );
        // As a recipient's Session ID key: no sealed box is made to it.
        let to = SessionId::new(IdPrefix::Standard, u);
        assert_eq!(
            seal_for_recipient(&alice, &to, b"x", &mut rng).unwrap_err(),
            EncryptError::InvalidRecipient,
            "{u:02x?}"
        );
        assert_eq!(
            seal_for_recipient_raw(
                &session_protocol::X25519Public::from_bytes(u),
                b"x",
                &mut rng
            )
            .unwrap_err(),
            EncryptError::InvalidRecipient
        );
        // Multi-recipient copies, both ways.
        assert_eq!(
            multi::seal_for(&alice, &u.into(), b"d", &[0; 24], b"x").unwrap_err(),
            MultiError::InvalidKey,
            "{u:02x?}"
        );
        assert_eq!(
            multi::open_from(&bob, &u.into(), b"d", &[0; 24], &[0; 40]).unwrap_err(),
            MultiError::InvalidKey,
            "{u:02x?}"
        );
        // As the destination server's key in an onion request. (A path node's or destination
        // node's X25519 key is derived from its Ed25519 key by `NodeKeys::new`, which refuses
        // small-order points, so no `NodeKeys` holds one.)
        let server =
            Destination::Server(ServerDestination::https("example.org", u.into()).unwrap());
        assert_eq!(
            build_request(&[good], &server, b"", HopCipher::Aes256Gcm, &mut rng).unwrap_err(),
            BuildError::InvalidKey(0)
        );
    }
    // Small-order blinded keys are not usable DM recipients.
    for t in EIGHT_TORSION {
        let id = SessionId::new(IdPrefix::Blinded25, t.compress().to_bytes());
        assert_eq!(
            seal_blinded_dm(&alice, &id, &[1; 32], b"x", &mut rng).unwrap_err(),
            BlindedDmError::InvalidKey
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Secrets: never in Debug, Display or error output; wiped on drop.

/// Every rendering of `secret` that formatting could produce: hex either case, and the
/// byte-list forms of `{:?}` on an array (decimal, and `{:02x?}` / `{:x?}` hex lists).
fn renderings(secret: &[u8]) -> Vec<String> {
    let head = &secret[..secret.len().min(12)];
    let list = |f: &dyn Fn(&u8) -> String| head.iter().map(f).collect::<Vec<_>>().join(", ");
    vec![
        hex(head),
        hex(head).to_uppercase(),
        list(&|b| b.to_string()),
        list(&|b| format!("{b:02x}")),
        list(&|b| format!("{b:x}")),
        list(&|b| format!("0x{b:02x}")),
    ]
}

fn assert_no_secret(what: &str, output: &str, secrets: &[(&str, Vec<u8>)]) {
    for (name, secret) in secrets {
        for r in renderings(secret) {
            assert!(!output.contains(&r), "{what} shows {name} ({r}): {output}");
        }
    }
}

/// `BLAKE2b-256(shared || client || node)`: an XChaCha20 layer key.
fn layer_key(eph_secret: &[u8; 32], node_pub: &[u8; 32]) -> (Vec<u8>, Vec<u8>) {
    let shared = MontgomeryPoint(*node_pub)
        .mul_clamped(*eph_secret)
        .to_bytes();
    let eph_pub = MontgomeryPoint::mul_base_clamped(*eph_secret).to_bytes();
    let key: [u8; 32] = blake2::Blake2b::<blake2::digest::consts::U32>::new()
        .chain_update(shared)
        .chain_update(eph_pub)
        .chain_update(node_pub)
        .finalize()
        .into();
    (shared.to_vec(), key.to_vec())
}

#[test]
fn no_secret_appears_in_debug_display_or_errors() {
    let seed = [0x5a; 32];
    let me = Identity::from_seed(&seed);
    let x_secret = me.x25519_secret_key().to_vec();
    let scalar =
        Scalar::from_bytes_mod_order(me.x25519_secret_key().as_slice().try_into().unwrap());
    let node = NodeSecret::from_identity(&me);
    let raw_node = NodeSecret::from_x25519_secret([0x6b; 32]);
    let (e_dest, e_hop) = ([0x71u8; 32], [0x72u8; 32]);
    let keys = NodeKeys::from_identity(&me);
    let (dest_shared, dest_key) = layer_key(&e_dest, keys.x25519().as_bytes());
    let (hop_shared, hop_key) = layer_key(&e_hop, keys.x25519().as_bytes());
    let mut secrets: Vec<(&str, Vec<u8>)> = vec![
        ("seed", seed.to_vec()),
        ("libsodium secret key", me.libsodium_secret_key().to_vec()),
        ("X25519 secret", x_secret.clone()),
        ("Ed25519 signing scalar", scalar.as_bytes().to_vec()),
        (
            "version key",
            me.version_key().libsodium_secret_key()[..32].to_vec(),
        ),
        ("raw node secret", [0x6b; 32].to_vec()),
        ("destination ephemeral secret", e_dest.to_vec()),
        ("hop ephemeral secret", e_hop.to_vec()),
        ("destination shared secret", dest_shared),
        ("destination layer key", dest_key),
        ("hop shared secret", hop_shared),
        ("hop layer key", hop_key),
    ];
    // The blinded key pairs' secrets are not exposed; their signatures are deterministic in
    // them, so the closest observable is the key pair itself: its Debug must show only the id.
    let kp15 = me.blinded_keypair(Blinding::Blind15, &[1; 32]).unwrap();
    let kp25 = me.blinded_keypair(Blinding::Blind25, &[1; 32]).unwrap();
    for kp in [&kp15, &kp25] {
        let dbg = format!("{kp:?}");
        let allowed = hex(&kp.id().to_bytes());
        let stripped = dbg.replace(&allowed, "");
        assert!(
            !stripped
                .chars()
                .filter(char::is_ascii_hexdigit)
                .collect::<String>()
                .contains("0000"),
            "{dbg}"
        );
        assert!(stripped.len() < 64, "only the id and the type name: {dbg}");
    }
    secrets.push(("blinded 25 signature", kp25.sign(b"x")[32..].to_vec()));
    // A group member's credential: the blinding scalar it carries and the scalar it signs
    // with, and the group's seed.
    let group_seed = [0x5b; 32];
    let group = Identity::from_seed(&group_seed);
    let gid = session_protocol::SessionId::new(
        session_protocol::IdPrefix::Group,
        group.ed25519_public().to_bytes(),
    );
    let member_auth = session_protocol::config::MemberAuth::new(
        &group,
        &me.session_id(),
        session_protocol::storage::SubaccountFlags::WRITE,
    )
    .unwrap();
    let member_signer = member_auth.signer(&gid, &me).unwrap();
    let k = Scalar::from_bytes_mod_order(member_auth.as_bytes()[4..36].try_into().unwrap());
    let t = if me.ed25519_public().as_bytes()[31] & 0x80 != 0 {
        -scalar
    } else {
        scalar
    };
    secrets.push(("group seed", group_seed.to_vec()));
    secrets.push(("member blinding scalar", k.as_bytes().to_vec()));
    secrets.push(("member signing scalar", (k * t).as_bytes().to_vec()));

    // Objects holding the secrets above.
    let onion = build_request_with(
        &[keys],
        &Destination::Node(keys),
        b"{}",
        HopCipher::XChaCha20,
        [HopDraw::new(e_dest, [1; 24]), HopDraw::new(e_hop, [2; 24])],
    )
    .unwrap();
    let mut packet = onion.packet.clone();
    let layer = parse_entry(&mut packet).unwrap();
    let layer_dbg = format!("{layer:?}");
    let peeled = peel(&node, layer).unwrap();
    let peeled_dbg = format!("{peeled:?}");
    let Hop::Forward { relay, .. } = peeled.hop else {
        panic!("forwards")
    };
    let mut relayed = relay.encode();
    let dest_layer = decode_relay(&mut relayed).unwrap();
    let delivered = peel(&node, dest_layer).unwrap();
    let delivered_dbg = format!("{delivered:?}");
    let Hop::Deliver { reply, .. } = delivered.hop else {
        panic!("delivers")
    };
    let outputs = [
        ("Identity", format!("{me:?}")),
        ("NodeSecret", format!("{node:?}")),
        ("NodeSecret (raw)", format!("{raw_node:?}")),
        ("VersionKey", format!("{:?}", me.version_key())),
        ("BlindedKeypair 15", format!("{kp15:?}")),
        ("BlindedKeypair 25", format!("{kp25:?}")),
        ("HopDraw", format!("{:?}", HopDraw::new(e_dest, [1; 24]))),
        ("OnionRequest", format!("{onion:?}")),
        ("ResponseKey", format!("{:?}", onion.response)),
        ("Layer", layer_dbg),
        ("Peeled (forward)", peeled_dbg),
        ("Peeled (deliver)", delivered_dbg),
        ("ReplyKey", format!("{reply:?}")),
        ("MemberAuth", format!("{member_auth:?}")),
        ("MemberSigner", format!("{member_signer:?}")),
        (
            "GroupAuth",
            format!(
                "{:?} {:?}",
                session_protocol::client::GroupAuth::Admin(Identity::from_seed(&group_seed)),
                session_protocol::client::GroupAuth::Member(member_auth.signer(&gid, &me).unwrap())
            ),
        ),
        (
            "SessionId",
            format!("{:?} {}", me.session_id(), me.session_id()),
        ),
    ];
    for (what, out) in &outputs {
        assert_no_secret(what, out, &secrets);
    }
    // Errors carry no data derived from secrets: their Display and Debug are fixed text.
    let errors: Vec<(&str, String)> = vec![
        ("PeelError", format!("{0} {0:?}", PeelError::Decrypt)),
        (
            "ResponseError",
            format!("{0} {0:?}", onion.response.open(b"AAAA").unwrap_err()),
        ),
        (
            "DecryptError",
            format!("{0} {0:?}", open_incoming(&me, &[0; 200]).unwrap_err()),
        ),
        (
            "GroupError",
            format!(
                "{0} {0:?}",
                open_group_message(
                    &[session_protocol::SymmetricKey::from_bytes(
                        x_secret.clone().try_into().unwrap()
                    )],
                    &session_protocol::Ed25519Public::from_bytes([0; 32]),
                    &[0; 64]
                )
                .unwrap_err()
            ),
        ),
        (
            "MultiError",
            format!(
                "{0} {0:?}",
                multi::open_from(&me, &keys.x25519(), b"d", &[0; 24], &[0; 40]).unwrap_err()
            ),
        ),
        (
            "BlindedDmError",
            format!(
                "{0} {0:?}",
                open_blinded_dm(&me, &kp25.id(), &kp25.id(), &[1; 32], &[0; 100]).unwrap_err()
            ),
        ),
        (
            "KeyError",
            format!(
                "{0} {0:?}",
                Identity::from_libsodium_secret_key(
                    &[[0x5a; 32], [0; 32]].concat().try_into().unwrap()
                )
                .unwrap_err()
            ),
        ),
        (
            "MnemonicError",
            format!(
                "{0} {0:?}",
                Identity::from_mnemonic(&me.mnemonic()[..40]).unwrap_err()
            ),
        ),
    ];
    for (what, out) in &errors {
        assert_no_secret(what, out, &secrets);
        assert!(out.len() < 200, "{what}: {out}");
    }
    // The key really did open the answer (so the key checked above is the live one).
    let sealed = reply.seal(200, "ok", &mut ChaCha20Rng::from_seed([3; 32]));
    assert_eq!(onion.response.open(&sealed).unwrap().body, b"ok");
}

/// Compile-time: the secret values the crate hands out are wiped when dropped.
#[test]
fn secrets_handed_out_are_zeroize_on_drop() {
    fn zeroize_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}
    let me = Identity::from_seed(&[1; 32]);
    zeroize_on_drop(&me.seed());
    zeroize_on_drop(&me.x25519_secret_key());
    zeroize_on_drop(&me.libsodium_secret_key());
    zeroize_on_drop(&me.mnemonic());
    zeroize_on_drop(&me.version_key().libsodium_secret_key());
    zeroize_on_drop(&decode_words(me.mnemonic().split(' '), true).unwrap());
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let ct = seal_for_recipient(&me, &me.session_id(), b"x", &mut rng).unwrap();
    zeroize_on_drop(&open_incoming(&me, &ct).unwrap().message);
    // The crate's own secret-holding types, each wiped on drop by its fields.
    zeroize_on_drop(&me);
    zeroize_on_drop(&me.version_key());
    zeroize_on_drop(&me.blinded_keypair(Blinding::Blind15, &[3; 32]).unwrap());
    zeroize_on_drop(&NodeSecret::from_identity(&me));
    zeroize_on_drop(&HopDraw::new([1; 32], [2; 24]));
    let (onion, reply) = node_request(HopCipher::XChaCha20, 7);
    zeroize_on_drop(&reply);
    zeroize_on_drop(&onion.response);
    zeroize_on_drop(&onion);
    let mut packet = onion.packet.clone();
    let node = NodeSecret::from_identity(&Identity::from_seed(&[3; 32]));
    let peeled = peel(&node, parse_entry(&mut packet).unwrap()).unwrap();
    zeroize_on_drop(&peeled.hop);
    zeroize_on_drop(&peeled);
}
