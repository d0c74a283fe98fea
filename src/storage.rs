//! Storage-server helpers a client needs: namespaces, message hashes, and the exact strings
//! that request signatures cover. Timestamps are arguments (milliseconds); nothing here reads a
//! clock or talks to a server.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::identity::{Ed25519Public, IdPrefix, Identity, SessionId};
use crate::wire::{self, Sink};

mod clock;
mod member;
pub mod request;
pub mod response;
mod verify;

pub use clock::{CLOCK_SAMPLES, ClockError, MAX_ROUND_TRIP_MS, NetworkClock};
pub use member::MemberSigner;
pub use request::{Auth, Call, Method, RequestError};
pub use verify::{
    REVOCATIONS_KEPT, RevocationList, VerifyError, revoke_answer_message, verify_request,
};

/// A storage namespace (`int16` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Namespace(pub i16);

impl Namespace {
    /// 0: one-to-one messages.
    pub const DEFAULT: Self = Self(0);
    /// 2: the user profile config.
    pub const USER_PROFILE: Self = Self(2);
    /// 3: contacts config.
    pub const CONTACTS: Self = Self(3);
    /// 4: conversation info config.
    pub const CONVO_INFO_VOLATILE: Self = Self(4);
    /// 5: user groups config.
    pub const USER_GROUPS: Self = Self(5);
    /// 11: group (v2) messages.
    pub const GROUP_MESSAGES: Self = Self(11);
    /// 12: group keys.
    pub const GROUP_KEYS: Self = Self(12);
    /// 13: group info.
    pub const GROUP_INFO: Self = Self(13);
    /// 14: group members.
    pub const GROUP_MEMBERS: Self = Self(14);
    /// -10: legacy closed groups (no authentication for store or retrieve).
    pub const LEGACY_CLOSED_GROUP: Self = Self(-10);
    /// -11: group messages retrievable by revoked subaccounts.
    pub const REVOKED_RETRIEVABLE: Self = Self(-11);

    /// Anyone may store here (`ns % 10 == 0`).
    pub fn is_public_inbox(self) -> bool {
        self.0 % 10 == 0
    }

    /// A single public message, retrievable by anyone, stored by the owner (`-(20n + 1)`).
    pub fn is_public_outbox(self) -> bool {
        self.0 < 0 && self.0.unsigned_abs() % 20 == 1
    }

    /// Retrievable by revoked subaccounts (negative, ending in 11).
    pub fn is_revoked_retrievable(self) -> bool {
        self.0 < 0 && self.0.unsigned_abs() % 100 == 11
    }

    /// Whether `store` needs a signature (everywhere but public inboxes).
    pub fn store_needs_signature(self) -> bool {
        !self.is_public_inbox()
    }

    /// Whether `retrieve` needs a signature: everywhere but the legacy closed-group namespace
    /// (-10) and public outboxes (SPEC 6.3).
    pub fn retrieve_needs_signature(self) -> bool {
        self != Self::LEGACY_CLOSED_GROUP && !self.is_public_outbox()
    }

    /// How the namespace appears in hashes and signed strings: empty for 0, else decimal.
    fn put<S: Sink>(self, out: &mut S) {
        if self.0 != 0 {
            if self.0 < 0 {
                out.put(b"-");
            }
            wire::put_decimal(out, u64::from(self.0.unsigned_abs()));
        }
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The namespaces a `delete_all`, `delete_before` or `expire_all` request covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Namespaces {
    /// One namespace.
    One(Namespace),
    /// All of them (`"all"`).
    All,
}

impl Namespaces {
    fn put<S: Sink>(self, out: &mut S) {
        match self {
            Self::One(ns) => ns.put(out),
            Self::All => out.put(b"all"),
        }
    }
}

/// How an `expire` request changes expiries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ExpireMode {
    /// Set the expiry.
    #[default]
    Set,
    /// Only shorten.
    Shorten,
    /// Only extend.
    Extend,
}

impl ExpireMode {
    fn as_bytes(self) -> &'static [u8] {
        match self {
            Self::Set => b"",
            Self::Shorten => b"shorten",
            Self::Extend => b"extend",
        }
    }
}

