//! Key agreement for every layer of a request at once.
//!
//! Each X25519 operation on the Edwards path spends most of its non-multiplication time in field
//! inversions: one to map the peer's `u` to an Edwards `y`, one to map each result back to `u`.
//! A request with `n` layers needs `n` ephemeral public keys and `n` shared secrets, so done one
//! by one it pays `3n` inversions (plus `n` square roots). Here they are shared: one inversion
//! for all the peers' `y` (Montgomery's trick) and one for all the results' `u`
//! (curve25519-dalek's `to_montgomery_batch`, which inverts every `Z - Y` at once, where the
//! caller may allocate; otherwise two, via `compress_batch`). Peers
//! whose Edwards point the caller has cached skip the first inversion and the square root. The results are
//! bit for bit those of [`Keypair::from_secret`](super::Keypair::from_secret) and
//! [`x25519`](super::x25519); the tests check that on random and exceptional inputs.
//!
//! Field arithmetic outside curve25519-dalek (which keeps its own private) comes from
//! `fiat-crypto`, the formally verified implementation curve25519-dalek itself can build on.

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::montgomery::MontgomeryPoint;
use curve25519_dalek::traits::Identity;
use fiat_crypto::curve25519_64 as fiat;
use subtle::{Choice, ConditionallySelectable, ConstantTimeEq};
use zeroize::{Zeroize, Zeroizing};

/// The most pairs one call takes: 15 path nodes and the destination.
pub(crate) const MAX_PAIRS: usize = 16;

/// An element of GF(2^255 - 19), fully carried.
#[derive(Clone, Copy)]
struct Fe(fiat::fiat_25519_tight_field_element);

impl Fe {
    const ZERO: Self = Self(fiat::fiat_25519_tight_field_element([0; 5]));
    const ONE: Self = Self(fiat::fiat_25519_tight_field_element([1, 0, 0, 0, 0]));

    /// The element a 32-byte little-endian encoding stands for, ignoring bit 255 as X25519
    /// and curve25519-dalek do (values in `[p, 2^255)` are reduced).
    fn from_bytes(bytes: &[u8; 32]) -> Self {
        let mut masked = *bytes;
        if let Some(last) = masked.last_mut() {
            *last &= 0x7f;
        }
        let mut out = fiat::fiat_25519_tight_field_element([0; 5]);
        fiat::fiat_25519_from_bytes(&mut out, &masked);
        masked.zeroize();
        Self(out)
    }

    /// The canonical encoding (fully reduced, bit 255 clear).
    fn to_bytes(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        fiat::fiat_25519_to_bytes(&mut out, &self.0);
        out
    }

    fn loose(self) -> fiat::fiat_25519_loose_field_element {
        let mut out = fiat::fiat_25519_loose_field_element([0; 5]);
        fiat::fiat_25519_relax(&mut out, &self.0);
        out
    }

    fn mul(self, other: Self) -> Self {
        let mut out = fiat::fiat_25519_tight_field_element([0; 5]);
        fiat::fiat_25519_carry_mul(&mut out, &self.loose(), &other.loose());
        Self(out)
    }

    fn square(self) -> Self {
        let mut out = fiat::fiat_25519_tight_field_element([0; 5]);
        fiat::fiat_25519_carry_square(&mut out, &self.loose());
        Self(out)
    }

    /// `self^(2^k)`.
    fn square_times(self, k: u32) -> Self {
        (0..k).fold(self, |x, _| x.square())
    }

    fn add(self, other: Self) -> Self {
        let mut sum = fiat::fiat_25519_loose_field_element([0; 5]);
        fiat::fiat_25519_add(&mut sum, &self.0, &other.0);
        let mut out = fiat::fiat_25519_tight_field_element([0; 5]);
        fiat::fiat_25519_carry(&mut out, &sum);
        Self(out)
    }

    fn sub(self, other: Self) -> Self {
        let mut diff = fiat::fiat_25519_loose_field_element([0; 5]);
        fiat::fiat_25519_sub(&mut diff, &self.0, &other.0);
        let mut out = fiat::fiat_25519_tight_field_element([0; 5]);
        fiat::fiat_25519_carry(&mut out, &diff);
        Self(out)
    }

    fn is_zero(self) -> Choice {
        self.to_bytes().ct_eq(&[0u8; 32])
    }

