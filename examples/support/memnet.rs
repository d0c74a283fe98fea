//! An in-memory Session network for examples and tests: service nodes in swarms that peel
//! onion requests with the crate's node-side API, relay them hop by hop, run the storage RPCs
//! clients use (`store`, `retrieve`, `info`, `oxend_request`) as a storage server does (421 for
//! the wrong swarm, 406 for a bad clock, signatures checked, messages kept for their TTL), and
//! a seed node that lists them.
//!
//! A [`Transmit`] from [`Client::poll_transmit`] goes to [`MemNet::deliver`], whose [`Answer`]
//! goes back through `Client::handle_response` (or `handle_failure` when the node is down; a
//! dropped packet gets no answer and the client times out). [`MemNet::run`] does that loop for
//! a set of clients until they are idle; [`MemNet::run_traced`] also hands over a [`Trace`] of
//! every onion request: the nodes it crossed, what the destination was asked and, with
//! [`MemNet::observe`] on, every byte each node held.
//!
//! Faults: nodes marked [`MemNode::drops`] or [`MemNode::corrupts`] misbehave on each packet
//! they handle with probability [`MISBEHAVE_ODDS`]: as path nodes on the request and on the
//! reply, and as destinations (a dropping destination ignores the request; a corrupting one
//! flips a bit of the reply it seals). Every injected fault ends up in exactly one bucket of
//! [`Faults`]: dropped, caught (by whom, and the node's error), harmless (what it changed), or
//! overtaken (a corrupted reply that a later node dropped before anyone checked it).
#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::{Value, json};
use session_protocol::client::{Client, Endpoint, Event, Transmit};
use session_protocol::onion::{Hop, NodeSecret, ReplyKey, decode_relay, parse_entry, peel};
use session_protocol::storage::request::{MAX_TOKENS, ttl_range};
use session_protocol::storage::{
    Namespace, Revocation, RevocationList, SignedRequest, message_hash, revoke_answer_message,
    verify_request,
};
use session_protocol::swarm::{NodePool, ServiceNode, SwarmId};
use session_protocol::{Ed25519Public, Identity, SessionId};

/// The seed node's address.
pub const SEED: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 255, 255, 1), 4443);

/// Chance that a faulty node misbehaves on one packet it handles.
pub const MISBEHAVE_ODDS: f64 = 0.5;

/// Kinds of injected fault (keys of [`Faults::injected`]).
pub const REQUEST_DROPPED_ON_PATH: &str = "request dropped by a path node";
pub const REQUEST_CORRUPTED_ON_PATH: &str = "request corrupted by a path node";
pub const REQUEST_DROPPED_AT_DESTINATION: &str = "request dropped by the destination";
pub const REPLY_CORRUPTED_AT_DESTINATION: &str = "reply corrupted by the destination";
pub const REPLY_DROPPED_ON_PATH: &str = "reply dropped by a path node";
pub const REPLY_CORRUPTED_ON_PATH: &str = "reply corrupted by a path node";

/// Prefix of [`Faults::caught`] keys for a corrupted request refused by the node it reached
/// (followed by the crate's `PeelError`).
pub const CAUGHT_BY_NEXT_NODE: &str = "request refused by the node it reached: ";
/// The [`Faults::caught`] key for a corrupted reply the client rejected: it did not open, and
/// the client struck the destination (and the path) and tried again. (The client does not say
/// which `ResponseError` it met; what the network sees is that it refused the answer.)
pub const CAUGHT_BY_CLIENT: &str =
    "reply rejected by the client (it did not open: destination and path struck, retried)";
/// The [`Faults::harmless`] key for a flip in the relay message's `hop_no`, which travels in
/// the clear between nodes and is not covered by any layer's authentication.
pub const HARMLESS_HOP_NO: &str =
    "hop_no changed (sent in the clear between nodes, not authenticated; the path still works)";
/// The [`Faults::harmless`] key for a corruption that changed nothing anyone noticed and that
/// this harness cannot explain (also reported in [`MemNet::unexpected`]).
pub const HARMLESS_UNEXPLAINED: &str = "unexplained: a corrupted packet was accepted";

/// Labels for [`MemNet::bytes_per_hop`].
pub const AT_HOP: [&str; 4] = [
    "1. request at the guard",
    "2. request at the second node",
    "3. request at the third node",
    "4. request at the destination",
];
pub const REPLY_AT_CLIENT: &str = "5. reply, passed back unchanged to the client";

/// Where every injected fault went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Faults injected, by kind.
    pub injected: BTreeMap<&'static str, usize>,
    /// Packets dropped: the client got no answer, or a 504 from the path, and retried.
    pub dropped: usize,
    /// Corruptions detected, by who detected them and with which error.
    pub caught: BTreeMap<String, usize>,
    /// Corruptions that did no harm, by what they changed.
    pub harmless: BTreeMap<&'static str, usize>,
    /// Corrupted replies that a later node dropped before anyone could check them.
    pub overtaken: usize,
}

impl Faults {
    /// All faults injected.
    pub fn total(&self) -> usize {
        self.injected.values().sum()
    }

    /// All faults whose fate is recorded; equals [`Faults::total`].
    pub fn accounted(&self) -> usize {
        self.dropped
            + self.caught.values().sum::<usize>()
            + self.harmless.values().sum::<usize>()
            + self.overtaken
    }
}

