//! `SessionProtos.Content` and the messages inside it (proto2), as public types.
//!
//! These are plain Rust structs: [`Content::from_bytes`] decodes, [`Content::to_bytes`]
//! encodes. The protobuf codec behind them is `prost` (derived by hand, no build script, no
//! `protoc`), applied to private mirrors of these structs, so **prost is not part of this
//! crate's public API**: no public type implements `prost::Message`, and a prost upgrade is not
//! a breaking change here. Enumerations are `i32` with the values as associated constants or
//! documented beside the field. The structs have public fields so that they can be built
//! with `..Default::default()`; adding a field (a new tag in the schema) is therefore a
//! breaking change, made only in a minor release while the crate is 0.x.
//!
//! What survives a decode / encode round trip:
//! * every field declared here, with its presence (an explicitly set empty string or zero is
//!   emitted again);
//! * sub-messages this crate does not interpret, kept as their raw encoded bytes and so intact
//!   however they are laid out inside: `DataMessage.quote` (8), `preview` (10), `reaction`
//!   (11), `closedGroupControlMessage` (104, legacy), `groupUpdateMessage` (120),
//!   `Content.configurationMessage` (7, legacy) and `proMessage` (16).
//!
//! What does not: the codec keeps no unknown fields, so any tag not declared here (in `Content` or
//! in a message this crate interprets, such as `AttachmentPointer` or `LokiProfile`) is dropped.
//! Encoding writes fields in ascending tag order, one occurrence each: the sender's field
//! order, repeated occurrences of a non-repeated field (the last one wins) and packed encodings
//! of repeated numbers are not reproduced byte for byte.

use alloc::string::String;
use alloc::vec::Vec;

use prost::Message as _;

/// Why bytes are not a valid `Content`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContentError {
    /// Not a valid protobuf encoding of `Content`.
    #[error("malformed Content protobuf")]
    Malformed,
    /// A field the schema marks `required` is absent; names it.
    #[error("missing required field {0}")]
    Missing(&'static str),
}

