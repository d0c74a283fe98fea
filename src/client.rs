//! A sans-io Session client: what a client does between "I have a message" and "the swarm
//! stored it", and between "poll" and "here is a new message", as a state machine.
//!
//! [`Client`] owns the node pool, the account swarms, the onion paths, the network clock and
//! the polling state, and does no I/O: the application feeds it inputs and carries out its
//! outputs, in the style of `quinn-proto`.
//!
//! * Inputs: [`Client::send_message`], [`Client::store_own`] (a profile or config message in
//!   the account's own swarm, signed), [`Client::store_in_group`] (a message, keys or config
//!   in the swarm of a `03` group added with [`Client::add_group`], signed as its admin or as
//!   a member), [`Client::poll`], [`Client::handle_response`] (an HTTP
//!   answer to a [`Transmit`]), [`Client::handle_failure`] (the connection failed) and
//!   [`Client::handle_timeout`] (the time [`Client::next_timeout`] asked for has come).
//! * Outputs: [`Client::poll_transmit`] (an HTTP `POST` to make), [`Client::poll_event`]
//!   (a message arrived, was stored, or failed) and [`Client::next_timeout`].
//!
//! Time is always an argument (`now_ms`, milliseconds since 1970 by the local clock) and so is
//! randomness (`rng`). The client talks to seed nodes directly (`/json_rpc`) and to everything
//! else through 3-hop onion paths (`/onion_req/v2` on the path's first node).
//!
//! What it does for the application:
//! * **Node pool**: bootstraps from the seed nodes, refreshes every
//!   [`Config::pool_refresh_ms`] through an onion path, and goes back to the seeds when the
//!   pool falls below [`Config::min_pool`].
//! * **Swarms**: the account's swarm is computed from the pool as the storage servers compute
//!   it; a 421 answer replaces it with the swarm the node names, and a second 421 for the same
//!   request refreshes the pool (at most [`Config::max_wrong_swarm`] per request).
//! * **Paths**: built under [`PathRules`] (distinct /24s by default) and reused until one
//!   fails; a failed path is dropped and the nodes that may be at fault get a strike (the guard
//!   when it cannot be reached, the nodes after it when it reports a failure further on, all of
//!   them on a timeout or an unreadable answer, and a node named by a 502 `Next node not
//!   found` is struck out at once). Nodes with [`NodePool::FAILURE_LIMIT`] strikes are left out
//!   of paths and targets.
//! * **Retries**: each request is tried up to [`Config::max_attempts`] times on fresh targets
//!   and paths, with backoff `min(base·2^n, max)`.
//! * **Clock**: every answer's `t` feeds a [`NetworkClock`]; signed requests carry network
//!   time; a 406 resynchronises from an `info` answer and retries (at most
//!   [`Config::max_clock_retries`] per request).
//! * **Polling**: one `retrieve` per namespace with the last hash seen, until `more` is false,
//!   in the account's swarm and in each group's; messages are de-duplicated by hash, 1:1
//!   messages decoded and their sender verified.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::net::SocketAddrV4;

use rand_core::CryptoRng;

use crate::envelope::{self, ProSignature};
use crate::identity::{Ed25519Public, Identity, SessionId};
use crate::onion::{self, Destination, HopCipher, NodeKeys, ResponseKey};
use crate::storage::request::{self, Auth, Call, RetrieveLimits};
use crate::storage::response::{self, Status};
use crate::storage::{MemberSigner, Namespace, NetworkClock};
use crate::swarm::{
    self, Diversity, NodePool, PathRules, ServiceNode, decode_service_nodes, decode_swarm_response,
};

/// Tunables; [`Config::default`] is what the official clients do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Nodes per onion path, the guard included (the destination is one more hop).
    pub hops: usize,
    /// Path diversity.
    pub diversity: Diversity,
    /// The hop cipher.
    pub cipher: HopCipher,
    /// How long to wait for an answer.
    pub request_timeout_ms: u64,
    /// Tries per request before it fails.
    pub max_attempts: u32,
    /// Backoff after the first failure; doubled after each.
    pub backoff_base_ms: u64,
    /// Longest backoff.
    pub backoff_max_ms: u64,
    /// 421 answers one request may follow.
    pub max_wrong_swarm: u32,
    /// Clock resynchronisations one request may trigger.
    pub max_clock_retries: u32,
    /// Below this many nodes the pool is refilled from the seeds.
    pub min_pool: usize,
    /// How often the pool is refreshed from the network.
    pub pool_refresh_ms: u64,
    /// Namespaces [`Client::poll`] retrieves in the account's swarm.
    pub namespaces: Vec<Namespace>,
    /// Namespaces [`Client::poll`] retrieves in each group's swarm ([`Client::add_group`]),
    /// in this order: by default keys (12), info (13), members (14), messages (11), and -11,
    /// which members whose credential was revoked may still read (admins leave removal
    /// notices there).
    pub group_namespaces: Vec<Namespace>,
    /// Time to live of sent messages.
    pub message_ttl_ms: u64,
    /// How many message hashes per account are remembered for de-duplication.
    pub seen_capacity: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            hops: 3,
            diversity: Diversity::Subnet24,
            cipher: HopCipher::default(),
            request_timeout_ms: 15_000,
            max_attempts: 3,
            backoff_base_ms: 100,
            backoff_max_ms: 5_000,
            max_wrong_swarm: 2,
            max_clock_retries: 2,
            min_pool: 12,
            pool_refresh_ms: 2 * 60 * 60 * 1000,
            namespaces: alloc::vec![Namespace::DEFAULT],
            group_namespaces: alloc::vec![
                Namespace::GROUP_KEYS,
                Namespace::GROUP_INFO,
                Namespace::GROUP_MEMBERS,
                Namespace::GROUP_MESSAGES,
                Namespace::REVOKED_RETRIEVABLE,
            ],
            message_ttl_ms: request::MAX_TTL_PUBLIC_MS,
            seen_capacity: 10_000,
        }
    }
}

/// Identifies one HTTP request the client asked for ([`Transmit::request_id`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub u64);

/// Identifies one message given to [`Client::send_message`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId(pub u64);

/// Which HTTP endpoint a [`Transmit`] goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Endpoint {
    /// `POST /onion_req/v2` on a path's first node.
    Onion,
    /// `POST /json_rpc` on a seed node (oxend's RPC, `get_n_service_nodes`).
    SeedRpc,
}

impl Endpoint {
    /// The HTTP path.
    pub const fn path(self) -> &'static str {
        match self {
            Self::Onion => "/onion_req/v2",
            Self::SeedRpc => "/json_rpc",
        }
    }
}

/// An HTTP `POST` for the application to make. Service nodes use self-signed certificates,
/// which Session clients do not verify (the onion layers carry the security); seed nodes'
/// certificates may be pinned by the application.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Transmit {
    /// Pass it back with the answer.
    pub request_id: RequestId,
    /// Where to connect (HTTPS).
    pub to: SocketAddrV4,
    /// Which path to post to.
    pub endpoint: Endpoint,
    /// The body.
    pub body: Vec<u8>,
}

impl fmt::Debug for Transmit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transmit")
            .field("request_id", &self.request_id)
            .field("to", &self.to)
            .field("endpoint", &self.endpoint)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Why a request was given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailReason {
    /// No usable nodes: the seeds did not answer with a node list, or too few remain for a
    /// path.
    NoNodes,
    /// The swarm refused it (401/403: signature, permissions) or could not read it (400/404),
    /// with the status it gave.
    Refused(u16),
    /// Every attempt timed out or failed.
    Attempts,
    /// Nodes kept answering 421 (more than [`Config::max_wrong_swarm`]).
    WrongSwarm,
    /// Nodes kept answering 406 (more than [`Config::max_clock_retries`]).
    ClockOutOfSync,
    /// The request could not be built (an unusable recipient or node key, a message too
    /// large).
    Unbuildable,
    /// Its group was removed ([`Client::remove_group`]) before it ended.
    Cancelled,
}

