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

    /// The fast path's answer as the ladder would give it: equal bytes, or `None` exactly
    /// where the ladder's result is all zero.
    fn assert_agrees(secret: &[u8; 32], c: &[u8; 32]) {
        let ladder = x25519_ladder(secret, c);
        match x25519(secret, c) {
            Some(fast) => {
                assert_eq!(*fast, ladder, "u = {c:02x?}");
                assert_ne!(ladder, [0u8; 32]);
            }
            None => assert_eq!(
                ladder, [0u8; 32],
                "refused only when the ladder gives 0: {c:02x?}"
            ),
        }
    }

    fn le(n: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        out[..n.len()].copy_from_slice(n);
        out
    }

    /// p + k for small k, little-endian (p = 2^255 - 19).
    fn p_plus(k: u8) -> [u8; 32] {
        let mut out = [0xffu8; 32];
        out[31] = 0x7f;
        let (lo, carry) = 0xedu8.overflowing_add(k);
        out[0] = lo;
        if carry {
            // p + k >= 2^255 - 19 + 19 = 2^255: 2^255 + (k - 19).
            out = [0u8; 32];
            out[0] = k.wrapping_sub(19);
            out[31] = 0x80;
        }
        out
    }

    #[test]
    fn fast_path_equals_the_ladder_on_every_edge_case() {
        let secrets = [[0x5au8; 32], [0u8; 32], [0xffu8; 32], {
            let mut s = [0u8; 32];
            s[0] = 1;
            s
        }];
        let mut cases: alloc::vec::Vec<[u8; 32]> = alloc::vec::Vec::new();
        // Real points (public keys), the base point, and their bit-255 variants.
        for i in 1..=8u8 {
            cases.push(Keypair::from_secret([i; 32]).public);
        }
        cases.push(le(&[9]));
        // Twist points: small u with no Edwards point.
        for x in 0..=40u8 {
            let c = le(&[x]);
            if MontgomeryPoint(c).to_edwards(0).is_none() {
                cases.push(c);
            }
        }
        // Non-canonical encodings: u = p .. p + 18 (alias 0 .. 18) and 2^255 - 19 + k past
        // 2^255 (bit 255 set), and all ones.
        for k in 0..=18u8 {
            cases.push(p_plus(k));
        }
        for k in 19..=40u8 {
            cases.push(p_plus(k));
        }
        cases.push([0xff; 32]);
        // The small-order points libsodium blocks (its `blacklist`), as written there:
        // 0, 1, the order-8 points, p - 1, p, p + 1.
        let blocklist: [[u8; 32]; 7] = [
            [0; 32],
            le(&[1]),
            [
                0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f,
                0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16,
                0x5f, 0x49, 0xb8, 0x00,
            ],
            [
                0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83,
                0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd,
                0xd0, 0x9f, 0x11, 0x57,
            ],
            {
                let mut m1 = p_plus(0);
                m1[0] = 0xec;
                m1
            },
            p_plus(0),
            p_plus(1),
        ];
        for b in blocklist {
            cases.push(b);
        }
        let with_high_bit: alloc::vec::Vec<[u8; 32]> = cases
            .iter()
            .map(|c| {
                let mut h = *c;
                h[31] ^= 0x80;
                h
            })
            .collect();
        cases.extend(with_high_bit);
        for secret in &secrets {
            for c in &cases {
                assert_agrees(secret, c);
            }
        }
        // Every blocklisted point, high bit set or not, is refused whatever the secret.
        for b in blocklist {
            for high in [0u8, 0x80] {
                let mut c = b;
                c[31] |= high;
                for secret in &secrets {
                    assert!(x25519(secret, &c).is_none(), "{c:02x?}");
                }
            }
        }
        // The order-8 entries are the torsion points dalek knows.
        let torsion: alloc::vec::Vec<[u8; 32]> = EIGHT_TORSION
            .iter()
            .map(|t| t.to_montgomery().to_bytes())
            .collect();
        assert!(torsion.contains(&blocklist[2]) && torsion.contains(&blocklist[3]));
    }

    proptest::proptest! {
        /// Random secret, random 32-byte u (bit 255 random too): about half are points on the
        /// twist, which take the ladder fallback.
        #[test]
        fn fast_path_equals_the_ladder_on_random_inputs(
            secret in proptest::prelude::any::<[u8; 32]>(),
            c in proptest::prelude::any::<[u8; 32]>(),
        ) {
            assert_agrees(&secret, &c);
        }
    }
}
