//! Storage RPC answers: what a storage server returns for each method, decoded and, where the
//! nodes sign their answers, verified.
//!
//! An onion request's [`crate::onion::Response`] carries the destination's status and body;
//! [`Status::of`] says what the status means for a client, and the `decode_*` functions read
//! the bodies of successful answers. Every decoder takes hostile bytes: it refuses what is not
//! the expected JSON object with a typed error and allocates in proportion to the input.

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::request::is_message_hash;
use crate::identity::{Ed25519Public, verify_ed25519};
use crate::wire::{self, JsonStr};

/// Why an answer could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AnswerError {
    /// Not a JSON object of the expected shape (or not UTF-8, or nested too deeply).
    #[error("not a storage-server answer of the expected shape")]
    Json,
    /// A field present but unusable.
    #[error("answer field `{0}` is invalid")]
    Field(&'static str),
    /// Larger than 10 MiB.
    #[error("answer too large")]
    TooLarge,
}

/// What a storage server's status means to a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// 2xx: the body is the method's answer.
    Ok,
    /// 421: the node does not hold this account; the body lists the account's swarm (decode it
    /// with [`crate::swarm::decode_swarm_response`]) and the request belongs there.
    WrongSwarm,
    /// 406 (or 425 from HTTP servers): the request's timestamp is too far from the node's
    /// clock. Correct the clock (see [`super::NetworkClock`]) before trying again.
    ClockOutOfSync,
    /// 401 or 403: refused (signature, permissions, TTL). Trying the same request again will
    /// not help; note that a few clock errors also come as 401 (`delete_before` in the future,
    /// `expire` in the past), which a corrected clock fixes.
    Refused,
    /// 400 or 404: the node did not accept the request's form or found nothing.
    BadRequest,
    /// 429, 500, 502, 503, 504 and other server errors: the node or a hop failed; another
    /// node or path may succeed.
    NodeFailure,
}

impl Status {
    /// The meaning of `status`.
    pub const fn of(status: u16) -> Self {
        match status {
            200..=299 => Self::Ok,
            421 => Self::WrongSwarm,
            406 | 425 => Self::ClockOutOfSync,
            401 | 403 => Self::Refused,
            400 | 404 => Self::BadRequest,
            _ => Self::NodeFailure,
        }
    }
}

/// The hard fork a node runs (`hf`: `[major, minor]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HardFork {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
}

/// The fields most answers carry: the node's time and hard fork.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Meta {
    /// `t`: the node's clock (ms), for [`super::NetworkClock::add_sample`].
    pub server_time_ms: Option<u64>,
    /// `hf`.
    pub hard_fork: Option<HardFork>,
}

#[derive(Deserialize)]
struct RawMeta {
    #[serde(default)]
    t: Option<u64>,
    #[serde(default)]
    hf: Option<(u16, u16)>,
}

impl From<RawMeta> for Meta {
    fn from(m: RawMeta) -> Self {
        Self {
            server_time_ms: m.t,
            hard_fork: m.hf.map(|(major, minor)| HardFork { major, minor }),
        }
    }
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> Result<T, AnswerError> {
    if body.len() > wire::MAX_PACKET {
        return Err(AnswerError::TooLarge);
    }
    wire::from_json_object(body).ok_or(AnswerError::Json)
}

/// The `t` and `hf` of any answer (retrieve, store, info, get_swarm, a 421 body).
///
/// # Errors
/// [`AnswerError::Json`] when the body is not a JSON object or `t`/`hf` have the wrong type.
pub fn decode_meta(body: &[u8]) -> Result<Meta, AnswerError> {
    parse::<RawMeta>(body).map(Meta::from)
}

/// One message from a `retrieve` answer.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredMessage {
    /// The storage server's hash of the message (43 characters of unpadded base64).
    pub hash: String,
    /// When it was stored (ms, the storer's timestamp).
    pub timestamp_ms: u64,
    /// When it expires (ms).
    pub expiry_ms: u64,
    /// The stored bytes (decoded from base64).
    pub data: Vec<u8>,
}

impl core::fmt::Debug for StoredMessage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StoredMessage")
            .field("hash", &self.hash)
            .field("timestamp_ms", &self.timestamp_ms)
            .field("expiry_ms", &self.expiry_ms)
            .field("data_len", &self.data.len())
            .finish()
    }
}

