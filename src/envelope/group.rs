//! Closed groups (v2, `03` accounts, namespace 11): messages encrypted with the group's shared
//! key, signed by the sender, optionally zstd-compressed, padded to 256 bytes.
//!
//! ```text
//! P    = Envelope{type = CLOSED_GROUP_MESSAGE, sourceDevice = 1, timestamp, content, proSig?}
//! body = zstd(P) if that is strictly smaller, else P
//! dict = bencode{"": 1, "a": sender_ed25519, "d": body | "z": body, "s": sign(body || group_ed25519)}
//! wire = nonce(24) || XChaCha20-Poly1305(group_key, nonce, dict || 0x00…)   (len % 256 == 0)
//! ```
//!
//! The signature covers `body || group_ed25519`, the form verifiers accept since libsession
//! v1.2.0 (earlier snapshots signed `body` alone).

use alloc::vec::Vec;
use core::fmt;

use prost::Message as _;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::proto::EnvelopeProto;
use super::wrap::ProSignature;
use crate::crypto::{Cipher, HopKey, TAG_LEN};
use crate::identity::{IdPrefix, Identity, SessionId, verify_ed25519_point};
use crate::wire::{self, Bencode};

/// Group messages are padded so that the whole wire message is a multiple of this.
pub const GROUP_PADDING: usize = 256;
/// Largest group message plaintext (the serialized envelope), compressed or not.
pub const MAX_GROUP_PLAINTEXT: usize = 1_000_000;

const CLOSED_GROUP_MESSAGE: i32 = 7;

/// Why a group message could not be built or opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GroupError {
    /// The plaintext exceeds 1 000 000 bytes (before compression, or once decompressed).
    #[error("group message too large")]
    TooLarge,
    /// Shorter than nonce and tag.
    #[error("group message too short")]
    TooShort,
    /// No key opens it.
    #[error("no group key decrypts the message")]
    Decrypt,
    /// It decrypted, but the inner structure is wrong; names the part.
    #[error("malformed group message: {0}")]
    Malformed(&'static str),
    /// It decrypted, but the sender's signature does not verify.
    #[error("group message signature invalid")]
    BadSignature,
    /// It decrypted, but the sender's Ed25519 key (`a`) is not usable: not a point, of small
    /// order, not canonically encoded, or (after a valid signature) with a torsion component,
    /// so that it has no Session ID.
    #[error("group message sender key invalid")]
    InvalidSender,
}

/// A decrypted group message.
#[non_exhaustive]
pub struct GroupMessage {
    /// The sender, from its Ed25519 key.
    pub sender: SessionId,
    /// The sender's Ed25519 key (which signed).
    pub sender_ed25519: [u8; 32],
    /// Envelope timestamp (ms).
    pub timestamp_ms: u64,
    /// The serialized `Content` (groups do not pad content).
    pub content: Zeroizing<Vec<u8>>,
    /// Which of the keys passed in opened it.
    pub key_index: usize,
    /// The envelope's `proSig`, if any: a Session Pro signature over `content` (not verified
    /// here).
    pub pro_sig: Option<Vec<u8>>,
}

impl fmt::Debug for GroupMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GroupMessage")
            .field("sender", &self.sender)
            .field("timestamp_ms", &self.timestamp_ms)
            .field("len", &self.content.len())
            .finish_non_exhaustive()
    }
}

fn compress(data: &[u8]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(data, ruzstd::encoding::CompressionLevel::Fastest)
}

