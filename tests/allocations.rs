//! Allocation counts on the hot paths, with a counting global allocator.
//!
//! Only the measured thread's allocations are counted, so the tests here may run in parallel.
//! Use [`counted`] for allocation counts and total bytes, [`peak`] for the most bytes live at
//! once.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]
#![allow(unsafe_code)] // a GlobalAlloc wrapper needs `unsafe impl`; the library stays forbid(unsafe_code)

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;
use std::alloc::System;

mod common;
use common::hex::hex;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::identity::mnemonic::decode_words;
use session_protocol::onion::{
    Destination, Hop, HopCipher, NodeKeys, NodeSecret, build_request, decode_relay, parse_entry,
    peel,
};

struct Counting;

thread_local! {
    /// Whether this thread is being measured; only its own allocations are counted, so tests
    /// running in parallel (and the test harness's threads) never disturb each other's counts.
    static ON: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
    /// Bytes allocated minus bytes freed while measured, and the highest value it reached.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn measuring() -> bool {
    ON.try_with(Cell::get).unwrap_or(false)
}

fn on_alloc(size: usize) {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    let _ = BYTES.try_with(|c| c.set(c.get() + size));
    let _ = LIVE.try_with(|l| {
        l.set(l.get() + size as isize);
        let _ = PEAK.try_with(|p| p.set(p.get().max(l.get())));
    });
}

fn on_free(size: usize) {
    let _ = LIVE.try_with(|l| l.set(l.get() - size as isize));
}

