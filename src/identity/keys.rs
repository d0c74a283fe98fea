//! The long-term account key pair and Ed25519 signatures.

use core::fmt;

use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signer, SigningKey};
use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::key_types::{Ed25519Public, X25519Public};
use super::mnemonic::{self, MnemonicError};
use super::session_id::{IdPrefix, SessionId};
use crate::crypto;
use crate::wire::{self, HexError};

/// Why key material was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A 64-byte libsodium secret key whose second half is not the public key of its first.
    #[error("the public half of the secret key does not match its seed")]
    SecretKeyMismatch,
    /// A public key that is not an acceptable curve point (off the curve, of small order, or
    /// outside the prime-order subgroup).
    #[error("not a usable public key")]
    InvalidPublicKey,
}

/// An Ed25519 signature did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("signature verification failed")]
#[non_exhaustive]
pub struct SignatureError;

/// A Session account: the Ed25519 key pair and the X25519 key pair derived from it.
///
/// Not `Clone`; the secret halves are wiped on drop, and `Debug` shows only the Session ID.
///
/// ```
/// use session_protocol::Identity;
///
/// let me = Identity::from_seed(&[7; 32]);
/// assert_eq!(me.session_id().to_string().len(), 66);
/// let again = Identity::from_mnemonic(&me.mnemonic())?;
/// assert_eq!(again.session_id(), me.session_id());
/// # Ok::<(), session_protocol::MnemonicError>(())
/// ```
pub struct Identity {
    signing: SigningKey,
    /// `clamp(SHA-512(seed)[..32])`: the X25519 secret and the Ed25519 signing scalar.
    x_secret: Zeroizing<[u8; 32]>,
    ed_public: Ed25519Public,
    x_public: X25519Public,
}

// Wiped on drop by its fields: `SigningKey` (ZeroizeOnDrop) and `Zeroizing` for `x_secret`.
impl zeroize::ZeroizeOnDrop for Identity {}