/// Something the application should know.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A one-to-one message for this account arrived (once per message hash).
    MessageReceived {
        /// Its storage hash.
        hash: String,
        /// The verified sender.
        from: SessionId,
        /// The sender's timestamp (ms).
        sent_ms: u64,
        /// The decoded `Content` protobuf bytes.
        content: Vec<u8>,
    },
    /// A message in another polled namespace (configs, groups), undecoded.
    Retrieved {
        /// The account whose swarm holds it: this account, or a group.
        account: SessionId,
        /// The namespace.
        namespace: Namespace,
        /// The message as stored.
        message: response::StoredMessage,
    },
    /// A stored message in namespace 0 that did not decode or verify.
    Unreadable {
        /// Its storage hash.
        hash: String,
    },
    /// A message was stored by at least one swarm member whose signature verified.
    MessageStored {
        /// What [`Client::send_message`] returned.
        id: MessageId,
        /// The storage hash.
        hash: String,
        /// How many members confirmed it.
        confirmations: usize,
    },
    /// Subaccount tokens were revoked (or their revocation lifted) by at least one swarm member
    /// whose signature verified.
    Revoked {
        /// What [`Client::revoke_subaccounts`] returned.
        id: MessageId,
        /// The group.
        group: SessionId,
        /// Revoked or unrevoked.
        action: Revocation,
        /// How many members confirmed it.
        confirmations: usize,
    },
    /// A message could not be stored (or, for an id from [`Client::revoke_subaccounts`],
    /// the tokens could not be revoked).
    MessageFailed {
        /// What [`Client::send_message`] returned.
        id: MessageId,
        /// Why.
        reason: FailReason,
    },
    /// A poll of one namespace failed.
    PollFailed {
        /// The account polled: this account, or a group.
        account: SessionId,
        /// The namespace.
        namespace: Namespace,
        /// Why.
        reason: FailReason,
    },
    /// The node pool was (re)filled.
    PoolUpdated {
        /// How many nodes it holds.
        nodes: usize,
    },
    /// The network clock was corrected after a 406.
    ClockAdjusted {
        /// The new `server - local` offset (ms).
        offset_ms: i64,
    },
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MessageReceived {
                hash,
                from,
                sent_ms,
                content,
            } => f
                .debug_struct("MessageReceived")
                .field("hash", hash)
                .field("from", from)
                .field("sent_ms", sent_ms)
                .field("content_len", &content.len())
                .finish(),
            Self::Retrieved {
                account,
                namespace,
                message,
            } => f
                .debug_struct("Retrieved")
                .field("account", account)
                .field("namespace", namespace)
                .field("message", message)
                .finish(),
            Self::Unreadable { hash } => f.debug_struct("Unreadable").field("hash", hash).finish(),
            Self::MessageStored {
                id,
                hash,
                confirmations,
            } => f
                .debug_struct("MessageStored")
                .field("id", id)
                .field("hash", hash)
                .field("confirmations", confirmations)
                .finish(),
            Self::Revoked {
                id,
                group,
                action,
                confirmations,
            } => f
                .debug_struct("Revoked")
                .field("id", id)
                .field("group", group)
                .field("action", action)
                .field("confirmations", confirmations)
                .finish(),
            Self::MessageFailed { id, reason } => f
                .debug_struct("MessageFailed")
                .field("id", id)
                .field("reason", reason)
                .finish(),
            Self::PollFailed {
                account,
                namespace,
                reason,
            } => f
                .debug_struct("PollFailed")
                .field("account", account)
                .field("namespace", namespace)
                .field("reason", reason)
                .finish(),
            Self::PoolUpdated { nodes } => {
                f.debug_struct("PoolUpdated").field("nodes", nodes).finish()
            }
            Self::ClockAdjusted { offset_ms } => f
                .debug_struct("ClockAdjusted")
                .field("offset_ms", offset_ms)
                .finish(),
        }
    }
}

/// Why [`Client::send_message`] refused a message outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The recipient is not a `05` Session ID.
    #[error("messages go to 05 Session IDs")]
    NotAnAccount,
    /// The message could not be encrypted for the recipient (an unusable key).
    #[error("the message could not be encrypted for the recipient")]
    Encrypt,
    /// The encrypted message is larger than a swarm stores.
    #[error("the message is too large to store")]
    TooLarge,
    /// The time to live is outside what the namespace allows
    /// ([`request::ttl_range`]).
    #[error("the time to live is outside the namespace's range")]
    TtlOutOfRange,
    /// The group was not added with [`Client::add_group`].
    #[error("the group is not one this client signs for")]
    UnknownGroup,
    /// Only the group's admin (its key pair) may do this.
    #[error("only the group's admin may do this")]
    NotGroupAdmin,
    /// The member's credential does not allow this store.
    #[error("the group credential does not allow this")]
    NotPermitted,
    /// No subaccount token, or more than [`request::MAX_TOKENS`].
    #[error("between 1 and {} subaccount tokens are needed", request::MAX_TOKENS)]
    TokenCount,
}

/// What [`Client::revoke_subaccounts`] does to the tokens it names.
pub use crate::storage::Revocation;

/// The limits a store is held to before it is queued: the body size and the namespace's TTL
/// range.
fn check_store(namespace: Namespace, data: &[u8], ttl_ms: u64) -> Result<(), SendError> {
    if data.len() > request::MAX_MESSAGE_SIZE {
        return Err(SendError::TooLarge);
    }
    let (min_ms, max_ms) = request::ttl_range(namespace);
    if !(min_ms..=max_ms).contains(&ttl_ms) {
        return Err(SendError::TtlOutOfRange);
    }
    Ok(())
}

/// How the client signs requests for a group (`03`) account: as an admin, with the group's
/// key pair (from its seed), or as a member, with the credential an admin issued
/// ([`crate::config::MemberAuth::signer`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum GroupAuth {
    /// The group's own key pair.
    Admin(Identity),
    /// A member's subaccount signer.
    Member(MemberSigner),
}

impl GroupAuth {
    fn auth(&self) -> Auth<'_> {
        match self {
            Self::Admin(group) => Auth::Account(group),
            Self::Member(signer) => Auth::Member(signer),
        }
    }
}

/// What an operation is for.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// Fetch the node list from a seed.
    Bootstrap,
    /// Fetch the node list through the network.
    RefreshPool,
    /// Store a message: a 1:1 message in `to`'s namespace 0 (unsigned), or data in the
    /// account's own `namespace` (signed when the namespace requires it).
    Store {
        id: MessageId,
        to: SessionId,
        namespace: Namespace,
        ttl_ms: u64,
        data: Vec<u8>,
        hash: String,
    },
    /// Revoke (or lift the revocation of) subaccount tokens of a group we administer.
    Revoke {
        id: MessageId,
        group: SessionId,
        tokens: Vec<[u8; 36]>,
        action: Revocation,
        /// The timestamp the request was signed with, for checking the nodes' signatures.
        signed_ms: u64,
    },
    /// Retrieve the messages of an account (ours or a group's) in one namespace.
    Retrieve {
        account: SessionId,
        namespace: Namespace,
    },
    /// Read a node's clock.
    ClockSync,
}

/// A request in flight.
struct InFlight {
    request_id: RequestId,
    sent_ms: u64,
    deadline_ms: u64,
    /// The onion path's index in `paths` (none for seed requests).
    path: Option<Ed25519Public>,
    /// The destination node (none for seed requests).
    target: Option<Ed25519Public>,
    /// Opens the answer (onion requests).
    key: Option<ResponseKey>,
    /// The seed asked (seed requests).
    seed: Option<usize>,
}

struct Op {
    kind: Kind,
    attempts: u32,
    wrong_swarm: u32,
    clock_retries: u32,
    /// Not before this time.
    ready_ms: u64,
    /// Nodes that failed this operation already (not asked again).
    tried: BTreeSet<Ed25519Public>,
    /// Paths (by guard) that failed this operation already (not used for it again).
    bad_paths: BTreeSet<Ed25519Public>,
    /// For retrieves: how many pages this poll fetched before this one.
    page: u32,
    /// Held until an operation of this kind (a clock sync, a pool refresh) has finished.
    waiting_on: Option<Kind>,
    /// For pool refreshes: the node lists gathered so far, from distinct nodes.
    collected: Vec<Vec<ServiceNode>>,
    flight: Option<InFlight>,
}

