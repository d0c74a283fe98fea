//! A client's view of the network: nodes grouped by swarm.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::fmt;

use rand_core::CryptoRng;

use super::{ServiceNode, SwarmId, SwarmMap, uniform_index};
use crate::identity::{Ed25519Public, SessionId};

/// Service nodes grouped into swarms, one record per Ed25519 key.
///
/// Nodes are kept sorted by `(swarm, ed25519)`, so a swarm's members are one contiguous slice
/// and every query is a binary search. Nodes in no swarm ([`SwarmId::INVALID`]) are kept (they
/// can still serve in onion paths) but never hold an account.
///
/// ```
/// use std::net::Ipv4Addr;
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::Identity;
/// use session_protocol::swarm::{NodePool, ServiceNode, SwarmId};
///
/// let nodes = (1..=6u8).map(|i| {
///     let key = Identity::from_seed(&[i; 32]).ed25519_public();
///     ServiceNode::new(key, Ipv4Addr::new(10, i, 0, 1), 443, 22020, SwarmId(u64::from(i % 2) << 63))
/// });
/// let pool = NodePool::new(nodes.collect::<Result<Vec<_>, _>>()?);
/// assert_eq!(pool.swarms().len(), 2);
///
/// let bob = Identity::from_seed(&[9; 32]).session_id();
/// let mut rng = ChaCha20Rng::from_seed([1; 32]);
/// let target = pool.random_member(&bob, &mut rng).expect("two swarms");
/// assert_eq!(Some(target.swarm()), pool.swarms().assign(&bob));
/// # Ok::<(), session_protocol::swarm::NodeError>(())
/// ```
///
/// The pool also counts failed requests per node ([`NodePool::record_failure`]); nodes at a
/// limit are left out of paths through [`PathRules::failed_all`]:
///
/// ```
/// # use std::net::Ipv4Addr;
/// # use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// # use session_protocol::Identity;
/// use session_protocol::swarm::{NodePool, PathRules, ServiceNode, SwarmId, select_path};
/// # let nodes = (1..=6u8).map(|i| {
/// #     let key = Identity::from_seed(&[i; 32]).ed25519_public();
/// #     ServiceNode::new(key, Ipv4Addr::new(10, i, 0, 1), 443, 22020, SwarmId(1))
/// # });
/// # let mut pool = NodePool::new(nodes.collect::<Result<Vec<_>, _>>()?);
/// let flaky = *pool.nodes()[0].ed25519();
/// for _ in 0..NodePool::FAILURE_LIMIT {
///     pool.record_failure(&flaky);
/// }
/// let rules = PathRules::new().failed_all(pool.failed(NodePool::FAILURE_LIMIT));
/// let path = select_path(pool.nodes(), &rules, &mut ChaCha20Rng::from_seed([2; 32]))?;
/// assert!(path.iter().all(|n| *n.ed25519() != flaky));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// [`PathRules::failed_all`]: super::PathRules::failed_all
#[derive(Clone, Default)]
pub struct NodePool {
    nodes: Vec<ServiceNode>,
    swarms: SwarmMap,
    /// Failed requests per node key, only for nodes in `nodes` with at least one failure.
    failures: BTreeMap<Ed25519Public, u32>,
}

fn sort_key(n: &ServiceNode) -> (SwarmId, Ed25519Public) {
    (n.swarm(), *n.ed25519())
}

impl NodePool {
    /// A pool of `nodes`; when two records share an Ed25519 key, the later one wins.
    pub fn new(nodes: impl IntoIterator<Item = ServiceNode>) -> Self {
        let mut all: Vec<ServiceNode> = nodes.into_iter().collect();
        // Stable sort by key, keep the last record of each key, then order by swarm.
        all.sort_by_key(|n| *n.ed25519());
        let mut deduped: Vec<ServiceNode> = Vec::with_capacity(all.len());
        for n in all {
            match deduped.last_mut() {
                Some(last) if last.ed25519() == n.ed25519() => *last = n,
                _ => deduped.push(n),
            }
        }
        deduped.sort_unstable_by_key(sort_key);
        let mut pool = Self {
            nodes: deduped,
            swarms: SwarmMap::default(),
            failures: BTreeMap::new(),
        };
        pool.rebuild_swarms();
        pool
    }

