//! Storage RPC requests: the JSON a storage server accepts for each client method, signed
//! where the method and namespace need it.
//!
//! Each builder returns a [`Call`]: a method name and its `params` object. [`Call::to_json`]
//! gives the `{"method": …, "params": …}` body to send (through an onion request, or to
//! `/storage_rpc/v1`); [`batch`] and [`sequence`] wrap several calls in one request.

use alloc::vec::Vec;

use super::{ExpireMode, MemberSigner, Namespace, Namespaces, Revocation, SignedRequest};
use crate::identity::{IdPrefix, Identity, SessionId};
use crate::wire::{self, Sink};

/// Largest message body a storage server stores: 76 800 bytes (before base64).
pub const MAX_MESSAGE_SIZE: usize = 76_800;

/// Shortest time to live a storage server accepts: 10 s.
pub const MIN_TTL_MS: u64 = 10_000;

/// Longest time to live in a public-inbox namespace (`ns % 10 == 0`, one-to-one messages):
/// 14 days.
pub const MAX_TTL_PUBLIC_MS: u64 = 14 * 24 * 60 * 60 * 1000;

/// Longest time to live in every other namespace (configs, group messages): 30 days.
pub const MAX_TTL_PRIVATE_MS: u64 = 30 * 24 * 60 * 60 * 1000;

/// Most sub-requests a `batch` or `sequence` may carry.
pub const MAX_SUBREQUESTS: usize = 20;

/// Most subaccount tokens one `revoke_subaccount` or `unrevoke_subaccount` request built here
/// may carry: the storage server's limit for `revoke_subaccount` (it sets none for
/// `unrevoke_subaccount`; the crate applies the same one).
pub const MAX_TOKENS: usize = 50;

/// Most message hashes one `delete`, `expire` or `get_expiries` request built here may name.
/// The storage server sets no such limit; the crate does, to keep requests (and the
/// signed strings members answer with) bounded. Split longer lists across requests.
pub const MAX_HASHES: usize = 1000;

/// Why a request could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The message body is larger than [`MAX_MESSAGE_SIZE`].
    #[error("message of {size} bytes exceeds the {MAX_MESSAGE_SIZE}-byte limit")]
    MessageTooLarge {
        /// The body's size.
        size: usize,
    },
    /// The time to live is outside what the namespace allows.
    #[error("time to live {ttl_ms} ms is outside {min_ms}..={max_ms} ms for this namespace")]
    TtlOutOfRange {
        /// The TTL asked for.
        ttl_ms: u64,
        /// The shortest allowed.
        min_ms: u64,
        /// The longest allowed.
        max_ms: u64,
    },
    /// The namespace needs a signature and none was given.
    #[error("namespace {0} needs a signed request")]
    SignatureRequired(Namespace),
    /// The signing key does not belong to the account (a `05` account's X25519 key, or a `03`
    /// group's Ed25519 key, must match the signer's), nor to the subaccount in the token.
    #[error("the signing key does not belong to the account")]
    WrongSigner,
    /// Accounts with this prefix have no swarm storage (blinded and version ids).
    #[error("accounts with this prefix have no swarm storage")]
    UnsupportedAccount,
    /// A message hash that is not a storage server hash (43 characters of unpadded base64).
    #[error("not a storage-server message hash")]
    BadHash,
    /// No message hashes where at least one is needed, or more than [`MAX_HASHES`].
    #[error("between 1 and {MAX_HASHES} message hashes are needed")]
    HashCount,
    /// A `batch` or `sequence` with no sub-request or more than [`MAX_SUBREQUESTS`].
    #[error("between 1 and {MAX_SUBREQUESTS} sub-requests are needed")]
    SubrequestCount,
    /// A `batch` or `sequence` inside another (the server refuses nesting).
    #[error("batch and sequence requests cannot be nested")]
    Nested,
    /// No subaccount token where at least one is needed, or more than [`MAX_TOKENS`].
    #[error("between 1 and {MAX_TOKENS} subaccount tokens are needed")]
    TokenCount,
    /// A method only the account's own key may sign (revoking subaccounts), signed by a
    /// subaccount.
    #[error("only the account's own key may sign this request")]
    SubaccountNotAllowed,
}