impl Op {
    fn new(kind: Kind, now_ms: u64) -> Self {
        Self {
            kind,
            attempts: 0,
            wrong_swarm: 0,
            clock_retries: 0,
            ready_ms: now_ms,
            tried: BTreeSet::new(),
            bad_paths: BTreeSet::new(),
            page: 0,
            waiting_on: None,
            collected: Vec::new(),
            flight: None,
        }
    }
}

/// An onion path: its nodes, guard first.
struct Path {
    nodes: Vec<ServiceNode>,
}

/// Most answers one poll of a namespace follows while they say `more`.
pub const MAX_PAGES: u32 = 16;

/// How many nodes' lists a pool refresh intersects: a node is kept only if every one of them
/// lists it identically, so no single node can fill the pool with nodes of its choosing.
pub const REFRESH_SOURCES: usize = 3;

/// A clock sync whose answer differs from the estimate by more than this (ms) replaces the
/// estimate instead of joining it (the local clock was changed, or the samples were wrong);
/// storage servers accept signed timestamps within 60 s.
const CLOCK_RESET_MS: i64 = 30_000;

/// Which nodes of a failed path may be at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// The guard could not be reached.
    Guard,
    /// The guard answered that something after it failed.
    Beyond,
    /// No answer, or an unreadable one: any of them.
    Anywhere,
}

/// The sans-io Session client. See the [module documentation](self).
pub struct Client {
    me: Identity,
    config: Config,
    seeds: Vec<SocketAddrV4>,
    next_seed: usize,
    pool: NodePool,
    pool_refreshed_ms: Option<u64>,
    /// Swarm members named by 421 answers, by account.
    swarms: BTreeMap<SessionId, Vec<Ed25519Public>>,
    /// Node keys in the form onion layers are built with (each decoded once, not per
    /// request), for the nodes of the current pool.
    node_keys: BTreeMap<Ed25519Public, NodeKeys>,
    paths: Vec<Path>,
    clock: NetworkClock,
    ops: BTreeMap<u64, Op>,
    next_op: u64,
    next_request: u64,
    next_message: u64,
    by_request: BTreeMap<RequestId, u64>,
    last_hash: BTreeMap<(SessionId, Namespace), String>,
    groups: BTreeMap<SessionId, GroupAuth>,
    seen: BTreeSet<String>,
    seen_order: VecDeque<String>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("me", &self.me)
            .field("pool", &self.pool.len())
            .field("paths", &self.paths.len())
            .field("pending", &self.ops.len())
            .field("clock_offset_ms", &self.clock.offset_ms())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `me` that will bootstrap from `seeds` (the seed nodes' `json_rpc`
    /// addresses).
    ///
    /// Out-of-range settings are brought into range: `hops` to 1..=15, `max_attempts` and
    /// `seen_capacity` to at least 1, `message_ttl_ms` to what public inboxes accept.
    pub fn new(me: Identity, mut config: Config, seeds: Vec<SocketAddrV4>) -> Self {
        config.hops = config.hops.clamp(1, PathRules::MAX_HOPS);
        config.max_attempts = config.max_attempts.max(1);
        config.seen_capacity = config.seen_capacity.max(1);
        let (min_ttl, max_ttl) = request::ttl_range(Namespace::DEFAULT);
        config.message_ttl_ms = config.message_ttl_ms.clamp(min_ttl, max_ttl);
        Self {
            me,
            config,
            seeds,
            next_seed: 0,
            pool: NodePool::new([]),
            pool_refreshed_ms: None,
            swarms: BTreeMap::new(),
            node_keys: BTreeMap::new(),
            paths: Vec::new(),
            clock: NetworkClock::new(),
            ops: BTreeMap::new(),
            next_op: 0,
            next_request: 0,
            next_message: 0,
            by_request: BTreeMap::new(),
            last_hash: BTreeMap::new(),
            groups: BTreeMap::new(),
            seen: BTreeSet::new(),
            seen_order: VecDeque::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The account's identity.
    pub fn identity(&self) -> &Identity {
        &self.me
    }

    /// The node pool as the client knows it.
    pub fn pool(&self) -> &NodePool {
        &self.pool
    }

    /// The network clock.
    pub fn clock(&self) -> &NetworkClock {
        &self.clock
    }

    /// The onion paths in use, guard first.
    pub fn paths(&self) -> impl Iterator<Item = &[ServiceNode]> + '_ {
        self.paths.iter().map(|p| p.nodes.as_slice())
    }

    /// How many requests are waiting or in flight.
    pub fn pending(&self) -> usize {
        self.ops.len()
    }

    /// The last message hash seen in `namespace` of the account's swarm (what the next poll
    /// asks after).
    pub fn last_hash(&self, namespace: Namespace) -> Option<&str> {
        self.last_hash_in(&self.me.session_id(), namespace)
    }

    /// The last message hash seen in `namespace` of `account`'s swarm (the account's own, or a
    /// group's).
    pub fn last_hash_in(&self, account: &SessionId, namespace: Namespace) -> Option<&str> {
        self.last_hash
            .get(&(*account, namespace))
            .map(String::as_str)
    }

    /// Restores a last hash saved from an earlier run ([`Client::last_hash`]), so polling
    /// resumes after it instead of from the oldest stored message.
    ///
    /// # Errors
    /// [`request::RequestError::BadHash`] when `hash` is not a storage-server hash.
    pub fn set_last_hash(
        &mut self,
        namespace: Namespace,
        hash: &str,
    ) -> Result<(), request::RequestError> {
        let me = self.me.session_id();
        self.set_last_hash_in(&me, namespace, hash)
    }

    /// As [`Client::set_last_hash`], for `account`'s swarm ([`Client::last_hash_in`]).
    ///
    /// # Errors
    /// [`request::RequestError::BadHash`] when `hash` is not a storage-server hash.
    pub fn set_last_hash_in(
        &mut self,
        account: &SessionId,
        namespace: Namespace,
        hash: &str,
    ) -> Result<(), request::RequestError> {
        if !request::is_message_hash(hash) {
            return Err(request::RequestError::BadHash);
        }
        self.last_hash
            .insert((*account, namespace), String::from(hash));
        Ok(())
    }

    /// Signs for group `group` from now on: [`Client::poll`] retrieves its
    /// [`Config::group_namespaces`] too, and [`Client::store_in_group`] stores in its swarm.
    /// Adding a group again replaces its credential (a member promoted to admin, a new
    /// credential after a rekey).
    ///
    /// # Errors
    /// [`request::RequestError::UnsupportedAccount`] when `group` is not a `03` id;
    /// [`request::RequestError::WrongSigner`] when the admin key is not the group's, or the
    /// member signer is for another group.
    pub fn add_group(
        &mut self,
        group: SessionId,
        auth: GroupAuth,
    ) -> Result<(), request::RequestError> {
        if group.prefix() != crate::identity::IdPrefix::Group {
            return Err(request::RequestError::UnsupportedAccount);
        }
        let ok = match &auth {
            GroupAuth::Admin(id) => id.ed25519_public().as_bytes() == group.key(),
            GroupAuth::Member(signer) => *signer.group() == group,
        };
        if !ok {
            return Err(request::RequestError::WrongSigner);
        }
        self.groups.insert(group, auth);
        Ok(())
    }

    /// Stops signing for and polling `group` (the member left, or was removed), and forgets
    /// its last hashes. Its requests end: answers still on their way are ignored, stores and
    /// revocations fail with [`FailReason::Cancelled`]. Nothing happens for an id not added
    /// with [`Client::add_group`].
    pub fn remove_group(&mut self, group: &SessionId) {
        // Only a group added: never the account itself or a 1:1 recipient.
        if self.groups.remove(group).is_none() {
            return;
        }
        self.last_hash.retain(|(account, _), _| account != group);
        // Its requests end here: answers still on their way are ignored, stores and
        // revocations fail as cancelled, polls end silently.
        let mine: Vec<u64> = self
            .ops
            .iter()
            .filter(|(_, op)| self.account_of(&op.kind) == Some(*group))
            .map(|(&k, _)| k)
            .collect();
        for k in mine {
            if let Some(op) = self.ops.remove(&k) {
                if let Some(f) = &op.flight {
                    self.by_request.remove(&f.request_id);
                }
                if !matches!(op.kind, Kind::Retrieve { .. }) {
                    self.fail(op, FailReason::Cancelled);
                }
            }
        }
    }

    /// The groups added with [`Client::add_group`].
    pub fn groups(&self) -> impl Iterator<Item = &SessionId> + '_ {
        self.groups.keys()
    }

    /// The message hashes remembered for de-duplication, oldest first (at most
    /// [`Config::seen_capacity`]); save them with the last hashes to resume without
    /// redelivering.
    pub fn seen_hashes(&self) -> impl Iterator<Item = &str> + '_ {
        self.seen_order.iter().map(String::as_str)
    }