/// A decoded `retrieve` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Retrieved {
    /// The messages, oldest first: the last one's hash is the next `last_hash`.
    pub messages: Vec<StoredMessage>,
    /// Whether more messages wait beyond this answer's size limit.
    pub more: bool,
    /// The node's time and hard fork.
    pub meta: Meta,
}

#[derive(Deserialize)]
struct RawRetrieved<'a> {
    #[serde(borrow)]
    messages: Vec<RawMessage<'a>>,
    #[serde(default)]
    more: bool,
    #[serde(default)]
    t: Option<u64>,
    #[serde(default)]
    hf: Option<(u16, u16)>,
}

#[derive(Deserialize)]
struct RawMessage<'a> {
    #[serde(borrow)]
    hash: JsonStr<'a>,
    timestamp: u64,
    // The server's key; older documentation calls it `expiry`.
    #[serde(alias = "expiry")]
    expiration: u64,
    #[serde(borrow)]
    data: JsonStr<'a>,
}

/// Decodes a `retrieve` answer: `{"messages": [{"hash", "timestamp", "expiration", "data"}],
/// "more", "t", "hf"}`, the data decoded from base64.
///
/// ```
/// use session_protocol::storage::response::decode_retrieve;
///
/// let body = br#"{"messages":[{"hash":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","timestamp":1,"expiration":2,"data":"aGk="}],"more":false,"t":3,"hf":[19,3]}"#;
/// let got = decode_retrieve(body)?;
/// assert_eq!(got.messages[0].data, b"hi");
/// assert_eq!(got.meta.server_time_ms, Some(3));
/// # Ok::<(), session_protocol::storage::response::AnswerError>(())
/// ```
///
/// # Errors
/// [`AnswerError::Json`] for the wrong shape, [`AnswerError::Field`] naming `hash` or `data`
/// when a message's hash is not a storage-server hash or its data is not base64.
pub fn decode_retrieve(body: &[u8]) -> Result<Retrieved, AnswerError> {
    let raw: RawRetrieved<'_> = parse(body)?;
    let mut messages = Vec::with_capacity(raw.messages.len());
    for m in raw.messages {
        if !is_message_hash(&m.hash) {
            return Err(AnswerError::Field("hash"));
        }
        let data = wire::base64_decode(m.data.as_bytes()).ok_or(AnswerError::Field("data"))?;
        messages.push(StoredMessage {
            hash: String::from(&*m.hash),
            timestamp_ms: m.timestamp,
            expiry_ms: m.expiration,
            data,
        });
    }
    Ok(Retrieved {
        messages,
        more: raw.more,
        meta: RawMeta {
            t: raw.t,
            hf: raw.hf,
        }
        .into(),
    })
}

/// What one swarm member said about a `store`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NodeStore {
    /// Stored, and the node's signature over the hash verified.
    Stored {
        /// The message hash the node computed.
        hash: String,
        /// When the node will drop it (ms).
        expiry_ms: u64,
        /// The node already had it.
        already: bool,
    },
    /// The node answered for itself but its signature does not verify under its key (or is
    /// missing): its word counts for nothing.
    BadSignature,
    /// The node reported a failure (timeout, error, bad peer answer).
    Failed {
        /// The status code it gave, when it gave one.
        code: Option<u16>,
        /// It timed out.
        timeout: bool,
    },
}

/// A decoded `store` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stored {
    /// Each swarm member's answer, by Ed25519 key (in key order).
    pub nodes: Vec<(Ed25519Public, NodeStore)>,
    /// The node's time and hard fork.
    pub meta: Meta,
}

impl Stored {
    /// How many listed members stored the message under `hash` with a valid signature.
    ///
    /// The entry node makes the list: a hostile one can list keys it holds itself. Where the
    /// swarm's members are known, count with [`Stored::confirmations_from`].
    pub fn confirmations(&self, hash: &str) -> usize {
        self.nodes
            .iter()
            .filter(|(_, n)| matches!(n, NodeStore::Stored { hash: h, .. } if h == hash))
            .count()
    }

    /// How many of `members` (the swarm as the caller knows it) stored the message under
    /// `hash` with a valid signature.
    pub fn confirmations_from(&self, hash: &str, members: &[Ed25519Public]) -> usize {
        self.nodes
            .iter()
            .filter(|(k, n)| {
                members.contains(k) && matches!(n, NodeStore::Stored { hash: h, .. } if h == hash)
            })
            .count()
    }
}

