//! Private primitives: hashes as libsodium names them, scalar reduction, and the Ed25519 <->
//! X25519 maps with libsodium's rejection rules.
//!
//! Nothing here parses; every function takes fixed-size arrays.

use blake2::digest::{Digest, KeyInit, Mac};
use blake2::{Blake2b512, Blake2bMac};
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::{Scalar, clamp_integer};
use sha2::Sha512;
use zeroize::Zeroizing;

use blake2::digest::consts::{U32, U64};

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
    (!p.is_small_order() && p.is_torsion_free()).then_some(p)
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

/// As [`decode_ed25519_point`], but also requires the canonical encoding, as
/// `crypto_scalarmult_ed25519_noclamp` does for its point argument.
pub(crate) fn decode_canonical_point(pk: &[u8; 32]) -> Option<EdwardsPoint> {
    let p = decode_ed25519_point(pk)?;
    is_canonical_encoding(&p, pk).then_some(p)
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
    (!p.is_small_order() && p.is_torsion_free()).then_some(p)
}

/// `crypto_scalarmult_ed25519_noclamp` on an already validated point: `None` when the
/// product is the identity (a zero scalar).
pub(crate) fn mul_noclamp(k: &Scalar, p: &EdwardsPoint) -> Option<EdwardsPoint> {
    let q = k * p;
    (q != EdwardsPoint::default()).then_some(q)
}

/// An Ed25519 signature `R || S` computed from an explicit nonce scalar `r` and secret
/// scalar `a` with public key `pk_a = a·B` (RFC 8032 with a caller-chosen nonce). Used by the
/// blinded signatures, whose nonces are derived differently from RFC 8032's.
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