/// Decompresses at most [`MAX_GROUP_PLAINTEXT`] bytes.
///
/// The zstd decoder keeps a whole window in memory before it yields anything, so the frame
/// header is checked first: a window (or a declared content size) above the plaintext limit is
/// refused with [`GroupError::TooLarge`] before anything is allocated for it. Honest senders
/// never need more: libzstd's one-shot compressor declares a window equal to the content size,
/// ruzstd's uses 128 KiB.
fn decompress(data: &[u8]) -> Result<Vec<u8>, GroupError> {
    use ruzstd::decoding::errors::{FrameDecoderError, FrameHeaderError};
    use ruzstd::io::Read;
    const LIMIT: u64 = MAX_GROUP_PLAINTEXT as u64;
    let mut decoder = ruzstd::decoding::StreamingDecoder::new_with_max_window_size(data, LIMIT)
        .map_err(|e| match e {
            FrameDecoderError::WindowSizeTooBig { .. }
            | FrameDecoderError::FrameHeaderError(FrameHeaderError::WindowTooBig { .. }) => {
                GroupError::TooLarge
            }
            _ => GroupError::Malformed("zstd"),
        })?;
    // Absent, the declared size reads as 0; present, it must fit the limit too.
    if decoder.decoder.content_size() > LIMIT {
        return Err(GroupError::TooLarge);
    }
    let mut out = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = decoder
            .read(&mut chunk)
            .map_err(|_| GroupError::Malformed("zstd"))?;
        if n == 0 {
            return Ok(out);
        }
        if out.len().saturating_add(n) > MAX_GROUP_PLAINTEXT {
            return Err(GroupError::TooLarge);
        }
        out.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

/// Encrypts a serialized `Content` for a group.
///
/// `group_ed25519` is the group's public key (its `03` id without the prefix); `group_key` the
/// current shared encryption key. Compression is used only when it makes the message smaller.
///
/// # Errors
/// [`GroupError::TooLarge`] past 1 000 000 bytes.
pub fn encrypt_for_group<R: CryptoRng + ?Sized>(
    sender: &Identity,
    group_ed25519: &[u8; 32],
    group_key: &[u8; 32],
    content: &[u8],
    sent_ms: u64,
    pro: ProSignature<'_>,
    rng: &mut R,
) -> Result<Vec<u8>, GroupError> {
    let pro_sig = pro.sign(content, rng);
    let envelope = EnvelopeProto {
        kind: Some(CLOSED_GROUP_MESSAGE),
        source: None,
        timestamp: Some(sent_ms),
        source_device: Some(1),
        content: Some(content.to_vec()),
        server_timestamp: None,
        pro_sig,
    };
    let plain = Zeroizing::new(envelope.encode_to_vec());
    if plain.len() > MAX_GROUP_PLAINTEXT {
        return Err(GroupError::TooLarge);
    }
    let compressed = compress(&plain);
    let (data_key, body): (&[u8], &[u8]) = if compressed.len() < plain.len() {
        (b"z", &compressed)
    } else {
        (b"d", &plain)
    };
    let mut signed = Zeroizing::new(Vec::with_capacity(body.len().saturating_add(32)));
    signed.extend_from_slice(body);
    signed.extend_from_slice(group_ed25519);
    let sig = sender.sign(&signed);

    let mut nonce = [0u8; 24];
    rng.fill_bytes(&mut nonce);
    let mut out = Zeroizing::new(Vec::with_capacity(body.len().saturating_add(400)));
    out.extend_from_slice(&nonce);
    out.push(b'd');
    wire::bencode_bytes(&mut out, b"");
    wire::bencode_int(&mut out, 1);
    wire::bencode_bytes(&mut out, b"a");
    wire::bencode_bytes(&mut out, sender.ed25519_public().as_bytes());
    if data_key == b"d" {
        wire::bencode_bytes(&mut out, b"d");
        wire::bencode_bytes(&mut out, body);
        wire::bencode_bytes(&mut out, b"s");
        wire::bencode_bytes(&mut out, &sig);
    } else {
        wire::bencode_bytes(&mut out, b"s");
        wire::bencode_bytes(&mut out, &sig);
        wire::bencode_bytes(&mut out, b"z");
        wire::bencode_bytes(&mut out, body);
    }
    out.push(b'e');
    // Pad so that nonce + dict + zeros + tag is a multiple of 256.
    let total = out
        .len()
        .saturating_add(TAG_LEN)
        .div_ceil(GROUP_PADDING)
        .saturating_mul(GROUP_PADDING);
    out.resize(total.saturating_sub(TAG_LEN), 0);
    let key = HopKey::from_raw(Cipher::XChaCha20, group_key);
    let (n, region) = out.split_at_mut(24);
    let tag = key.seal_in_place(n, region).ok_or(GroupError::TooLarge)?;
    let mut wire_msg = core::mem::take(&mut *out);
    wire_msg.extend_from_slice(&tag);
    Ok(wire_msg)
}

/// Opens a group message with the first of `keys` that works (pass the pending key first,
/// then every known key, newest first).
///
/// # Errors
/// [`GroupError`]: too short, no key opens it, malformed inner structure, bad signature, or a
/// plaintext over the limit.
pub fn decrypt_group_message(
    keys: &[[u8; 32]],
    group_ed25519: &[u8; 32],
    ciphertext: &[u8],
) -> Result<GroupMessage, GroupError> {
    if ciphertext.len() < 24 + TAG_LEN {
        return Err(GroupError::TooShort);
    }
    let (key_index, plain) = keys
        .iter()
        .enumerate()
        .find_map(|(i, k)| {
            let mut buf = Zeroizing::new(ciphertext.to_vec());
            let len = HopKey::from_raw(Cipher::XChaCha20, k)
                .open_in_place(&mut buf)
                .ok()?
                .len();
            let mut plain = Zeroizing::new(buf.get(24..24usize.checked_add(len)?)?.to_vec());
            plain.truncate(len);
            Some((i, plain))
        })
        .ok_or(GroupError::Decrypt)?;
    let end = plain
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i.saturating_add(1));
    let dict_bytes = plain.get(..end).ok_or(GroupError::Malformed("padding"))?;
    let dict = Bencode::decode(dict_bytes).map_err(|_| GroupError::Malformed("bencode"))?;
    let bytes_of = |key: &[u8]| match dict.get(dict_bytes, key) {
        Some(Bencode::Bytes(r)) => dict_bytes.get(r.clone()),
        _ => None,
    };
    if dict.get(dict_bytes, b"") != Some(&Bencode::Int(1)) {
        return Err(GroupError::Malformed("version"));
    }
    let a: [u8; 32] = bytes_of(b"a")
        .and_then(|a| a.try_into().ok())
        .ok_or(GroupError::Malformed("a"))?;
    let sig: [u8; 64] = bytes_of(b"s")
        .and_then(|s| s.try_into().ok())
        .ok_or(GroupError::Malformed("s"))?;
    let (body, compressed) = match (bytes_of(b"d"), bytes_of(b"z")) {
        (Some(d), None) => (d, false),
        (None, Some(z)) => (z, true),
        _ => return Err(GroupError::Malformed("d/z")),
    };
    let mut signed = Zeroizing::new(Vec::with_capacity(body.len().saturating_add(32)));
    signed.extend_from_slice(body);
    signed.extend_from_slice(group_ed25519);
    // A key that is no point, of small order or non-canonically encoded can never pass
    // verification: say so rather than blaming the signature.
    let point = curve25519_dalek::edwards::CompressedEdwardsY(a)
        .decompress()
        .filter(|p| !p.is_small_order() && crate::crypto::is_canonical_encoding(p, &a))
        .ok_or(GroupError::InvalidSender)?;
    verify_ed25519_point(&point, &a, &signed, &sig).map_err(|_| GroupError::BadSignature)?;
    let envelope_bytes = if compressed {
        Zeroizing::new(decompress(body)?)
    } else {
        Zeroizing::new(body.to_vec())
    };
    if envelope_bytes.len() > MAX_GROUP_PLAINTEXT {
        return Err(GroupError::TooLarge);
    }
    let env = EnvelopeProto::decode(envelope_bytes.as_slice())
        .map_err(|_| GroupError::Malformed("Envelope"))?;
    if env.kind != Some(CLOSED_GROUP_MESSAGE) {
        return Err(GroupError::Malformed("Envelope.type"));
    }
    let timestamp_ms = env
        .timestamp
        .ok_or(GroupError::Malformed("Envelope.timestamp"))?;
    let content = Zeroizing::new(
        env.content
            .ok_or(GroupError::Malformed("Envelope.content"))?,
    );
    let x = crate::crypto::x25519_of_point(&point).ok_or(GroupError::InvalidSender)?;
    Ok(GroupMessage {
        sender: SessionId::new(IdPrefix::Standard, x),
        sender_ed25519: a,
        timestamp_ms,
        content,
        key_index,
        pro_sig: env.pro_sig,
    })
}
