//! An in-memory Session network: service nodes in swarms, users with identities, onion
//! requests carrying signed storage RPCs. All "I/O" is function calls; the crate stays sans-io.
//!
//! Shared by the `network` example and the `network` integration test.

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

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use base64ct::{Base64, Encoding};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::{Value, json};
use session_protocol::envelope::{Content, ProSignature, decode_envelope, encode_for_1o1};
use session_protocol::onion::{
    Destination, Hop, HopCipher, NodeKeys, NodeSecret, build_request, decode_relay, parse_entry,
    peel,
};
use session_protocol::storage::{Namespace, SignedRequest, message_hash};
use session_protocol::swarm::{NodePool, PathRules, ServiceNode, SwarmId, select_path};
use session_protocol::{IdPrefix, Identity, SessionId, ed25519_to_x25519, verify_ed25519};

/// Sizes, seed and faults.
#[derive(Debug, Clone)]
pub struct Config {
    pub nodes: usize,
    pub swarms: usize,
    pub users: usize,
    pub messages_per_user: usize,
    pub seed: u64,
    /// Fraction of nodes that silently drop what they should forward.
    pub drop_rate: f64,
    /// Fraction of nodes that flip a byte in what they forward.
    pub corrupt_rate: f64,
    /// Attempts per request (each on a fresh path).
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

/// Timings and counters gathered during a run.
#[derive(Default)]
pub struct Stats {
    pub sent: usize,
    pub delivered: usize,
    pub intact: usize,
    pub wrong: usize,
    pub failures: BTreeMap<String, usize>,
    pub retries: usize,
    pub errors_caught: BTreeMap<String, usize>,
    pub costs: BTreeMap<&'static str, Vec<Duration>>,
    /// bytes received by hop position (0 = guard, 3 = destination) and by the client
    pub bytes_per_hop: BTreeMap<String, Vec<usize>>,
    pub sample: Option<Vec<HopView>>,
}

impl Stats {
    fn time<T>(&mut self, op: &'static str, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        self.costs.entry(op).or_default().push(t.elapsed());
        out
    }
    fn fail(&mut self, why: impl Into<String>) {
        *self.failures.entry(why.into()).or_default() += 1;
    }
    fn caught(&mut self, why: impl Into<String>) {
        *self.errors_caught.entry(why.into()).or_default() += 1;
    }
}

/// What one hop of a request's path knew.
#[derive(Debug, Clone)]
pub struct HopView {
    pub role: &'static str,
    pub node: String,
    pub from: String,
    pub to: String,
    pub knows_sender: bool,
    pub knows_recipient: bool,
}

pub struct Network {
    cfg: Config,
    nodes: Vec<Node>,
    by_ed: HashMap<[u8; 32], usize>,
    pool: NodePool,
    rng: ChaCha20Rng,
    now_ms: u64,
    pub stats: Stats,
}

fn short(b: &[u8]) -> String {
    b[..4]
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect::<String>()
        + "…"
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Why one request attempt failed.
#[derive(Debug)]
enum Failure {
    Dropped,
    Refused(String),
    Status(u16),
    Response(String),
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
            let drops = (rng.next_u32() as f64 / u32::MAX as f64) < cfg.drop_rate;
            let corrupts = !drops && (rng.next_u32() as f64 / u32::MAX as f64) < cfg.corrupt_rate;
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
            .map(|(i, n)| (n.id.ed25519_public(), i))
            .collect();
        Self {
            cfg,
            nodes,
            by_ed,
            pool,
            rng,
            now_ms: 1_700_000_000_000,
            stats: Stats::default(),
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

    /// Sends `rpc` to a random member of `account`'s swarm through a fresh 3-node path.
    /// Retries on a new path and a new member after a failure.
    fn request(
        &mut self,
        who: &str,
        account: &SessionId,
        rpc: &Value,
        mut sample: Option<&mut Vec<HopView>>,
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
            let onion = self.stats.time("onion build (3 hops)", || {
                build_request(
                    &keys,
                    &Destination::Node(NodeKeys::from_node(&target)),
                    &body,
                    HopCipher::XChaCha20,
                    &mut rng,
                )
            });
            let onion = onion.expect("valid keys");
            let hops: Vec<usize> = path
                .iter()
                .chain([&target])
                .map(|n| self.by_ed[n.ed25519()])
                .collect();
            match self.carry(onion.packet, &hops, who, sample.as_deref_mut()) {
                Ok(answer) => {
                    self.stats
                        .bytes_per_hop
                        .entry("response to client".into())
                        .or_default()
                        .push(answer.len());
                    let opened = self
                        .stats
                        .time("response open", || onion.response.open(&answer));
                    match opened {
                        Ok(r) if r.status == 200 => return serde_json::from_slice(&r.body).ok(),
                        Ok(r) => {
                            self.stats.caught(format!("status {}", r.status));
                            return None;
                        }
                        Err(e) => self.stats.caught(format!("response: {e}")),
                    }
                }
                Err(Failure::Dropped) => self.stats.caught("dropped (timeout)"),
                Err(Failure::Refused(e)) => self.stats.caught(format!("refused: {e}")),
                Err(Failure::Status(s)) => self.stats.caught(format!("status {s}")),
                Err(Failure::Response(e)) => self.stats.caught(e),
            }
        }
        None
    }

    /// Walks the packet through the path; the destination runs the RPC.
    fn carry(
        &mut self,
        packet: Vec<u8>,
        hops: &[usize],
        who: &str,
        mut sample: Option<&mut Vec<HopView>>,
    ) -> Result<Vec<u8>, Failure> {
        let mut bytes = packet;
        let mut from = format!("client {who}");
        for (pos, &n) in hops.iter().enumerate() {
            self.stats
                .bytes_per_hop
                .entry(format!(
                    "hop {} ({})",
                    pos + 1,
                    if pos + 1 == hops.len() {
                        "destination"
                    } else {
                        "relay"
                    }
                ))
                .or_default()
                .push(bytes.len());
            let layer = if pos == 0 {
                parse_entry(&mut bytes)
            } else {
                decode_relay(&mut bytes)
            };
            let layer = layer.map_err(|e| Failure::Refused(e.to_string()))?;
            let node = &self.nodes[n];
            let peeled = self
                .stats
                .time("peel (one hop)", || peel(&node.secret, layer));
            let peeled = peeled.map_err(|e| Failure::Refused(e.to_string()))?;
            let me = short(node.record.ed25519());
            match peeled.hop {
                Hop::Forward { next, relay } => {
                    if let Some(s) = sample.as_deref_mut() {
                        s.push(HopView {
                            role: ["guard", "relay", "relay"][pos.min(2)],
                            node: me.clone(),
                            from: from.clone(),
                            to: short(&next),
                            knows_sender: pos == 0,
                            knows_recipient: false,
                        });
                    }
                    if node.drops {
                        return Err(Failure::Dropped);
                    }
                    let mut out = relay.encode();
                    if node.corrupts {
                        let i = (self.rng.next_u32() as usize) % out.len();
                        out[i] ^= 1 << (self.rng.next_u32() % 8);
                    }
                    bytes = out;
                    from = me;
                }
                Hop::Deliver { body, reply } => {
                    if let Some(s) = sample.as_deref_mut() {
                        s.push(HopView {
                            role: "destination",
                            node: me,
                            from: from.clone(),
                            to: "the swarm".into(),
                            knows_sender: false,
                            knows_recipient: true,
                        });
                    }
                    let body = body.to_vec();
                    let (status, answer) = self.handle_rpc(n, &body);
                    let mut rng = ChaCha20Rng::seed_from_u64(self.rng.next_u64());
                    let sealed = reply.seal(status, &answer.to_string(), &mut rng);
                    return Ok(sealed);
                }
                other => return Err(Failure::Response(format!("unexpected hop {other:?}"))),
            }
        }
        Err(Failure::Response("path ended without a destination".into()))
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
                    .map(|m| self.by_ed[m.ed25519()])
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
            || ed25519_to_x25519(&ed).ok().as_ref() != Some(account.key())
        {
            return false;
        }
        verify_ed25519(&ed, msg, &sig).is_ok()
    }

    fn signed_params(&self, user: &Identity, req: &SignedRequest<'_>, mut params: Value) -> Value {
        let sig = req.sign(user);
        params["signature"] = json!(sig.signature_base64());
        params["pubkey_ed25519"] = json!(sig.pubkey_ed25519_hex());
        params
    }

    /// Runs the scenario: users store a signed profile, send messages, and poll their swarm.
    pub fn run(
        &mut self,
        mut progress: impl FnMut(usize, usize),
    ) -> Vec<(SessionId, SessionId, String)> {
        let users: Vec<Identity> = (0..self.cfg.users)
            .map(|_| Identity::generate(&mut self.rng))
            .collect();
        let total = users.len() * (2 + self.cfg.messages_per_user);
        let mut done = 0;
        // 1. Each user stores a profile blob in its own namespace 2: a signed store.
        for (i, u) in users.iter().enumerate() {
            let ts = self.now_ms;
            let req = SignedRequest::Store {
                namespace: Namespace::USER_PROFILE,
                timestamp_ms: ts,
            };
            let params = self.signed_params(u, &req, json!({"pubkey": u.session_id().to_string(), "namespace": 2, "timestamp": ts, "ttl": 2_592_000_000u64, "data": Base64::encode_string(format!("profile {i}").as_bytes())}));
            let ok = self.request(
                &format!("user {i}"),
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
        // 2. Messages.
        let mut expected = Vec::new();
        for (i, alice) in users.iter().enumerate() {
            for k in 0..self.cfg.messages_per_user {
                let j = (self.rng.next_u32() as usize) % users.len();
                let bob = &users[j];
                let text = format!("message {k} from user {i} to user {j}");
                let sent_ms = self.now_ms;
                let mut rng = ChaCha20Rng::seed_from_u64(self.rng.next_u64());
                let content = Content::text(&text, sent_ms).to_bytes();
                let stored = self
                    .stats
                    .time("encode_for_1o1", || {
                        encode_for_1o1(
                            alice,
                            &bob.session_id(),
                            &content,
                            sent_ms,
                            ProSignature::Decoy,
                            &mut rng,
                        )
                    })
                    .expect("encode");
                // Storing into someone's inbox (namespace 0) needs no signature.
                let params = json!({"pubkey": bob.session_id().to_string(), "timestamp": sent_ms, "ttl": 1_209_600_000u64, "data": Base64::encode_string(&stored)});
                self.stats.sent += 1;
                let mut sample = (self.stats.sample.is_none()).then(Vec::new);
                let ok = self.request(
                    &format!("user {i}"),
                    &bob.session_id(),
                    &json!({"method": "store", "params": params}),
                    sample.as_mut(),
                );
                if ok.is_some() {
                    expected.push((alice.session_id(), bob.session_id(), text));
                    if let Some(s) = sample {
                        self.stats.sample = Some(s);
                    }
                } else {
                    self.stats.fail("store failed after retries");
                }
                done += 1;
                progress(done, total);
            }
        }
        // 3. Everyone polls its swarm with a signed retrieve and decodes what it finds.
        let mut received: Vec<(SessionId, SessionId, String)> = Vec::new();
        for (i, bob) in users.iter().enumerate() {
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
            let Some(answer) = self.request(
                &format!("user {i}"),
                &bob.session_id(),
                &json!({"method": "retrieve", "params": params}),
                None,
            ) else {
                self.stats.fail("retrieve failed after retries");
                continue;
            };
            for m in answer["messages"].as_array().cloned().unwrap_or_default() {
                let Some(data) = m["data"].as_str().and_then(|d| Base64::decode_vec(d).ok()) else {
                    continue;
                };
                match self
                    .stats
                    .time("decode_envelope", || decode_envelope(bob, &data))
                {
                    Ok(msg) => {
                        let text = Content::from_bytes(&msg.content)
                            .ok()
                            .and_then(|c| c.data_message)
                            .and_then(|d| d.body)
                            .unwrap_or_default();
                        received.push((msg.sender, bob.session_id(), text));
                    }
                    Err(e) => self.stats.caught(format!("decode: {e}")),
                }
            }
            done += 1;
            progress(done, total);
        }
        // 4. Compare what arrived with what was sent.
        let mut want: BTreeMap<(SessionId, SessionId, String), usize> = BTreeMap::new();
        for e in &expected {
            *want.entry(e.clone()).or_default() += 1;
        }
        for r in &received {
            match want.get_mut(r) {
                Some(c) if *c > 0 => {
                    *c -= 1;
                    self.stats.intact += 1;
                }
                _ => self.stats.wrong += 1,
            }
        }
        self.stats.delivered = received.len();
        expected
    }
}
