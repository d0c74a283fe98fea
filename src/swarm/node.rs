//! Service-node records and the decoders for the node lists a client receives.

use alloc::vec::Vec;
use core::fmt;
use core::net::Ipv4Addr;
use core::num::NonZeroU16;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::SwarmId;
use crate::identity::{Ed25519Public, X25519Public, ed25519_to_x25519};
use crate::wire::{self, JsonStr};

/// Largest node list accepted (the onion layer's packet cap).
const MAX_DOCUMENT: usize = 10 * 1024 * 1024;

/// A service node as a client knows it: keys, address, ports and swarm.
///
/// The X25519 key is always derived from the Ed25519 key (as libsession does), so the two can
/// never disagree.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ServiceNode {
    ed25519: Ed25519Public,
    x25519: X25519Public,
    ip: Ipv4Addr,
    https_port: Option<NonZeroU16>,
    quic_port: Option<NonZeroU16>,
    swarm: SwarmId,
}

impl ServiceNode {
    /// A node record; its X25519 key is derived from `ed25519`. A port of 0 means the port is
    /// not known (node lists that clients fetch often carry only one of the two).
    ///
    /// # Errors
    /// [`NodeError::InvalidKey`] when `ed25519` is not a usable public key.
    pub fn new(
        ed25519: Ed25519Public,
        ip: Ipv4Addr,
        https_port: u16,
        quic_port: u16,
        swarm: SwarmId,
    ) -> Result<Self, NodeError> {
        let x25519 = ed25519_to_x25519(&ed25519).map_err(|_| NodeError::InvalidKey)?;
        Ok(Self {
            ed25519,
            x25519,
            ip,
            https_port: NonZeroU16::new(https_port),
            quic_port: NonZeroU16::new(quic_port),
            swarm,
        })
    }

    /// The node's Ed25519 public key, its identity in onion routing.
    pub fn ed25519(&self) -> &Ed25519Public {
        &self.ed25519
    }

    /// The node's X25519 public key, which onion layers are encrypted to.
    pub fn x25519(&self) -> &X25519Public {
        &self.x25519
    }

    /// The node's public IPv4 address.
    pub fn ip(&self) -> Ipv4Addr {
        self.ip
    }

    /// The storage server's HTTPS port (`/onion_req/v2`, `/storage_rpc/v1`), when known.
    pub fn https_port(&self) -> Option<u16> {
        self.https_port.map(NonZeroU16::get)
    }

    /// The storage server's QUIC / OxenMQ port, when known.
    pub fn quic_port(&self) -> Option<u16> {
        self.quic_port.map(NonZeroU16::get)
    }

    /// The node's swarm ([`SwarmId::INVALID`] when it is in none).
    pub fn swarm(&self) -> SwarmId {
        self.swarm
    }

    /// The same node at a new address (a port of 0: not known).
    #[must_use]
    pub fn with_address(mut self, ip: Ipv4Addr, https_port: u16, quic_port: u16) -> Self {
        self.ip = ip;
        self.https_port = NonZeroU16::new(https_port);
        self.quic_port = NonZeroU16::new(quic_port);
        self
    }

    /// The same node after it moved to `swarm`.
    #[must_use]
    pub fn with_swarm(mut self, swarm: SwarmId) -> Self {
        self.swarm = swarm;
        self
    }
}

impl fmt::Debug for ServiceNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Short<'a>(&'a Ed25519Public);
        impl fmt::Debug for Short<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                wire::write_hex(f, self.0.as_bytes().get(..4).unwrap_or_default())?;
                f.write_str("…")
            }
        }
        f.debug_struct("ServiceNode")
            .field("ed25519", &Short(&self.ed25519))
            .field("ip", &self.ip)
            .field("https_port", &self.https_port)
            .field("quic_port", &self.quic_port)
            .field("swarm", &self.swarm)
            .finish()
    }
}

