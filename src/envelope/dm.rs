//! One-to-one messages: sign, then seal to the recipient ([`seal_for_recipient`]), and the
//! reverse with sender recovery ([`open_incoming`]).

use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::crypto::{self, Keypair, SEAL_OVERHEAD, sealed};
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

/// A decrypted one-to-one message and who sent it.
#[non_exhaustive]
pub struct Incoming {
    /// The message.
    pub message: Zeroizing<Vec<u8>>,
    /// The sender's Ed25519 key (which signed the message).
    pub sender_ed25519: Ed25519Public,
    /// The sender's Session ID, derived from that key.
    pub sender: SessionId,
}

impl fmt::Debug for Incoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("sender", &self.sender)
            .field("len", &self.message.len())
            .finish_non_exhaustive()
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
/// assert_eq!(incoming.sender, alice.session_id());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`EncryptError::NotStandardId`] for a recipient that is not a `05` id,
/// [`EncryptError::InvalidRecipient`] for a small-order recipient key,
/// [`EncryptError::TooLarge`] when the length overflows.
#[doc(alias = "encrypt_for_recipient")]
pub fn seal_for_recipient<R: CryptoRng + ?Sized>(
    sender: &Identity,
    to: &SessionId,
    msg: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, EncryptError> {
    let y = recipient_key(to)?;
    let inner = signed_inner(sender, y, msg)?;
    let mut e = Zeroizing::new([0u8; 32]);
    rng.fill_bytes(&mut e[..]);
    let eph = Keypair::from_secret(*e);
    sealed::seal(&eph, y, &inner).ok_or(EncryptError::InvalidRecipient)
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
    let inner = signed_inner(sender, y, msg)?;
    let eph_seed = crypto::blake2b_256_keyed(DETERMINISTIC_KEY, &[&sender.seed()[..], y, msg]);
    // crypto_box_seed_keypair: the secret is SHA-512(seed)[..32], clamped when used.
    let h = crypto::sha512(&[&eph_seed[..]]);
    let mut secret = Zeroizing::new([0u8; 32]);
    crypto::copy_prefix(&mut secret, &h[..]);
    let eph = Keypair::from_secret(*secret);
    sealed::seal(&eph, y, &inner).ok_or(EncryptError::InvalidRecipient)
}

/// Opens a message sent to `me`, checks the sender's signature (as strictly as libsodium), and
/// derives the sender's Session ID from the signing key.
///
/// # Errors
/// [`DecryptError::TooShort`] before any crypto; [`DecryptError::Decrypt`] when the box does not
/// open (and when the opened payload is shorter than key and signature);
/// [`DecryptError::BadSignature`] / [`DecryptError::InvalidSender`] after it opens.
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
    // Decompress the sender's key once, for the signature check and the conversion.
    let point = curve25519_dalek::edwards::CompressedEdwardsY(a)
        .decompress()
        .ok_or(DecryptError::BadSignature)?;
    verify_ed25519_point(&point, &a, &inner, &sig).map_err(|_| DecryptError::BadSignature)?;
    let sender_x = crypto::x25519_of_point(&point).ok_or(DecryptError::InvalidSender)?;
    inner.truncate(msg_len);
    Ok(Incoming {
        message: inner,
        sender_ed25519: Ed25519Public::from_bytes(a),
        sender: SessionId::new(IdPrefix::Standard, sender_x),
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
