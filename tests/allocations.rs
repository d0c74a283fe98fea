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
