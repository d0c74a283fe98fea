//! Typed key material: which 32 bytes are an Ed25519 public key, which an X25519 public key and
//! which a symmetric secret, so that no call can take one for another.

use core::fmt;
use core::str::FromStr;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::wire::{self, HexError};

macro_rules! public_key {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        ///
        /// The type says what the 32 bytes are for; it does not check them. Each operation that
        /// uses a key checks it exactly where libsodium would (and says so in its errors), so a
        /// key from the network can be held, compared and printed before anything is known
        /// about it. `Display` and `FromStr` use 64 hex characters (any case in, lowercase out).
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 32]);

        impl $name {
            /// The key with these bytes.
            pub const fn from_bytes(bytes: [u8; 32]) -> Self {
                Self(bytes)
            }

            /// The key's 32 bytes.
            pub const fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }

            /// The key's 32 bytes, by value.
            pub const fn to_bytes(self) -> [u8; 32] {
                self.0
            }
        }

        impl From<[u8; 32]> for $name {
            fn from(bytes: [u8; 32]) -> Self {
                Self(bytes)
            }
        }

        impl From<$name> for [u8; 32] {
            fn from(key: $name) -> Self {
                key.0
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl AsRef<[u8; 32]> for $name {
            fn as_ref(&self) -> &[u8; 32] {
                &self.0
            }
        }

        impl PartialEq<[u8; 32]> for $name {
            fn eq(&self, other: &[u8; 32]) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<$name> for [u8; 32] {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                wire::write_hex(f, &self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "("))?;
                wire::write_hex(f, &self.0)?;
                f.write_str(")")
            }
        }

        impl FromStr for $name {
            type Err = HexError;

            fn from_str(s: &str) -> Result<Self, HexError> {
                wire::decode_hex(s).map(Self)
            }
        }
    };
}

public_key! {
    /// An Ed25519 public key: an account's signing key, a service node's identity, a group's
    /// `03` key, a blinded community key.
    ///
    /// ```
    /// use session_protocol::{Ed25519Public, Identity};
    ///
    /// let me = Identity::from_seed(&[7; 32]);
    /// let key: Ed25519Public = me.ed25519_public();
    /// assert_eq!(key.to_string().parse::<Ed25519Public>()?, key);
    /// assert_eq!(format!("{key:?}"), format!("Ed25519Public({key})"));
    /// # Ok::<(), session_protocol::HexError>(())
    /// ```
    Ed25519Public
}

public_key! {
    /// An X25519 public key: an account's key behind its `05` Session ID, a service node's
    /// encryption key, an ephemeral key.
    ///
    /// ```
    /// use session_protocol::{Identity, X25519Public};
    ///
    /// let me = Identity::from_seed(&[7; 32]);
    /// let key: X25519Public = me.x25519_public();
    /// assert_eq!(key.as_bytes(), me.session_id().key());
    /// # Ok::<(), session_protocol::HexError>(())
    /// ```
    X25519Public
}

/// A 32-byte symmetric secret: a group's encryption key, a push-notification key, an ONS
/// decryption key.
///
/// Not `Clone` and not `Copy`; wiped on drop; `Debug` prints only `SymmetricKey(<redacted>)`;
/// equality is constant time.
///
/// ```
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::SymmetricKey;
///
/// let key = SymmetricKey::generate(&mut ChaCha20Rng::from_seed([1; 32]));
/// assert_eq!(format!("{key:?}"), "SymmetricKey(<redacted>)");
/// assert_eq!(SymmetricKey::from_bytes(*key.as_bytes()), key);
/// ```
pub struct SymmetricKey([u8; 32]);

impl SymmetricKey {
    /// The key with these bytes.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A fresh key drawn from `rng`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut key = Self([0; 32]);
        rng.fill_bytes(&mut key.0);
        key
    }

    /// The secret bytes, for storing the key. Copies of them are the caller's to wipe.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl Drop for SymmetricKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ZeroizeOnDrop for SymmetricKey {}

impl ConstantTimeEq for SymmetricKey {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for SymmetricKey {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for SymmetricKey {}

impl From<[u8; 32]> for SymmetricKey {
    fn from(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
}

impl fmt::Debug for SymmetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SymmetricKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    #[test]
    fn public_keys_print_and_parse_as_hex() {
        let key = Ed25519Public::from_bytes([0xab; 32]);
        assert_eq!(key.to_string(), "ab".repeat(32));
        assert_eq!(
            format!("{key:?}"),
            format!("Ed25519Public({})", "ab".repeat(32))
        );
        assert_eq!("AB".repeat(32).parse::<Ed25519Public>(), Ok(key));
        assert_eq!(
            "ab".parse::<X25519Public>(),
            Err(HexError::WrongLength {
                expected: 64,
                actual: 2
            })
        );
        let x = X25519Public::from([1; 32]);
        assert_eq!(
            format!("{x:?}"),
            format!("X25519Public({})", "01".repeat(32))
        );
        assert_eq!(<[u8; 32]>::from(x), [1; 32]);
        assert_eq!(x, [1; 32]);
    }

    #[test]
    fn symmetric_key_is_redacted_and_compares_by_value() {
        let a = SymmetricKey::from_bytes([0x5a; 32]);
        let dbg = format!("{a:?}");
        assert_eq!(dbg, "SymmetricKey(<redacted>)");
        assert!(!dbg.contains("5a"));
        assert_eq!(a, SymmetricKey::from([0x5a; 32]));
        assert_ne!(a, SymmetricKey::from_bytes([0x5b; 32]));
        assert_eq!(a.as_bytes(), &[0x5a; 32]);
    }
}
