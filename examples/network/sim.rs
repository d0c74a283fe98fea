//! The `network` example's scenario: users running the crate's sans-io client
//! ([`session_protocol::client::Client`]) over the in-memory network of real node-side handlers
//! in `examples/support/memnet.rs`. All "I/O" is function calls; the crate stays sans-io.
//!
//! Shared by the `network` example and the `network` integration test.
//!
//! Each user is a `Client`: it bootstraps from the seed node, stores a profile in its own swarm
//! with [`Client::store_own`] (namespace 2, signed by the owner as SPEC 6.3 requires), sends
//! messages with [`Client::send_message`] (into the recipient's namespace 0, a public inbox:
//! unsigned, as deployed clients send it) and polls with [`Client::poll`]. Everything the
//! summary says about deliveries and failures comes from the clients' events; everything it
//! says about faults, requests, sizes and metadata comes from what the nodes handled
//! ([`memnet::Trace`]).
//!
//! Faults are memnet's: a faulty node misbehaves on each packet it handles with probability
//! [`memnet::MISBEHAVE_ODDS`], as a path node (requests and replies) and as a destination;
//! every injected fault ends in exactly one bucket of [`Faults`].

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

#[path = "../support/group_life.rs"]
pub mod group_life;
#[path = "group_phase.rs"]
pub mod group_phase;
#[path = "../support/memnet.rs"]
pub mod memnet;
#[path = "observe.rs"]
pub mod observe;

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::time::Instant;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use session_protocol::client::{self, Client, Event, MessageId};
use session_protocol::envelope::Content;
use session_protocol::storage::{Namespace, request};
use session_protocol::{Identity, SessionId};

#[allow(unused_imports)] // for the integration test
pub use memnet::{
    AT_HOP, CAUGHT_BY_CLIENT, CAUGHT_BY_NEXT_NODE, Faults, HARMLESS_HOP_NO, HARMLESS_UNEXPLAINED,
    MISBEHAVE_ODDS, REPLY_AT_CLIENT, REPLY_CORRUPTED_AT_DESTINATION, REPLY_CORRUPTED_ON_PATH,
    REPLY_DROPPED_ON_PATH, REQUEST_CORRUPTED_ON_PATH, REQUEST_DROPPED_AT_DESTINATION,
    REQUEST_DROPPED_ON_PATH, Timings,
};
use memnet::{MemNet, Trace};
use observe::{HopView, MetadataTally, Party};

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
    /// Attempts per request ([`client::Config::max_attempts`]).
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

/// How long profiles live (the longest a private namespace allows).
pub const PROFILE_TTL_MS: u64 = request::MAX_TTL_PRIVATE_MS;

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
    /// Every message a user sent.
    pub sent: Vec<Msg>,
    /// Messages the sender's client reported stored (`Event::MessageStored`).
    pub acknowledged: Vec<Msg>,
    /// Messages recipients' clients reported (`Event::MessageReceived`; the sender as the
    /// client verified it).
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
    /// Messages users sent.
    pub sent: usize,
    /// Message stores the senders' clients reported stored.
    pub acknowledged: usize,
    /// Profiles the owners' clients reported stored.
    pub profiles_stored: usize,
    /// Messages the recipients' clients reported received.
    pub delivered: usize,
    /// Delivered messages that match a sent one (sender, recipient and text).
    pub intact: usize,
    /// Delivered messages that match none.
    pub wrong: usize,
    /// Intact deliveries whose store the sender's client reported failed (the store took
    /// effect but every answer was lost).
    pub delivered_unacknowledged: usize,
    /// Storage requests the destinations handled (retries included), by method, namespace
    /// and whether they were signed.
    pub requests: BTreeMap<String, usize>,
    /// Onion requests the clients sent.
    pub attempts: usize,
    /// Operations the clients gave up on (`MessageFailed`, `PollFailed`), by what and why.
    pub failures: BTreeMap<String, usize>,
    /// Onion requests that did not come back answered, by how they ended.
    pub attempt_errors: BTreeMap<String, usize>,
    /// Injected faults and their fate.
    pub faults: Faults,
    /// Errors no injected fault explains (should stay empty).
    pub unexpected: BTreeMap<String, usize>,
    /// Bytes received at each position: (total, packets).
    pub bytes_per_hop: BTreeMap<&'static str, (usize, usize)>,
    /// The first message stored, with what each node of its successful path knew.
    pub sample: Option<Sample>,
    /// What the nodes of every message store knew.
    pub metadata: MetadataTally,
}