// SAFETY: forwards every call unchanged to the system allocator; only counts (in
// const-initialised thread-locals, which never allocate).
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if measuring() {
            on_alloc(layout.size());
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if measuring() {
            on_free(layout.size());
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if measuring() {
            // Counted as the new block allocated before the old one is freed, as a moving
            // realloc does.
            on_alloc(new_size);
            on_free(layout.size());
        }
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Runs `f` measured: returns its result, the allocations it made and the bytes they asked for.
fn counted<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let was = ON.with(|on| on.replace(true));
    let (a0, b0) = (ALLOCATIONS.with(Cell::get), BYTES.with(Cell::get));
    let out = f();
    let (a1, b1) = (ALLOCATIONS.with(Cell::get), BYTES.with(Cell::get));
    ON.with(|on| on.set(was));
    (out, a1 - a0, b1 - b0)
}

/// The most bytes live at once while `f` runs, beyond what was live when it started (what `f`
/// returns is dropped inside the measurement, so it counts while it lives).
fn peak<T>(f: impl FnOnce() -> T) -> usize {
    let was = ON.with(|on| on.replace(true));
    let start = LIVE.with(Cell::get);
    PEAK.with(|p| p.set(start));
    drop(f());
    let top = PEAK.with(Cell::get);
    ON.with(|on| on.set(was));
    usize::try_from(top - start).unwrap_or(0)
}

#[test]
fn one_allocation_per_request_none_per_peel_and_none_beyond_the_input() {
    let ids: Vec<Identity> = (1..=4u8).map(|i| Identity::from_seed(&[i; 32])).collect();
    let keys: Vec<NodeKeys> = ids.iter().map(NodeKeys::from_identity).collect();
    let secrets: Vec<NodeSecret> = ids.iter().map(NodeSecret::from_identity).collect();
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let payload = vec![b'x'; 10_000];
    for cipher in [HopCipher::XChaCha20, HopCipher::Aes256Gcm] {
        let (onion, n, bytes) = counted(|| {
            build_request(
                &keys[..3],
                &Destination::Node(keys[3]),
                &payload,
                cipher,
                &mut rng,
            )
            .unwrap()
        });
        assert_eq!(n, 1, "one allocation per built request");
        assert_eq!(bytes, onion.packet.len(), "sized exactly");

        let mut packet = onion.packet;
        let (layer, n, _) = counted(|| parse_entry(&mut packet).unwrap());
        assert_eq!(n, 0, "parsing the entry frame allocates nothing");
        let (peeled, n, _) = counted(|| peel(&secrets[0], layer).unwrap());
        assert_eq!(n, 0, "peeling decrypts in place and allocates nothing");
        let Hop::Forward { relay, .. } = peeled.hop else {
            panic!("guard forwards")
        };
        let (msg, n, bytes) = counted(|| relay.encode());
        assert_eq!(n, 1, "relaying allocates the outgoing message only");
        assert!(bytes <= msg.len() + 96);
        let mut msg = msg;
        let (layer, n, _) = counted(|| decode_relay(&mut msg).unwrap());
        assert_eq!(n, 0, "decoding a relay message allocates nothing");
        let (_, n, _) = counted(|| peel(&secrets[1], layer).unwrap());
        assert_eq!(n, 0);
    }

    // Length fields near u32::MAX allocate nothing.
    let mut hostile = b"\xfe\xff\xff\xffabc{}".to_vec();
    let (_, n, _) = counted(|| parse_entry(&mut hostile).is_err());
    assert_eq!(n, 0);
    let mut hostile = b"d4:data4294967290:xe".to_vec();
    let (_, n, bytes) = counted(|| decode_relay(&mut hostile).is_err());
    assert!(bytes <= hostile.len() * 8, "{n} allocations, {bytes} bytes");

    // Every decoder of untrusted bytes, fed inputs whose length fields claim far more than is
    // there, allocates in proportion to the input only.
    let bob = Identity::from_seed(&[2; 32]);
    let blinded = session_protocol::SessionId::new(session_protocol::IdPrefix::Blinded25, [9; 32]);
    let inputs: [(&str, Vec<u8>); 6] = [
        (
            "protobuf length near u32::MAX",
            vec![0x08, 0x01, 0x12, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0x1a],
        ),
        (
            "nested protobuf length",
            vec![0x08, 0x01, 0x12, 0x06, 0x1a, 0x04, 0x42, 0xff, 0xff, 0x7f],
        ),
        (
            "json array claims",
            br#"{"snodes":[{},{},{}],"swarm":"1"}"#.to_vec(),
        ),
        ("deep json", [&b"{\"snodes\":"[..], &[b'['; 50000]].concat()),
        ("short sealed box", vec![0u8; 200]),
        ("group message", vec![0u8; 300]),
    ];
    type Decoder<'a> = (&'static str, Box<dyn Fn(&[u8]) + 'a>);
    let decoders: [Decoder<'_>; 5] = [
        (
            "open_1o1",
            Box::new(|i: &[u8]| drop(session_protocol::envelope::open_1o1(&bob, i))),
        ),
        (
            "decode_swarm_response",
            Box::new(|i: &[u8]| drop(session_protocol::swarm::decode_swarm_response(i))),
        ),
        (
            "open_incoming",
            Box::new(|i: &[u8]| drop(session_protocol::envelope::open_incoming(&bob, i))),
        ),
        (
            "open_group_message",
            Box::new(|i: &[u8]| {
                drop(session_protocol::envelope::open_group_message(
                    &[session_protocol::SymmetricKey::from_bytes([1; 32])],
                    &session_protocol::Ed25519Public::from_bytes([2; 32]),
                    i,
                ))
            }),
        ),
        (
            "open_blinded_dm",
            Box::new(|i: &[u8]| {
                drop(session_protocol::envelope::open_blinded_dm(
                    &bob, &blinded, &blinded, &[1; 32], i,
                ))
            }),
        ),
    ];
    for (what, input) in &inputs {
        for (name, decode) in &decoders {
            let ((), _, bytes) = counted(|| decode(input));
            // Never anything a length field asked for: at most a few copies of what arrived plus
            // fixed bookkeeping. (serde_json skips nested JSON with an explicit stack, one byte
            // per level grown by doubling: up to about 2.6x the input for maximal nesting.)
            assert!(
                bytes <= 3 * input.len() + 1024,
                "{name} on {what}: {bytes} bytes for {} input bytes",
                input.len()
            );
        }
    }
}

/// A group member's message whose zstd frame declares an 8 MiB window is refused from the
/// frame header: nothing near the window is allocated (the decoder would buffer a whole window
/// before yielding a byte, so the 1 MB plaintext cap alone would come too late).
#[test]
fn group_zstd_window_above_the_plaintext_limit_is_refused_before_allocating_it() {
    use chacha20poly1305::aead::{AeadInOut, KeyInit};
    use session_protocol::envelope::{GroupError, open_group_message};

    let bencode = |b: &[u8]| [format!("{}:", b.len()).as_bytes(), b].concat();
    let (sender, group_pk, group_key) = (Identity::from_seed(&[1; 32]), [0x21; 32], [0x4b; 32]);
    // zstd frame: magic, descriptor 0 (no content size), window descriptor 0x68 = 2^23 bytes,
    // then 70 RLE blocks of 128 KiB each (4 bytes apiece): 8.75 MiB from under 300 bytes.
    let mut frame = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x68];
    for i in 0..70u32 {
        let header = u32::from(i == 69) | (1 << 1) | ((128 * 1024) << 3);
        frame.extend_from_slice(&header.to_le_bytes()[..3]);
        frame.push(0xff);
    }
    // Honestly signed by a member, so it gets past the signature to decompression.
    let sig = sender.sign(&[&frame[..], &group_pk[..]].concat());
    let mut plain = [
        &b"d"[..],
        &bencode(b""),
        b"i1e",
        &bencode(b"a"),
        &bencode(sender.ed25519_public().as_bytes()),
        &bencode(b"s"),
        &bencode(&sig),
        &bencode(b"z"),
        &bencode(&frame),
        b"e",
    ]
    .concat();
    plain.resize((24 + plain.len() + 16).div_ceil(256) * 256 - 40, 0);
    let nonce = [5u8; 24];
    let tag = chacha20poly1305::XChaCha20Poly1305::new(&group_key.into())
        .encrypt_inout_detached(&nonce.into(), &[], plain.as_mut_slice().into())
        .unwrap();
    let wire = [&nonce[..], &plain, tag.as_slice()].concat();

    let (result, n, bytes) = counted(|| {
        open_group_message(
            &[session_protocol::SymmetricKey::from_bytes(group_key)],
            &session_protocol::Ed25519Public::from_bytes(group_pk),
            &wire,
        )
        .map(|m| m.key_index)
    });
    assert_eq!(result, Err(GroupError::TooLarge));
    assert!(
        bytes <= 4 * wire.len() + 64 * 1024,
        "{n} allocations, {bytes} bytes for a {}-byte message",
        wire.len()
    );
}

