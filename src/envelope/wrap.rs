//! The bytes stored on a swarm for a 1:1 message: `Content` padded, encrypted, placed in an
//! `Envelope`, wrapped in a `WebSocketMessage`.

use alloc::vec::Vec;
use core::fmt;

use prost::Message as _;
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::dm::{DecryptError, EncryptError, open_incoming, seal_for_recipient};
use super::padding::{pad, unpad};
use super::proto::{EnvelopeProto, SESSION_MESSAGE, WS_REQUEST, WebSocketMessageProto};
use crate::identity::{Ed25519Public, Identity, SessionId};

/// The `proSig` field of an envelope (Session Pro, newest clients).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum ProSignature<'a> {
    /// No `proSig` field, as clients before Session Pro send.
    Omit,
    /// A signature by a throwaway random key, so that envelopes with and without Pro have
    /// the same size (what Pro-aware clients send when the sender has no Pro key).
    Decoy,
    /// A signature over the envelope content by the sender's Pro rotating key.
    Key(&'a Identity),
}

impl ProSignature<'_> {
    /// The `proSig` value over `data`: none, a throwaway key's signature, or the Pro key's.
    pub(crate) fn sign<R: CryptoRng + ?Sized>(self, data: &[u8], rng: &mut R) -> Option<Vec<u8>> {
        match self {
            Self::Omit => None,
            Self::Key(key) => Some(key.sign(data).to_vec()),
            Self::Decoy => {
                let mut seed = Zeroizing::new([0u8; 32]);
                rng.fill_bytes(&mut seed[..]);
                Some(Identity::from_seed(&seed).sign(data).to_vec())
            }
        }
    }
}

/// A decoded 1:1 message.
#[non_exhaustive]
pub struct Message {
    /// The sender, from the signing key inside the encryption (never from `source`).
    pub sender: SessionId,
    /// The sender's Ed25519 key.
    pub sender_ed25519: Ed25519Public,
    /// The envelope timestamp, in milliseconds.
    pub timestamp_ms: u64,
    /// The serialized `Content`, unpadded.
    pub content: Zeroizing<Vec<u8>>,
    /// The envelope's `proSig`, if any (not verified here).
    pub pro_sig: Option<Vec<u8>>,
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("sender", &self.sender)
            .field("timestamp_ms", &self.timestamp_ms)
            .field("len", &self.content.len())
            .finish_non_exhaustive()
    }
}

