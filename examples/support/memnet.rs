//! An in-memory Session network for examples and tests: service nodes in swarms that peel
//! onion requests with the crate's node-side API, relay them hop by hop, run the storage RPCs
//! clients use (`store`, `retrieve`, `info`, `oxend_request`) as a storage server does (421 for
//! the wrong swarm, 406 for a bad clock, signatures checked), and a seed node that lists them.
//!
//! A [`Transmit`] from [`Client::poll_transmit`] goes to [`MemNet::deliver`], whose answer goes
//! back through `Client::handle_response` (or `handle_failure` when the node is down).
//! [`MemNet::run`] does that loop for a set of clients until they are idle.
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

use base64ct::{Base64, Encoding};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use serde_json::{Value, json};
use session_protocol::client::{Client, Endpoint, Event, Transmit};
use session_protocol::onion::{Hop, NodeSecret, decode_relay, parse_entry, peel};
use session_protocol::storage::{Namespace, SignedRequest, message_hash};
use session_protocol::swarm::{NodePool, ServiceNode, SwarmId};
use session_protocol::{Ed25519Public, IdPrefix, Identity, SessionId, verify_ed25519};

/// The seed node's address.
pub const SEED: SocketAddrV4 = SocketAddrV4::new(Ipv4Addr::new(10, 255, 255, 1), 4443);

/// One service node.
pub struct MemNode {
    pub identity: Identity,
    pub secret: NodeSecret,
    pub record: ServiceNode,
}

struct Message {
    namespace: i16,
    hash: String,
    timestamp: u64,
    expiry: u64,
    data: Vec<u8>,
}

/// The network.
pub struct MemNet {
    pub nodes: Vec<MemNode>,
    /// The nodes' clock (ms).
    pub now_ms: u64,
    /// Nodes that no longer answer.
    pub dead: BTreeSet<Ed25519Public>,
    /// Stored messages by account.
    messages: BTreeMap<SessionId, Vec<Message>>,
    /// Requests each method served, and answers by status, for summaries.
    pub served: BTreeMap<String, usize>,
    /// When set, every storage RPC is answered with this status and body (a faulty or hostile
    /// swarm); `Some((200, garbage))` with `garbage_http` sends unencrypted garbage instead.
    pub forced: Option<(u16, String)>,
    /// Answer onion requests with HTTP 200 and these bytes instead of a sealed reply.
    pub garbage_http: Option<Vec<u8>>,
    rng: ChaCha20Rng,
}