/// A storage RPC method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `store`.
    Store,
    /// `retrieve`.
    Retrieve,
    /// `delete`.
    Delete,
    /// `delete_all`.
    DeleteAll,
    /// `delete_before`.
    DeleteBefore,
    /// `expire`.
    Expire,
    /// `expire_all`.
    ExpireAll,
    /// `get_expiries`.
    GetExpiries,
    /// `get_swarm`.
    GetSwarm,
    /// `info`.
    Info,
    /// `batch`.
    Batch,
    /// `sequence`.
    Sequence,
    /// `oxend_request`: a call the node relays to its oxend (the node list).
    OxendRequest,
    /// `revoke_subaccount`.
    RevokeSubaccount,
    /// `unrevoke_subaccount`.
    UnrevokeSubaccount,
}

impl Method {
    /// The method's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Store => "store",
            Self::Retrieve => "retrieve",
            Self::Delete => "delete",
            Self::DeleteAll => "delete_all",
            Self::DeleteBefore => "delete_before",
            Self::Expire => "expire",
            Self::ExpireAll => "expire_all",
            Self::GetExpiries => "get_expiries",
            Self::GetSwarm => "get_swarm",
            Self::Info => "info",
            Self::Batch => "batch",
            Self::Sequence => "sequence",
            Self::OxendRequest => "oxend_request",
            Self::RevokeSubaccount => "revoke_subaccount",
            Self::UnrevokeSubaccount => "unrevoke_subaccount",
        }
    }
}

/// Who signs a request.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Auth<'a> {
    /// The account's own key: a `05` account's identity, or a `03` group's Ed25519 key pair
    /// (held by its admins).
    Account(&'a Identity),
    /// A subaccount: the 36-byte token ([`super::subaccount_token`]), the account owner's
    /// signature over it ([`super::sign_subaccount_token`]), and the subaccount's own key,
    /// which signs the request.
    Subaccount {
        /// The token.
        token: &'a [u8; 36],
        /// The owner's signature over the token.
        token_signature: &'a [u8; 64],
        /// The subaccount's key pair (its Ed25519 key is the token's last 32 bytes).
        signer: &'a Identity,
    },
    /// A member of a `03` group, signing with the credential its admin issued
    /// ([`crate::config::MemberAuth::signer`]).
    Member(&'a MemberSigner),
}

impl Auth<'_> {
    fn sign(&self, msg: &[u8]) -> [u8; 64] {
        match self {
            Self::Account(id) | Self::Subaccount { signer: id, .. } => id.sign(msg),
            Self::Member(signer) => signer.sign(msg),
        }
    }

    /// Checks that this key may sign for `account`.
    fn check(&self, account: &SessionId) -> Result<(), RequestError> {
        let ok = match self {
            Self::Account(id) => match account.prefix() {
                IdPrefix::Standard => id.x25519_public() == *account.key(),
                IdPrefix::Group => id.ed25519_public() == *account.key(),
                _ => false,
            },
            Self::Subaccount { token, signer, .. } => {
                token.get(4..) == Some(signer.ed25519_public().as_bytes().as_slice())
            }
            Self::Member(signer) => signer.group() == account,
        };
        if ok {
            Ok(())
        } else {
            Err(RequestError::WrongSigner)
        }
    }

    /// Signs `request` and writes the auth parameters (each preceded by a comma).
    fn put_params(&self, account: &SessionId, request: &SignedRequest<'_>, out: &mut Vec<u8>) {
        let signature = self.sign(&request.message());
        out.put(b",\"signature\":\"");
        out.put(&wire::base64_encode(&signature));
        out.put(b"\"");
        match self {
            Self::Account(id) => {
                if account.prefix() == IdPrefix::Standard {
                    out.put(b",\"pubkey_ed25519\":\"");
                    wire::put_hex(out, id.ed25519_public().as_bytes());
                    out.put(b"\"");
                }
            }
            Self::Subaccount {
                token,
                token_signature,
                ..
            } => put_subaccount(out, token, token_signature),
            Self::Member(signer) => put_subaccount(out, signer.token(), signer.token_signature()),
        }
    }
}

fn put_subaccount(out: &mut Vec<u8>, token: &[u8; 36], token_signature: &[u8; 64]) {
    out.put(b",\"subaccount\":\"");
    out.put(&wire::base64_encode(token));
    out.put(b"\",\"subaccount_sig\":\"");
    out.put(&wire::base64_encode(token_signature));
    out.put(b"\"");
}

