//! Allocation counts on the hot paths, with a counting global allocator. One test only, so no
//! other test thread allocates while it counts.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, missing_docs)]
#![allow(unsafe_code)] // a GlobalAlloc wrapper needs `unsafe impl`; the library stays forbid(unsafe_code)

use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicUsize, Ordering};
use std::alloc::System;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::onion::{
    Destination, Hop, HopCipher, NodeKeys, NodeSecret, build_request, decode_relay, parse_entry,
    peel,
};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call unchanged to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        BYTES.fetch_add(layout.size(), Ordering::SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::SeqCst);
        BYTES.fetch_add(new_size, Ordering::SeqCst);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn counted<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let (a0, b0) = (
        ALLOCATIONS.load(Ordering::SeqCst),
        BYTES.load(Ordering::SeqCst),
    );
    let out = f();
    (
        out,
        ALLOCATIONS.load(Ordering::SeqCst) - a0,
        BYTES.load(Ordering::SeqCst) - b0,
    )
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

/// A group member's message whose zstd frame declares an 8 MiB window is refused from the
/// frame header: nothing near the window is allocated (the decoder would buffer a whole window
/// before yielding a byte, so the 1 MB plaintext cap alone would come too late).
#[test]
fn group_zstd_window_above_the_plaintext_limit_is_refused_before_allocating_it() {
    use chacha20poly1305::aead::{AeadInOut, KeyInit};
    use session_protocol::envelope::{GroupError, decrypt_group_message};

    // The counters are process-wide and the other test here asserts exact counts: first wait
    // until nothing has allocated for a while (that test is done), so neither sees the other.
    let mut quiet = 0;
    for _ in 0..600 {
        let before = ALLOCATIONS.load(Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(100));
        quiet = if ALLOCATIONS.load(Ordering::SeqCst) == before {
            quiet + 1
        } else {
            0
        };
        if quiet == 5 {
            break;
        }
    }

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
        &bencode(&sender.ed25519_public()),
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

    let (result, n, bytes) =
        counted(|| decrypt_group_message(&[group_key], &group_pk, &wire).map(|m| m.key_index));
    assert_eq!(result, Err(GroupError::TooLarge));
    assert!(
        bytes <= 4 * wire.len() + 64 * 1024,
        "{n} allocations, {bytes} bytes for a {}-byte message",
        wire.len()
    );
}
