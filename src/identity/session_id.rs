//! Account identifiers: one prefix byte and 32 key bytes.

use core::fmt;
use core::str::FromStr;

use crate::wire::{self, HexError};

/// What the 32 key bytes of a [`SessionId`] are, named by its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IdPrefix {
    /// `00`: an unblinded raw Ed25519 key (community request headers) or, on testnet, an
    /// X25519 account key.
    Unblinded,
    /// `03`: a closed group (v2); the key is the group's Ed25519 public key.
    Group,
    /// `05`: a standard account; the key is the account's X25519 public key.
    Standard,
    /// `07`: the version-check key used to sign `session_version` requests.
    Version,
    /// `15`: a community-blinded id (legacy blinding); the key is a blinded Ed25519 key whose
    /// sign bit is ambiguous.
    Blinded15,
    /// `25`: a community-blinded id (current blinding); the key is a blinded Ed25519 key.
    Blinded25,
}

impl IdPrefix {
    /// The prefix byte on the wire.
    pub const fn byte(self) -> u8 {
        match self {
            Self::Standard => 0x05,
            Self::Group => 0x03,
            Self::Blinded15 => 0x15,
            Self::Blinded25 => 0x25,
            Self::Unblinded => 0x00,
            Self::Version => 0x07,
        }
    }

    /// The prefix named by `byte`, if it is one of the known ones.
    pub const fn from_byte(byte: u8) -> Option<Self> {
        Some(match byte {
            0x05 => Self::Standard,
            0x03 => Self::Group,
            0x15 => Self::Blinded15,
            0x25 => Self::Blinded25,
            0x00 => Self::Unblinded,
            0x07 => Self::Version,
            _ => return None,
        })
    }
}

/// Why bytes or text are not a [`SessionId`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionIdError {
    /// Text that is not 66 characters, or bytes that are not 33.
    #[error("a session id is 66 hex characters or 33 bytes, got {0}")]
    WrongLength(usize),
    /// A character outside `0-9a-fA-F`.
    #[error("a session id is hex")]
    NotHex,
    /// A first byte that names no known kind of id.
    #[error("unknown session id prefix {0:#04x}")]
    UnknownPrefix(u8),
}

/// A Session account id: a known [`IdPrefix`] byte followed by 32 key bytes.
///
/// Ordered as its 33-byte binary form.
///
/// Parsed case-insensitively from 66 hex characters; displayed as lowercase hex, which is the
/// form signed strings and the storage server use.
///
/// With the `serde` feature, `SessionId` implements `Serialize` and `Deserialize`: that string in
/// human-readable formats (JSON), 33 raw bytes otherwise (a sequence of 33 integers is also
/// accepted), and deserializing checks the id as [`FromStr`] and [`SessionId::from_bytes`] do.
/// The feature gates only these impls: the crate always depends on `serde` and `serde_json`,
/// which its JSON decoders use internally.
///
/// ```
/// use session_protocol::{IdPrefix, SessionId};
///
/// let id: SessionId = "05D2AD010EEB72D72E561D9DE7BD7B6989AF77DCABFFA03A5111A6C859AE5C3A72"
///     .parse()?;
/// assert_eq!(id.prefix(), IdPrefix::Standard);
/// assert_eq!(
///     id.to_string(),
///     "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72"
/// );
/// # Ok::<(), session_protocol::SessionIdError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId {
    // Field order and the byte order of `IdPrefix`'s variants make the derived `Ord` the
    // order of the binary form.
    prefix: IdPrefix,
    key: [u8; 32],
}

impl SessionId {
    /// Length of the binary form.
    pub const LEN: usize = 33;

    /// An id from its prefix and key bytes.
    pub const fn new(prefix: IdPrefix, key: [u8; 32]) -> Self {
        Self { prefix, key }
    }

    /// An id from its 33-byte binary form.
    ///
    /// # Errors
    /// [`SessionIdError::UnknownPrefix`] when the first byte is not a known [`IdPrefix`].
    pub fn from_bytes(raw: &[u8; 33]) -> Result<Self, SessionIdError> {
        let (&[byte], key) = raw
            .split_first_chunk::<1>()
            .ok_or(SessionIdError::WrongLength(0))?;
        let prefix = IdPrefix::from_byte(byte).ok_or(SessionIdError::UnknownPrefix(byte))?;
        let key: [u8; 32] = key
            .try_into()
            .map_err(|_| SessionIdError::WrongLength(33))?;
        Ok(Self { prefix, key })
    }

