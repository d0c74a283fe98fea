//! Direct messages between community-blinded ids (the community server's "inbox").
//!
//! Key: `K = BLAKE2b-256(s || sender_blinded || recipient_blinded)` (the sender's blinded key
//! first on both sides), with `s` the Ed25519 point
//! * `15`: own unblinded scalar times the other side's `15` key (the factor `k15` is the same for
//!   everyone on a server, so both sides reach `k15·a·b·G`),
//! * `25`: own `25`-blinded scalar times the other side's `25` key.
//!
//! Wire: `0x00 || XChaCha20-Poly1305(K, nonce, message || sender_ed25519) || nonce(24)`.

use alloc::vec::Vec;
use core::fmt;

use curve25519_dalek::scalar::Scalar;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use crate::crypto::{self, AeadKey, HopCipher};
use crate::identity::{
    Blinding, Ed25519Public, IdPrefix, Identity, SessionId, blinded_id_from_ed25519,
    ed25519_to_x25519,
};

/// Why a blinded DM could not be encrypted or opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BlindedDmError {
    /// An id that is not `15`/`25`, or sender and recipient ids of different kinds.
    #[error("blinded ids must both be 15 or both be 25")]
    NotBlinded,
    /// Neither id is this account's blinded id on this server.
    #[error("this account is neither sender nor recipient")]
    NotParticipant,
    /// A blinded key is not a valid point.
    #[error("invalid blinded key")]
    InvalidKey,
    /// Wrong version byte or too short: not a blinded DM.
    #[error("not a blinded message")]
    Malformed,
    /// Did not authenticate.
    #[error("decryption failed")]
    Decrypt,
    /// It decrypted, but the sender key inside does not blind to the claimed sender id.
    #[error("sender does not match the claimed blinded id")]
    SenderMismatch,
}

/// A decrypted blinded DM.
#[non_exhaustive]
pub struct BlindedIncoming {
    /// The message.
    pub message: Zeroizing<Vec<u8>>,
    /// The sender's real Session ID (revealed to the recipient only).
    pub sender: SessionId,
    /// The sender's Ed25519 key.
    pub sender_ed25519: Ed25519Public,
}

impl fmt::Debug for BlindedIncoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlindedIncoming")
            .field("sender", &self.sender)
            .field("len", &self.message.len())
            .finish_non_exhaustive()
    }
}

fn scheme(id: &SessionId) -> Result<Blinding, BlindedDmError> {
    match id.prefix() {
        IdPrefix::Blinded15 => Ok(Blinding::Blind15),
        IdPrefix::Blinded25 => Ok(Blinding::Blind25),
        _ => Err(BlindedDmError::NotBlinded),
    }
}

/// `me`'s secret scalar for the shared point, and `me`'s blinded id.
fn my_side(
    me: &Identity,
    blinding: Blinding,
    server: &[u8; 32],
) -> Result<(Zeroizing<Scalar>, SessionId), BlindedDmError> {
    let kp = me
        .blinded_keypair(blinding, server)
        .map_err(|_| BlindedDmError::InvalidKey)?;
    let scalar = match blinding {
        Blinding::Blind15 => me.signing_scalar(),
        _ => Zeroizing::new(*kp.secret_scalar()),
    };
    Ok((scalar, kp.id()))
}

fn dm_key(
    scalar: &Scalar,
    other: &SessionId,
    sender: &SessionId,
    recipient: &SessionId,
) -> Result<AeadKey, BlindedDmError> {
    let point = crypto::decode_canonical_point(other.key()).ok_or(BlindedDmError::InvalidKey)?;
    let s = crypto::mul_noclamp(scalar, &point).ok_or(BlindedDmError::InvalidKey)?;
    let key = crypto::blake2b_256(&[s.compress().as_bytes(), sender.key(), recipient.key()]);
    Ok(AeadKey::from_raw(HopCipher::XChaCha20, &key))
}

