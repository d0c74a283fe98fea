//! The storage server's side of request authentication: which key must have signed a
//! request, with or without a subaccount.

use super::{ExpireMode, SignedRequest, SubaccountFlags};
use crate::identity::{Ed25519Public, IdPrefix, SessionId, ed25519_to_x25519, verify_ed25519};

/// Why a storage request's authentication was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// A `05` account's request without `pubkey_ed25519`.
    #[error("pubkey_ed25519 is required for 05 accounts")]
    MissingEd25519Key,
    /// `pubkey_ed25519` given for an account that is not `05`, or not converting to its key.
    #[error("pubkey_ed25519 does not belong to the account")]
    WrongEd25519Key,
    /// A subaccount where the method allows none (revoking and unrevoking subaccounts).
    #[error("this method cannot be called by a subaccount")]
    SubaccountNotAllowed,
    /// The subaccount token is for another network prefix and not valid for any.
    #[error("subaccount token is for another kind of account")]
    SubaccountPrefix,
    /// The subaccount token lacks a permission the method needs.
    #[error("subaccount token lacks the needed permission")]
    SubaccountFlags,
    /// The account owner's signature over the subaccount token does not verify.
    #[error("subaccount token signature verification failed")]
    SubaccountSignature,
    /// The request signature does not verify.
    #[error("request signature verification failed")]
    Signature,
}

impl SignedRequest<'_> {
    /// The permissions a subaccount needs to make this request, as the storage server
    /// requires them: read to retrieve and list expiries, write to store and extend expiries
    /// (delete as well to store in a public outbox or to shorten expiries), delete to delete
    /// or expire everything. `None` for (un)revoking subaccounts, which only the account's own
    /// key may do.
    pub fn subaccount_flags(&self) -> Option<SubaccountFlags> {
        use SubaccountFlags as F;
        Some(match self {
            Self::Retrieve { .. } | Self::GetExpiries { .. } => F::READ,
            Self::Store { namespace, .. } if namespace.is_public_outbox() => F::WRITE | F::DELETE,
            Self::Store { .. } => F::WRITE,
            Self::Expire {
                mode: ExpireMode::Shorten,
                ..
            } => F::WRITE | F::DELETE,
            Self::Expire { .. } => F::WRITE,
            Self::Delete { .. }
            | Self::DeleteAll { .. }
            | Self::DeleteBefore { .. }
            | Self::ExpireAll { .. } => F::DELETE,
            Self::RevokeSubaccount { .. } | Self::UnrevokeSubaccount { .. } => return None,
        })
    }
}

/// Checks a request's authentication as a storage server does: `signature` over
/// [`SignedRequest::message`] by the account's key — for a `05` account the Ed25519 key sent
/// as `pubkey_ed25519`, which must convert to the account's X25519 key; for every other
/// prefix the account key itself — or, when `subaccount` (the token and the owner's signature
/// over it) is given, by the token's key, once the token is checked: its network byte is the
/// account's (or it carries [`SubaccountFlags::ANY_PREFIX`]), it has the permissions
/// [`SignedRequest::subaccount_flags`] names, and the account's key signed it.
///
/// Revocation lists are the server's own: check the token against them separately.
///
/// ```
/// use session_protocol::{IdPrefix, Identity, SessionId};
/// use session_protocol::config::MemberAuth;
/// use session_protocol::storage::{Namespace, SignedRequest, SubaccountFlags, VerifyError, verify_request};
///
/// let group = Identity::from_seed(&[3; 32]);
/// let group_id = SessionId::new(IdPrefix::Group, *group.ed25519_public().as_bytes());
/// let member = Identity::from_seed(&[5; 32]);
/// let signer = MemberAuth::new(&group, &member.session_id(), SubaccountFlags::WRITE)?
///     .signer(&group_id, &member)?;
///
/// let retrieve = SignedRequest::Retrieve { namespace: Namespace::GROUP_MESSAGES, timestamp_ms: 1_700_000_000_000 };
/// let sig = signer.sign(&retrieve.message());
/// let sub = Some((signer.token(), signer.token_signature()));
/// assert_eq!(verify_request(&group_id, &retrieve, &sig, None, sub), Ok(()));
///
/// // The member may not wipe the group's swarm.
/// let wipe = SignedRequest::DeleteAll { namespaces: session_protocol::storage::Namespaces::All, timestamp_ms: 1_700_000_000_000 };
/// let sig = signer.sign(&wipe.message());
/// assert_eq!(verify_request(&group_id, &wipe, &sig, None, sub), Err(VerifyError::SubaccountFlags));
/// # Ok::<(), session_protocol::config::ConfigError>(())
/// ```
///
/// # Errors
/// [`VerifyError`] names the first check that failed.
pub fn verify_request(
    account: &SessionId,
    request: &SignedRequest<'_>,
    signature: &[u8; 64],
    pubkey_ed25519: Option<&Ed25519Public>,
    subaccount: Option<(&[u8; 36], &[u8; 64])>,
) -> Result<(), VerifyError> {
    let owner = match (account.prefix(), pubkey_ed25519) {
        (IdPrefix::Standard, None) => return Err(VerifyError::MissingEd25519Key),
        (IdPrefix::Standard, Some(ed)) => {
            let derived = ed25519_to_x25519(ed).map_err(|_| VerifyError::WrongEd25519Key)?;
            if derived.as_bytes() != account.key() {
                return Err(VerifyError::WrongEd25519Key);
            }
            *ed
        }
        (_, Some(_)) => return Err(VerifyError::WrongEd25519Key),
        (_, None) => Ed25519Public::from_bytes(*account.key()),
    };
    let signer = match subaccount {
        None => owner,
        Some((token, token_signature)) => {
            let needed = request
                .subaccount_flags()
                .ok_or(VerifyError::SubaccountNotAllowed)?;
            let [netid, flags, _, _, key @ ..] = *token;
            let flags = SubaccountFlags(flags);
            if netid != account.prefix().byte() && flags.0 & SubaccountFlags::ANY_PREFIX.0 == 0 {
                return Err(VerifyError::SubaccountPrefix);
            }
            if flags.0 & needed.0 != needed.0 {
                return Err(VerifyError::SubaccountFlags);
            }
            verify_ed25519(&owner, token, token_signature)
                .map_err(|_| VerifyError::SubaccountSignature)?;
            Ed25519Public::from_bytes(key)
        }
    };
    verify_ed25519(&signer, &request.message(), signature).map_err(|_| VerifyError::Signature)
}

