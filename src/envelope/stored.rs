//! One entry point for everything the crate can open from a swarm or a community inbox:
//! [`decode_stored`] dispatches on what the caller says the bytes are (where they were fetched
//! from) and returns the matching typed message.

use core::fmt;

use super::blinded::{BlindedDmError, BlindedIncoming, open_blinded_dm};
use super::error::ErrorKind;
use super::group::{GroupError, GroupMessage, open_group_message};
use super::wrap::{EnvelopeError, Message, open_1o1};
use crate::identity::{Ed25519Public, Identity, SessionId, SymmetricKey};
use crate::storage::Namespace;

/// The kinds of stored message this crate decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnvelopeType {
    /// A one-to-one message: `WebSocketMessage` / `Envelope` / sealed, signed content, in the
    /// recipient's swarm ([`open_1o1`]).
    OneToOne,
    /// A closed-group (v2) message in the group's `03` swarm ([`open_group_message`]).
    GroupMessage,
    /// A DM between community-blinded ids, from a community server's inbox or outbox
    /// ([`open_blinded_dm`]).
    BlindedDm,
}

impl EnvelopeType {
    /// The swarm namespace such messages are stored in, or `None` when they do not live on a
    /// swarm (blinded DMs are kept by the community server).
    pub const fn namespace(self) -> Option<Namespace> {
        match self {
            Self::OneToOne => Some(Namespace::DEFAULT),
            Self::GroupMessage => Some(Namespace::GROUP_MESSAGES),
            Self::BlindedDm => None,
        }
    }

    /// The kind of message a swarm namespace holds, if it holds messages this crate decodes.
    pub const fn from_namespace(ns: Namespace) -> Option<Self> {
        match ns {
            Namespace::DEFAULT => Some(Self::OneToOne),
            Namespace::GROUP_MESSAGES => Some(Self::GroupMessage),
            _ => None,
        }
    }
}

impl fmt::Display for EnvelopeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::OneToOne => "one-to-one message",
            Self::GroupMessage => "group message",
            Self::BlindedDm => "blinded DM",
        })
    }
}

/// What [`decode_stored`] needs to open one kind of message: the envelope type and the keys
/// and ids that type takes.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum StoredContext<'a> {
    /// A one-to-one message addressed to `me`.
    OneToOne {
        /// The recipient.
        me: &'a Identity,
    },
    /// A group message: the keys to try (pending key first, then newest first) and the group's
    /// public key.
    GroupMessage {
        /// The group's encryption keys.
        keys: &'a [SymmetricKey],
        /// The group's Ed25519 key (its `03` id without the prefix).
        group: &'a Ed25519Public,
    },
    /// A blinded DM between `sender` and `recipient` (as the server reports them) on the
    /// community whose public key is `server`; `me` is either party.
    BlindedDm {
        /// The reader.
        me: &'a Identity,
        /// The sender's blinded id.
        sender: &'a SessionId,
        /// The recipient's blinded id.
        recipient: &'a SessionId,
        /// The community server's public key.
        server: &'a [u8; 32],
    },
}

impl StoredContext<'_> {
    /// The kind of message this context opens.
    pub const fn envelope_type(&self) -> EnvelopeType {
        match self {
            Self::OneToOne { .. } => EnvelopeType::OneToOne,
            Self::GroupMessage { .. } => EnvelopeType::GroupMessage,
            Self::BlindedDm { .. } => EnvelopeType::BlindedDm,
        }
    }
}

/// A decoded stored message, typed by its kind.
#[derive(Debug)]
#[non_exhaustive]
pub enum Decoded {
    /// From [`open_1o1`].
    OneToOne(Message),
    /// From [`open_group_message`].
    GroupMessage(GroupMessage),
    /// From [`open_blinded_dm`].
    BlindedDm(BlindedIncoming),
}

impl Decoded {
    /// The kind of message.
    pub const fn envelope_type(&self) -> EnvelopeType {
        match self {
            Self::OneToOne(_) => EnvelopeType::OneToOne,
            Self::GroupMessage(_) => EnvelopeType::GroupMessage,
            Self::BlindedDm(_) => EnvelopeType::BlindedDm,
        }
    }

