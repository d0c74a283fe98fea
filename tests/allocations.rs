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
        assert_eq!(
            n, 1,
            "decoding a relay message allocates only its dictionary index"
        );
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
            "decode_envelope",
            Box::new(|i: &[u8]| drop(session_protocol::envelope::decode_envelope(&bob, i))),
        ),
        (
            "decode_swarm_response",
            Box::new(|i: &[u8]| drop(session_protocol::swarm::decode_swarm_response(i))),
        ),
        (
            "decrypt_incoming",
            Box::new(|i: &[u8]| drop(session_protocol::envelope::decrypt_incoming(&bob, i))),
        ),
        (
            "decrypt_group_message",
            Box::new(|i: &[u8]| {
                drop(session_protocol::envelope::decrypt_group_message(
                    &[[1; 32]],
                    &[2; 32],
                    i,
                ))
            }),
        ),
        (
            "decrypt_blinded_dm",
            Box::new(|i: &[u8]| {
                drop(session_protocol::envelope::decrypt_blinded_dm(
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
            "decode_envelope: WebSocketMessage.request length near u32::MAX",
            padded(&[&[0x08, 0x01, 0x12][..], &varint_max].concat(), 0, N),
            Box::new(|i: &[u8]| drop(session_protocol::envelope::decode_envelope(&bob, i))),
        ),
        (
            "decode_envelope: request.body length near u32::MAX",
            padded(
                &[&[0x08, 0x01, 0x12, 0x7f, 0x1a][..], &varint_max].concat(),
                0,
                N,
            ),
            Box::new(|i: &[u8]| drop(session_protocol::envelope::decode_envelope(&bob, i))),
        ),
        (
            "decode_envelope: ten-byte length varint",
            padded(
                &[
                    0x08, 0x01, 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                ],
                0,
                N,
            ),
            Box::new(|i: &[u8]| drop(session_protocol::envelope::decode_envelope(&bob, i))),
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
        } else if what.contains("nesting") {
            // serde_json skips nested JSON with an explicit stack of one byte per level, grown
            // by doubling: up to twice the nesting depth, itself at most the input length.
            2 * input.len() + 1024
        } else {
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
    const N: usize = 32 * 1024;
    type Case = (&'static str, fn(usize) -> Vec<u8>, fn(&[u8]), usize);
    let cases: [Case; 4] = [
        (
            // Each 3-byte `{}` costs a RawValue (16 bytes), a skipped-entry record and a slot of
            // the node vector, reserved for every entry (ServiceNode is 104 bytes).
            "decode_service_nodes: {} entries",
            |n| {
                [
                    &br#"{"service_node_states":["#[..],
                    &b"{},".repeat(n / 3),
                    b"{}]}",
                ]
                .concat()
            },
            |i| drop(session_protocol::swarm::decode_service_nodes(i)),
            64,
        ),
        (
            // As above for 2-byte entries.
            "decode_swarm_response: 0 entries",
            |n| {
                [
                    &br#"{"swarm":"1","snodes":["#[..],
                    &b"0,".repeat(n / 2),
                    b"0]}",
                ]
                .concat()
            },
            |i| drop(session_protocol::swarm::decode_swarm_response(i)),
            96,
        ),
        (
            // Each 2-byte word costs a &str (16 bytes) in a vector grown by doubling.
            "decode_words: one-letter words",
            |n| b"a ".repeat(n / 2),
            |i| {
                drop(decode_words(
                    core::str::from_utf8(i).unwrap().split_whitespace(),
                    false,
                ))
            },
            16,
        ),
        (
            // Each 1-byte packed varint becomes a u64 (8 bytes) in a vector grown by doubling.
            "Content::from_bytes: packed receipt timestamps",
            |n| {
                [
                    &[0x2a][..],
                    &varint(n + 4),
                    &[0x12][..],
                    &varint(n),
                    &vec![0x01; n],
                ]
                .concat()
            },
            |i| drop(session_protocol::envelope::Content::from_bytes(i)),
            16,
        ),
    ];
    for (what, make, decode, per_byte) in cases {
        let small = make(N);
        let large = make(2 * N);
        let (p_small, p_large) = (peak(|| decode(&small)), peak(|| decode(&large)));
        assert!(
            p_small <= per_byte * small.len(),
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
