//! Community ("SOGS") blinded ids and key pairs, and the version-check key.
//!
//! A community server with public key `P` sees each account under a blinded key instead of its
//! Session ID, so that two servers cannot link the same account:
//!
//! * `15` blinding: `k15 = H64(P) mod L`, blinded key `k15·A`. Derived from a Session ID the
//!   sign of `A` is unknown, so there are two candidate ids.
//! * `25` blinding: `k25 = H64(05 || X || P) mod L`, blinded key `k25·|A|`: one id.
//!
//! The blinded key pairs sign with plain Ed25519 verification semantics, so a server verifies
//! them with any Ed25519 implementation (see [`verify_ed25519`](crate::verify_ed25519)).

use core::fmt;

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::{Signer, SigningKey};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::key_types::Ed25519Public;
use super::keys::Identity;
use super::session_id::{IdPrefix, SessionId};
use crate::crypto;

/// Why a blinded id or key could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BlindingError {
    /// The id to blind is not a standard `05` Session ID.
    #[error("only 05 session ids can be blinded")]
    NotStandardId,
    /// The id to compare against is not a `15` or `25` blinded id.
    #[error("not a blinded id")]
    NotBlindedId,
    /// The account key is not a point in the prime-order subgroup ("not on main subgroup").
    #[error("the account key is not a valid curve point")]
    InvalidKey,
}

/// Which community blinding scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Blinding {
    /// Legacy `15` blinding (factor from the server key only).
    Blind15,
    /// Current `25` blinding (factor from the account and the server key).
    Blind25,
}

impl Blinding {
    /// The prefix of ids blinded this way.
    pub const fn prefix(self) -> IdPrefix {
        match self {
            Self::Blind15 => IdPrefix::Blinded15,
            Self::Blind25 => IdPrefix::Blinded25,
        }
    }
}

const BLIND25_SEED_KEY: &[u8; 20] = b"SessCommBlind25_seed";
const BLIND25_SIG_KEY: &[u8; 19] = b"SessCommBlind25_sig";
const VERSION_KEY: &[u8; 19] = b"VersionCheckKey_sig";

fn k15(server: &[u8; 32]) -> Scalar {
    crypto::reduce64(&crypto::blake2b_512(&[server]))
}

fn k25(x25519_public: &[u8; 32], server: &[u8; 32]) -> Scalar {
    crypto::reduce64(&crypto::blake2b_512(&[&[0x05], x25519_public, server]))
}

fn standard_key(id: &SessionId) -> Result<&[u8; 32], BlindingError> {
    match id.prefix() {
        IdPrefix::Standard => Ok(id.key()),
        _ => Err(BlindingError::NotStandardId),
    }
}

fn blinded(prefix: IdPrefix, k: &Scalar, point: &EdwardsPoint) -> Result<SessionId, BlindingError> {
    let kp = crypto::mul_noclamp(k, point).ok_or(BlindingError::InvalidKey)?;
    Ok(SessionId::new(prefix, kp.compress().to_bytes()))
}

/// The two candidate `15`-blinded ids of a Session ID on the server with key `server`.
///
/// The first is `k15·A⁺` for the positive twin `A⁺` of the account's Ed25519 key; the second
/// differs only in the sign bit (the last byte's top bit). The account's real blinded id is
/// one of the two.
///
/// # Errors
/// [`BlindingError::NotStandardId`] for ids not prefixed `05`; [`BlindingError::InvalidKey`]
/// when the key is not a usable point.
pub fn blind15_ids(id: &SessionId, server: &[u8; 32]) -> Result<[SessionId; 2], BlindingError> {
    let x = standard_key(id)?;
    let a = crypto::x25519_to_ed25519_point(x).ok_or(BlindingError::InvalidKey)?;
    let first = blinded(IdPrefix::Blinded15, &k15(server), &a)?;
    let mut flipped = *first.key();
    flipped[31] ^= 0x80;
    Ok([first, SessionId::new(IdPrefix::Blinded15, flipped)])
}