/// Why one entry of a node list was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    /// The entry is not a JSON object.
    #[error("malformed node entry")]
    Malformed,
    /// A field the record needs is absent (or `null`).
    #[error("field `{0}` missing")]
    Missing(&'static str),
    /// A field has the wrong JSON type or is out of range.
    #[error("field `{0}` has the wrong type")]
    WrongType(&'static str),
    /// `pubkey_ed25519` is not 64 hex characters.
    #[error("bad Ed25519 key hex")]
    BadKeyHex,
    /// The Ed25519 key is not a usable public key.
    #[error("unusable Ed25519 key")]
    InvalidKey,
    /// `pubkey_x25519` is present but is not the X25519 form of `pubkey_ed25519`.
    #[error("X25519 key does not match the Ed25519 key")]
    KeyMismatch,
    /// The IP address is not a dotted IPv4 address, or is `0.0.0.0` (a node not reachable).
    #[error("bad or unroutable IPv4 address")]
    BadAddress,
    /// Neither port is given (or both are zero).
    #[error("missing or zero port")]
    BadPort,
}

/// An entry left out of a decoded node list, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkippedNode {
    /// Its 0-based position in the list.
    pub index: usize,
    /// Why it was left out.
    pub reason: NodeError,
    /// The field that was missing or wrong, as the list names it (`None` when the entry as a
    /// whole was unusable).
    pub field: Option<&'static str>,
}

impl SkippedNode {
    /// Most skipped entries a decoded list names one by one ([`SwarmResponse::skipped`],
    /// [`NodeList::skipped`]): the first ones in list order. Past this only the count
    /// (`skipped_total`) grows, so a list of many tiny bad entries (`{},{},…`, 3 bytes each
    /// against 48 for a record) costs a fixed 12 KiB of records, not a multiple of its size.
    pub const MAX_LISTED: usize = 256;
}

/// Why a whole node-list document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NodeListError {
    /// Not JSON, not the expected top-level shape (an object; arrays are refused), or nested
    /// deeper than 128 levels.
    #[error("malformed node list document")]
    Malformed,
    /// The `swarm` field is not a hex `u64`.
    #[error("bad swarm id")]
    BadSwarmId,
    /// The document is larger than 10 MiB.
    #[error("node list document too large")]
    TooLarge,
}

/// A decoded `get_swarm` / `get_snodes_for_pubkey` answer (also the body of a 421 "wrong
/// swarm" reply).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SwarmResponse {
    /// The account's swarm ([`SwarmId::INVALID`] when the node knows no swarms).
    pub swarm: SwarmId,
    /// Its members; each record carries [`SwarmResponse::swarm`].
    pub nodes: Vec<ServiceNode>,
    /// Entries left out: the first [`SkippedNode::MAX_LISTED`], in list order.
    pub skipped: Vec<SkippedNode>,
    /// How many entries were left out in all (at least `skipped.len()`).
    pub skipped_total: usize,
}

/// A decoded `get_service_nodes` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NodeList {
    /// The usable nodes.
    pub nodes: Vec<ServiceNode>,
    /// Entries left out: the first [`SkippedNode::MAX_LISTED`], in list order.
    pub skipped: Vec<SkippedNode>,
    /// How many entries were left out in all (at least `skipped.len()`).
    pub skipped_total: usize,
}

/// One node entry, every field kept raw so that each can be checked (and named) on its own.
/// Unknown fields are ignored; a repeated field makes the entry malformed.
#[derive(Deserialize)]
struct RawEntry<'a> {
    #[serde(borrow, default)]
    pubkey_ed25519: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pubkey_x25519: Option<&'a RawValue>,
    // `get_swarm` / 421 entries.
    #[serde(borrow, default)]
    ip: Option<&'a RawValue>,
    #[serde(borrow, default)]
    port_https: Option<&'a RawValue>,
    #[serde(borrow, default)]
    port_quic: Option<&'a RawValue>,
    #[serde(borrow, default)]
    port_omq: Option<&'a RawValue>,
    // `get_service_nodes` entries.
    #[serde(borrow, default)]
    public_ip: Option<&'a RawValue>,
    #[serde(borrow, default)]
    storage_port: Option<&'a RawValue>,
    #[serde(borrow, default)]
    storage_lmq_port: Option<&'a RawValue>,
    #[serde(borrow, default)]
    swarm_id: Option<&'a RawValue>,
}

/// A field's value as `T`: `Ok(None)` when absent or `null`, `WrongType(name)` when it is not
/// a `T`.
fn field<'a, T: Deserialize<'a>>(
    raw: Option<&'a RawValue>,
    name: &'static str,
) -> Result<Option<T>, (NodeError, &'static str)> {
    match raw {
        None => Ok(None),
        Some(v) if v.get() == "null" => Ok(None),
        Some(v) => serde_json::from_str::<T>(v.get())
            .map(Some)
            .map_err(|_| (NodeError::WrongType(name), name)),
    }
}

