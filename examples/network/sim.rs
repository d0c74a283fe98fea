//! An in-memory Session network: service nodes in swarms, users with identities, onion
//! requests carrying storage RPCs, and answers passed back hop by hop. All "I/O" is function
//! calls; the crate stays sans-io.
//!
//! Shared by the `network` example and the `network` integration test.
//!
//! Signatures follow SPEC 6.3: a user's profile store (namespace 2) and every retrieve are
//! signed by the account owner. A message is stored into the *recipient's* namespace 0, a
//! public inbox: anyone may store there, the storage server checks no signature for it, and
//! the only signature it could check would be the recipient's own, which the sender cannot
//! make. Deployed clients send these stores unsigned, and so does this simulation.
//!
//! Faults: a faulty node misbehaves on each packet it handles with probability
//! [`MISBEHAVE_ODDS`]: as a path node on the request and on the reply, and as a destination
//! (a dropping destination ignores the request; a corrupting one flips a bit of the reply it
//! seals). Every injected fault ends up in exactly one bucket of [`Faults`]: dropped, caught
//! (by whom and with which error), harmless (with what it changed), or overtaken (a corrupted
//! reply that a later node dropped before anyone checked it).

// Simulation code, outside the library: the library's lints against panics, casts and indexing
// on untrusted input do not apply to a harness that owns all of its data.
#![allow(
    dead_code, // each user of this module uses a subset
    unreachable_pub,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

#[path = "observe.rs"]
pub mod observe;

use session_protocol::Ed25519Public;
use session_protocol::X25519Public;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::{Value, json};
use session_protocol::envelope::{Content, ProSignature, open_1o1, seal_1o1};
use session_protocol::onion::{
    Destination, Hop, HopCipher, NodeKeys, NodeSecret, ReplyKey, build_request, decode_relay,
    parse_entry, peel,
};
use session_protocol::storage::{Namespace, SignedRequest, message_hash};
use session_protocol::swarm::{NodePool, PathRules, ServiceNode, SwarmId, select_path};
use session_protocol::{IdPrefix, Identity, SessionId, ed25519_to_x25519, verify_ed25519};

use observe::{HopView, MetadataTally, Party, Seen};

/// Sizes, seed and faults.
#[derive(Debug, Clone)]
pub struct Config {
    pub nodes: usize,
    pub swarms: usize,
    pub users: usize,
    pub messages_per_user: usize,
    pub seed: u64,
    /// Fraction of nodes that drop packets (each with probability [`MISBEHAVE_ODDS`]).
    pub drop_rate: f64,
    /// Fraction of nodes that flip a bit in packets (each with probability
    /// [`MISBEHAVE_ODDS`]).
    pub corrupt_rate: f64,
    /// Attempts per request (each on a fresh path to a fresh swarm member).
    pub attempts: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            nodes: 1500,
            swarms: 250,
            users: 200,
            messages_per_user: 3,
            seed: 1,
            drop_rate: 0.0,
            corrupt_rate: 0.0,
            attempts: 3,
        }
    }
}

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
/// Prefix of [`Faults::caught`] keys for a corrupted reply the client could not open
/// (followed by the crate's `ResponseError`).
pub const CAUGHT_BY_CLIENT: &str = "reply rejected by the client: ";
/// The [`Faults::harmless`] key for a flip in the relay message's `hop_no`, which travels in
/// the clear between nodes and is not covered by any layer's authentication.
pub const HARMLESS_HOP_NO: &str =
    "hop_no changed (sent in the clear between nodes, not authenticated; the path still works)";
/// The [`Faults::harmless`] key for a corruption that changed nothing anyone noticed and that
/// this harness cannot explain (also reported in [`Stats::unexpected`]).
pub const HARMLESS_UNEXPLAINED: &str = "unexplained: a corrupted packet was accepted";

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

/// One message as sent or received.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Msg {
    pub sender: SessionId,
    pub recipient: SessionId,
    pub text: String,
}

/// What a run sent and what arrived.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    /// Every message a user tried to send.
    pub sent: Vec<Msg>,
    /// Messages whose store a swarm member acknowledged.
    pub acknowledged: Vec<Msg>,
    /// Messages recipients retrieved and decoded (sender as recovered by the crate).
    pub received: Vec<Msg>,
}

