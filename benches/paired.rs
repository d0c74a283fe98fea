//! Each protocol operation against its primitive floor, timed in one process, interleaved
//! sample by sample (median of per-pair ratios: robust to a busy neighbour core), and the
//! node's first-hop throughput with `peel_batch` against one-by-one `peel`.
//!
//! `cargo bench --bench paired` (default build: AVX2) and
//! `RUSTFLAGS='--cfg curve25519_dalek_backend="avx512"' cargo bench --bench paired` (IFMA where
//! the CPU has it). `PAIRS=n` sets the pairs per operation (default 101). The comparison with
//! the libsodium C stand-in is `perf/compare.sh`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    missing_docs
)]

use core::hint::black_box;

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use ed25519_dalek::Signer;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::envelope::{
    RecipientKey, open_incoming, seal_for_recipient, seal_for_recipient_key,
};
use session_protocol::onion::{
    Destination, HopCipher, NodeKeys, NodeSecret, build_request, parse_entry, peel, peel_batch,
};
use session_protocol::{Identity, ed25519_to_x25519};

#[path = "paired/harness.rs"]
mod harness;
use harness::{fmt_ns, paired};

fn keypair(secret: [u8; 32]) -> MontgomeryPoint {
    EdwardsPoint::mul_base_clamped(black_box(secret)).to_montgomery()
}

fn dh(secret: [u8; 32], peer: [u8; 32]) -> MontgomeryPoint {
    MontgomeryPoint(black_box(peer))
        .to_edwards(0)
        .unwrap()
        .mul_clamped(black_box(secret))
        .to_montgomery()
}

fn row(op: &str, floor: &str, p: &harness::Pair) {
    println!(
        "{op:<42} {:>9}   {floor:<34} {:>9}   ratio {:.2} (IQR {:.2}-{:.2})",
        fmt_ns(p.a_ns),
        fmt_ns(p.b_ns),
        p.ratio,
        p.ratio_iqr.0,
        p.ratio_iqr.1
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` would pass nothing: run either way.
    let pairs = harness::pairs_from_env(101);
    println!("host: {}", harness::host());
    println!("{pairs} pairs per row; ratio = median of per-pair ratios (op / floor)\n");

    let ids: Vec<Identity> = (1..=4u8).map(|i| Identity::from_seed(&[i; 32])).collect();
    let keys: Vec<NodeKeys> = ids.iter().map(NodeKeys::from_identity).collect();
    let dest = Destination::Node(keys[3]);
    let peer = ids[0].x25519_public().to_bytes();
    let payload = [b'x'; 100];
    let mut rng = ChaCha20Rng::from_seed([1; 32]);

    // Onion build: 3 hops + node, 100 B, against 4 x (key pair + DH) done one by one.
    let p = paired(
        pairs,
        &mut || {
            black_box(
                build_request(&keys[..3], &dest, &payload, HopCipher::XChaCha20, &mut rng).unwrap(),
            );
        },
        &mut || {
            for i in 0..4u8 {
                black_box(keypair([i; 32]));
                black_box(dh([i; 32], peer));
            }
        },
    );
    row(
        "onion build, 3 hops + node, 100 B",
        "4 x (key pair + DH)",
        &p,
    );

    // First-hop peel against one DH.
    let guard = NodeSecret::from_identity(&ids[0]);
    let packet = build_request(&keys[..3], &dest, &payload, HopCipher::XChaCha20, &mut rng)
        .unwrap()
        .packet;
    let mut buf = packet.clone();
    let p = paired(
        pairs,
        &mut || {
            buf.copy_from_slice(&packet);
            let layer = parse_entry(&mut buf).unwrap();
            black_box(peel(&guard, layer).unwrap());
        },
        &mut || {
            black_box(dh([5; 32], peer));
        },
    );
    row("first-hop peel, 100 B", "1 DH", &p);

    // Envelopes: sealing against sign + key pair + DH; opening against DH + verify.
    let (alice, bob) = (&ids[0], &ids[1]);
    let sk = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let vk = sk.verifying_key();
    let signed = [b'm'; 164];
    let sig = sk.sign(&signed);
    let bob_id = bob.session_id();
    let to_bob = RecipientKey::new(&bob_id).unwrap();
    let bob_x = bob.x25519_public().to_bytes();
    let mut sign_kp_dh = || {
        black_box(sk.sign(black_box(&signed)));
        black_box(keypair([3; 32]));
        black_box(dh([3; 32], bob_x));
    };
    let p = paired(
        pairs,
        &mut || {
            black_box(seal_for_recipient(alice, &bob_id, &payload, &mut rng).unwrap());
        },
        &mut sign_kp_dh,
    );
    row("seal_for_recipient, 100 B", "sign + key pair + DH", &p);
    let p = paired(
        pairs,
        &mut || {
            black_box(seal_for_recipient_key(alice, &to_bob, &payload, &mut rng).unwrap());
        },
        &mut sign_kp_dh,
    );
    row("seal_for_recipient_key, 100 B", "sign + key pair + DH", &p);
    let ct = seal_for_recipient(alice, &bob_id, &payload, &mut rng).unwrap();
    let mut dh_verify = || {
        black_box(dh([3; 32], bob_x));
        vk.verify_strict(black_box(&signed), black_box(&sig))
            .unwrap();
    };
    let p = paired(
        pairs,
        &mut || {
            black_box(open_incoming(bob, &ct).unwrap());
        },
        &mut dh_verify,
    );
    row("open_incoming, 100 B", "DH + verify_strict", &p);
    let a = alice.ed25519_public();
    let p = paired(
        pairs,
        &mut || {
            black_box(open_incoming(bob, &ct).unwrap().sender().unwrap());
        },
        &mut || {
            dh_verify();
            black_box(ed25519_to_x25519(black_box(&a)).unwrap());
        },
    );
    row(
        "open_incoming + sender(), 100 B",
        "DH + verify_strict + conversion",
        &p,
    );

    // Node throughput: 32 first-hop requests peeled as one batch against one by one.
    const BATCH: usize = 32;
    let packets: Vec<Vec<u8>> = (0..BATCH)
        .map(|_| {
            build_request(&keys[..3], &dest, &payload, HopCipher::XChaCha20, &mut rng)
                .unwrap()
                .packet
        })
        .collect();
    let mut bufs = packets.clone();
    let mut bufs2 = packets.clone();
    let p = paired(
        pairs,
        &mut || {
            for (b, p) in bufs.iter_mut().zip(&packets) {
                b.copy_from_slice(p);
            }
            let layers: Vec<_> = bufs.iter_mut().map(|b| parse_entry(b).unwrap()).collect();
            let out = peel_batch(&guard, layers);
            assert!(out.iter().all(Result::is_ok));
            black_box(out);
        },
        &mut || {
            for (b, p) in bufs2.iter_mut().zip(&packets) {
                b.copy_from_slice(p);
                black_box(peel(&guard, parse_entry(b).unwrap()).unwrap());
            }
        },
    );
    row("peel_batch of 32 first hops, 100 B", "32 x peel", &p);
    println!(
        "node throughput, one core: {:.0} requests/s with peel_batch (32), {:.0} requests/s one by one",
        BATCH as f64 / (p.a_ns / 1e9),
        BATCH as f64 / (p.b_ns / 1e9)
    );
}