    /// An id from a byte slice that should hold exactly 33 bytes.
    ///
    /// # Errors
    /// [`SessionIdError::WrongLength`] for any other length, then as [`Self::from_bytes`].
    pub fn from_slice(raw: &[u8]) -> Result<Self, SessionIdError> {
        let arr: &[u8; 33] = raw
            .try_into()
            .map_err(|_| SessionIdError::WrongLength(raw.len()))?;
        Self::from_bytes(arr)
    }

    /// The kind of id.
    pub const fn prefix(&self) -> IdPrefix {
        self.prefix
    }

    /// The 32 key bytes after the prefix.
    pub const fn key(&self) -> &[u8; 32] {
        &self.key
    }

    /// The 33-byte binary form.
    pub fn to_bytes(&self) -> [u8; 33] {
        let mut raw = [0u8; 33];
        let (first, rest) = raw.split_at_mut(1);
        first.fill(self.prefix.byte());
        rest.copy_from_slice(&self.key);
        raw
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        wire::write_hex(f, &self.to_bytes())
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

impl FromStr for SessionId {
    type Err = SessionIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let raw = wire::decode_hex::<33>(s).map_err(|e| match e {
            HexError::WrongLength { actual, .. } => SessionIdError::WrongLength(actual),
            _ => SessionIdError::NotHex,
        })?;
        Self::from_bytes(&raw)
    }
}

impl TryFrom<&[u8]> for SessionId {
    type Error = SessionIdError;

    fn try_from(raw: &[u8]) -> Result<Self, Self::Error> {
        Self::from_slice(raw)
    }
}

impl From<SessionId> for [u8; 33] {
    fn from(id: SessionId) -> Self {
        id.to_bytes()
    }
}

/// The `serde` feature's impls (see [`SessionId`]).
#[cfg(feature = "serde")]
mod serde_impl {
    use super::SessionId;
    use core::fmt;
    use serde::de::{self, Visitor};

    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl serde::Serialize for SessionId {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            if s.is_human_readable() {
                s.collect_str(self)
            } else {
                s.serialize_bytes(&self.to_bytes())
            }
        }
    }

    struct IdVisitor;

    impl<'de> Visitor<'de> for IdVisitor {
        type Value = SessionId;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a session id (66 hex characters or 33 bytes)")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<SessionId, E> {
            v.parse().map_err(E::custom)
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<SessionId, E> {
            SessionId::from_slice(v).map_err(E::custom)
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<SessionId, A::Error> {
            let mut raw = [0u8; 33];
            for (i, b) in raw.iter_mut().enumerate() {
                *b = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(i, &self))?;
            }
            if seq.next_element::<u8>()?.is_some() {
                return Err(de::Error::invalid_length(34, &self));
            }
            SessionId::from_bytes(&raw).map_err(de::Error::custom)
        }
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de> serde::Deserialize<'de> for SessionId {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            if d.is_human_readable() {
                d.deserialize_str(IdVisitor)
            } else {
                d.deserialize_bytes(IdVisitor)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    const ID: &str = "05d2ad010eeb72d72e561d9de7bd7b6989af77dcabffa03a5111a6c859ae5c3a72";

    #[test]
    fn parse_and_display_round_trip_in_lowercase() {
        let id: SessionId = ID.to_uppercase().parse().unwrap();
        assert_eq!(id.to_string(), ID);
        assert_eq!(id.prefix(), IdPrefix::Standard);
        assert_eq!(id.key()[0], 0xd2);
        assert_eq!(id.key()[31], 0x72);
    }

    #[test]
    fn errors_are_specific() {
        assert_eq!(
            ID[..64].parse::<SessionId>(),
            Err(SessionIdError::WrongLength(64))
        );
        let mut bad = ID.to_string();
        bad.replace_range(10..11, "z");
        assert_eq!(bad.parse::<SessionId>(), Err(SessionIdError::NotHex));
        let unknown = ID.replacen("05", "ff", 1);
        assert_eq!(
            unknown.parse::<SessionId>(),
            Err(SessionIdError::UnknownPrefix(0xff))
        );
        assert_eq!(
            SessionId::from_slice(&[5u8; 32]),
            Err(SessionIdError::WrongLength(32))
        );
    }

    #[test]
    fn every_prefix_round_trips() {
        for byte in 0..=u8::MAX {
            match IdPrefix::from_byte(byte) {
                Some(p) => {
                    assert_eq!(p.byte(), byte);
                    assert_eq!(SessionId::new(p, [7; 32]).prefix(), p);
                }
                None => assert!(!matches!(byte, 0x00 | 0x03 | 0x05 | 0x07 | 0x15 | 0x25)),
            }
        }
    }
}