impl Identity {
    /// The identity whose Ed25519 seed is `seed` (`crypto_sign_ed25519_seed_keypair`).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let signing = SigningKey::from_bytes(seed);
        let verifying = signing.verifying_key();
        let x_secret = crypto::x25519_secret_from_seed(seed);
        Self {
            ed_public: Ed25519Public::from_bytes(verifying.to_bytes()),
            // The key is `a·B` for our own scalar, so it lies in the prime-order subgroup and
            // the birational map applies directly (what libsodium's checks would accept).
            x_public: X25519Public::from_bytes(verifying.to_montgomery().to_bytes()),
            signing,
            x_secret,
        }
    }

    /// The identity in libsodium's 64-byte secret-key form, `seed || ed25519_public`.
    ///
    /// # Errors
    /// [`KeyError::SecretKeyMismatch`] when the second half is not the seed's public key.
    pub fn from_libsodium_secret_key(sk: &[u8; 64]) -> Result<Self, KeyError> {
        let (seed, public) = sk.split_at(32);
        let mut s = Zeroizing::new([0u8; 32]);
        s.copy_from_slice(seed);
        let me = Self::from_seed(&s);
        if bool::from(me.ed_public.as_bytes().ct_eq(public)) {
            Ok(me)
        } else {
            Err(KeyError::SecretKeyMismatch)
        }
    }

    /// A new identity the way the official clients make one: 16 random bytes of entropy
    /// followed by 16 zero bytes, so that it has a 13-word recovery phrase.
    ///
    /// For a full 256-bit seed, draw 32 bytes yourself and call [`Identity::from_seed`]; its
    /// phrase then has 25 words, which some clients do not accept.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        if let Some(entropy) = seed.get_mut(..16) {
            rng.fill_bytes(entropy);
        }
        Self::from_seed(&seed)
    }

    /// [`Identity::generate`] with the operating system's random number generator.
    ///
    /// # Errors
    /// When the operating system cannot provide randomness.
    #[cfg(feature = "getrandom")]
    pub fn generate_os() -> Result<Self, getrandom::Error> {
        let mut seed = Zeroizing::new([0u8; 32]);
        if let Some(entropy) = seed.get_mut(..16) {
            getrandom::fill(entropy)?;
        }
        Ok(Self::from_seed(&seed))
    }

    /// The identity a recovery phrase stands for (13 words, or 25 for a full seed).
    ///
    /// # Errors
    /// Any [`MnemonicError`]: wrong word count, unknown word, bad checksum.
    pub fn from_mnemonic(phrase: &str) -> Result<Self, MnemonicError> {
        let seed = mnemonic::seed_from_phrase(phrase)?;
        Ok(Self::from_seed(&seed))
    }

    /// The recovery phrase: 13 words when the seed carries 16 bytes of entropy (the last 16
    /// bytes zero, as the official clients make them), 25 words otherwise.
    pub fn mnemonic(&self) -> Zeroizing<alloc::string::String> {
        mnemonic::phrase_for_seed(self.signing.as_bytes())
    }

    /// The `05`-prefixed Session ID: the X25519 public key.
    pub fn session_id(&self) -> SessionId {
        SessionId::new(IdPrefix::Standard, self.x_public.to_bytes())
    }

    /// The Ed25519 public key.
    pub fn ed25519_public(&self) -> Ed25519Public {
        self.ed_public
    }

    /// The X25519 public key (`crypto_sign_ed25519_pk_to_curve25519` of the Ed25519 key).
    pub fn x25519_public(&self) -> X25519Public {
        self.x_public
    }

    /// The X25519 secret key (`crypto_sign_ed25519_sk_to_curve25519`: the clamped first half of
    /// SHA-512 of the seed), for use with other X25519 implementations.
    ///
    /// The bytes are wiped when the returned value drops, but `Zeroizing`'s `Debug` prints
    /// them: never format it.
    pub fn x25519_secret_key(&self) -> Zeroizing<[u8; 32]> {
        self.x_secret.clone()
    }

    /// The 32-byte Ed25519 seed. Wiped when the returned value drops; `Zeroizing`'s `Debug`
    /// prints it, so never format it.
    pub fn seed(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.signing.to_bytes())
    }

    /// libsodium's 64-byte secret key, `seed || ed25519_public`.
    pub fn libsodium_secret_key(&self) -> Zeroizing<[u8; 64]> {
        Zeroizing::new(self.signing.to_keypair_bytes())
    }

    /// An Ed25519 signature of `msg` (deterministic, RFC 8032).
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.signing.sign(msg).to_bytes()
    }

    /// The X25519 secret key, `clamp(SHA-512(seed)[..32])`.
    pub(crate) fn x25519_secret(&self) -> &Zeroizing<[u8; 32]> {
        &self.x_secret
    }

    /// The Ed25519 signing scalar (the X25519 secret read as a scalar mod L).
    pub(crate) fn signing_scalar(&self) -> Zeroizing<Scalar> {
        Zeroizing::new(Scalar::from_bytes_mod_order(*self.x_secret))
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("session_id", &self.session_id())
            .finish_non_exhaustive()
    }
}

/// Decodes a 32-byte key (a community server key, a node key) from 64 hex characters of
/// either case.
///
/// ```
/// let key = session_protocol::parse_hex_key(&"aB".repeat(32))?;
/// assert_eq!(key, [0xab; 32]);
/// # Ok::<(), session_protocol::HexError>(())
/// ```
///
/// # Errors
/// [`HexError`] for the wrong length or a non-hex character.
pub fn parse_hex_key(s: &str) -> Result<[u8; 32], HexError> {
    wire::decode_hex(s)
}

/// `crypto_sign_ed25519_pk_to_curve25519`: the X25519 public key of an Ed25519 public key.
///
/// # Errors
/// [`KeyError::InvalidPublicKey`] exactly where libsodium refuses: not on the curve, of small
/// order, or with a torsion component.
pub fn ed25519_to_x25519(ed25519_public: &Ed25519Public) -> Result<X25519Public, KeyError> {
    crypto::ed25519_pk_to_x25519(ed25519_public.as_bytes())
        .map(X25519Public::from_bytes)
        .ok_or(KeyError::InvalidPublicKey)
}

/// The positive Ed25519 public key whose X25519 key is `x25519_public` (`y = (u-1)/(u+1)`,
/// sign bit clear). The account's real Ed25519 key is this or its negation.
///
/// # Errors
/// [`KeyError::InvalidPublicKey`] when the point is not on the curve or not in the
/// prime-order subgroup.
pub fn x25519_to_ed25519(x25519_public: &X25519Public) -> Result<Ed25519Public, KeyError> {
    crypto::x25519_to_ed25519_point(x25519_public.as_bytes())
        .map(|p| Ed25519Public::from_bytes(p.compress().to_bytes()))
        .ok_or(KeyError::InvalidPublicKey)
}

