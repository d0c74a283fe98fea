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
use zeroize::{Zeroize, Zeroizing};

use super::bencode::{Value, put_bytes, put_uint, read_value, walk_dict};
use super::proto::EnvelopeProto;
use super::wrap::ProSignature;
use crate::crypto::{AeadKey, HopCipher, TAG_LEN};
use crate::identity::{
    Ed25519Public, IdPrefix, Identity, SessionId, SymmetricKey, verify_ed25519_point,
};
use crate::wire::{Count, Sink};

/// Group messages are padded so that the whole wire message is a multiple of this.
pub const GROUP_PADDING: usize = 256;
/// Largest group message plaintext (the serialized envelope), compressed or not.
pub const MAX_GROUP_PLAINTEXT: usize = 1_000_000;

const CLOSED_GROUP_MESSAGE: i32 = 7;
const NONCE_LEN: usize = 24;

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
    pub sender_ed25519: Ed25519Public,
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
    crate::wire::zstd::compress(data)
}

/// Decompresses at most [`MAX_GROUP_PLAINTEXT`] bytes (see [`crate::wire::zstd::decompress`]).
fn decompress(data: &[u8]) -> Result<Vec<u8>, GroupError> {
    crate::wire::zstd::decompress(data, MAX_GROUP_PLAINTEXT).map_err(|e| match e {
        crate::wire::zstd::ZstdError::TooLarge => GroupError::TooLarge,
        crate::wire::zstd::ZstdError::Malformed => GroupError::Malformed("zstd"),
    })
}

/// The signed inner dictionary of a group message, both ways:
/// `{"": 1, "a": sender_ed25519, "d": body, "s": signature}` (uncompressed body) or
/// `{"": 1, "a": sender_ed25519, "s": signature, "z": body}` (zstd body), keys in bencode order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupDict<'a> {
    /// The sender's Ed25519 key (`a`).
    pub(crate) sender: Ed25519Public,
    /// The serialized envelope, or its zstd frame (`d` or `z`).
    pub(crate) body: &'a [u8],
    /// Whether `body` is compressed (`z`) or not (`d`).
    pub(crate) compressed: bool,
    /// Ed25519 signature over `body || group_ed25519` (`s`).
    pub(crate) signature: [u8; 64],
}

impl<'a> GroupDict<'a> {
    /// The only version (the `""` key) there is.
    const VERSION: u64 = 1;

    /// Writes the canonical encoding.
    pub(crate) fn encode<S: Sink>(&self, out: &mut S) {
        out.put(b"d");
        put_bytes(out, b"");
        put_uint(out, Self::VERSION);
        put_bytes(out, b"a");
        put_bytes(out, self.sender.as_bytes());
        if self.compressed {
            put_bytes(out, b"s");
            put_bytes(out, &self.signature);
            put_bytes(out, b"z");
            put_bytes(out, self.body);
        } else {
            put_bytes(out, b"d");
            put_bytes(out, self.body);
            put_bytes(out, b"s");
            put_bytes(out, &self.signature);
        }
        out.put(b"e");
    }

    /// Length of [`Self::encode`]'s output.
    pub(crate) fn encoded_len(&self) -> usize {
        let mut n = Count::default();
        self.encode(&mut n);
        n.0
    }

    /// Decodes the dictionary (without padding). The whole input is checked to be canonical
    /// bencode first ([`GroupError::Malformed`]`("bencode")`), then the fields, in the order
    /// `version`, `a`, `s`, `d/z` (exactly one of the two). Other keys are ignored.
    pub(crate) fn decode(dict: &'a [u8]) -> Result<Self, GroupError> {
        // Slots for "", "a", "d", "s", "z"; checked once the whole input has been validated,
        // so that the first error is the same whatever order the problems appear in.
        const KEYS: [&[u8]; 5] = [b"", b"a", b"d", b"s", b"z"];
        let mut slots: [Option<Value>; 5] = Default::default();
        walk_dict(dict, |key, r| {
            match KEYS
                .iter()
                .position(|k| *k == key)
                .and_then(|i| slots.get_mut(i))
            {
                Some(slot) => {
                    *slot = Some(read_value(r)?);
                    Ok(true)
                }
                None => Ok(false),
            }
        })
        .map_err(|_| GroupError::Malformed("bencode"))?;
        let [version, a, d, s, z] = slots;
        let bytes = |v: &Option<Value>| match v {
            Some(Value::Bytes(r)) => dict.get(r.clone()),
            _ => None,
        };
        if version != Some(Value::Int(1)) {
            return Err(GroupError::Malformed("version"));
        }
        let sender = bytes(&a)
            .and_then(|a| <[u8; 32]>::try_from(a).ok())
            .ok_or(GroupError::Malformed("a"))?;
        let signature = bytes(&s)
            .and_then(|s| <[u8; 64]>::try_from(s).ok())
            .ok_or(GroupError::Malformed("s"))?;
        let (body, compressed) = match (bytes(&d), bytes(&z)) {
            (Some(d), None) => (d, false),
            (None, Some(z)) => (z, true),
            _ => return Err(GroupError::Malformed("d/z")),
        };
        Ok(Self {
            sender: Ed25519Public::from_bytes(sender),
            body,
            compressed,
            signature,
        })
    }
}