/// One storage RPC call: a method and its JSON `params` object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    method: Method,
    params: Vec<u8>,
}

impl Call {
    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The `params` object, as JSON text.
    pub fn params(&self) -> &[u8] {
        &self.params
    }

    /// The request body: `{"method":"…","params":{…}}`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.params.len().saturating_add(32));
        self.to_json_into(&mut out);
        out
    }

    /// [`Call::to_json`] appended to `out` (reuse one buffer across requests).
    pub fn to_json_into(&self, out: &mut Vec<u8>) {
        out.put(b"{\"method\":\"");
        out.put(self.method.as_str().as_bytes());
        out.put(b"\",\"params\":");
        out.put(&self.params);
        out.put(b"}");
    }
}

fn put_account(out: &mut Vec<u8>, account: &SessionId) -> Result<(), RequestError> {
    if !matches!(account.prefix(), IdPrefix::Standard | IdPrefix::Group) {
        return Err(RequestError::UnsupportedAccount);
    }
    out.put(b"{\"pubkey\":\"");
    wire::put_hex(out, &account.to_bytes());
    out.put(b"\"");
    Ok(())
}

fn put_u64(out: &mut Vec<u8>, key: &str, n: u64) {
    out.put(b",\"");
    out.put(key.as_bytes());
    out.put(b"\":");
    wire::put_decimal(out, n);
}

fn put_namespace(out: &mut Vec<u8>, ns: Namespace) {
    out.put(b",\"namespace\":");
    if ns.0 < 0 {
        out.put(b"-");
    }
    wire::put_decimal(out, u64::from(ns.0.unsigned_abs()));
}

fn put_namespaces(out: &mut Vec<u8>, ns: Namespaces) {
    match ns {
        Namespaces::One(ns) => put_namespace(out, ns),
        Namespaces::All => out.put(b",\"namespace\":\"all\""),
    }
}

/// Whether `hash` looks like a storage server message hash: 43 characters of unpadded
/// standard base64 (32 bytes).
pub fn is_message_hash(hash: &str) -> bool {
    hash.len() == 43
        && hash
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}

fn check_hashes(hashes: &[&str]) -> Result<(), RequestError> {
    if hashes.is_empty() || hashes.len() > MAX_HASHES {
        return Err(RequestError::HashCount);
    }
    if hashes.iter().all(|h| is_message_hash(h)) {
        Ok(())
    } else {
        Err(RequestError::BadHash)
    }
}

fn put_hashes(out: &mut Vec<u8>, hashes: &[&str]) {
    out.put(b",\"messages\":[");
    for (i, h) in hashes.iter().enumerate() {
        if i > 0 {
            out.put(b",");
        }
        wire::put_json_str(out, h);
    }
    out.put(b"]");
}

fn finish(method: Method, mut params: Vec<u8>) -> Call {
    params.put(b"}");
    Call { method, params }
}

/// The allowed time-to-live range for `namespace`.
pub const fn ttl_range(namespace: Namespace) -> (u64, u64) {
    if namespace.0 % 10 == 0 {
        (MIN_TTL_MS, MAX_TTL_PUBLIC_MS)
    } else {
        (MIN_TTL_MS, MAX_TTL_PRIVATE_MS)
    }
}

