//! Message envelopes: what turns a serialized `Content` into the bytes stored on a swarm, and
//! back.
//!
//! Every format has a `seal_*` function that builds it and an `open_*` function that reads it
//! (the libsession names are search aliases):
//!
//! | format | build | read |
//! |---|---|---|
//! | signed, sealed 1:1 payload | [`seal_for_recipient`] | [`open_incoming`] |
//! | stored 1:1 message (`WebSocketMessage` / `Envelope`, padded) | [`seal_1o1`] | [`open_1o1`] |
//! | closed group (v2) message | [`seal_group_message`] | [`open_group_message`] |
//! | DM between community-blinded ids | [`seal_blinded_dm`] | [`open_blinded_dm`] |
//! | one message for many recipients | [`multi::seal_for`] | [`multi::open_from`], [`multi::open_simple`] |
//! | push-notification payload | — | [`open_push_notification`] |
//! | ONS lookup answer | — | [`open_ons_response`] |
//!
//! [`decode_stored`] opens any stored message given a [`StoredContext`] (its
//! [`EnvelopeType`] and keys). [`pad`] / [`unpad`] are the 160-byte padding; [`content`] holds
//! the `Content` protobuf types.
//!
//! # Errors
//!
//! Each operation has its own error enum, precise about what is wrong before the crypto step
//! and with one opaque `Decrypt` variant for everything the authentication rejects. All of them
//! map onto [`ErrorKind`] (`err.kind()`, or `ErrorKind::from(err)`), for callers that handle
//! "malformed", "bad signature", "did not decrypt" and "too large" the same way for every
//! format. No error carries key, plaintext or ciphertext bytes.

mod bencode;
mod blinded;
pub mod content;
mod dm;
mod error;
mod group;
pub mod multi;
mod ons;
mod padding;
pub(crate) mod proto;
mod push;
mod stored;
mod wrap;

#[cfg(feature = "hazmat")]
pub use blinded::seal_blinded_dm_raw;
pub use blinded::{BlindedDmError, BlindedIncoming, open_blinded_dm, seal_blinded_dm};
pub use content::{Content, ContentError};
#[cfg(feature = "hazmat")]
pub use dm::seal_for_recipient_raw;
pub use dm::{
    DM_OVERHEAD, DecryptError, EncryptError, Incoming, RecipientKey, open_incoming,
    seal_for_recipient, seal_for_recipient_deterministic, seal_for_recipient_key,
};
pub use error::{ErrorKind, SmallFormatError};
pub use group::{
    GROUP_PADDING, GroupError, GroupMessage, MAX_GROUP_PLAINTEXT, open_group_message,
    seal_group_message, seal_group_message_into,
};
pub use ons::{ons_key, open_ons_response, open_ons_response_with_key};
pub use padding::{PADDING_BLOCK, legacy_padded_len, pad, unpad};
pub use push::open_push_notification;
pub use stored::{Decoded, EnvelopeType, StoredContext, StoredError, decode_stored};
pub use wrap::{EnvelopeError, Message, ProSignature, open_1o1, seal_1o1, seal_1o1_into};