    fn select(a: Self, b: Self, choice: Choice) -> Self {
        let limbs = core::array::from_fn(|i| {
            let (x, y) = (a.0.0.get(i).copied(), b.0.0.get(i).copied());
            u64::conditional_select(&x.unwrap_or(0), &y.unwrap_or(0), choice)
        });
        Self(fiat::fiat_25519_tight_field_element(limbs))
    }

    /// `self^(p - 2)`, the inverse of a non-zero element (and zero for zero), by the usual
    /// addition chain for `2^255 - 21`: 254 squarings and 11 multiplications.
    fn invert(self) -> Self {
        let z2 = self.square(); // 2
        let z9 = z2.square_times(2).mul(self); // 9
        let z11 = z9.mul(z2); // 11
        let z_5_0 = z11.square().mul(z9); // 2^5 - 1
        let z_10_0 = z_5_0.square_times(5).mul(z_5_0); // 2^10 - 1
        let z_20_0 = z_10_0.square_times(10).mul(z_10_0); // 2^20 - 1
        let z_40_0 = z_20_0.square_times(20).mul(z_20_0); // 2^40 - 1
        let z_50_0 = z_40_0.square_times(10).mul(z_10_0); // 2^50 - 1
        let z_100_0 = z_50_0.square_times(50).mul(z_50_0); // 2^100 - 1
        let z_200_0 = z_100_0.square_times(100).mul(z_100_0); // 2^200 - 1
        let z_250_0 = z_200_0.square_times(50).mul(z_50_0); // 2^250 - 1
        z_250_0.square_times(5).mul(z11) // 2^255 - 32 + 11 = p - 2
    }

    fn wipe(&mut self) {
        self.0.0.zeroize();
    }
}

/// Replaces every element by its inverse (zero stays zero) with one field inversion.
fn invert_all(xs: &mut [Fe]) {
    let mut prefix = [Fe::ONE; 2 * MAX_PAIRS];
    let mut acc = Fe::ONE;
    for (x, p) in xs.iter().zip(prefix.iter_mut()) {
        *p = acc;
        acc = acc.mul(Fe::select(*x, Fe::ONE, x.is_zero()));
    }
    let mut inv = acc.invert();
    for (x, p) in xs.iter_mut().zip(prefix.iter()).rev() {
        let zero = x.is_zero();
        let nonzero = Fe::select(*x, Fe::ONE, zero);
        let r = inv.mul(*p);
        inv = inv.mul(nonzero);
        *x = Fe::select(r, Fe::ZERO, zero);
    }
    for p in prefix.iter_mut() {
        p.wipe();
    }
    acc.wipe();
    inv.wipe();
}

/// The `u` coordinates of `points`, as `EdwardsPoint::to_montgomery` gives them (the identity
/// maps to 0), with one inversion for the whole slice: curve25519-dalek's
/// `to_montgomery_batch` inverts every `Z - Y` at once and multiplies by `Z + Y`. It allocates
/// three small vectors, so callers that promise no allocation use [`to_montgomery_no_alloc`].
fn to_montgomery_all(points: &[EdwardsPoint], out: &mut [[u8; 32]]) {
    let mut us = EdwardsPoint::to_montgomery_batch(points);
    for (o, u) in out.iter_mut().zip(us.iter()) {
        *o = u.to_bytes();
    }
    // Each `u` determines a shared secret.
    for u in us.iter_mut() {
        u.zeroize();
    }
}

/// [`to_montgomery_all`] without allocating, at the cost of a second inversion: affine `y`
/// with one (`compress_batch`), then `u = (1 + y) / (1 - y)` with another. curve25519-dalek
/// keeps the projective coordinates private, so one inversion needs its allocating batch.
fn to_montgomery_no_alloc(points: &[EdwardsPoint], out: &mut [[u8; 32]]) {
    let mut ys = [Fe::ZERO; 2 * MAX_PAIRS];
    if points.len() <= 8 {
        compressed_ys::<8>(points, &mut ys);
    } else if points.len() <= 16 {
        compressed_ys::<16>(points, &mut ys);
    } else {
        compressed_ys::<32>(points, &mut ys);
    }
    let mut dens = [Fe::ZERO; 2 * MAX_PAIRS];
    for (d, y) in dens.iter_mut().zip(ys.iter()).take(points.len()) {
        *d = Fe::ONE.sub(*y);
    }
    let dens = dens.get_mut(..points.len()).unwrap_or_default();
    invert_all(dens);
    for ((o, y), d) in out.iter_mut().zip(ys.iter_mut()).zip(dens.iter_mut()) {
        *o = Fe::ONE.add(*y).mul(*d).to_bytes();
        y.wipe();
        d.wipe();
    }
}

