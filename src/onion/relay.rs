//! The node-to-node relay message (`sn.onion_request`): the bencoded dictionary
//! `{"data", "enc_type", "ephemeral_key" (32 raw bytes), "hop_no"}`.

use alloc::vec::Vec;
use core::fmt;
use core::ops::Range;

use super::control::MAX_HOP_NO;
use super::entry::Layer;
use super::{HopCipher, PeelError};
use crate::crypto;
use crate::identity::X25519Public;
use crate::wire::{self, BencodeKind, BencodeReader, Codec, MAX_PACKET, Sink};

/// The layer a node passes on to the next node.
///
/// ```
/// use session_protocol::X25519Public;
/// use session_protocol::onion::{HopCipher, Relay, decode_relay};
///
/// let key = X25519Public::from_bytes([9; 32]);
/// let relay = Relay::new(b"sealed layer", key, HopCipher::XChaCha20, 2)?;
/// let mut msg = Vec::new();
/// relay.encode_into(&mut msg);
/// let layer = decode_relay(&mut msg)?;
/// assert_eq!((layer.ephemeral_key(), layer.hop_no()), (&key, 2));
/// # Ok::<(), session_protocol::onion::PeelError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Relay<'a> {
    data: &'a [u8],
    ephemeral_key: X25519Public,
    cipher: HopCipher,
    hop_no: u8,
}

impl<'a> Relay<'a> {
    /// A relay message carrying `data` (the next layer's ciphertext) with its key and cipher,
    /// counted as hop `hop_no`.
    ///
    /// # Errors
    /// [`PeelError::TooManyHops`] for `hop_no` above 15; [`PeelError::TooLarge`] when the
    /// message would exceed 10 MiB.
    pub fn new(
        data: &'a [u8],
        ephemeral_key: X25519Public,
        cipher: HopCipher,
        hop_no: u8,
    ) -> Result<Self, PeelError> {
        if hop_no > MAX_HOP_NO {
            return Err(PeelError::TooManyHops);
        }
        let relay = Self {
            data,
            ephemeral_key,
            cipher,
            hop_no,
        };
        if relay.encoded_len() > MAX_PACKET {
            return Err(PeelError::TooLarge);
        }
        Ok(relay)
    }

    /// The next layer's ciphertext.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Its ephemeral key.
    pub fn ephemeral_key(&self) -> X25519Public {
        self.ephemeral_key
    }

    /// Its cipher.
    pub fn cipher(&self) -> HopCipher {
        self.cipher
    }

    /// The hop count sent with it.
    pub fn hop_no(&self) -> u8 {
        self.hop_no
    }

    /// Appends the bencoded message for the next node to `out` (which can be reused across
    /// messages), reserving its exact length first.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        Codec::encode_into(self, out);
    }

    /// The bencoded message for the next node, in a new buffer of its exact size.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// The message's length in bytes.
    pub fn encoded_len(&self) -> usize {
        Codec::encoded_len(self)
    }
}

impl fmt::Debug for Relay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Relay")
            .field("len", &self.data.len())
            .field("cipher", &self.cipher)
            .field("hop_no", &self.hop_no)
            .finish_non_exhaustive()
    }
}

/// A relay message as read: the ciphertext as a range of the message, so that
/// [`decode_relay`] can lend it out mutably.
struct RelayParts {
    data: Range<usize>,
    ephemeral_key: X25519Public,
    cipher: HopCipher,
    hop_no: u8,
}

/// A value of a relay dictionary field, as the streaming reader found it.
enum Value {
    Bytes(Range<usize>),
    Int(i64),
    /// A list or dictionary (validated, then skipped).
    Other,
}

fn bytes_field(v: Option<Value>, field: &'static str) -> Result<Option<Range<usize>>, PeelError> {
    match v {
        None => Ok(None),
        Some(Value::Bytes(r)) => Ok(Some(r)),
        Some(_) => Err(PeelError::Control(field)),
    }
}

