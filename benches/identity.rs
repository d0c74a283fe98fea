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
use curve25519_dalek::traits::IsIdentity;
use session_protocol::{Blinding, Identity, blind15_ids, blind25_id};

mod report;
use report::Floor;

const SEED: [u8; 32] = [0x42; 32];
const SERVER: [u8; 32] = [0x17; 32];

fn primitives(c: &mut Criterion) {
    let mut g = c.benchmark_group("primitives");
    let me = Identity::from_seed(&SEED);
    let vk = ed25519_dalek::SigningKey::from_bytes(&SEED).verifying_key();
    let point = CompressedEdwardsY(me.ed25519_public().to_bytes())
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
        b.iter(|| MontgomeryPoint(black_box(me.x25519_public().to_bytes())).to_edwards(0))
    });
    // The crate's subgroup check (crypto::in_prime_order_subgroup): small-order test, then
    // `(L-1)·P + P = O` by the variable-time double-base method. Not the constant-time
    // `is_torsion_free`, which costs about twice as much.
    g.bench_function("edwards_subgroup_check_vartime", |b| {
        b.iter(|| {
            let p = black_box(&point);
            !p.is_small_order()
                && (EdwardsPoint::vartime_double_scalar_mul_basepoint(
                    &-Scalar::ONE,
                    p,
                    &Scalar::ZERO,
                ) + p)
                    .is_identity()
        })
    });
    g.bench_function("scalar_reduce_64B", |b| {
        b.iter(|| Scalar::from_bytes_mod_order_wide(black_box(&[7u8; 64])))
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
    // The blinding factors: k15 = H(server) over 32 bytes, k25 = H(05 || X25519 || server)
    // over 65 bytes (one BLAKE2b block each).
    g.bench_function("blake2b512_32B", |b| {
        use blake2::digest::Digest;
        b.iter(|| blake2::Blake2b512::digest(black_box([0u8; 32])))
    });
    g.bench_function("blake2b512_65B", |b| {
        use blake2::digest::Digest;
        b.iter(|| blake2::Blake2b512::digest(black_box([0u8; 65])))
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
    report::start();
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
        // Both ids: the X25519 -> Ed25519 map and its subgroup check, the blinding factor (hash
        // and reduction), one variable-base multiplication and the compression.
        Floor {
            op: "identity/blind25_id",
            parts: &[
                ("primitives/blake2b512_65B", 1.0),
                ("primitives/scalar_reduce_64B", 1.0),
                ("primitives/x25519_to_edwards", 1.0),
                ("primitives/edwards_subgroup_check_vartime", 1.0),
                ("primitives/edwards_variable_base_mul", 1.0),
                ("primitives/edwards_compress", 1.0),
            ],
            goal: Some(1.15),
        },
        // The second candidate only flips a bit of the first.
        Floor {
            op: "identity/blind15_ids",
            parts: &[
                ("primitives/blake2b512_32B", 1.0),
                ("primitives/scalar_reduce_64B", 1.0),
                ("primitives/x25519_to_edwards", 1.0),
                ("primitives/edwards_subgroup_check_vartime", 1.0),
                ("primitives/edwards_variable_base_mul", 1.0),
                ("primitives/edwards_compress", 1.0),
            ],
            goal: Some(1.15),
        },
        Floor {
            op: "identity/blind25_keypair",
            parts: &[
                // k25 (one block over 65 bytes) and the keyed nonce-key hash of the seed (a key
                // block plus a data block): three BLAKE2b compressions.
                ("primitives/blake2b512_65B", 3.0),
                ("primitives/scalar_reduce_64B", 1.0),
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