/// A `store` of `data` in `account`'s `namespace`, to live `ttl_ms` from `now_ms` (network
/// time, see [`super::NetworkClock`]).
///
/// Public-inbox namespaces (`ns % 10 == 0`, such as one-to-one messages in 0) take anyone's
/// messages unsigned: pass `auth: None`. Every other namespace needs the account's key or a
/// subaccount with write access.
///
/// ```
/// use session_protocol::{Identity, storage::{Namespace, request}};
///
/// let bob = Identity::from_seed(&[2; 32]).session_id();
/// let call = request::store(&bob, Namespace::DEFAULT, b"sealed bytes", 14 * 86_400_000, 1_700_000_000_000, None)?;
/// let body = String::from_utf8(call.to_json()).unwrap();
/// assert!(body.starts_with(r#"{"method":"store","params":{"pubkey":"05"#));
/// assert!(body.contains(r#""ttl":1209600000"#) && body.contains(r#""data":"c2VhbGVkIGJ5dGVz""#));
/// # Ok::<(), session_protocol::storage::request::RequestError>(())
/// ```
///
/// # Errors
/// [`RequestError::MessageTooLarge`], [`RequestError::TtlOutOfRange`],
/// [`RequestError::SignatureRequired`], [`RequestError::WrongSigner`],
/// [`RequestError::UnsupportedAccount`].
pub fn store(
    account: &SessionId,
    namespace: Namespace,
    data: &[u8],
    ttl_ms: u64,
    now_ms: u64,
    auth: Option<&Auth<'_>>,
) -> Result<Call, RequestError> {
    if data.len() > MAX_MESSAGE_SIZE {
        return Err(RequestError::MessageTooLarge { size: data.len() });
    }
    let (min_ms, max_ms) = ttl_range(namespace);
    if !(min_ms..=max_ms).contains(&ttl_ms) {
        return Err(RequestError::TtlOutOfRange {
            ttl_ms,
            min_ms,
            max_ms,
        });
    }
    let auth = signed_if_needed(account, auth, namespace.store_needs_signature(), namespace)?;
    let mut out = Vec::with_capacity((data.len() / 3).saturating_mul(4).saturating_add(324));
    put_account(&mut out, account)?;
    put_namespace(&mut out, namespace);
    put_u64(&mut out, "timestamp", now_ms);
    put_u64(&mut out, "ttl", ttl_ms);
    out.put(b",\"data\":\"");
    out.put(&wire::base64_encode(data));
    out.put(b"\"");
    if let Some(auth) = auth {
        let request = SignedRequest::Store {
            namespace,
            timestamp_ms: now_ms,
        };
        put_u64(&mut out, "sig_timestamp", now_ms);
        auth.put_params(account, &request, &mut out);
    }
    Ok(finish(Method::Store, out))
}

fn signed_if_needed<'a, 'b>(
    account: &SessionId,
    auth: Option<&'b Auth<'a>>,
    needed: bool,
    namespace: Namespace,
) -> Result<Option<&'b Auth<'a>>, RequestError> {
    match auth {
        Some(auth) => {
            auth.check(account)?;
            Ok(Some(auth))
        }
        None if needed => Err(RequestError::SignatureRequired(namespace)),
        None => Ok(None),
    }
}

/// Limits on what one `retrieve` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct RetrieveLimits {
    /// At most this many messages (the server's default when `None`).
    pub max_count: Option<u32>,
    /// At most this many bytes of messages; a negative value asks for `1/-n` of the server's
    /// maximum answer size, which is how clients share one answer among a batch's retrieves.
    pub max_size: Option<i32>,
}

impl RetrieveLimits {
    /// No limits beyond the server's.
    pub const fn new() -> Self {
        Self {
            max_count: None,
            max_size: None,
        }
    }

    /// At most `n` messages.
    pub const fn max_count(mut self, n: u32) -> Self {
        self.max_count = Some(n);
        self
    }

    /// At most `n` bytes (negative: `1/-n` of the server's maximum).
    pub const fn max_size(mut self, n: i32) -> Self {
        self.max_size = Some(n);
        self
    }
}

/// A `retrieve` of `account`'s messages in `namespace` newer than `last_hash` (all stored
/// messages when `None`).
///
/// Signed everywhere but the legacy closed-group namespace (-10) and public outboxes.
///
/// # Errors
/// [`RequestError::BadHash`] for a `last_hash` that is not a message hash, and the signature
/// errors of [`store`].
pub fn retrieve(
    account: &SessionId,
    namespace: Namespace,
    last_hash: Option<&str>,
    limits: RetrieveLimits,
    now_ms: u64,
    auth: Option<&Auth<'_>>,
) -> Result<Call, RequestError> {
    if last_hash.is_some_and(|h| !is_message_hash(h)) {
        return Err(RequestError::BadHash);
    }
    let auth = signed_if_needed(
        account,
        auth,
        namespace.retrieve_needs_signature(),
        namespace,
    )?;
    let mut out = Vec::with_capacity(320);
    put_account(&mut out, account)?;
    put_namespace(&mut out, namespace);
    if let Some(h) = last_hash {
        out.put(b",\"last_hash\":");
        wire::put_json_str(&mut out, h);
    }
    if let Some(n) = limits.max_count {
        put_u64(&mut out, "max_count", u64::from(n));
    }
    if let Some(n) = limits.max_size {
        out.put(b",\"max_size\":");
        if n < 0 {
            out.put(b"-");
        }
        wire::put_decimal(&mut out, u64::from(n.unsigned_abs()));
    }
    // The timestamp goes only with a signature: the server reads the authentication fields
    // whenever a timestamp is present, and then requires the signature too.
    if let Some(auth) = auth {
        put_u64(&mut out, "timestamp", now_ms);
        let request = SignedRequest::Retrieve {
            namespace,
            timestamp_ms: now_ms,
        };
        auth.put_params(account, &request, &mut out);
    }
    Ok(finish(Method::Retrieve, out))
}

