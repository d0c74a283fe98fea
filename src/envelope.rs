//! Message envelopes: what turns a serialized `Content` into the bytes stored on a swarm, and
//! back.
//!
//! * [`encrypt_for_recipient`] / [`decrypt_incoming`]: the signed, sealed 1:1 message.
//! * [`pad`] / [`unpad`]: 160-byte padding (current and legacy forms).
//! * [`encode_for_1o1`] / [`decode_envelope`]: the `Envelope` and `WebSocketMessage` wrapping.
//! * [`encrypt_blinded_dm`] / [`decrypt_blinded_dm`]: DMs between community-blinded ids.
//! * [`encrypt_for_group`] / [`decrypt_group_message`]: closed groups (v2).
//! * [`multi`]: one message for many recipients.

mod blinded;
pub mod content;
mod dm;
mod group;
mod misc;
pub mod multi;
mod padding;
mod proto;
mod wrap;

#[cfg(feature = "hazmat")]
pub use blinded::seal_blinded_dm;
pub use blinded::{BlindedDmError, BlindedIncoming, decrypt_blinded_dm, encrypt_blinded_dm};
pub use content::{Content, ContentError};
#[cfg(feature = "hazmat")]
pub use dm::seal_to;
pub use dm::{
    DM_OVERHEAD, DecryptError, EncryptError, Incoming, decrypt_incoming, encrypt_for_recipient,
    encrypt_for_recipient_deterministic,
};
pub use group::{
    GROUP_PADDING, GroupError, GroupMessage, MAX_GROUP_PLAINTEXT, decrypt_group_message,
    encrypt_for_group,
};
pub use misc::{SmallFormatError, decrypt_ons_response, decrypt_push_notification};
pub use padding::{PADDING_BLOCK, legacy_padded_len, pad, unpad};
pub use wrap::{EnvelopeError, Message, ProSignature, decode_envelope, encode_for_1o1};