fn required<'a, T: Deserialize<'a>>(
    raw: Option<&'a RawValue>,
    name: &'static str,
) -> Result<T, (NodeError, &'static str)> {
    field(raw, name)?.ok_or((NodeError::Missing(name), name))
}

/// An entry's record, or why it was skipped and which field was at fault.
type Entry = Result<ServiceNode, (NodeError, Option<&'static str>)>;

fn with_field(e: (NodeError, &'static str)) -> (NodeError, Option<&'static str>) {
    (e.0, Some(e.1))
}

/// A `get_swarm` entry: `pubkey_ed25519`, `ip`, and at least one of `port_https` and
/// `port_quic` / `port_omq`; `pubkey_x25519` checked when present. Its swarm is filled in once
/// the document's `swarm` field is read (which may come after the list).
fn swarm_entry(raw: &str) -> Entry {
    let e: RawEntry<'_> =
        wire::from_json_object(raw.as_bytes()).ok_or((NodeError::Malformed, None))?;
    let quic = match field::<u16>(e.port_quic, "port_quic").map_err(with_field)? {
        Some(p) => Some((p, "port_quic")),
        None => field::<u16>(e.port_omq, "port_omq")
            .map_err(with_field)?
            .map(|p| (p, "port_omq")),
    };
    record(
        (
            &required::<JsonStr<'_>>(e.pubkey_ed25519, "pubkey_ed25519").map_err(with_field)?,
            "pubkey_ed25519",
        ),
        field::<JsonStr<'_>>(e.pubkey_x25519, "pubkey_x25519")
            .map_err(with_field)?
            .as_deref(),
        (
            &required::<JsonStr<'_>>(e.ip, "ip").map_err(with_field)?,
            "ip",
        ),
        field::<u16>(e.port_https, "port_https")
            .map_err(with_field)?
            .map(|p| (p, "port_https")),
        quic,
        SwarmId::INVALID,
    )
}

/// A `get_service_nodes` entry: `pubkey_ed25519`, `public_ip` and at least one of
/// `storage_port` (HTTPS) and `storage_lmq_port`, as libsession and session-desktop each ask
/// for them; `swarm_id` when given (else [`SwarmId::INVALID`]), `pubkey_x25519` checked when
/// present.
fn state_entry(raw: &str) -> Entry {
    let e: RawEntry<'_> =
        wire::from_json_object(raw.as_bytes()).ok_or((NodeError::Malformed, None))?;
    let swarm = field::<u64>(e.swarm_id, "swarm_id").map_err(with_field)?;
    record(
        (
            &required::<JsonStr<'_>>(e.pubkey_ed25519, "pubkey_ed25519").map_err(with_field)?,
            "pubkey_ed25519",
        ),
        field::<JsonStr<'_>>(e.pubkey_x25519, "pubkey_x25519")
            .map_err(with_field)?
            .as_deref(),
        (
            &required::<JsonStr<'_>>(e.public_ip, "public_ip").map_err(with_field)?,
            "public_ip",
        ),
        field::<u16>(e.storage_port, "storage_port")
            .map_err(with_field)?
            .map(|p| (p, "storage_port")),
        field::<u16>(e.storage_lmq_port, "storage_lmq_port")
            .map_err(with_field)?
            .map(|p| (p, "storage_lmq_port")),
        swarm.map_or(SwarmId::INVALID, SwarmId),
    )
}

fn record(
    (ed, ed_name): (&str, &'static str),
    x: Option<&str>,
    (ip, ip_name): (&str, &'static str),
    https: Option<(u16, &'static str)>,
    quic: Option<(u16, &'static str)>,
    swarm: SwarmId,
) -> Entry {
    let ed25519 = wire::decode_hex::<32>(ed).map_err(|_| (NodeError::BadKeyHex, Some(ed_name)))?;
    let ip: Ipv4Addr = ip
        .parse()
        .map_err(|_| (NodeError::BadAddress, Some(ip_name)))?;
    if ip.is_unspecified() {
        return Err((NodeError::BadAddress, Some(ip_name)));
    }
    let https = https.map_or(0, |(p, _)| p);
    let quic = quic.map_or(0, |(p, _)| p);
    if https == 0 && quic == 0 {
        return Err((NodeError::BadPort, None));
    }
    let node = ServiceNode::new(Ed25519Public::from_bytes(ed25519), ip, https, quic, swarm)
        .map_err(|e| (e, Some(ed_name)))?;
    if let Some(x) = x {
        let x = wire::decode_hex::<32>(x)
            .map_err(|_| (NodeError::KeyMismatch, Some("pubkey_x25519")))?;
        if node.x25519 != x {
            return Err((NodeError::KeyMismatch, Some("pubkey_x25519")));
        }
    }
    Ok(node)
}

/// What a node list decoded to so far.
///
/// Per entry of the input, at most one [`ServiceNode`] (80 bytes, for an entry of over 100
/// input bytes) or a count; [`SkippedNode`] records only for the first
/// [`SkippedNode::MAX_LISTED`] bad entries. Nothing is reserved by count: the vectors grow as
/// entries arrive.
#[derive(Default)]
struct Collected {
    nodes: Vec<ServiceNode>,
    skipped: Vec<SkippedNode>,
    skipped_total: usize,
    /// Entries seen, usable or not.
    seen: usize,
}

impl Collected {
    fn take(&mut self, node: Entry) {
        let index = self.seen;
        self.seen = self.seen.saturating_add(1);
        match node {
            Ok(n) => self.nodes.push(n),
            Err((reason, field)) => {
                if self.skipped.len() < SkippedNode::MAX_LISTED {
                    self.skipped.push(SkippedNode {
                        index,
                        reason,
                        field,
                    });
                }
                self.skipped_total = self.skipped_total.saturating_add(1);
            }
        }
    }
}

/// The node array, each element decoded as it arrives: the raw element is borrowed from the
/// input for the moment it takes to decode it, and nothing is staged per entry.
struct Entries<'c> {
    out: &'c mut Collected,
    decode: fn(&str) -> Entry,
}

impl<'de> DeserializeSeed<'de> for Entries<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of node entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            self.out.take((self.decode)(raw.get()));
        }
        Ok(())
    }
}

/// Field names of a document object; unknown ones are skipped.
fn next_key<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<JsonStr<'de>>, A::Error> {
    map.next_key::<JsonStr<'de>>()
}

/// `{"snodes": [...], "swarm": "<hex>", ...}`; yields the `swarm` text (checked by the caller,
/// after the whole document parsed, so a malformed document is `Malformed` whatever its swarm).
struct SwarmDoc<'c> {
    out: &'c mut Collected,
}