/// A `delete` of the messages with these hashes.
///
/// # Errors
/// [`RequestError::HashCount`], [`RequestError::BadHash`], [`RequestError::WrongSigner`],
/// [`RequestError::UnsupportedAccount`].
pub fn delete(account: &SessionId, hashes: &[&str], auth: &Auth<'_>) -> Result<Call, RequestError> {
    check_hashes(hashes)?;
    auth.check(account)?;
    let mut out = Vec::with_capacity(hashes.len().saturating_mul(46).saturating_add(320));
    put_account(&mut out, account)?;
    put_hashes(&mut out, hashes);
    auth.put_params(account, &SignedRequest::Delete { hashes }, &mut out);
    Ok(finish(Method::Delete, out))
}

/// A `delete_all` of the account's messages in `namespaces`.
///
/// # Errors
/// [`RequestError::WrongSigner`], [`RequestError::UnsupportedAccount`].
pub fn delete_all(
    account: &SessionId,
    namespaces: Namespaces,
    now_ms: u64,
    auth: &Auth<'_>,
) -> Result<Call, RequestError> {
    let request = SignedRequest::DeleteAll {
        namespaces,
        timestamp_ms: now_ms,
    };
    for_namespaces(
        account,
        Method::DeleteAll,
        namespaces,
        ("timestamp", now_ms),
        &request,
        auth,
    )
}

/// The requests that name namespaces and one signed number (`delete_all`, `delete_before`,
/// `expire_all`): `{pubkey, namespace, <field>: n, signature…}`.
fn for_namespaces(
    account: &SessionId,
    method: Method,
    namespaces: Namespaces,
    (field, n): (&str, u64),
    request: &SignedRequest<'_>,
    auth: &Auth<'_>,
) -> Result<Call, RequestError> {
    auth.check(account)?;
    let mut out = Vec::with_capacity(320);
    put_account(&mut out, account)?;
    put_namespaces(&mut out, namespaces);
    put_u64(&mut out, field, n);
    auth.put_params(account, request, &mut out);
    Ok(finish(method, out))
}

/// A `delete_before` of the account's messages in `namespaces` stored before `before_ms`.
///
/// # Errors
/// [`RequestError::WrongSigner`], [`RequestError::UnsupportedAccount`].
pub fn delete_before(
    account: &SessionId,
    namespaces: Namespaces,
    before_ms: u64,
    auth: &Auth<'_>,
) -> Result<Call, RequestError> {
    let request = SignedRequest::DeleteBefore {
        namespaces,
        before_ms,
    };
    for_namespaces(
        account,
        Method::DeleteBefore,
        namespaces,
        ("before", before_ms),
        &request,
        auth,
    )
}

/// An `expire` setting (or only shortening, or only extending) the expiry of these messages.
///
/// # Errors
/// [`RequestError::HashCount`], [`RequestError::BadHash`], [`RequestError::WrongSigner`],
/// [`RequestError::UnsupportedAccount`].
pub fn expire(
    account: &SessionId,
    hashes: &[&str],
    mode: ExpireMode,
    expiry_ms: u64,
    auth: &Auth<'_>,
) -> Result<Call, RequestError> {
    check_hashes(hashes)?;
    auth.check(account)?;
    let mut out = Vec::with_capacity(hashes.len().saturating_mul(46).saturating_add(320));
    put_account(&mut out, account)?;
    put_hashes(&mut out, hashes);
    put_u64(&mut out, "expiry", expiry_ms);
    match mode {
        ExpireMode::Set => {}
        ExpireMode::Shorten => out.put(b",\"shorten\":true"),
        ExpireMode::Extend => out.put(b",\"extend\":true"),
    }
    let request = SignedRequest::Expire {
        mode,
        expiry_ms,
        hashes,
    };
    auth.put_params(account, &request, &mut out);
    Ok(finish(Method::Expire, out))
}