#[derive(Deserialize)]
struct RawStored<'a> {
    #[serde(borrow)]
    swarm: BTreeMap<JsonStr<'a>, &'a RawValue>,
    #[serde(default)]
    t: Option<u64>,
    #[serde(default)]
    hf: Option<(u16, u16)>,
}

#[derive(Deserialize)]
struct RawNodeStore<'a> {
    #[serde(borrow, default)]
    hash: Option<JsonStr<'a>>,
    #[serde(borrow, default)]
    signature: Option<JsonStr<'a>>,
    #[serde(default)]
    expiry: Option<u64>,
    #[serde(default)]
    already: bool,
    #[serde(default)]
    failed: bool,
    #[serde(default)]
    timeout: bool,
    #[serde(borrow, default)]
    code: Option<&'a RawValue>,
}

impl Ord for JsonStr<'_> {
    fn cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for JsonStr<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<core::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

fn node_store(key: &Ed25519Public, raw: &RawValue) -> NodeStore {
    let Some(n) = wire::from_json_object::<RawNodeStore<'_>>(raw.get().as_bytes()) else {
        return NodeStore::Failed {
            code: None,
            timeout: false,
        };
    };
    if n.failed {
        // `code` is a number or a status string such as "500 Internal Server Error".
        let code = n.code.and_then(|c| {
            let text = c.get().trim_matches('"');
            text.get(..3).and_then(|d| d.parse::<u16>().ok())
        });
        return NodeStore::Failed {
            code,
            timeout: n.timeout,
        };
    }
    let (Some(hash), Some(sig), Some(expiry_ms)) = (n.hash, n.signature, n.expiry) else {
        return NodeStore::BadSignature;
    };
    let sig: Option<[u8; 64]> = wire::base64_decode(sig.as_bytes()).and_then(|s| s.try_into().ok());
    match sig {
        Some(sig)
            if is_message_hash(&hash) && verify_ed25519(key, hash.as_bytes(), &sig).is_ok() =>
        {
            NodeStore::Stored {
                hash: String::from(&*hash),
                expiry_ms,
                already: n.already,
            }
        }
        _ => NodeStore::BadSignature,
    }
}

/// A `swarm` map's entries read by `read`, one per member in key order: a key spelt twice
/// (hex of either case) counts once, the first spelling standing.
fn per_member<T>(
    swarm: BTreeMap<JsonStr<'_>, &RawValue>,
    mut read: impl FnMut(&Ed25519Public, &RawValue) -> T,
) -> Result<Vec<(Ed25519Public, T)>, AnswerError> {
    let mut nodes: Vec<(Ed25519Public, T)> = Vec::with_capacity(swarm.len());
    let mut seen = alloc::collections::BTreeSet::new();
    for (key, entry) in swarm {
        let key: Ed25519Public = key.parse().map_err(|_| AnswerError::Field("swarm"))?;
        if seen.insert(key) {
            let value = read(&key, entry);
            nodes.push((key, value));
        }
    }
    nodes.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(nodes)
}

/// Decodes a `store` answer: `{"swarm": {"<node ed25519 hex>": {"hash", "signature",
/// "expiry", "already"?} | {"failed": true, …}}, "t", "hf"}`, verifying each member's Ed25519
/// signature over the hash (base64 text) under the key it is listed by.
///
/// A member whose entry is unreadable or whose signature fails counts as
/// [`NodeStore::BadSignature`] or [`NodeStore::Failed`]; compare [`Stored::confirmations`]
/// with the hash [`super::message_hash`] gives for what was sent.
///
/// # Errors
/// [`AnswerError::Json`] for the wrong shape, [`AnswerError::Field`] (`swarm`) for a member
/// key that is not 64 hex characters.
pub fn decode_store(body: &[u8]) -> Result<Stored, AnswerError> {
    let raw: RawStored<'_> = parse(body)?;
    Ok(Stored {
        nodes: per_member(raw.swarm, node_store)?,
        meta: RawMeta {
            t: raw.t,
            hf: raw.hf,
        }
        .into(),
    })
}

/// A decoded `revoke_subaccount` or `unrevoke_subaccount` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Revoked {
    /// Each swarm member listed, by Ed25519 key (in key order), and whether its signature over
    /// the request verified.
    pub nodes: Vec<(Ed25519Public, bool)>,
    /// The node's time and hard fork.
    pub meta: Meta,
}