    /// Remembers `hash` as already delivered (restoring [`Client::seen_hashes`]).
    pub fn mark_seen(&mut self, hash: &str) {
        self.remember(hash);
    }

    /// Adds `hash` to the de-duplication set; false if it was there already.
    fn remember(&mut self, hash: &str) -> bool {
        if !self.seen.insert(String::from(hash)) {
            return false;
        }
        self.seen_order.push_back(String::from(hash));
        while self.seen_order.len() > self.config.seen_capacity {
            if let Some(old) = self.seen_order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }

    /// Nodes that may still be used: listed with an HTTPS port and not struck out.
    fn usable_nodes(&self) -> usize {
        self.pool
            .nodes()
            .iter()
            .filter(|n| self.pool.failures(n.ed25519()) < NodePool::FAILURE_LIMIT)
            .count()
    }

    /// Encrypts `content` (a `Content` protobuf, e.g. [`envelope::Content::text`]) for `to`
    /// and queues it for storing in `to`'s swarm. Its fate arrives as
    /// [`Event::MessageStored`] or [`Event::MessageFailed`].
    ///
    /// # Errors
    /// [`SendError`] when the message cannot be encrypted or is too large; nothing is queued.
    pub fn send_message<R: CryptoRng + ?Sized>(
        &mut self,
        now_ms: u64,
        to: &SessionId,
        content: &[u8],
        rng: &mut R,
    ) -> Result<MessageId, SendError> {
        if to.prefix() != crate::identity::IdPrefix::Standard {
            return Err(SendError::NotAnAccount);
        }
        let sent_ms = self.clock.now_ms(now_ms);
        let data = envelope::seal_1o1(&self.me, to, content, sent_ms, ProSignature::Omit, rng)
            .map_err(|_| SendError::Encrypt)?;
        if data.len() > request::MAX_MESSAGE_SIZE {
            return Err(SendError::TooLarge);
        }
        let ttl_ms = self.config.message_ttl_ms;
        Ok(self.queue_store(now_ms, *to, Namespace::DEFAULT, ttl_ms, data, rng))
    }

    /// Queues `data`, as given, for storing in the account's own swarm in `namespace`, to live
    /// `ttl_ms`: a user profile (namespace 2) or another config message the application
    /// encoded. The store is signed by the account when the namespace requires it (SPEC 6.3:
    /// every namespace not divisible by 10), with network time. Its fate arrives as
    /// [`Event::MessageStored`] or [`Event::MessageFailed`] with the returned id.
    ///
    /// # Errors
    /// [`SendError::TooLarge`] when `data` is larger than a swarm stores,
    /// [`SendError::TtlOutOfRange`] when `ttl_ms` is outside [`request::ttl_range`] for
    /// `namespace`; nothing is queued.
    pub fn store_own<R: CryptoRng + ?Sized>(
        &mut self,
        now_ms: u64,
        namespace: Namespace,
        data: &[u8],
        ttl_ms: u64,
        rng: &mut R,
    ) -> Result<MessageId, SendError> {
        check_store(namespace, data, ttl_ms)?;
        let me = self.me.session_id();
        Ok(self.queue_store(now_ms, me, namespace, ttl_ms, data.to_vec(), rng))
    }

    /// Queues `data`, as given, for storing in group `group`'s swarm in `namespace` (a group
    /// message already encrypted for the group in 11; a keys message in 12, or an info or
    /// members config in 13 and 14, whose contents only the group's key signs: the swarm
    /// takes a member's store there, readers drop it), to live `ttl_ms`, signed with the
    /// credential given to [`Client::add_group`]. Its fate arrives as
    /// [`Event::MessageStored`] or [`Event::MessageFailed`] (refused with 401 when the
    /// swarm refuses the credential, e.g. after it was revoked).
    ///
    /// # Errors
    /// [`SendError::UnknownGroup`] for a group not added; [`SendError::NotPermitted`] when a
    /// member's credential lacks the permission the store needs (write; and delete in a
    /// public outbox); otherwise as [`Client::store_own`].
    pub fn store_in_group<R: CryptoRng + ?Sized>(
        &mut self,
        now_ms: u64,
        group: &SessionId,
        namespace: Namespace,
        data: &[u8],
        ttl_ms: u64,
        rng: &mut R,
    ) -> Result<MessageId, SendError> {
        match self.groups.get(group) {
            None => return Err(SendError::UnknownGroup),
            Some(GroupAuth::Member(signer)) => {
                let needed = crate::storage::SignedRequest::Store {
                    namespace,
                    timestamp_ms: 0,
                }
                .subaccount_flags()
                .unwrap_or(crate::storage::SubaccountFlags(0xff));
                if signer.flags().0 & needed.0 != needed.0 {
                    return Err(SendError::NotPermitted);
                }
            }
            Some(GroupAuth::Admin(_)) => {}
        }
        check_store(namespace, data, ttl_ms)?;
        Ok(self.queue_store(now_ms, *group, namespace, ttl_ms, data.to_vec(), rng))
    }

    fn queue_store<R: CryptoRng + ?Sized>(
        &mut self,
        now_ms: u64,
        to: SessionId,
        namespace: Namespace,
        ttl_ms: u64,
        data: Vec<u8>,
        rng: &mut R,
    ) -> MessageId {
        let hash = crate::storage::message_hash(&to, namespace, &data);
        let id = MessageId(self.next_message);
        self.next_message = self.next_message.saturating_add(1);
        self.push_op(
            Kind::Store {
                id,
                to,
                namespace,
                ttl_ms,
                data,
                hash,
            },
            now_ms,
        );
        self.drive(now_ms, rng);
        id
    }

    /// As the admin of `group` (added with [`GroupAuth::Admin`]), revokes subaccount tokens
    /// or lifts their revocation (`action`): the swarm then refuses requests signed with them,
    /// except retrieves from namespaces such as -11. The storage server keeps an account's
    /// 50 most recent revocations. A removed member's token is [`crate::config::member_token`]. The outcome
    /// arrives as [`Event::Revoked`] or [`Event::MessageFailed`] with the returned id.
    ///
    /// # Errors
    /// [`SendError::UnknownGroup`] for a group not added, [`SendError::NotGroupAdmin`] for a
    /// group added as a member, [`SendError::TokenCount`]; nothing is queued.
    pub fn revoke_subaccounts<R: CryptoRng + ?Sized>(
        &mut self,
        now_ms: u64,
        group: &SessionId,
        tokens: &[[u8; 36]],
        action: Revocation,
        rng: &mut R,
    ) -> Result<MessageId, SendError> {
        match self.groups.get(group) {
            None => return Err(SendError::UnknownGroup),
            Some(GroupAuth::Member(_)) => return Err(SendError::NotGroupAdmin),
            Some(GroupAuth::Admin(_)) => {}
        }
        if tokens.is_empty() || tokens.len() > request::MAX_TOKENS {
            return Err(SendError::TokenCount);
        }
        let id = MessageId(self.next_message);
        self.next_message = self.next_message.saturating_add(1);
        self.push_op(
            Kind::Revoke {
                id,
                group: *group,
                tokens: tokens.to_vec(),
                action,
                signed_ms: 0,
            },
            now_ms,
        );
        self.drive(now_ms, rng);
        Ok(id)
    }

    /// Polls the account's swarm and each group's: one `retrieve` per configured namespace
    /// ([`Config::namespaces`], [`Config::group_namespaces`]) not already being polled. New
    /// messages arrive as [`Event::MessageReceived`] or [`Event::Retrieved`].
    pub fn poll<R: CryptoRng + ?Sized>(&mut self, now_ms: u64, rng: &mut R) {
        let me = self.me.session_id();
        let own = self.config.namespaces.iter().map(|&ns| (me, ns));
        let groups = self
            .groups
            .keys()
            .flat_map(|g| self.config.group_namespaces.iter().map(move |&ns| (*g, ns)));
        let wanted: Vec<(SessionId, Namespace)> = own.chain(groups).collect();
        for (account, namespace) in wanted {
            let kind = Kind::Retrieve { account, namespace };
            if !self.has_op(&kind) {
                self.push_op(kind, now_ms);
            }
        }
        self.drive(now_ms, rng);
    }

    /// The next HTTP request to make.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Client::handle_timeout`] should next be called (local ms), if anything waits.
    pub fn next_timeout(&self) -> Option<u64> {
        let refresh = self
            .pool_refreshed_ms
            .map(|t| t.saturating_add(self.config.pool_refresh_ms));
        self.ops
            .values()
            .filter_map(|op| match &op.flight {
                Some(f) => Some(f.deadline_ms),
                None if op.waiting_on.is_some() => None,
                None => Some(op.ready_ms),
            })
            .chain(refresh)
            .min()
    }

    /// Lets time pass: requests past their deadline fail (and are retried), waiting requests
    /// whose backoff is over are sent, and the pool is refreshed when due.
    pub fn handle_timeout<R: CryptoRng + ?Sized>(&mut self, now_ms: u64, rng: &mut R) {
        let expired: Vec<u64> = self
            .ops
            .iter()
            .filter(|(_, op)| op.flight.as_ref().is_some_and(|f| f.deadline_ms <= now_ms))
            .map(|(&k, _)| k)
            .collect();
        for k in expired {
            self.transport_failed(k, now_ms, false);
        }
        self.drive(now_ms, rng);
    }

    /// The HTTP request `request_id` could not be made or got no answer (connection refused,
    /// reset, TLS failure). Counts as a failure of the node contacted.
    pub fn handle_failure<R: CryptoRng + ?Sized>(
        &mut self,
        now_ms: u64,
        request_id: RequestId,
        rng: &mut R,
    ) {
        if let Some(k) = self.by_request.get(&request_id).copied() {
            self.transport_failed(k, now_ms, true);
        }
        self.drive(now_ms, rng);
    }

    /// The HTTP answer to `request_id`: its status and body. Answers to unknown or timed-out
    /// requests are ignored.
    pub fn handle_response<R: CryptoRng + ?Sized>(
        &mut self,
        now_ms: u64,
        request_id: RequestId,
        http_status: u16,
        body: &[u8],
        rng: &mut R,
    ) {
        let Some(k) = self.by_request.remove(&request_id) else {
            return;
        };
        let Some(mut op) = self.ops.remove(&k) else {
            return;
        };
        let Some(flight) = op.flight.take() else {
            self.ops.insert(k, op);
            return;
        };
        if flight.request_id != request_id {
            op.flight = Some(flight);
            self.ops.insert(k, op);
            return;
        }
        match flight.key.as_ref() {
            // A seed's direct answer.
            None => self.seed_answer(k, op, &flight, http_status, body, now_ms),
            Some(key) => {
                if http_status != 200 {
                    // The path failed before the destination: the guard's own error text.
                    self.path_error(&mut op, &flight, body);
                    self.retry(k, op, now_ms);
                } else {
                    match key.open(body) {
                        Ok(answer) => {
                            // The path and the destination worked: their strikes are forgiven.
                            self.path_worked(&flight);
                            self.answer(k, op, &flight, answer.status, &answer.body, now_ms);
                        }
                        Err(_) => {
                            // Unreadable: the destination or a hop misbehaved.
                            self.strike_path(&flight, Fault::Anywhere);
                            if let Some(t) = flight.target {
                                self.pool.record_failure(&t);
                                op.tried.insert(t);
                            }
                            self.retry(k, op, now_ms);
                        }
                    }
                }
            }
        }
        self.drive(now_ms, rng);
    }

    // ----- operations -----

    fn push_op(&mut self, kind: Kind, now_ms: u64) {
        let k = self.next_op;
        self.next_op = self.next_op.saturating_add(1);
        self.ops.insert(k, Op::new(kind, now_ms));
    }

    fn has_op(&self, want: &Kind) -> bool {
        self.ops.values().any(|op| op.kind == *want)
    }

    fn event(&mut self, e: Event) {
        self.events.push_back(e);
    }

    /// Gives up on an operation.
    fn fail(&mut self, op: Op, reason: FailReason) {
        match op.kind {
            Kind::Store { id, .. } | Kind::Revoke { id, .. } => {
                self.event(Event::MessageFailed { id, reason });
            }
            Kind::Retrieve { account, namespace } => self.event(Event::PollFailed {
                account,
                namespace,
                reason,
            }),
            Kind::Bootstrap => {}
            // What waited for it goes on (and meets its own limits).
            Kind::RefreshPool | Kind::ClockSync => self.release(&op.kind),
        }
    }

    /// Lets the operations held for a finished `kind` (clock sync, pool refresh) go on.
    fn release(&mut self, kind: &Kind) {
        for op in self.ops.values_mut() {
            if op.waiting_on.as_ref() == Some(kind) {
                op.waiting_on = None;
            }
        }
    }

    /// Holds `op` until an operation of `kind` has finished, starting one if none is pending.
    fn hold_for(&mut self, k: u64, mut op: Op, kind: Kind, now_ms: u64) {
        if !self.has_op(&kind) {
            self.push_op(kind.clone(), now_ms);
        }
        op.waiting_on = Some(kind);
        op.ready_ms = now_ms;
        self.ops.insert(k, op);
    }

    /// Schedules another attempt after backoff, or gives up.
    fn retry(&mut self, k: u64, mut op: Op, now_ms: u64) {
        op.attempts = op.attempts.saturating_add(1);
        if op.attempts >= self.config.max_attempts {
            let reason = match op.kind {
                Kind::Bootstrap => FailReason::NoNodes,
                _ => FailReason::Attempts,
            };
            if op.kind == Kind::Bootstrap {
                self.fail_waiting_for_pool();
            }
            self.fail(op, reason);
            return;
        }
        let shift = op.attempts.saturating_sub(1).min(20);
        let backoff = self
            .config
            .backoff_base_ms
            .saturating_mul(1u64 << shift)
            .min(self.config.backoff_max_ms);
        op.ready_ms = now_ms.saturating_add(backoff);
        self.ops.insert(k, op);
    }

    /// Everything waiting for nodes fails once the seeds are exhausted.
    fn fail_waiting_for_pool(&mut self) {
        if !self.pool.is_empty() {
            return;
        }
        let waiting: Vec<u64> = self
            .ops
            .iter()
            .filter(|(_, op)| op.flight.is_none() && op.kind != Kind::Bootstrap)
            .map(|(&k, _)| k)
            .collect();
        for k in waiting {
            if let Some(op) = self.ops.remove(&k) {
                self.fail(op, FailReason::NoNodes);
            }
        }
    }

    /// A request timed out, or (`unreachable`) its connection could not be made.
    fn transport_failed(&mut self, k: u64, now_ms: u64, unreachable: bool) {
        let Some(mut op) = self.ops.remove(&k) else {
            return;
        };
        let Some(flight) = op.flight.take() else {
            self.ops.insert(k, op);
            return;
        };
        self.by_request.remove(&flight.request_id);
        if let Some(seed) = flight.seed {
            self.next_seed = seed.saturating_add(1);
        }
        let fault = if unreachable {
            Fault::Guard
        } else {
            Fault::Anywhere
        };
        self.strike_path(&flight, fault);
        if let Some(guard) = flight.path {
            op.bad_paths.insert(guard);
        }
        // An unreachable guard says nothing about the destination it never reached.
        if !unreachable && let Some(t) = flight.target {
            op.tried.insert(t);
        }
        self.retry(k, op, now_ms);
    }

    /// Sends every operation that is ready.
    fn drive<R: CryptoRng + ?Sized>(&mut self, now_ms: u64, rng: &mut R) {
        // The pool: bootstrap when (nearly) empty, refresh when due.
        let pool_low = self.usable_nodes() < self.config.min_pool;
        if pool_low && !self.has_op(&Kind::Bootstrap) && !self.seeds.is_empty() {
            let waiting = self
                .ops
                .values()
                .any(|op| op.kind != Kind::Bootstrap && op.flight.is_none());
            if waiting {
                self.push_op(Kind::Bootstrap, now_ms);
            }
        }
        let refresh_due = self
            .pool_refreshed_ms
            .is_some_and(|t| now_ms >= t.saturating_add(self.config.pool_refresh_ms));
        if refresh_due {
            // Due either way (a low pool is refilled from the seeds when something waits).
            self.pool_refreshed_ms = Some(now_ms);
            if !pool_low && !self.has_op(&Kind::RefreshPool) {
                self.push_op(Kind::RefreshPool, now_ms);
            }
        }
        if self.pool.is_empty() && self.seeds.is_empty() {
            self.fail_waiting_for_pool();
        }
        let ready: Vec<u64> = self
            .ops
            .iter()
            .filter(|(_, op)| {
                op.flight.is_none() && op.waiting_on.is_none() && op.ready_ms <= now_ms
            })
            .map(|(&k, _)| k)
            .collect();
        for k in ready {
            let Some(op) = self.ops.remove(&k) else {
                continue;
            };
            self.start(k, op, now_ms, rng);
        }
    }

    /// Sends one attempt of an operation, or leaves it waiting for the pool.
    fn start<R: CryptoRng + ?Sized>(&mut self, k: u64, mut op: Op, now_ms: u64, rng: &mut R) {
        if op.kind == Kind::Bootstrap {
            let Some(seed) = self.pick_seed() else {
                self.fail(op, FailReason::NoNodes);
                return;
            };
            let id = self.request_id();
            let body = request::seed_get_service_nodes();
            let to = self.seeds.get(seed).copied();
            let Some(to) = to else {
                self.fail(op, FailReason::NoNodes);
                return;
            };
            self.transmits.push_back(Transmit {
                request_id: id,
                to,
                endpoint: Endpoint::SeedRpc,
                body,
            });
            op.flight = Some(InFlight {
                request_id: id,
                sent_ms: now_ms,
                deadline_ms: now_ms.saturating_add(self.config.request_timeout_ms),
                path: None,
                target: None,
                key: None,
                seed: Some(seed),
            });
            self.by_request.insert(id, k);
            self.ops.insert(k, op);
            return;
        }
        if self.usable_nodes() < self.config.hops.saturating_add(1) {
            // Wait for the bootstrap (which `drive` started); it fails these if it fails.
            op.ready_ms = now_ms.saturating_add(self.config.backoff_base_ms);
            if self.has_op(&Kind::Bootstrap) {
                self.ops.insert(k, op);
            } else {
                self.fail(op, FailReason::NoNodes);
            }
            return;
        }
        let Some(target) = self.pick_target(&op, rng) else {
            self.fail(op, FailReason::NoNodes);
            return;
        };
        let net_ms = self.clock.now_ms(now_ms);
        let Some(call) = self.call_for(&op.kind, net_ms) else {
            self.fail(op, FailReason::Unbuildable);
            return;
        };
        if let Kind::Revoke { signed_ms, .. } = &mut op.kind {
            // What the call was signed with, and what the nodes sign back.
            *signed_ms = net_ms;
        }
        let Some(path_key) = self.pick_path(&target, &op.bad_paths, rng) else {
            self.fail(op, FailReason::NoNodes);
            return;
        };
        let Some(path) = self.paths.iter().find(|p| path_guard(p) == Some(path_key)) else {
            self.fail(op, FailReason::NoNodes);
            return;
        };
        let path_nodes = path.nodes.clone();
        let keys: Vec<NodeKeys> = path_nodes.iter().map(|n| self.node_keys(n)).collect();
        let Some(path) = self.paths.iter().find(|p| path_guard(p) == Some(path_key)) else {
            self.fail(op, FailReason::NoNodes);
            return;
        };
        let Some(guard) = path.nodes.first() else {
            self.fail(op, FailReason::NoNodes);
            return;
        };
        // The pool holds only nodes with an HTTPS port (see `replace_pool`).
        let Some(port) = guard.https_port() else {
            self.fail(op, FailReason::NoNodes);
            return;
        };
        let guard_addr = SocketAddrV4::new(guard.ip(), port);
        let dest = Destination::Node(self.node_keys(&target));
        let built = onion::build_request(&keys, &dest, &call.to_json(), self.config.cipher, rng);
        let Ok(onion) = built else {
            self.fail(op, FailReason::Unbuildable);
            return;
        };
        let id = self.request_id();
        self.transmits.push_back(Transmit {
            request_id: id,
            to: guard_addr,
            endpoint: Endpoint::Onion,
            body: onion.packet,
        });
        op.flight = Some(InFlight {
            request_id: id,
            sent_ms: now_ms,
            deadline_ms: now_ms.saturating_add(self.config.request_timeout_ms),
            path: Some(path_key),
            target: Some(*target.ed25519()),
            key: Some(onion.response),
            seed: None,
        });
        self.by_request.insert(id, k);
        self.ops.insert(k, op);
    }

    fn request_id(&mut self) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request = self.next_request.saturating_add(1);
        id
    }