/// Declares each message twice: the public plain struct, and a private prost mirror with the
/// same fields (in `mirror`, where the message names resolve to the mirrors), with moves both
/// ways. prost stays out of the public API.
macro_rules! messages {
    ($(
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident {
            $(
                $(#[doc = $fdoc:literal])*
                #[prost($($attr:tt)*)]
                pub $field:ident : $ty:ty,
            )*
        }
    )*) => {
        $(
            $(#[doc = $sdoc])*
            #[derive(Debug, Clone, PartialEq, Eq, Default)]
            pub struct $name {
                $( $(#[doc = $fdoc])* pub $field: $ty, )*
            }
        )*

        /// The prost-derived mirrors of the public messages.
        mod mirror {
            use alloc::string::String;
            use alloc::vec::Vec;

            use super::Lift;

            $(
                #[derive(Clone, PartialEq, prost::Message)]
                pub(super) struct $name {
                    $( #[prost($($attr)*)] pub(super) $field: $ty, )*
                }

                impl From<$name> for super::$name {
                    fn from(m: $name) -> Self {
                        Self { $( $field: Lift::lift(m.$field), )* }
                    }
                }

                impl From<super::$name> for $name {
                    fn from(m: super::$name) -> Self {
                        Self { $( $field: Lift::lift(m.$field), )* }
                    }
                }
            )*
        }
    };
}

/// Moves a field between a public message and its mirror, converting nested messages.
trait Lift<T> {
    fn lift(self) -> T;
}

impl<A: Into<B>, B> Lift<Option<B>> for Option<A> {
    fn lift(self) -> Option<B> {
        self.map(Into::into)
    }
}

impl<A: Into<B>, B> Lift<Vec<B>> for Vec<A> {
    fn lift(self) -> Vec<B> {
        self.into_iter().map(Into::into).collect()
    }
}

messages! {
    /// `Content`: what a message carries once decrypted and unpadded.
    pub struct Content {
        /// A visible message.
        #[prost(message, optional, tag = "1")]
        pub data_message: Option<DataMessage>,
        /// A call signalling message.
        #[prost(message, optional, tag = "3")]
        pub call_message: Option<CallMessage>,
        /// Delivery or read receipts.
        #[prost(message, optional, tag = "5")]
        pub receipt_message: Option<ReceiptMessage>,
        /// Typing indicator.
        #[prost(message, optional, tag = "6")]
        pub typing_message: Option<TypingMessage>,
        /// Legacy `ConfigurationMessage` (removed in the newest schema), raw.
        #[prost(bytes = "vec", optional, tag = "7")]
        pub configuration_message: Option<Vec<u8>>,
        /// Screenshot / media-saved notice.
        #[prost(message, optional, tag = "8")]
        pub data_extraction_notification: Option<DataExtractionNotification>,
        /// Request to delete a sent message.
        #[prost(message, optional, tag = "9")]
        pub unsend_request: Option<UnsendRequest>,
        /// Accepting a message request.
        #[prost(message, optional, tag = "10")]
        pub message_request_response: Option<MessageRequestResponse>,
        /// Legacy config push.
        #[prost(message, optional, tag = "11")]
        pub shared_config_message: Option<SharedConfigMessage>,
        /// Disappearing-message mode: 0 unknown, 1 after read, 2 after send.
        #[prost(int32, optional, tag = "12")]
        pub expiration_type: Option<i32>,
        /// Disappearing-message timer (seconds).
        #[prost(uint32, optional, tag = "13")]
        pub expiration_timer: Option<u32>,
        /// The sender sets it to the envelope timestamp (ms); see [`Content::sig_timestamp_matches`].
        #[prost(uint64, optional, tag = "15")]
        pub sig_timestamp: Option<u64>,
        /// Session Pro message, raw.
        #[prost(bytes = "vec", optional, tag = "16")]
        pub pro_message: Option<Vec<u8>>,
        /// Session Pro signature for community messages.
        #[prost(bytes = "vec", optional, tag = "17")]
        pub pro_sig_for_community_message_only: Option<Vec<u8>>,
    }

    /// `DataMessage`.
    pub struct DataMessage {
        /// The text.
        #[prost(string, optional, tag = "1")]
        pub body: Option<String>,
        /// Attachments.
        #[prost(message, repeated, tag = "2")]
        pub attachments: Vec<AttachmentPointer>,
        /// Flags: [`DataMessage::EXPIRATION_TIMER_UPDATE`].
        #[prost(uint32, optional, tag = "4")]
        pub flags: Option<u32>,
        /// Legacy disappearing timer (seconds).
        #[prost(uint32, optional, tag = "5")]
        pub expire_timer: Option<u32>,
        /// The sender's profile key.
        #[prost(bytes = "vec", optional, tag = "6")]
        pub profile_key: Option<Vec<u8>>,
        /// Sent time (ms).
        #[prost(uint64, optional, tag = "7")]
        pub timestamp: Option<u64>,
        /// Quoted message, raw.
        #[prost(bytes = "vec", optional, tag = "8")]
        pub quote: Option<Vec<u8>>,
        /// Link previews, raw.
        #[prost(bytes = "vec", repeated, tag = "10")]
        pub preview: Vec<Vec<u8>>,
        /// Emoji reaction, raw.
        #[prost(bytes = "vec", optional, tag = "11")]
        pub reaction: Option<Vec<u8>>,
        /// The sender's profile.
        #[prost(message, optional, tag = "101")]
        pub profile: Option<LokiProfile>,
        /// Invitation to a community.
        #[prost(message, optional, tag = "102")]
        pub open_group_invitation: Option<OpenGroupInvitation>,
        /// Legacy closed-group control message (removed in the newest schema), raw.
        #[prost(bytes = "vec", optional, tag = "104")]
        pub closed_group_control_message: Option<Vec<u8>>,
        /// For sync messages: the real recipient.
        #[prost(string, optional, tag = "105")]
        pub sync_target: Option<String>,
        /// Whether the sender blocks community message requests.
        #[prost(bool, optional, tag = "106")]
        pub blocks_community_message_requests: Option<bool>,
        /// Group (v2) update, raw.
        #[prost(bytes = "vec", optional, tag = "120")]
        pub group_update_message: Option<Vec<u8>>,
    }


    /// `AttachmentPointer`.
    pub struct AttachmentPointer {
        /// Server id (required).
        #[prost(fixed64, optional, tag = "1")]
        pub id: Option<u64>,
        /// MIME type.
        #[prost(string, optional, tag = "2")]
        pub content_type: Option<String>,
        /// Encryption key.
        #[prost(bytes = "vec", optional, tag = "3")]
        pub key: Option<Vec<u8>>,
        /// Size in bytes.
        #[prost(uint32, optional, tag = "4")]
        pub size: Option<u32>,
        /// Thumbnail.
        #[prost(bytes = "vec", optional, tag = "5")]
        pub thumbnail: Option<Vec<u8>>,
        /// Digest of the encrypted file.
        #[prost(bytes = "vec", optional, tag = "6")]
        pub digest: Option<Vec<u8>>,
        /// File name.
        #[prost(string, optional, tag = "7")]
        pub file_name: Option<String>,
        /// Flags.
        #[prost(uint32, optional, tag = "8")]
        pub flags: Option<u32>,
        /// Width.
        #[prost(uint32, optional, tag = "9")]
        pub width: Option<u32>,
        /// Height.
        #[prost(uint32, optional, tag = "10")]
        pub height: Option<u32>,
        /// Caption.
        #[prost(string, optional, tag = "11")]
        pub caption: Option<String>,
        /// Download URL.
        #[prost(string, optional, tag = "101")]
        pub url: Option<String>,
    }

    /// `LokiProfile`.
    pub struct LokiProfile {
        /// Display name.
        #[prost(string, optional, tag = "1")]
        pub display_name: Option<String>,
        /// Avatar URL.
        #[prost(string, optional, tag = "2")]
        pub profile_picture: Option<String>,
        /// When the profile last changed (seconds).
        #[prost(uint64, optional, tag = "3")]
        pub last_update_seconds: Option<u64>,
    }

    /// `OpenGroupInvitation`.
    pub struct OpenGroupInvitation {
        /// Community URL.
        #[prost(string, optional, tag = "1")]
        pub url: Option<String>,
        /// Community name.
        #[prost(string, optional, tag = "3")]
        pub name: Option<String>,
    }

    /// `TypingMessage`.
    pub struct TypingMessage {
        /// Time (ms, required).
        #[prost(uint64, optional, tag = "1")]
        pub timestamp: Option<u64>,
        /// 0 started, 1 stopped (required).
        #[prost(int32, optional, tag = "2")]
        pub action: Option<i32>,
    }

    /// `UnsendRequest`.
    pub struct UnsendRequest {
        /// Timestamp of the message to delete (ms).
        #[prost(uint64, optional, tag = "1")]
        pub timestamp: Option<u64>,
        /// Its author (Session ID hex).
        #[prost(string, optional, tag = "2")]
        pub author: Option<String>,
    }

    /// `MessageRequestResponse`.
    pub struct MessageRequestResponse {
        /// Accepted (required).
        #[prost(bool, optional, tag = "1")]
        pub is_approved: Option<bool>,
        /// Profile key.
        #[prost(bytes = "vec", optional, tag = "2")]
        pub profile_key: Option<Vec<u8>>,
        /// Profile.
        #[prost(message, optional, tag = "3")]
        pub profile: Option<LokiProfile>,
    }

    /// `ReceiptMessage`.
    pub struct ReceiptMessage {
        /// 0 delivery, 1 read.
        #[prost(int32, optional, tag = "1")]
        pub kind: Option<i32>,
        /// Timestamps of the messages (ms).
        #[prost(uint64, repeated, packed = "false", tag = "2")]
        pub timestamp: Vec<u64>,
    }

    /// `DataExtractionNotification`.
    pub struct DataExtractionNotification {
        /// 1 screenshot, 2 media saved.
        #[prost(int32, optional, tag = "1")]
        pub kind: Option<i32>,
        /// When (ms).
        #[prost(uint64, optional, tag = "2")]
        pub timestamp: Option<u64>,
    }

    /// `CallMessage`.
    pub struct CallMessage {
        /// PRE_OFFER 6, OFFER 1, ANSWER 2, PROVISIONAL_ANSWER 3, ICE_CANDIDATES 4, END_CALL 5.
        #[prost(int32, optional, tag = "1")]
        pub kind: Option<i32>,
        /// SDPs.
        #[prost(string, repeated, tag = "2")]
        pub sdps: Vec<String>,
        /// SDP m-line indexes.
        #[prost(uint32, repeated, packed = "false", tag = "3")]
        pub sdp_m_line_indexes: Vec<u32>,
        /// SDP mids.
        #[prost(string, repeated, tag = "4")]
        pub sdp_mids: Vec<String>,
        /// Call id.
        #[prost(string, optional, tag = "5")]
        pub uuid: Option<String>,
    }

    /// `SharedConfigMessage` (legacy config push).
    pub struct SharedConfigMessage {
        /// USER_PROFILE 1, CONTACTS 2, CONVO_INFO_VOLATILE 3, USER_GROUPS 4.
        #[prost(int32, optional, tag = "1")]
        pub kind: Option<i32>,
        /// Sequence number.
        #[prost(int64, optional, tag = "2")]
        pub seqno: Option<i64>,
        /// Config data.
        #[prost(bytes = "vec", optional, tag = "3")]
        pub data: Option<Vec<u8>>,
    }
}

impl DataMessage {
    /// `flags` bit: the message updates the disappearing timer.
    pub const EXPIRATION_TIMER_UPDATE: u32 = 2;
}

impl Content {
    /// Decodes and checks the `required` fields of the messages present.
    ///
    /// # Errors
    /// [`ContentError::Malformed`] for invalid protobuf, [`ContentError::Missing`] for an absent
    /// required field.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ContentError> {
        let c = Self::from(mirror::Content::decode(bytes).map_err(|_| ContentError::Malformed)?);
        if let Some(t) = &c.typing_message {
            t.timestamp
                .ok_or(ContentError::Missing("TypingMessage.timestamp"))?;
            t.action
                .ok_or(ContentError::Missing("TypingMessage.action"))?;
        }
        if let Some(m) = &c.message_request_response {
            m.is_approved
                .ok_or(ContentError::Missing("MessageRequestResponse.isApproved"))?;
        }
        if let Some(d) = &c.data_message {
            for a in &d.attachments {
                a.id.ok_or(ContentError::Missing("AttachmentPointer.id"))?;
            }
        }
        Ok(c)
    }

    /// Whether `sigTimestamp` agrees with the envelope timestamp: `None` when the field is
    /// absent (older senders), else whether it equals `envelope_timestamp_ms`. SPEC 5.4 makes
    /// senders set it equal; [`super::open_1o1`] does not parse the content and so leaves
    /// this check to the caller ([`super::Message::timestamp_ms`] is the envelope's value).
    pub fn sig_timestamp_matches(&self, envelope_timestamp_ms: u64) -> Option<bool> {
        self.sig_timestamp.map(|t| t == envelope_timestamp_ms)
    }

    /// Encodes (fields in ascending tag order, explicitly set empty strings included).
    pub fn to_bytes(&self) -> Vec<u8> {
        mirror::Content::from(self.clone()).encode_to_vec()
    }

    /// A text message: `DataMessage { body, timestamp }` with `sigTimestamp` set to the same
    /// time, as [`super::seal_1o1`] expects.
    pub fn text(body: &str, sent_ms: u64) -> Self {
        Self {
            data_message: Some(DataMessage {
                body: Some(String::from(body)),
                timestamp: Some(sent_ms),
                ..DataMessage::default()
            }),
            sig_timestamp: Some(sent_ms),
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    /// Public struct and mirror encode identically: one of each nested kind, every field set.
    #[test]
    fn mirror_conversions_keep_every_field() {
        let profile = LokiProfile {
            display_name: Some("n".into()),
            profile_picture: Some("p".into()),
            last_update_seconds: Some(3),
        };
        let c = Content {
            data_message: Some(DataMessage {
                body: Some("b".into()),
                attachments: vec![AttachmentPointer {
                    id: Some(1),
                    content_type: Some("t".into()),
                    key: Some(vec![1]),
                    size: Some(2),
                    thumbnail: Some(vec![3]),
                    digest: Some(vec![4]),
                    file_name: Some("f".into()),
                    flags: Some(5),
                    width: Some(6),
                    height: Some(7),
                    caption: Some("c".into()),
                    url: Some("u".into()),
                }],
                flags: Some(DataMessage::EXPIRATION_TIMER_UPDATE),
                expire_timer: Some(8),
                profile_key: Some(vec![9]),
                timestamp: Some(10),
                quote: Some(vec![0x08, 0x01]),
                preview: vec![vec![0x0a, 0x00]],
                reaction: Some(vec![0x08, 0x02]),
                profile: Some(profile.clone()),
                open_group_invitation: Some(OpenGroupInvitation {
                    url: Some("u".into()),
                    name: Some("n".into()),
                }),
                closed_group_control_message: Some(vec![0x08, 0x03]),
                sync_target: Some("s".into()),
                blocks_community_message_requests: Some(true),
                group_update_message: Some(vec![0x08, 0x04]),
            }),
            call_message: Some(CallMessage {
                kind: Some(1),
                sdps: vec!["a".into()],
                sdp_m_line_indexes: vec![1, 2],
                sdp_mids: vec!["m".into()],
                uuid: Some("id".into()),
            }),
            receipt_message: Some(ReceiptMessage {
                kind: Some(1),
                timestamp: vec![1, 2],
            }),
            typing_message: Some(TypingMessage {
                timestamp: Some(1),
                action: Some(0),
            }),
            configuration_message: Some(vec![0x08, 0x05]),
            data_extraction_notification: Some(DataExtractionNotification {
                kind: Some(2),
                timestamp: Some(3),
            }),
            unsend_request: Some(UnsendRequest {
                timestamp: Some(4),
                author: Some("05".into()),
            }),
            message_request_response: Some(MessageRequestResponse {
                is_approved: Some(true),
                profile_key: Some(vec![1]),
                profile: Some(profile),
            }),
            shared_config_message: Some(SharedConfigMessage {
                kind: Some(1),
                seqno: Some(-2),
                data: Some(vec![3]),
            }),
            expiration_type: Some(2),
            expiration_timer: Some(60),
            sig_timestamp: Some(10),
            pro_message: Some(vec![0x08, 0x06]),
            pro_sig_for_community_message_only: Some(vec![7; 64]),
        };
        let bytes = c.to_bytes();
        let back = Content::from_bytes(&bytes).unwrap();
        assert_eq!(back, c);
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(
            mirror::Content::from(c.clone()),
            mirror::Content::decode(bytes.as_slice()).unwrap()
        );
    }
}
