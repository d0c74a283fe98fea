//! The crate against the libsodium C stand-in (`c/standin.c`), each pair of operations timed
//! in one process, interleaved sample by sample; ratio = crate / C, the median of per-pair
//! ratios. Also the floors: the crate's X25519 key pair and DH against libsodium's. Run by
//! `perf/compare.sh`; `PAIRS=n` sets the pairs per row (default 101).
#![allow(unsafe_code, clippy::unwrap_used, missing_docs)]

use core::hint::black_box;

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::envelope::{
    RecipientKey, open_incoming, seal_for_recipient, seal_for_recipient_key,
};
use session_protocol::onion::{
    Destination, HopCipher, NodeKeys, NodeSecret, build_request, parse_entry, peel,
};

#[path = "../../../benches/paired/harness.rs"]
mod harness;
use harness::{fmt_ns, paired};

unsafe extern "C" {
    fn standin_init() -> i32;
    fn standin_identity(
        seed: *const u8,
        ed_pk: *mut u8,
        ed_sk: *mut u8,
        x_sk: *mut u8,
        x_pk: *mut u8,
    );
    fn standin_onion_build(
        path_x: *const [u8; 32],
        path_ed: *const [u8; 32],
        hops: usize,
        dest_x: *const u8,
        dest_ed: *const u8,
        payload: *const u8,
        len: usize,
        scratch: *mut u8,
        out: *mut u8,
    ) -> isize;
    fn standin_onion_peel(
        node_sk: *const u8,
        node_pk: *const u8,
        packet: *mut u8,
        len: usize,
        blob: *mut *mut u8,
        tag: *mut u8,
    ) -> isize;
    fn standin_encrypt_for_recipient(
        ed_sk: *const u8,
        y: *const u8,
        msg: *const u8,
        len: usize,
        scratch: *mut u8,
        out: *mut u8,
    ) -> i32;
    fn standin_decrypt_incoming(
        x_sk: *const u8,
        x_pk: *const u8,
        ct: *const u8,
        len: usize,
        scratch: *mut u8,
        sender_ed: *mut u8,
        sender_x: *mut u8,
        want_id: i32,
    ) -> isize;
    fn standin_keypair(pk: *mut u8, sk: *const u8);
    fn standin_dh(out: *mut u8, sk: *const u8, pk: *const u8) -> i32;
}

struct CKeys {
    ed_pk: [u8; 32],
    ed_sk: [u8; 64],
    x_sk: [u8; 32],
    x_pk: [u8; 32],
}

fn c_keys(seed: [u8; 32]) -> CKeys {
    let mut k = CKeys {
        ed_pk: [0; 32],
        ed_sk: [0; 64],
        x_sk: [0; 32],
        x_pk: [0; 32],
    };
    // SAFETY: every pointer is to a buffer of the size the C function writes.
    unsafe {
        standin_identity(
            seed.as_ptr(),
            k.ed_pk.as_mut_ptr(),
            k.ed_sk.as_mut_ptr(),
            k.x_sk.as_mut_ptr(),
            k.x_pk.as_mut_ptr(),
        );
    }
    k
}

fn row(op: &str, p: &harness::Pair) {
    println!(
        "| {op:<40} | {:>9} | {:>9} | {:.2} ({:.2}-{:.2}) |",
        fmt_ns(p.a_ns),
        fmt_ns(p.b_ns),
        p.ratio,
        p.ratio_iqr.0,
        p.ratio_iqr.1
    );
}

