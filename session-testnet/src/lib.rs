//! A local Session network: `N` service nodes on loopback addresses in one process, each with
//! its own port, TLS certificate (self-signed, as real nodes present) and keys, speaking the
//! storage server's HTTPS endpoints:
//!
//! - `POST /onion_req/v2`: an onion request from a client. The node peels its layer with
//!   `session-protocol`'s node-side API; it relays the rest to the next node over a real
//!   loopback HTTPS connection, or, at the destination, runs the storage RPC and seals the
//!   answer. Status codes and texts are the storage server's (`502 Next node not found: …`,
//!   `504 Request time out`, `413 Request body too large`, the peel errors' own).
//! - `POST /storage_rpc/v1`: the same storage RPCs unwrapped (`{"method", "params"}`), among
//!   them `get_swarm` and `oxend_request` (`get_service_nodes`).
//! - `POST /onion_req/relay`: a relayed layer from another node. Real nodes carry these over
//!   their node-to-node link (`sn.onion_request`); here it is HTTPS like the rest.
//!
//! A seed node on `127.0.0.1` answers `POST /json_rpc` `get_n_service_nodes` with every node,
//! as the real seeds do; clients bootstrap from it.
//!
//! Storage: `store` (signature, TTL and clock checks; the message is kept by every live member
//! of the account's swarm, each signing its own confirmation; data above the storage server's
//! 76,800 bytes refused with 413), `retrieve` (pages of at most [`Config::page_limit`] messages
//! and 7.8 MB of data after `last_hash`, `more` when more follow), `info`, `get_swarm`,
//! `oxend_request`. A request for an account outside the node's swarm gets `421` and the right
//! swarm; a timestamp too far from the node's clock gets `406`. Messages live in memory or,
//! with [`Config::db`], in a SQLite file. (Members are told of a store directly, in process,
//! where real nodes gossip it to each other.)
//!
//! Node `i` listens on `127.(1 + i / 256).(i % 256).1`: loopback addresses in distinct `/24`s,
//! so clients build paths under their default diversity rule. Only loopback addresses are
//! used, and a server destination (`Hop::Proxy`, a request for an outside HTTP server) is
//! refused.
//!
//! ```no_run
//! # async fn demo() -> Result<(), session_testnet::TestnetError> {
//! let mut net = session_testnet::Testnet::start(session_testnet::Config::default()).await?;
//! println!("seed node: {}", net.seed());
//! net.kill(3); // node 3 stops answering: paths through it fail and are rebuilt
//! net.shutdown().await;
//! # Ok(()) }
//! ```

mod node;
pub mod store;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};
use session_client::Https;
use session_protocol::onion::NodeSecret;
use session_protocol::swarm::{NodePool, ServiceNode, SwarmId};
use session_protocol::{Ed25519Public, Identity};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use store::{Query, Store, StoreError};

/// The largest request body a node reads (the storage server's limit).
pub const MAX_REQUEST_BODY: usize = 10 * 1024 * 1024;

/// The most nodes one testnet runs (the loopback addresses it numbers them with).
pub const MAX_NODES: usize = 254 * 256;

/// How a testnet is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Service nodes.
    pub nodes: usize,
    /// Nodes per swarm (the last swarm may have more).
    pub swarm_size: usize,
    /// Keep messages in this SQLite file instead of in memory.
    pub db: Option<PathBuf>,
    /// Draw the nodes' keys from this seed (the same keys every run), or from the OS.
    pub key_seed: Option<u64>,
    /// The seed node's port on 127.0.0.1 (0: any free port).
    pub seed_port: u16,
    /// Messages per `retrieve` page.
    pub page_limit: usize,
    /// How long a node waits for the next node when relaying.
    pub relay_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            nodes: 30,
            swarm_size: 5,
            db: None,
            key_seed: None,
            seed_port: 0,
            page_limit: 256,
            relay_timeout: Duration::from_secs(10),
        }
    }
}

impl Config {
    /// `nodes` nodes, everything else default.
    pub fn with_nodes(nodes: usize) -> Self {
        Self {
            nodes,
            ..Self::default()
        }
    }
}

/// Why a testnet did not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestnetError {
    /// `nodes` or `swarm_size` is zero, or `nodes` is above [`MAX_NODES`].
    #[error("a testnet needs 1..={max} nodes and swarms of at least one node", max = MAX_NODES)]
    Size,
    /// A listening socket could not be opened.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddrV4,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A certificate could not be made.
    #[error("certificate: {0}")]
    Certificate(String),
    /// TLS configuration.
    #[error("TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// The message store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the nodes served, counted.