/// The sampled message and its successful attempt's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    pub sender: String,
    pub sender_address: Ipv4Addr,
    pub recipient: String,
    /// Which attempt succeeded (0 = the first).
    pub attempt: usize,
    pub hops: Vec<HopView>,
}

/// Counters gathered during a run: everything here is a function of the configuration and the
/// seed (wall-clock costs are kept apart in [`Network::timings`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Messages users tried to send.
    pub sent: usize,
    /// Message stores acknowledged.
    pub acknowledged: usize,
    /// Messages retrieved and decoded.
    pub delivered: usize,
    /// Delivered messages that match a sent one (sender, recipient and text).
    pub intact: usize,
    /// Delivered messages that match none.
    pub wrong: usize,
    /// Intact deliveries whose store the sender never saw acknowledged (the store took effect
    /// but every answer was lost).
    pub delivered_unacknowledged: usize,
    /// Storage requests made, by method, namespace and whether they were signed.
    pub requests: BTreeMap<&'static str, usize>,
    /// Operations that failed after all attempts, by reason.
    pub failures: BTreeMap<String, usize>,
    /// Attempts after the first.
    pub retries: usize,
    /// Why attempts failed, as the client saw it.
    pub attempt_errors: BTreeMap<String, usize>,
    /// Injected faults and their fate.
    pub faults: Faults,
    /// Errors no injected fault explains (should stay empty).
    pub unexpected: BTreeMap<String, usize>,
    /// Timed operations, by count.
    pub ops: BTreeMap<&'static str, usize>,
    /// Bytes received at each position.
    pub bytes_per_hop: BTreeMap<&'static str, Vec<usize>>,
    /// The first message stored, with what each node of its (successful) path knew.
    pub sample: Option<Sample>,
    /// What the nodes of every message store knew.
    pub metadata: MetadataTally,
}

impl Stats {
    fn fail(&mut self, why: impl Into<String>) {
        *self.failures.entry(why.into()).or_default() += 1;
    }
    fn unexpected(&mut self, why: impl Into<String>) {
        *self.unexpected.entry(why.into()).or_default() += 1;
    }
    fn inject(&mut self, kind: &'static str) {
        *self.faults.injected.entry(kind).or_default() += 1;
    }
    fn size(&mut self, at: &'static str, len: usize) {
        self.bytes_per_hop.entry(at).or_default().push(len);
    }
}

/// Wall-clock cost of each operation.
pub type Timings = BTreeMap<&'static str, Vec<Duration>>;

fn timed<T>(
    timings: &mut Timings,
    ops: &mut BTreeMap<&'static str, usize>,
    op: &'static str,
    f: impl FnOnce() -> T,
) -> T {
    let t = Instant::now();
    let out = f();
    timings.entry(op).or_default().push(t.elapsed());
    *ops.entry(op).or_default() += 1;
    out
}

struct Stored {
    hash: String,
    timestamp: u64,
    data: Vec<u8>,
}

struct Node {
    id: Identity,
    secret: NodeSecret,
    record: ServiceNode,
    /// account -> namespace -> messages
    store: HashMap<SessionId, BTreeMap<i16, Vec<Stored>>>,
    drops: bool,
    corrupts: bool,
}

pub struct Network {
    cfg: Config,
    nodes: Vec<Node>,
    by_ed: HashMap<[u8; 32], usize>,
    pool: NodePool,
    rng: ChaCha20Rng,
    now_ms: u64,
    pub stats: Stats,
    pub timings: Timings,
}