/// The hash a storage server gives a stored message: unpadded base64 of
/// `BLAKE2b-256(prefix || key || namespace || data)`, the namespace empty for 0 and decimal
/// otherwise, `data` the raw stored bytes.
pub fn message_hash(account: &SessionId, namespace: Namespace, data: &[u8]) -> String {
    let mut ns = Vec::new();
    namespace.put(&mut ns);
    let h = crate::crypto::blake2b_256(&[&[account.prefix().byte()], account.key(), &ns, data]);
    let mut b64 = wire::base64_encode(&h);
    while b64.last() == Some(&b'=') {
        b64.pop();
    }
    String::from_utf8(b64).unwrap_or_default()
}

/// The string a request signature covers, for each signed storage method.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignedRequest<'a> {
    /// `"store" || ns || sig_timestamp`.
    Store {
        /// Namespace.
        namespace: Namespace,
        /// Signature timestamp (ms; defaults to the message timestamp).
        timestamp_ms: u64,
    },
    /// `"retrieve" || ns || timestamp`.
    Retrieve {
        /// Namespace.
        namespace: Namespace,
        /// Request timestamp (ms).
        timestamp_ms: u64,
    },
    /// `"delete" || hash_0 || hash_1 || …` (no timestamp).
    Delete {
        /// Message hashes.
        hashes: &'a [&'a str],
    },
    /// `"delete_all" || ns || timestamp`.
    DeleteAll {
        /// Namespaces.
        namespaces: Namespaces,
        /// Request timestamp (ms).
        timestamp_ms: u64,
    },
    /// `"delete_before" || ns || before`.
    DeleteBefore {
        /// Namespaces.
        namespaces: Namespaces,
        /// Cut-off (ms).
        before_ms: u64,
    },
    /// `"expire_all" || ns || expiry`.
    ExpireAll {
        /// Namespaces.
        namespaces: Namespaces,
        /// New expiry (ms).
        expiry_ms: u64,
    },
    /// `"expire" || mode || expiry || hash_0 || …`.
    Expire {
        /// Set, shorten or extend.
        mode: ExpireMode,
        /// New expiry (ms).
        expiry_ms: u64,
        /// Message hashes.
        hashes: &'a [&'a str],
    },
    /// `"get_expiries" || timestamp || hash_0 || …`.
    GetExpiries {
        /// Request timestamp (ms).
        timestamp_ms: u64,
        /// Message hashes.
        hashes: &'a [&'a str],
    },
    /// `"revoke_subaccount" || timestamp || token…` (36-byte tokens, raw).
    RevokeSubaccount {
        /// Request timestamp (ms).
        timestamp_ms: u64,
        /// Subaccount tokens.
        tokens: &'a [[u8; 36]],
    },
    /// `"unrevoke_subaccount" || timestamp || token…`.
    UnrevokeSubaccount {
        /// Request timestamp (ms).
        timestamp_ms: u64,
        /// Subaccount tokens.
        tokens: &'a [[u8; 36]],
    },
}

