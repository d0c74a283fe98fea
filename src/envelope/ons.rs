//! ONS (Session name) lookups: the answer to an `ons_resolve` request is the registered
//! Session ID, encrypted under a key derived from the name.

use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::error::SmallFormatError;
use crate::crypto::{self, AeadKey, HopCipher, TAG_LEN};
use crate::identity::{SessionId, SymmetricKey};

/// The key an ONS answer for `name` is encrypted with (current records):
/// `BLAKE2b-256(name, key = BLAKE2b-256(name))`. Pass the name lower-cased (ONS names are
/// case-insensitive).
pub fn ons_key(name: &str) -> SymmetricKey {
    let name_hash = crypto::blake2b_256(&[name.as_bytes()]);
    let key = crypto::blake2b_256_keyed(&name_hash, &[name.as_bytes()]);
    SymmetricKey::from_bytes(*key)
}

/// Decrypts an ONS lookup answer (current records) for `name`: [`ons_key`], then
/// [`open_ons_response_with_key`].
///
/// Records registered before hard fork 16 (Argon2id key, no nonce) are not supported.
///
/// # Errors
/// As [`open_ons_response_with_key`].
#[doc(alias = "decrypt_ons_response")]
pub fn open_ons_response(
    name: &str,
    ciphertext: &[u8],
    nonce: &[u8; 24],
) -> Result<SessionId, SmallFormatError> {
    if ciphertext.len() < TAG_LEN {
        return Err(SmallFormatError::TooShort);
    }
    open_ons_response_with_key(&ons_key(name), ciphertext, nonce)
}

/// Decrypts an ONS answer with its key: XChaCha20-Poly1305 under the nonce returned beside
/// it; the plaintext is the 33-byte Session ID.
///
/// ```
/// use session_protocol::envelope::{SmallFormatError, ons_key, open_ons_response_with_key};
///
/// let key = ons_key("example");
/// assert_eq!(open_ons_response_with_key(&key, &[0; 15], &[0; 24]), Err(SmallFormatError::TooShort));
/// assert_eq!(open_ons_response_with_key(&key, &[0; 49], &[0; 24]), Err(SmallFormatError::Decrypt));
/// ```
///
/// # Errors
/// [`SmallFormatError::TooShort`] when shorter than the tag, [`SmallFormatError::Decrypt`]
/// when it does not authenticate, [`SmallFormatError::NotSessionId`] when the plaintext is not
/// a Session ID.
pub fn open_ons_response_with_key(
    key: &SymmetricKey,
    ciphertext: &[u8],
    nonce: &[u8; 24],
) -> Result<SessionId, SmallFormatError> {
    if ciphertext.len() < TAG_LEN {
        return Err(SmallFormatError::TooShort);
    }
    let len = nonce
        .len()
        .checked_add(ciphertext.len())
        .ok_or(SmallFormatError::TooShort)?;
    let mut buf = Zeroizing::new(Vec::with_capacity(len));
    buf.extend_from_slice(nonce);
    buf.extend_from_slice(ciphertext);
    let plain = AeadKey::from_raw(HopCipher::XChaCha20, key.as_bytes())
        .open_in_place(&mut buf)
        .map_err(|_| SmallFormatError::Decrypt)?;
    SessionId::from_slice(plain).map_err(|_| SmallFormatError::NotSessionId)
}