    fn pick_seed(&mut self) -> Option<usize> {
        if self.seeds.is_empty() {
            return None;
        }
        self.next_seed.checked_rem(self.seeds.len())
    }

    /// Who signs for `account`: this account's key, a group credential, or nobody.
    fn auth_for(&self, account: &SessionId) -> Option<Auth<'_>> {
        if *account == self.me.session_id() {
            Some(Auth::Account(&self.me))
        } else {
            self.groups.get(account).map(GroupAuth::auth)
        }
    }

    /// The storage RPC call for an operation, signed with network time `net_ms`.
    fn call_for(&self, kind: &Kind, net_ms: u64) -> Option<Call> {
        match kind {
            Kind::Bootstrap => None,
            Kind::RefreshPool => Some(request::get_service_nodes()),
            Kind::ClockSync => Some(request::info()),
            Kind::Store {
                to,
                namespace,
                ttl_ms,
                data,
                ..
            } => {
                // Signed only in namespaces that require it, of accounts the client signs for
                // (its own, its groups); a 1:1 message goes unsigned into the recipient's
                // public inbox.
                let auth = self
                    .auth_for(to)
                    .filter(|_| namespace.store_needs_signature());
                request::store(to, *namespace, data, *ttl_ms, net_ms, auth.as_ref()).ok()
            }
            Kind::Revoke {
                group,
                tokens,
                action,
                ..
            } => {
                let auth = self.auth_for(group)?;
                request::revocation(group, *action, tokens, net_ms, &auth).ok()
            }
            Kind::Retrieve { account, namespace } => {
                let last = self.last_hash_in(account, *namespace);
                let auth = self
                    .auth_for(account)
                    .filter(|_| namespace.retrieve_needs_signature());
                let limits = RetrieveLimits::new();
                request::retrieve(account, *namespace, last, limits, net_ms, auth.as_ref()).ok()
            }
        }
    }

    /// The account an operation talks to (its swarm), if any.
    fn account_of(&self, kind: &Kind) -> Option<SessionId> {
        match kind {
            Kind::Store { to, .. } => Some(*to),
            Kind::Retrieve { account, .. } => Some(*account),
            Kind::Revoke { group, .. } => Some(*group),
            Kind::Bootstrap | Kind::RefreshPool | Kind::ClockSync => None,
        }
    }

    /// A destination node: a member of the account's swarm not yet tried, or any pool node.
    fn pick_target<R: CryptoRng + ?Sized>(&self, op: &Op, rng: &mut R) -> Option<ServiceNode> {
        let usable = |n: &&ServiceNode| {
            !op.tried.contains(n.ed25519())
                && self.pool.failures(n.ed25519()) < NodePool::FAILURE_LIMIT
        };
        let candidates: Vec<&ServiceNode> = match self.account_of(&op.kind) {
            Some(account) => match self.swarms.get(&account) {
                Some(keys) => keys
                    .iter()
                    .filter_map(|k| self.pool.get(k))
                    .filter(usable)
                    .collect(),
                None => self
                    .pool
                    .swarm_of(&account)
                    .map(|(_, members)| members.iter().filter(usable).collect())
                    .unwrap_or_default(),
            },
            None => self.pool.nodes().iter().filter(usable).collect(),
        };
        let n = candidates.len();
        if n == 0 {
            return None;
        }
        let i = swarm::uniform_index(rng, n);
        candidates.get(i).map(|n| (*n).clone())
    }

    /// A path avoiding `target`: an existing one, or a new one.
    fn pick_path<R: CryptoRng + ?Sized>(
        &mut self,
        target: &ServiceNode,
        bad: &BTreeSet<Ed25519Public>,
        rng: &mut R,
    ) -> Option<Ed25519Public> {
        let avoids = |p: &Path| {
            path_guard(p).is_some_and(|g| !bad.contains(&g))
                && p.nodes.iter().all(|n| n.ed25519() != target.ed25519())
        };
        if let Some(p) = self.paths.iter().find(|p| avoids(p)) {
            return path_guard(p);
        }
        let in_use: Vec<Ed25519Public> = self
            .paths
            .iter()
            .flat_map(|p| p.nodes.iter().map(|n| *n.ed25519()))
            .collect();
        let base = PathRules::new()
            .hops(self.config.hops)
            .diversity(self.config.diversity)
            .destination(*target.ed25519())
            .exclude_all(bad.iter().copied())
            .failed_all(self.pool.failed(NodePool::FAILURE_LIMIT));
        // Prefer nodes not already on a path; fall back to allowing them.
        let nodes = swarm::select_path(self.pool.nodes(), &base.clone().exclude_all(in_use), rng)
            .or_else(|_| swarm::select_path(self.pool.nodes(), &base, rng))
            .ok()?;
        let path = Path { nodes };
        let guard = path_guard(&path);
        self.paths.push(path);
        guard
    }

    /// The request's path failed: it is dropped (the retry builds another) and the nodes that
    /// may be at fault get a strike: the guard alone when it could not be reached
    /// (`Fault::Guard`), the nodes after it when the guard reported a failure further on
    /// (`Fault::Beyond`), and every node when nothing came back (`Fault::Anywhere`).
    fn strike_path(&mut self, flight: &InFlight, fault: Fault) {
        let Some(guard) = flight.path else {
            return;
        };
        let Some(i) = self.paths.iter().position(|p| path_guard(p) == Some(guard)) else {
            return;
        };
        let path = self.paths.remove(i);
        let skip = usize::from(fault == Fault::Beyond);
        let take = if fault == Fault::Guard {
            1
        } else {
            path.nodes.len()
        };
        for n in path.nodes.iter().skip(skip).take(take) {
            self.pool.record_failure(n.ed25519());
        }
    }

    /// A decrypted answer came back: every node on the path and the destination did their
    /// part, so their strikes are cleared.
    fn path_worked(&mut self, flight: &InFlight) {
        let nodes: Vec<Ed25519Public> = self
            .paths
            .iter()
            .find(|p| path_guard(p) == flight.path)
            .map(|p| p.nodes.iter().map(|n| *n.ed25519()).collect())
            .unwrap_or_default();
        for n in nodes.iter().chain(flight.target.as_ref()) {
            self.pool.clear_failures(n);
        }
    }

    /// The guard answered with an error of its own (502 next node not found, 503, 504…).
    fn path_error(&mut self, op: &mut Op, flight: &InFlight, body: &[u8]) {
        if let Some(guard) = flight.path {
            op.bad_paths.insert(guard);
        }
        let text = core::str::from_utf8(body).unwrap_or_default();
        let named = text
            .strip_prefix("Next node not found: ")
            .and_then(|hex| hex.trim().parse::<Ed25519Public>().ok());
        if let Some(bad) = named {
            // That node is gone: strike it out and rebuild around it.
            for _ in 0..NodePool::FAILURE_LIMIT {
                self.pool.record_failure(&bad);
            }
            let guard = flight.path;
            self.paths
                .retain(|p| path_guard(p) != guard && p.nodes.iter().all(|n| *n.ed25519() != bad));
        } else {
            self.strike_path(flight, Fault::Beyond);
        }
    }

    // ----- answers -----

    fn seed_answer(
        &mut self,
        k: u64,
        op: Op,
        flight: &InFlight,
        status: u16,
        body: &[u8],
        now_ms: u64,
    ) {
        let enough = self.config.min_pool.max(self.config.hops.saturating_add(1));
        if status == 200
            && let Ok(list) = decode_service_nodes(body)
            && list
                .nodes
                .iter()
                .filter(|n| n.https_port().is_some())
                .count()
                >= enough
        {
            self.replace_pool(list.nodes, now_ms);
            return;
        }
        if let Some(seed) = flight.seed {
            self.next_seed = seed.saturating_add(1);
        }
        self.retry(k, op, now_ms);
    }

    fn replace_pool(&mut self, nodes: Vec<ServiceNode>, now_ms: u64) {
        // Requests go over HTTPS: a node whose HTTPS port the list does not give cannot be
        // reached (lists that carry only the QUIC port serve other transports).
        // A fresh list starts with no strikes; paths through nodes no longer listed go. Swarms
        // learned from 421 answers stay (they are newer than any list).
        let reachable = nodes.into_iter().filter(|n| n.https_port().is_some());
        self.pool = NodePool::new(reachable);
        self.node_keys.clear();
        self.paths
            .retain(|p| p.nodes.iter().all(|n| self.pool.get(n.ed25519()).is_some()));
        self.pool_refreshed_ms = Some(now_ms);
        self.release(&Kind::RefreshPool);
        let nodes = self.pool.len();
        self.event(Event::PoolUpdated { nodes });
    }

    /// The destination's answer to an onion request.
    fn answer(
        &mut self,
        k: u64,
        mut op: Op,
        flight: &InFlight,
        status: u16,
        body: &[u8],
        now_ms: u64,
    ) {
        if let Ok(meta) = response::decode_meta(body)
            && let Some(t) = meta.server_time_ms
        {
            // An unusable sample (a long round trip) leaves the estimate as it was.
            let _ = self.clock.add_sample(flight.sent_ms, now_ms, t);
        }
        match Status::of(status) {
            Status::Ok => self.success(k, op, flight, body, now_ms),
            Status::WrongSwarm => {
                op.wrong_swarm = op.wrong_swarm.saturating_add(1);
                if op.wrong_swarm > self.config.max_wrong_swarm {
                    self.fail(op, FailReason::WrongSwarm);
                    return;
                }
                // The node names the account's swarm. Only members the pool already lists are
                // taken (their records stay the pool's), so one node cannot bring in nodes of
                // its choosing.
                if let (Some(account), Ok(swarm)) =
                    (self.account_of(&op.kind), decode_swarm_response(body))
                {
                    let known: Vec<Ed25519Public> = swarm
                        .nodes
                        .iter()
                        .map(|n| *n.ed25519())
                        .filter(|k| self.pool.get(k).is_some())
                        .collect();
                    if !known.is_empty() {
                        self.swarms.insert(account, known);
                    }
                }
                if let Some(t) = flight.target {
                    op.tried.insert(t);
                }
                // A second 421 for an account's request: the pool is stale; retry once it has
                // been refreshed (a refresh that itself meets 421s only retries elsewhere).
                if op.wrong_swarm > 1 && op.kind != Kind::RefreshPool {
                    self.hold_for(k, op, Kind::RefreshPool, now_ms);
                } else {
                    op.ready_ms = now_ms;
                    self.ops.insert(k, op);
                }
            }
            Status::ClockOutOfSync => {
                op.clock_retries = op.clock_retries.saturating_add(1);
                if op.clock_retries > self.config.max_clock_retries || op.kind == Kind::ClockSync {
                    self.fail(op, FailReason::ClockOutOfSync);
                    return;
                }
                // Retry once a node's clock has been read.
                self.hold_for(k, op, Kind::ClockSync, now_ms);
            }
            Status::Refused | Status::BadRequest => self.fail(op, FailReason::Refused(status)),
            Status::NodeFailure => {
                if let Some(t) = flight.target {
                    self.pool.record_failure(&t);
                    op.tried.insert(t);
                }
                self.retry(k, op, now_ms);
            }
        }
    }

    fn success(&mut self, k: u64, mut op: Op, flight: &InFlight, body: &[u8], now_ms: u64) {
        match &op.kind {
            Kind::Store { id, hash, to, .. } => match response::decode_store(body) {
                Ok(stored) if stored.confirmations_from(hash, &self.members(to)) > 0 => {
                    let confirmations = stored.confirmations_from(hash, &self.members(to));
                    let (id, hash) = (*id, hash.clone());
                    self.event(Event::MessageStored {
                        id,
                        hash,
                        confirmations,
                    });
                }
                _ => {
                    if let Some(t) = flight.target {
                        self.pool.record_failure(&t);
                        op.tried.insert(t);
                    }
                    self.retry(k, op, now_ms);
                }
            },
            Kind::Revoke {
                id,
                group,
                tokens,
                signed_ms,
                action,
            } => {
                let members = self.members(group);
                let confirmations = response::decode_revoke(body, group, *signed_ms, tokens)
                    .map_or(0, |r| r.confirmations_from(&members));
                if confirmations > 0 {
                    let (id, group, action) = (*id, *group, *action);
                    self.event(Event::Revoked {
                        id,
                        group,
                        action,
                        confirmations,
                    });
                } else {
                    if let Some(t) = flight.target {
                        self.pool.record_failure(&t);
                        op.tried.insert(t);
                    }
                    self.retry(k, op, now_ms);
                }
            }
            Kind::Retrieve { account, namespace } => {
                let (account, namespace) = (*account, *namespace);
                match response::decode_retrieve(body) {
                    Ok(got) => {
                        let more = got.more && !got.messages.is_empty();
                        let mut forged = false;
                        for m in got.messages {
                            // The hash names the message: one that does not match its bytes
                            // is a node's forgery, neither remembered nor delivered.
                            if crate::storage::message_hash(&account, namespace, &m.data) == m.hash
                            {
                                self.deliver(account, namespace, m);
                            } else {
                                forged = true;
                            }
                        }
                        if forged && let Some(t) = flight.target {
                            for _ in 0..NodePool::FAILURE_LIMIT {
                                self.pool.record_failure(&t);
                            }
                        }
                        let page = op.page.saturating_add(1);
                        if more && page < MAX_PAGES {
                            // Fetch the rest right away, as a fresh request (a bounded number
                            // of times per poll, so a node claiming `more` forever cannot keep
                            // the client busy).
                            let k = self.next_op;
                            self.next_op = self.next_op.saturating_add(1);
                            let mut next = Op::new(Kind::Retrieve { account, namespace }, now_ms);
                            next.page = page;
                            self.ops.insert(k, next);
                        }
                    }
                    Err(_) => {
                        if let Some(t) = flight.target {
                            self.pool.record_failure(&t);
                            op.tried.insert(t);
                        }
                        self.retry(k, op, now_ms);
                    }
                }
            }
            Kind::ClockSync => {
                if let Ok(info) = response::decode_info(body)
                    && let Some(t) = info.meta.server_time_ms
                {
                    // Far from the estimate: the local clock moved (or the samples were wrong),
                    // so the estimate starts again from this answer; otherwise it joins them.
                    let mut fresh = NetworkClock::new();
                    if let Ok(offset) = fresh.add_sample(flight.sent_ms, now_ms, t) {
                        if offset.abs_diff(self.clock.offset_ms()) > CLOCK_RESET_MS.unsigned_abs() {
                            self.clock = fresh;
                        } else {
                            let _ = self.clock.add_sample(flight.sent_ms, now_ms, t);
                        }
                        let offset_ms = self.clock.offset_ms();
                        self.event(Event::ClockAdjusted { offset_ms });
                        self.release(&Kind::ClockSync);
                        return;
                    }
                }
                self.retry(k, op, now_ms);
            }
            Kind::RefreshPool => match decode_service_nodes(body) {
                Ok(list) => {
                    if let Some(t) = flight.target {
                        op.tried.insert(t);
                    }
                    op.collected.push(list.nodes);
                    if op.collected.len() < REFRESH_SOURCES {
                        // Ask another node right away.
                        op.ready_ms = now_ms;
                        self.ops.insert(k, op);
                        return;
                    }
                    let agreed = intersect(core::mem::take(&mut op.collected));
                    let usable = agreed.iter().filter(|n| n.https_port().is_some()).count();
                    if usable >= self.config.min_pool {
                        self.replace_pool(agreed, now_ms);
                    } else {
                        self.retry(k, op, now_ms);
                    }
                }
                Err(_) => self.retry(k, op, now_ms),
            },
            Kind::Bootstrap => {}
        }
    }

    /// One retrieved message: de-duplicated, remembered as the last hash, decoded.
    fn deliver(&mut self, account: SessionId, namespace: Namespace, m: response::StoredMessage) {
        self.last_hash.insert((account, namespace), m.hash.clone());
        if !self.remember(&m.hash) {
            return;
        }
        if namespace != Namespace::DEFAULT || account != self.me.session_id() {
            self.event(Event::Retrieved {
                account,
                namespace,
                message: m,
            });
            return;
        }
        match envelope::open_1o1(&self.me, &m.data) {
            Ok(msg) => self.event(Event::MessageReceived {
                hash: m.hash,
                from: msg.sender,
                sent_ms: msg.timestamp_ms,
                content: msg.content.to_vec(),
            }),
            Err(_) => self.event(Event::Unreadable { hash: m.hash }),
        }
    }
}