fn main() {
    // SAFETY: plain library initialisation.
    assert_eq!(unsafe { standin_init() }, 0);
    let pairs = harness::pairs_from_env(101);
    println!("host: {}", harness::host());
    println!(
        "{pairs} pairs per row; ratio = crate / C stand-in, median of per-pair ratios (IQR)\n"
    );
    println!("| operation | crate | libsodium C | ratio |");
    println!("|---|---|---|---|");

    let ids: Vec<Identity> = (1..=4u8).map(|i| Identity::from_seed(&[i; 32])).collect();
    let ck: Vec<CKeys> = (1..=4u8).map(|i| c_keys([i; 32])).collect();
    for (id, c) in ids.iter().zip(&ck) {
        assert_eq!(id.ed25519_public().to_bytes(), c.ed_pk);
        assert_eq!(id.x25519_public().to_bytes(), c.x_pk);
    }
    let keys: Vec<NodeKeys> = ids.iter().map(NodeKeys::from_identity).collect();
    let dest = Destination::Node(keys[3]);
    let payload = [b'x'; 100];
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    let path_x: Vec<[u8; 32]> = ck[..3].iter().map(|c| c.x_pk).collect();
    let path_ed: Vec<[u8; 32]> = ck[..3].iter().map(|c| c.ed_pk).collect();
    let mut scratch = vec![0u8; 4096];
    let mut out = vec![0u8; 4096];

    // Onion build, 3 hops + node, 100 B.
    let c_build = |scratch: &mut [u8], out: &mut [u8]| {
        // SAFETY: 3 path keys, 32-byte keys, 4 KiB buffers (the packet is under 1 KiB).
        let n = unsafe {
            standin_onion_build(
                path_x.as_ptr(),
                path_ed.as_ptr(),
                3,
                ck[3].x_pk.as_ptr(),
                ck[3].ed_pk.as_ptr(),
                payload.as_ptr(),
                payload.len(),
                scratch.as_mut_ptr(),
                out.as_mut_ptr(),
            )
        };
        assert!(n > 0);
        n as usize
    };
    let c_len = c_build(&mut scratch, &mut out);
    let rust_len = build_request(&keys[..3], &dest, &payload, HopCipher::XChaCha20, &mut rng)
        .unwrap()
        .packet
        .len();
    println!("<!-- packet sizes: crate {rust_len} B, C stand-in {c_len} B -->");
    let p = paired(
        pairs,
        &mut || {
            black_box(
                build_request(&keys[..3], &dest, &payload, HopCipher::XChaCha20, &mut rng).unwrap(),
            );
        },
        &mut || {
            black_box(c_build(&mut scratch, &mut out));
        },
    );
    row("onion build, 3 hops + node, 100 B", &p);

    // First-hop peel, 100 B: each side peels its own packet (the C one built by the C code).
    let guard = NodeSecret::from_identity(&ids[0]);
    let packet = build_request(&keys[..3], &dest, &payload, HopCipher::XChaCha20, &mut rng)
        .unwrap()
        .packet;
    let mut buf = packet.clone();
    let c_len = c_build(&mut scratch, &mut out);
    let c_packet = out[..c_len].to_vec();
    let mut c_buf = c_packet.clone();
    let mut tag = [0u8; 32];
    let p = paired(
        pairs,
        &mut || {
            buf.copy_from_slice(&packet);
            black_box(peel(&guard, parse_entry(&mut buf).unwrap()).unwrap());
        },
        &mut || {
            c_buf.copy_from_slice(&c_packet);
            let mut blob = core::ptr::null_mut();
            // SAFETY: the buffer is `c_buf.len()` bytes; keys and tag are 32 bytes.
            let n = unsafe {
                standin_onion_peel(
                    ck[0].x_sk.as_ptr(),
                    ck[0].x_pk.as_ptr(),
                    c_buf.as_mut_ptr(),
                    c_buf.len(),
                    &mut blob,
                    tag.as_mut_ptr(),
                )
            };
            assert!(n > 0);
            black_box(blob);
        },
    );
    row("first-hop peel, 100 B", &p);

    // encrypt_for_recipient, 100 B.
    let (alice, bob) = (&ids[0], &ids[1]);
    let bob_id = bob.session_id();
    let to_bob = RecipientKey::new(&bob_id).unwrap();
    let c_seal = |scratch: &mut [u8], out: &mut [u8]| {
        // SAFETY: 64-byte secret key, 32-byte key, buffers larger than 100 + 144 bytes.
        let r = unsafe {
            standin_encrypt_for_recipient(
                ck[0].ed_sk.as_ptr(),
                ck[1].x_pk.as_ptr(),
                payload.as_ptr(),
                payload.len(),
                scratch.as_mut_ptr(),
                out.as_mut_ptr(),
            )
        };
        assert_eq!(r, 0);
    };
    // The C box opens with the crate and the other way round.
    c_seal(&mut scratch, &mut out);
    let c_ct = out[..payload.len() + 144].to_vec();
    assert_eq!(
        open_incoming(bob, &c_ct).unwrap().sender().unwrap(),
        alice.session_id()
    );
    let p = paired(
        pairs,
        &mut || {
            black_box(seal_for_recipient(alice, &bob_id, &payload, &mut rng).unwrap());
        },
        &mut || c_seal(&mut scratch, &mut out),
    );
    row("encrypt_for_recipient (SessionId), 100 B", &p);
    let p = paired(
        pairs,
        &mut || {
            black_box(seal_for_recipient_key(alice, &to_bob, &payload, &mut rng).unwrap());
        },
        &mut || c_seal(&mut scratch, &mut out),
    );
    row("encrypt_for_recipient (RecipientKey), 100 B", &p);

    // decrypt_incoming, 100 B: the crate's open (sender id on demand) against libsodium's open
    // and verify; then both deriving the sender's id.
    let ct = seal_for_recipient(alice, &bob_id, &payload, &mut rng).unwrap();
    let mut sender_ed = [0u8; 32];
    let mut sender_x = [0u8; 32];
    let mut c_open = |want: i32, scratch: &mut [u8]| {
        // SAFETY: the ciphertext is `ct.len()` bytes, scratch is larger, keys are 32 bytes.
        let n = unsafe {
            standin_decrypt_incoming(
                ck[1].x_sk.as_ptr(),
                ck[1].x_pk.as_ptr(),
                ct.as_ptr(),
                ct.len(),
                scratch.as_mut_ptr(),
                sender_ed.as_mut_ptr(),
                sender_x.as_mut_ptr(),
                want,
            )
        };
        assert_eq!(n, 100);
    };
    let p = paired(
        pairs,
        &mut || {
            black_box(open_incoming(bob, &ct).unwrap());
        },
        &mut || c_open(0, &mut scratch),
    );
    row("decrypt_incoming, 100 B", &p);
    let p = paired(
        pairs,
        &mut || {
            black_box(open_incoming(bob, &ct).unwrap().sender().unwrap());
        },
        &mut || c_open(1, &mut scratch),
    );
    row("decrypt_incoming + Session ID, 100 B", &p);

    // Floors: X25519 key pair and DH, crate path (Edwards, vectorised) against libsodium.
    let peer = ck[0].x_pk;
    let mut o = [0u8; 32];
    let p = paired(
        pairs,
        &mut || {
            black_box(EdwardsPoint::mul_base_clamped(black_box([3u8; 32])).to_montgomery());
        },
        &mut || {
            // SAFETY: 32-byte buffers.
            unsafe { standin_keypair(o.as_mut_ptr(), [3u8; 32].as_ptr()) };
            black_box(o);
        },
    );
    row("floor: X25519 key pair", &p);
    let p = paired(
        pairs,
        &mut || {
            black_box(
                MontgomeryPoint(black_box(peer))
                    .to_edwards(0)
                    .unwrap()
                    .mul_clamped(black_box([3u8; 32]))
                    .to_montgomery(),
            );
        },
        &mut || {
            // SAFETY: 32-byte buffers.
            assert_eq!(
                unsafe { standin_dh(o.as_mut_ptr(), [3u8; 32].as_ptr(), peer.as_ptr()) },
                0
            );
            black_box(o);
        },
    );
    row("floor: X25519 DH", &p);
}