/// Hostile inputs to the relay, v4 and response decoders: deeply nested lists, many tiny
/// elements, length fields near `u32::MAX`, deep JSON in ignored fields. Each is refused with
/// its specific error and allocates less than its own size (the relay and v4 framing readers
/// nothing at all; a response one plaintext-sized buffer, smaller than the input by the nonce
/// and tag, plus serde_json's fixed-size boxed error). Only this thread's allocations are
/// counted.
#[test]
fn hostile_relay_v4_and_response_inputs_allocate_less_than_their_size() {
    use session_protocol::onion::{
        PeelError, ResponseError, ResponseKey, ServerDestination, open_request, v4,
    };

    fn bytes_of(f: impl FnOnce()) -> usize {
        counted(f).2
    }
    let many = |head: &[u8], unit: &[u8], n: usize, tail: &[u8]| -> Vec<u8> {
        let mut v = head.to_vec();
        for _ in 0..n {
            v.extend_from_slice(unit);
        }
        v.extend_from_slice(tail);
        v
    };
    const N: usize = 50_000;
    // The plaintext buffer is the input less nonce and tag (28 or 40 bytes); a refused JSON
    // plaintext adds serde_json's boxed error and its message: a fixed few hundred bytes at
    // most, whatever the input's size.
    const SERDE_ERROR_SLACK: usize = 512;
    let deep_json = |n: usize| many(b"", b"[", n, b"");

    // Relay messages.
    let relay_cases: Vec<(&str, Vec<u8>, PeelError)> = vec![
        (
            "many tiny elements",
            many(b"d4:datal", b"0:", N, b"ee"),
            PeelError::Control("data"),
        ),
        (
            "many tiny elements, unterminated",
            many(b"d4:datal", b"0:", N, b""),
            PeelError::Control("bencode"),
        ),
        (
            "deep lists",
            many(b"d4:data", b"l", N, b""),
            PeelError::Control("bencode"),
        ),
        (
            "deep dictionaries",
            many(b"d4:data", b"d1:a", N, b""),
            PeelError::Control("bencode"),
        ),
        (
            "unknown key holding many elements",
            many(b"d1:zl", b"i0e", N, b"ee"),
            PeelError::Control("unknown relay field"),
        ),
        (
            "length near u32::MAX",
            many(b"d4:data4294967290:", b"x", N, b"e"),
            PeelError::Control("bencode"),
        ),
    ];
    for (what, input, err) in relay_cases {
        let mut msg = input;
        assert_eq!(decode_relay(&mut msg).err(), Some(err), "{what}");
        let bytes = bytes_of(|| {
            let _ = decode_relay(&mut msg);
        });
        assert_eq!(bytes, 0, "decode_relay on {what}");
    }

    // v4 framing and metadata.
    let lst = |parts: &[&[u8]]| {
        let mut v = b"l".to_vec();
        for p in parts {
            v.extend_from_slice(format!("{}:", p.len()).as_bytes());
            v.extend_from_slice(p);
        }
        v.push(b'e');
        v
    };
    let deep_ignored_req = [
        &br#"{"method":"GET","endpoint":"/","x":"#[..],
        &deep_json(N),
    ]
    .concat();
    let deep_ignored_resp = [&br#"{"code":200,"x":"#[..], &deep_json(N)].concat();
    let tiny_headers = many(br#"{"code":200,"headers":{"#, br#""":0,"#, N, br#""":0}}"#);
    let v4_cases: Vec<(&str, Vec<u8>, v4::V4Error)> = vec![
        (
            "many tiny elements",
            many(b"l", b"0:", N, b"e"),
            v4::V4Error::Framing,
        ),
        ("deep lists", many(b"", b"l", N, b""), v4::V4Error::Framing),
        (
            "length near u32::MAX",
            many(b"l4294967290:", b"x", N, b"e"),
            v4::V4Error::Framing,
        ),
        (
            "deep JSON metadata",
            lst(&[&deep_json(N)]),
            v4::V4Error::Metadata,
        ),
        (
            "deep JSON in an ignored request field",
            lst(&[&deep_ignored_req]),
            v4::V4Error::Metadata,
        ),
        (
            "deep JSON in an ignored response field",
            lst(&[&deep_ignored_resp, b""]),
            v4::V4Error::Metadata,
        ),
        (
            "many tiny non-string headers",
            lst(&[&tiny_headers]),
            v4::V4Error::Metadata,
        ),
    ];
    for (what, input, err) in &v4_cases {
        let req = v4::decode_request(input).err();
        let resp = v4::decode_response(input).err();
        if *err == v4::V4Error::Framing {
            assert_eq!((req, resp), (Some(*err), Some(*err)), "{what}");
        } else {
            assert!(req == Some(*err) || resp == Some(*err), "{what}");
        }
        let bytes = bytes_of(|| {
            let _ = v4::decode_request(input);
        });
        assert!(
            bytes < input.len(),
            "decode_request on {what}: {bytes} bytes"
        );
        if *err == v4::V4Error::Framing {
            assert_eq!(bytes, 0, "decode_request framing on {what}");
        }
        let bytes = bytes_of(|| {
            let _ = v4::decode_response(input);
        });
        assert!(
            bytes < input.len(),
            "decode_response on {what}: {bytes} bytes"
        );
    }

    // Responses: honestly sealed hostile plaintexts, so parsing behind the AEAD is reached.
    let ids: Vec<Identity> = (1..=5u8).map(|i| Identity::from_seed(&[i; 32])).collect();
    let keys: Vec<NodeKeys> = ids.iter().map(NodeKeys::from_identity).collect();
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    // One hop to a node destination; returns the response key and the destination's reply key.
    let node_keys = |cipher, rng: &mut ChaCha20Rng| {
        let onion =
            build_request(&[keys[0]], &Destination::Node(keys[1]), b"{}", cipher, rng).unwrap();
        let mut p = onion.packet;
        let Hop::Forward { relay, .. } = peel(
            &NodeSecret::from_identity(&ids[0]),
            parse_entry(&mut p).unwrap(),
        )
        .unwrap()
        .hop
        else {
            panic!()
        };
        let mut m = relay.encode();
        let Hop::Deliver { reply, .. } = peel(
            &NodeSecret::from_identity(&ids[1]),
            decode_relay(&mut m).unwrap(),
        )
        .unwrap()
        .hop
        else {
            panic!()
        };
        (onion.response, reply)
    };
    let server_keys = |cipher, rng: &mut ChaCha20Rng| {
        let dest =
            Destination::Server(ServerDestination::https("example.org", keys[2].x25519()).unwrap());
        let onion = build_request(&[keys[0]], &dest, b"l2:{}e", cipher, rng).unwrap();
        let mut p = onion.packet;
        let Hop::Proxy { request, .. } = peel(
            &NodeSecret::from_identity(&ids[0]),
            parse_entry(&mut p).unwrap(),
        )
        .unwrap()
        .hop
        else {
            panic!()
        };
        let mut body = request.body.to_vec();
        let (_, reply) = open_request(
            &NodeSecret::from_identity(&ids[2]),
            parse_entry(&mut body).unwrap(),
        )
        .unwrap();
        (onion.response, reply)
    };
    let node_plain: Vec<(&str, Vec<u8>)> = vec![
        ("deep JSON", deep_json(N)),
        (
            "deep JSON in an ignored field",
            [&br#"{"status":200,"x":"#[..], &deep_json(N)].concat(),
        ),
        ("many tiny elements", many(b"{\"x\":[", b"0,", N, b"0]}")),
        ("length near u32::MAX", b"\xfe\xff\xff\xff".repeat(N / 4)),
    ];
    for cipher in [HopCipher::XChaCha20, HopCipher::Aes256Gcm] {
        for (what, plain) in &node_plain {
            let check = |rk: &ResponseKey, sealed: &[u8], how: &str| {
                assert_eq!(
                    rk.open(sealed),
                    Err(ResponseError::Malformed),
                    "{how} {what}"
                );
                let bytes = bytes_of(|| {
                    let _ = rk.open(sealed);
                });
                assert!(
                    bytes < sealed.len() + SERDE_ERROR_SLACK,
                    "{cipher:?} {how} {what}: {bytes} of {}",
                    sealed.len()
                );
            };
            let (rk, reply) = node_keys(cipher, &mut rng);
            let sealed = <base64ct::Base64 as base64ct::Encoding>::encode_string(
                &reply.seal_bytes(plain, &mut rng),
            );
            let sealed: String = sealed;
            check(&rk, sealed.as_bytes(), "node base64");
            let wrapped = format!(r#"{{"result":"{sealed}"}}"#);
            check(&rk, wrapped.as_bytes(), "node result-wrapped");
            let (rk, reply) = node_keys(cipher, &mut rng);
            check(&rk, &reply.seal_bytes(plain, &mut rng), "node raw");
        }
        for (what, input, _) in &v4_cases {
            let (rk, reply) = server_keys(cipher, &mut rng);
            let sealed = reply.seal_bytes(input, &mut rng);
            assert_eq!(
                rk.open(&sealed),
                Err(ResponseError::Malformed),
                "server {what}"
            );
            let bytes = bytes_of(|| {
                let _ = rk.open(&sealed);
            });
            assert!(
                bytes < sealed.len() + SERDE_ERROR_SLACK,
                "{cipher:?} server {what}: {bytes} of {}",
                sealed.len()
            );
        }
        // Not authentic at all: refused after one plaintext-sized buffer at most.
        let (rk, _) = server_keys(cipher, &mut rng);
        let junk = vec![0x41u8; 100_000];
        assert_eq!(rk.open(&junk), Err(ResponseError::Decrypt));
        assert!(bytes_of(|| drop(rk.open(&junk))) < junk.len());
    }
}

/// Pads `head` with `fill` to `len` bytes.
fn padded(head: &[u8], fill: u8, len: usize) -> Vec<u8> {
    let mut v = head.to_vec();
    v.resize(len.max(head.len()), fill);
    v
}

#[test]
fn hostile_lengths_and_counts_keep_peak_allocation_below_the_input() {
    let bob = Identity::from_seed(&[2; 32]);
    let server = NodeSecret::from_x25519_secret([5; 32]);
    const N: usize = 64 * 1024;
    // Inputs whose length fields claim about 4 GiB: nothing that size, nor anything in
    // proportion to the claim, is allocated; the bound is the input itself.
    let varint_max = [0xfe, 0xff, 0xff, 0xff, 0x0f];
    type Case<'a> = (&'a str, Vec<u8>, Box<dyn Fn(&[u8]) + 'a>);
    let cases: Vec<Case<'_>> = vec![
        (
            "open_1o1: WebSocketMessage.request length near u32::MAX",
            padded(&[&[0x08, 0x01, 0x12][..], &varint_max].concat(), 0, N),
            Box::new(|i: &[u8]| drop(session_protocol::envelope::open_1o1(&bob, i))),
        ),
        (
            "open_1o1: request.body length near u32::MAX",
            padded(
                &[&[0x08, 0x01, 0x12, 0x7f, 0x1a][..], &varint_max].concat(),
                0,
                N,
            ),
            Box::new(|i: &[u8]| drop(session_protocol::envelope::open_1o1(&bob, i))),
        ),
        (
            "open_1o1: ten-byte length varint",
            padded(
                &[
                    0x08, 0x01, 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                ],
                0,
                N,
            ),
            Box::new(|i: &[u8]| drop(session_protocol::envelope::open_1o1(&bob, i))),
        ),
        (
            "Content::from_bytes: dataMessage length near u32::MAX",
            padded(&[&[0x0a][..], &varint_max].concat(), 0, N),
            Box::new(|i: &[u8]| drop(session_protocol::envelope::Content::from_bytes(i))),
        ),
        (
            "Content::from_bytes: nested body length near u32::MAX",
            padded(&[&[0x0a, 0x7f, 0x0a][..], &varint_max].concat(), 0, N),
            Box::new(|i: &[u8]| drop(session_protocol::envelope::Content::from_bytes(i))),
        ),
        (
            "open_request: entry frame length u32::MAX",
            padded(b"\xff\xff\xff\xff", b' ', N),
            Box::new(|i: &[u8]| {
                let mut buf = i.to_vec();
                if let Ok(l) = parse_entry(&mut buf) {
                    drop(session_protocol::onion::open_request(&server, l));
                }
            }),
        ),
        (
            "decode_swarm_response: one string claiming the whole input",
            padded(br#"{"snodes":[],"swarm":""#, b'f', N),
            Box::new(|i: &[u8]| drop(session_protocol::swarm::decode_swarm_response(i))),
        ),
        (
            "decode_service_nodes: unterminated nesting",
            padded(br#"{"service_node_states":"#, b'[', N),
            Box::new(|i: &[u8]| drop(session_protocol::swarm::decode_service_nodes(i))),
        ),
        (
            "from_mnemonic: a huge word count",
            padded(b"", b'a', N)
                .iter()
                .flat_map(|&c| [c, b' '])
                .collect(),
            Box::new(|i: &[u8]| drop(Identity::from_mnemonic(core::str::from_utf8(i).unwrap()))),
        ),
    ];
    for (what, input, decode) in &cases {
        let bytes = peak(|| decode(input));
        let bound = if what.starts_with("open_request") {
            // The closure's own copy of the packet (parse_entry works in place), nothing else.
            input.len() + 1024
        } else {
            // (The node-list decoders check the nesting depth before parsing, so serde_json's
            // stack for skipping nested JSON never grows past 128 levels.)
            input.len()
        };
        assert!(
            bytes < bound,
            "{what}: peak {bytes} bytes live for a {}-byte input",
            input.len()
        );
    }

    // Open an authentic layer: decryption is in place, so nothing beyond the caller's buffer.
    let mut packet = session_protocol::onion::seal_layer(
        &server.public(),
        &vec![b'x'; N],
        HopCipher::XChaCha20,
        session_protocol::onion::HopDraw::new([1; 32], [2; 24]),
    )
    .unwrap();
    let bytes = peak(|| {
        let layer = parse_entry(&mut packet).unwrap();
        session_protocol::onion::open_request(&server, layer).map(|(p, _)| p.len())
    });
    assert!(
        bytes < 1024,
        "open_request allocates nothing per byte: {bytes}"
    );
}

/// Inputs made of many tiny entries (the most a hostile peer can claim in formats without
/// declared counts): the decoders allocate per entry, in proportion to the input, never by a
/// length field. The per-entry costs give the bounds, stated with each case; doubling the input
/// at most doubles the peak (no super-linear growth).
#[test]
fn huge_counts_allocate_in_proportion_to_the_input_only() {
    use session_protocol::swarm::SkippedNode;
    const N: usize = 32 * 1024;
    // The node-list decoders stream their arrays: an entry is decoded where it lies in the
    // input and leaves at most a node (kept) or a count (skipped); skip records stop at
    // `MAX_LISTED` (each holds its index, the reason and the field named, in a vector grown by
    // doubling: the old and new buffers live together for a moment). So a list of bad entries
    // costs a fixed amount whatever its length (about 18 KiB).
    let record = size_of::<SkippedNode>();
    assert!(record <= 48, "a skip record is {record} bytes");
    let skip_records = 3 * record * SkippedNode::MAX_LISTED / 2 + 1024;
    // One valid node, repeated: 132 bytes of input per entry for an 80-byte `ServiceNode`,
    // in a vector grown by doubling (old and new buffers, 3 x 80 bytes per entry at worst,
    // counted as live together at a moving reallocation): at most twice the input.
    assert!(size_of::<session_protocol::swarm::ServiceNode>() <= 80);
    let ed = Identity::from_seed(&[7; 32]).ed25519_public();
    let ed = hex(ed.as_bytes());
    let valid =
        format!(r#"{{"pubkey_ed25519":"{ed}","ip":"1.2.3.4","port_https":443,"port_quic":9}},"#);
    type Case<'a> = (
        &'static str,
        Box<dyn Fn(usize) -> Vec<u8> + 'a>,
        fn(&[u8]),
        Box<dyn Fn(usize) -> usize + 'a>,
    );
    let cases: Vec<Case<'_>> = vec![
        (
            "decode_service_nodes: {} entries",
            Box::new(|n| {
                [
                    &br#"{"service_node_states":["#[..],
                    &b"{},".repeat(n / 3),
                    b"{}]}",
                ]
                .concat()
            }),
            |i| drop(session_protocol::swarm::decode_service_nodes(i)),
            Box::new(|_| skip_records),
        ),
        (
            // Two-byte entries: their records would have cost 8 bytes per input byte.
            "decode_swarm_response: 0 entries",
            Box::new(|n| {
                [
                    &br#"{"swarm":"1","snodes":["#[..],
                    &b"0,".repeat(n / 2),
                    b"0]}",
                ]
                .concat()
            }),
            |i| drop(session_protocol::swarm::decode_swarm_response(i)),
            Box::new(|_| skip_records),
        ),
        (
            "decode_swarm_response: one valid node repeated",
            Box::new(|n| {
                [
                    &br#"{"swarm":"1","snodes":["#[..],
                    valid.repeat(n / valid.len()).as_bytes(),
                    b"0]}",
                ]
                .concat()
            }),
            |i| {
                let r = session_protocol::swarm::decode_swarm_response(i).unwrap();
                assert_eq!(r.skipped_total, 1);
                assert!(r.nodes.len() > 100);
            },
            Box::new(|len| 2 * len),
        ),
        (
            // Nothing is kept after the first unknown word: only the count goes on.
            "decode_words: one-letter words",
            Box::new(|n| b"a ".repeat(n / 2)),
            |i| {
                drop(decode_words(
                    core::str::from_utf8(i).unwrap().split_whitespace(),
                    false,
                ))
            },
            Box::new(|_| 0),
        ),
        (
            // Each known word is at least 3 letters and a space (4 bytes) and costs a 2-byte
            // index in fixed chunks of 128 (never copied to grow), plus a pointer per chunk;
            // the output is 4 bytes per 3 words: about 0.85 bytes per input byte in all.
            "decode_words: three-letter list words",
            Box::new(|n| b"abb ".repeat(n / 12 * 3)),
            |i| {
                let out = decode_words(core::str::from_utf8(i).unwrap().split_whitespace(), false);
                assert_eq!(out.unwrap().len(), i.len() / 3);
            },
            Box::new(|len| len * 9 / 10),
        ),
        (
            // Each 1-byte packed varint becomes a u64 (8 bytes) in a vector grown by doubling.
            "Content::from_bytes: packed receipt timestamps",
            Box::new(|n| {
                [
                    &[0x2a][..],
                    &varint(n + 4),
                    &[0x12][..],
                    &varint(n),
                    &vec![0x01; n],
                ]
                .concat()
            }),
            |i| drop(session_protocol::envelope::Content::from_bytes(i)),
            Box::new(|len| 16 * len),
        ),
    ];
    for (what, make, decode, bound) in cases {
        let small = make(N);
        let large = make(2 * N);
        let (p_small, p_large) = (peak(|| decode(&small)), peak(|| decode(&large)));
        assert!(
            p_small <= bound(small.len()),
            "{what}: {p_small} bytes for {} input bytes",
            small.len()
        );
        assert!(
            p_large <= 2 * p_small + 4096,
            "{what}: {p_small} then {p_large} bytes: not linear in the input"
        );
    }
}

fn varint(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let b = u8::try_from(n & 0x7f).unwrap();
        n >>= 7;
        if n == 0 {
            out.push(b);
            return out;
        }
        out.push(b | 0x80);
    }
}