/// An `expire_all` setting the expiry of every message in `namespaces`.
///
/// # Errors
/// [`RequestError::WrongSigner`], [`RequestError::UnsupportedAccount`].
pub fn expire_all(
    account: &SessionId,
    namespaces: Namespaces,
    expiry_ms: u64,
    auth: &Auth<'_>,
) -> Result<Call, RequestError> {
    let request = SignedRequest::ExpireAll {
        namespaces,
        expiry_ms,
    };
    for_namespaces(
        account,
        Method::ExpireAll,
        namespaces,
        ("expiry", expiry_ms),
        &request,
        auth,
    )
}

/// A `get_expiries` for these messages.
///
/// # Errors
/// [`RequestError::HashCount`], [`RequestError::BadHash`], [`RequestError::WrongSigner`],
/// [`RequestError::UnsupportedAccount`].
pub fn get_expiries(
    account: &SessionId,
    hashes: &[&str],
    now_ms: u64,
    auth: &Auth<'_>,
) -> Result<Call, RequestError> {
    check_hashes(hashes)?;
    auth.check(account)?;
    let mut out = Vec::with_capacity(hashes.len().saturating_mul(46).saturating_add(320));
    put_account(&mut out, account)?;
    put_hashes(&mut out, hashes);
    put_u64(&mut out, "timestamp", now_ms);
    let request = SignedRequest::GetExpiries {
        timestamp_ms: now_ms,
        hashes,
    };
    auth.put_params(account, &request, &mut out);
    Ok(finish(Method::GetExpiries, out))
}

/// A `revoke_subaccount`: the swarm refuses requests signed with these subaccount tokens
/// (except retrieves from namespaces such as -11 that revoked subaccounts may still read).
/// Only the account's own key signs it: for a group, its admin with the group's key pair.
///
/// ```
/// use session_protocol::{IdPrefix, Identity, SessionId};
/// use session_protocol::config::member_token;
/// use session_protocol::storage::{Auth, SubaccountFlags, request};
///
/// let group = Identity::from_seed(&[3; 32]);
/// let group_id = SessionId::new(IdPrefix::Group, *group.ed25519_public().as_bytes());
/// let removed = Identity::from_seed(&[5; 32]).session_id();
/// let token = member_token(&group, &removed, SubaccountFlags::READ | SubaccountFlags::WRITE)?;
/// let call = request::revoke_subaccount(&group_id, &[token], 1_700_000_000_000, &Auth::Account(&group))?;
/// let body = String::from_utf8(call.to_json()).unwrap();
/// assert!(body.starts_with(r#"{"method":"revoke_subaccount","params":{"pubkey":"03"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`RequestError::TokenCount`], [`RequestError::SubaccountNotAllowed`],
/// [`RequestError::WrongSigner`], [`RequestError::UnsupportedAccount`].
pub fn revoke_subaccount(
    account: &SessionId,
    tokens: &[[u8; 36]],
    now_ms: u64,
    auth: &Auth<'_>,
) -> Result<Call, RequestError> {
    revocation(account, Revocation::Revoke, tokens, now_ms, auth)
}

/// An `unrevoke_subaccount`: lifts [`revoke_subaccount`] for these tokens.
///
/// # Errors
/// As [`revoke_subaccount`].
pub fn unrevoke_subaccount(
    account: &SessionId,
    tokens: &[[u8; 36]],
    now_ms: u64,
    auth: &Auth<'_>,
) -> Result<Call, RequestError> {
    revocation(account, Revocation::Unrevoke, tokens, now_ms, auth)
}

