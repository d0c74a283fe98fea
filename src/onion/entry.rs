//! What arrives at a node before decryption: the client's entry frame, and the [`Layer`] it
//! (or a relay message) describes.

use core::fmt;

use super::control::{EntryControl, EntryError};
use super::{HopCipher, PeelError};
use crate::identity::X25519Public;
use crate::wire::{self, Codec, MAX_PACKET};

/// One layer as it arrived, not yet decrypted: the ciphertext (borrowed mutably, for decryption
/// in place) and what the sender said about it.
pub struct Layer<'a> {
    pub(crate) ciphertext: &'a mut [u8],
    ephemeral_key: X25519Public,
    cipher: HopCipher,
    hop_no: u8,
}

impl<'a> Layer<'a> {
    pub(crate) fn new(
        ciphertext: &'a mut [u8],
        ephemeral_key: X25519Public,
        cipher: HopCipher,
        hop_no: u8,
    ) -> Self {
        Self {
            ciphertext,
            ephemeral_key,
            cipher,
            hop_no,
        }
    }

    /// The sender's ephemeral X25519 key (checked to be a canonical encoding).
    pub fn ephemeral_key(&self) -> &X25519Public {
        &self.ephemeral_key
    }

    /// The layer cipher.
    pub fn cipher(&self) -> HopCipher {
        self.cipher
    }

    /// How many nodes relayed this layer before (0 at the entry node unless the client set it).
    pub fn hop_no(&self) -> u8 {
        self.hop_no
    }

    /// The encrypted bytes.
    pub fn ciphertext(&self) -> &[u8] {
        self.ciphertext
    }
}

impl fmt::Debug for Layer<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Layer")
            .field("cipher", &self.cipher)
            .field("hop_no", &self.hop_no)
            .field("len", &self.ciphertext.len())
            .finish_non_exhaustive()
    }
}

/// Reads what a client sends the first node: `u32_le(N) || N bytes || {"ephemeral_key",
/// "enc_type", "hop_no"?}` (other JSON fields are ignored, so an HTTP server can read the
/// proxied form too). Checks the frame, the JSON, the cipher and the key before any crypto.
///
/// # Errors
/// [`PeelError::TooLarge`] over 10 MiB (a packet of exactly 10 MiB is read);
/// [`PeelError::Frame`]; [`PeelError::Control`] naming `"json"` (not a JSON object, a
/// repeated key, nesting past 128 levels) or the field that is missing, wrong-typed or
/// malformed (`"ephemeral_key"`, `"enc_type"`, `"hop_no"`); [`PeelError::UnsupportedCipher`];
/// [`PeelError::WeakKey`] for a non-canonical key; [`PeelError::TooManyHops`] for
/// `hop_no > 15`.
pub fn parse_entry(packet: &mut [u8]) -> Result<Layer<'_>, PeelError> {
    if packet.len() > MAX_PACKET {
        return Err(PeelError::TooLarge);
    }
    let (ciphertext, json) = wire::split_frame_mut(packet)?;
    let control = EntryControl::decode(json).map_err(|e| match e {
        EntryError::Field(field) => PeelError::Control(field),
        EntryError::Cipher => PeelError::UnsupportedCipher,
        EntryError::WeakKey => PeelError::WeakKey,
        EntryError::TooManyHops => PeelError::TooManyHops,
    })?;
    Ok(Layer::new(
        ciphertext,
        control.key.ephemeral_key,
        control.key.cipher,
        control.hop_no.unwrap_or(0),
    ))
}