impl RelayParts {
    /// Walks the whole dictionary with the streaming reader (no tree, no allocation),
    /// validating every byte before any field is interpreted.
    fn read(msg: &[u8]) -> Result<Self, PeelError> {
        if msg.len() > MAX_PACKET {
            return Err(PeelError::TooLarge);
        }
        let bencode = |_| PeelError::Control("bencode");
        let mut r = BencodeReader::new(msg);
        r.enter(BencodeKind::Dict).map_err(bencode)?;
        let (mut data, mut enc_type, mut ephemeral_key, mut hop_no) = (None, None, None, None);
        let mut unknown = false;
        let mut last = None;
        while let Some(key) = r.dict_key(&mut last).map_err(bencode)? {
            let slot = match msg.get(key) {
                Some(b"data") => &mut data,
                Some(b"enc_type") => &mut enc_type,
                Some(b"ephemeral_key") => &mut ephemeral_key,
                Some(b"hop_no") => &mut hop_no,
                _ => {
                    unknown = true;
                    r.skip(1).map_err(bencode)?;
                    continue;
                }
            };
            *slot = Some(match r.kind().map_err(bencode)? {
                BencodeKind::Bytes => Value::Bytes(r.bytes().map_err(bencode)?),
                BencodeKind::Int => Value::Int(r.int().map_err(bencode)?),
                BencodeKind::List | BencodeKind::Dict => {
                    r.skip(1).map_err(bencode)?;
                    Value::Other
                }
            });
        }
        r.finish().map_err(bencode)?;
        if unknown {
            return Err(PeelError::Control("unknown relay field"));
        }
        let data = bytes_field(data, "data")?.ok_or(PeelError::Control("data"))?;
        let key = bytes_field(ephemeral_key, "ephemeral_key")?
            .and_then(|k| msg.get(k))
            .ok_or(PeelError::Control("ephemeral_key"))?;
        let key: [u8; 32] = key
            .try_into()
            .map_err(|_| PeelError::Control("ephemeral_key"))?;
        if !crypto::is_canonical_u(&key) {
            return Err(PeelError::WeakKey);
        }
        let cipher = match bytes_field(enc_type, "enc_type")? {
            None => HopCipher::Aes256Gcm,
            Some(r) => {
                let name = msg.get(r).and_then(|b| core::str::from_utf8(b).ok());
                HopCipher::from_wire_name(name.ok_or(PeelError::Control("enc_type"))?)
                    .ok_or(PeelError::UnsupportedCipher)?
            }
        };
        let hop_no = match hop_no {
            None => 0,
            Some(Value::Int(h)) => u64::try_from(h).map_err(|_| PeelError::Control("hop_no"))?,
            Some(_) => return Err(PeelError::Control("hop_no")),
        };
        let hop_no = u8::try_from(hop_no)
            .ok()
            .filter(|&h| h <= MAX_HOP_NO)
            .ok_or(PeelError::TooManyHops)?;
        Ok(Self {
            data,
            ephemeral_key: X25519Public::from_bytes(key),
            cipher,
            hop_no,
        })
    }
}

impl<'a> Codec<'a> for Relay<'a> {
    type Error = PeelError;

    fn encode<S: Sink>(&self, out: &mut S) {
        out.put(b"d");
        wire::bencode_bytes(out, b"data");
        wire::bencode_bytes(out, self.data);
        wire::bencode_bytes(out, b"enc_type");
        wire::bencode_bytes(out, self.cipher.wire_name().as_bytes());
        wire::bencode_bytes(out, b"ephemeral_key");
        wire::bencode_bytes(out, self.ephemeral_key.as_bytes());
        wire::bencode_bytes(out, b"hop_no");
        wire::bencode_int(out, u64::from(self.hop_no));
        out.put(b"e");
    }

    fn decode(msg: &'a [u8]) -> Result<Self, PeelError> {
        let parts = RelayParts::read(msg)?;
        Ok(Self {
            data: msg.get(parts.data).ok_or(PeelError::Control("data"))?,
            ephemeral_key: parts.ephemeral_key,
            cipher: parts.cipher,
            hop_no: parts.hop_no,
        })
    }
}

/// Reads a node-to-node relay message, the bencoded dictionary `{"data", "enc_type",
/// "ephemeral_key" (32 raw bytes), "hop_no"}`. Allocates nothing: the returned layer borrows
/// its ciphertext from `msg`.
///
/// Deliberately stricter than the storage server, which stream-skips to the keys it knows:
/// the whole message must be canonical bencode (ascending keys, canonical integers), a key
/// other than these four is refused, and a negative `hop_no` is refused rather than raised
/// to 1. Honest nodes never send any of these, and a canonical-only form leaves a relayed
/// layer a single encoding. A missing `hop_no` counts as 0, as at the entry node (the storage
/// server always writes it; it reads a missing or non-positive one as 1).
///
/// # Errors
/// [`PeelError::TooLarge`] over 10 MiB (exactly 10 MiB is read); [`PeelError::Control`]
/// naming `"bencode"` (not canonical bencode of a dictionary), `"unknown relay field"`, or the
/// field that is missing or wrong-typed (`"data"`, `"ephemeral_key"`, `"enc_type"`,
/// `"hop_no"`), checked in that order; [`PeelError::WeakKey`],
/// [`PeelError::UnsupportedCipher`], and [`PeelError::TooManyHops`] for `hop_no > 15`.
pub fn decode_relay(msg: &mut [u8]) -> Result<Layer<'_>, PeelError> {
    let parts = RelayParts::read(msg)?;
    let ciphertext = msg.get_mut(parts.data).ok_or(PeelError::Control("data"))?;
    Ok(Layer::new(
        ciphertext,
        parts.ephemeral_key,
        parts.cipher,
        parts.hop_no,
    ))
}