impl<'de> DeserializeSeed<'de> for SwarmDoc<'_> {
    type Value = JsonStr<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SwarmDoc<'_> {
    type Value = JsonStr<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a get_swarm object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut snodes, mut swarm) = (false, None);
        while let Some(key) = next_key(&mut map)? {
            match &*key {
                "snodes" if snodes => return Err(de::Error::duplicate_field("snodes")),
                "snodes" => {
                    snodes = true;
                    map.next_value_seed(Entries {
                        out: &mut *self.out,
                        decode: swarm_entry,
                    })?;
                }
                "swarm" if swarm.is_some() => return Err(de::Error::duplicate_field("swarm")),
                "swarm" => swarm = Some(map.next_value::<JsonStr<'de>>()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !snodes {
            return Err(de::Error::missing_field("snodes"));
        }
        swarm.ok_or_else(|| de::Error::missing_field("swarm"))
    }
}

/// `{"service_node_states": [...], ...}`.
struct StatesDoc<'c> {
    out: &'c mut Collected,
}

impl<'de> DeserializeSeed<'de> for StatesDoc<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for StatesDoc<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a get_service_nodes object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut states = false;
        while let Some(key) = next_key(&mut map)? {
            match &*key {
                "service_node_states" if states => {
                    return Err(de::Error::duplicate_field("service_node_states"));
                }
                "service_node_states" => {
                    states = true;
                    map.next_value_seed(Entries {
                        out: &mut *self.out,
                        decode: state_entry,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if states {
            Ok(())
        } else {
            Err(de::Error::missing_field("service_node_states"))
        }
    }
}

/// `{"result": {"service_node_states": [...], ...}, ...}`, as `oxend_request` relays it.
struct ResultDoc<'c> {
    out: &'c mut Collected,
}

impl<'de> DeserializeSeed<'de> for ResultDoc<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ResultDoc<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an RPC result object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut result = false;
        while let Some(key) = next_key(&mut map)? {
            match &*key {
                "result" if result => return Err(de::Error::duplicate_field("result")),
                "result" => {
                    result = true;
                    map.next_value_seed(StatesDoc {
                        out: &mut *self.out,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if result {
            Ok(())
        } else {
            Err(de::Error::missing_field("result"))
        }
    }
}

fn check_size(json: &[u8]) -> Result<(), NodeListError> {
    if json.len() > MAX_DOCUMENT {
        Err(NodeListError::TooLarge)
    } else {
        Ok(())
    }
}

/// Decodes a storage server's `get_swarm` answer, or the body of its 421 reply:
/// `{"snodes": [{"pubkey_ed25519", "pubkey_x25519", "ip", "port_https", "port_quic"|"port_omq",
/// …}], "swarm": "<hex>", …}`. An entry needs `pubkey_ed25519`, `ip` and at least one port
/// (`port_quic` is preferred over `port_omq`); `pubkey_x25519`, when present, must match.
/// Unknown fields are ignored and `null` counts as absent. Unusable entries (including any
/// that is not a JSON object) are skipped and listed in [`SwarmResponse::skipped`], with the
/// field that was missing or wrong.
///
/// Entries are decoded as the parser reaches them, with nothing staged per entry: what is
/// allocated is the returned nodes (80 bytes each, for entries of over 100 bytes of input) and
/// at most [`SkippedNode::MAX_LISTED`] skip records, whatever the number of entries.
///
/// # Errors
/// [`NodeListError`] when the document as a whole is unusable.
pub fn decode_swarm_response(json: &[u8]) -> Result<SwarmResponse, NodeListError> {
    check_size(json)?;
    let mut got = Collected::default();
    let swarm = wire::from_json_object_seed(json, SwarmDoc { out: &mut got })
        .ok_or(NodeListError::Malformed)?;
    let swarm = parse_swarm_hex(&swarm)?;
    for n in &mut got.nodes {
        n.swarm = swarm;
    }
    Ok(SwarmResponse {
        swarm,
        nodes: got.nodes,
        skipped: got.skipped,
        skipped_total: got.skipped_total,
    })
}

/// Decodes oxend's `get_service_nodes` answer (bare, or inside `{"result": …}` as the
/// `oxend_request` RPC relays it): `{"service_node_states": [{"pubkey_ed25519", "public_ip",
/// "storage_port", "storage_lmq_port", "swarm_id", "pubkey_x25519"?, …}]}`.
///
/// An entry needs `pubkey_ed25519`, `public_ip` and at least one of `storage_port` (HTTPS) and
/// `storage_lmq_port`, so the field sets deployed clients request all decode: libsession's
/// (`public_ip`, `pubkey_ed25519`, `storage_lmq_port`, `storage_server_version`, `swarm_id`) and
/// session-desktop's (`public_ip`, `storage_port`, `pubkey_x25519`, `pubkey_ed25519`). Without
/// `swarm_id` a node's swarm is [`SwarmId::INVALID`]; `pubkey_x25519`, when present, must
/// match. Unusable entries (including nodes announcing `0.0.0.0`, and any entry that is not a
/// JSON object) are skipped and listed in [`NodeList::skipped`], with the field that was
/// missing or wrong.
///
/// Allocates as [`decode_swarm_response`] does: the returned nodes and at most
/// [`SkippedNode::MAX_LISTED`] skip records.
///
/// # Errors
/// [`NodeListError`] when the document as a whole is unusable.
pub fn decode_service_nodes(json: &[u8]) -> Result<NodeList, NodeListError> {
    check_size(json)?;
    let mut got = Collected::default();
    if wire::from_json_object_seed(json, ResultDoc { out: &mut got }).is_none() {
        // Not the wrapped form: what the first attempt collected is dropped before the second.
        got = Collected::default();
        wire::from_json_object_seed(json, StatesDoc { out: &mut got })
            .ok_or(NodeListError::Malformed)?;
    }
    Ok(NodeList {
        nodes: got.nodes,
        skipped: got.skipped,
        skipped_total: got.skipped_total,
    })
}

/// 1 to 16 hex digits, either case, as `int_to_string(id, 16)` writes them.
fn parse_swarm_hex(s: &str) -> Result<SwarmId, NodeListError> {
    if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(NodeListError::BadSwarmId);
    }
    u64::from_str_radix(s, 16)
        .map(SwarmId)
        .map_err(|_| NodeListError::BadSwarmId)
}
