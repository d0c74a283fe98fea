//! Small formats: push-notification payloads and ONS (Session name) lookups.

use alloc::vec::Vec;

use crate::crypto::{self, Cipher, HopKey, TAG_LEN};
use crate::identity::SessionId;

/// Why a push payload or ONS answer did not decrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmallFormatError {
    /// Too short to hold a nonce and a tag.
    #[error("too short")]
    TooShort,
    /// Did not authenticate.
    #[error("decryption failed")]
    Decrypt,
    /// The ONS plaintext is not a Session ID.
    #[error("not a session id")]
    NotSessionId,
}

/// Decrypts a push-notification payload `nonce(24) || XChaCha20-Poly1305(key, nonce, data)` and
/// strips the trailing zero padding.
///
/// # Errors
/// [`SmallFormatError::TooShort`] or [`SmallFormatError::Decrypt`].
pub fn decrypt_push_notification(
    key: &[u8; 32],
    payload: &[u8],
) -> Result<Vec<u8>, SmallFormatError> {
    if payload.len() < 24 + TAG_LEN {
        return Err(SmallFormatError::TooShort);
    }
    let mut buf = payload.to_vec();
    let plain = HopKey::from_raw(Cipher::XChaCha20, key)
        .open_in_place(&mut buf)
        .map_err(|_| SmallFormatError::Decrypt)?;
    let end = plain
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i.saturating_add(1));
    Ok(plain.get(..end).unwrap_or_default().to_vec())
}

/// Decrypts an ONS lookup answer (current records): the key is
/// `BLAKE2b-256(name, key = BLAKE2b-256(name))` and the ciphertext XChaCha20-Poly1305 under the
/// returned nonce; the plaintext is the 33-byte Session ID. Pass the name as the user typed it
/// after lower-casing (ONS names are case-insensitive).
///
/// Records registered before hard fork 16 (Argon2id key, no nonce) are not supported.
///
/// # Errors
/// [`SmallFormatError`] when it does not decrypt or is not a Session ID.
pub fn decrypt_ons_response(
    name: &str,
    ciphertext: &[u8],
    nonce: &[u8; 24],
) -> Result<SessionId, SmallFormatError> {
    if ciphertext.len() < TAG_LEN {
        return Err(SmallFormatError::TooShort);
    }
    let name_hash = crypto::blake2b_256(&[name.as_bytes()]);
    let key = crypto::blake2b_256_keyed(&name_hash, &[name.as_bytes()]);
    let mut buf = nonce.to_vec();
    buf.extend_from_slice(ciphertext);
    let plain = HopKey::from_raw(Cipher::XChaCha20, &key)
        .open_in_place(&mut buf)
        .map_err(|_| SmallFormatError::Decrypt)?;
    SessionId::from_slice(plain).map_err(|_| SmallFormatError::NotSessionId)
}