/// [`revoke_subaccount`] or [`unrevoke_subaccount`], as `action` says:
/// `{pubkey, revoke|unrevoke: [base64 tokens], timestamp, signature…}`.
///
/// # Errors
/// As [`revoke_subaccount`].
pub fn revocation(
    account: &SessionId,
    action: Revocation,
    tokens: &[[u8; 36]],
    now_ms: u64,
    auth: &Auth<'_>,
) -> Result<Call, RequestError> {
    if tokens.is_empty() || tokens.len() > MAX_TOKENS {
        return Err(RequestError::TokenCount);
    }
    if !matches!(auth, Auth::Account(_)) {
        return Err(RequestError::SubaccountNotAllowed);
    }
    auth.check(account)?;
    let mut out = Vec::with_capacity(tokens.len().saturating_mul(51).saturating_add(320));
    put_account(&mut out, account)?;
    out.put(b",\"");
    out.put(action.param().as_bytes());
    out.put(b"\":[");
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            out.put(b",");
        }
        out.put(b"\"");
        out.put(&wire::base64_encode(t));
        out.put(b"\"");
    }
    out.put(b"]");
    put_u64(&mut out, "timestamp", now_ms);
    let method = match action {
        Revocation::Revoke => Method::RevokeSubaccount,
        Revocation::Unrevoke => Method::UnrevokeSubaccount,
    };
    auth.put_params(account, &action.signed_request(now_ms, tokens), &mut out);
    Ok(finish(method, out))
}

/// A `get_swarm`: the members of the swarm that stores `account`.
///
/// # Errors
/// [`RequestError::UnsupportedAccount`].
pub fn get_swarm(account: &SessionId) -> Result<Call, RequestError> {
    let mut out = Vec::with_capacity(80);
    put_account(&mut out, account)?;
    Ok(finish(Method::GetSwarm, out))
}

/// An `info`: the node's version, hard fork and time.
pub fn info() -> Call {
    Call {
        method: Method::Info,
        params: b"{}".to_vec(),
    }
}

/// The `get_service_nodes` fields a client needs for its node pool.
const NODE_FIELDS: &str = r#"{"active_only":true,"fields":{"public_ip":true,"storage_port":true,"storage_lmq_port":true,"pubkey_ed25519":true,"pubkey_x25519":true,"swarm_id":true}}"#;

/// An `oxend_request` for `get_service_nodes`: the node relays it to its oxend, whose answer
/// ([`crate::swarm::decode_service_nodes`] reads it) lists the active nodes with the fields a
/// client needs (address, ports, keys, swarm).
pub fn get_service_nodes() -> Call {
    let mut out = Vec::with_capacity(NODE_FIELDS.len().saturating_add(48));
    out.put(b"{\"endpoint\":\"get_service_nodes\",\"params\":");
    out.put(NODE_FIELDS.as_bytes());
    finish(Method::OxendRequest, out)
}

/// The body a seed node's `json_rpc` endpoint takes for the node list
/// (`get_n_service_nodes`, with the same fields as [`get_service_nodes`]).
pub fn seed_get_service_nodes() -> Vec<u8> {
    let mut out = Vec::with_capacity(NODE_FIELDS.len().saturating_add(64));
    out.put(b"{\"jsonrpc\":\"2.0\",\"method\":\"get_n_service_nodes\",\"params\":");
    out.put(NODE_FIELDS.as_bytes());
    out.put(b"}");
    out
}

fn wrap(method: Method, calls: &[Call]) -> Result<Call, RequestError> {
    if calls.is_empty() || calls.len() > MAX_SUBREQUESTS {
        return Err(RequestError::SubrequestCount);
    }
    if calls
        .iter()
        .any(|c| matches!(c.method, Method::Batch | Method::Sequence))
    {
        return Err(RequestError::Nested);
    }
    let size = calls.iter().fold(16usize, |n, c| {
        n.saturating_add(c.params.len()).saturating_add(32)
    });
    let mut out = Vec::with_capacity(size);
    out.put(b"{\"requests\":[");
    for (i, call) in calls.iter().enumerate() {
        if i > 0 {
            out.put(b",");
        }
        call.to_json_into(&mut out);
    }
    out.put(b"]");
    Ok(finish(method, out))
}

/// A `batch`: the node runs every call and answers each.
///
/// # Errors
/// [`RequestError::SubrequestCount`], [`RequestError::Nested`].
pub fn batch(calls: &[Call]) -> Result<Call, RequestError> {
    wrap(Method::Batch, calls)
}

/// A `sequence`: the node runs the calls in order and stops at the first that fails.
///
/// # Errors
/// [`RequestError::SubrequestCount`], [`RequestError::Nested`].
pub fn sequence(calls: &[Call]) -> Result<Call, RequestError> {
    wrap(Method::Sequence, calls)
}