/// `body || group_ed25519`, what the sender signs.
fn signed_data(body: &[u8], group: &Ed25519Public) -> Zeroizing<Vec<u8>> {
    let mut signed = Zeroizing::new(Vec::with_capacity(body.len().saturating_add(32)));
    signed.extend_from_slice(body);
    signed.extend_from_slice(group.as_bytes());
    signed
}

/// Encrypts a serialized `Content` for a group.
///
/// `group` is the group's public key (its `03` id without the prefix); `key` the current
/// shared encryption key. Compression is used only when it makes the message smaller.
///
/// ```
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::{Ed25519Public, Identity, SymmetricKey};
/// use session_protocol::envelope::{ProSignature, open_group_message, seal_group_message};
///
/// let alice = Identity::from_seed(&[1; 32]);
/// let group = Ed25519Public::from_bytes([0x21; 32]);
/// let mut rng = ChaCha20Rng::from_seed([0; 32]);
/// let key = SymmetricKey::generate(&mut rng);
/// let wire = seal_group_message(&alice, &group, &key, b"content", 5, ProSignature::Omit, &mut rng)?;
/// let msg = open_group_message(&[key], &group, &wire)?;
/// assert_eq!((msg.sender, &msg.content[..], msg.key_index), (alice.session_id(), &b"content"[..], 0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`GroupError::TooLarge`] past [`MAX_GROUP_PLAINTEXT`] bytes of serialized envelope.
#[doc(alias = "encrypt_for_group")]
pub fn seal_group_message<R: CryptoRng + ?Sized>(
    sender: &Identity,
    group: &Ed25519Public,
    key: &SymmetricKey,
    content: &[u8],
    sent_ms: u64,
    pro: ProSignature<'_>,
    rng: &mut R,
) -> Result<Vec<u8>, GroupError> {
    let mut out = Vec::new();
    seal_group_message_into(&mut out, sender, group, key, content, sent_ms, pro, rng)?;
    Ok(out)
}