impl SignedRequest<'_> {
    /// The exact bytes the signature covers.
    pub fn message(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let dec = |out: &mut Vec<u8>, n: u64| wire::put_decimal(out, n);
        match self {
            Self::Store {
                namespace,
                timestamp_ms,
            } => {
                out.put(b"store");
                namespace.put(&mut out);
                dec(&mut out, *timestamp_ms);
            }
            Self::Retrieve {
                namespace,
                timestamp_ms,
            } => {
                out.put(b"retrieve");
                namespace.put(&mut out);
                dec(&mut out, *timestamp_ms);
            }
            Self::Delete { hashes } => {
                out.put(b"delete");
                hashes.iter().for_each(|h| out.put(h.as_bytes()));
            }
            Self::DeleteAll {
                namespaces,
                timestamp_ms,
            } => {
                out.put(b"delete_all");
                namespaces.put(&mut out);
                dec(&mut out, *timestamp_ms);
            }
            Self::DeleteBefore {
                namespaces,
                before_ms,
            } => {
                out.put(b"delete_before");
                namespaces.put(&mut out);
                dec(&mut out, *before_ms);
            }
            Self::ExpireAll {
                namespaces,
                expiry_ms,
            } => {
                out.put(b"expire_all");
                namespaces.put(&mut out);
                dec(&mut out, *expiry_ms);
            }
            Self::Expire {
                mode,
                expiry_ms,
                hashes,
            } => {
                out.put(b"expire");
                out.put(mode.as_bytes());
                dec(&mut out, *expiry_ms);
                hashes.iter().for_each(|h| out.put(h.as_bytes()));
            }
            Self::GetExpiries {
                timestamp_ms,
                hashes,
            } => {
                out.put(b"get_expiries");
                dec(&mut out, *timestamp_ms);
                hashes.iter().for_each(|h| out.put(h.as_bytes()));
            }
            Self::RevokeSubaccount {
                timestamp_ms,
                tokens,
            }
            | Self::UnrevokeSubaccount {
                timestamp_ms,
                tokens,
            } => {
                out.put(if matches!(self, Self::RevokeSubaccount { .. }) {
                    &b"revoke_subaccount"[..]
                } else {
                    &b"unrevoke_subaccount"[..]
                });
                dec(&mut out, *timestamp_ms);
                tokens.iter().for_each(|t| out.put(t));
            }
        }
        out
    }

    /// Signs the request with `signer` (the account's key; for a `03` group, the group's
    /// Ed25519 key) and returns what goes into the JSON parameters.
    pub fn sign(&self, signer: &Identity) -> RequestSignature {
        let sig = signer.sign(&self.message());
        RequestSignature {
            signature: sig,
            pubkey_ed25519: signer.ed25519_public(),
        }
    }
}

/// A request signature and the Ed25519 key that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestSignature {
    /// The Ed25519 signature.
    pub signature: [u8; 64],
    /// The signing key: send it as `pubkey_ed25519` (hex) for `05` accounts.
    pub pubkey_ed25519: Ed25519Public,
}

impl RequestSignature {
    /// The `signature` parameter: standard base64 with padding.
    pub fn signature_base64(&self) -> String {
        String::from_utf8(wire::base64_encode(&self.signature)).unwrap_or_default()
    }

    /// The `pubkey_ed25519` parameter: lowercase hex.
    pub fn pubkey_ed25519_hex(&self) -> String {
        let mut out = Vec::with_capacity(64);
        wire::put_hex(&mut out, self.pubkey_ed25519.as_bytes());
        String::from_utf8(out).unwrap_or_default()
    }

    /// Whether the `pubkey_ed25519` parameter is needed: for `05` accounts (the server checks
    /// that it converts to the account's X25519 key); other prefixes sign with the account key.
    pub fn needs_pubkey_param(account: &SessionId) -> bool {
        account.prefix() == IdPrefix::Standard
    }
}

/// Revoking subaccount tokens, or lifting their revocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Revocation {
    /// The swarm refuses requests signed with them (`revoke_subaccount`).
    Revoke,
    /// The swarm takes them again (`unrevoke_subaccount`).
    Unrevoke,
}

impl Revocation {
    /// The request parameter naming the tokens: `revoke` or `unrevoke`.
    pub const fn param(self) -> &'static str {
        match self {
            Self::Revoke => "revoke",
            Self::Unrevoke => "unrevoke",
        }
    }

    /// What the request's signature covers.
    pub fn signed_request(self, timestamp_ms: u64, tokens: &[[u8; 36]]) -> SignedRequest<'_> {
        match self {
            Self::Revoke => SignedRequest::RevokeSubaccount {
                timestamp_ms,
                tokens,
            },
            Self::Unrevoke => SignedRequest::UnrevokeSubaccount {
                timestamp_ms,
                tokens,
            },
        }
    }
}

/// What a subaccount may do: a bit set of [`SubaccountFlags::READ`], [`SubaccountFlags::WRITE`],
/// [`SubaccountFlags::DELETE`] and [`SubaccountFlags::ANY_PREFIX`], combined with `|`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SubaccountFlags(pub u8);