impl Revoked {
    /// How many of `members` (the swarm as the caller knows it) applied the request with a
    /// valid signature.
    pub fn confirmations_from(&self, members: &[Ed25519Public]) -> usize {
        self.nodes
            .iter()
            .filter(|(k, ok)| *ok && members.contains(k))
            .count()
    }
}

/// Decodes a `revoke_subaccount` or `unrevoke_subaccount` answer for the request that named
/// `account`, `timestamp_ms` and `tokens`: `{"swarm": {"<node ed25519 hex>": {"signature"} |
/// {"failed": true, …}}, "t", "hf"}`, verifying each member's Ed25519 signature over
/// `account hex || timestamp || tokens` (the account's 66 hex characters, the timestamp in
/// decimal, the raw 36-byte tokens).
///
/// # Errors
/// [`AnswerError::Json`] for the wrong shape, [`AnswerError::Field`] (`swarm`) for a member
/// key that is not 64 hex characters.
pub fn decode_revoke(
    body: &[u8],
    account: &crate::identity::SessionId,
    timestamp_ms: u64,
    tokens: &[[u8; 36]],
) -> Result<Revoked, AnswerError> {
    let raw: RawStored<'_> = parse(body)?;
    let signed = super::revoke_answer_message(account, timestamp_ms, tokens);
    let nodes = per_member(raw.swarm, |key, entry| {
        let sig: Option<[u8; 64]> =
            wire::from_json_object::<RawNodeStore<'_>>(entry.get().as_bytes())
                .filter(|n| !n.failed)
                .and_then(|n| n.signature)
                .and_then(|sig| wire::base64_decode(sig.as_bytes()))
                .and_then(|sig| sig.try_into().ok());
        sig.is_some_and(|sig| verify_ed25519(key, &signed, &sig).is_ok())
    })?;
    Ok(Revoked {
        nodes,
        meta: RawMeta {
            t: raw.t,
            hf: raw.hf,
        }
        .into(),
    })
}

/// A decoded `info` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Info {
    /// The storage server's version.
    pub version: (u16, u16, u16),
    /// The node's time and hard fork (`t`, or the older `timestamp`).
    pub meta: Meta,
}

#[derive(Deserialize)]
struct RawInfo {
    version: (u16, u16, u16),
    #[serde(default)]
    timestamp: Option<u64>,
    #[serde(default)]
    t: Option<u64>,
    #[serde(default)]
    hf: Option<(u16, u16)>,
}

/// Decodes an `info` answer: `{"version": [a, b, c], "timestamp", "t", "hf"}`.
///
/// # Errors
/// [`AnswerError::Json`] for the wrong shape.
pub fn decode_info(body: &[u8]) -> Result<Info, AnswerError> {
    let raw: RawInfo = parse(body)?;
    Ok(Info {
        version: raw.version,
        meta: RawMeta {
            t: raw.t.or(raw.timestamp),
            hf: raw.hf,
        }
        .into(),
    })
}

/// One sub-request's answer in a `batch` or `sequence`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubAnswer {
    /// Its status ([`Status::of`] reads it).
    pub status: u16,
    /// Its body: the JSON text of an object answer, or the text of a string answer (error
    /// messages).
    pub body: Vec<u8>,
}

#[derive(Deserialize)]
struct RawBatch<'a> {
    #[serde(borrow)]
    results: Vec<RawSub<'a>>,
}

#[derive(Deserialize)]
struct RawSub<'a> {
    code: u16,
    #[serde(borrow, default)]
    body: Option<&'a RawValue>,
}

/// Decodes a `batch` or `sequence` answer: `{"results": [{"code", "body"}, …]}`, in request
/// order. A `sequence` stops at its first failure, so it may hold fewer results than requests.
///
/// # Errors
/// [`AnswerError::Json`] for the wrong shape.
pub fn decode_batch(body: &[u8]) -> Result<Vec<SubAnswer>, AnswerError> {
    let raw: RawBatch<'_> = parse(body)?;
    let mut out = Vec::with_capacity(raw.results.len());
    for r in raw.results {
        let body = match r.body {
            None => Vec::new(),
            Some(b) => {
                let text = b.get();
                if text.starts_with('"') {
                    let s: Cow<'_, str> = wire::from_json::<JsonStr<'_>>(text.as_bytes())
                        .ok_or(AnswerError::Json)?
                        .0;
                    s.into_owned().into_bytes()
                } else {
                    text.as_bytes().to_vec()
                }
            }
        };
        out.push(SubAnswer {
            status: r.code,
            body,
        });
    }
    Ok(out)
}