/// The `25`-blinded id of a Session ID on the server with key `server`.
///
/// ```
/// use session_protocol::{blind25_id, Identity};
///
/// let me = Identity::from_seed(&[1; 32]);
/// let server = [2u8; 32];
/// let id = blind25_id(&me.session_id(), &server)?;
/// assert_eq!(id, me.blinded_keypair(session_protocol::Blinding::Blind25, &server)?.id());
/// # Ok::<(), session_protocol::BlindingError>(())
/// ```
///
/// # Errors
/// As [`blind15_ids`].
pub fn blind25_id(id: &SessionId, server: &[u8; 32]) -> Result<SessionId, BlindingError> {
    let x = standard_key(id)?;
    let a = crypto::x25519_to_ed25519_point(x).ok_or(BlindingError::InvalidKey)?;
    blinded(IdPrefix::Blinded25, &k25(x, server), &a)
}

/// The blinded id of an account given its Ed25519 public key: `15` multiplies the key as
/// given (so the result is the account's real `15` id), `25` clears its sign bit first.
///
/// # Errors
/// [`BlindingError::InvalidKey`] when the key is not a canonical point of the prime-order
/// subgroup.
pub fn blinded_id_from_ed25519(
    blinding: Blinding,
    ed25519_public: &Ed25519Public,
    server: &[u8; 32],
) -> Result<SessionId, BlindingError> {
    let ed25519_public = ed25519_public.as_bytes();
    match blinding {
        Blinding::Blind15 => {
            let a =
                crypto::decode_canonical_point(ed25519_public).ok_or(BlindingError::InvalidKey)?;
            blinded(IdPrefix::Blinded15, &k15(server), &a)
        }
        Blinding::Blind25 => {
            let mut positive = *ed25519_public;
            positive[31] &= 0x7f;
            let a = crypto::decode_canonical_point(&positive).ok_or(BlindingError::InvalidKey)?;
            let x = a.to_montgomery().to_bytes();
            blinded(IdPrefix::Blinded25, &k25(&x, server), &a)
        }
    }
}

/// Whether `blinded` is the `15` or `25` blinded id of `id` on the server `server` (for `15`,
/// either sign matches).
///
/// # Errors
/// [`BlindingError::NotBlindedId`] when `blinded` is neither a `15` nor a `25` id, and the
/// errors of [`blind15_ids`] for `id`.
pub fn session_id_matches_blinded(
    id: &SessionId,
    blinded: &SessionId,
    server: &[u8; 32],
) -> Result<bool, BlindingError> {
    let same = |a: &SessionId| bool::from(a.key().ct_eq(blinded.key()));
    match blinded.prefix() {
        IdPrefix::Blinded15 => Ok(blind15_ids(id, server)?.iter().any(same)),
        IdPrefix::Blinded25 => Ok(same(&blind25_id(id, server)?)),
        _ => Err(BlindingError::NotBlindedId),
    }
}

/// An account's blinded key pair for one community server.
///
/// Signatures made with it verify as ordinary Ed25519 signatures under [`Self::public`].
/// Not `Clone`; secrets are wiped on drop.
pub struct BlindedKeypair {
    blinding: Blinding,
    secret: Zeroizing<Scalar>,
    public: [u8; 32],
    /// Secret input to the deterministic nonce (scheme-specific, see [`Identity::blinded_keypair`]).
    nonce_key: Zeroizing<[u8; 32]>,
}

// Wiped on drop by its fields: `Zeroizing` for the secret scalar and the nonce key.
impl zeroize::ZeroizeOnDrop for BlindedKeypair {}

impl BlindedKeypair {
    /// The blinded Ed25519 public key.
    pub fn public(&self) -> Ed25519Public {
        Ed25519Public::from_bytes(self.public)
    }

    /// The blinded id (`15` or `25` followed by [`Self::public`]).
    pub fn id(&self) -> SessionId {
        SessionId::new(self.blinding.prefix(), self.public)
    }

    /// Which scheme this key pair belongs to.
    pub fn blinding(&self) -> Blinding {
        self.blinding
    }

    /// A deterministic signature of `msg`, verifiable as plain Ed25519 under [`Self::public`].
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        let wide = match self.blinding {
            Blinding::Blind15 => crypto::sha512(&[&self.nonce_key[..], &self.public, msg]),
            Blinding::Blind25 => crypto::blake2b_512_keyed(
                BLIND25_SIG_KEY,
                &[&self.nonce_key[..], &self.public, msg],
            ),
        };
        let r = Zeroizing::new(crypto::reduce64(&wide));
        crypto::sign_with_nonce(&r, &self.secret, &self.public, msg)
    }

    /// The secret scalar, for the blinded-DM key agreement.
    pub(crate) fn secret_scalar(&self) -> &Scalar {
        &self.secret
    }
}

