//! Identity benches: Session ID from seed and blinding, each beside its primitive floor.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    missing_docs
)]

use core::hint::black_box;

use criterion::Criterion;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::Scalar;
use session_protocol::{Blinding, Identity, blind15_ids, blind25_id};

mod report;
use report::Floor;

const SEED: [u8; 32] = [0x42; 32];
const SERVER: [u8; 32] = [0x17; 32];

fn primitives(c: &mut Criterion) {
    let mut g = c.benchmark_group("primitives");
    let me = Identity::from_seed(&SEED);
    let vk = ed25519_dalek::SigningKey::from_bytes(&SEED).verifying_key();
    let point = CompressedEdwardsY(me.ed25519_public())
        .decompress()
        .unwrap();
    let scalar = Scalar::from_bytes_mod_order([9; 32]);
    g.bench_function("ed25519_keygen", |b| {
        b.iter(|| ed25519_dalek::SigningKey::from_bytes(black_box(&SEED)))
    });
    g.bench_function("ed25519_to_x25519", |b| {
        b.iter(|| black_box(&vk).to_montgomery())
    });
    g.bench_function("x25519_to_edwards", |b| {
        b.iter(|| MontgomeryPoint(black_box(me.x25519_public())).to_edwards(0))
    });
    g.bench_function("edwards_torsion_check", |b| {
        b.iter(|| black_box(&point).is_torsion_free())
    });
    g.bench_function("edwards_variable_base_mul", |b| {
        b.iter(|| black_box(&scalar) * black_box(&point))
    });
    g.bench_function("edwards_base_mul", |b| {
        b.iter(|| EdwardsPoint::mul_base(black_box(&scalar)))
    });
    g.bench_function("edwards_compress", |b| {
        b.iter(|| black_box(&point).compress())
    });
    g.bench_function("blake2b512_96B", |b| {
        use blake2::digest::Digest;
        b.iter(|| blake2::Blake2b512::digest(black_box([0u8; 96])))
    });
    let sk = ed25519_dalek::SigningKey::from_bytes(&SEED);
    g.bench_function("ed25519_sign_32B", |b| {
        use ed25519_dalek::Signer;
        b.iter(|| sk.sign(black_box(&[0u8; 32])))
    });
    g.finish();
}

fn identity(c: &mut Criterion) {
    let mut g = c.benchmark_group("identity");
    g.bench_function("session_id_from_seed", |b| {
        b.iter(|| Identity::from_seed(black_box(&SEED)).session_id())
    });
    let me = Identity::from_seed(&SEED);
    let sid = me.session_id();
    g.bench_function("blind25_id", |b| {
        b.iter(|| blind25_id(black_box(&sid), black_box(&SERVER)))
    });
    g.bench_function("blind15_ids", |b| {
        b.iter(|| blind15_ids(black_box(&sid), black_box(&SERVER)))
    });
    g.bench_function("blind25_keypair", |b| {
        b.iter(|| me.blinded_keypair(Blinding::Blind25, black_box(&SERVER)))
    });
    let kp = me.blinded_keypair(Blinding::Blind25, &SERVER).unwrap();
    g.bench_function("blind25_sign_32B", |b| {
        b.iter(|| kp.sign(black_box(&[0u8; 32])))
    });
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    primitives(&mut c);
    identity(&mut c);
    c.final_summary();
    report::print(&[
        Floor {
            op: "identity/session_id_from_seed",
            parts: &[
                ("primitives/ed25519_keygen", 1.0),
                ("primitives/ed25519_to_x25519", 1.0),
            ],
            goal: Some(1.15),
        },
        Floor {
            op: "identity/blind25_id",
            parts: &[
                ("primitives/blake2b512_96B", 1.0),
                ("primitives/x25519_to_edwards", 1.0),
                ("primitives/edwards_torsion_check", 1.0),
                ("primitives/edwards_variable_base_mul", 1.0),
                ("primitives/edwards_compress", 1.0),
            ],
            goal: Some(1.15),
        },
        Floor {
            op: "identity/blind25_keypair",
            parts: &[
                ("primitives/blake2b512_96B", 2.0),
                ("primitives/edwards_base_mul", 1.0),
                ("primitives/edwards_compress", 1.0),
            ],
            goal: Some(1.15),
        },
        Floor {
            op: "identity/blind25_sign_32B",
            parts: &[("primitives/ed25519_sign_32B", 1.0)],
            goal: Some(1.15),
        },
    ]);
}