/// One service node.
pub struct MemNode {
    pub identity: Identity,
    pub secret: NodeSecret,
    pub record: ServiceNode,
    /// Drops about half ([`MISBEHAVE_ODDS`]) of the packets it handles.
    pub drops: bool,
    /// Flips a bit in about half of the packets it handles.
    pub corrupts: bool,
}

struct Message {
    namespace: i16,
    hash: String,
    timestamp: u64,
    expiry: u64,
    data: Vec<u8>,
}

/// What one node handled for one onion request (recorded with [`MemNet::observe`] on).
#[derive(Debug, Clone)]
pub struct Seen {
    /// guard, relay or destination
    pub role: &'static str,
    /// The node's key.
    pub node: Ed25519Public,
    /// The node's own address.
    pub addr: Ipv4Addr,
    /// Address of whoever handed it the packet.
    pub from: Ipv4Addr,
    /// Address it passed the packet on to; `None` for the destination (it answers and
    /// replicates to its swarm).
    pub to: Option<Ipv4Addr>,
    /// Every buffer it held: the packet as it arrived, the buffer after its layer was
    /// decrypted in place, and the reply it passed back (for the destination, also the answer
    /// it wrote).
    pub bytes: Vec<Vec<u8>>,
}

/// What a destination was asked, read from the request it handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rpc {
    pub method: String,
    pub namespace: i16,
    /// The account (`pubkey`), if the call names one.
    pub account: Option<SessionId>,
    /// Whether the call carried a signature.
    pub signed: bool,
    /// The status the destination answered with.
    pub status: u16,
}

/// How one onion request ended, as the client met it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The destination answered with this status and the reply reached the client intact.
    Answered(u16),
    /// No answer at all: the guard (or the reply on its way to it) was dropped; the client
    /// times out.
    Silence,
    /// The path answered in the clear (a refusal, or 504 when a node further on went silent).
    Clear(u16, String),
    /// The guard could not be reached (a dead node).
    Unreachable,
    /// The reply reached the client corrupted and the client rejected it.
    Rejected,
    /// The reply reached the client corrupted and the client accepted it (never expected).
    AcceptedCorrupted,
}

impl Outcome {
    /// A label for summaries of failed attempts.
    pub fn label(&self) -> String {
        match self {
            Self::Answered(s) => format!("answered {s}"),
            Self::Silence => "no answer from the guard (client timeout)".into(),
            Self::Clear(504, _) => "504 from the path (a node further on went silent)".into(),
            Self::Clear(s, m) => format!("{s} \"{m}\" from the path"),
            Self::Unreachable => "guard unreachable".into(),
            Self::Rejected => "reply did not open (the client rejected it)".into(),
            Self::AcceptedCorrupted => "a corrupted reply was accepted".into(),
        }
    }
}

/// One onion request's trip through the network.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The nodes it reached, guard first.
    pub nodes: Vec<Ed25519Public>,
    /// What each node handled (empty unless [`MemNet::observe`] is on).
    pub seen: Vec<Seen>,
    /// What the destination was asked, if the request reached one.
    pub rpc: Option<Rpc>,
    /// How it ended.
    pub outcome: Outcome,
    /// Corruptions injected into the reply that reached the client.
    reply_corruptions: usize,
}

/// What a node decided after peeling its layer.
enum Step {
    Forward {
        next: Ed25519Public,
        out: Vec<u8>,
        hop_no: u8,
    },
    Deliver {
        body: Vec<u8>,
        reply: ReplyKey,
    },
    Refused {
        status: u16,
        text: &'static str,
        why: String,
        reply: ReplyKey,
    },
    Other,
}

/// How the network answers one HTTP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// An HTTP answer.
    Http(u16, Vec<u8>),
    /// The connection failed (the node is down).
    Unreachable,
    /// Nothing ever comes back (a dropped packet): the client times out.
    Silent,
}

/// Wall-clock cost of each operation.
pub type Timings = BTreeMap<&'static str, Vec<Duration>>;

/// The network.
pub struct MemNet {
    /// The nodes; call [`MemNet::reindex`] after changing their records.
    pub nodes: Vec<MemNode>,
    /// The nodes' clock (ms).
    pub now_ms: u64,
    /// Nodes that no longer answer.
    pub dead: BTreeSet<Ed25519Public>,
    /// Stored messages by account.
    messages: BTreeMap<SessionId, Vec<Message>>,
    /// Revoked subaccount tokens by account (shared by the swarm, as if propagated at once).
    revoked: BTreeMap<SessionId, RevocationList>,
    /// Requests each method served, and answers by status, for summaries.
    pub served: BTreeMap<String, usize>,
    /// When set, every storage RPC is answered with this status and body (a faulty or hostile
    /// swarm).
    pub forced: Option<(u16, String)>,
    /// Answer onion requests with HTTP 200 and these bytes instead of a sealed reply.
    pub garbage_http: Option<Vec<u8>>,
    /// Record every byte each node handles in [`Trace::seen`].
    pub observe: bool,
    /// Injected faults and their fate.
    pub faults: Faults,
    /// Errors no injected fault explains (should stay empty).
    pub unexpected: BTreeMap<String, usize>,
    /// Bytes received at each position: (total, packets).
    pub bytes_per_hop: BTreeMap<&'static str, (usize, usize)>,
    /// Wall-clock costs (not part of any comparison: they differ from run to run).
    pub timings: Timings,
    pool: NodePool,
    by_key: BTreeMap<Ed25519Public, usize>,
    by_addr: BTreeMap<SocketAddrV4, usize>,
    seed_body: Vec<u8>,
    rng: ChaCha20Rng,
}