/// Revocations a storage server keeps per account: the most recent 50 (an older one lapses).
pub const REVOCATIONS_KEPT: usize = 50;

/// An account's revoked subaccount tokens as a storage server keeps them: the
/// [`REVOCATIONS_KEPT`] most recent, oldest first.
///
/// ```
/// use session_protocol::storage::{Namespace, RevocationList, SignedRequest};
///
/// let mut list = RevocationList::new();
/// list.revoke(&[[1; 36]]);
/// let read = SignedRequest::Retrieve { namespace: Namespace::GROUP_MESSAGES, timestamp_ms: 1 };
/// let notice = SignedRequest::Retrieve { namespace: Namespace::REVOKED_RETRIEVABLE, timestamp_ms: 1 };
/// assert!(list.refuses(&[1; 36], &read));
/// assert!(!list.refuses(&[1; 36], &notice), "revoked members still read -11");
/// assert_eq!(list.unrevoke(&[[1; 36]]), 1);
/// assert!(!list.refuses(&[1; 36], &read));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevocationList {
    tokens: alloc::collections::VecDeque<[u8; 36]>,
}

impl RevocationList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Revokes `tokens` (each becomes the most recent); the oldest beyond
    /// [`REVOCATIONS_KEPT`] lapse.
    pub fn revoke(&mut self, tokens: &[[u8; 36]]) {
        for t in tokens {
            self.tokens.retain(|r| r != t);
            self.tokens.push_back(*t);
        }
        while self.tokens.len() > REVOCATIONS_KEPT {
            self.tokens.pop_front();
        }
    }

    /// Lifts the revocation of `tokens`; returns how many were revoked (the storage server's
    /// `count`).
    pub fn unrevoke(&mut self, tokens: &[[u8; 36]]) -> usize {
        let before = self.tokens.len();
        self.tokens.retain(|r| !tokens.contains(r));
        before.saturating_sub(self.tokens.len())
    }

    /// [`RevocationList::revoke`] or [`RevocationList::unrevoke`], as `action` says.
    pub fn apply(&mut self, action: super::Revocation, tokens: &[[u8; 36]]) {
        match action {
            super::Revocation::Revoke => self.revoke(tokens),
            super::Revocation::Unrevoke => {
                self.unrevoke(tokens);
            }
        }
    }

    /// Whether `token` is revoked.
    pub fn contains(&self, token: &[u8; 36]) -> bool {
        self.tokens.contains(token)
    }

    /// Whether a request signed with `token` is refused: the token is revoked and the request
    /// is not a retrieve from a namespace revoked members may still read (such as -11).
    pub fn refuses(&self, token: &[u8; 36], request: &SignedRequest<'_>) -> bool {
        let still_readable = matches!(request, SignedRequest::Retrieve { namespace, .. }
            if namespace.is_revoked_retrievable());
        self.contains(token) && !still_readable
    }

    /// How many tokens are revoked.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

/// The bytes each swarm member signs in its answer to a `revoke_subaccount` or
/// `unrevoke_subaccount` request: the account's 66 hex characters, the request's timestamp in
/// decimal and the raw tokens ([`super::response::decode_revoke`] checks them).
pub fn revoke_answer_message(
    account: &SessionId,
    timestamp_ms: u64,
    tokens: &[[u8; 36]],
) -> alloc::vec::Vec<u8> {
    let mut out =
        alloc::vec::Vec::with_capacity(tokens.len().saturating_mul(36).saturating_add(90));
    crate::wire::put_hex(&mut out, &account.to_bytes());
    crate::wire::put_decimal(&mut out, timestamp_ms);
    tokens.iter().for_each(|t| out.extend_from_slice(t));
    out
}