    /// Who sent it (their `05` Session ID, from the key that signed or sealed it).
    pub const fn sender(&self) -> &SessionId {
        match self {
            Self::OneToOne(m) => &m.sender,
            Self::GroupMessage(m) => &m.sender,
            Self::BlindedDm(m) => &m.sender,
        }
    }

    /// The sender's Ed25519 key.
    pub const fn sender_ed25519(&self) -> &Ed25519Public {
        match self {
            Self::OneToOne(m) => &m.sender_ed25519,
            Self::GroupMessage(m) => &m.sender_ed25519,
            Self::BlindedDm(m) => &m.sender_ed25519,
        }
    }

    /// The decrypted payload: the serialized `Content` (unpadded) for 1:1 and group messages,
    /// the message bytes for blinded DMs (padded `Content` as the clients send it; see
    /// [`unpad`](super::unpad)).
    pub fn payload(&self) -> &[u8] {
        match self {
            Self::OneToOne(m) => &m.content,
            Self::GroupMessage(m) => &m.content,
            Self::BlindedDm(m) => &m.message,
        }
    }
}

/// Why [`decode_stored`] failed: the error of the format it dispatched to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoredError {
    /// From [`open_1o1`].
    #[error(transparent)]
    OneToOne(#[from] EnvelopeError),
    /// From [`open_group_message`].
    #[error(transparent)]
    GroupMessage(#[from] GroupError),
    /// From [`open_blinded_dm`].
    #[error(transparent)]
    BlindedDm(#[from] BlindedDmError),
}

impl StoredError {
    /// The kind of failure, shared by every envelope error type.
    pub const fn kind(&self) -> ErrorKind {
        match self {
            Self::OneToOne(e) => e.kind(),
            Self::GroupMessage(e) => e.kind(),
            Self::BlindedDm(e) => e.kind(),
        }
    }
}

impl From<StoredError> for ErrorKind {
    fn from(e: StoredError) -> Self {
        e.kind()
    }
}

/// Opens stored bytes as the kind of message `context` names, with its keys.
///
/// ```
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::Identity;
/// use session_protocol::envelope::{
///     Decoded, EnvelopeType, ProSignature, StoredContext, decode_stored, seal_1o1,
/// };
///
/// let (alice, bob) = (Identity::from_seed(&[1; 32]), Identity::from_seed(&[2; 32]));
/// let stored = seal_1o1(&alice, &bob.session_id(), b"\x0a\x00", 5, ProSignature::Omit,
///     &mut ChaCha20Rng::from_seed([0; 32]))?;
/// let ctx = StoredContext::OneToOne { me: &bob };
/// assert_eq!(ctx.envelope_type().namespace(), Some(session_protocol::storage::Namespace::DEFAULT));
/// let decoded = decode_stored(&ctx, &stored)?;
/// assert_eq!(decoded.envelope_type(), EnvelopeType::OneToOne);
/// assert_eq!(decoded.sender(), &alice.session_id());
/// assert!(matches!(decoded, Decoded::OneToOne(m) if m.timestamp_ms == 5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`StoredError`] wrapping the error of the format opened: [`open_1o1`],
/// [`open_group_message`] or [`open_blinded_dm`]. Bytes of another kind fail as that format
/// fails on them: a closed-group `Envelope` where a 1:1 message was expected is
/// [`EnvelopeError::WrongType`]; anything encrypted for other keys is a `Decrypt`.
pub fn decode_stored(context: &StoredContext<'_>, stored: &[u8]) -> Result<Decoded, StoredError> {
    Ok(match *context {
        StoredContext::OneToOne { me } => Decoded::OneToOne(open_1o1(me, stored)?),
        StoredContext::GroupMessage { keys, group } => {
            Decoded::GroupMessage(open_group_message(keys, group, stored)?)
        }
        StoredContext::BlindedDm {
            me,
            sender,
            recipient,
            server,
        } => Decoded::BlindedDm(open_blinded_dm(me, sender, recipient, server, stored)?),
    })
}
