//! Private primitives: hashes as libsodium names them, scalar reduction, and the Ed25519 <->
//! X25519 maps with libsodium's rejection rules.
//!
//! Nothing here parses; every function takes fixed-size arrays.

use blake2::digest::{Digest, KeyInit, Mac};
use blake2::{Blake2b512, Blake2bMac};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::{Scalar, clamp_integer};
use curve25519_dalek::traits::IsIdentity;
use sha2::Sha512;
use zeroize::Zeroizing;

use blake2::digest::consts::{U32, U64};

pub(crate) mod aead;
mod batch;
mod sealed_box;
mod x25519;

pub use aead::HopCipher;
pub(crate) use aead::{AeadKey, TAG_LEN, Unauthentic};
pub(crate) use batch::{Peer, agree_all, dh_many};
pub(crate) use sealed_box::SEAL_OVERHEAD;
pub(crate) mod sealed {
    #[cfg(feature = "hazmat")]
    pub(crate) use super::sealed_box::seal;
    pub(crate) use super::sealed_box::{open, seal_shared};
}
pub(crate) use x25519::{Keypair, is_canonical_u, x25519};

/// A public point cached beside the key bytes it was decoded from: it compares equal to every
/// other and hashes to nothing, so a type holding it keeps equality and hashing on its keys.
#[derive(Clone, Copy)]
pub(crate) struct CachedPoint(pub(crate) EdwardsPoint);

impl PartialEq for CachedPoint {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for CachedPoint {}

impl core::hash::Hash for CachedPoint {
    fn hash<H: core::hash::Hasher>(&self, _: &mut H) {}
}

impl core::fmt::Debug for CachedPoint {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CachedPoint(..)")
    }
}