impl SubaccountFlags {
    /// May retrieve.
    pub const READ: Self = Self(1);
    /// May store.
    pub const WRITE: Self = Self(2);
    /// May delete.
    pub const DELETE: Self = Self(4);
    /// Valid for an account of any prefix, not only the token's network id.
    pub const ANY_PREFIX: Self = Self(8);
}

impl core::ops::BitOr for SubaccountFlags {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

/// A subaccount token (SPEC 6.6): `netid || flags || 0x0000 || subaccount_ed25519`, 36 bytes;
/// `netid` is the account's prefix byte (`03` for groups). Revoke it with
/// [`SignedRequest::RevokeSubaccount`]; the account owner authorises it with
/// [`sign_subaccount_token`].
///
/// ```
/// use session_protocol::IdPrefix;
/// use session_protocol::storage::{SubaccountFlags, subaccount_token};
///
/// let token = subaccount_token(IdPrefix::Group, SubaccountFlags::READ | SubaccountFlags::WRITE, &[7; 32]);
/// assert_eq!(token[..4], [0x03, 0x03, 0x00, 0x00]);
/// assert_eq!(token[4..], [7; 32]);
/// ```
pub fn subaccount_token(
    netid: IdPrefix,
    flags: SubaccountFlags,
    subaccount_ed25519: &[u8; 32],
) -> [u8; 36] {
    let mut token = [0u8; 36];
    let (head, key) = token.split_at_mut(4);
    head.copy_from_slice(&[netid.byte(), flags.0, 0, 0]);
    key.copy_from_slice(subaccount_ed25519);
    token
}

/// The `subaccount_sig`: the account owner's Ed25519 signature over the 36 token bytes (the
/// request itself is then signed with the subaccount's key).
pub fn sign_subaccount_token(owner: &Identity, token: &[u8; 36]) -> [u8; 64] {
    owner.sign(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespace_rules() {
        assert!(Namespace(0).is_public_inbox() && Namespace(-10).is_public_inbox());
        assert!(!Namespace(11).is_public_inbox());
        assert!(Namespace(-1).is_public_outbox() && Namespace(-21).is_public_outbox());
        assert!(!Namespace(-11).is_public_outbox() && !Namespace(1).is_public_outbox());
        assert!(
            Namespace(-11).is_revoked_retrievable() && Namespace(-211).is_revoked_retrievable()
        );
        assert!(!Namespace(11).is_revoked_retrievable());
        assert!(Namespace::GROUP_MESSAGES.store_needs_signature());
        assert!(!Namespace(0).store_needs_signature() && !Namespace(-10).store_needs_signature());
        // retrieve: signed everywhere but -10 and public outboxes.
        for (ns, signed) in [
            (0, true),
            (11, true),
            (-11, true),
            (-10, false),
            (-1, false),
            (-21, false),
            (-20, true),
            (10, true),
        ] {
            assert_eq!(Namespace(ns).retrieve_needs_signature(), signed, "{ns}");
        }
        let mut out = Vec::new();
        Namespace(i16::MIN).put(&mut out);
        assert_eq!(out, b"-32768");
    }

    #[test]
    fn signed_strings() {
        let h = ["a", "b"];
        let tok = [[7u8; 36]];
        let cases: [(SignedRequest<'_>, &[u8]); 7] = [
            (
                SignedRequest::Store {
                    namespace: Namespace(0),
                    timestamp_ms: 5,
                },
                b"store5",
            ),
            (
                SignedRequest::Retrieve {
                    namespace: Namespace(-10),
                    timestamp_ms: 5,
                },
                b"retrieve-105",
            ),
            (
                SignedRequest::DeleteBefore {
                    namespaces: Namespaces::One(Namespace(3)),
                    before_ms: 9,
                },
                b"delete_before39",
            ),
            (
                SignedRequest::ExpireAll {
                    namespaces: Namespaces::All,
                    expiry_ms: 9,
                },
                b"expire_allall9",
            ),
            (
                SignedRequest::Expire {
                    mode: ExpireMode::Set,
                    expiry_ms: 9,
                    hashes: &h,
                },
                b"expire9ab",
            ),
            (SignedRequest::Delete { hashes: &[] }, b"delete"),
            (
                SignedRequest::GetExpiries {
                    timestamp_ms: 1,
                    hashes: &h,
                },
                b"get_expiries1ab",
            ),
        ];
        for (req, want) in cases {
            assert_eq!(req.message(), want);
        }
        let revoke = SignedRequest::RevokeSubaccount {
            timestamp_ms: 1,
            tokens: &tok,
        }
        .message();
        assert_eq!(revoke, [&b"revoke_subaccount1"[..], &[7u8; 36]].concat());
        let unrevoke = SignedRequest::UnrevokeSubaccount {
            timestamp_ms: 1,
            tokens: &tok,
        }
        .message();
        assert_eq!(
            unrevoke,
            [&b"unrevoke_subaccount1"[..], &[7u8; 36]].concat()
        );
        // Two real tokens, raw and in order, after the decimal timestamp.
        let t1 = subaccount_token(IdPrefix::Group, SubaccountFlags::READ, &[0xaa; 32]);
        let t2 = subaccount_token(
            IdPrefix::Group,
            SubaccountFlags::READ | SubaccountFlags::WRITE | SubaccountFlags::DELETE,
            &[0xbb; 32],
        );
        let two = SignedRequest::RevokeSubaccount {
            timestamp_ms: 1_700_000_000_000,
            tokens: &[t1, t2],
        }
        .message();
        let mut want = b"revoke_subaccount1700000000000".to_vec();
        want.extend_from_slice(&[0x03, 0x01, 0x00, 0x00]);
        want.extend_from_slice(&[0xaa; 32]);
        want.extend_from_slice(&[0x03, 0x07, 0x00, 0x00]);
        want.extend_from_slice(&[0xbb; 32]);
        assert_eq!(two, want);
    }

    #[test]
    fn delete_all_expire_modes_and_subaccount_tokens() {
        let cases: [(SignedRequest<'_>, &[u8]); 6] = [
            (
                SignedRequest::DeleteAll {
                    namespaces: Namespaces::One(Namespace(0)),
                    timestamp_ms: 42,
                },
                b"delete_all42",
            ),
            (
                SignedRequest::DeleteAll {
                    namespaces: Namespaces::One(Namespace(-10)),
                    timestamp_ms: 42,
                },
                b"delete_all-1042",
            ),
            (
                SignedRequest::DeleteAll {
                    namespaces: Namespaces::One(Namespace::GROUP_MESSAGES),
                    timestamp_ms: 42,
                },
                b"delete_all1142",
            ),
            (
                SignedRequest::DeleteAll {
                    namespaces: Namespaces::All,
                    timestamp_ms: 42,
                },
                b"delete_allall42",
            ),
            (
                SignedRequest::Expire {
                    mode: ExpireMode::Shorten,
                    expiry_ms: 1_700_000_000_000,
                    hashes: &["h1", "h2"],
                },
                b"expireshorten1700000000000h1h2",
            ),
            (
                SignedRequest::Expire {
                    mode: ExpireMode::Extend,
                    expiry_ms: 9,
                    hashes: &["h"],
                },
                b"expireextend9h",
            ),
        ];
        for (req, want) in cases {
            assert_eq!(req.message(), want, "{req:?}");
        }
        let flags = SubaccountFlags::ANY_PREFIX | SubaccountFlags::READ;
        let token = subaccount_token(IdPrefix::Group, flags, &[0x11; 32]);
        assert_eq!(token[..4], [0x03, 0x09, 0x00, 0x00]);
        assert_eq!(token[4..], [0x11; 32]);
        let owner = Identity::from_seed(&[5; 32]);
        let sig = sign_subaccount_token(&owner, &token);
        assert!(crate::identity::verify_ed25519(&owner.ed25519_public(), &token, &sig).is_ok());
    }
}