fn compressed_ys<const N: usize>(points: &[EdwardsPoint], ys: &mut [Fe]) {
    let mut padded: [EdwardsPoint; N] = core::array::from_fn(|i| {
        points
            .get(i)
            .copied()
            .unwrap_or_else(EdwardsPoint::identity)
    });
    let mut compressed = EdwardsPoint::compress_batch(&padded);
    for (y, c) in ys.iter_mut().zip(compressed.iter()).take(points.len()) {
        *y = Fe::from_bytes(c.as_bytes());
    }
    // The shared points and their encodings each determine a shared secret.
    padded.zeroize();
    compressed.zeroize();
}

/// A peer's X25519 key, with the Edwards point whose Montgomery `u` it is when the caller has
/// it already (either sign: X25519 ignores it), which saves that peer's decompression.
#[derive(Clone, Copy)]
pub(crate) struct Peer<'a> {
    pub(crate) u: &'a [u8; 32],
    pub(crate) point: Option<&'a EdwardsPoint>,
}

/// The peers' Edwards points (at most `2 * MAX_PAIRS`): `y = (u - 1) / (u + 1)`, one inversion
/// for all of them, then a square root each. `u = -1` (zero denominator) and `u` with no Edwards
/// point lie on the twist: `None`, for the ladder. A peer that brings its point skips both (its
/// denominator is left at 1, which costs the shared inversion nothing).
fn decode_peers(peers: &[Peer<'_>], out: &mut [Option<EdwardsPoint>]) {
    let n = peers.len().min(out.len()).min(2 * MAX_PAIRS);
    let mut ys = [Fe::ZERO; 2 * MAX_PAIRS];
    let mut dens = [Fe::ONE; 2 * MAX_PAIRS];
    for ((y, d), peer) in ys.iter_mut().zip(dens.iter_mut()).zip(peers).take(n) {
        if peer.point.is_none() {
            let u = Fe::from_bytes(peer.u);
            *y = u.sub(Fe::ONE);
            *d = u.add(Fe::ONE);
        }
    }
    invert_all(dens.get_mut(..n).unwrap_or_default());
    for (((p, y), d), peer) in out.iter_mut().zip(&ys).zip(&dens).zip(peers).take(n) {
        *p = match peer.point {
            Some(point) => Some(*point),
            None => {
                let usable = !bool::from(d.is_zero());
                usable
                    .then(|| CompressedEdwardsY(y.mul(*d).to_bytes()).decompress())
                    .flatten()
            }
        };
    }
}

/// `x25519(secret, u)` for every `u` in `peers`, exactly as [`x25519`](super::x25519) computes
/// it (`None` where the result is all zero: a small-order peer), with the inversions shared:
/// per chunk of `2 * MAX_PAIRS` peers, one for the peers' Edwards `y` and one for the results'
/// `u`, instead of two per peer. `out` gets one entry per peer (extra entries are untouched).
pub(crate) fn dh_many(
    secret: &[u8; 32],
    peers: &[&[u8; 32]],
    out: &mut [Option<Zeroizing<[u8; 32]>>],
) {
    const CHUNK: usize = 2 * MAX_PAIRS;
    for (peers, out) in peers.chunks(CHUNK).zip(out.chunks_mut(CHUNK)) {
        let n = peers.len().min(out.len());
        let mut list = [Peer {
            u: &[0u8; 32],
            point: None,
        }; CHUNK];
        for (slot, u) in list.iter_mut().zip(peers) {
            slot.u = u;
        }
        let mut points: [Option<EdwardsPoint>; CHUNK] = [None; CHUNK];
        decode_peers(list.get(..n).unwrap_or_default(), &mut points);
        let mut products = [EdwardsPoint::identity(); CHUNK];
        for (prod, p) in products.iter_mut().zip(&points).take(n) {
            if let Some(p) = p {
                *prod = p.mul_clamped(*secret);
            }
        }
        let mut us = [[0u8; 32]; CHUNK];
        to_montgomery_all(products.get(..n).unwrap_or_default(), &mut us);
        products.zeroize();
        for (((o, u), p), peer) in out.iter_mut().zip(&us).zip(&points).zip(peers) {
            let shared = Zeroizing::new(match p {
                Some(_) => *u,
                None => MontgomeryPoint(**peer).mul_clamped(*secret).to_bytes(),
            });
            *o = (!bool::from(shared.ct_eq(&[0u8; 32]))).then_some(shared);
        }
        us.zeroize();
    }
}

/// For each `(secret, peer)`: the public key of `secret` and `x25519(secret, peer)`, exactly as
/// [`Keypair::from_secret`](super::Keypair::from_secret) and [`x25519`](super::x25519) compute
/// them. `Err(i)` names the first pair whose shared secret is all zero (the peer has small
/// order), as [`x25519`](super::x25519) refuses it.
///
/// At most [`MAX_PAIRS`] pairs; extra pairs are ignored (callers never pass more). With
/// `may_allocate`, the results share one inversion (curve25519-dalek's allocating
/// `to_montgomery_batch`); without, two and no allocation (request building promises one
/// allocation per packet).
pub(crate) fn agree_all(
    secrets: &[Zeroizing<[u8; 32]>],
    peers: &[Peer<'_>],
    publics: &mut [[u8; 32]],
    shared: &mut [Zeroizing<[u8; 32]>],
    may_allocate: bool,
) -> Result<(), usize> {
    let n = secrets.len().min(peers.len()).min(MAX_PAIRS);

    let mut peer_points: [Option<EdwardsPoint>; MAX_PAIRS] = [None; MAX_PAIRS];
    decode_peers(
        peers.get(..n).unwrap_or_default(),
        peer_points.get_mut(..n).unwrap_or_default(),
    );

    // Ephemeral public points first, then the shared points.
    let mut points = [EdwardsPoint::identity(); 2 * MAX_PAIRS];
    let mut ladder = [false; MAX_PAIRS];
    let (eph, rest) = points.split_at_mut(n);
    for (e, s) in eph.iter_mut().zip(secrets) {
        *e = EdwardsPoint::mul_base_clamped(**s);
    }
    for (((s, p), secret), lad) in rest
        .iter_mut()
        .zip(&peer_points)
        .zip(secrets)
        .zip(ladder.iter_mut())
        .take(n)
    {
        match p {
            Some(p) => *s = p.mul_clamped(**secret),
            None => *lad = true,
        }
    }
    let mut us = [[0u8; 32]; 2 * MAX_PAIRS];
    let count = n.saturating_mul(2);
    let points_used = points.get(..count).unwrap_or_default();
    if may_allocate {
        to_montgomery_all(points_used, &mut us);
    } else {
        to_montgomery_no_alloc(points_used, &mut us);
    }
    points.zeroize();

    let (eph_us, shared_us) = us.split_at_mut(n);
    for (o, u) in publics.iter_mut().zip(eph_us.iter()) {
        *o = *u;
    }
    let mut result = Ok(());
    for (i, ((((o, u), lad), secret), peer)) in shared
        .iter_mut()
        .zip(shared_us.iter())
        .zip(&ladder)
        .zip(secrets)
        .zip(peers)
        .take(n)
        .enumerate()
    {
        **o = if *lad {
            MontgomeryPoint(*peer.u).mul_clamped(**secret).to_bytes()
        } else {
            *u
        };
        if result.is_ok() && bool::from(o.ct_eq(&[0u8; 32])) {
            result = Err(i);
        }
    }
    us.zeroize();
    result
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::indexing_slicing,
        clippy::cast_possible_truncation,
        clippy::arithmetic_side_effects
    )]

    use super::*;
    use crate::crypto::{Keypair, x25519};
    use alloc::vec;
    use alloc::vec::Vec;
    use curve25519_dalek::constants::EIGHT_TORSION;
    use proptest::prelude::*;

    fn check(secrets: &[[u8; 32]], peers: &[[u8; 32]]) {
        let s: Vec<Zeroizing<[u8; 32]>> = secrets.iter().map(|s| Zeroizing::new(*s)).collect();
        let p: Vec<Peer<'_>> = peers.iter().map(|u| Peer { u, point: None }).collect();
        let mut publics = vec![[0u8; 32]; s.len()];
        let mut shared: Vec<Zeroizing<[u8; 32]>> =
            (0..s.len()).map(|_| Zeroizing::new([0u8; 32])).collect();
        let got = agree_all(&s, &p, &mut publics, &mut shared, true);
        let mut publics2 = vec![[0u8; 32]; s.len()];
        let mut shared2: Vec<Zeroizing<[u8; 32]>> =
            (0..s.len()).map(|_| Zeroizing::new([0u8; 32])).collect();
        assert_eq!(agree_all(&s, &p, &mut publics2, &mut shared2, false), got);
        assert_eq!(publics, publics2);
        assert!(shared.iter().zip(&shared2).all(|(a, b)| **a == **b));
        let mut expected = Ok(());
        for (i, (secret, peer)) in secrets.iter().zip(peers).enumerate() {
            assert_eq!(
                publics[i],
                Keypair::from_secret(*secret).public,
                "public {i}"
            );
            match x25519(secret, peer) {
                Some(k) => assert_eq!(*shared[i], *k, "shared {i}"),
                None => {
                    assert_eq!(*shared[i], [0u8; 32], "shared {i}");
                    if expected.is_ok() {
                        expected = Err(i);
                    }
                }
            }
        }
        assert_eq!(got, expected);
    }

    #[test]
    fn inversion_inverts() {
        let mut x = Fe::from_bytes(&[7u8; 32]);
        for _ in 0..20 {
            assert_eq!(x.mul(x.invert()).to_bytes(), Fe::ONE.to_bytes());
            x = x.square().add(Fe::ONE);
        }
        assert_eq!(Fe::ZERO.invert().to_bytes(), [0u8; 32]);
        let mut batch = [Fe::from_bytes(&[3; 32]), Fe::ZERO, Fe::from_bytes(&[9; 32])];
        let singles: Vec<[u8; 32]> = batch.iter().map(|x| x.invert().to_bytes()).collect();
        invert_all(&mut batch);
        let got: Vec<[u8; 32]> = batch.iter().map(|x| x.to_bytes()).collect();
        assert_eq!(got, singles);
    }

    #[test]
    fn exceptional_peers_match_one_by_one() {
        let mut minus_one = [0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        let twist = {
            // u = 2 is not on the curve (its v^2 is not square): the ladder's domain.
            let mut t = [0u8; 32];
            t[0] = 2;
            t
        };
        let torsion: Vec<[u8; 32]> = EIGHT_TORSION
            .iter()
            .map(|t| t.to_montgomery().to_bytes())
            .collect();
        let honest = Keypair::from_secret([5; 32]).public;
        let mut high_bit = honest;
        high_bit[31] |= 0x80;
        let mut peers = vec![minus_one, p, twist, honest, high_bit, [0u8; 32], [0xff; 32]];
        peers.extend(torsion);
        for chunk in peers.chunks(4) {
            let secrets: Vec<[u8; 32]> = (0..chunk.len()).map(|i| [i as u8 + 1; 32]).collect();
            check(&secrets, chunk);
        }
        // Every size from 1 to MAX_PAIRS, honest peers.
        for n in 1..=MAX_PAIRS {
            let secrets: Vec<[u8; 32]> = (0..n).map(|i| [i as u8 + 11; 32]).collect();
            let peers: Vec<[u8; 32]> = (0..n)
                .map(|i| Keypair::from_secret([i as u8 + 40; 32]).public)
                .collect();
            check(&secrets, &peers);
        }
    }

    #[test]
    fn cached_points_of_either_sign_give_the_same_results() {
        use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
        use curve25519_dalek::scalar::Scalar;
        let points: Vec<EdwardsPoint> = (1..=MAX_PAIRS as u64)
            .map(|i| ED25519_BASEPOINT_POINT * Scalar::from(i * 7919 + 1))
            .collect();
        let us: Vec<[u8; 32]> = points
            .iter()
            .map(|p| p.to_montgomery().to_bytes())
            .collect();
        let negated: Vec<EdwardsPoint> = points.iter().map(|p| -p).collect();
        let secrets: Vec<Zeroizing<[u8; 32]>> = (0..MAX_PAIRS)
            .map(|i| Zeroizing::new([i as u8 + 3; 32]))
            .collect();
        fn run_with<'p>(
            us: &[[u8; 32]],
            secrets: &[Zeroizing<[u8; 32]>],
            with: &dyn Fn(usize) -> Option<&'p EdwardsPoint>,
        ) -> (Vec<[u8; 32]>, Vec<[u8; 32]>) {
            let peers: Vec<Peer<'_>> = us
                .iter()
                .enumerate()
                .map(|(i, u)| Peer { u, point: with(i) })
                .collect();
            let mut publics = vec![[0u8; 32]; MAX_PAIRS];
            let mut shared: Vec<Zeroizing<[u8; 32]>> =
                (0..MAX_PAIRS).map(|_| Zeroizing::new([0u8; 32])).collect();
            agree_all(secrets, &peers, &mut publics, &mut shared, false).unwrap();
            (publics, shared.iter().map(|s| **s).collect::<Vec<_>>())
        }
        let plain = run_with(&us, &secrets, &|_| None);
        assert_eq!(plain, run_with(&us, &secrets, &|i| Some(&points[i])));
        assert_eq!(plain, run_with(&us, &secrets, &|i| Some(&negated[i])));
        assert_eq!(
            plain,
            run_with(&us, &secrets, &|i| (i % 2 == 0).then(|| &points[i]))
        );
        for (i, (u, secret)) in us.iter().zip(&secrets).enumerate() {
            assert_eq!(plain.1[i], *x25519(secret, u).unwrap());
        }
    }

    fn check_many(secret: &[u8; 32], peers: &[[u8; 32]]) {
        let refs: Vec<&[u8; 32]> = peers.iter().collect();
        let mut out: Vec<Option<Zeroizing<[u8; 32]>>> = vec![None; peers.len()];
        dh_many(secret, &refs, &mut out);
        for (i, (peer, got)) in peers.iter().zip(&out).enumerate() {
            let expected = x25519(secret, peer);
            assert_eq!(got.as_deref(), expected.as_deref(), "peer {i}");
        }
    }

    #[test]
    fn dh_many_equals_one_by_one_across_chunks_and_exceptions() {
        let torsion: Vec<[u8; 32]> = EIGHT_TORSION
            .iter()
            .map(|t| t.to_montgomery().to_bytes())
            .collect();
        let mut peers: Vec<[u8; 32]> = (0..70u8)
            .map(|i| match i % 5 {
                0 => torsion[usize::from(i / 5) % 8],
                1 => {
                    let mut t = [0u8; 32];
                    t[0] = 2; // the twist
                    t[1] = i;
                    t
                }
                _ => Keypair::from_secret([i; 32]).public,
            })
            .collect();
        let mut minus_one = [0xffu8; 32];
        minus_one[0] = 0xec;
        minus_one[31] = 0x7f;
        peers.push(minus_one);
        peers.push([0xff; 32]);
        for n in [0, 1, 2, 31, 32, 33, peers.len()] {
            check_many(&[0x33; 32], &peers[..n]);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn batch_equals_one_by_one(
            pairs in prop::collection::vec((any::<[u8; 32]>(), any::<[u8; 32]>(), any::<bool>()), 1..=MAX_PAIRS)
        ) {
            // Half the peers honest keys (on the curve), half arbitrary bytes (often the twist).
            let secrets: Vec<[u8; 32]> = pairs.iter().map(|(s, _, _)| *s).collect();
            let peers: Vec<[u8; 32]> = pairs
                .iter()
                .map(|(_, u, honest)| if *honest { Keypair::from_secret(*u).public } else { *u })
                .collect();
            check(&secrets, &peers);
        }

        #[test]
        fn dh_many_equals_one_by_one(
            secret in any::<[u8; 32]>(),
            peers in prop::collection::vec((any::<[u8; 32]>(), any::<bool>()), 0..40)
        ) {
            let peers: Vec<[u8; 32]> = peers
                .iter()
                .map(|(u, honest)| if *honest { Keypair::from_secret(*u).public } else { *u })
                .collect();
            check_many(&secret, &peers);
        }
    }
}
