//! Envelope benches: seal_for_recipient and open_incoming (100 B) beside their primitive
//! floors, and the full seal_1o1 / open_1o1.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use core::hint::black_box;

use criterion::Criterion;
use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use ed25519_dalek::Signer;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use session_protocol::envelope::{
    ProSignature, open_1o1, open_incoming, seal_1o1, seal_for_recipient,
};
use session_protocol::{Identity, ed25519_to_x25519};

mod report;
use report::Floor;

fn benches(c: &mut Criterion) {
    let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    let msg = [b'm'; 100];
    let signed = [b'm'; 164]; // M || A || Y
    let sk = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let vk = sk.verifying_key();
    let sig = sk.sign(&signed);
    let peer = bob.x25519_public();

    let mut g = c.benchmark_group("primitives");
    g.bench_function("ed25519_sign_164B", |b| {
        b.iter(|| sk.sign(black_box(&signed)))
    });
    g.bench_function("ed25519_verify_strict_164B", |b| {
        b.iter(|| {
            vk.verify_strict(black_box(&signed), black_box(&sig))
                .unwrap()
        })
    });
    g.bench_function("x25519_keypair", |b| {
        b.iter(|| EdwardsPoint::mul_base_clamped(black_box([3u8; 32])).to_montgomery())
    });
    g.bench_function("x25519_dh", |b| {
        b.iter(|| {
            MontgomeryPoint(black_box(peer.to_bytes()))
                .to_edwards(0)
                .unwrap()
                .mul_clamped(black_box([3u8; 32]))
                .to_montgomery()
        })
    });
    g.bench_function("ed25519_to_x25519", |b| {
        b.iter(|| ed25519_to_x25519(black_box(&alice.ed25519_public())).unwrap())
    });
    g.finish();

    let mut g = c.benchmark_group("envelope");
    let mut rng = ChaCha20Rng::from_seed([1; 32]);
    g.bench_function("seal_for_recipient/100B", |b| {
        b.iter(|| seal_for_recipient(&alice, &bob.session_id(), black_box(&msg), &mut rng).unwrap())
    });
    let ct = seal_for_recipient(&alice, &bob.session_id(), &msg, &mut rng).unwrap();
    g.bench_function("open_incoming/100B", |b| {
        b.iter(|| open_incoming(&bob, black_box(&ct)).unwrap())
    });
    g.bench_function("seal_1o1/100B", |b| {
        b.iter(|| {
            seal_1o1(
                &alice,
                &bob.session_id(),
                black_box(&msg),
                1,
                ProSignature::Omit,
                &mut rng,
            )
            .unwrap()
        })
    });
    let stored = seal_1o1(
        &alice,
        &bob.session_id(),
        &msg,
        1,
        ProSignature::Omit,
        &mut rng,
    )
    .unwrap();
    g.bench_function("open_1o1/100B", |b| {
        b.iter(|| open_1o1(&bob, black_box(&stored)).unwrap())
    });
    g.finish();
}

fn main() {
    report::start();
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
    report::print(&[
        Floor {
            op: "envelope/seal_for_recipient/100B",
            parts: &[
                ("primitives/ed25519_sign_164B", 1.0),
                ("primitives/x25519_keypair", 1.0),
                ("primitives/x25519_dh", 1.0),
            ],
            goal: Some(1.15),
        },
        Floor {
            op: "envelope/open_incoming/100B",
            parts: &[
                ("primitives/x25519_dh", 1.0),
                ("primitives/ed25519_verify_strict_164B", 1.0),
                ("primitives/ed25519_to_x25519", 1.0),
            ],
            goal: Some(1.15),
        },
    ]);
}