pub(crate) fn short(b: &[u8]) -> String {
    hex(&b[..4]) + "…"
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What a [`MessageId`] of one client was for.
#[derive(Debug, Clone, Copy)]
enum Op {
    Profile,
    /// Index into [`Outcome::sent`].
    Message(usize),
}

/// The network and its users.
pub struct Network {
    cfg: Config,
    /// The in-memory network (its `timings` hold every wall-clock cost).
    pub net: MemNet,
    clients: Vec<Client>,
    parties: Vec<Party>,
    rng: ChaCha20Rng,
    pub stats: Stats,
}

impl Network {
    pub fn new(cfg: Config) -> Self {
        let mut net = MemNet::spread(cfg.seed, cfg.nodes, cfg.swarms);
        net.inject_faults(cfg.drop_rate, cfg.corrupt_rate);
        let mut rng = ChaCha20Rng::seed_from_u64(cfg.seed ^ 0x5e55_1011);
        let mut config = client::Config::default();
        config.max_attempts = u32::try_from(cfg.attempts).unwrap_or(u32::MAX);
        let mut clients = Vec::with_capacity(cfg.users);
        let mut parties = Vec::with_capacity(cfg.users);
        for i in 0..cfg.users {
            let id = Identity::generate(&mut rng);
            parties.push(Party {
                name: format!("user {i}"),
                addr: memnet::device_addr(i),
                session_id: id.session_id(),
                ed25519: id.ed25519_public().to_bytes(),
            });
            clients.push(Client::new(id, config.clone(), vec![memnet::SEED]));
        }
        Self {
            cfg,
            net,
            clients,
            parties,
            rng,
            stats: Stats::default(),
        }
    }

    pub fn faulty_nodes(&self) -> (usize, usize) {
        self.net.faulty_nodes()
    }

    pub fn swarm_count(&self) -> usize {
        self.net.pool().swarms().len()
    }

    /// Wall-clock costs: the clients' API calls and the nodes' work.
    pub fn timings(&self) -> &Timings {
        &self.net.timings
    }

    /// Carries every client's requests until all are idle. In a message round, `round[c]` is
    /// the recipient of client `c`'s message, and the nodes of every attempt to store it are
    /// judged for what they could tell about its two ends.
    fn pump(&mut self, round: Option<&[usize]>) -> Vec<Vec<Event>> {
        let Self {
            net,
            clients,
            parties,
            rng,
            stats,
            ..
        } = self;
        let skew = vec![0; clients.len()];
        let mut refs: Vec<&mut Client> = clients.iter_mut().collect();
        let mut tries = vec![0usize; parties.len()];
        net.observe = round.is_some();
        let on_trace = |c: usize, trace: Trace| {
            stats.attempts += 1;
            if let Some(rpc) = &trace.rpc {
                let what = match rpc.namespace {
                    0 => " (an inbox)",
                    2 => " (profile)",
                    11 => " (group messages)",
                    12 => " (group keys)",
                    13 => " (group info)",
                    14 => " (group members)",
                    _ => "",
                };
                let signed = if rpc.signed { "signed" } else { "unsigned" };
                let key = format!(
                    "{}, namespace {}{what}, {signed}",
                    rpc.method, rpc.namespace
                );
                *stats.requests.entry(key).or_default() += 1;
            }
            let answered = trace.outcome == memnet::Outcome::Answered(200);
            if !answered {
                *stats
                    .attempt_errors
                    .entry(trace.outcome.label())
                    .or_default() += 1;
            }
            let Some(round) = round else {
                return;
            };
            // Message rounds: each client has one message in flight, to `round[c]`. A request
            // that reached its destination says what it was; one that did not is that
            // message's (the clients have no other requests in these rounds).
            let is_store = trace
                .rpc
                .as_ref()
                .is_none_or(|r| r.method == "store" && r.namespace == 0);
            if !is_store {
                return;
            }
            let (sender, recipient) = (&parties[c], &parties[round[c]]);
            if let Some(account) = trace.rpc.as_ref().and_then(|r| r.account)
                && account != recipient.session_id
            {
                *stats
                    .unexpected
                    .entry("a message store for another account".into())
                    .or_default() += 1;
            }
            let views: Vec<HopView> = trace
                .seen
                .iter()
                .map(|s| observe::judge(s, sender, recipient))
                .collect();
            stats.metadata.add_attempt(&views);
            let attempt = tries[c];
            tries[c] += 1;
            if answered {
                stats.metadata.add_success(&views);
                if stats.sample.is_none() {
                    stats.sample = Some(Sample {
                        sender: sender.name.clone(),
                        sender_address: sender.addr,
                        recipient: recipient.name.clone(),
                        attempt,
                        hops: views,
                    });
                }
            }
        };
        let events = net.run_traced(&mut refs, &skew, rng, usize::MAX, on_trace);
        net.observe = false;
        events
    }

    /// Records what the clients reported; returns how many operations ended.
    fn absorb(
        &mut self,
        events: Vec<Vec<Event>>,
        ops: &BTreeMap<(usize, MessageId), Op>,
        outcome: &mut Outcome,
        acked: &mut [bool],
        failed: &mut [bool],
    ) -> usize {
        let mut ended = 0;
        for (c, events) in events.into_iter().enumerate() {
            for e in events {
                match e {
                    Event::MessageStored { id, .. } => {
                        ended += 1;
                        match ops.get(&(c, id)) {
                            Some(Op::Profile) => self.stats.profiles_stored += 1,
                            Some(Op::Message(k)) => {
                                acked[*k] = true;
                                self.stats.acknowledged += 1;
                                outcome.acknowledged.push(outcome.sent[*k].clone());
                            }
                            None => self.unexpected("an unknown store was reported"),
                        }
                    }
                    Event::MessageFailed { id, reason } => {
                        ended += 1;
                        let what = match ops.get(&(c, id)) {
                            Some(Op::Profile) => "profile store",
                            Some(Op::Message(k)) => {
                                failed[*k] = true;
                                "message store"
                            }
                            None => "unknown store",
                        };
                        self.fail(format!("{what}: {reason:?}"));
                    }
                    Event::PollFailed {
                        namespace, reason, ..
                    } => {
                        ended += 1;
                        self.fail(format!("poll of namespace {}: {reason:?}", namespace.0));
                    }
                    Event::MessageReceived { from, content, .. } => {
                        let text = Content::from_bytes(&content)
                            .ok()
                            .and_then(|c| c.data_message)
                            .and_then(|d| d.body)
                            .unwrap_or_default();
                        outcome.received.push(Msg {
                            sender: from,
                            recipient: self.parties[c].session_id,
                            text,
                        });
                    }
                    Event::Unreadable { .. } => self.unexpected("a message did not decode"),
                    Event::Retrieved { .. } => self.unexpected("a message in another namespace"),
                    _ => {}
                }
            }
        }
        ended
    }

    fn fail(&mut self, why: String) {
        *self.stats.failures.entry(why).or_default() += 1;
    }

    fn unexpected(&mut self, why: &str) {
        *self.stats.unexpected.entry(why.into()).or_default() += 1;
    }

    /// Runs the scenario: users store a signed profile, send messages, and poll their swarm.
    /// `progress(done, total)` is called after each phase with the operations ended so far.
    pub fn run(&mut self, mut progress: impl FnMut(usize, usize)) -> Outcome {
        let users = self.cfg.users;
        let total = users * (2 + self.cfg.messages_per_user);
        let mut done = 0;
        let mut outcome = Outcome::default();
        let mut ops: BTreeMap<(usize, MessageId), Op> = BTreeMap::new();
        let (mut acked, mut failed) = (Vec::new(), Vec::new());

        // 1. Each user bootstraps from the seed and stores a profile in its own namespace 2
        //    (the client signs it: SPEC 6.3 requires the owner's signature there).
        assert!(Namespace::USER_PROFILE.store_needs_signature());
        for (c, client) in self.clients.iter_mut().enumerate() {
            let data = format!("profile {c}").into_bytes();
            let now = self.net.now_ms;
            let t = Instant::now();
            let id = client
                .store_own(
                    now,
                    Namespace::USER_PROFILE,
                    &data,
                    PROFILE_TTL_MS,
                    &mut self.rng,
                )
                .expect("a small profile");
            record(&mut self.net.timings, "Client::store_own", t);
            ops.insert((c, id), Op::Profile);
        }
        let events = self.pump(None);
        done += self.absorb(events, &ops, &mut outcome, &mut acked, &mut failed);
        progress(done, total);

        // 2. Message rounds: each user sends one message to another user per round (into the
        //    recipient's namespace 0, a public inbox, unsigned).
        assert!(!Namespace::DEFAULT.store_needs_signature());
        for k in 0..self.cfg.messages_per_user {
            let mut round = Vec::with_capacity(users);
            for c in 0..users {
                let j = (c + 1 + (self.rng.next_u32() as usize) % (users - 1)) % users;
                round.push(j);
                let text = format!("message {k} from user {c} to user {j}");
                let now = self.net.now_ms;
                let content = Content::text(&text, now).to_bytes();
                let to = self.parties[j].session_id;
                let t = Instant::now();
                let id = self.clients[c]
                    .send_message(now, &to, &content, &mut self.rng)
                    .expect("a short text to an account");
                record(&mut self.net.timings, "Client::send_message", t);
                ops.insert((c, id), Op::Message(outcome.sent.len()));
                outcome.sent.push(Msg {
                    sender: self.parties[c].session_id,
                    recipient: to,
                    text,
                });
                acked.push(false);
                failed.push(false);
                self.stats.sent += 1;
            }
            let events = self.pump(Some(&round));
            done += self.absorb(events, &ops, &mut outcome, &mut acked, &mut failed);
            progress(done, total);
        }

        // 3. Everyone polls its swarm (a signed retrieve) and decodes what it finds.
        for client in &mut self.clients {
            let now = self.net.now_ms;
            let t = Instant::now();
            client.poll(now, &mut self.rng);
            record(&mut self.net.timings, "Client::poll", t);
        }
        let events = self.pump(None);
        done += self.absorb(events, &ops, &mut outcome, &mut acked, &mut failed);
        // A poll that found its messages ends without an event of its own.
        done += self.clients.len() - self.stats.failures_of("poll");
        progress(done.min(total), total);

        // 4. Compare what arrived with what was sent.
        let mut want: BTreeMap<&Msg, Vec<usize>> = BTreeMap::new();
        for (k, m) in outcome.sent.iter().enumerate() {
            want.entry(m).or_default().push(k);
        }
        for r in &outcome.received {
            match want.get_mut(r).and_then(Vec::pop) {
                Some(k) => {
                    self.stats.intact += 1;
                    if failed[k] {
                        self.stats.delivered_unacknowledged += 1;
                    }
                }
                None => self.stats.wrong += 1,
            }
        }
        self.stats.delivered = outcome.received.len();
        // What the nodes saw.
        self.stats.faults = self.net.faults.clone();
        for (why, n) in &self.net.unexpected {
            *self.stats.unexpected.entry(why.clone()).or_default() += n;
        }
        self.stats.bytes_per_hop = self.net.bytes_per_hop.clone();
        outcome
    }
}

impl Stats {
    /// Failures whose description starts with `what`.
    fn failures_of(&self, what: &str) -> usize {
        self.failures
            .iter()
            .filter(|(k, _)| k.starts_with(what))
            .map(|(_, n)| n)
            .sum()
    }
}

fn record(timings: &mut Timings, op: &'static str, since: Instant) {
    timings.entry(op).or_default().push(since.elapsed());
}