#[derive(Debug, Default)]
pub struct Stats {
    /// Onion requests a node received from a client.
    pub onion_requests: AtomicU64,
    /// Layers a node relayed to the next node.
    pub relayed: AtomicU64,
    /// Storage RPCs a node answered (through onion requests or `/storage_rpc/v1`).
    pub rpcs: AtomicU64,
    /// Messages newly stored (counted once per message, not per member).
    pub stored: AtomicU64,
    /// Requests refused before any RPC ran: malformed or oversized bodies, layers that do not
    /// open, unknown next nodes, refused hops (unknown endpoints, answered 404, are not
    /// counted).
    pub refused: AtomicU64,
    /// Seed node answers.
    pub seed_requests: AtomicU64,
}

impl Stats {
    fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A counter's current value.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// One node's keys and record.
struct Node {
    identity: Identity,
    secret: NodeSecret,
    record: ServiceNode,
    /// The Ed25519 key in hex, the node's key in the store.
    key_hex: String,
}

/// What every node's handlers share.
struct Net {
    nodes: Vec<Node>,
    by_key: HashMap<Ed25519Public, usize>,
    pool: NodePool,
    /// The seed's `get_n_service_nodes` answer.
    seed_body: Vec<u8>,
    store: Store,
    https: Https,
    alive: Vec<AtomicBool>,
    /// Nodes that answer every request with garbage ([`Testnet::garble`]).
    garbled: Vec<AtomicBool>,
    stats: Arc<Stats>,
    page_limit: usize,
    /// Revoked subaccount tokens by account, shared by every node (as if propagated through
    /// the swarm at once).
    revoked: std::sync::Mutex<
        HashMap<session_protocol::SessionId, session_protocol::storage::RevocationList>,
    >,
}

/// Node `i`'s address: `127.(1 + i / 256).(i % 256).1`.
pub fn node_ip(i: usize) -> Option<Ipv4Addr> {
    if i >= MAX_NODES {
        return None;
    }
    let hi = u8::try_from(i / 256 + 1).ok()?;
    let lo = u8::try_from(i % 256).ok()?;
    Some(Ipv4Addr::new(127, hi, lo, 1))
}

/// A running testnet. Dropping it stops every node.
pub struct Testnet {
    seed: SocketAddrV4,
    net: Arc<Net>,
    node_tasks: Vec<JoinHandle<()>>,
    seed_task: JoinHandle<()>,
}

impl std::fmt::Debug for Testnet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Testnet")
            .field("seed", &self.seed)
            .field("nodes", &self.net.nodes.len())
            .finish_non_exhaustive()
    }
}