impl fmt::Debug for BlindedKeypair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlindedKeypair")
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

/// Platforms named in a version-check request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Platform {
    /// `android`
    Android,
    /// `desktop`
    Desktop,
    /// `ios`
    Ios,
}

impl Platform {
    /// The name used in the request path.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Android => "android",
            Self::Desktop => "desktop",
            Self::Ios => "ios",
        }
    }
}

/// The `07` version-check key: an Ed25519 key pair derived from the account seed, used only to
/// sign requests to the version server.
pub struct VersionKey {
    signing: SigningKey,
}

// Wiped on drop by its `SigningKey` (ZeroizeOnDrop).
impl zeroize::ZeroizeOnDrop for VersionKey {}

impl VersionKey {
    /// The Ed25519 public key.
    pub fn public(&self) -> Ed25519Public {
        Ed25519Public::from_bytes(self.signing.verifying_key().to_bytes())
    }

    /// The `07`-prefixed id of the key.
    pub fn id(&self) -> SessionId {
        SessionId::new(IdPrefix::Version, self.public().to_bytes())
    }

    /// libsodium's 64-byte secret key form, `seed || public`.
    pub fn libsodium_secret_key(&self) -> Zeroizing<[u8; 64]> {
        Zeroizing::new(self.signing.to_keypair_bytes())
    }

    /// Signs `"{timestamp}GET/session_version?platform={platform}"`.
    pub fn sign_version_check(&self, timestamp: u64, platform: Platform) -> [u8; 64] {
        let msg = alloc::format!(
            "{timestamp}GET/session_version?platform={}",
            platform.as_str()
        );
        self.signing.sign(msg.as_bytes()).to_bytes()
    }

    /// Signs `"{timestamp}{method}{path}"` followed by the body bytes, if any.
    pub fn sign_request(
        &self,
        timestamp: u64,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> [u8; 64] {
        let mut msg = alloc::format!("{timestamp}{method}{path}").into_bytes();
        msg.extend_from_slice(body.unwrap_or_default());
        self.signing.sign(&msg).to_bytes()
    }
}

impl fmt::Debug for VersionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VersionKey")
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// This account's blinded key pair on the community server with key `server`.
    ///
    /// `15`: `a15 = k15·a`. `25`: `a25 = ±k25·a`, negated when the account's Ed25519 key is
    /// negative, so that the public key equals [`blind25_id`] of the Session ID.
    ///
    /// # Errors
    /// [`BlindingError::InvalidKey`] only if the blinding factor is zero (probability 2⁻²⁵²).
    #[allow(clippy::arithmetic_side_effects)] // scalar arithmetic is modular
    pub fn blinded_keypair(
        &self,
        blinding: Blinding,
        server: &[u8; 32],
    ) -> Result<BlindedKeypair, BlindingError> {
        let a = self.signing_scalar();
        let (k, nonce_key) = match blinding {
            Blinding::Blind15 => {
                // Nonce key: the upper half of SHA-512 over libsodium's 64-byte secret key.
                let h = crypto::sha512(&[&self.libsodium_secret_key()[..]]);
                let mut nk = Zeroizing::new([0u8; 32]);
                crypto::copy_prefix(&mut nk, h.get(32..).unwrap_or_default());
                (k15(server), nk)
            }
            Blinding::Blind25 => {
                let k = k25(self.x25519_public().as_bytes(), server);
                let negative = self.ed25519_public().as_bytes()[31] & 0x80 != 0;
                let k = if negative { -k } else { k };
                (
                    k,
                    crypto::blake2b_256_keyed(BLIND25_SEED_KEY, &[&self.seed()[..]]),
                )
            }
        };
        let secret = Zeroizing::new(k * *a);
        if secret.as_bytes() == &[0u8; 32] {
            return Err(BlindingError::InvalidKey);
        }
        let public = EdwardsPoint::mul_base(&secret).compress().to_bytes();
        Ok(BlindedKeypair {
            blinding,
            secret,
            public,
            nonce_key,
        })
    }

