//! The error core shared by every envelope operation: each operation keeps its own small error
//! enum (precise before the crypto step, one opaque `Decrypt` after it), and every one of them
//! maps onto [`ErrorKind`], so that callers can treat "malformed", "bad signature", "did not
//! decrypt" and "too large" the same way whichever format they were opening.

use core::fmt;

use super::blinded::BlindedDmError;
use super::content::ContentError;
use super::dm::{DecryptError, EncryptError};
use super::group::GroupError;
use super::multi::MultiError;
use super::wrap::EnvelopeError;

/// What kind of failure an envelope error is, across all formats.
///
/// Every error type of [`crate::envelope`] has a `kind()` method and converts into this with
/// `From`. New kinds may be added: match with a wildcard arm.
///
/// ```
/// use session_protocol::Identity;
/// use session_protocol::envelope::{ErrorKind, open_1o1, open_incoming};
///
/// let bob = Identity::from_seed(&[2; 32]);
/// assert_eq!(open_incoming(&bob, &[0; 10]).unwrap_err().kind(), ErrorKind::Malformed);
/// assert_eq!(ErrorKind::from(open_1o1(&bob, &[0x08, 0x80]).unwrap_err()), ErrorKind::Malformed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The bytes are not the expected format: too short, bad framing, a missing or malformed
    /// field, an unknown version. Reported before any crypto when the check can be made then,
    /// and for the structure found inside after authentication.
    Malformed,
    /// Well formed, but another kind of message than the one asked for (a closed-group
    /// envelope where a 1:1 message was expected, a WebSocket response instead of a request).
    WrongType,
    /// A message or plaintext over a size limit.
    TooLarge,
    /// Authentication failed: not for this key, or altered in transit. Nothing more is said.
    Decrypt,
    /// It decrypted, but the sender's signature does not verify.
    BadSignature,
    /// It decrypted (and verified, where there is a signature), but the sender key inside is
    /// unusable or does not belong to the claimed sender.
    InvalidSender,
    /// A key or id the caller passed cannot be used for this operation: a wrong prefix, a
    /// point of small order, an account that is not a party to the conversation.
    InvalidArgument,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "malformed",
            Self::WrongType => "wrong message type",
            Self::TooLarge => "too large",
            Self::Decrypt => "decryption failed",
            Self::BadSignature => "bad signature",
            Self::InvalidSender => "invalid sender",
            Self::InvalidArgument => "invalid argument",
        })
    }
}

/// Why a push-notification payload or an ONS answer did not decrypt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SmallFormatError {
    /// Too short to hold a nonce and a tag (push) or a tag (ONS).
    #[error("too short")]
    TooShort,
    /// Did not authenticate.
    #[error("decryption failed")]
    Decrypt,
    /// The ONS plaintext is not a Session ID.
    #[error("not a session id")]
    NotSessionId,
}

/// `kind()` and `From<E> for ErrorKind` for each error type, from one mapping.
macro_rules! kinds {
    ($($ty:ty => |$e:ident| $body:expr;)*) => {
        $(
            impl $ty {
                /// The kind of failure, shared by every envelope error type.
                pub const fn kind(&self) -> ErrorKind {
                    let $e = self;
                    $body
                }
            }

            impl From<$ty> for ErrorKind {
                fn from(e: $ty) -> Self {
                    e.kind()
                }
            }

            impl From<&$ty> for ErrorKind {
                fn from(e: &$ty) -> Self {
                    e.kind()
                }
            }
        )*
    };
}

kinds! {
    EncryptError => |e| match e {
        EncryptError::TooLarge => ErrorKind::TooLarge,
        EncryptError::NotStandardId | EncryptError::InvalidRecipient => ErrorKind::InvalidArgument,
    };
    DecryptError => |e| match e {
        DecryptError::TooShort => ErrorKind::Malformed,
        DecryptError::Decrypt => ErrorKind::Decrypt,
        DecryptError::BadSignature => ErrorKind::BadSignature,
        DecryptError::InvalidSender => ErrorKind::InvalidSender,
    };
    EnvelopeError => |e| match e {
        EnvelopeError::Malformed(_) | EnvelopeError::Missing(_) => ErrorKind::Malformed,
        EnvelopeError::WrongType(_) => ErrorKind::WrongType,
        EnvelopeError::Decrypt(d) => d.kind(),
    };
    GroupError => |e| match e {
        GroupError::TooLarge => ErrorKind::TooLarge,
        GroupError::TooShort | GroupError::Malformed(_) => ErrorKind::Malformed,
        GroupError::Decrypt => ErrorKind::Decrypt,
        GroupError::BadSignature => ErrorKind::BadSignature,
        GroupError::InvalidSender => ErrorKind::InvalidSender,
    };
    BlindedDmError => |e| match e {
        BlindedDmError::NotBlinded | BlindedDmError::NotParticipant | BlindedDmError::InvalidKey => {
            ErrorKind::InvalidArgument
        }
        BlindedDmError::Malformed => ErrorKind::Malformed,
        BlindedDmError::Decrypt => ErrorKind::Decrypt,
        BlindedDmError::SenderMismatch => ErrorKind::InvalidSender,
    };
    SmallFormatError => |e| match e {
        SmallFormatError::TooShort | SmallFormatError::NotSessionId => ErrorKind::Malformed,
        SmallFormatError::Decrypt => ErrorKind::Decrypt,
    };
    MultiError => |e| match e {
        MultiError::InvalidKey => ErrorKind::InvalidArgument,
        MultiError::Decrypt => ErrorKind::Decrypt,
    };
    ContentError => |e| match e {
        ContentError::Malformed | ContentError::Missing(_) => ErrorKind::Malformed,
    };
}
