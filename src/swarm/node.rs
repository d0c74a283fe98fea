//! Service-node records and the decoders for the node lists a client receives.

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;
use core::net::Ipv4Addr;

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
    https_port: u16,
    quic_port: u16,
    swarm: SwarmId,
}

impl ServiceNode {
    /// A node record; its X25519 key is derived from `ed25519`.
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
            https_port,
            quic_port,
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

    /// The storage server's HTTPS port (`/onion_req/v2`, `/storage_rpc/v1`).
    pub fn https_port(&self) -> u16 {
        self.https_port
    }

    /// The storage server's QUIC / OxenMQ port.
    pub fn quic_port(&self) -> u16 {
        self.quic_port
    }

    /// The node's swarm ([`SwarmId::INVALID`] when it is in none).
    pub fn swarm(&self) -> SwarmId {
        self.swarm
    }

    /// The same node at a new address.
    #[must_use]
    pub fn with_address(mut self, ip: Ipv4Addr, https_port: u16, quic_port: u16) -> Self {
        self.ip = ip;
        self.https_port = https_port;
        self.quic_port = quic_port;
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
    /// The entry is not an object with the expected fields and types.
    #[error("malformed node entry")]
    Malformed,
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
    /// A port is missing or zero.
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
}

impl SkippedNode {
    /// Most skipped entries a decoded list names one by one ([`SwarmResponse::skipped`],
    /// [`NodeList::skipped`]): the first ones in list order. Past this only the count
    /// (`skipped_total`) grows, so a list of many tiny bad entries (`{},{},…`, 3 bytes each
    /// against 16 for a record) costs a fixed 4 KiB of records, not a multiple of its size.
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

#[derive(Deserialize)]
struct SwarmEntry<'a> {
    #[serde(borrow)]
    pubkey_ed25519: Cow<'a, str>,
    #[serde(borrow, default)]
    pubkey_x25519: Option<Cow<'a, str>>,
    #[serde(borrow)]
    ip: Cow<'a, str>,
    #[serde(default)]
    port_https: Option<u16>,
    #[serde(default)]
    port_quic: Option<u16>,
    #[serde(default)]
    port_omq: Option<u16>,
}

#[derive(Deserialize)]
struct StateEntry<'a> {
    #[serde(borrow)]
    pubkey_ed25519: Cow<'a, str>,
    #[serde(borrow, default)]
    pubkey_x25519: Option<Cow<'a, str>>,
    #[serde(borrow)]
    public_ip: Cow<'a, str>,
    #[serde(default)]
    storage_port: Option<u16>,
    #[serde(default)]
    storage_lmq_port: Option<u16>,
    swarm_id: u64,
}

fn record(
    ed: &str,
    x: Option<&str>,
    ip: &str,
    https: Option<u16>,
    quic: Option<u16>,
    swarm: SwarmId,
) -> Result<ServiceNode, NodeError> {
    let ed25519 = wire::decode_hex::<32>(ed).map_err(|_| NodeError::BadKeyHex)?;
    let ip: Ipv4Addr = ip.parse().map_err(|_| NodeError::BadAddress)?;
    if ip.is_unspecified() {
        return Err(NodeError::BadAddress);
    }
    let (Some(https), Some(quic)) = (https.filter(|&p| p != 0), quic.filter(|&p| p != 0)) else {
        return Err(NodeError::BadPort);
    };
    let node = ServiceNode::new(Ed25519Public::from_bytes(ed25519), ip, https, quic, swarm)?;
    if let Some(x) = x {
        let x = wire::decode_hex::<32>(x).map_err(|_| NodeError::KeyMismatch)?;
        if node.x25519 != x {
            return Err(NodeError::KeyMismatch);
        }
    }
    Ok(node)
}

/// A `get_swarm` entry; its swarm is filled in once the document's `swarm` field is read
/// (which may come after the list).
fn swarm_entry(raw: &str) -> Result<ServiceNode, NodeError> {
    let e: SwarmEntry<'_> = wire::from_json_object(raw.as_bytes()).ok_or(NodeError::Malformed)?;
    record(
        &e.pubkey_ed25519,
        e.pubkey_x25519.as_deref(),
        &e.ip,
        e.port_https,
        e.port_quic.or(e.port_omq),
        SwarmId::INVALID,
    )
}

/// A `get_service_nodes` entry.
fn state_entry(raw: &str) -> Result<ServiceNode, NodeError> {
    let e: StateEntry<'_> = wire::from_json_object(raw.as_bytes()).ok_or(NodeError::Malformed)?;
    record(
        &e.pubkey_ed25519,
        e.pubkey_x25519.as_deref(),
        &e.public_ip,
        e.storage_port,
        e.storage_lmq_port,
        SwarmId(e.swarm_id),
    )
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
    fn take(&mut self, node: Result<ServiceNode, NodeError>) {
        let index = self.seen;
        self.seen = self.seen.saturating_add(1);
        match node {
            Ok(n) => self.nodes.push(n),
            Err(reason) => {
                if self.skipped.len() < SkippedNode::MAX_LISTED {
                    self.skipped.push(SkippedNode { index, reason });
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
    decode: fn(&str) -> Result<ServiceNode, NodeError>,
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
/// …}], "swarm": "<hex>", …}`. Unknown fields are ignored; unusable entries (including any
/// that is not a JSON object) are skipped and listed in [`SwarmResponse::skipped`].
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
/// "storage_port", "storage_lmq_port", "swarm_id", "pubkey_x25519"?, …}]}`. Unusable entries
/// (including nodes announcing `0.0.0.0`, and any entry that is not a JSON object) are skipped
/// and listed in [`NodeList::skipped`].
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