fn short(b: &[u8]) -> String {
    hex(&b[..4]) + "…"
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Labels for [`Stats::bytes_per_hop`].
pub const AT_HOP: [&str; 4] = [
    "1. request at the guard",
    "2. request at the second node",
    "3. request at the third node",
    "4. request at the destination",
];
pub const REPLY_AT_CLIENT: &str = "5. reply, passed back unchanged to the client";

/// How an attempt ended, as the client sees it.
enum ClientSaw {
    /// The guard never answered.
    Silence,
    /// The guard answered 504: a node further on went silent.
    GatewayTimeout,
    /// A node refused the packet and answered in the clear (SPEC 3.9).
    Clear(u16, &'static str),
}

impl ClientSaw {
    fn label(&self) -> String {
        match self {
            Self::Silence => "no answer from the guard (client timeout)".into(),
            Self::GatewayTimeout => "504 from the path (a node further on went silent)".into(),
            Self::Clear(status, msg) => format!("{status} \"{msg}\" from the path"),
        }
    }
}

/// One attempt's trip through the path.
struct Carried {
    result: Result<Vec<u8>, ClientSaw>,
    /// Corruptions injected into the reply that reached the client.
    reply_corruptions: usize,
    seen: Vec<Seen>,
}

/// What a node decided after peeling its layer.
enum Step {
    Forward {
        next: [u8; 32],
        out: Vec<u8>,
        hop_no: u8,
    },
    Deliver {
        body: Vec<u8>,
        reply: ReplyKey,
    },
    Refused {
        status: u16,
        error: String,
        reply: ReplyKey,
    },
    Other,
}

/// The two ends of a message whose path is being watched.
struct Watch<'a> {
    sender: &'a Party,
    recipient: &'a Party,
}

impl Network {
    pub fn new(cfg: Config) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(cfg.seed);
        let swarm_ids: Vec<u64> = (0..cfg.swarms.max(1))
            .map(|_| rng.next_u64() >> 1)
            .collect();
        let mut used_subnets = HashSet::new();
        let mut nodes = Vec::with_capacity(cfg.nodes);
        for i in 0..cfg.nodes {
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            let id = Identity::from_seed(&seed);
            // Mostly distinct /24s, some shared, as on the real network.
            let ip = loop {
                let ip = Ipv4Addr::from(
                    (rng.next_u32() & 0x00ff_ff00 | 0x0a00_0000) + 1 + (i as u32 % 2),
                );
                if used_subnets.insert(u32::from(ip) >> 8) || rng.next_u32() % 10 == 0 {
                    break ip;
                }
            };
            let swarm = SwarmId(swarm_ids[i % swarm_ids.len()]);
            let record =
                ServiceNode::new(id.ed25519_public(), ip, 443, 22020, swarm).expect("own key");
            let drops = unit(&mut rng) < cfg.drop_rate;
            let corrupts = !drops && unit(&mut rng) < cfg.corrupt_rate;
            nodes.push(Node {
                secret: NodeSecret::from_identity(&id),
                id,
                record,
                store: HashMap::new(),
                drops,
                corrupts,
            });
        }
        let pool = NodePool::new(nodes.iter().map(|n| n.record.clone()));
        let by_ed = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.ed25519_public().to_bytes(), i))
            .collect();
        Self {
            cfg,
            nodes,
            by_ed,
            pool,
            rng,
            now_ms: 1_700_000_000_000,
            stats: Stats::default(),
            timings: Timings::new(),
        }
    }

    pub fn faulty_nodes(&self) -> (usize, usize) {
        (
            self.nodes.iter().filter(|n| n.drops).count(),
            self.nodes.iter().filter(|n| n.corrupts).count(),
        )
    }

    pub fn swarm_count(&self) -> usize {
        self.pool.swarms().len()
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
        let i = (self.rng.next_u32() as usize) % buf.len();
        buf[i] ^= 1 << (self.rng.next_u32() % 8);
    }

    /// Sends `rpc` to a random member of `account`'s swarm through a fresh 3-node path.
    /// Retries on a new path and a new member after a failure.
    fn request(
        &mut self,
        client: &Party,
        account: &SessionId,
        rpc: &Value,
        watch: Option<&Watch<'_>>,
    ) -> Option<Value> {
        for attempt in 0..self.cfg.attempts {
            if attempt > 0 {
                self.stats.retries += 1;
            }
            self.now_ms += 7;
            let target = self.pool.random_member(account, &mut self.rng)?.clone();
            let rules = PathRules::new().exclude(*target.ed25519());
            let path = match select_path(self.pool.nodes(), &rules, &mut self.rng) {
                Ok(p) => p,
                Err(e) => {
                    self.stats.fail(format!("path: {e}"));
                    return None;
                }
            };
            let keys: Vec<NodeKeys> = path.iter().map(NodeKeys::from_node).collect();
            let body = serde_json::to_vec(rpc).expect("json");
            let mut rng = ChaCha20Rng::seed_from_u64(self.rng.next_u64());
            let onion = timed(
                &mut self.timings,
                &mut self.stats.ops,
                "onion build (3 hops)",
                || {
                    build_request(
                        &keys,
                        &Destination::Node(NodeKeys::from_node(&target)),
                        &body,
                        HopCipher::XChaCha20,
                        &mut rng,
                    )
                },
            );
            let onion = onion.expect("valid keys");
            let hops: Vec<usize> = path
                .iter()
                .chain([&target])
                .map(|n| self.by_ed[n.ed25519().as_bytes()])
                .collect();
            let carried = self.carry(onion.packet, &hops, client.addr, watch.is_some());
            let views: Option<Vec<HopView>> = watch.map(|w| {
                carried
                    .seen
                    .iter()
                    .map(|s| observe::judge(s, w.sender, w.recipient))
                    .collect()
            });
            if let Some(v) = &views {
                self.stats.metadata.add_attempt(v);
            }
            let why = match carried.result {
                Err(saw) => saw.label(),
                Ok(answer) => {
                    self.stats.size(REPLY_AT_CLIENT, answer.len());
                    let opened = timed(
                        &mut self.timings,
                        &mut self.stats.ops,
                        "response open",
                        || onion.response.open(&answer),
                    );
                    match opened {
                        Err(e) => {
                            if carried.reply_corruptions > 0 {
                                *self
                                    .stats
                                    .faults
                                    .caught
                                    .entry(format!("{CAUGHT_BY_CLIENT}{e}"))
                                    .or_default() += carried.reply_corruptions;
                            } else {
                                self.stats.unexpected(format!(
                                    "reply failed to open without a fault: {e}"
                                ));
                            }
                            format!("reply did not open: {e}")
                        }
                        Ok(r) => {
                            if carried.reply_corruptions > 0 {
                                *self
                                    .stats
                                    .faults
                                    .harmless
                                    .entry(HARMLESS_UNEXPLAINED)
                                    .or_default() += carried.reply_corruptions;
                                self.stats.unexpected("a corrupted reply opened");
                            }
                            if r.status != 200 {
                                // An answer from the storage server itself: retrying elsewhere
                                // would get the same one.
                                self.stats.fail(format!("status {}", r.status));
                                return None;
                            }
                            if let (Some(w), Some(v)) = (watch, views) {
                                self.stats.metadata.add_success(&v);
                                if self.stats.sample.is_none() {
                                    self.stats.sample = Some(Sample {
                                        sender: w.sender.name.clone(),
                                        sender_address: w.sender.addr,
                                        recipient: w.recipient.name.clone(),
                                        attempt,
                                        hops: v,
                                    });
                                }
                            }
                            let value = serde_json::from_slice(&r.body).ok();
                            if value.is_none() {
                                self.stats.unexpected("answer is not JSON");
                            }
                            return value;
                        }
                    }
                }
            };
            *self.stats.attempt_errors.entry(why).or_default() += 1;
        }
        None
    }

    /// Walks the packet along the path; the destination runs the RPC and seals the answer,
    /// which each path node passes back unchanged (unless it is faulty).
    fn carry(&mut self, packet: Vec<u8>, hops: &[usize], client: Ipv4Addr, watch: bool) -> Carried {
        let mut seen: Vec<Seen> = Vec::new();
        let mut bytes = packet;
        let mut from = client;
        // The hop_no a corrupting node sent with the packet now in flight.
        let mut corrupted_request: Option<u8> = None;
        let timeout = |pos: usize| {
            if pos == 0 {
                ClientSaw::Silence
            } else {
                ClientSaw::GatewayTimeout
            }
        };
        let last = hops.len() - 1;
        let mut reply: Option<(usize, Vec<u8>)> = None;
        let mut reply_corruptions = 0;
        for (pos, &n) in hops.iter().enumerate() {
            self.stats.size(AT_HOP[pos.min(3)], bytes.len());
            let role = match pos {
                0 => "guard",
                p if p == last => "destination",
                _ => "relay",
            };
            let mut view = watch.then(|| Seen {
                role,
                node: short(self.nodes[n].record.ed25519().as_bytes()),
                addr: self.nodes[n].record.ip(),
                from,
                to: None,
                bytes: vec![bytes.clone()],
            });
            let step = {
                let layer = if pos == 0 {
                    parse_entry(&mut bytes)
                } else {
                    decode_relay(&mut bytes)
                };
                layer.and_then(|layer| {
                    let got_hop_no = layer.hop_no();
                    let secret = &self.nodes[n].secret;
                    let peeled = timed(
                        &mut self.timings,
                        &mut self.stats.ops,
                        "peel (one hop)",
                        || peel(secret, layer),
                    )?;
                    let step = match peeled.hop {
                        Hop::Forward { next, relay } => Step::Forward {
                            next: next.to_bytes(),
                            out: relay.encode(),
                            hop_no: relay.hop_no(),
                        },
                        Hop::Deliver { body, reply } => Step::Deliver {
                            body: body.to_vec(),
                            reply,
                        },
                        Hop::Refused { error, reply, .. } => Step::Refused {
                            status: error.status(),
                            error: error.to_string(),
                            reply,
                        },
                        _ => Step::Other,
                    };
                    Ok((got_hop_no, step))
                })
            };
            // After peeling, the buffer holds the node's layer decrypted in place.
            if let Some(v) = view.as_mut() {
                v.bytes.push(bytes.clone());
            }
            let (got_hop_no, step) = match step {
                Err(e) => {
                    if corrupted_request.take().is_some() {
                        *self
                            .stats
                            .faults
                            .caught
                            .entry(format!("{CAUGHT_BY_NEXT_NODE}{e}"))
                            .or_default() += 1;
                    } else {
                        self.stats
                            .unexpected(format!("refused without a fault: {e}"));
                    }
                    seen.extend(view);
                    return Carried {
                        result: Err(ClientSaw::Clear(e.status(), e.message())),
                        reply_corruptions: 0,
                        seen,
                    };
                }
                Ok(s) => s,
            };
            if let Some(sent_hop_no) = corrupted_request.take() {
                if got_hop_no == sent_hop_no {
                    *self
                        .stats
                        .faults
                        .harmless
                        .entry(HARMLESS_UNEXPLAINED)
                        .or_default() += 1;
                    self.stats
                        .unexpected("a corrupted request was accepted unchanged");
                } else {
                    *self
                        .stats
                        .faults
                        .harmless
                        .entry(HARMLESS_HOP_NO)
                        .or_default() += 1;
                }
            }
            match step {
                Step::Forward {
                    next,
                    mut out,
                    hop_no,
                } => {
                    let Some(&next_n) = self.by_ed.get(&next) else {
                        self.stats.unexpected("next node not found");
                        seen.extend(view);
                        return Carried {
                            result: Err(ClientSaw::Clear(502, "Next node not found")),
                            reply_corruptions: 0,
                            seen,
                        };
                    };
                    let next_addr = self.nodes[next_n].record.ip();
                    if let Some(mut v) = view {
                        v.to = Some(next_addr);
                        seen.push(v);
                    }
                    if self.drops_now(n) {
                        self.stats.inject(REQUEST_DROPPED_ON_PATH);
                        self.stats.faults.dropped += 1;
                        return Carried {
                            result: Err(timeout(pos)),
                            reply_corruptions: 0,
                            seen,
                        };
                    }
                    if self.corrupts_now(n) {
                        self.flip(&mut out);
                        self.stats.inject(REQUEST_CORRUPTED_ON_PATH);
                        corrupted_request = Some(hop_no);
                    }
                    bytes = out;
                    from = self.nodes[n].record.ip();
                }
                Step::Deliver { body, reply: key } => {
                    if self.drops_now(n) {
                        self.stats.inject(REQUEST_DROPPED_AT_DESTINATION);
                        self.stats.faults.dropped += 1;
                        seen.extend(view);
                        return Carried {
                            result: Err(timeout(pos)),
                            reply_corruptions: 0,
                            seen,
                        };
                    }
                    let (status, answer) = self.handle_rpc(n, &body);
                    let answer = answer.to_string();
                    let mut rng = ChaCha20Rng::seed_from_u64(self.rng.next_u64());
                    let mut sealed = key.seal(status, &answer, &mut rng);
                    if self.corrupts_now(n) {
                        self.flip(&mut sealed);
                        self.stats.inject(REPLY_CORRUPTED_AT_DESTINATION);
                        reply_corruptions += 1;
                    }
                    if let Some(mut v) = view {
                        v.bytes.push(answer.into_bytes());
                        v.bytes.push(sealed.clone());
                        seen.push(v);
                    }
                    reply = Some((pos, sealed));
                    break;
                }
                Step::Refused {
                    status,
                    error,
                    reply: key,
                } => {
                    self.stats
                        .unexpected(format!("a layer that decrypted was refused: {error}"));
                    let mut rng = ChaCha20Rng::seed_from_u64(self.rng.next_u64());
                    let sealed = key.seal(status, &error, &mut rng);
                    seen.extend(view);
                    reply = Some((pos, sealed));
                    break;
                }
                Step::Other => {
                    self.stats
                        .unexpected("a node was asked to do something else");
                    seen.extend(view);
                    return Carried {
                        result: Err(timeout(pos)),
                        reply_corruptions: 0,
                        seen,
                    };
                }
            }
        }
        let Some((answered_at, mut answer)) = reply else {
            self.stats.unexpected("path ended without a destination");
            return Carried {
                result: Err(ClientSaw::Silence),
                reply_corruptions: 0,
                seen,
            };
        };
        // Back along the path: each node passes the sealed answer to whoever sent it the
        // request.
        for pos in (0..answered_at).rev() {
            let n = hops[pos];
            if let Some(v) = seen.get_mut(pos) {
                v.bytes.push(answer.clone());
            }
            if self.drops_now(n) {
                self.stats.inject(REPLY_DROPPED_ON_PATH);
                self.stats.faults.dropped += 1;
                self.stats.faults.overtaken += reply_corruptions;
                return Carried {
                    result: Err(timeout(pos)),
                    reply_corruptions: 0,
                    seen,
                };
            }
            if self.corrupts_now(n) {
                self.flip(&mut answer);
                self.stats.inject(REPLY_CORRUPTED_ON_PATH);
                reply_corruptions += 1;
            }
        }
        Carried {
            result: Ok(answer),
            reply_corruptions,
            seen,
        }
    }

    /// The storage server's side of `store` and `retrieve`, as much as a client relies on.
    fn handle_rpc(&mut self, n: usize, body: &[u8]) -> (u16, Value) {
        let Ok(req) = serde_json::from_slice::<Value>(body) else {
            return (400, json!("invalid json"));
        };
        let params = &req["params"];
        let Some(account) = params["pubkey"]
            .as_str()
            .and_then(|p| p.parse::<SessionId>().ok())
        else {
            return (400, json!("invalid pubkey"));
        };
        let my_swarm = self.nodes[n].record.swarm();
        if self.pool.swarms().assign(&account) != Some(my_swarm) {
            return (421, json!({"snodes": [], "swarm": my_swarm.to_string()}));
        }
        let ns = Namespace(params["namespace"].as_i64().unwrap_or(0) as i16);
        match req["method"].as_str() {
            Some("store") => {
                let Some(data) = params["data"]
                    .as_str()
                    .and_then(|d| Base64::decode_vec(d).ok())
                else {
                    return (400, json!("invalid data"));
                };
                let ts = params["timestamp"].as_u64().unwrap_or(0);
                if data.len() > 76_800 || ts > self.now_ms + 10_000 {
                    return (406, json!("rejected"));
                }
                if ns.store_needs_signature() {
                    let sig_ts = params["sig_timestamp"].as_u64().unwrap_or(ts);
                    let signed = SignedRequest::Store {
                        namespace: ns,
                        timestamp_ms: sig_ts,
                    };
                    if !self.signature_ok(&account, params, &signed.message()) {
                        return (401, json!("signature verification failed"));
                    }
                }
                let hash = message_hash(&account, ns, &data);
                // Replicate to every member of the swarm.
                let members: Vec<usize> = self
                    .pool
                    .members(my_swarm)
                    .iter()
                    .map(|m| self.by_ed[m.ed25519().as_bytes()])
                    .collect();
                for m in members {
                    let list = self.nodes[m]
                        .store
                        .entry(account)
                        .or_default()
                        .entry(ns.0)
                        .or_default();
                    if !list.iter().any(|s| s.hash == hash) {
                        list.push(Stored {
                            hash: hash.clone(),
                            timestamp: ts,
                            data: data.clone(),
                        });
                    }
                }
                (200, json!({"hash": hash, "t": self.now_ms}))
            }
            Some("retrieve") => {
                let ts = params["timestamp"].as_u64().unwrap_or(0);
                if ts.abs_diff(self.now_ms) > 60_000 {
                    return (406, json!("Timestamp error: check your clock"));
                }
                let signed = SignedRequest::Retrieve {
                    namespace: ns,
                    timestamp_ms: ts,
                };
                if !self.signature_ok(&account, params, &signed.message()) {
                    return (401, json!("signature verification failed"));
                }
                let msgs: Vec<Value> = self.nodes[n]
                    .store
                    .get(&account)
                    .and_then(|m| m.get(&ns.0))
                    .map(|l| l.iter().map(|s| json!({"hash": s.hash, "timestamp": s.timestamp, "data": Base64::encode_string(&s.data)})).collect())
                    .unwrap_or_default();
                (
                    200,
                    json!({"messages": msgs, "more": false, "t": self.now_ms}),
                )
            }
            _ => (400, json!("unknown method")),
        }
    }

    /// 05 accounts sign with the Ed25519 key that converts to the account key.
    fn signature_ok(&self, account: &SessionId, params: &Value, msg: &[u8]) -> bool {
        let sig: Option<[u8; 64]> = params["signature"]
            .as_str()
            .and_then(|s| Base64::decode_vec(s).ok())
            .and_then(|v| v.try_into().ok());
        let ed: Option<[u8; 32]> = params["pubkey_ed25519"]
            .as_str()
            .and_then(|h| session_protocol::parse_hex_key(h).ok());
        let (Some(sig), Some(ed)) = (sig, ed) else {
            return false;
        };
        if account.prefix() != IdPrefix::Standard
            || ed25519_to_x25519(&Ed25519Public::from_bytes(ed))
                .ok()
                .as_ref()
                != Some(&X25519Public::from_bytes(*account.key()))
        {
            return false;
        }
        verify_ed25519(&Ed25519Public::from_bytes(ed), msg, &sig).is_ok()
    }

    fn signed_params(&self, user: &Identity, req: &SignedRequest<'_>, mut params: Value) -> Value {
        let sig = req.sign(user);
        params["signature"] = json!(sig.signature_base64());
        params["pubkey_ed25519"] = json!(sig.pubkey_ed25519_hex());
        params
    }

    /// Runs the scenario: users store a signed profile, send messages, and poll their swarm.
    pub fn run(&mut self, mut progress: impl FnMut(usize, usize)) -> Outcome {
        let users: Vec<(Identity, Party)> = (0..self.cfg.users)
            .map(|i| {
                let id = Identity::generate(&mut self.rng);
                let party = Party {
                    name: format!("user {i}"),
                    // Each device on its own address in 100.64.0.0/10.
                    addr: Ipv4Addr::from(0x6440_0000 + i as u32 + 1),
                    session_id: id.session_id(),
                    ed25519: id.ed25519_public().to_bytes(),
                };
                (id, party)
            })
            .collect();
        let total = users.len() * (2 + self.cfg.messages_per_user);
        let mut done = 0;
        let mut outcome = Outcome::default();
        // 1. Each user stores a profile blob in its own namespace 2: SPEC 6.3 requires the
        //    owner's signature there.
        for (i, (u, me)) in users.iter().enumerate() {
            let ts = self.now_ms;
            let ns = Namespace::USER_PROFILE;
            assert!(ns.store_needs_signature());
            let req = SignedRequest::Store {
                namespace: ns,
                timestamp_ms: ts,
            };
            let params = self.signed_params(u, &req, json!({"pubkey": u.session_id().to_string(), "namespace": ns.0, "timestamp": ts, "ttl": 2_592_000_000u64, "data": Base64::encode_string(format!("profile {i}").as_bytes())}));
            *self
                .stats
                .requests
                .entry("store, namespace 2 (profile), signed")
                .or_default() += 1;
            let ok = self.request(
                me,
                &u.session_id(),
                &json!({"method": "store", "params": params}),
                None,
            );
            if ok.is_none() {
                self.stats.fail("profile store failed");
            }
            done += 1;
            progress(done, total);
        }
        // 2. Messages, each to another user.
        for (i, (alice, sender)) in users.iter().enumerate() {
            for k in 0..self.cfg.messages_per_user {
                let j = (i + 1 + (self.rng.next_u32() as usize) % (users.len() - 1)) % users.len();
                let (bob, recipient) = &users[j];
                let text = format!("message {k} from user {i} to user {j}");
                let sent_ms = self.now_ms;
                let mut rng = ChaCha20Rng::seed_from_u64(self.rng.next_u64());
                let content = Content::text(&text, sent_ms).to_bytes();
                let stored = timed(&mut self.timings, &mut self.stats.ops, "seal_1o1", || {
                    seal_1o1(
                        alice,
                        &bob.session_id(),
                        &content,
                        sent_ms,
                        ProSignature::Decoy,
                        &mut rng,
                    )
                })
                .expect("encode");
                // Into the recipient's inbox, namespace 0: a public inbox, stored unsigned
                // (see the module documentation).
                assert!(!Namespace::DEFAULT.store_needs_signature());
                let params = json!({"pubkey": bob.session_id().to_string(), "timestamp": sent_ms, "ttl": 1_209_600_000u64, "data": Base64::encode_string(&stored)});
                *self
                    .stats
                    .requests
                    .entry("store, namespace 0 (recipient's inbox), unsigned")
                    .or_default() += 1;
                self.stats.sent += 1;
                let msg = Msg {
                    sender: alice.session_id(),
                    recipient: bob.session_id(),
                    text,
                };
                outcome.sent.push(msg.clone());
                let watch = Watch { sender, recipient };
                let ok = self.request(
                    sender,
                    &bob.session_id(),
                    &json!({"method": "store", "params": params}),
                    Some(&watch),
                );
                if ok.is_some() {
                    self.stats.acknowledged += 1;
                    outcome.acknowledged.push(msg);
                } else {
                    self.stats.fail("store failed after retries");
                }
                done += 1;
                progress(done, total);
            }
        }
        // 3. Everyone polls its swarm with a signed retrieve and decodes what it finds.
        for (bob, me) in &users {
            let ts = self.now_ms;
            let req = SignedRequest::Retrieve {
                namespace: Namespace::DEFAULT,
                timestamp_ms: ts,
            };
            let params = self.signed_params(
                bob,
                &req,
                json!({"pubkey": bob.session_id().to_string(), "namespace": 0, "timestamp": ts}),
            );
            *self
                .stats
                .requests
                .entry("retrieve, namespace 0, signed")
                .or_default() += 1;
            let answer = self.request(
                me,
                &bob.session_id(),
                &json!({"method": "retrieve", "params": params}),
                None,
            );
            done += 1;
            progress(done, total);
            let Some(answer) = answer else {
                self.stats.fail("retrieve failed after retries");
                continue;
            };
            for m in answer["messages"].as_array().cloned().unwrap_or_default() {
                let Some(data) = m["data"].as_str().and_then(|d| Base64::decode_vec(d).ok()) else {
                    self.stats.unexpected("retrieved message without data");
                    continue;
                };
                let decoded = timed(&mut self.timings, &mut self.stats.ops, "open_1o1", || {
                    open_1o1(bob, &data)
                });
                match decoded {
                    Ok(msg) => {
                        let text = Content::from_bytes(&msg.content)
                            .ok()
                            .and_then(|c| c.data_message)
                            .and_then(|d| d.body)
                            .unwrap_or_default();
                        outcome.received.push(Msg {
                            sender: msg.sender,
                            recipient: bob.session_id(),
                            text,
                        });
                    }
                    Err(e) => self.stats.unexpected(format!("decode: {e}")),
                }
            }
        }
        // 4. Compare what arrived with what was sent (acknowledged or not: a store can take
        //    effect even when every answer to it was lost).
        let mut want: BTreeMap<&Msg, usize> = BTreeMap::new();
        for m in &outcome.sent {
            *want.entry(m).or_default() += 1;
        }
        let mut acked: BTreeMap<&Msg, usize> = BTreeMap::new();
        for m in &outcome.acknowledged {
            *acked.entry(m).or_default() += 1;
        }
        for r in &outcome.received {
            match want.get_mut(r) {
                Some(c) if *c > 0 => {
                    *c -= 1;
                    self.stats.intact += 1;
                    match acked.get_mut(r) {
                        Some(a) if *a > 0 => *a -= 1,
                        _ => self.stats.delivered_unacknowledged += 1,
                    }
                }
                _ => self.stats.wrong += 1,
            }
        }
        self.stats.delivered = outcome.received.len();
        outcome
    }
}

/// A uniform draw in [0, 1].
fn unit(rng: &mut ChaCha20Rng) -> f64 {
    f64::from(rng.next_u32()) / f64::from(u32::MAX)
}