/// Verifies an Ed25519 signature as strictly as libsodium's `crypto_sign_verify_detached`:
/// canonical `S`, canonical public key, neither `R` nor the key of small order, and `R`
/// exactly the encoding the verification equation produces.
///
/// # Errors
/// [`SignatureError`] on any failure, without saying which check failed.
pub fn verify_ed25519(
    public: &Ed25519Public,
    msg: &[u8],
    signature: &[u8; 64],
) -> Result<(), SignatureError> {
    let point = curve25519_dalek::edwards::CompressedEdwardsY(public.to_bytes())
        .decompress()
        .ok_or(SignatureError)?;
    verify_ed25519_point(&point, public.as_bytes(), msg, signature)
}

/// [`verify_ed25519`] for a key already decompressed from `encoded` (saves decompressing twice
/// when the caller needs the point anyway).
///
/// The checks are `ed25519_dalek::VerifyingKey::verify_strict`'s, done without its two
/// avoidable conversions: the key's canonical encoding is checked on the bytes (not by
/// re-encoding the point, an inversion), and `R` is not decompressed (a square root). Instead
/// the verification equation's `R' = [S]B - [k]A` must encode to exactly `R`'s bytes and must not
/// have small order, which holds exactly when `R` decompresses to `R'`, a point of large order,
/// as `verify_strict` requires. The tests compare the two on valid and mutated signatures.
#[allow(clippy::arithmetic_side_effects)] // curve group arithmetic is modular
pub(crate) fn verify_ed25519_point(
    point: &curve25519_dalek::edwards::EdwardsPoint,
    encoded: &[u8; 32],
    msg: &[u8],
    signature: &[u8; 64],
) -> Result<(), SignatureError> {
    use curve25519_dalek::edwards::EdwardsPoint;
    // Not of small order (torsion components are allowed, as libsodium allows them).
    if point.is_small_order() {
        return Err(SignatureError);
    }
    // The key's y is canonical (below p). Its sign bit is then what the point re-encodes to:
    // only x = 0 could carry either sign, and those points have small order.
    let mut y = *encoded;
    if let Some(last) = y.last_mut() {
        *last &= 0x7f;
    }
    if !crypto::is_canonical_u(&y) {
        return Err(SignatureError);
    }
    let (r, s) = signature.split_first_chunk::<32>().ok_or(SignatureError)?;
    let s: [u8; 32] = s.try_into().map_err(|_| SignatureError)?;
    // Canonical S (below L).
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s)).ok_or(SignatureError)?;
    let k = crypto::reduce64(&crypto::sha512(&[&r[..], &encoded[..], msg]));
    let expected = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-point, &s);
    if expected.is_small_order() || expected.compress().as_bytes() != r {
        return Err(SignatureError);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    /// The reference `verify_ed25519_point` must equal: decompress the key, then
    /// `ed25519_dalek`'s `verify_strict` with the key's exact bytes.
    fn reference(encoded: &[u8; 32], msg: &[u8], sig: &[u8; 64]) -> bool {
        let Some(point) = curve25519_dalek::edwards::CompressedEdwardsY(*encoded).decompress()
        else {
            return false;
        };
        let key = ed25519_dalek::VerifyingKey::from(point);
        key.as_bytes() == encoded
            && key
                .verify_strict(msg, &ed25519_dalek::Signature::from_bytes(sig))
                .is_ok()
    }

    fn fast(encoded: &[u8; 32], msg: &[u8], sig: &[u8; 64]) -> bool {
        curve25519_dalek::edwards::CompressedEdwardsY(*encoded)
            .decompress()
            .is_some_and(|p| verify_ed25519_point(&p, encoded, msg, sig).is_ok())
    }

    #[test]
    #[allow(clippy::indexing_slicing, clippy::unwrap_used)]
    fn strict_verify_equals_verify_strict_on_edge_cases() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        let id = Identity::from_seed(&[5; 32]);
        let a = id.ed25519_public().to_bytes();
        let msg = b"edge";
        let sig = id.sign(msg);
        assert!(fast(&a, msg, &sig) && reference(&a, msg, &sig));
        let mut cases: alloc::vec::Vec<([u8; 32], [u8; 64])> = alloc::vec![(a, sig)];
        // Small-order R with any S; small-order keys; S = S + L (non-canonical).
        for t in EIGHT_TORSION {
            let mut bad = sig;
            bad[..32].copy_from_slice(t.compress().as_bytes());
            cases.push((a, bad));
            cases.push((t.compress().to_bytes(), sig));
            let mut trivial = [0u8; 64];
            trivial[..32].copy_from_slice(t.compress().as_bytes());
            cases.push((t.compress().to_bytes(), trivial));
        }
        // L = 2^252 + 27742317777372353535851937790883648493, little-endian.
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut s_plus_l = sig;
        let mut carry = 0u16;
        for i in 0..32 {
            let v = u16::from(sig[32 + i]) + u16::from(l[i]) + carry;
            s_plus_l[32 + i] = (v & 0xff) as u8;
            carry = v >> 8;
        }
        cases.push((a, s_plus_l));
        // Non-canonical key encodings: y + p for small y, and the sign bit flipped.
        let mut flipped = a;
        flipped[31] ^= 0x80;
        cases.push((flipped, sig));
        let mut y_plus_p = [0xffu8; 32];
        y_plus_p[0] = 0xee; // p + 1: y = 1 (identity)
        y_plus_p[31] = 0x7f;
        cases.push((y_plus_p, sig));
        for (key, sig) in cases {
            assert_eq!(
                fast(&key, msg, &sig),
                reference(&key, msg, &sig),
                "{key:02x?}"
            );
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        #[allow(clippy::indexing_slicing)]
        fn strict_verify_equals_verify_strict(
            seed in proptest::prelude::any::<[u8; 32]>(),
            msg in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            flip in proptest::prelude::any::<(usize, u8, bool)>(),
        ) {
            let id = Identity::from_seed(&seed);
            let mut key = id.ed25519_public().to_bytes();
            let mut sig = id.sign(&msg);
            let (at, mask, in_key) = flip;
            if in_key {
                key[at % 32] ^= mask;
            } else {
                sig[at % 64] ^= mask;
            }
            proptest::prop_assert_eq!(fast(&key, &msg, &sig), reference(&key, &msg, &sig));
        }
    }

    #[test]
    fn debug_shows_the_session_id_and_no_secret() {
        let seed = [0x42u8; 32];
        let me = Identity::from_seed(&seed);
        let dbg = format!("{me:?}");
        // Exactly the Session ID and nothing else.
        assert_eq!(
            dbg,
            format!(
                "Identity {{ session_id: SessionId({}), .. }}",
                me.session_id()
            )
        );
        assert!(dbg.contains(&me.session_id().to_string()));
        let seed_hex = crate::wire::encode_hex(&seed);
        assert!(!dbg.contains(&seed_hex));
        assert!(!dbg.contains(&crate::wire::encode_hex(me.signing_scalar().as_bytes())));
        assert!(!dbg.contains("4242"));
    }

    #[test]
    fn libsodium_secret_key_round_trips_and_mismatch_is_refused() {
        let me = Identity::from_seed(&[9; 32]);
        let sk = me.libsodium_secret_key();
        let again = Identity::from_libsodium_secret_key(&sk).unwrap();
        assert_eq!(again.session_id(), me.session_id());
        let mut bad = *sk;
        bad[40] ^= 1;
        assert_eq!(
            Identity::from_libsodium_secret_key(&bad).unwrap_err(),
            KeyError::SecretKeyMismatch
        );
    }

    #[test]
    fn own_signatures_verify_and_altered_ones_do_not() {
        let me = Identity::from_seed(&[3; 32]);
        let sig = me.sign(b"msg");
        assert_eq!(verify_ed25519(&me.ed25519_public(), b"msg", &sig), Ok(()));
        assert_eq!(
            verify_ed25519(&me.ed25519_public(), b"msh", &sig),
            Err(SignatureError)
        );
        let mut bad = sig;
        bad[63] ^= 0x10;
        assert_eq!(
            verify_ed25519(&me.ed25519_public(), b"msg", &bad),
            Err(SignatureError)
        );
    }

    #[test]
    fn conversions_match_the_identity() {
        let me = Identity::from_seed(&[5; 32]);
        assert_eq!(
            ed25519_to_x25519(&me.ed25519_public()),
            Ok(me.x25519_public())
        );
        let back = x25519_to_ed25519(&me.x25519_public()).unwrap();
        let mut positive = me.ed25519_public().to_bytes();
        positive[31] &= 0x7f;
        assert_eq!(back, positive);
    }
}
