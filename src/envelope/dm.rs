//! One-to-one messages: sign, then seal to the recipient ([`seal_for_recipient`]), and the
//! reverse with sender recovery ([`open_incoming`]).

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::montgomery::MontgomeryPoint;

#[cfg(feature = "hazmat")]
use crate::crypto::Keypair;
use crate::crypto::{self, Peer, SEAL_OVERHEAD, sealed};
#[cfg(feature = "hazmat")]
use crate::identity::X25519Public;
use crate::identity::{Ed25519Public, IdPrefix, Identity, SessionId, verify_ed25519_point};

/// Bytes [`seal_for_recipient`] adds: the sender's Ed25519 key, its signature, and the sealed
/// box's ephemeral key and tag.
pub const DM_OVERHEAD: usize = 32 + 64 + SEAL_OVERHEAD;

const DETERMINISTIC_KEY: &[u8; 26] = b"SessionBoxEphemeralHashKey";

/// Why a message could not be encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncryptError {
    /// The recipient is not a `05` Session ID.
    #[error("the recipient is not a standard (05) session id")]
    NotStandardId,
    /// The recipient's key has small order.
    #[error("the recipient key is not usable")]
    InvalidRecipient,
    /// The message would exceed the size limit.
    #[error("message too large")]
    TooLarge,
}

/// Why an incoming message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptError {
    /// Shorter than the fixed overhead (144 bytes): cannot be a message.
    #[error("ciphertext too short")]
    TooShort,
    /// Not addressed to this account, or altered: nothing more is said.
    #[error("decryption failed")]
    Decrypt,
    /// It decrypted, but the sender's signature does not verify.
    #[error("sender signature invalid")]
    BadSignature,
    /// It decrypted and verified, but the sender's Ed25519 key has no valid X25519 form.
    #[error("sender key invalid")]
    InvalidSender,
}

/// A decrypted one-to-one message and the key that signed it.
///
/// Its signature has been verified (see [`open_incoming`]); the sender's Session ID is
/// derived on demand by [`Incoming::sender`], which performs the one check left.
#[non_exhaustive]
pub struct Incoming {
    /// The message.
    pub message: Zeroizing<Vec<u8>>,
    /// The sender's Ed25519 key (which signed the message).
    pub sender_ed25519: Ed25519Public,
    /// The decompressed `sender_ed25519`, kept for [`Incoming::sender`].
    point: crypto::CachedPoint,
}

impl Incoming {
    /// The sender's Session ID: `05` and the X25519 form of [`Incoming::sender_ed25519`]
    /// (`crypto_sign_ed25519_pk_to_curve25519`).
    ///
    /// [`open_incoming`] has already checked the key as a signing key (on the curve, canonical,
    /// not of small order, the signature valid). This adds libsodium's conversion check: the
    /// key must lie in the prime-order subgroup (no torsion component). A key that fails it has
    /// no Session ID, so the message cannot be attributed to an account: drop it (as
    /// [`open_1o1`](super::open_1o1) does). Costs a scalar multiplication's worth of checking;
    /// call it once and keep the result.
    ///
    /// ```
    /// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
    /// use session_protocol::Identity;
    /// use session_protocol::envelope::{open_incoming, seal_for_recipient};
    ///
    /// let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
    /// let ct = seal_for_recipient(&alice, &bob.session_id(), b"hi", &mut ChaCha20Rng::from_seed([0; 32]))?;
    /// let incoming = open_incoming(&bob, &ct)?;
    /// assert_eq!(incoming.sender_ed25519, alice.ed25519_public());
    /// assert_eq!(incoming.sender()?, alice.session_id());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`DecryptError::InvalidSender`] when the key has a torsion component.
    pub fn sender(&self) -> Result<SessionId, DecryptError> {
        crypto::x25519_of_point(&self.point.0)
            .map(|x| SessionId::new(IdPrefix::Standard, x))
            .ok_or(DecryptError::InvalidSender)
    }
}

impl fmt::Debug for Incoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("sender_ed25519", &self.sender_ed25519)
            .field("len", &self.message.len())
            .finish_non_exhaustive()
    }
}

/// A recipient's key made ready for [`seal_for_recipient_key`]: the X25519 key of a `05`
/// Session ID together with its Edwards point, so that messages to the same account do not
/// each redo the conversion (a field inversion and a square root).
///
/// ```
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::Identity;
/// use session_protocol::envelope::{RecipientKey, open_incoming, seal_for_recipient, seal_for_recipient_key};
///
/// let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
/// let to_bob = RecipientKey::new(&bob.session_id())?;
/// let ct = seal_for_recipient_key(&alice, &to_bob, b"hi", &mut ChaCha20Rng::from_seed([0; 32]))?;
/// assert_eq!(&open_incoming(&bob, &ct)?.message[..], b"hi");
/// // The same bytes as sealing to the Session ID with the same randomness.
/// let again = seal_for_recipient(&alice, &bob.session_id(), b"hi", &mut ChaCha20Rng::from_seed([0; 32]))?;
/// assert_eq!(ct, again);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct RecipientKey {
    id: SessionId,
    /// An Edwards point whose Montgomery `u` is the id's key, or `None` for a `u` on the twist
    /// (no honest key; the ladder handles it).
    point: Option<crypto::CachedPoint>,
}

