//! Onion path selection.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use rand_core::CryptoRng;

use super::{ServiceNode, uniform_index};
use crate::identity::Ed25519Public;

/// How far apart the nodes of one path must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Diversity {
    /// No two nodes in the same IPv4 /24 (the desktop client's rule).
    #[default]
    Subnet24,
    /// No two nodes with the same IPv4 address (libsession's rule).
    DistinctIp,
}

impl Diversity {
    fn conflicts(self, a: &ServiceNode, b: &ServiceNode) -> bool {
        let (a, b) = (a.ip().octets(), b.ip().octets());
        match self {
            Self::Subnet24 => a.get(..3) == b.get(..3),
            Self::DistinctIp => a == b,
        }
    }
}

/// The rules a path must satisfy.
///
/// Three kinds of node never enter a path, each counted separately in
/// [`PathError::NotEnoughNodes`]: the request's [destination](PathRules::destination), the
/// caller's [exclusions](PathRules::exclude) (for example nodes already in another path) and
/// nodes marked as [failed](PathRules::failed) (see [`NodePool::failed`](super::NodePool::failed)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathRules {
    hops: usize,
    diversity: Diversity,
    destination: Option<Ed25519Public>,
    excluded: BTreeSet<Ed25519Public>,
    failed: BTreeSet<Ed25519Public>,
}

impl Default for PathRules {
    fn default() -> Self {
        Self {
            hops: Self::DEFAULT_HOPS,
            diversity: Diversity::default(),
            destination: None,
            excluded: BTreeSet::new(),
            failed: BTreeSet::new(),
        }
    }
}

impl PathRules {
    /// Nodes in a path: the guard and two more (the destination is an extra hop).
    pub const DEFAULT_HOPS: usize = 3;
    /// The most hops a service node relays (`hop_no` above 15 is refused).
    pub const MAX_HOPS: usize = 15;

    /// Three hops, /24 diversity, no destination, nothing excluded or failed.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of nodes in the path (1 to [`PathRules::MAX_HOPS`]).
    #[must_use]
    pub fn hops(mut self, hops: usize) -> Self {
        self.hops = hops;
        self
    }

    /// The diversity rule.
    #[must_use]
    pub fn diversity(mut self, diversity: Diversity) -> Self {
        self.diversity = diversity;
        self
    }

    /// The node the request goes to (the extra hop after the path): it is never one of the
    /// path's own nodes. A later call replaces an earlier one.
    #[must_use]
    pub fn destination(mut self, ed25519: Ed25519Public) -> Self {
        self.destination = Some(ed25519);
        self
    }

    /// Never use this node: for example one already in another path, or one with a pending
    /// connection. (Before [`PathRules::destination`] and [`PathRules::failed`] existed this
    /// also served for those; it still works for them, but the error then counts them as
    /// excluded.)
    #[must_use]
    pub fn exclude(mut self, ed25519: Ed25519Public) -> Self {
        self.excluded.insert(ed25519);
        self
    }

    /// [`PathRules::exclude`] for each key.
    #[must_use]
    pub fn exclude_all(mut self, keys: impl IntoIterator<Item = Ed25519Public>) -> Self {
        self.excluded.extend(keys);
        self
    }

    /// Never use this node: it is marked as failed (libsession drops a node after 3 failed
    /// requests; [`NodePool::failed`](super::NodePool::failed) lists the nodes over a limit).
    #[must_use]
    pub fn failed(mut self, ed25519: Ed25519Public) -> Self {
        self.failed.insert(ed25519);
        self
    }

    /// [`PathRules::failed`] for each key.
    #[must_use]
    pub fn failed_all(mut self, keys: impl IntoIterator<Item = Ed25519Public>) -> Self {
        self.failed.extend(keys);
        self
    }

    /// Which rule, if any, keeps `n` out of every path (checked in the order destination,
    /// exclusion, failure).
    fn removes(&self, n: &ServiceNode) -> Option<Removed> {
        let key = n.ed25519();
        if self.destination.as_ref() == Some(key) {
            Some(Removed::Destination)
        } else if self.excluded.contains(key) {
            Some(Removed::Excluded)
        } else if self.failed.contains(key) {
            Some(Removed::Failed)
        } else {
            None
        }
    }
}

#[derive(Clone, Copy)]
enum Removed {
    Destination,
    Excluded,
    Failed,
}