    /// This account's `07` version-check key: the Ed25519 key pair of
    /// `BLAKE2b-256(seed, key = "VersionCheckKey_sig")`.
    pub fn version_key(&self) -> VersionKey {
        let seed = crypto::blake2b_256_keyed(VERSION_KEY, &[&self.seed()[..]]);
        VersionKey {
            signing: SigningKey::from_bytes(&seed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify_ed25519;
    use alloc::string::ToString;

    #[test]
    fn blinded_keypairs_agree_with_ids_from_the_session_id() {
        for seed in [[1u8; 32], [2; 32], [3; 32], [200; 32]] {
            let me = Identity::from_seed(&seed);
            let server = [seed[0].wrapping_mul(7); 32];
            let k25 = me.blinded_keypair(Blinding::Blind25, &server).unwrap();
            assert_eq!(k25.id(), blind25_id(&me.session_id(), &server).unwrap());
            let k15 = me.blinded_keypair(Blinding::Blind15, &server).unwrap();
            assert!(
                blind15_ids(&me.session_id(), &server)
                    .unwrap()
                    .contains(&k15.id())
            );
            assert_eq!(
                blinded_id_from_ed25519(Blinding::Blind15, &me.ed25519_public(), &server),
                Ok(k15.id())
            );
            assert_eq!(
                blinded_id_from_ed25519(Blinding::Blind25, &me.ed25519_public(), &server),
                Ok(k25.id())
            );
            for kp in [&k15, &k25] {
                let sig = kp.sign(b"hi");
                assert_eq!(verify_ed25519(&kp.public(), b"hi", &sig), Ok(()));
                assert!(session_id_matches_blinded(&me.session_id(), &kp.id(), &server).unwrap());
            }
        }
    }

    #[test]
    fn debug_output_of_blinded_and_version_keys_holds_no_secret() {
        let me = Identity::from_seed(&[0x42; 32]);
        let kp = me.blinded_keypair(Blinding::Blind25, &[1; 32]).unwrap();
        let vk = me.version_key();
        let secrets = [
            crate::wire::encode_hex(kp.secret_scalar().as_bytes()),
            crate::wire::encode_hex(&kp.nonce_key[..]),
            crate::wire::encode_hex(&vk.libsodium_secret_key()[..32]),
            crate::wire::encode_hex(&me.seed()[..]),
        ];
        for dbg in [alloc::format!("{kp:?}"), alloc::format!("{vk:?}")] {
            for secret in &secrets {
                assert!(!dbg.contains(&secret[..16]), "{dbg}");
            }
        }
        assert!(alloc::format!("{kp:?}").contains(&kp.id().to_string()));
        assert!(alloc::format!("{vk:?}").contains(&vk.id().to_string()));
    }

    #[test]
    fn wrong_prefixes_are_refused() {
        let me = Identity::from_seed(&[1; 32]);
        let group = SessionId::new(IdPrefix::Group, [9; 32]);
        assert_eq!(
            blind25_id(&group, &[0; 32]),
            Err(BlindingError::NotStandardId)
        );
        assert_eq!(
            blind15_ids(&group, &[0; 32]),
            Err(BlindingError::NotStandardId)
        );
        assert_eq!(
            session_id_matches_blinded(&me.session_id(), &me.session_id(), &[0; 32]),
            Err(BlindingError::NotBlindedId)
        );
    }

    #[test]
    fn keys_off_the_prime_order_subgroup_are_refused() {
        // u = 0 is the X25519 point of order 2; u = 2 is not on the curve.
        for bad in [[0u8; 32], {
            let mut u = [0u8; 32];
            u[0] = 2;
            u
        }] {
            let id = SessionId::new(IdPrefix::Standard, bad);
            assert_eq!(blind25_id(&id, &[1; 32]), Err(BlindingError::InvalidKey));
            assert_eq!(blind15_ids(&id, &[1; 32]), Err(BlindingError::InvalidKey));
        }
        // The Ed25519 identity point.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            blinded_id_from_ed25519(
                Blinding::Blind15,
                &Ed25519Public::from_bytes(identity),
                &[1; 32]
            ),
            Err(BlindingError::InvalidKey)
        );
    }
}
