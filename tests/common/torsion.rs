//! Ed25519 keys that are bad in specific ways (torsioned, non-canonical), with signatures
//! made by hand, shared by the envelope and group tests.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::edwards::CompressedEdwardsY;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};

fn wide(parts: &[&[u8]]) -> Scalar {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    let out: [u8; 64] = h.finalize().into();
    Scalar::from_bytes_mod_order_wide(&out)
}

/// A secret scalar and its public key with an order-2 component added: `a·B + T`.
pub(crate) fn mixed_order_key(seed: u8) -> (Scalar, [u8; 32]) {
    let a = wide(&[&[seed]]);
    let pk = (ED25519_BASEPOINT_POINT * a + EIGHT_TORSION[4])
        .compress()
        .to_bytes();
    (a, pk)
}

/// An Ed25519 signature by `a` under the (torsioned) key `pk` that verifies cofactorless:
/// nonces are tried until the challenge is even, so it kills the order-2 component.
pub(crate) fn sign(a: &Scalar, pk: &[u8; 32], msg: &[u8]) -> [u8; 64] {
    for i in 0u32.. {
        let r = wide(&[&i.to_le_bytes(), msg]);
        let big_r = (ED25519_BASEPOINT_POINT * r).compress().to_bytes();
        let k = wide(&[&big_r, pk, msg]);
        if k.as_bytes()[0] & 1 == 0 {
            let s = r + k * a;
            let mut sig = [0u8; 64];
            sig[..32].copy_from_slice(&big_r);
            sig[32..].copy_from_slice(s.as_bytes());
            return sig;
        }
    }
    unreachable!()
}

/// A non-canonical encoding (`y + p`) of a point that is not of small order.
pub(crate) fn non_canonical_key() -> [u8; 32] {
    (2u8..=18)
        .map(|y| {
            let mut enc = [0xff; 32];
            enc[0] = 0xed + y;
            enc[31] = 0x7f;
            enc
        })
        .find(|enc| {
            CompressedEdwardsY(*enc)
                .decompress()
                .is_some_and(|p| !p.is_small_order())
        })
        .unwrap()
}