impl Client {
    /// `node`'s keys for building layers, decoded once per pool (the square root of turning
    /// its X25519 key into a curve point is paid the first time only).
    fn node_keys(&mut self, node: &ServiceNode) -> NodeKeys {
        *self
            .node_keys
            .entry(*node.ed25519())
            .or_insert_with(|| NodeKeys::from_node(node))
    }

    /// The members of `account`'s swarm as the client knows them (from a 421, or computed from
    /// the pool).
    fn members(&self, account: &SessionId) -> Vec<Ed25519Public> {
        match self.swarms.get(account) {
            Some(keys) => keys.clone(),
            None => self
                .pool
                .swarm_of(account)
                .map(|(_, m)| m.iter().map(|n| *n.ed25519()).collect())
                .unwrap_or_default(),
        }
    }
}

/// The records every list holds identically.
fn intersect(mut lists: Vec<Vec<ServiceNode>>) -> Vec<ServiceNode> {
    let Some(first) = lists.pop() else {
        return Vec::new();
    };
    let others: Vec<BTreeMap<Ed25519Public, &ServiceNode>> = lists
        .iter()
        .map(|l| l.iter().map(|n| (*n.ed25519(), n)).collect())
        .collect();
    first
        .into_iter()
        .filter(|n| {
            others
                .iter()
                .all(|m| m.get(n.ed25519()).is_some_and(|o| *o == n))
        })
        .collect()
}

