//! X25519 on curve25519-dalek's Edwards backend.
//!
//! `x25519(k, u)` is computed as `u(k·P)` where `P` is either Edwards point with Montgomery
//! coordinate `u`: the vectorised Edwards multiplication is much faster than the Montgomery
//! ladder. Coordinates of points on the twist have no Edwards point; for those (never sent by
//! honest peers) the ladder computes the same function. Public keys come from `k·B` with the
//! precomputed Edwards base table.
//!
//! Like libsodium, a shared secret that is all zero (the peer sent a point of small order) is
//! refused.

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::scalar::clamp_integer;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// An X25519 key pair whose secret is wiped on drop.
pub(crate) struct Keypair {
    pub(crate) secret: Zeroizing<[u8; 32]>,
    pub(crate) public: [u8; 32],
}

impl Keypair {
    /// The key pair of a 32-byte secret (clamped as X25519 clamps it).
    pub(crate) fn from_secret(secret: [u8; 32]) -> Self {
        let secret = Zeroizing::new(clamp_integer(secret));
        let public = EdwardsPoint::mul_base_clamped(*secret)
            .to_montgomery()
            .to_bytes();
        Self { secret, public }
    }
}

/// `crypto_scalarmult_curve25519(secret, public)`, `None` where libsodium fails: the result is
/// all zero because `public` has small order.
pub(crate) fn x25519(secret: &[u8; 32], public: &[u8; 32]) -> Option<Zeroizing<[u8; 32]>> {
    let out = Zeroizing::new(match MontgomeryPoint(*public).to_edwards(0) {
        Some(p) => p.mul_clamped(*secret).to_montgomery().to_bytes(),
        None => MontgomeryPoint(*public).mul_clamped(*secret).to_bytes(),
    });
    (!bool::from(out.ct_eq(&[0u8; 32]))).then_some(out)
}

/// The Montgomery ladder, the reference the fast path is checked against.
#[cfg(test)]
pub(crate) fn x25519_ladder(secret: &[u8; 32], public: &[u8; 32]) -> [u8; 32] {
    MontgomeryPoint(*public).mul_clamped(*secret).to_bytes()
}

/// Whether `u` is the canonical encoding honest X25519 implementations produce: below `p` and
/// with bit 255 clear. Other encodings alias canonical ones (libsodium masks bit 255 and reduces
/// mod `p`), which would let a relayed layer be replayed under a second encoding.
pub(crate) fn is_canonical_u(u: &[u8; 32]) -> bool {
    // p = 2^255 - 19: little-endian ed ff .. ff 7f. u < p iff not (top bytes all at max and the
    // low byte >= 0xed) and bit 255 clear.
    let Some((&last, rest)) = u.split_last() else {
        return false;
    };
    if last & 0x80 != 0 {
        return false;
    }
    let Some((&first, middle)) = rest.split_first() else {
        return false;
    };
    !(last == 0x7f && middle.iter().all(|&b| b == 0xff) && first >= 0xed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::EIGHT_TORSION;

    fn u(bytes: &[(usize, u8)]) -> [u8; 32] {
        let mut out = [0u8; 32];
        for &(i, b) in bytes {
            out[i] = b;
        }
        out
    }

    #[test]
    fn fast_path_equals_the_ladder_on_edge_cases() {
        let secret = [0x5au8; 32];
        let mut cases: alloc::vec::Vec<[u8; 32]> = alloc::vec![
            u(&[(0, 9)]), // base point
            u(&[(0, 2)]), // on the twist
            u(&[]),       // order 2
            u(&[(0, 1)]), // order 4
            [0xff; 32],   // bit 255 set, u >= p after masking
            {
                let mut m1 = [0xffu8; 32]; // p - 1 = -1: no Edwards point
                m1[0] = 0xec;
                m1[31] = 0x7f;
                m1
            },
            {
                let mut p = [0xffu8; 32]; // p itself (aliases 0)
                p[0] = 0xed;
                p[31] = 0x7f;
                p
            },
        ];
        for t in EIGHT_TORSION {
            cases.push(t.to_montgomery().to_bytes());
        }
        for i in 0..64u8 {
            // A spread of arbitrary coordinates: about half on the curve, half on the twist.
            let mut c = [i.wrapping_mul(37); 32];
            c[0] = i;
            c[31] &= 0x7f;
            cases.push(c);
        }
        let mut on_twist = 0;
        for c in &cases {
            let ladder = x25519_ladder(&secret, c);
            match x25519(&secret, c) {
                Some(fast) => assert_eq!(*fast, ladder, "{c:?}"),
                None => assert_eq!(ladder, [0u8; 32], "{c:?}"),
            }
            if MontgomeryPoint(*c).to_edwards(0).is_none() {
                on_twist += 1;
            }
        }
        assert!(on_twist > 10, "the fallback path was exercised");
    }

    #[test]
    fn small_order_peers_are_refused() {
        for t in EIGHT_TORSION {
            assert!(x25519(&[7; 32], &t.to_montgomery().to_bytes()).is_none());
        }
        assert!(x25519(&[7; 32], &[0; 32]).is_none());
    }

    #[test]
    fn keypairs_agree_with_the_ladder_and_dh_is_symmetric() {
        let a = Keypair::from_secret([1; 32]);
        let b = Keypair::from_secret([2; 32]);
        assert_eq!(a.public, x25519_ladder(&a.secret, &u(&[(0, 9)])));
        let ab = x25519(&a.secret, &b.public).unwrap();
        let ba = x25519(&b.secret, &a.public).unwrap();
        assert_eq!(*ab, *ba);
    }

    #[test]
    fn canonical_u() {
        assert!(is_canonical_u(&[0; 32]));
        assert!(is_canonical_u(&u(&[(0, 9)])));
        let mut m1 = [0xffu8; 32];
        m1[0] = 0xec;
        m1[31] = 0x7f;
        assert!(is_canonical_u(&m1));
        m1[0] = 0xed;
        assert!(!is_canonical_u(&m1));
        assert!(!is_canonical_u(&u(&[(0, 9), (31, 0x80)])));
    }
}