/// The device address of client `c` in [`MemNet::run`] (what its guard sees).
pub fn device_addr(c: usize) -> Ipv4Addr {
    Ipv4Addr::from(0x6440_0000 + c as u32 + 1)
}

/// A uniform draw in [0, 1].
fn unit(rng: &mut ChaCha20Rng) -> f64 {
    f64::from(rng.next_u32()) / f64::from(u32::MAX)
}

fn timed<T>(timings: &mut Timings, op: &'static str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    timings.entry(op).or_default().push(t.elapsed());
    out
}

impl MemNet {
    /// `nodes` nodes in `swarms` evenly spaced swarms, each node on its own /24; keys drawn
    /// from `seed`.
    pub fn new(seed: u64, nodes: usize, swarms: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut list = Vec::with_capacity(nodes);
        for i in 0..nodes {
            let mut key = [0u8; 32];
            rng.fill_bytes(&mut key);
            let identity = Identity::from_seed(&key);
            let swarm = SwarmId((i as u64 % swarms).wrapping_mul(u64::MAX / swarms.max(1)));
            // Distinct /24s, so paths can be built under the default diversity rule.
            let ip = Ipv4Addr::new(10, (i / 250) as u8, (i % 250) as u8, 1);
            list.push(Self::node(identity, ip, swarm));
        }
        Self::with_nodes(list, rng)
    }