fn path_guard(p: &Path) -> Option<Ed25519Public> {
    p.nodes.first().map(|n| *n.ed25519())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::SwarmId;
    use core::net::Ipv4Addr;

    fn node(seed: u8, port: u16) -> ServiceNode {
        let key = Identity::from_seed(&[seed; 32]).ed25519_public();
        ServiceNode::new(key, Ipv4Addr::new(10, 0, seed, 1), port, 1, SwarmId(1))
            .unwrap_or_else(|_| unreachable!("a real key"))
    }

    #[test]
    fn a_refresh_keeps_only_records_every_source_agrees_on() {
        let a = alloc::vec![node(1, 443), node(2, 443), node(3, 443)];
        // The second source lists node 2 at another port and does not list node 3; the third
        // adds a node of its own.
        let b = alloc::vec![node(1, 443), node(2, 444), node(3, 443)];
        let c = alloc::vec![node(4, 443), node(3, 443), node(1, 443), node(2, 443)];
        let kept = intersect(alloc::vec![a, b, c]);
        let keys: Vec<_> = kept.iter().map(|n| *n.ed25519()).collect();
        assert_eq!(keys, [*node(3, 443).ed25519(), *node(1, 443).ed25519()]);
        assert!(intersect(Vec::new()).is_empty());
    }
}