impl Testnet {
    /// Opens every node's listening socket and starts serving (on the current tokio runtime).
    ///
    /// # Errors
    /// [`TestnetError`] when the configuration is out of range or a socket, certificate or
    /// the store cannot be made.
    pub async fn start(config: Config) -> Result<Self, TestnetError> {
        if config.nodes == 0 || config.swarm_size == 0 || config.nodes > MAX_NODES {
            return Err(TestnetError::Size);
        }
        let mut rng = match config.key_seed {
            Some(seed) => ChaCha20Rng::seed_from_u64(seed),
            None => {
                let mut seed = [0u8; 32];
                session_protocol::rng::os_rng().fill_bytes(&mut seed);
                ChaCha20Rng::from_seed(seed)
            }
        };
        let swarms = u64::try_from((config.nodes / config.swarm_size).max(1)).unwrap_or(1);
        let mut listeners = Vec::with_capacity(config.nodes);
        let mut nodes = Vec::with_capacity(config.nodes);
        for i in 0..config.nodes {
            let ip = node_ip(i).ok_or(TestnetError::Size)?;
            let addr = SocketAddrV4::new(ip, 0);
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| TestnetError::Listen { addr, source })?;
            let port = listener
                .local_addr()
                .map_err(|source| TestnetError::Listen { addr, source })?
                .port();
            let mut key = [0u8; 32];
            rng.fill_bytes(&mut key);
            let identity = Identity::from_seed(&key);
            let swarm_no = u64::try_from(i).unwrap_or(0) % swarms;
            let swarm = SwarmId(swarm_no.wrapping_mul(u64::MAX / swarms));
            // The same port for HTTPS and the (unused) QUIC/OMQ port.
            let record = ServiceNode::new(identity.ed25519_public(), ip, port, port, swarm)
                .map_err(|e| TestnetError::Certificate(format!("node record: {e}")))?;
            nodes.push(Node {
                secret: NodeSecret::from_identity(&identity),
                key_hex: identity.ed25519_public().to_string(),
                identity,
                record,
            });
            listeners.push(listener);
        }
        let seed_addr = SocketAddrV4::new(Ipv4Addr::LOCALHOST, config.seed_port);
        let seed_listener =
            TcpListener::bind(seed_addr)
                .await
                .map_err(|source| TestnetError::Listen {
                    addr: seed_addr,
                    source,
                })?;
        let seed = match seed_listener.local_addr() {
            Ok(std::net::SocketAddr::V4(a)) => a,
            Ok(_) => seed_addr,
            Err(source) => {
                return Err(TestnetError::Listen {
                    addr: seed_addr,
                    source,
                });
            }
        };
        let store = match &config.db {
            Some(path) => Store::open(path)?,
            None => Store::memory(),
        };
        let pool = NodePool::new(nodes.iter().map(|n| n.record.clone()));
        let by_key = nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (*n.record.ed25519(), i))
            .collect();
        let seed_body = node::seed_answer(&nodes);
        let alive = nodes.iter().map(|_| AtomicBool::new(true)).collect();
        let garbled = nodes.iter().map(|_| AtomicBool::new(false)).collect();
        let net = Arc::new(Net {
            nodes,
            by_key,
            pool,
            seed_body,
            store,
            https: Https::new(config.relay_timeout)?,
            alive,
            garbled,
            stats: Arc::new(Stats::default()),
            page_limit: config.page_limit.max(1),
            revoked: std::sync::Mutex::new(HashMap::new()),
        });
        // Every certificate first: nothing is spawned unless everything can start.
        let acceptors = (0..listeners.len())
            .map(|_| node::tls_acceptor())
            .collect::<Result<Vec<_>, _>>()?;
        let seed_tls = node::tls_acceptor()?;
        let node_tasks = listeners
            .into_iter()
            .zip(acceptors)
            .enumerate()
            .map(|(i, (listener, tls))| {
                tokio::spawn(node::serve(
                    listener,
                    tls,
                    Arc::clone(&net),
                    node::Role::Node(i),
                ))
            })
            .collect();
        let seed_task = tokio::spawn(node::serve(
            seed_listener,
            seed_tls,
            Arc::clone(&net),
            node::Role::Seed,
        ));
        Ok(Self {
            seed,
            net,
            node_tasks,
            seed_task,
        })
    }

    /// The seed node's address (`POST /json_rpc`).
    pub fn seed(&self) -> SocketAddrV4 {
        self.seed
    }

    /// The nodes' records (keys, addresses, swarms), node `i` at index `i`.
    pub fn nodes(&self) -> Vec<ServiceNode> {
        self.net.nodes.iter().map(|n| n.record.clone()).collect()
    }

    /// The network's pool, as the seed lists it.
    pub fn pool(&self) -> &NodePool {
        &self.net.pool
    }

    /// The index of the node with this key.
    pub fn index_of(&self, key: &Ed25519Public) -> Option<usize> {
        self.net.by_key.get(key).copied()
    }

    /// Stops node `i` at once: its socket closes, connections in progress are cut, and its
    /// swarm peers report it as failed in store answers. Out of range: nothing.
    pub fn kill(&mut self, i: usize) {
        if let (Some(task), Some(alive)) = (self.node_tasks.get(i), self.net.alive.get(i)) {
            alive.store(false, Ordering::SeqCst);
            task.abort();
        }
    }

    /// Whether node `i` is running.
    pub fn is_alive(&self, i: usize) -> bool {
        self.net
            .alive
            .get(i)
            .is_some_and(|a| a.load(Ordering::SeqCst))
    }

    /// Makes node `i` answer every request with `200` and bytes that are not an answer (or
    /// behave again, with `false`): a node a client must strike and route around.
    pub fn garble(&mut self, i: usize, on: bool) {
        if let Some(g) = self.net.garbled.get(i) {
            g.store(on, Ordering::SeqCst);
        }
    }

    /// What the nodes served so far.
    pub fn stats(&self) -> &Stats {
        &self.net.stats
    }

    /// The message store.
    pub fn store(&self) -> &Store {
        &self.net.store
    }

    /// Stops every node and the seed, and waits for them to end.
    pub async fn shutdown(mut self) {
        for task in self.node_tasks.drain(..) {
            task.abort();
            let _ = task.await;
        }
        self.seed_task.abort();
        let _ = (&mut self.seed_task).await;
    }
}

impl Drop for Testnet {
    fn drop(&mut self) {
        for task in &self.node_tasks {
            task.abort();
        }
        self.seed_task.abort();
    }
}