    /// `nodes` nodes in `swarms` swarms at random positions on the ring, on addresses in
    /// 10.0.0.0/8 whose /24s are mostly distinct and sometimes shared, as on the real network;
    /// everything drawn from `seed`.
    pub fn spread(seed: u64, nodes: usize, swarms: usize) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let swarm_ids: Vec<u64> = (0..swarms.max(1)).map(|_| rng.next_u64() >> 1).collect();
        let mut subnets = BTreeSet::new();
        let mut ips = BTreeSet::new();
        let mut list = Vec::with_capacity(nodes);
        for i in 0..nodes {
            let mut key = [0u8; 32];
            rng.fill_bytes(&mut key);
            let identity = Identity::from_seed(&key);
            let ip = loop {
                let ip = Ipv4Addr::from(
                    (rng.next_u32() & 0x00ff_ff00 | 0x0a00_0000) + 1 + (i as u32 % 2),
                );
                let fresh = subnets.insert(u32::from(ip) >> 8);
                if (fresh || rng.next_u32() % 10 == 0) && ips.insert(ip) {
                    break ip;
                }
            };
            let swarm = SwarmId(swarm_ids[i % swarm_ids.len()]);
            list.push(Self::node(identity, ip, swarm));
        }
        Self::with_nodes(list, rng)
    }

    fn node(identity: Identity, ip: Ipv4Addr, swarm: SwarmId) -> MemNode {
        let record = ServiceNode::new(identity.ed25519_public(), ip, 22021, 22020, swarm).unwrap();
        MemNode {
            secret: NodeSecret::from_identity(&identity),
            identity,
            record,
            drops: false,
            corrupts: false,
        }
    }

    fn with_nodes(nodes: Vec<MemNode>, rng: ChaCha20Rng) -> Self {
        let mut net = Self {
            nodes,
            now_ms: 1_700_000_000_000,
            dead: BTreeSet::new(),
            messages: BTreeMap::new(),
            revoked: BTreeMap::new(),
            served: BTreeMap::new(),
            forced: None,
            garbage_http: None,
            observe: false,
            faults: Faults::default(),
            unexpected: BTreeMap::new(),
            bytes_per_hop: BTreeMap::new(),
            timings: Timings::new(),
            pool: NodePool::new([]),
            by_key: BTreeMap::new(),
            by_addr: BTreeMap::new(),
            seed_body: Vec::new(),
            rng,
        };
        net.reindex();
        net
    }

    /// Marks each node as dropping with probability `drop_rate`, else as corrupting with
    /// probability `corrupt_rate` (drawn from the network's seed). Returns how many of each.
    pub fn inject_faults(&mut self, drop_rate: f64, corrupt_rate: f64) -> (usize, usize) {
        for i in 0..self.nodes.len() {
            let drops = unit(&mut self.rng) < drop_rate;
            let corrupts = !drops && unit(&mut self.rng) < corrupt_rate;
            self.nodes[i].drops = drops;
            self.nodes[i].corrupts = corrupts;
        }
        self.faulty_nodes()
    }

    /// How many nodes drop and how many corrupt packets.
    pub fn faulty_nodes(&self) -> (usize, usize) {
        (
            self.nodes.iter().filter(|n| n.drops).count(),
            self.nodes.iter().filter(|n| n.corrupts).count(),
        )
    }

    /// Rebuilds the lookups (pool, keys, addresses, the seed's node list) from
    /// [`MemNet::nodes`].
    pub fn reindex(&mut self) {
        self.pool = NodePool::new(self.nodes.iter().map(|n| n.record.clone()));
        self.by_key = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (*n.record.ed25519(), i))
            .collect();
        self.by_addr = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                (
                    SocketAddrV4::new(n.record.ip(), n.record.https_port().unwrap_or(0)),
                    i,
                )
            })
            .collect();
        let body = json!({ "result": self.node_states() });
        self.seed_body = serde_json::to_vec(&body).unwrap();
    }

    /// The network's node pool (every node, with its swarm).
    pub fn pool(&self) -> &NodePool {
        &self.pool
    }

    fn node_by_key(&self, key: &Ed25519Public) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    /// The members of `account`'s swarm as the network now has it.
    pub fn swarm_of(&self, account: &SessionId) -> Vec<Ed25519Public> {
        self.pool
            .swarm_of(account)
            .map(|(_, m)| m.iter().map(|n| *n.ed25519()).collect())
            .unwrap_or_default()
    }

    /// Moves `account` to a new swarm: three nodes from other swarms form a swarm whose id is
    /// the account's own position on the ring, and the account's messages follow. Clients that
    /// computed the old swarm get 421 answers naming the new one.
    pub fn move_swarm(&mut self, account: &SessionId) -> SwarmId {
        let target = SwarmId(session_protocol::swarm::swarm_space(account.key()));
        let old: BTreeSet<Ed25519Public> = self.swarm_of(account).into_iter().collect();
        let mut moved = 0;
        for n in &mut self.nodes {
            if moved == 3 {
                break;
            }
            if !old.contains(n.record.ed25519()) && !self.dead.contains(n.record.ed25519()) {
                n.record = n.record.clone().with_swarm(target);
                moved += 1;
            }
        }
        self.reindex();
        target
    }

    fn node_states(&self) -> Value {
        let states: Vec<Value> = self
            .nodes
            .iter()
            .map(|n| {
                json!({
                    "public_ip": n.record.ip().to_string(),
                    "storage_port": n.record.https_port(),
                    "storage_lmq_port": n.record.quic_port(),
                    "pubkey_ed25519": n.record.ed25519().to_string(),
                    "pubkey_x25519": n.record.x25519().to_string(),
                    "swarm_id": n.record.swarm().0,
                })
            })
            .collect();
        json!({ "service_node_states": states })
    }

    /// Carries out one HTTP request from client `client` (whose device is at
    /// [`device_addr`]); onion requests also return their [`Trace`].
    pub fn deliver(&mut self, client: usize, t: &Transmit) -> (Answer, Option<Trace>) {
        match t.endpoint {
            Endpoint::SeedRpc => {
                *self.served.entry("seed".into()).or_default() += 1;
                if t.to != SEED {
                    return (Answer::Unreachable, None);
                }
                (Answer::Http(200, self.seed_body.clone()), None)
            }
            Endpoint::Onion => {
                let Some(i) = self.by_addr.get(&t.to).copied() else {
                    return (Answer::Unreachable, None);
                };
                if self.dead.contains(self.nodes[i].record.ed25519()) {
                    let trace = Trace {
                        nodes: vec![*self.nodes[i].record.ed25519()],
                        seen: Vec::new(),
                        rpc: None,
                        outcome: Outcome::Unreachable,
                        reply_corruptions: 0,
                    };
                    return (Answer::Unreachable, Some(trace));
                }
                let (answer, trace) = self.onion(i, t.body.clone(), device_addr(client));
                (answer, Some(trace))
            }
            _ => (Answer::Http(404, b"Not Found".to_vec()), None),
        }
    }

    /// Whether node `n` drops the packet in hand.
    fn drops_now(&mut self, n: usize) -> bool {
        self.nodes[n].drops && unit(&mut self.rng) < MISBEHAVE_ODDS
    }

    /// Whether node `n` corrupts the packet in hand.
    fn corrupts_now(&mut self, n: usize) -> bool {
        self.nodes[n].corrupts && unit(&mut self.rng) < MISBEHAVE_ODDS
    }

    /// Flips one random bit of `buf`.
    fn flip(&mut self, buf: &mut [u8]) {
        if buf.is_empty() {
            return;
        }
        let i = (self.rng.next_u32() as usize) % buf.len();
        buf[i] ^= 1 << (self.rng.next_u32() % 8);
    }

    fn inject(&mut self, kind: &'static str) {
        *self.faults.injected.entry(kind).or_default() += 1;
    }

    fn unexpected(&mut self, why: impl Into<String>) {
        *self.unexpected.entry(why.into()).or_default() += 1;
    }

    fn size(&mut self, at: &'static str, len: usize) {
        let e = self.bytes_per_hop.entry(at).or_default();
        e.0 += len;
        e.1 += 1;
    }

    /// Runs an onion request from its guard: each node peels its layer and forwards; the
    /// destination runs the RPC and seals the answer, which each path node passes back
    /// unchanged (unless it is faulty).
    fn onion(&mut self, guard: usize, packet: Vec<u8>, client: Ipv4Addr) -> (Answer, Trace) {
        let mut trace = Trace {
            nodes: Vec::new(),
            seen: Vec::new(),
            rpc: None,
            outcome: Outcome::Silence,
            reply_corruptions: 0,
        };
        let mut path: Vec<usize> = Vec::new();
        let mut bytes = packet;
        let mut from = client;
        // The hop_no a corrupting node sent with the packet now in flight.
        let mut corrupted_request: Option<u8> = None;
        let mut i = guard;
        // Nothing came back from position `pos`: the client times out (the guard itself) or
        // the guard answers 504.
        let silence = |pos: usize, mut trace: Trace| {
            if pos == 0 {
                trace.outcome = Outcome::Silence;
                (Answer::Silent, trace)
            } else {
                trace.outcome = Outcome::Clear(504, "Request time out".into());
                (Answer::Http(504, b"Request time out".to_vec()), trace)
            }
        };
        let clear = |status: u16, text: &str, mut trace: Trace| {
            trace.outcome = Outcome::Clear(status, text.into());
            (Answer::Http(status, text.as_bytes().to_vec()), trace)
        };
        let (answered_at, mut answer) = loop {
            let pos = path.len();
            path.push(i);
            trace.nodes.push(*self.nodes[i].record.ed25519());
            self.size(AT_HOP[pos.min(3)], bytes.len());
            let mut seen = self.observe.then(|| Seen {
                role: if pos == 0 { "guard" } else { "relay" },
                node: *self.nodes[i].record.ed25519(),
                addr: self.nodes[i].record.ip(),
                from,
                to: None,
                bytes: vec![bytes.clone()],
            });
            let secret = &self.nodes[i].secret;
            let timings = &mut self.timings;
            let step = {
                let layer = if pos == 0 {
                    parse_entry(&mut bytes)
                } else {
                    decode_relay(&mut bytes)
                };
                layer.and_then(|layer| {
                    let hop_no = layer.hop_no();
                    let peeled =
                        timed(timings, "peel (one hop, node side)", || peel(secret, layer))?;
                    let step = match peeled.hop {
                        Hop::Forward { next, relay } => Step::Forward {
                            next,
                            out: relay.encode(),
                            hop_no: relay.hop_no(),
                        },
                        Hop::Deliver { body, reply } => Step::Deliver {
                            body: body.to_vec(),
                            reply,
                        },
                        Hop::Refused { error, reply, .. } => Step::Refused {
                            status: error.status(),
                            text: error.message(),
                            why: error.to_string(),
                            reply,
                        },
                        _ => Step::Other,
                    };
                    Ok((hop_no, step))
                })
            };
            // After peeling, the buffer holds the node's layer decrypted in place.
            if let Some(s) = seen.as_mut() {
                s.bytes.push(bytes.clone());
            }
            let (got_hop_no, step) = match step {
                Ok(p) => p,
                Err(e) => {
                    if corrupted_request.take().is_some() {
                        *self
                            .faults
                            .caught
                            .entry(format!("{CAUGHT_BY_NEXT_NODE}{e}"))
                            .or_default() += 1;
                    } else {
                        self.unexpected(format!("refused without a fault: {e}"));
                    }
                    trace.seen.extend(seen);
                    return clear(e.status(), e.message(), trace);
                }
            };
            if let Some(sent_hop_no) = corrupted_request.take() {
                let what = if got_hop_no == sent_hop_no {
                    self.unexpected("a corrupted request was accepted unchanged");
                    HARMLESS_UNEXPLAINED
                } else {
                    HARMLESS_HOP_NO
                };
                *self.faults.harmless.entry(what).or_default() += 1;
            }
            match step {
                Step::Forward {
                    next,
                    mut out,
                    hop_no,
                } => {
                    let Some(j) = self.node_by_key(&next) else {
                        self.unexpected("next node not found");
                        trace.seen.extend(seen);
                        return clear(502, &format!("Next node not found: {next}"), trace);
                    };
                    if let Some(mut s) = seen {
                        s.to = Some(self.nodes[j].record.ip());
                        trace.seen.push(s);
                    }
                    if self.dead.contains(&next) {
                        return clear(504, "Request time out", trace);
                    }
                    if self.drops_now(i) {
                        self.inject(REQUEST_DROPPED_ON_PATH);
                        self.faults.dropped += 1;
                        return silence(pos, trace);
                    }
                    if self.corrupts_now(i) {
                        self.flip(&mut out);
                        self.inject(REQUEST_CORRUPTED_ON_PATH);
                        corrupted_request = Some(hop_no);
                    }
                    from = self.nodes[i].record.ip();
                    bytes = out;
                    i = j;
                }
                Step::Deliver { body, reply } => {
                    if let Some(s) = seen.as_mut() {
                        s.role = "destination";
                    }
                    if self.drops_now(i) {
                        self.inject(REQUEST_DROPPED_AT_DESTINATION);
                        self.faults.dropped += 1;
                        trace.seen.extend(seen);
                        return silence(pos, trace);
                    }
                    if let Some(garbage) = &self.garbage_http {
                        let garbage = garbage.clone();
                        trace.seen.extend(seen);
                        trace.outcome = Outcome::Answered(200);
                        return (Answer::Http(200, garbage), trace);
                    }
                    let (status, text) = match &self.forced {
                        Some(forced) => forced.clone(),
                        None => self.rpc(i, &body),
                    };
                    trace.rpc = Some(describe(&body, status));
                    *self.served.entry(format!("status {status}")).or_default() += 1;
                    let rng = &mut self.rng;
                    let mut sealed = timed(&mut self.timings, "seal reply (node side)", || {
                        reply.seal(status, &text, rng)
                    });
                    if self.corrupts_now(i) {
                        self.flip(&mut sealed);
                        self.inject(REPLY_CORRUPTED_AT_DESTINATION);
                        trace.reply_corruptions += 1;
                    }
                    if let Some(mut s) = seen {
                        s.bytes.push(text.into_bytes());
                        s.bytes.push(sealed.clone());
                        trace.seen.push(s);
                    }
                    trace.outcome = Outcome::Answered(status);
                    break (pos, sealed);
                }
                Step::Refused {
                    status,
                    text,
                    why,
                    reply,
                } => {
                    self.unexpected(format!("a layer that decrypted was refused: {why}"));
                    trace.seen.extend(seen);
                    let sealed = reply.seal(status, text, &mut self.rng);
                    trace.outcome = Outcome::Answered(status);
                    break (pos, sealed);
                }
                Step::Other => {
                    self.unexpected("a node was asked to do something else");
                    trace.seen.extend(seen);
                    return clear(400, "unsupported", trace);
                }
            }
        };
        // Back along the path: each node passes the sealed answer to whoever sent it the
        // request.
        for pos in (0..answered_at).rev() {
            let n = path[pos];
            if let Some(s) = trace.seen.get_mut(pos) {
                s.bytes.push(answer.clone());
            }
            if self.drops_now(n) {
                self.inject(REPLY_DROPPED_ON_PATH);
                self.faults.dropped += 1;
                self.faults.overtaken += trace.reply_corruptions;
                trace.reply_corruptions = 0;
                return silence(pos, trace);
            }
            if self.corrupts_now(n) {
                self.flip(&mut answer);
                self.inject(REPLY_CORRUPTED_ON_PATH);
                trace.reply_corruptions += 1;
            }
        }
        self.size(REPLY_AT_CLIENT, answer.len());
        (Answer::Http(200, answer), trace)
    }

    fn hf(&self) -> Value {
        json!([19, 3])
    }

    /// The storage RPC at node `i`.
    fn rpc(&mut self, i: usize, body: &[u8]) -> (u16, String) {
        let Ok(req) = serde_json::from_slice::<Value>(body) else {
            return (400, "invalid json".into());
        };
        let method = req["method"].as_str().unwrap_or_default().to_owned();
        *self.served.entry(method.clone()).or_default() += 1;
        let p = &req["params"];
        match method.as_str() {
            "info" => (
                200,
                json!({"version": [2, 10, 0], "timestamp": self.now_ms, "t": self.now_ms, "hf": self.hf()})
                    .to_string(),
            ),
            "oxend_request" => {
                let body = json!({"result": self.node_states(), "t": self.now_ms, "hf": self.hf()});
                (200, body.to_string())
            }
            "store" | "retrieve" | "revoke_subaccount" | "unrevoke_subaccount" => {
                let Some(account) = p["pubkey"]
                    .as_str()
                    .and_then(|s| s.parse::<SessionId>().ok())
                else {
                    return (400, "invalid request: bad pubkey".into());
                };
                // The wrong swarm: say which is right.
                let swarm = self.swarm_of(&account);
                let me = *self.nodes[i].record.ed25519();
                if !swarm.contains(&me) {
                    let snodes: Vec<Value> = swarm
                        .iter()
                        .filter_map(|k| self.node_by_key(k))
                        .map(|j| {
                            let r = &self.nodes[j].record;
                            json!({"pubkey_ed25519": r.ed25519().to_string(), "pubkey_x25519": r.x25519().to_string(),
                                   "ip": r.ip().to_string(), "port_https": r.https_port(), "port_omq": r.quic_port()})
                        })
                        .collect();
                    let id = self.pool.swarm_of(&account).map(|(s, _)| s.0).unwrap_or(u64::MAX);
                    let body = json!({"snodes": snodes, "swarm": format!("{id:x}"), "t": self.now_ms, "hf": self.hf()});
                    return (421, body.to_string());
                }
                match method.as_str() {
                    "store" => self.store(&account, p, &swarm),
                    "retrieve" => self.retrieve(&account, p),
                    "revoke_subaccount" => self.revoke(&account, p, &swarm, Revocation::Revoke),
                    _ => self.revoke(&account, p, &swarm, Revocation::Unrevoke),
                }
            }
            _ => (400, format!("no method {method}")),
        }
    }

    /// The storage server's check of a request's authentication (the account's key, or a
    /// subaccount token and its owner's signature), through the crate's verifier.
    fn check_signature(&self, account: &SessionId, p: &Value, signed: &SignedRequest<'_>) -> bool {
        fn b64<const N: usize>(v: &Value) -> Option<[u8; N]> {
            v.as_str()
                .and_then(|s| Base64::decode_vec(s).ok())
                .and_then(|b| <[u8; N]>::try_from(b).ok())
        }
        let Some(sig) = b64::<64>(&p["signature"]) else {
            return false;
        };
        let ed = match p.get("pubkey_ed25519") {
            None => None,
            Some(v) => match v.as_str().and_then(|s| s.parse::<Ed25519Public>().ok()) {
                Some(ed) => Some(ed),
                None => return false,
            },
        };
        let sub = match (p.get("subaccount"), p.get("subaccount_sig")) {
            (None, None) => None,
            (Some(t), Some(ts)) => match (b64::<36>(t), b64::<64>(ts)) {
                (Some(t), Some(ts)) => Some((t, ts)),
                _ => return false,
            },
            _ => return false,
        };
        // A revoked token is refused, except to retrieve where revoked members may still read.
        if let Some((token, _)) = &sub
            && self
                .revoked
                .get(account)
                .is_some_and(|r| r.refuses(token, signed))
        {
            return false;
        }
        let sub = sub.as_ref().map(|(t, ts)| (t, ts));
        verify_request(account, signed, &sig, ed.as_ref(), sub).is_ok()
    }

    /// `revoke_subaccount` / `unrevoke_subaccount`: signed by the account's own key; each live
    /// swarm member signs `account hex || timestamp || tokens` back.
    fn revoke(
        &mut self,
        account: &SessionId,
        p: &Value,
        swarm: &[Ed25519Public],
        action: Revocation,
    ) -> (u16, String) {
        let field = action.param();
        let tokens: Option<Vec<[u8; 36]>> = p[field].as_array().and_then(|a| {
            a.iter()
                .map(|t| {
                    t.as_str()
                        .and_then(|s| Base64::decode_vec(s).ok())
                        .and_then(|b| <[u8; 36]>::try_from(b).ok())
                })
                .collect()
        });
        let (Some(tokens), Some(ts)) = (tokens, p["timestamp"].as_u64()) else {
            return (400, format!("invalid request: {field} params"));
        };
        if tokens.is_empty() || tokens.len() > MAX_TOKENS {
            return (
                400,
                format!("invalid request: {field} needs 1 to 50 tokens"),
            );
        }
        if ts.abs_diff(self.now_ms) > 60_000 {
            return (
                406,
                format!("{field}_subaccount timestamp too far from current time"),
            );
        }
        if !self.check_signature(account, p, &action.signed_request(ts, &tokens)) {
            return (
                401,
                format!("{field}_subaccount signature verification failed"),
            );
        }
        self.revoked
            .entry(*account)
            .or_default()
            .apply(action, &tokens);
        let answer = revoke_answer_message(account, ts, &tokens);
        let mut answers = serde_json::Map::new();
        for k in swarm {
            if self.dead.contains(k) {
                answers.insert(k.to_string(), json!({"failed": true, "timeout": true}));
                continue;
            }
            let j = self.node_by_key(k).unwrap();
            let sig = Base64::encode_string(&self.nodes[j].identity.sign(&answer));
            answers.insert(k.to_string(), json!({"signature": sig}));
        }
        let body = json!({"swarm": answers, "t": self.now_ms, "hf": self.hf()});
        (200, body.to_string())
    }

    fn store(&mut self, account: &SessionId, p: &Value, swarm: &[Ed25519Public]) -> (u16, String) {
        let (Some(ts), Some(ttl), Some(data)) = (
            p["timestamp"].as_u64(),
            p["ttl"].as_u64(),
            p["data"].as_str().and_then(|d| Base64::decode_vec(d).ok()),
        ) else {
            return (400, "invalid request: store params".into());
        };
        let ns = Namespace(p["namespace"].as_i64().unwrap_or(0) as i16);
        let (min_ttl, max_ttl) = ttl_range(ns);
        if !(min_ttl..=max_ttl).contains(&ttl) {
            return (400, "invalid request: ttl out of range".into());
        }
        if ts > self.now_ms + 10_000 || ts + ttl + 10_000 < self.now_ms {
            return (406, "Timestamp error: check your clock".into());
        }
        if ns.store_needs_signature() {
            let signed = SignedRequest::Store {
                namespace: ns,
                timestamp_ms: p["sig_timestamp"].as_u64().unwrap_or(ts),
            };
            if !self.check_signature(account, p, &signed) {
                return (401, "store signature verification failed".into());
            }
        }
        let hash = message_hash(account, ns, &data);
        let list = self.messages.entry(*account).or_default();
        let already = list.iter().any(|m| m.hash == hash);
        if !already {
            list.push(Message {
                namespace: ns.0,
                hash: hash.clone(),
                timestamp: ts,
                expiry: ts + ttl,
                data,
            });
        }
        let mut answers = serde_json::Map::new();
        for k in swarm {
            if self.dead.contains(k) {
                answers.insert(k.to_string(), json!({"failed": true, "timeout": true}));
                continue;
            }
            let j = self.node_by_key(k).unwrap();
            let sig = Base64::encode_string(&self.nodes[j].identity.sign(hash.as_bytes()));
            let mut a = json!({"hash": hash, "signature": sig, "expiry": ts + ttl});
            if already {
                a["already"] = json!(true);
            }
            answers.insert(k.to_string(), a);
        }
        let body = json!({"swarm": answers, "hash": hash, "t": self.now_ms, "hf": self.hf()});
        (200, body.to_string())
    }

    fn retrieve(&mut self, account: &SessionId, p: &Value) -> (u16, String) {
        let ns = Namespace(p["namespace"].as_i64().unwrap_or(0) as i16);
        if ns.retrieve_needs_signature() {
            let Some(ts) = p["timestamp"].as_u64() else {
                return (401, "retrieve: request signature required".into());
            };
            if ts.abs_diff(self.now_ms) > 60_000 {
                return (406, "retrieve timestamp too far from current time".into());
            }
            let signed = SignedRequest::Retrieve {
                namespace: ns,
                timestamp_ms: ts,
            };
            if !self.check_signature(account, p, &signed) {
                return (401, "retrieve signature verification failed".into());
            }
        }
        // Expired messages are gone.
        let now = self.now_ms;
        if let Some(list) = self.messages.get_mut(account) {
            list.retain(|m| m.expiry > now);
        }
        let last = p["last_hash"].as_str().unwrap_or_default();
        let list = self
            .messages
            .get(account)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let in_ns: Vec<&Message> = list.iter().filter(|m| m.namespace == ns.0).collect();
        let start = in_ns
            .iter()
            .position(|m| m.hash == last)
            .map_or(0, |i| i + 1);
        let messages: Vec<Value> = in_ns[start..]
            .iter()
            .map(|m| {
                json!({"hash": m.hash, "timestamp": m.timestamp, "expiration": m.expiry,
                       "data": Base64::encode_string(&m.data)})
            })
            .collect();
        let body = json!({"messages": messages, "more": false, "t": self.now_ms, "hf": self.hf()});
        (200, body.to_string())
    }

    /// Carries every client's transmits and timeouts until all are idle (or `max_steps`
    /// rounds pass), `skew_ms[i]` being how far client `i`'s clock is from the network's.
    /// Returns each client's events.
    pub fn run(
        &mut self,
        clients: &mut [&mut Client],
        skew_ms: &[i64],
        rng: &mut ChaCha20Rng,
        max_steps: usize,
    ) -> Vec<Vec<Event>> {
        self.run_traced(clients, skew_ms, rng, max_steps, |_, _| {})
    }

    /// [`MemNet::run`], handing `on_trace` each onion request's [`Trace`] with the index of
    /// the client that sent it. A corrupted reply is checked against the client's reaction:
    /// caught when the client struck the destination (it did not open), otherwise reported
    /// as unexpected.
    pub fn run_traced(
        &mut self,
        clients: &mut [&mut Client],
        skew_ms: &[i64],
        rng: &mut ChaCha20Rng,
        max_steps: usize,
        mut on_trace: impl FnMut(usize, Trace),
    ) -> Vec<Vec<Event>> {
        let mut events = vec![Vec::new(); clients.len()];
        for _ in 0..max_steps {
            let mut busy = false;
            for (c, client) in clients.iter_mut().enumerate() {
                let local = self
                    .now_ms
                    .saturating_add_signed(skew_ms.get(c).copied().unwrap_or(0));
                while let Some(t) = client.poll_transmit() {
                    busy = true;
                    let (answer, mut trace) = self.deliver(c, &t);
                    match answer {
                        Answer::Http(status, body) => {
                            let dest = trace.as_ref().and_then(|tr| tr.nodes.last().copied());
                            let before = dest.map(|d| client.pool().failures(&d));
                            let op = match t.endpoint {
                                Endpoint::SeedRpc => "Client::handle_response (seed)",
                                _ => "Client::handle_response (onion)",
                            };
                            timed(&mut self.timings, op, || {
                                client.handle_response(local, t.request_id, status, &body, rng);
                            });
                            if let Some(tr) = trace.as_mut().filter(|tr| tr.reply_corruptions > 0) {
                                let after = dest.map(|d| client.pool().failures(&d));
                                let n = tr.reply_corruptions;
                                if after > before {
                                    *self
                                        .faults
                                        .caught
                                        .entry(CAUGHT_BY_CLIENT.into())
                                        .or_default() += n;
                                    tr.outcome = Outcome::Rejected;
                                } else {
                                    *self
                                        .faults
                                        .harmless
                                        .entry(HARMLESS_UNEXPLAINED)
                                        .or_default() += n;
                                    self.unexpected("a corrupted reply was accepted");
                                    tr.outcome = Outcome::AcceptedCorrupted;
                                }
                            }
                        }
                        Answer::Unreachable => client.handle_failure(local, t.request_id, rng),
                        // Nothing comes back; the client's timeout will fire.
                        Answer::Silent => {}
                    }
                    if let Some(trace) = trace {
                        on_trace(c, trace);
                    }
                }
                while let Some(e) = client.poll_event() {
                    events[c].push(e);
                }
            }
            if busy {
                continue;
            }
            // Nothing to carry: move time to the earliest timeout, if any request waits.
            let next = clients
                .iter()
                .enumerate()
                .filter(|(_, c)| c.pending() > 0)
                .filter_map(|(i, c)| {
                    let skew = skew_ms.get(i).copied().unwrap_or(0);
                    c.next_timeout().map(|t| t.saturating_add_signed(-skew))
                })
                .min();
            let Some(next) = next else {
                break;
            };
            self.now_ms = self.now_ms.max(next);
            for (c, client) in clients.iter_mut().enumerate() {
                let local = self
                    .now_ms
                    .saturating_add_signed(skew_ms.get(c).copied().unwrap_or(0));
                client.handle_timeout(local, rng);
            }
        }
        events
    }
}

/// What a storage RPC body asks for.
fn describe(body: &[u8], status: u16) -> Rpc {
    let req: Value = serde_json::from_slice(body).unwrap_or_default();
    let p = &req["params"];
    Rpc {
        method: req["method"].as_str().unwrap_or_default().to_owned(),
        namespace: p["namespace"].as_i64().unwrap_or(0) as i16,
        account: p["pubkey"].as_str().and_then(|s| s.parse().ok()),
        signed: p.get("signature").is_some(),
        status,
    }
}