/// [`seal_group_message`], appending the wire message to `out` with one reservation (so that a
/// sender can reuse one buffer). On error `out` is left as it was.
///
/// # Errors
/// As [`seal_group_message`].
#[allow(clippy::too_many_arguments)]
pub fn seal_group_message_into<R: CryptoRng + ?Sized>(
    out: &mut Vec<u8>,
    sender: &Identity,
    group: &Ed25519Public,
    key: &SymmetricKey,
    content: &[u8],
    sent_ms: u64,
    pro: ProSignature<'_>,
    rng: &mut R,
) -> Result<(), GroupError> {
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
    drop(Zeroizing::new(envelope.content));
    if plain.len() > MAX_GROUP_PLAINTEXT {
        return Err(GroupError::TooLarge);
    }
    let compressed = Zeroizing::new(compress(&plain));
    let dict = if compressed.len() < plain.len() {
        GroupDict {
            sender: sender.ed25519_public(),
            body: &compressed,
            compressed: true,
            signature: [0; 64],
        }
    } else {
        GroupDict {
            sender: sender.ed25519_public(),
            body: &plain,
            compressed: false,
            signature: [0; 64],
        }
    };
    let dict = GroupDict {
        signature: sender.sign(&signed_data(dict.body, group)),
        ..dict
    };

    let mut nonce = [0u8; NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    // nonce || dict || zeros || tag, a multiple of 256 bytes.
    let total = NONCE_LEN
        .checked_add(dict.encoded_len())
        .and_then(|n| n.checked_add(TAG_LEN))
        .ok_or(GroupError::TooLarge)?
        .div_ceil(GROUP_PADDING)
        .checked_mul(GROUP_PADDING)
        .ok_or(GroupError::TooLarge)?;
    let start = out.len();
    out.try_reserve(total).map_err(|_| GroupError::TooLarge)?;
    out.extend_from_slice(&nonce);
    dict.encode(out);
    out.resize(start.saturating_add(total).saturating_sub(TAG_LEN), 0);
    let aead = AeadKey::from_raw(HopCipher::XChaCha20, key.as_bytes());
    let sealed = out
        .get_mut(start..)
        .and_then(|region| region.split_at_mut_checked(NONCE_LEN))
        .and_then(|(n, body)| aead.seal_in_place(n, body));
    match sealed {
        Some(tag) => {
            out.extend_from_slice(&tag);
            Ok(())
        }
        None => {
            // Unreachable in practice (the length is far below the cipher's limit); wipe the
            // plaintext written so far before giving the buffer back.
            if let Some(written) = out.get_mut(start..) {
                written.zeroize();
            }
            out.truncate(start);
            Err(GroupError::TooLarge)
        }
    }
}

/// Opens a group message with the first of `keys` that works (pass the pending key first,
/// then every known key, newest first).
///
/// # Errors
/// [`GroupError::TooShort`] before any crypto; [`GroupError::Decrypt`] when no key opens it;
/// after it opens, [`GroupError::Malformed`] (naming the part) for a wrong inner structure,
/// [`GroupError::InvalidSender`] for an unusable sender key, [`GroupError::BadSignature`], and
/// [`GroupError::TooLarge`] for a plaintext over the limit.
#[doc(alias = "decrypt_group_message")]
pub fn open_group_message(
    keys: &[SymmetricKey],
    group: &Ed25519Public,
    ciphertext: &[u8],
) -> Result<GroupMessage, GroupError> {
    let plain_len = ciphertext
        .len()
        .checked_sub(NONCE_LEN + TAG_LEN)
        .ok_or(GroupError::TooShort)?;
    // One plaintext buffer for every attempt: the AEAD checks the tag before writing it.
    let mut plain = Zeroizing::new(alloc::vec![0u8; plain_len]);
    let key_index = keys
        .iter()
        .position(|k| {
            AeadKey::from_raw(HopCipher::XChaCha20, k.as_bytes())
                .open_into(ciphertext, &mut plain)
                .is_ok()
        })
        .ok_or(GroupError::Decrypt)?;
    let end = plain
        .iter()
        .rposition(|&b| b != 0)
        .map_or(0, |i| i.saturating_add(1));
    let dict_bytes = plain.get(..end).ok_or(GroupError::Malformed("padding"))?;
    let dict = GroupDict::decode(dict_bytes)?;
    let a = dict.sender.as_bytes();
    // A key that is no point, of small order or non-canonically encoded can never pass
    // verification: say so rather than blaming the signature.
    let point = curve25519_dalek::edwards::CompressedEdwardsY(*a)
        .decompress()
        .filter(|p| !p.is_small_order() && crate::crypto::is_canonical_encoding(p, a))
        .ok_or(GroupError::InvalidSender)?;
    verify_ed25519_point(&point, a, &signed_data(dict.body, group), &dict.signature)
        .map_err(|_| GroupError::BadSignature)?;
    let envelope_bytes = if dict.compressed {
        Zeroizing::new(decompress(dict.body)?)
    } else {
        Zeroizing::new(dict.body.to_vec())
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
        sender_ed25519: dict.sender,
        timestamp_ms,
        content,
        key_index,
        pro_sig: env.pro_sig,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn arb_dict() -> impl Strategy<Value = ([u8; 32], Vec<u8>, bool, [u8; 64])> {
        (
            any::<[u8; 32]>(),
            proptest::collection::vec(any::<u8>(), 0..400),
            any::<bool>(),
            proptest::collection::vec(any::<u8>(), 64),
        )
            .prop_map(|(a, body, z, sig)| (a, body, z, sig.try_into().unwrap()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn group_dict_round_trips((a, body, compressed, signature) in arb_dict()) {
            let dict = GroupDict { sender: Ed25519Public::from_bytes(a), body: &body, compressed, signature };
            let mut out = Vec::new();
            dict.encode(&mut out);
            prop_assert_eq!(out.len(), dict.encoded_len());
            prop_assert_eq!(GroupDict::decode(&out), Ok(dict.clone()));
            // The encoding is canonical bencode with keys in order.
            prop_assert!(walk_dict(&out, |_, _| Ok(false)).is_ok());
        }

        #[test]
        fn group_dict_decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = GroupDict::decode(&bytes);
        }
    }

    #[test]
    fn group_dict_pinned_encoding_and_errors() {
        let dict = GroupDict {
            sender: Ed25519Public::from_bytes([0xaa; 32]),
            body: b"xyz",
            compressed: false,
            signature: [0xbb; 64],
        };
        let mut out = Vec::new();
        dict.encode(&mut out);
        let want = [
            &b"d0:i1e1:a32:"[..],
            &[0xaa; 32],
            b"1:d3:xyz1:s64:",
            &[0xbb; 64],
            b"e",
        ]
        .concat();
        assert_eq!(out, want);
        let z = GroupDict {
            compressed: true,
            ..dict.clone()
        };
        let mut out = Vec::new();
        z.encode(&mut out);
        assert!(out.ends_with(b"1:z3:xyze"));
        assert_eq!(GroupDict::decode(&out), Ok(z));
        for (input, err) in [
            (&b""[..], "bencode"),
            (b"d0:i1e", "bencode"),
            (b"d0:i1ee", "a"),
            (b"d0:i2ee", "version"),
            (b"d0:1:1e", "version"),
            (b"le", "version"),
            (b"i1e", "version"),
            (b"d0:i1e1:a3:abce", "a"),
            (b"d0:i1e1:ai1ee", "a"),
            (b"d0:i1e1:a32:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaae", "s"),
            (b"d1:a0:0:i1ee", "bencode"),
            (b"d0:i1e0:i1ee", "bencode"),
            (b"d0:i1ee\0", "bencode"),
        ] {
            assert_eq!(
                GroupDict::decode(input),
                Err(GroupError::Malformed(err)),
                "{}",
                alloc::string::String::from_utf8_lossy(input)
            );
        }
    }
}