/// Encrypts `msg` from `sender` to the blinded id `recipient` on the community server `server`.
/// The sender is identified by its own blinded id of the same kind.
///
/// ```
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::{Blinding, Identity};
/// use session_protocol::envelope::{open_blinded_dm, seal_blinded_dm};
///
/// let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
/// let server = [0x1d; 32];
/// let a = alice.blinded_keypair(Blinding::Blind25, &server)?.id();
/// let b = bob.blinded_keypair(Blinding::Blind25, &server)?.id();
/// let ct = seal_blinded_dm(&alice, &b, &server, b"hi", &mut ChaCha20Rng::from_seed([0; 32]))?;
/// let msg = open_blinded_dm(&bob, &a, &b, &server, &ct)?;
/// assert_eq!((&msg.message[..], msg.sender), (&b"hi"[..], alice.session_id()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`BlindedDmError::NotBlinded`] for a recipient id that is not `15`/`25`;
/// [`BlindedDmError::InvalidKey`] when the recipient's blinded key is not a usable point or the
/// sender cannot blind its key for this server.
#[doc(alias = "encrypt_blinded_dm")]
pub fn seal_blinded_dm<R: CryptoRng + ?Sized>(
    sender: &Identity,
    recipient: &SessionId,
    server: &[u8; 32],
    msg: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, BlindedDmError> {
    seal_parts(
        sender,
        recipient,
        server,
        &[msg, sender.ed25519_public().as_bytes()],
        rng,
    )
}

/// `0x00 || XChaCha20-Poly1305(K, nonce, parts…) || nonce` with the key `sender` shares with
/// `recipient`.
fn seal_parts<R: CryptoRng + ?Sized>(
    sender: &Identity,
    recipient: &SessionId,
    server: &[u8; 32],
    parts: &[&[u8]],
    rng: &mut R,
) -> Result<Vec<u8>, BlindedDmError> {
    let blinding = scheme(recipient)?;
    let (scalar, me_blinded) = my_side(sender, blinding, server)?;
    let key = dm_key(&scalar, recipient, &me_blinded, recipient)?;
    let mut nonce = [0u8; 24];
    rng.fill_bytes(&mut nonce);
    let len = parts
        .iter()
        .try_fold(1usize + 16 + 24, |n, p| n.checked_add(p.len()))
        .ok_or(BlindedDmError::Malformed)?;
    let mut out = Vec::with_capacity(len);
    out.push(0);
    parts.iter().for_each(|p| out.extend_from_slice(p));
    let body = out.get_mut(1..).ok_or(BlindedDmError::Malformed)?;
    let tag = key
        .seal_in_place(&nonce, body)
        .ok_or(BlindedDmError::Malformed)?;
    out.extend_from_slice(&tag);
    out.extend_from_slice(&nonce);
    Ok(out)
}

/// Encrypts an arbitrary inner plaintext as a blinded DM from `sender` to `recipient`, for
/// tests and fuzzing: `inner` is sealed as it is, so its last 32 bytes are the sender key the
/// recipient will check (a short `inner`, another account's key or a small-order key reach the
/// checks in [`open_blinded_dm`] behind the authentication). [`seal_blinded_dm`] is this
/// with `inner = msg || sender_ed25519`.
///
/// ```
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::{Blinding, Identity};
/// use session_protocol::envelope::{BlindedDmError, open_blinded_dm, seal_blinded_dm_raw};
///
/// let (alice, bob, eve) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]), Identity::from_seed(&[3; 32]));
/// let server = [0x1d; 32];
/// let a = alice.blinded_keypair(Blinding::Blind25, &server)?.id();
/// let b = bob.blinded_keypair(Blinding::Blind25, &server)?.id();
/// let claims_eve = [&b"hi"[..], eve.ed25519_public().as_bytes()].concat();
/// let ct = seal_blinded_dm_raw(&alice, &b, &server, &claims_eve, &mut ChaCha20Rng::from_seed([0; 32]))?;
/// assert_eq!(open_blinded_dm(&bob, &a, &b, &server, &ct).unwrap_err(), BlindedDmError::SenderMismatch);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`seal_blinded_dm`].
#[cfg(feature = "hazmat")]
pub fn seal_blinded_dm_raw<R: CryptoRng + ?Sized>(
    sender: &Identity,
    recipient: &SessionId,
    server: &[u8; 32],
    inner: &[u8],
    rng: &mut R,
) -> Result<Vec<u8>, BlindedDmError> {
    seal_parts(sender, recipient, server, &[inner], rng)
}

/// Opens a blinded DM from `sender` to `recipient` (both blinded ids as the server reports
/// them). `me` may be either party: the recipient reading its inbox, or the sender reading its
/// outbox. The sender's real key inside must blind to `sender`.
///
/// # Errors
/// Before any crypto: [`BlindedDmError::NotBlinded`] for ids that are not both `15` or both
/// `25`, [`BlindedDmError::Malformed`] for a wrong version byte or a message too short,
/// [`BlindedDmError::NotParticipant`] when `me` is neither party, [`BlindedDmError::InvalidKey`]
/// for an unusable blinded key. Then [`BlindedDmError::Decrypt`] when it does not
/// authenticate, and after it opens [`BlindedDmError::SenderMismatch`] when the key inside
/// does not blind to `sender`.
#[doc(alias = "decrypt_blinded_dm")]
pub fn open_blinded_dm(
    me: &Identity,
    sender: &SessionId,
    recipient: &SessionId,
    server: &[u8; 32],
    ciphertext: &[u8],
) -> Result<BlindedIncoming, BlindedDmError> {
    let blinding = scheme(sender)?;
    if scheme(recipient)? != blinding {
        return Err(BlindedDmError::NotBlinded);
    }
    let (&version, rest) = ciphertext.split_first().ok_or(BlindedDmError::Malformed)?;
    if version != 0 || rest.len() < 32 + 16 + 24 {
        return Err(BlindedDmError::Malformed);
    }
    let (scalar, mine) = my_side(me, blinding, server)?;
    // 15 ids are ambiguous in sign: compare without the sign bit.
    let same = |a: &SessionId, b: &SessionId| match blinding {
        Blinding::Blind15 => {
            a.key()[..31] == b.key()[..31] && (a.key()[31] & 0x7f) == (b.key()[31] & 0x7f)
        }
        _ => a == b,
    };
    let other = if same(&mine, recipient) {
        sender
    } else if same(&mine, sender) {
        recipient
    } else {
        return Err(BlindedDmError::NotParticipant);
    };
    let key = dm_key(&scalar, other, sender, recipient)?;
    // Wire: ciphertext || tag || nonce; the AEAD helper takes nonce || ciphertext || tag.
    let (sealed, nonce) = rest
        .split_last_chunk::<24>()
        .ok_or(BlindedDmError::Malformed)?;
    let mut buf = Zeroizing::new(Vec::with_capacity(rest.len()));
    buf.extend_from_slice(nonce);
    buf.extend_from_slice(sealed);
    let plain = key
        .open_in_place(&mut buf)
        .map_err(|_| BlindedDmError::Decrypt)?;
    let msg_len = plain
        .len()
        .checked_sub(32)
        .ok_or(BlindedDmError::Malformed)?;
    let (msg, a) = plain.split_at(msg_len);
    let a = Ed25519Public::from_bytes(a.try_into().map_err(|_| BlindedDmError::Malformed)?);
    let claimed = blinded_id_from_ed25519(blinding, &a, server)
        .map_err(|_| BlindedDmError::SenderMismatch)?;
    if !same(&claimed, sender) {
        return Err(BlindedDmError::SenderMismatch);
    }
    let x = ed25519_to_x25519(&a).map_err(|_| BlindedDmError::SenderMismatch)?;
    Ok(BlindedIncoming {
        message: Zeroizing::new(msg.to_vec()),
        sender: SessionId::new(IdPrefix::Standard, x.to_bytes()),
        sender_ed25519: a,
    })
}
