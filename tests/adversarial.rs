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
    BlindedDmError, DecryptError, EncryptError, decode_envelope, decrypt_blinded_dm,
    decrypt_group_message, decrypt_incoming, encrypt_blinded_dm, encrypt_for_recipient, seal_to,
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
use common::cases::Suite;
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
            Control("json"),
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
            Control("json"),
        ),
        (
            "hop_no a string",
            key(U9, r#","hop_no":"1""#),
            Control("json"),
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
        hex(layer.ephemeral_key())
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
                        hex(parse_entry(&mut b).unwrap().ephemeral_key())
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
    let dest = Destination::Server(ServerDestination::https(
        "example.org",
        server_secret.public(),
    ));
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
    let mut seal = |inner: &[u8]| seal_to(bx.as_bytes(), inner, &mut rng).unwrap();
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
            seal_to(
                alice.x25519_public().as_bytes(),
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
    s.table("decrypt_incoming", cases, |i| {
        decrypt_incoming(&bob, i).map(|_| ())
    });
    s.eq(
        "decrypt_incoming",
        "sealed inner of 95 bytes",
        decrypt_incoming(&bob, &short_box).map(|_| ()),
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
    s.table("decode_envelope", cases, |i| {
        decode_envelope(&bob, i).map(|_| ())
    });
}

const GROUP_KEY: [u8; 32] = [0x4b; 32];

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
        decrypt_group_message(&[GROUP_KEY], &gpk, i).map(|_| ())
    });
    s.eq(
        "group",
        "wrong key only",
        decrypt_group_message(&[[0; 32]], &gpk, &group_wire(b"x")).map(|_| ()),
        Err(Decrypt),
    );
    s.eq(
        "group",
        "no keys",
        decrypt_group_message(&[], &gpk, &group_wire(b"x")).map(|_| ()),
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
    let honest25 = encrypt_blinded_dm(&alice, &b25, &server, b"hi", &mut rng).unwrap();
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
        decrypt_blinded_dm(&bob, &a15, &b15, &server, &ok)
            .unwrap()
            .sender,
        alice.session_id()
    );
    for (label, from, to, ct, want) in cases {
        s.eq(
            "blinded",
            label,
            decrypt_blinded_dm(&bob, &from, &to, &server, &ct).map(|_| ()),
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
    let entries = [
        (
            "entry without fields",
            "{}".to_owned(),
            NodeError::Malformed,
        ),
        ("entry a number", "5".to_owned(), NodeError::Malformed),
        (
            "entry an array of the fields",
            format!(r#"["{ed}",null,"1.2.3.4",443,20200]"#),
            NodeError::Malformed,
        ),
        (
            "key not hex",
            entry(&"zz".repeat(32), "1.2.3.4", p),
            NodeError::BadKeyHex,
        ),
        (
            "key too short",
            entry(&ed[..62], "1.2.3.4", p),
            NodeError::BadKeyHex,
        ),
        (
            "key of small order",
            entry(&small, "1.2.3.4", p),
            NodeError::InvalidKey,
        ),
        (
            "x25519 key of another node",
            format!(
                r#"{{"pubkey_ed25519":"{ed}","pubkey_x25519":"{}","ip":"1.2.3.4"{p}}}"#,
                "11".repeat(32)
            ),
            NodeError::KeyMismatch,
        ),
        (
            "x25519 key not hex",
            format!(r#"{{"pubkey_ed25519":"{ed}","pubkey_x25519":"zz","ip":"1.2.3.4"{p}}}"#),
            NodeError::KeyMismatch,
        ),
        (
            "address 0.0.0.0",
            entry(&ed, "0.0.0.0", p),
            NodeError::BadAddress,
        ),
        ("IPv6 address", entry(&ed, "::1", p), NodeError::BadAddress),
        (
            "address with a port",
            entry(&ed, "1.2.3.4:80", p),
            NodeError::BadAddress,
        ),
        (
            "https port 0",
            entry(&ed, "1.2.3.4", r#","port_https":0,"port_omq":20200"#),
            NodeError::BadPort,
        ),
        (
            "no quic port",
            entry(&ed, "1.2.3.4", r#","port_https":443"#),
            NodeError::BadPort,
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
                reason: *reason,
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
                reason: NodeError::Malformed
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

/// Boundary cases for Ed25519 verification: (what, public key, message, signature, verdict).
///
/// The verdicts were produced by libsodium 1.0.18's `crypto_sign_verify_detached` (true: it
/// returned 0). The inputs cover non-canonical S (S + L, S + 2L, S = L, high bits set),
/// small-order A and R in every torsion encoding with the sign bit either way, non-canonical R
/// and A (y = p + k for k < 19, either sign), mixed-order R (cofactorless verification refuses
/// it) and A (accepted exactly when the challenge kills the torsion part), and the cases of
/// "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko; the ed25519-speccheck vectors).
const LIBSODIUM_VERDICTS: &[(&str, &str, &str, &str, bool)] = &[
    (
        "valid",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "7767a3242dc9b58bbc68488c1265cc6cc5f26c6f3c88a5d55e901b0734dca57279f7b5b9da9fc76f3e2071ccf7c8d7500e7d2250fb492a6788935df2015a4303",
        true,
    ),
    (
        "S + L (non-canonical S)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "7767a3242dc9b58bbc68488c1265cc6cc5f26c6f3c88a5d55e901b0734dca57266cbab16f502dac714bd686fd6c2b6650e7d2250fb492a6788935df2015a4313",
        false,
    ),
    (
        "S + 2L",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "7767a3242dc9b58bbc68488c1265cc6cc5f26c6f3c88a5d55e901b0734dca572539fa1730f66ec1feb596012b5bc957a0e7d2250fb492a6788935df2015a4323",
        false,
    ),
    (
        "S with the top three bits set",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "7767a3242dc9b58bbc68488c1265cc6cc5f26c6f3c88a5d55e901b0734dca57279f7b5b9da9fc76f3e2071ccf7c8d7500e7d2250fb492a6788935df2015a43e3",
        false,
    ),
    (
        "S = L",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "7767a3242dc9b58bbc68488c1265cc6cc5f26c6f3c88a5d55e901b0734dca572edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010",
        false,
    ),
    (
        "S = 2^256 - 1",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "7767a3242dc9b58bbc68488c1265cc6cc5f26c6f3c88a5d55e901b0734dca572ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        false,
    ),
    (
        "S = L - 1 (canonical, wrong)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "7767a3242dc9b58bbc68488c1265cc6cc5f26c6f3c88a5d55e901b0734dca572ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010",
        false,
    ),
    (
        "key with the sign bit set, honest signature",
        "8bfcd81cfd7be8f5dc5b7e8f8c6c7b8d350355679ed6adbac12a7440b9aeb0e2",
        "626f756e64617279",
        "7767a3242dc9b58bbc68488c1265cc6cc5f26c6f3c88a5d55e901b0734dca5724db065bff1302d56a8a83a5c7b7c8052e8c6683bdeebc126ae4b68890f9b1f00",
        true,
    ),
    (
        "small-order A (torsion 0), R = identity, S = 0",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 0) with the sign bit flipped, R = identity, S = 0",
        "0100000000000000000000000000000000000000000000000000000000000080",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 1), R = identity, S = 0",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 1) with the sign bit flipped, R = identity, S = 0",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 2), R = identity, S = 0",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 2) with the sign bit flipped, R = identity, S = 0",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 3), R = identity, S = 0",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 3) with the sign bit flipped, R = identity, S = 0",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 4), R = identity, S = 0",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 4) with the sign bit flipped, R = identity, S = 0",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 5), R = identity, S = 0",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 5) with the sign bit flipped, R = identity, S = 0",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 6), R = identity, S = 0",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 6) with the sign bit flipped, R = identity, S = 0",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 7), R = identity, S = 0",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order A (torsion 7) with the sign bit flipped, R = identity, S = 0",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "small-order R (torsion 0), S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000c75a3dd4b990c7a2084d7ab242e162256cf01b3c4a196eb1bf7b7d3616ee70c",
        false,
    ),
    (
        "small-order R (torsion 0) with the sign bit flipped, S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000808ef1035665a2ba1c3c469a547d257fc73f1cc6d1ab47333742430a527af62d0b",
        false,
    ),
    (
        "small-order R (torsion 1), S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a09d6f84e45985b346d3876eb2ff5aaf77a9e2174eee4779f41a44ad993d87105",
        false,
    ),
    (
        "small-order R (torsion 1) with the sign bit flipped, S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8ca9acfd91575c3d65cdfcdafbcfde2f5b13fdcb8b8022c1399acde22ad01600",
        false,
    ),
    (
        "small-order R (torsion 2), S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "0000000000000000000000000000000000000000000000000000000000000080766fd3555efcbbcff06844dd5f89e581b0d0ff556ef5ec4f529f859c6e762201",
        false,
    ),
    (
        "small-order R (torsion 2) with the sign bit flipped, S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "000000000000000000000000000000000000000000000000000000000000000021aaf373ff9ae22becdaf452d413812b2e6e8f2d9109aa5a9e2d16e3d1d41f02",
        false,
    ),
    (
        "small-order R (torsion 3), S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05172f18cbe012f573873c100c13ac83fb82d997d3172a98877407b749bd58a90c",
        false,
    ),
    (
        "small-order R (torsion 3) with the sign bit flipped, S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85f668fd01c383cc557abc24a1953dde0071c400c351c696e3e573d383f03cb705",
        false,
    ),
    (
        "small-order R (torsion 4), S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7fb726694067734527f5a6685f7ddc4ced08d253ce2eccecbfc991eed515366a03",
        false,
    ),
    (
        "small-order R (torsion 4) with the sign bit flipped, S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff36fd22fc8a92215cb9426d1de5b244c17b493070fb92aad67afb76750888070e",
        false,
    ),
    (
        "small-order R (torsion 5), S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85f668fd01c383cc557abc24a1953dde0071c400c351c696e3e573d383f03cb705",
        false,
    ),
    (
        "small-order R (torsion 5) with the sign bit flipped, S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05172f18cbe012f573873c100c13ac83fb82d997d3172a98877407b749bd58a90c",
        false,
    ),
    (
        "small-order R (torsion 6), S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "000000000000000000000000000000000000000000000000000000000000000021aaf373ff9ae22becdaf452d413812b2e6e8f2d9109aa5a9e2d16e3d1d41f02",
        false,
    ),
    (
        "small-order R (torsion 6) with the sign bit flipped, S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "0000000000000000000000000000000000000000000000000000000000000080766fd3555efcbbcff06844dd5f89e581b0d0ff556ef5ec4f529f859c6e762201",
        false,
    ),
    (
        "small-order R (torsion 7), S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8ca9acfd91575c3d65cdfcdafbcfde2f5b13fdcb8b8022c1399acde22ad01600",
        false,
    ),
    (
        "small-order R (torsion 7) with the sign bit flipped, S = h*a",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a09d6f84e45985b346d3876eb2ff5aaf77a9e2174eee4779f41a44ad993d87105",
        false,
    ),
    (
        "mixed-order R (rB + torsion 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "6999d5cb5126005c325892f1c6eab824b310708befff12fbaf45dda050cb12f0758b2da1fdda9f218edc55e2f448dc4474506797b02172c9e09a8a6c5850c408",
        false,
    ),
    (
        "mixed-order R (rB + torsion 2)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "595c67f33805792e947082f036bb90bd27209c928ee23606d62d17d0238662b21927b5fcb4ba83dd3e0c46c60f9d9e4cf28f626355586c25f067ea855000950a",
        false,
    ),
    (
        "mixed-order R (rB + torsion 4)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "704f236ddd0c3e7cba82221b38f72171a15940c2a3bbfb335eb4cd8d65fa3cd5598c12f05f545c8b0631d6259409f3be90e4973f8510d68902bf48f41bac120c",
        false,
    ),
    (
        "non-canonical R (p + 0, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f8f0504b12342a556ba320a4541ceafbf99726e5e9e3f1d35984bacc821ff1203",
        false,
    ),
    (
        "non-canonical R (p + 0, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff70a7ac3e713e290cf7798a64c6d670262a3aa59bfe3f145067e3181a691d820d",
        false,
    ),
    (
        "non-canonical R (p + 1, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7fe00c2304c8c1d720a9e6c74a5d297573902bd337682ae5f6de586fcaa3d3c204",
        false,
    ),
    (
        "non-canonical R (p + 1, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff9f685736d08b86f86b6aa74c533fdbf19c9376cf2f4e666eab8e84fde983660a",
        false,
    ),
    (
        "non-canonical R (p + 2, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f846d314b4f3b6f347c0a0054d1a01bcf79b0be54978d856fcb0bc9ddc25e3906",
        false,
    ),
    (
        "non-canonical R (p + 2, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "effffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd99a2ed07d8651e4fcb82b82542125585680037bcc84f5a9ce6797a7d53d901",
        false,
    ),
    (
        "non-canonical R (p + 3, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f0e236af2ea5dc914abc9462139459085c913517a912731eb7196ba8169474900",
        false,
    ),
    (
        "non-canonical R (p + 3, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff8f521390a9eaeb8a3b1d1965e22378e57a6d3ed632ad1bc2b297bdcc687e5b04",
        false,
    ),
    (
        "non-canonical R (p + 4, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f53e036b622b21933d552f9654d5bdbff82185cb2ac11c5b0a15e7e9366b7aa06",
        false,
    ),
    (
        "non-canonical R (p + 4, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0df56e591fd6681c39c66e31d2a9dd39c708a113167b740148310a7738b62603",
        false,
    ),
    (
        "non-canonical R (p + 5, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f2ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7ffe57b9ccb62d0ec54dd7371cd52bda4eab103ac80f03421056d35cf71105ba0b",
        false,
    ),
    (
        "non-canonical R (p + 5, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f2ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff4f933fcae5bf824eda8ff87651d7411a1bc6bd4f8b6f7da6988c122eb84a6f0b",
        false,
    ),
    (
        "non-canonical R (p + 6, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f7844932edd9f12f8984ea078eff5085c39b92f3feb4e6ae558d8bd429ff87503",
        false,
    ),
    (
        "non-canonical R (p + 6, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff716a5debfa0d2c91022e094f40aabb0aa4f750511573cf8a82707e37a9e1be0a",
        false,
    ),
    (
        "non-canonical R (p + 7, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f4ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f90f4f995e5952ee70c1b5e7a2b4a231126759f105cd267e7e5034aad3c4c2b08",
        false,
    ),
    (
        "non-canonical R (p + 7, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f4ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffada2bece959bb60a77efbb7e34e433496136979cdd84b6c90761eec3fec62e02",
        false,
    ),
    (
        "non-canonical R (p + 8, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f5ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7fc16149814bffc7ba21c4e5330ad1e61fc204b96afefb2be6819e4e5bb7fe7109",
        false,
    ),
    (
        "non-canonical R (p + 8, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f5ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff013b08c79a5ef4b2d6162d81e5081a6150dda9164c5079cfba38b74f6528e408",
        false,
    ),
    (
        "non-canonical R (p + 9, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7fc4a6012b01e4d1defdaba4d101bdffae9bc59d3169ab8ff83f43b74832a47407",
        false,
    ),
    (
        "non-canonical R (p + 9, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff87c180e188c755184a21b224991ed2865fe96ef43b10963ee5ad2c93fd60200e",
        false,
    ),
    (
        "non-canonical R (p + 10, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7fc2976c29fd1ed3343426dc9acf0f4d27330efdb93a476fabd30dc0f4d2c75300",
        false,
    ),
    (
        "non-canonical R (p + 10, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff8ae974d25ed63209c9d0ad7425ee30c3f095decb2db2abc23c39702f1ad4b06",
        false,
    ),
    (
        "non-canonical R (p + 11, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f71a11d1ef0745750a6559af02c96ef26d9e4d6e5d88885db9ed68c1bfcb65c03",
        false,
    ),
    (
        "non-canonical R (p + 11, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff87a1f4fc69372901d364d3a0e8067916cf55bf5a7fd8b20df16d949722f0d501",
        false,
    ),
    (
        "non-canonical R (p + 12, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f4560833bcc9e8672866602cb1c5012f1d260e279a500d495c52acb9bcea27c05",
        false,
    ),
    (
        "non-canonical R (p + 12, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "f9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff5dfe1e133160587a9ae9276e6aaad3acf7e13fc0c4d62b733e91052885d8f20c",
        false,
    ),
    (
        "non-canonical R (p + 13, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "faffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f298cd5f4e619bd9ee648094b35dbf810ae7791bf8095fec49dc2036cd8458305",
        false,
    ),
    (
        "non-canonical R (p + 13, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "faffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe8373c7abee2697fd229012d7befb113c597a673b7da316709fe64ddd5ae480b",
        false,
    ),
    (
        "non-canonical R (p + 14, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "fbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f8fd142a7bf94665030d3c8d7bd33484b8013a804f8d44f179e3301a003eba405",
        false,
    ),
    (
        "non-canonical R (p + 14, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "fbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff13d32bee32c5e7b24bb9b8f07550238a365774dbcc0acb037c58f09bebeba00c",
        false,
    ),
    (
        "non-canonical R (p + 15, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "fcffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7fd9eb848d8fc617e72085792721ce0ae7fad748a70f7b7dc8de17ae371c892509",
        false,
    ),
    (
        "non-canonical R (p + 15, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "fcffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7b8aa29df72295dea8fff61d1db4c0ef6376f74c5fdd53f50cb206c80039a609",
        false,
    ),
    (
        "non-canonical R (p + 16, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "fdffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7fb05bf707fdaf4541ff73bfba224d641982a7e34f90f031017e6da9492059a20e",
        false,
    ),
    (
        "non-canonical R (p + 16, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "fdffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff13a30e4f85eeb60c7dc45b8b6f99ae30001ef663c42312f613bc2133f18b0e01",
        false,
    ),
    (
        "non-canonical R (p + 17, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "feffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f9efd7f35cb6823502849bafed41060f7f6efc594c9c9012fd069e3f59d693907",
        false,
    ),
    (
        "non-canonical R (p + 17, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "feffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff80bdd5e0d3738f05faca8dd0c22d4b3df67bcf06a39dcf4c432d5527a1373a00",
        false,
    ),
    (
        "non-canonical R (p + 18, sign 0)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f4c4485b696aa8b059b7c164c453a14a7751fcde70149da009b0897f3bc71720b",
        false,
    ),
    (
        "non-canonical R (p + 18, sign 1)",
        "12f42e7490da32bc74afc2e837bfae239c4385b67b932941944b69be427ca84e",
        "626f756e64617279",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffc05a30eca1bb3b05c8f5ba5ca3a0e9bf1d5760b4a1b50e1ffce14fb18522750f",
        false,
    ),
    (
        "non-canonical A (p + 0, sign 0), R = identity, S = 0",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 0, sign 1), R = identity, S = 0",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 1, sign 0), R = identity, S = 0",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 1, sign 1), R = identity, S = 0",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 2, sign 0), R = identity, S = 0",
        "efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 2, sign 1), R = identity, S = 0",
        "efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 3, sign 0), R = identity, S = 0",
        "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 3, sign 1), R = identity, S = 0",
        "f0ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 4, sign 0), R = identity, S = 0",
        "f1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 4, sign 1), R = identity, S = 0",
        "f1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 5, sign 0), R = identity, S = 0",
        "f2ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 5, sign 1), R = identity, S = 0",
        "f2ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 6, sign 0), R = identity, S = 0",
        "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 6, sign 1), R = identity, S = 0",
        "f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 7, sign 0), R = identity, S = 0",
        "f4ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 7, sign 1), R = identity, S = 0",
        "f4ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 8, sign 0), R = identity, S = 0",
        "f5ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 8, sign 1), R = identity, S = 0",
        "f5ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 9, sign 0), R = identity, S = 0",
        "f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 9, sign 1), R = identity, S = 0",
        "f6ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 10, sign 0), R = identity, S = 0",
        "f7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 10, sign 1), R = identity, S = 0",
        "f7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 11, sign 0), R = identity, S = 0",
        "f8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 11, sign 1), R = identity, S = 0",
        "f8ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 12, sign 0), R = identity, S = 0",
        "f9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 12, sign 1), R = identity, S = 0",
        "f9ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 13, sign 0), R = identity, S = 0",
        "faffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 13, sign 1), R = identity, S = 0",
        "faffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 14, sign 0), R = identity, S = 0",
        "fbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 14, sign 1), R = identity, S = 0",
        "fbffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 15, sign 0), R = identity, S = 0",
        "fcffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 15, sign 1), R = identity, S = 0",
        "fcffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 16, sign 0), R = identity, S = 0",
        "fdffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 16, sign 1), R = identity, S = 0",
        "fdffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 17, sign 0), R = identity, S = 0",
        "feffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 17, sign 1), R = identity, S = 0",
        "feffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 18, sign 0), R = identity, S = 0",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "non-canonical A (p + 18, sign 1), R = identity, S = 0",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "626f756e64617279",
        "01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "mixed-order A (aB + torsion 1), h not a multiple of 8",
        "ebf27b2db04219e7fb99035d6cc633a13a05220d4a28cc54ab00d15ba19ae47d",
        "6d6978656400000000",
        "7db0dc9222f3c183457ddde4c708de8e5ea6bf3d5c4404cca14b32729a05c32a2bc5a64b1cf577b40b243d9fe2292b02c89d6e51142338926c8385749f81b00f",
        false,
    ),
    (
        "mixed-order A (aB + torsion 1), h a multiple of 8",
        "ebf27b2db04219e7fb99035d6cc633a13a05220d4a28cc54ab00d15ba19ae47d",
        "6d6978656401000000",
        "7db0dc9222f3c183457ddde4c708de8e5ea6bf3d5c4404cca14b32729a05c32a347f0a290e3461ec096c1cb5b06c2db6336f51c02a80185b0ec17628e9e4bb04",
        true,
    ),
    (
        "mixed-order A (aB + torsion 2), h a multiple of 4",
        "46131ef72b491ae803979466ed853cd99862dafdf9206c4c9bbcbda9f5ff0882",
        "6d6978656400000000",
        "7db0dc9222f3c183457ddde4c708de8e5ea6bf3d5c4404cca14b32729a05c32a0653f571e37edbe1de7af29b68eb0bdd7aebfa09a7aaa924f85d762cf077d00a",
        true,
    ),
    (
        "mixed-order A (aB + torsion 2), h not a multiple of 4",
        "46131ef72b491ae803979466ed853cd99862dafdf9206c4c9bbcbda9f5ff0882",
        "6d6978656401000000",
        "7db0dc9222f3c183457ddde4c708de8e5ea6bf3d5c4404cca14b32729a05c32ab38df79409399f7d9ff60a9c4ce4fb78cb2bb8dc8c7d047d3ff306e01095f203",
        false,
    ),
    (
        "mixed-order A (aB + torsion 4), h a multiple of 2",
        "db0bd18b6f25cd438b503d17c84051dc63bc7a49846cd6be6bb49641bd8357b1",
        "6d6978656400000000",
        "7db0dc9222f3c183457ddde4c708de8e5ea6bf3d5c4404cca14b32729a05c32a476e2452df9d02696301aa5fbd80d4a4cb8de069088283fb7d6e05c6c2bc1701",
        true,
    ),
    (
        "mixed-order A (aB + torsion 4), h not a multiple of 2",
        "db0bd18b6f25cd438b503d17c84051dc63bc7a49846cd6be6bb49641bd8357b1",
        "6d6978656404000000",
        "7db0dc9222f3c183457ddde4c708de8e5ea6bf3d5c4404cca14b32729a05c32a4858e238a882d867100d4ac7dac958c0ff2e5d25d812a8e16911e20c7e5cca03",
        false,
    ),
    (
        "ed25519-speccheck case 0",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "ed25519-speccheck case 1",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
        false,
    ),
    (
        "ed25519-speccheck case 2",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e",
        false,
    ),
    (
        "ed25519-speccheck case 3",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
        "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009",
        true,
    ),
    (
        "ed25519-speccheck case 4",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
        "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09",
        false,
    ),
    (
        "ed25519-speccheck case 5",
        "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
        "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
        "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405",
        false,
    ),
    (
        "ed25519-speccheck case 6",
        "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
        "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
        "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514",
        false,
    ),
    (
        "ed25519-speccheck case 7",
        "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623",
        "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40",
        "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22",
        false,
    ),
    (
        "ed25519-speccheck case 8",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "fdaebc429f4a735932a160da1301080c13280eea8bc280d1b392c6b9e6ba3a5a",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f454d370c8d9fc323a41450f8d513eafeb5b0697390c1e505a0d4ddc71f566607",
        false,
    ),
    (
        "ed25519-speccheck case 9",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "84b698d39be126ff55fe45079e6c8bf64a0d7db6994560b4e96b7021eb39c1a1",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f084d5b99c2a9463d9c8bd5026916996984eeec87ddf1d3be329006ace1b37b09",
        false,
    ),
    (
        "ed25519-speccheck case 10",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "2a66241a42a9ee12994d8068dcf1bb7dfc6637b45450acd43711f637fa5080fc",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000",
        false,
    ),
    (
        "ed25519-speccheck case 11",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04",
        false,
    ),
    (
        "ed25519-speccheck case 12",
        "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
        "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa182ef1a5b928da07fec769cc8a12db6bcf70dab3f3227fa315e9d5e3e01a3405",
        false,
    ),
];

