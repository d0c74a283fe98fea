//! Onion benches: building (3 hops + node destination), first-hop peel, and their primitive
//! floors (X25519 key pair and DH on the fast Edwards path and on the Montgomery ladder).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use core::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput};
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::Identity;
use session_protocol::onion::{
    Destination, HopCipher, NodeKeys, NodeSecret, build_request, parse_entry, peel,
};

mod report;
use report::Floor;

fn primitives(c: &mut Criterion) {
    let mut g = c.benchmark_group("x25519");
    let secret = [0x42u8; 32];
    let peer = Identity::from_seed(&[9; 32]).x25519_public().to_bytes();
    g.bench_function("keypair_edwards_table", |b| {
        b.iter(|| EdwardsPoint::mul_base_clamped(black_box(secret)).to_montgomery())
    });
    g.bench_function("dh_edwards", |b| {
        b.iter(|| {
            let p = MontgomeryPoint(black_box(peer)).to_edwards(0).unwrap();
            p.mul_clamped(black_box(secret)).to_montgomery()
        })
    });
    g.bench_function("dh_ladder", |b| {
        b.iter(|| MontgomeryPoint(black_box(peer)).mul_clamped(black_box(secret)))
    });
    g.finish();

    // The symmetric part of each layer, straight from the AEAD crates.
    use chacha20poly1305::aead::{AeadInOut, KeyInit};
    let mut g = c.benchmark_group("aead");
    for (name, size) in [("100B", 100usize), ("10KiB", 10 * 1024)] {
        let mut buf = vec![0u8; size];
        let x = chacha20poly1305::XChaCha20Poly1305::new(&[7u8; 32].into());
        g.bench_function(format!("xchacha20/{name}"), |b| {
            b.iter(|| {
                x.encrypt_inout_detached(&[1u8; 24].into(), &[], buf.as_mut_slice().into())
                    .unwrap()
            })
        });
        let a = aes_gcm::Aes256Gcm::new(&[7u8; 32].into());
        g.bench_function(format!("aes-gcm/{name}"), |b| {
            b.iter(|| {
                a.encrypt_inout_detached(&[1u8; 12].into(), &[], buf.as_mut_slice().into())
                    .unwrap()
            })
        });
    }
    g.finish();
}

fn onion(c: &mut Criterion) {
    let ids: Vec<Identity> = (1..=4u8).map(|i| Identity::from_seed(&[i; 32])).collect();
    let keys: Vec<NodeKeys> = ids.iter().map(NodeKeys::from_identity).collect();
    let dest = Destination::Node(keys[3]);
    let mut g = c.benchmark_group("onion");
    for (name, size) in [("100B", 100usize), ("10KiB", 10 * 1024)] {
        let payload = vec![b'x'; size];
        for cipher in [HopCipher::XChaCha20, HopCipher::Aes256Gcm] {
            let mut rng = ChaCha20Rng::from_seed([1; 32]);
            g.throughput(Throughput::Bytes(size as u64));
            g.bench_function(format!("build/3hops/{}/{name}", cipher.wire_name()), |b| {
                b.iter(|| {
                    build_request(&keys[..3], &dest, black_box(&payload), cipher, &mut rng).unwrap()
                })
            });
            let guard = NodeSecret::from_identity(&ids[0]);
            let packet = build_request(&keys[..3], &dest, &payload, cipher, &mut rng)
                .unwrap()
                .packet;
            g.bench_function(
                format!("peel/first_hop/{}/{name}", cipher.wire_name()),
                |b| {
                    b.iter_batched_ref(
                        || packet.clone(),
                        |p| {
                            let layer = parse_entry(p).unwrap();
                            let _ = black_box(peel(&guard, layer).unwrap());
                        },
                        BatchSize::SmallInput,
                    )
                },
            );
        }
    }
    g.finish();
}

fn main() {
    report::start();
    let mut c = Criterion::default().configure_from_args();
    primitives(&mut c);
    onion(&mut c);
    c.final_summary();
    // Two floors per operation: the X25519 work alone (the stated target), and the sum of all
    // its primitives including the AEAD over the payload (one pass per layer).
    fn leak<T>(x: T) -> &'static T {
        Box::leak(Box::new(x))
    }
    let kp = ("x25519/keypair_edwards_table", 4.0);
    let dh = "x25519/dh_edwards";
    let mut floors = Vec::new();
    for cipher in ["xchacha20", "aes-gcm"] {
        for size in ["100B", "10KiB"] {
            let aead: &'static str = leak(format!("aead/{cipher}/{size}")).as_str();
            let build: &'static str = leak(format!("onion/build/3hops/{cipher}/{size}")).as_str();
            let peel: &'static str = leak(format!("onion/peel/first_hop/{cipher}/{size}")).as_str();
            floors.push(Floor {
                op: build,
                parts: leak([kp, (dh, 4.0)]),
                goal: Some(1.15),
            });
            floors.push(Floor {
                op: build,
                parts: leak([kp, (dh, 4.0), (aead, 4.0)]),
                goal: Some(1.15),
            });
            floors.push(Floor {
                op: peel,
                parts: leak([(dh, 1.0)]),
                goal: Some(1.15),
            });
            floors.push(Floor {
                op: peel,
                parts: leak([(dh, 1.0), (aead, 1.0)]),
                goal: Some(1.15),
            });
        }
    }
    floors.push(Floor {
        op: dh,
        parts: &[("x25519/dh_ladder", 1.0)],
        goal: None,
    });
    report::print(&floors);
}