/// Why stored bytes are not a 1:1 message for this account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// Not a valid protobuf of the expected message; names which.
    #[error("malformed {0} protobuf")]
    Malformed(&'static str),
    /// A required field is absent; names it.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A WebSocket message that is not a request, or an envelope that is not a 1:1 message.
    #[error("unexpected {0} type")]
    WrongType(&'static str),
    /// The content did not decrypt or verify.
    #[error(transparent)]
    Decrypt(#[from] DecryptError),
}

/// Builds the bytes to store in the recipient's swarm (namespace 0) for a serialized `Content`:
/// padded to 160 bytes, encrypted with [`seal_for_recipient`], in an `Envelope` of type
/// SESSION_MESSAGE with `timestamp = sent_ms`, `sourceDevice = 1` and the chosen `proSig`,
/// wrapped in a REQUEST `WebSocketMessage` with empty verb and path and request id 0.
///
/// `Content.sigTimestamp`, if the content sets it, must equal `sent_ms`.
///
/// ```
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::Identity;
/// use session_protocol::envelope::{Content, ProSignature, open_1o1, seal_1o1};
///
/// let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
/// let content = Content::text("hi", 1_700_000_000_000).to_bytes();
/// let stored = seal_1o1(&alice, &bob.session_id(), &content, 1_700_000_000_000,
///     ProSignature::Omit, &mut ChaCha20Rng::from_seed([0; 32]))?;
/// let msg = open_1o1(&bob, &stored)?;
/// assert_eq!((msg.sender, &msg.content[..]), (alice.session_id(), &content[..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// As [`seal_for_recipient`].
#[doc(alias = "encode_for_1o1")]
pub fn seal_1o1<R: CryptoRng + ?Sized>(
    sender: &Identity,
    to: &SessionId,
    content: &[u8],
    sent_ms: u64,
    pro: ProSignature<'_>,
    rng: &mut R,
) -> Result<Vec<u8>, EncryptError> {
    let mut out = Vec::new();
    seal_1o1_into(&mut out, sender, to, content, sent_ms, pro, rng)?;
    Ok(out)
}

/// [`seal_1o1`], appending the stored bytes to `out` (so that a sender can reuse one buffer
/// for many messages). On error `out` is left as it was.
///
/// # Errors
/// As [`seal_for_recipient`].
pub fn seal_1o1_into<R: CryptoRng + ?Sized>(
    out: &mut Vec<u8>,
    sender: &Identity,
    to: &SessionId,
    content: &[u8],
    sent_ms: u64,
    pro: ProSignature<'_>,
    rng: &mut R,
) -> Result<(), EncryptError> {
    let padded = Zeroizing::new(pad(content));
    let ct = seal_for_recipient(sender, to, &padded, rng)?;
    let pro_sig = pro.sign(&ct, rng);
    let envelope = EnvelopeProto {
        kind: Some(SESSION_MESSAGE),
        source: None,
        timestamp: Some(sent_ms),
        source_device: Some(1),
        content: Some(ct),
        server_timestamp: None,
        pro_sig,
    };
    let ws = super::proto::websocket_request(&envelope);
    // A `Vec` grows as needed, so this cannot fail for lack of room; on any error nothing
    // has been written.
    ws.encode(out).map_err(|_| EncryptError::TooLarge)
}

/// Decodes what [`seal_1o1`] builds (and what the official clients store): the
/// `WebSocketMessage`, its `Envelope`, the encrypted content, and the padding. Verb, path,
/// request id and `source` are ignored (legacy traffic carries `PUT /api/v1/message` and a
/// random id); the sender comes from the signature inside the encryption.
///
/// The content is returned serialized and is not parsed here, so `Content.sigTimestamp` (which
/// SPEC 5.4 has senders set to the envelope timestamp) is not compared: a mismatch is
/// tolerated. Callers that want the check parse the content and use
/// [`Content::sig_timestamp_matches`](super::Content::sig_timestamp_matches) with
/// [`Message::timestamp_ms`].
///
/// # Errors
/// [`EnvelopeError::Malformed`], [`EnvelopeError::Missing`] and [`EnvelopeError::WrongType`]
/// (before any crypto) for a protobuf that is invalid, lacks a required field, or is not a 1:1
/// message; [`EnvelopeError::Decrypt`] with the [`DecryptError`] of [`open_incoming`].
#[doc(alias = "decode_envelope")]
pub fn open_1o1(me: &Identity, stored: &[u8]) -> Result<Message, EnvelopeError> {
    let ws = WebSocketMessageProto::decode(stored)
        .map_err(|_| EnvelopeError::Malformed("WebSocketMessage"))?;
    if ws.kind.unwrap_or(0) != WS_REQUEST {
        return Err(EnvelopeError::WrongType("WebSocketMessage"));
    }
    let body = ws
        .request
        .and_then(|r| r.body)
        .ok_or(EnvelopeError::Missing("request.body"))?;
    let env =
        EnvelopeProto::decode(body.as_slice()).map_err(|_| EnvelopeError::Malformed("Envelope"))?;
    match env.kind {
        Some(SESSION_MESSAGE) => {}
        Some(_) => return Err(EnvelopeError::WrongType("Envelope")),
        None => return Err(EnvelopeError::Missing("Envelope.type")),
    }
    let timestamp_ms = env
        .timestamp
        .ok_or(EnvelopeError::Missing("Envelope.timestamp"))?;
    let ct = env
        .content
        .ok_or(EnvelopeError::Missing("Envelope.content"))?;
    let incoming = open_incoming(me, &ct)?;
    let sender = incoming.sender()?;
    let content = Zeroizing::new(unpad(&incoming.message).to_vec());
    Ok(Message {
        sender,
        sender_ed25519: incoming.sender_ed25519,
        timestamp_ms,
        content,
        pro_sig: env.pro_sig,
    })
}