/// Why no path could be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// The rules ask for 0 hops or more than 15.
    #[error("a path has 1 to 15 hops, {0} requested")]
    BadLength(usize),
    /// The pool ran out before `needed` nodes were chosen. Every record of the pool is counted
    /// exactly once: `pool = destination + excluded + failed + conflicting + found`, so the
    /// counts show which rule used the pool up.
    #[error(
        "only {found} of {needed} path nodes could be chosen from {pool} nodes: {destination} \
         destination, {excluded} excluded, {failed} failed, {conflicting} too close to a chosen \
         node"
    )]
    NotEnoughNodes {
        /// Hops requested.
        needed: usize,
        /// How many could be chosen before the pool ran out.
        found: usize,
        /// Records in the pool given.
        pool: usize,
        /// Records removed as the request's destination.
        destination: usize,
        /// Records removed by the caller's exclusions (and not the destination).
        excluded: usize,
        /// Records removed as failed (and neither the destination nor excluded).
        failed: usize,
        /// Eligible records removed by the diversity rule: in the /24 or at the IP of a chosen
        /// node (or a second record of a chosen node's key).
        conflicting: usize,
    },
}

/// Picks the nodes of an onion path, guard first: each a uniformly random choice among the
/// nodes that are not the destination, excluded or failed, and do not conflict (by `rules`'
/// diversity) with those already chosen. Deterministic for a given pool order and RNG state.
///
/// ```
/// use std::net::Ipv4Addr;
/// use rand_chacha::{ChaCha20Rng, rand_core::SeedableRng};
/// use session_protocol::Identity;
/// use session_protocol::swarm::{PathError, PathRules, ServiceNode, SwarmId, select_path};
///
/// let pool: Vec<ServiceNode> = (1..=8u8)
///     .map(|i| {
///         let key = Identity::from_seed(&[i; 32]).ed25519_public();
///         ServiceNode::new(key, Ipv4Addr::new(10, 0, i, 1), 443, 22020, SwarmId(1))
///     })
///     .collect::<Result<_, _>>()?;
/// let destination = *pool[0].ed25519();
/// let broken = *pool[1].ed25519();
/// let rules = PathRules::new().destination(destination).failed(broken);
/// let mut rng = ChaCha20Rng::from_seed([3; 32]);
/// let path = select_path(&pool, &rules, &mut rng)?;
/// assert_eq!(path.len(), 3);
/// assert!(path.iter().all(|n| *n.ed25519() != destination && *n.ed25519() != broken));
///
/// // Excluding five more leaves one eligible node: the error says where the pool went.
/// let rules = rules.exclude_all(pool[2..7].iter().map(|n| *n.ed25519()));
/// assert_eq!(
///     select_path(&pool, &rules, &mut rng),
///     Err(PathError::NotEnoughNodes {
///         needed: 3,
///         found: 1,
///         pool: 8,
///         destination: 1,
///         excluded: 5,
///         failed: 1,
///         conflicting: 0,
///     })
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`PathError::BadLength`] for 0 or more than 15 hops, [`PathError::NotEnoughNodes`] when the
/// pool cannot satisfy the rules.
pub fn select_path<R: CryptoRng + ?Sized>(
    pool: &[ServiceNode],
    rules: &PathRules,
    rng: &mut R,
) -> Result<Vec<ServiceNode>, PathError> {
    if rules.hops == 0 || rules.hops > PathRules::MAX_HOPS {
        return Err(PathError::BadLength(rules.hops));
    }
    let (mut destination, mut excluded, mut failed, mut conflicting) = (0usize, 0usize, 0, 0);
    let mut eligible: Vec<&ServiceNode> = Vec::with_capacity(pool.len());
    for n in pool {
        let counter = match rules.removes(n) {
            None => {
                eligible.push(n);
                continue;
            }
            Some(Removed::Destination) => &mut destination,
            Some(Removed::Excluded) => &mut excluded,
            Some(Removed::Failed) => &mut failed,
        };
        *counter = counter.saturating_add(1);
    }
    let mut path = Vec::with_capacity(rules.hops);
    while path.len() < rules.hops {
        if eligible.is_empty() {
            return Err(PathError::NotEnoughNodes {
                needed: rules.hops,
                found: path.len(),
                pool: pool.len(),
                destination,
                excluded,
                failed,
                conflicting,
            });
        }
        // `remove` (not `swap_remove`) keeps pool order, so the draws alone decide the path.
        let chosen = eligible.remove(uniform_index(rng, eligible.len()));
        let before = eligible.len();
        eligible
            .retain(|n| !rules.diversity.conflicts(n, chosen) && n.ed25519() != chosen.ed25519());
        conflicting = conflicting.saturating_add(before.saturating_sub(eligible.len()));
        path.push(chosen.clone());
    }
    Ok(path)
}