/// `crypto_generichash` with a 32-byte digest over the concatenation of `parts`.
pub(crate) fn blake2b_256(parts: &[&[u8]]) -> [u8; 32] {
    let mut h = blake2::Blake2b::<U32>::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// `crypto_generichash` with a 64-byte digest over the concatenation of `parts`.
pub(crate) fn blake2b_512(parts: &[&[u8]]) -> [u8; 64] {
    let mut h = Blake2b512::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

macro_rules! keyed_blake2b {
    ($(#[$doc:meta])* $name:ident, $out:ty, $n:literal) => {
        $(#[$doc])*
        pub(crate) fn $name<const K: usize>(key: &[u8; K], parts: &[&[u8]]) -> Zeroizing<[u8; $n]> {
            const { assert!(K >= 1 && K <= 64, "BLAKE2b keys are 1..=64 bytes") };
            let mut out = Zeroizing::new([0u8; $n]);
            // Infallible for 1..=64-byte keys, which the assertion above guarantees.
            if let Ok(mut mac) = <Blake2bMac<$out> as KeyInit>::new_from_slice(key) {
                for p in parts {
                    Mac::update(&mut mac, p);
                }
                out.copy_from_slice(mac.finalize().into_bytes().as_slice());
            }
            out
        }
    };
}

keyed_blake2b!(
    /// Keyed `crypto_generichash` with a 32-byte digest; the key is a domain constant.
    blake2b_256_keyed, U32, 32
);
keyed_blake2b!(
    /// Keyed `crypto_generichash` with a 64-byte digest; the key is a domain constant.
    blake2b_512_keyed, U64, 64
);

/// Keyed `crypto_generichash` (32-byte digest) with a key chosen at run time: `None` unless
/// the key is 1 to 64 bytes. An empty key means "unkeyed", as in libsodium.
pub(crate) fn blake2b_256_keyed_dyn(key: &[u8], parts: &[&[u8]]) -> Option<Zeroizing<[u8; 32]>> {
    if key.is_empty() {
        return Some(Zeroizing::new(blake2b_256(parts)));
    }
    let mut mac = <Blake2bMac<U32> as KeyInit>::new_from_slice(key).ok()?;
    for p in parts {
        Mac::update(&mut mac, p);
    }
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(mac.finalize().into_bytes().as_slice());
    Some(out)
}

/// SHA-512 over the concatenation of `parts`.
pub(crate) fn sha512(parts: &[&[u8]]) -> Zeroizing<[u8; 64]> {
    let mut h = Sha512::new();
    for p in parts {
        h.update(p);
    }
    Zeroizing::new(h.finalize().into())
}

/// `crypto_core_ed25519_scalar_reduce`: a 64-byte little-endian integer mod L.
pub(crate) fn reduce64(wide: &[u8; 64]) -> Scalar {
    Scalar::from_bytes_mod_order_wide(wide)
}

/// `crypto_sign_ed25519_sk_to_curve25519`: clamp(SHA-512(seed)[0..32]).
///
/// The clamped value is also the Ed25519 signing scalar `a` with `a·B = ed25519_pk`.
pub(crate) fn x25519_secret_from_seed(seed: &[u8; 32]) -> Zeroizing<[u8; 32]> {
    let h = sha512(&[seed]);
    let mut lo = Zeroizing::new([0u8; 32]);
    copy_prefix(&mut lo, &h[..]);
    Zeroizing::new(clamp_integer(*lo))
}

/// Decompresses an Ed25519 point the way `crypto_sign_ed25519_pk_to_curve25519` accepts it:
/// on the curve, not of small order, in the prime-order subgroup. Non-canonical `y` is accepted,
/// as libsodium accepts it here.
pub(crate) fn decode_ed25519_point(pk: &[u8; 32]) -> Option<EdwardsPoint> {
    let p = CompressedEdwardsY(*pk).decompress()?;
    in_prime_order_subgroup(&p).then_some(p)
}

/// Not of small order and without a torsion component: `L·P = O` and `P ≠ O`.
///
/// Variable time: only ever called on public points (keys from the network). `(L-1)·P` by the
/// vartime double-base method costs about half of the constant-time `L·P` that
/// `is_torsion_free` performs.
#[allow(clippy::arithmetic_side_effects)] // curve group and scalar arithmetic is modular
pub(crate) fn in_prime_order_subgroup(p: &EdwardsPoint) -> bool {
    if p.is_small_order() {
        return false;
    }
    let l_minus_one = -Scalar::ONE;
    let q = EdwardsPoint::vartime_double_scalar_mul_basepoint(&l_minus_one, p, &Scalar::ZERO);
    (q + p).is_identity()
}

/// Whether `encoding` is the canonical encoding of `p`: `y < p` (libsodium's
/// `ge25519_is_canonical`, which ignores the sign bit).
pub(crate) fn is_canonical_encoding(p: &EdwardsPoint, encoding: &[u8; 32]) -> bool {
    let again = p.compress().to_bytes();
    again.iter().zip(encoding).enumerate().all(|(i, (a, b))| {
        if i == 31 {
            (a & 0x7f) == (b & 0x7f)
        } else {
            a == b
        }
    })
}

/// Decompresses an Ed25519 point with no further check: for keys validated earlier.
pub(crate) fn decompress_ed25519(pk: &[u8; 32]) -> Option<EdwardsPoint> {
    CompressedEdwardsY(*pk).decompress()
}

/// As [`decode_ed25519_point`], but also requires the canonical encoding, as
/// `crypto_scalarmult_ed25519_noclamp` does for its point argument.
pub(crate) fn decode_canonical_point(pk: &[u8; 32]) -> Option<EdwardsPoint> {
    let p = decode_ed25519_point(pk)?;
    is_canonical_encoding(&p, pk).then_some(p)
}

/// The X25519 key of an already decompressed Ed25519 point, with the rejections of
/// [`ed25519_pk_to_x25519`].
pub(crate) fn x25519_of_point(p: &EdwardsPoint) -> Option<[u8; 32]> {
    in_prime_order_subgroup(p).then(|| p.to_montgomery().to_bytes())
}

/// `crypto_sign_ed25519_pk_to_curve25519`, with the same rejections (see
/// [`decode_ed25519_point`]).
pub(crate) fn ed25519_pk_to_x25519(pk: &[u8; 32]) -> Option<[u8; 32]> {
    decode_ed25519_point(pk).map(|p| p.to_montgomery().to_bytes())
}

/// The reverse map X25519 -> Ed25519 with the sign bit cleared (`y = (u-1)/(u+1)`), as a
/// point in the prime-order subgroup. `None` for `u` that is not on the curve, or whose point
/// has small order or a torsion component (libsession's "not on main subgroup").
pub(crate) fn x25519_to_ed25519_point(x: &[u8; 32]) -> Option<EdwardsPoint> {
    let p = MontgomeryPoint(*x).to_edwards(0)?;
    in_prime_order_subgroup(&p).then_some(p)
}

/// `crypto_scalarmult_ed25519_noclamp` on an already validated point: `None` when the
/// product is the identity (a zero scalar).
#[allow(clippy::arithmetic_side_effects)] // curve group and scalar arithmetic is modular
pub(crate) fn mul_noclamp(k: &Scalar, p: &EdwardsPoint) -> Option<EdwardsPoint> {
    let q = k * p;
    (q != EdwardsPoint::default()).then_some(q)
}

/// An Ed25519 signature `R || S` computed from an explicit nonce scalar `r` and secret
/// scalar `a` with public key `pk_a = a·B` (RFC 8032 with a caller-chosen nonce). Used by the
/// blinded signatures, whose nonces are derived differently from RFC 8032's.
#[allow(clippy::arithmetic_side_effects)] // curve group and scalar arithmetic is modular
pub(crate) fn sign_with_nonce(r: &Scalar, a: &Scalar, pk_a: &[u8; 32], msg: &[u8]) -> [u8; 64] {
    let big_r = EdwardsPoint::mul_base(r).compress().to_bytes();
    let k = reduce64(&sha512(&[&big_r, pk_a, msg]));
    let s = r + k * a;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&big_r);
    sig[32..].copy_from_slice(s.as_bytes());
    sig
}

/// Copies the first `N` bytes of `src` (or as many as it has) into `dst`, without panicking.
pub(crate) fn copy_prefix<const N: usize>(dst: &mut [u8; N], src: &[u8]) {
    dst.iter_mut().zip(src).for_each(|(d, s)| *d = *s);
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};

    #[test]
    fn vartime_subgroup_check_agrees_with_the_constant_time_one() {
        let mut p = ED25519_BASEPOINT_POINT;
        for i in 0..16u64 {
            p *= Scalar::from(i * 7919 + 3);
            for (t, torsion) in EIGHT_TORSION.iter().enumerate() {
                let q = p + torsion;
                let expected = !q.is_small_order() && q.is_torsion_free();
                assert_eq!(in_prime_order_subgroup(&q), expected, "i={i} t={t}");
                assert_eq!(expected, t == 0);
            }
        }
        for torsion in EIGHT_TORSION {
            assert!(!in_prime_order_subgroup(&torsion));
        }
    }

    #[test]
    fn decode_rejects_what_libsodium_rejects() {
        // Small-order encodings from libsodium's blocklist, with and without the sign bit.
        let mut small = alloc::vec![[0u8; 32], {
            let mut one = [0u8; 32];
            one[0] = 1;
            one
        }];
        for t in EIGHT_TORSION {
            small.push(t.compress().to_bytes());
        }
        for enc in small {
            for sign in [0u8, 0x80] {
                let mut e = enc;
                e[31] |= sign;
                assert!(decode_ed25519_point(&e).is_none());
                assert!(ed25519_pk_to_x25519(&e).is_none());
            }
        }
        // A point with a torsion component.
        let torsioned = (ED25519_BASEPOINT_POINT + EIGHT_TORSION[1])
            .compress()
            .to_bytes();
        assert!(ed25519_pk_to_x25519(&torsioned).is_none());
        // Off the curve: y = 2 has no x.
        let mut two = [0u8; 32];
        two[0] = 2;
        assert!(CompressedEdwardsY(two).decompress().is_none());
        assert!(ed25519_pk_to_x25519(&two).is_none());
        // The base point converts to u = 9.
        let mut nine = [0u8; 32];
        nine[0] = 9;
        assert_eq!(
            ed25519_pk_to_x25519(&ED25519_BASEPOINT_POINT.compress().to_bytes()),
            Some(nine)
        );
    }

    #[test]
    fn non_canonical_encodings_are_never_prime_order_points() {
        let b = ED25519_BASEPOINT_POINT.compress().to_bytes();
        assert!(decode_canonical_point(&b).is_some());
        // The only non-canonical y encodings are p + y for y in 0..19. Whatever point they
        // decode to has small order or a torsion component, so both decoders refuse them, and
        // the canonical-encoding test flags every one that decodes at all.
        let mut on_curve = 0;
        for y in 0u8..19 {
            for sign in [0u8, 0x80] {
                let mut non = [0xffu8; 32];
                non[31] = 0x7f | sign;
                non[0] = 0xed + y; // p + y, little endian (p = 2^255 - 19)
                assert!(decode_ed25519_point(&non).is_none(), "y={y}");
                assert!(decode_canonical_point(&non).is_none(), "y={y}");
                if let Some(p) = CompressedEdwardsY(non).decompress() {
                    assert!(!is_canonical_encoding(&p, &non), "y={y}");
                    on_curve += 1;
                }
            }
        }
        assert!(on_curve > 0, "some non-canonical encodings decode");
    }
}
