//! Config messages: the state a Session account syncs between its devices through its own
//! swarm (profile, contacts, conversations, groups), versioned so that concurrent edits
//! converge.
//!
//! # The format, in brief
//!
//! A config is a dictionary of data ([`Dict`]: byte-string keys to integers, byte strings,
//! sets of those, or nested dictionaries). Each change produces a [`ConfigMessage`] with the
//! next sequence number: a bencoded dictionary holding the seqno (`#`), the whole data (`&`),
//! the diffs of the last few earlier messages with their hashes (`<`), this message's own diff
//! (`=`) and, for signed config types, an Ed25519 signature (`~`, over everything before it).
//! A message's hash is BLAKE2b-256 of its bytes.
//!
//! Devices editing at the same time push messages with the same seqno. [`merge`] combines
//! them: messages another one already includes, repeats and messages five or more seqnos
//! behind drop out; if several remain, the one with the highest (seqno, hash) is the starting
//! point and every diff any of them carries is replayed in (seqno, hash) order, so for the
//! same seqno the higher hash wins. Every device that merges the same messages builds the same
//! bytes, in any order, and so all devices converge.
//!
//! On the wire a message is optionally zstd-compressed (`z` in front, only when shorter),
//! padded with zeros in front to a size step, and encrypted with XChaCha20-Poly1305 under a key
//! and nonce hashed from the account seed, the padded length, the content and the config
//! type's domain string ([`encrypt`]); the nonce being derived from the content, equal configs
//! encrypt to equal bytes. [`ConfigState`] runs the whole cycle for one config: edits, `push`,
//! `confirm_pushed`, `merge` of what the swarm holds, and `dump`/`load` for persistence.
//! [`UserProfile`], [`Contacts`], [`ConvoInfoVolatile`] and [`UserGroups`] are the typed user
//! configs on top of it. A group (`03` id) keeps its keys in keys messages ([`rekey`],
//! [`KeysMessage`], [`GroupKeys`]) and its [`GroupInfo`] and [`GroupMembers`] as configs
//! signed by the group and encrypted with those keys; its members sign their requests to the
//! group's swarm with the credential an admin issued them ([`MemberAuth`]).
//!
//! ```
//! use session_protocol::Identity;
//! use session_protocol::config::{ConfigState, UserProfile};
//!
//! let me = Identity::from_seed(&[1; 32]);
//! let mut phone = UserProfile::new(&me);
//! let mut laptop = UserProfile::new(&me);
//!
//! phone.set_name("Alice")?;
//! let push = phone.state_mut().push()?;
//! phone.state_mut().confirm_pushed(push.seqno, "hash-1");
//!
//! // The laptop polls namespace 2 and merges what it finds.
//! laptop.state_mut().merge(&[("hash-1", push.data.as_slice())]);
//! assert_eq!(laptop.name(), Some("Alice"));
//! # Ok::<(), session_protocol::config::ConfigError>(())
//! ```

mod contacts;
mod convo;
mod encrypt;
mod group_auth;
mod group_info;
mod group_keys;
mod message;
mod state;
mod user_groups;
mod user_profile;
mod value;

pub use contacts::{Contact, Contacts, Disappearing, Notify};
pub use convo::{Conversation, ConvoInfoVolatile, PRUNE_AFTER_MS, ReadState};
pub use encrypt::{
    MAX_DECOMPRESSED, MAX_DOMAIN, MAX_PUSH, OVERHEAD, compress, decrypt, encrypt, pad, padded_size,
    unwrap_plaintext,
};
pub use group_auth::{MemberAuth, member_token};
pub use group_info::{GroupInfo, GroupMembers, MAX_DESCRIPTION, Member, Status};
pub use group_keys::{
    GroupKey, GroupKeys, KEY_EXPIRY_MS, KEY_MULTIPLE, KeysMessage, Rekey, SuppliedKey, rekey,
};
pub use message::{ConfigMessage, Draft, LAG, Merged, MessageHash, Signing, merge};
pub use state::{ConfigKind, ConfigState, Push, State};
pub use user_groups::{
    AUTH_DATA_LEN, Common, Community, Group, GroupNotify, LegacyGroup, UserGroups,
};
pub use user_profile::{MAX_NAME, UserProfile};
pub use value::{Change, Dict, Diff, MAX_DEPTH, Scalar, Value, apply, diff, prune};

use crate::wire::BencodeError;

/// Why a config message or payload was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Not canonical bencode, or not a dictionary of the expected shape.
    #[error("config message malformed")]
    Malformed,
    /// A required key is missing or out of place.
    #[error("config message lacks its {0:?} key where it belongs")]
    Missing(&'static str),
    /// The data breaks a rule.
    #[error("config data: {0}")]
    Data(&'static str),
    /// A diff breaks a rule.
    #[error("config diff: {0}")]
    Diff(&'static str),
    /// The lagged diffs break a rule.
    #[error("config history: {0}")]
    Lagged(&'static str),
    /// Nested more than [`MAX_DEPTH`] dictionaries deep.
    #[error("config nested too deeply")]
    TooDeep,
    /// The signature is malformed or does not verify.
    #[error("config signature invalid")]
    Signature,
    /// The config type is signed and the message is not.
    #[error("config message unsigned")]
    Unsigned,
    /// No message to merge.
    #[error("no config message")]
    NoMessages,
    /// The seqno would pass `i64::MAX`.
    #[error("config seqno overflow")]
    SeqnoOverflow,
    /// An encryption domain of 0 or more than 24 bytes.
    #[error("config domain must be 1..=24 bytes")]
    Domain,
    /// The payload does not decrypt.
    #[error("config payload does not decrypt")]
    Decrypt,
    /// The decrypted payload is empty, or its zstd frame is bad or too large.
    #[error("config payload does not decompress")]
    Decompress,
    /// The push would be larger than the network stores.
    #[error("config push larger than {MAX_PUSH} bytes")]
    TooLarge,
    /// A value is out of range for its field (e.g. a name over 100 bytes).
    #[error("config field {0} out of range")]
    Field(&'static str),
    /// A dump is not one this crate wrote.
    #[error("config dump malformed")]
    Dump,
    /// The config cannot be changed (a signed type without the signing key).
    #[error("config is read-only")]
    ReadOnly,
}

impl From<BencodeError> for ConfigError {
    fn from(_: BencodeError) -> Self {
        Self::Malformed
    }
}
