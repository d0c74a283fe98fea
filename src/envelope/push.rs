//! Push-notification payloads: `nonce(24) || XChaCha20-Poly1305(key, nonce, data || 0x00…)`,
//! as the push server delivers them to a device.

use alloc::vec::Vec;

use zeroize::Zeroizing;

use super::error::SmallFormatError;
use crate::crypto::{AeadKey, HopCipher, TAG_LEN};
use crate::identity::SymmetricKey;

/// Decrypts a push-notification payload `nonce(24) || XChaCha20-Poly1305(key, nonce, data)`
/// with the device's notification key and strips the trailing zero padding.
///
/// ```
/// use session_protocol::SymmetricKey;
/// use session_protocol::envelope::{SmallFormatError, open_push_notification};
///
/// let key = SymmetricKey::from_bytes([9; 32]);
/// assert_eq!(open_push_notification(&key, &[0; 39]), Err(SmallFormatError::TooShort));
/// assert_eq!(open_push_notification(&key, &[0; 64]), Err(SmallFormatError::Decrypt));
/// ```
///
/// # Errors
/// [`SmallFormatError::TooShort`] below 40 bytes (before any crypto);
/// [`SmallFormatError::Decrypt`] when it does not authenticate.
#[doc(alias = "decrypt_push_notification")]
pub fn open_push_notification(
    key: &SymmetricKey,
    payload: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SmallFormatError> {
    if payload.len() < 24 + TAG_LEN {
        return Err(SmallFormatError::TooShort);
    }
    let mut buf = Zeroizing::new(payload.to_vec());
    let len = AeadKey::from_raw(HopCipher::XChaCha20, key.as_bytes())
        .open_in_place(&mut buf)
        .map_err(|_| SmallFormatError::Decrypt)?
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i.saturating_add(1));
    // The plaintext starts after the nonce; keep it in the same (wiped) buffer.
    buf.drain(..24);
    buf.truncate(len);
    Ok(buf)
}