impl MemNet {
    /// `nodes` nodes in `swarms` swarms, keys and addresses drawn from `seed`.
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
            let record =
                ServiceNode::new(identity.ed25519_public(), ip, 22021, 22020, swarm).unwrap();
            list.push(MemNode {
                secret: NodeSecret::from_identity(&identity),
                identity,
                record,
            });
        }
        Self {
            nodes: list,
            now_ms: 1_700_000_000_000,
            dead: BTreeSet::new(),
            messages: BTreeMap::new(),
            served: BTreeMap::new(),
            forced: None,
            garbage_http: None,
            rng,
        }
    }

    fn pool(&self) -> NodePool {
        NodePool::new(self.nodes.iter().map(|n| n.record.clone()))
    }

    fn node_at(&self, addr: SocketAddrV4) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| n.record.ip() == *addr.ip() && n.record.https_port() == Some(addr.port()))
    }

    fn node_by_key(&self, key: &Ed25519Public) -> Option<usize> {
        self.nodes.iter().position(|n| n.record.ed25519() == key)
    }

    /// The members of `account`'s swarm as the network now has it.
    pub fn swarm_of(&self, account: &SessionId) -> Vec<Ed25519Public> {
        let pool = self.pool();
        pool.swarm_of(account)
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

    /// Carries out one HTTP request; `None` when the node contacted is down.
    pub fn deliver(&mut self, t: &Transmit) -> Option<(u16, Vec<u8>)> {
        match t.endpoint {
            Endpoint::SeedRpc => {
                *self.served.entry("seed".into()).or_default() += 1;
                if t.to != SEED {
                    return None;
                }
                let body = json!({ "result": self.node_states() });
                Some((200, serde_json::to_vec(&body).unwrap()))
            }
            Endpoint::Onion => {
                let i = self.node_at(t.to)?;
                if self.dead.contains(self.nodes[i].record.ed25519()) {
                    return None;
                }
                Some(self.onion(i, t.body.clone()))
            }
            _ => Some((404, b"Not Found".to_vec())),
        }
    }

    /// Runs an onion request from its guard `i`: peel, forward hop by hop, deliver, seal.
    fn onion(&mut self, mut i: usize, mut packet: Vec<u8>) -> (u16, Vec<u8>) {
        let mut first = true;
        loop {
            let layer = if first {
                parse_entry(&mut packet)
            } else {
                decode_relay(&mut packet)
            };
            first = false;
            let Ok(layer) = layer else {
                return (400, b"Invalid ciphertext".to_vec());
            };
            let secret = &self.nodes[i].secret;
            let Ok(peeled) = peel(secret, layer) else {
                return (400, b"Invalid ciphertext".to_vec());
            };
            match peeled.hop {
                Hop::Forward { next, relay } => {
                    let Some(j) = self.node_by_key(&next) else {
                        return (502, format!("Next node not found: {next}").into_bytes());
                    };
                    if self.dead.contains(&next) {
                        return (504, b"Request time out".to_vec());
                    }
                    packet = relay.encode();
                    i = j;
                }
                Hop::Deliver { body, reply } => {
                    if let Some(garbage) = &self.garbage_http {
                        return (200, garbage.clone());
                    }
                    let (status, text) = match &self.forced {
                        Some(forced) => forced.clone(),
                        None => self.rpc(i, body),
                    };
                    *self.served.entry(format!("status {status}")).or_default() += 1;
                    let sealed = reply.seal(status, &text, &mut self.rng);
                    return (200, sealed);
                }
                Hop::Refused { error, reply, .. } => {
                    let sealed = reply.seal(error.status(), error.message(), &mut self.rng);
                    return (200, sealed);
                }
                _ => return (400, b"unsupported".to_vec()),
            }
        }
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
            "store" | "retrieve" => {
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
                    let id = self.pool().swarm_of(&account).map(|(s, _)| s.0).unwrap_or(u64::MAX);
                    let body = json!({"snodes": snodes, "swarm": format!("{id:x}"), "t": self.now_ms, "hf": self.hf()});
                    return (421, body.to_string());
                }
                if method == "store" {
                    self.store(&account, p, &swarm)
                } else {
                    self.retrieve(&account, p)
                }
            }
            _ => (400, format!("no method {method}")),
        }
    }

    fn check_signature(&self, account: &SessionId, p: &Value, signed: &[u8]) -> bool {
        let Some(sig) = p["signature"]
            .as_str()
            .and_then(|s| Base64::decode_vec(s).ok())
            .and_then(|s| <[u8; 64]>::try_from(s).ok())
        else {
            return false;
        };
        let key = match account.prefix() {
            IdPrefix::Standard => {
                let Some(ed) = p["pubkey_ed25519"]
                    .as_str()
                    .and_then(|s| s.parse::<Ed25519Public>().ok())
                else {
                    return false;
                };
                if session_protocol::ed25519_to_x25519(&ed)
                    .ok()
                    .map(|x| x.to_bytes())
                    != Some(*account.key())
                {
                    return false;
                }
                ed
            }
            _ => Ed25519Public::from_bytes(*account.key()),
        };
        verify_ed25519(&key, signed, &sig).is_ok()
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
        if ts > self.now_ms + 10_000 || ts + ttl + 10_000 < self.now_ms {
            return (406, "Timestamp error: check your clock".into());
        }
        if ns.store_needs_signature() {
            let signed = SignedRequest::Store {
                namespace: ns,
                timestamp_ms: p["sig_timestamp"].as_u64().unwrap_or(ts),
            };
            if !self.check_signature(account, p, &signed.message()) {
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
            if !self.check_signature(account, p, &signed.message()) {
                return (401, "retrieve signature verification failed".into());
            }
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
        let mut events = vec![Vec::new(); clients.len()];
        for _ in 0..max_steps {
            let mut busy = false;
            for (c, client) in clients.iter_mut().enumerate() {
                let local = self
                    .now_ms
                    .saturating_add_signed(skew_ms.get(c).copied().unwrap_or(0));
                while let Some(t) = client.poll_transmit() {
                    busy = true;
                    match self.deliver(&t) {
                        Some((status, body)) => {
                            client.handle_response(local, t.request_id, status, &body, rng);
                        }
                        None => client.handle_failure(local, t.request_id, rng),
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