impl RecipientKey {
    /// Prepares the key of `to`.
    ///
    /// # Errors
    /// [`EncryptError::NotStandardId`] for an id that is not a `05` id. A small-order key is
    /// refused when sealing ([`EncryptError::InvalidRecipient`]), as [`seal_for_recipient`]
    /// refuses it.
    pub fn new(to: &SessionId) -> Result<Self, EncryptError> {
        let u = recipient_key(to)?;
        Ok(Self {
            id: *to,
            point: MontgomeryPoint(*u).to_edwards(0).map(crypto::CachedPoint),
        })
    }

    /// The Session ID this key was made from.
    pub fn session_id(&self) -> &SessionId {
        &self.id
    }

    fn peer(&self) -> Peer<'_> {
        Peer {
            u: self.id.key(),
            point: self.point.as_ref().map(|p| &p.0),
        }
    }
}

impl fmt::Debug for RecipientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RecipientKey").field(&self.id).finish()
    }
}

fn recipient_key(to: &SessionId) -> Result<&[u8; 32], EncryptError> {
    match to.prefix() {
        IdPrefix::Standard => Ok(to.key()),
        _ => Err(EncryptError::NotStandardId),
    }
}

/// `M || A || sign(M || A || Y)`.
fn signed_inner(
    sender: &Identity,
    recipient_x: &[u8; 32],
    msg: &[u8],
) -> Result<Zeroizing<Vec<u8>>, EncryptError> {
    let a = sender.ed25519_public();
    let len = msg.len().checked_add(96).ok_or(EncryptError::TooLarge)?;
    let mut inner = Zeroizing::new(Vec::with_capacity(len));
    inner.extend_from_slice(msg);
    inner.extend_from_slice(a.as_bytes());
    inner.extend_from_slice(recipient_x);
    let sig = sender.sign(&inner);
    inner.truncate(msg.len().saturating_add(32));
    inner.extend_from_slice(&sig);
    Ok(inner)
}