#[test]
fn ed25519_verification_gives_libsodiums_verdict_on_every_boundary_case() {
    assert!(LIBSODIUM_VERDICTS.len() > 100);
    let mut wrong = Vec::new();
    for (what, pk, msg, sig, sodium) in LIBSODIUM_VERDICTS {
        let ours =
            verify_ed25519(&Ed25519Public::from_bytes(arr(pk)), &unhex(msg), &arr(sig)).is_ok();
        if ours != *sodium {
            wrong.push(format!("{what}: libsodium {sodium}, ours {ours}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Both verdicts occur, so the table tests something in each direction.
    assert!(LIBSODIUM_VERDICTS.iter().any(|c| c.4));
    assert!(LIBSODIUM_VERDICTS.iter().filter(|c| !c.4).count() > 100);
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
            decrypt_incoming(&bob, &sealed).unwrap_err(),
            DecryptError::Decrypt,
            "{u:02x?}"
        );
        // As a recipient's Session ID key: no sealed box is made to it.
        let to = SessionId::new(IdPrefix::Standard, u);
        assert_eq!(
            encrypt_for_recipient(&alice, &to, b"x", &mut rng).unwrap_err(),
            EncryptError::InvalidRecipient,
            "{u:02x?}"
        );
        assert_eq!(
            seal_to(&u, b"x", &mut rng).unwrap_err(),
            EncryptError::InvalidRecipient
        );
        // Multi-recipient copies, both ways.
        assert_eq!(
            multi::encrypt_for(&alice, &u, b"d", &[0; 24], b"x").unwrap_err(),
            MultiError::InvalidKey,
            "{u:02x?}"
        );
        assert_eq!(
            multi::decrypt_from(&bob, &u, b"d", &[0; 24], &[0; 40]).unwrap_err(),
            MultiError::InvalidKey,
            "{u:02x?}"
        );
        // As a path node's key or the destination's key in an onion request.
        let bad = NodeKeys {
            ed25519: [7; 32],
            x25519: u,
        };
        let err = |path: &[NodeKeys], dest: NodeKeys| {
            build_request(
                path,
                &Destination::Node(dest),
                b"{}",
                HopCipher::XChaCha20,
                &mut ChaCha20Rng::from_seed([2; 32]),
            )
            .unwrap_err()
        };
        assert_eq!(err(&[good], bad), BuildError::InvalidKey(0), "{u:02x?}");
        assert_eq!(
            err(&[bad, good], good),
            BuildError::InvalidKey(2),
            "{u:02x?}"
        );
        assert_eq!(
            err(&[good, bad], good),
            BuildError::InvalidKey(1),
            "{u:02x?}"
        );
        let server = Destination::Server(ServerDestination::https("example.org", u));
        assert_eq!(
            build_request(&[good], &server, b"", HopCipher::Aes256Gcm, &mut rng).unwrap_err(),
            BuildError::InvalidKey(0)
        );
    }
    // Small-order blinded keys are not usable DM recipients.
    for t in EIGHT_TORSION {
        let id = SessionId::new(IdPrefix::Blinded25, t.compress().to_bytes());
        assert_eq!(
            encrypt_blinded_dm(&alice, &id, &[1; 32], b"x", &mut rng).unwrap_err(),
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
    let (dest_shared, dest_key) = layer_key(&e_dest, &keys.x25519);
    let (hop_shared, hop_key) = layer_key(&e_hop, &keys.x25519);
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
            format!("{0} {0:?}", decrypt_incoming(&me, &[0; 200]).unwrap_err()),
        ),
        (
            "GroupError",
            format!(
                "{0} {0:?}",
                decrypt_group_message(&[x_secret.clone().try_into().unwrap()], &[0; 32], &[0; 64])
                    .unwrap_err()
            ),
        ),
        (
            "MultiError",
            format!(
                "{0} {0:?}",
                multi::decrypt_from(&me, &keys.x25519, b"d", &[0; 24], &[0; 40]).unwrap_err()
            ),
        ),
        (
            "BlindedDmError",
            format!(
                "{0} {0:?}",
                decrypt_blinded_dm(&me, &kp25.id(), &kp25.id(), &[1; 32], &[0; 100]).unwrap_err()
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
    let ct = encrypt_for_recipient(&me, &me.session_id(), b"x", &mut rng).unwrap();
    zeroize_on_drop(&decrypt_incoming(&me, &ct).unwrap().message);
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