    fn rebuild_swarms(&mut self) {
        self.swarms = SwarmMap::new(self.nodes.iter().map(ServiceNode::swarm));
    }

    /// Every node, ordered by swarm then key.
    pub fn nodes(&self) -> &[ServiceNode] {
        &self.nodes
    }

    /// How many nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the pool is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The swarms that have at least one member.
    pub fn swarms(&self) -> &SwarmMap {
        &self.swarms
    }

    /// The node with this Ed25519 key.
    pub fn get(&self, ed25519: &Ed25519Public) -> Option<&ServiceNode> {
        self.nodes.iter().find(|n| n.ed25519() == ed25519)
    }

    /// The members of swarm `id` (empty for unknown swarms).
    pub fn members(&self, id: SwarmId) -> &[ServiceNode] {
        let start = self.nodes.partition_point(|n| n.swarm() < id);
        let end = self.nodes.partition_point(|n| n.swarm() <= id);
        self.nodes.get(start..end).unwrap_or_default()
    }

    /// The swarm holding `account`'s messages and its members.
    pub fn swarm_of(&self, account: &SessionId) -> Option<(SwarmId, &[ServiceNode])> {
        let id = self.swarms.assign(account)?;
        Some((id, self.members(id)))
    }

    /// A uniformly random member of `account`'s swarm, as clients pick where to store and
    /// retrieve. `None` when there are no swarms.
    pub fn random_member<R: CryptoRng + ?Sized>(
        &self,
        account: &SessionId,
        rng: &mut R,
    ) -> Option<&ServiceNode> {
        let (_, members) = self.swarm_of(account)?;
        members.get(uniform_index(rng, members.len()))
    }

    /// Adds a node, or replaces the record with the same Ed25519 key (a node that moved swarm
    /// or changed address). Returns the record it replaced.
    pub fn upsert(&mut self, node: ServiceNode) -> Option<ServiceNode> {
        let old = self.take(node.ed25519());
        let at = self
            .nodes
            .partition_point(|n| sort_key(n) < sort_key(&node));
        self.nodes.insert(at, node);
        self.rebuild_swarms();
        old
    }

    /// Removes the node with this key (it left the network), and forgets its failures.
    /// Returns its record.
    pub fn remove(&mut self, ed25519: &Ed25519Public) -> Option<ServiceNode> {
        let old = self.take(ed25519);
        if old.is_some() {
            self.failures.remove(ed25519);
            self.rebuild_swarms();
        }
        old
    }

    /// Failures after which libsession stops using a node for paths.
    pub const FAILURE_LIMIT: u32 = 3;

    /// Counts a failed request through this node (a node that moved or changed address keeps
    /// its count). Returns its failures so far, or `None` (and counts nothing) when no node
    /// has this key.
    pub fn record_failure(&mut self, ed25519: &Ed25519Public) -> Option<u32> {
        self.get(ed25519)?;
        let count = self.failures.entry(*ed25519).or_insert(0);
        *count = count.saturating_add(1);
        Some(*count)
    }

    /// Forgets this node's failures (a request through it succeeded).
    pub fn clear_failures(&mut self, ed25519: &Ed25519Public) {
        self.failures.remove(ed25519);
    }

    /// Failed requests counted for this node (0 for unknown nodes).
    pub fn failures(&self, ed25519: &Ed25519Public) -> u32 {
        self.failures.get(ed25519).copied().unwrap_or(0)
    }

    /// The keys of the nodes with at least `limit` failures, in key order: pass them to
    /// [`PathRules::failed_all`](super::PathRules::failed_all). A `limit` of 0 lists every node
    /// with a failure (never nodes without one).
    pub fn failed(&self, limit: u32) -> impl Iterator<Item = Ed25519Public> + '_ {
        self.failures
            .iter()
            .filter(move |&(_, &n)| n >= limit)
            .map(|(k, _)| *k)
    }

    fn take(&mut self, ed25519: &Ed25519Public) -> Option<ServiceNode> {
        let i = self.nodes.iter().position(|n| n.ed25519() == ed25519)?;
        Some(self.nodes.remove(i))
    }
}

impl fmt::Debug for NodePool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodePool")
            .field("nodes", &self.nodes.len())
            .field("swarms", &self.swarms.len())
            .field("failing", &self.failures.len())
            .finish()
    }
}