/// Encrypts `msg` from `sender` to the account `to`: the message, the sender's Ed25519 key and
/// the sender's signature over `msg || sender_key || recipient_key`, sealed to the recipient
/// (`crypto_box_seal`). The result is `msg.len() + 144` bytes.
///
/// ```
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::Identity;
/// use session_protocol::envelope::{open_incoming, seal_for_recipient};
///
/// let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
/// let ct = seal_for_recipient(&alice, &bob.session_id(), b"hi", &mut ChaCha20Rng::from_seed([0; 32]))?;
/// let incoming = open_incoming(&bob, &ct)?;
/// assert_eq!(&incoming.message[..], b"hi");
/// assert_eq!(incoming.sender()?, alice.session_id());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`EncryptError::NotStandardId`] for a recipient that is not a `05` id,
/// [`EncryptError::InvalidRecipient`] for a small-order recipient key,
/// [`EncryptError::TooLarge`] when the length overflows.
///
/// Sending to the same account again? [`RecipientKey`] and [`seal_for_recipient_key`] skip
/// converting its key each time.
#[doc(alias = "encrypt_for_recipient")]
pub fn seal_for_recipient<R: CryptoRng + ?Sized>(
    sender: &Identity,
    to: &SessionId,
    msg: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, EncryptError> {
    let y = recipient_key(to)?;
    seal_to(sender, Peer { u: y, point: None }, msg, draw(rng))
}

/// [`seal_for_recipient`] to a key prepared once with [`RecipientKey::new`]: the same bytes
/// for the same randomness, without converting the recipient's key again.
///
/// # Errors
/// [`EncryptError::InvalidRecipient`] for a small-order recipient key,
/// [`EncryptError::TooLarge`] when the length overflows.
pub fn seal_for_recipient_key<R: CryptoRng + ?Sized>(
    sender: &Identity,
    to: &RecipientKey,
    msg: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, EncryptError> {
    seal_to(sender, to.peer(), msg, draw(rng))
}

/// The ephemeral secret of one sealed box.
fn draw<R: CryptoRng + ?Sized>(rng: &mut R) -> Zeroizing<[u8; 32]> {
    let mut e = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(&mut e[..]);
    e
}

/// Signs, then seals to `to` with the ephemeral secret `e`: its public key and the shared
/// secret come from one batch, sharing their conversion back to Montgomery form.
fn seal_to(
    sender: &Identity,
    to: Peer<'_>,
    msg: &[u8],
    e: Zeroizing<[u8; 32]>,
) -> Result<Vec<u8>, EncryptError> {
    let inner = signed_inner(sender, to.u, msg)?;
    let mut public = [[0u8; 32]];
    let mut shared = [Zeroizing::new([0u8; 32])];
    crypto::agree_all(&[e], &[to], &mut public, &mut shared, true)
        .map_err(|_| EncryptError::InvalidRecipient)?;
    let [public] = public;
    let [shared] = shared;
    sealed::seal_shared(&public, &shared, to.u, &inner).ok_or(EncryptError::InvalidRecipient)
}

/// [`seal_for_recipient`] with the ephemeral key derived from the sender's seed, the
/// recipient and the message (`BLAKE2b-256(seed || Y || M, key = "SessionBoxEphemeralHashKey")`),
/// so equal inputs give equal ciphertexts. Used for self-addressed legacy config messages; it
/// reveals when the same message is sent twice.
///
/// # Errors
/// As [`seal_for_recipient`].
#[doc(alias = "encrypt_for_recipient_deterministic")]
pub fn seal_for_recipient_deterministic(
    sender: &Identity,
    to: &SessionId,
    msg: &[u8],
) -> Result<Vec<u8>, EncryptError> {
    let y = recipient_key(to)?;
    let eph_seed = crypto::blake2b_256_keyed(DETERMINISTIC_KEY, &[&sender.seed()[..], y, msg]);
    // crypto_box_seed_keypair: the secret is SHA-512(seed)[..32], clamped when used.
    let h = crypto::sha512(&[&eph_seed[..]]);
    let mut secret = Zeroizing::new([0u8; 32]);
    crypto::copy_prefix(&mut secret, &h[..]);
    seal_to(sender, Peer { u: y, point: None }, msg, secret)
}

/// Opens a message sent to `me` and checks the sender's signature as strictly as libsodium's
/// `crypto_sign_verify_detached`: the box authenticates, the sender's Ed25519 key is on the
/// curve, canonically encoded and not of small order, and the signature over
/// `message || sender key || own X25519 key` is valid (canonical `S`, `R` not of small order).
///
/// The sender's Session ID is not derived here: [`Incoming::sender`] derives it on demand and
/// adds the last of libsodium's conversion checks (no torsion component in the key). Callers
/// that attribute the message to an account must call it and drop the message when it fails.
///
/// # Errors
/// [`DecryptError::TooShort`] before any crypto; [`DecryptError::Decrypt`] when the box does not
/// open (and when the opened payload is shorter than key and signature);
/// [`DecryptError::BadSignature`] after it opens.
#[doc(alias = "decrypt_incoming")]
pub fn open_incoming(me: &Identity, ciphertext: &[u8]) -> Result<Incoming, DecryptError> {
    if ciphertext.len() < DM_OVERHEAD {
        return Err(DecryptError::TooShort);
    }
    let x = me.x25519_public();
    let mut inner = sealed::open(me.x25519_secret(), x.as_bytes(), ciphertext)
        .map_err(|_| DecryptError::Decrypt)?;
    let msg_len = inner.len().checked_sub(96).ok_or(DecryptError::Decrypt)?;
    let (_, tail) = inner.split_at(msg_len);
    let (a, sig) = tail
        .split_first_chunk::<32>()
        .ok_or(DecryptError::Decrypt)?;
    let a = *a;
    let sig: [u8; 64] = sig.try_into().map_err(|_| DecryptError::Decrypt)?;
    // Signed data: M || A || own X. Reuse the buffer: overwrite the signature with X.
    inner.truncate(msg_len.saturating_add(32));
    inner.extend_from_slice(x.as_bytes());
    // Decompress the sender's key once, for the signature check and a later conversion.
    let point: EdwardsPoint = curve25519_dalek::edwards::CompressedEdwardsY(a)
        .decompress()
        .ok_or(DecryptError::BadSignature)?;
    verify_ed25519_point(&point, &a, &inner, &sig).map_err(|_| DecryptError::BadSignature)?;
    inner.truncate(msg_len);
    Ok(Incoming {
        message: inner,
        sender_ed25519: Ed25519Public::from_bytes(a),
        point: crypto::CachedPoint(point),
    })
}

/// `crypto_box_seal` of arbitrary bytes to an X25519 key, for tests and fuzzing: it lets any
/// inner payload (forged signatures, odd sender keys) reach the checks in [`open_incoming`].
///
/// # Errors
/// [`EncryptError::InvalidRecipient`] for a small-order key.
#[cfg(feature = "hazmat")]
#[doc(alias = "seal_to")]
pub fn seal_for_recipient_raw<R: CryptoRng + ?Sized>(
    recipient_x25519: &X25519Public,
    plaintext: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, EncryptError> {
    let mut e = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(&mut e[..]);
    sealed::seal(
        &Keypair::from_secret(*e),
        recipient_x25519.as_bytes(),
        plaintext,
    )
    .ok_or(EncryptError::InvalidRecipient)
}
